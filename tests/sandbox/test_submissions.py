"""Submissions are stored before they run, and a run that dies is retried, never lost."""

from __future__ import annotations

from datetime import timedelta

import nbformat
import pytest

from app.database import utcnow
from app.engine import grading
from app.errors import InvalidInput
from app.extensions import db
from app.models import LabSubmission
from app.services import lab_submissions
from tests.sandbox.labs_fixture import HONEST, submission


def store(lab, notebook):
    stored = lab_submissions.store(None, lab, nbformat.writes(notebook), seed=2, now=utcnow())
    db.session.commit()
    return stored


def test_malformed_submissions_are_refused_and_nothing_is_stored(ctx, lab):
    for raw in ("{not json", nbformat.writes(nbformat.v4.new_notebook())):
        with pytest.raises(InvalidInput):
            lab_submissions.store(None, lab, raw, seed=1, now=utcnow())
    assert db.session.query(LabSubmission).count() == 0


def test_a_stored_submission_is_graded(ctx, lab, executor):
    stored = store(lab, submission(HONEST))
    assert stored.status == "queued"
    done = grading.grade_next(load_lab=lambda _: lab, executor=executor, now=utcnow)
    assert done.id == stored.id and done.status == "graded"
    assert (done.total, done.maximum) == (5, 5)
    assert [c["passed"] for c in done.result["checks"]] == [True, True]


def test_a_run_that_died_is_picked_up_again(ctx, lab, executor):
    stored = store(lab, submission(HONEST))
    claimed = lab_submissions.claim_next(now=utcnow() - timedelta(minutes=30))
    db.session.commit()
    assert claimed.id == stored.id and claimed.status == "running"
    # ... the worker dies here. Nothing else is queued, and the lease has run out:
    done = grading.grade_next(load_lab=lambda _: lab, executor=executor, now=utcnow)
    assert done.id == stored.id and done.status == "graded" and done.tries == 2


def test_a_run_still_within_its_lease_is_left_alone(ctx, lab):
    store(lab, submission(HONEST))
    lab_submissions.claim_next(now=utcnow())
    db.session.commit()
    assert lab_submissions.claim_next(now=utcnow()) is None


def test_after_three_dead_runs_it_fails_but_keeps_the_notebook(ctx, lab):
    stored = store(lab, submission(HONEST))
    start = utcnow() - timedelta(hours=2)
    for attempt in range(4):
        lab_submissions.claim_next(now=start + attempt * timedelta(minutes=20))
        db.session.commit()
    db.session.refresh(stored)
    assert stored.status == "failed" and "re-grade" in stored.message
    assert "availability = shift['run']" in stored.notebook


def test_a_stalled_grader_cannot_record_over_a_regrade(ctx, lab):
    """Review finding: a re-grade restarts the try count, so the fence is the whole claim."""
    from app.services import lab_attempts

    stored = lab_submissions.store(None, lab, nbformat.writes(submission(HONEST)), seed=1,
                                   now=utcnow())  # fmt: skip
    db.session.commit()
    stalled = lab_submissions.claim_next(now=utcnow())
    token = lab_submissions.claim_token(stalled)
    db.session.commit()
    stored.status = "graded"  # another grader finished it; then staff asked for a re-grade
    lab_attempts.regrade(stored)
    db.session.commit()
    again = lab_submissions.claim_next(now=utcnow())
    db.session.commit()
    assert again.tries == token[0]  # the same try number as the stalled grader's
    assert not lab_submissions.still_held(stalled, token)
    assert lab_submissions.still_held(again, lab_submissions.claim_token(again))


def test_the_sweep_leaves_alone_what_waits_in_the_queue_for_less_than_its_timeout(ctx, lab):
    fresh = lab_submissions.store(None, lab, nbformat.writes(submission(HONEST)), seed=1,
                                  now=utcnow())  # fmt: skip
    old = lab_submissions.store(None, lab, nbformat.writes(submission(HONEST)), seed=2,
                                now=utcnow() - timedelta(hours=1))  # fmt: skip
    db.session.commit()
    stranded = lab_submissions.stranded(now=utcnow(), older_than=timedelta(minutes=15))
    assert stranded == [old.id] and fresh.id not in stranded

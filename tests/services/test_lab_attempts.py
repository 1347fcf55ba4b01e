"""Submitting from the workspace: numbered attempts, one at a time, progress, evidence."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from app.content import labs
from app.database import utcnow
from app.errors import Conflict
from app.extensions import db
from app.models import Competency, CompetencyEvidence, Framework, LabSubmission
from app.sandbox.executor import FakeExecutor
from app.services import lab_attempts, lab_submissions, lab_workspaces
from tests.factories import SEED_SECRET, make_user
from tests.sandbox.labs_fixture import source_notebook


@pytest.fixture
def lab():
    return labs.parse(source_notebook())


def workspace_of(user, lab):
    workspace = lab_workspaces.open_workspace(user, lab, now=utcnow(), secret=SEED_SECRET)
    db.session.commit()
    return workspace


def _only_submission() -> LabSubmission:
    [submission] = db.session.scalars(select(LabSubmission)).all()
    return submission


def grade_next(lab, executor=None):
    return lab_submissions.process_next(
        load_lab=lambda _: lab, executor=executor or FakeExecutor(), now=utcnow
    )


def test_attempts_are_numbered_and_carry_the_learners_seed(ctx, lab):
    learner = make_user()
    workspace = workspace_of(learner, lab)
    first = lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    db.session.commit()
    grade_next(lab)
    second = lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    assert (first.attempt, second.attempt) == (1, 2)
    assert first.seed == second.seed == workspace.seed
    assert [s.attempt for s in lab_submissions.attempts(learner, lab.id)] == [2, 1]


def test_a_second_submission_while_one_is_grading_is_refused_and_nothing_is_lost(ctx, lab):
    learner = make_user()
    workspace = workspace_of(learner, lab)
    lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    db.session.commit()
    with pytest.raises(Conflict, match="still being graded"):
        lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    assert db.session.query(LabSubmission).count() == 1


def test_the_maximum_number_of_attempts_is_kept(ctx, lab):
    limited = dataclasses.replace(lab, max_attempts=1)
    learner = make_user()
    workspace = workspace_of(learner, limited)
    lab_submissions.submit_workspace(learner, limited, workspace, now=utcnow())
    db.session.commit()
    grade_next(limited)
    with pytest.raises(Conflict, match="all 1 attempts"):
        lab_submissions.submit_workspace(learner, limited, workspace, now=utcnow())


def test_grading_reports_progress_cell_by_cell(ctx, lab):
    learner = make_user()
    submitted = lab_submissions.submit_workspace(
        learner, lab, workspace_of(learner, lab), now=utcnow()
    )
    db.session.commit()
    seen = []

    class Watching(FakeExecutor):
        def run(self, notebook, limits=None, *, pooled=True, on_cell=None):
            def watch(index, steps):
                on_cell(index, steps)
                query = select(LabSubmission.progress).where(LabSubmission.id == submitted.id)
                deadline, pause = time.monotonic() + 20, threading.Event()
                while True:  # what another page would read, once the write has landed
                    with db.engine.connect() as connection:
                        value = connection.scalar(query)
                    if value == index + 1 or time.monotonic() > deadline:
                        break
                    pause.wait(0.01)
                seen.append(value)

            return super().run(notebook, limits, pooled=pooled, on_cell=watch if on_cell else None)

    done = grade_next(lab, Watching())
    db.session.refresh(done)
    assert done.status == "graded"
    assert done.steps > 2 and done.progress == done.steps
    assert seen[: done.steps] == list(range(1, done.steps + 1))


def add_lab_competency() -> None:
    """The fixture lab's competency, SM.KPI.1, in a framework of its own."""
    framework = Framework(slug="sm", uuid=str(uuid.uuid4()), title="SM", version="1")
    db.session.add(framework)
    db.session.flush()
    db.session.add(
        Competency(
            framework_id=framework.id,
            uuid=str(uuid.uuid4()),
            code="SM.KPI.1",
            title="Compute OEE",
            kind="competency",
        )
    )


def test_each_graded_attempt_is_competency_evidence(ctx, lab):
    add_lab_competency()
    learner = make_user()
    lab_submissions.submit_workspace(learner, lab, workspace_of(learner, lab), now=utcnow())
    db.session.commit()
    grade_next(lab)
    evidence = db.session.scalars(select(CompetencyEvidence)).all()
    assert [(e.user_id, e.source_kind, e.source_ref) for e in evidence] == [
        (learner.id, "lab", "lab-availability#attempt-1")
    ]

    # A re-grade of the attempt replaces its evidence: the attempt still counts once.
    lab_attempts.regrade(_only_submission())
    db.session.commit()
    grade_next(lab)
    again = db.session.scalars(select(CompetencyEvidence)).all()
    assert [e.source_ref for e in again] == ["lab-availability#attempt-1"]


def test_an_attempt_that_cannot_be_graded_counts_for_nothing_and_is_retried(ctx, lab):
    """Review finding: a failed reference run turned into a stored grade and evidence."""
    add_lab_competency()
    broken_check = dataclasses.replace(lab.checks[0], expected="1 / 0")
    broken = dataclasses.replace(lab, checks=(broken_check, *lab.checks[1:]))
    learner = make_user()
    lab_submissions.submit_workspace(learner, broken, workspace_of(learner, broken), now=utcnow())
    db.session.commit()

    first = grade_next(broken)
    assert (first.status, first.total, first.result) == ("queued", None, None)
    assert "could not be graded yet" in first.message and "'availability'" in first.message
    assert db.session.scalars(select(CompetencyEvidence)).all() == []
    # Not taken again at once: the engine gets a moment to recover.
    assert lab_submissions.claim_next(now=utcnow()) is None

    def grade_at(moment):
        return lab_submissions.process_next(
            load_lab=lambda _: broken, executor=FakeExecutor(), now=lambda: moment
        )

    later = utcnow()
    for _ in range(lab_submissions.MAX_TRIES - 1):
        later += lab_submissions.RETRY_AFTER * 2
        assert grade_at(later).status == "queued"
    gave_up = grade_at(later + lab_submissions.RETRY_AFTER * 2)
    assert gave_up.status == "failed" and "notebook is saved" in gave_up.message
    assert gave_up.total is None
    assert db.session.scalars(select(CompetencyEvidence)).all() == []

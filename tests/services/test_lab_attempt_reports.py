"""Reading lab attempts: progress, the report (no hidden code), reviewers' lists, re-grade."""

from __future__ import annotations

import nbformat
import pytest

from app.content import labs
from app.database import utcnow
from app.domain.roles import Role
from app.engine import grading
from app.errors import Conflict, NotFound
from app.extensions import db
from app.services import lab_attempts, lab_submissions, lab_workspaces
from tests.factories import SEED_SECRET, LocalExecutor, make_org, make_user
from tests.sandbox.labs_fixture import HIDDEN_CASES, HONEST, source_notebook, submission


@pytest.fixture
def lab():
    return labs.parse(source_notebook())


def submit(user, lab, answers: dict[str, str]):
    space = lab_workspaces.open_workspace(user, lab, now=utcnow(), secret=SEED_SECRET)
    if answers:
        lab_workspaces.save(space, lab, answers, base_revision=space.revision, now=utcnow())
    submitted = lab_submissions.submit_workspace(user, lab, space, now=utcnow())
    db.session.commit()
    return submitted


def grade_next(lab):
    return grading.grade_next(load_lab=lambda _: lab, executor=LocalExecutor(), now=utcnow)


def test_report_shows_each_check_without_hidden_code(ctx, lab):
    done = submit(make_user(), lab, {"answer-oee": HONEST["answer-oee"]})
    grade_next(lab)
    report = lab_attempts.report(done)
    assert [(c["description"], c["passed"], c["visible"]) for c in report.checks] == [
        ("availability for your shift", False, True),
        ("oee() multiplies the three factors", True, False),
    ]
    assert report.passed == 1
    safe = {"description", "passed", "earned", "points", "visible", "feedback"}
    assert all(set(check) == safe for check in report.checks)
    assert "name 'availability' is not defined" in report.checks[0]["feedback"]
    shown = repr(report.checks) + repr(report.cells)
    for secret in (HIDDEN_CASES, "__cases", "(393 + seed % 7) / 450", "__shopfloor_observe"):
        assert secret not in shown


def test_report_cells_carry_how_each_ran(ctx, lab):
    done = submit(make_user(), lab, {"answer-availability": "print('hello')"})
    grade_next(lab)
    cells = {c.id: c for c in lab_attempts.report(done).cells}
    assert "hidden-cases" not in cells
    assert cells["answer-availability"].status == "ok"
    assert cells["answer-availability"].outputs[0]["text"] == "hello\n"
    assert cells["answer-oee"].status == "ok"  # it only defines the function
    assert cells["self-check"].status == "error"  # availability was never set


def test_report_of_an_unreadable_notebook_has_no_cells(ctx, lab):
    done = submit(make_user(), lab, {})
    done.notebook = "{broken"
    assert lab_attempts.report(done).cells == []


def test_progress_follows_the_status(ctx, lab):
    done = submit(make_user(), lab, dict(HONEST))
    state = lab_attempts.progress(done)
    assert (state["status"], state["done"], state["total"]) == ("queued", False, None)
    grade_next(lab)
    db.session.refresh(done)
    state = lab_attempts.progress(done)
    assert (state["status"], state["done"], state["total"], state["maximum"]) == (
        "graded",
        True,
        5,
        5,
    )
    done.status, done.message = "failed", "Grading stopped 3 times."
    assert lab_attempts.progress(done)["text"] == "Grading stopped 3 times."
    assert lab_attempts.progress(done)["done"] is True


def test_an_attempt_without_a_learner_cannot_be_opened(ctx, lab):
    stored = lab_submissions.store(
        None, lab, nbformat.writes(submission(HONEST)), seed=1, now=utcnow()
    )
    with pytest.raises(NotFound):
        lab_attempts.get(stored.id)
    with pytest.raises(NotFound):
        lab_attempts.get(stored.id + 1000)


def test_reviewers_list_their_organizations_learners_with_best_and_latest(ctx, lab):
    x, y = make_org(), make_org()
    ana = make_user(org=x, name="ana")
    cy = make_user(org=y, name="cy")
    first = submit(ana, lab, dict(HONEST))
    grade_next(lab)
    space = lab_workspaces.find(ana, lab.id)
    lab_workspaces.save(
        space, lab, {"answer-oee": "oee = None"}, base_revision=space.revision, now=utcnow()
    )
    second = lab_submissions.submit_workspace(ana, lab, space, now=utcnow())
    db.session.commit()
    grade_next(lab)
    submit(cy, lab, {})
    instructor = make_user(org=x, role=Role.INSTRUCTOR)
    [row] = lab_attempts.for_reviewer(instructor, lab.id)
    assert (row.learner.id, row.attempts, row.best, row.maximum) == (ana.id, 2, 5, 5)
    assert row.latest.id == second.id != first.id and second.total == 2
    admin = make_user(role=Role.PLATFORM_ADMIN)
    rows = lab_attempts.for_reviewer(admin, lab.id)
    assert [(r.learner.name, r.best) for r in rows] == [("ana", 5), ("cy", None)]
    assert lab_attempts.for_reviewer(make_user(role=Role.INSTRUCTOR), lab.id) == []
    assert lab_attempts.for_reviewer(instructor, "another-lab") == []


def test_regrade_requeues_a_finished_attempt_only(ctx, lab):
    done = submit(make_user(), lab, dict(HONEST))
    with pytest.raises(Conflict, match="already waiting"):
        lab_attempts.regrade(done)
    grade_next(lab)
    lab_attempts.regrade(done)
    assert (done.status, done.progress, done.tries, done.finished_at) == ("queued", 0, 0, None)
    db.session.commit()
    regraded = grade_next(lab)
    assert (regraded.id, regraded.status, regraded.total) == (done.id, "graded", 5)

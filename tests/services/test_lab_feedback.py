"""Staff feedback on lab attempts: comments, score overrides (the effective score, their
history, the audit trail) and extra attempts (which the submit limit honours)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import AuditEvent, ScoreOverride
from app.services import lab_attempts, lab_feedback, lab_progress, lab_submissions, lab_workspaces
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.factories import SEED_SECRET
from tests.services.test_gradebook import enrol, make_cohort, offer_limited_lab, submit


@pytest.fixture
def world(ctx, tmp_path):
    """Ana learns at Lakeshore, in a cohort Ian teaches; Rita reviews for Lakeshore too."""
    sync_tree(FIXTURE_CURRICULA / "good")
    lab = offer_limited_lab(tmp_path / "labs", max_attempts=1)
    host = factories.make_org(name="Lakeshore Community College")
    ana = factories.make_user(org=host, name="Ana Lopez")
    ian = factories.make_user(org=host, role=Role.INSTRUCTOR, name="Ian Reyes")
    rita = factories.make_user(org=host, role=Role.INSTRUCTOR, name="Rita Moreno")
    cohort = make_cohort(host)
    enrol(cohort, ana)
    enrol(cohort, ian, role="instructor")
    db.session.commit()
    return {"lab": lab, "host": host, "ana": ana, "ian": ian, "rita": rita, "cohort": cohort}


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# The effective score --------------------------------------------------------------------------


def test_feedback_the_latest_override_is_the_effective_score(world):
    attempt = submit(world["ana"], world["lab"], total=2.0)
    assert lab_feedback.scores([attempt])[attempt.id].total == 2.0
    when = utcnow()
    lab_feedback.override(attempt, world["ian"], "4.5", "Hidden test too strict", now=when,
                          org=world["host"])  # fmt: skip
    lab_feedback.override(attempt, world["rita"], "4", "Agreed on 4 after review", now=when,
                          org=world["host"])  # fmt: skip
    score = lab_feedback.scores([attempt])[attempt.id]
    assert (score.total, score.graded, score.overridden, score.share) == (4.0, 2.0, True, 0.8)
    assert attempt.total == 2.0  # the attempt itself is never changed
    lab_feedback.clear_override(attempt, world["ian"], "Test fixed", now=utcnow(),
                                org=world["host"])  # fmt: skip
    score = lab_feedback.scores([attempt])[attempt.id]
    assert (score.total, score.overridden) == (2.0, False)
    assert db.session.scalar(select(db.func.count()).select_from(ScoreOverride)) == 3


def test_feedback_override_history_shows_each_change_with_what_it_replaced(world):
    attempt = submit(world["ana"], world["lab"], total=2.0)
    lab_feedback.override(attempt, world["ian"], "5", "Full marks: the hidden test was wrong",
                          now=utcnow(), org=world["host"])  # fmt: skip
    lab_feedback.override(attempt, world["rita"], "4", "Second look", now=utcnow(),
                          org=world["host"])  # fmt: skip
    lab_feedback.clear_override(attempt, world["ian"], "Re-graded", now=utcnow(),
                                org=world["host"])  # fmt: skip
    history = lab_feedback.score_history(attempt)
    assert [(n.author, n.total, n.was, n.text) for n in history] == [
        ("Ian Reyes", 5.0, 2.0, "Full marks: the hidden test was wrong"),
        ("Rita Moreno", 4.0, 5.0, "Second look"),
        ("Ian Reyes", None, 4.0, "Re-graded"),
    ]


def test_feedback_overrides_count_in_the_learners_best_score_and_the_reviewers_list(world):
    lab = world["lab"]
    lab_feedback.grant(world["ana"], lab, "1", "Another go", author=world["ian"], now=utcnow(),
                       org=world["host"])  # fmt: skip
    first = submit(world["ana"], lab, total=4.0)
    second = submit(world["ana"], lab, total=1.0)
    lab_feedback.override(second, world["ian"], "5", "Partial credit for the method",
                          now=utcnow(), org=world["host"])  # fmt: skip
    db.session.commit()
    [line] = lab_progress.for_learner(world["ana"])
    assert (line.best, line.maximum) == (5.0, 5.0)
    [row] = lab_attempts.for_reviewer(world["ian"], lab.id)
    assert row.best == 5.0
    lab_feedback.override(second, world["ian"], "0", "Copied work", now=utcnow(),
                          org=world["host"])  # fmt: skip
    db.session.commit()
    assert lab_progress.for_learner(world["ana"])[0].best == 4.0
    assert first.total == 4.0


@pytest.mark.parametrize(
    ("total", "reason", "field"),
    [
        ("6", "Too much", "total"),
        ("-1", "Negative", "total"),
        ("four", "Words", "total"),
        ("nan", "Not a number", "total"),
        ("inf", "Endless", "total"),
        ("", "Empty", "total"),
        ("3", "   ", "reason"),
        ("3", "x" * (lab_feedback.MAX_REASON + 1), "reason"),
    ],
)
def test_feedback_override_refuses_bad_input_and_writes_nothing(world, total, reason, field):
    attempt = submit(world["ana"], world["lab"], total=2.0)
    with pytest.raises(InvalidInput) as refused:
        lab_feedback.override(attempt, world["ian"], total, reason, now=utcnow(),
                              org=world["host"])  # fmt: skip
    assert refused.value.field == field
    assert "5" in refused.value.message or field == "reason"
    assert db.session.scalar(select(db.func.count()).select_from(ScoreOverride)) == 0
    assert events("lab.score_overridden") == []


def test_feedback_only_a_graded_attempt_gets_a_score(world):
    queued = submit(world["ana"], world["lab"])
    with pytest.raises(Conflict, match="Only a graded attempt"):
        lab_feedback.override(queued, world["ian"], "3", "Early", now=utcnow(), org=world["host"])
    graded = queued
    graded.status, graded.total, graded.maximum = "graded", 3.0, 5.0
    with pytest.raises(Conflict, match="autograded one already"):
        lab_feedback.clear_override(graded, world["ian"], "Nothing to clear", now=utcnow(),
                                    org=world["host"])  # fmt: skip


def test_feedback_overrides_and_grants_are_audited_in_the_cohorts_host(world):
    attempt = submit(world["ana"], world["lab"], total=2.0)
    org = lab_feedback.audit_org(world["ian"], world["ana"])
    assert org == world["host"]
    lab_feedback.override(attempt, world["ian"], "3.5", "Rounding in the hidden test",
                          now=utcnow(), org=org)  # fmt: skip
    lab_feedback.grant(world["ana"], world["lab"], "2", "Missed the lab session",
                       author=world["ian"], now=utcnow(), org=org)  # fmt: skip
    db.session.commit()
    [overridden] = events("lab.score_overridden")
    assert (overridden.organization_id, overridden.actor_id) == (world["host"].id, world["ian"].id)
    assert overridden.subject == "Ana Lopez" and overridden.note == "Rounding in the hidden test"
    assert overridden.details["was"] == 2.0 and overridden.details["total"] == 3.5
    assert overridden.details["submission"] == attempt.public_id
    [granted] = events("lab.attempts_granted")
    assert granted.details["extra"] == 2 and granted.details["allowed"] == 3
    assert granted.note == "Missed the lab session"


def test_feedback_audit_org_without_a_cohort_is_the_reviewers_shared_organization(world):
    college = factories.make_org(name="Second College")
    bea = factories.make_user(org=college, name="Bea Learner")
    teacher = factories.make_user(org=college, role=Role.INSTRUCTOR)
    factories.join(teacher, world["host"], Role.INSTRUCTOR)  # teaches for both
    assert lab_feedback.cohorts_of(bea) == []
    assert lab_feedback.audit_org(teacher, bea) == college
    admin = factories.make_user(role=Role.PLATFORM_ADMIN)
    assert lab_feedback.audit_org(admin, bea) == college  # the learner's own
    employer = factories.make_org(kind=OrgKind.EMPLOYER)
    worker = factories.make_user(org=employer)
    enrol(world["cohort"], worker)  # a cohort learner who is not a member of the host
    assert lab_feedback.audit_org(world["ian"], worker) == world["host"]


# Extra attempts -------------------------------------------------------------------------------


def test_feedback_a_grant_lets_the_learner_submit_once_more(world):
    lab, ana = world["lab"], world["ana"]
    submit(ana, lab, total=1.0)
    space = lab_workspaces.open_workspace(ana, lab, now=utcnow(), secret=SEED_SECRET)
    assert lab_submissions.allowance(ana, lab).used_up
    with pytest.raises(Conflict, match="used all 1 attempts"):
        lab_submissions.submit_workspace(ana, lab, space, now=utcnow())
    lab_feedback.grant(ana, lab, "1", "Internet went down", author=world["ian"], now=utcnow(),
                       org=world["host"])  # fmt: skip
    limit = lab_submissions.allowance(ana, lab)
    assert (limit.used, limit.allowed, limit.extra, limit.remaining) == (1, 2, 1, 1)
    again = lab_submissions.submit_workspace(ana, lab, space, now=utcnow())
    assert again.attempt == 2
    again.status = "graded"
    with pytest.raises(Conflict, match="used all 2 attempts"):
        lab_submissions.submit_workspace(ana, lab, space, now=utcnow())
    [note] = lab_feedback.grants(ana, lab.id)
    assert (note.author, note.total, note.text) == ("Ian Reyes", 1.0, "Internet went down")


@pytest.mark.parametrize(
    ("extra", "reason", "field"),
    [("0", "None", "extra"), ("11", "Many", "extra"), ("1.5", "Half", "extra"),
     ("two", "Words", "extra"), ("1", "", "reason")],
)  # fmt: skip
def test_feedback_grant_refuses_bad_input(world, extra, reason, field):
    with pytest.raises(InvalidInput) as refused:
        lab_feedback.grant(world["ana"], world["lab"], extra, reason, author=world["ian"],
                           now=utcnow(), org=world["host"])  # fmt: skip
    assert refused.value.field == field
    assert lab_submissions.allowance(world["ana"], world["lab"]).extra == 0


def test_feedback_no_grant_on_a_lab_without_a_limit(world, tmp_path):
    unlimited = offer_limited_lab(tmp_path / "labs", max_attempts=None)
    with pytest.raises(Conflict, match="any number of attempts"):
        lab_feedback.grant(world["ana"], unlimited, "1", "More", author=world["ian"],
                           now=utcnow(), org=world["host"])  # fmt: skip


# Comments and the workspace -------------------------------------------------------------------


def test_feedback_comments_and_what_the_workspace_tells_the_learner(world):
    lab, ana = world["lab"], world["ana"]
    attempt = submit(ana, lab, total=2.0)
    with pytest.raises(InvalidInput) as refused:
        lab_feedback.comment(attempt, world["ian"], " \n ", now=utcnow())
    assert refused.value.field == "body"
    lab_feedback.comment(attempt, world["ian"], "Check your units in cell 3.", now=utcnow())
    lab_feedback.override(attempt, world["ian"], "3", "Units fixed by hand", now=utcnow(),
                          org=world["host"])  # fmt: skip
    lab_feedback.grant(ana, lab, "1", "Try the units again", author=world["ian"], now=utcnow(),
                       org=world["host"])  # fmt: skip
    [comment] = lab_feedback.comments(attempt)
    assert (comment.author, comment.text) == ("Ian Reyes", "Check your units in cell 3.")
    attempts = lab_submissions.attempts(ana, lab.id)
    notes = lab_feedback.for_workspace(ana, lab, attempts)
    assert (notes.allowance.allowed, notes.allowance.remaining) == (2, 1)
    assert notes.commented == [attempt] and notes.rescored == [attempt]
    assert notes.scores[attempt.id].total == 3.0
    assert [g.text for g in notes.grants] == ["Try the units again"]

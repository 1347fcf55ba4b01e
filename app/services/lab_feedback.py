"""What staff add to a learner's lab attempts: comments, score overrides and extra attempts.

An override never changes the attempt: it is a row of its own, and the latest one is the
attempt's score (its *effective* score) until another replaces it or one with no total puts
the autograded score back. Overrides and grants are audited in the organization that teaches
the learner (the host of a cohort they are in, else the reviewer's own organization).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, func, select

from app import policy
from app.content.labs import Lab
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import (
    AttemptGrant,
    Cohort,
    CohortMember,
    LabSubmission,
    Organization,
    ScoreOverride,
    SubmissionComment,
    User,
)
from app.services import audit, lab_submissions

MAX_COMMENT = 4000
MAX_REASON = 1000
MAX_EXTRA = 10  # attempts one grant may add


class Graded(Protocol):
    """What a score is read from: a LabSubmission, or a row with the same columns."""

    id: int
    status: str
    total: float | None
    maximum: float | None


@dataclass(frozen=True)
class Score:
    """An attempt's score as it counts: the override in force, else the autograded total."""

    total: float | None  # None: not graded
    maximum: float | None
    graded: float | None  # what the autograder gave
    override: ScoreOverride | None = None  # the override in force, if any

    @property
    def overridden(self) -> bool:
        return self.override is not None

    @property
    def share(self) -> float | None:
        if self.total is None or not self.maximum:
            return None
        return self.total / self.maximum


def score_of(submission: Graded, latest: ScoreOverride | None) -> Score:
    """The effective score of *submission*, given its latest override (or None)."""
    graded = submission.total if submission.status == "graded" else None
    if submission.status != "graded" or latest is None or latest.total is None:
        return Score(graded, submission.maximum, graded)
    return Score(latest.total, submission.maximum, graded, latest)


def latest_overrides(submission_ids: Iterable[int] | Select) -> dict[int, ScoreOverride]:
    """Each submission's latest override (a clearing one included), in one query.

    *submission_ids* are ids, or a SELECT of them (for more than a page of attempts).
    """
    if isinstance(submission_ids, Select):
        ids = submission_ids
    else:
        ids = list(set(submission_ids))
        if not ids:
            return {}
    ranked = (
        select(
            ScoreOverride.id,
            func.row_number()
            .over(
                partition_by=ScoreOverride.submission_id,
                order_by=(ScoreOverride.created_at.desc(), ScoreOverride.id.desc()),
            )
            .label("rank"),
        )
        .where(ScoreOverride.submission_id.in_(ids))
        .subquery()
    )
    query = select(ScoreOverride).join(ranked, ranked.c.id == ScoreOverride.id)
    rows = db.session.scalars(query.where(ranked.c.rank == 1))
    return {row.submission_id: row for row in rows}


def scores(submissions: Iterable[Graded]) -> dict[int, Score]:
    """Submission id → its effective score."""
    submissions = list(submissions)
    latest = latest_overrides(s.id for s in submissions)
    return {s.id: score_of(s, latest.get(s.id)) for s in submissions}


# Reading what staff wrote -------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A comment, or one step of an attempt's score history, as the page shows it."""

    author: str
    created_at: datetime
    text: str  # the comment, or the override's reason
    total: float | None = None  # overrides: the score set (None: autograded score again)
    was: float | None = None  # overrides: the score before


def comments(submission: LabSubmission) -> list[Note]:
    """The comments on *submission*, oldest first."""
    query = (
        select(SubmissionComment, User.name)
        .outerjoin(User, User.id == SubmissionComment.author_id)
        .where(SubmissionComment.submission_id == submission.id)
        .order_by(SubmissionComment.created_at, SubmissionComment.id)
    )
    return [
        Note(name or "A former staff member", row.created_at, row.body)
        for row, name in db.session.execute(query)
    ]


def score_history(submission: LabSubmission) -> list[Note]:
    """Every override of *submission*, oldest first, each with the score it replaced."""
    query = (
        select(ScoreOverride, User.name)
        .outerjoin(User, User.id == ScoreOverride.author_id)
        .where(ScoreOverride.submission_id == submission.id)
        .order_by(ScoreOverride.created_at, ScoreOverride.id)
    )
    graded = submission.total if submission.status == "graded" else None
    history, current = [], graded
    for row, name in db.session.execute(query):
        total = row.total if row.total is not None else graded
        history.append(Note(name or "A former staff member", row.created_at, row.reason,
                            row.total, current))  # fmt: skip
        current = total
    return history


# Changing things ----------------------------------------------------------------------------


def comment(
    submission: LabSubmission, author: User, body: str, *, now: datetime
) -> SubmissionComment:
    """Add a comment to the learner on *submission*; InvalidInput("body") if it is empty."""
    text = _text(body, "body", MAX_COMMENT, "Write the comment to the learner.")
    row = SubmissionComment(
        submission_id=submission.id, author_id=author.id, body=text, created_at=now
    )
    db.session.add(row)
    db.session.flush()
    return row


def override(
    submission: LabSubmission,
    author: User,
    total: Any,
    reason: str,
    *,
    now: datetime,
    org: Organization | None,
) -> ScoreOverride:
    """Set *submission*'s score by hand (audited in *org*).

    *total* is text or a number between 0 and the attempt's maximum; *reason* is required
    (the learner reads it). Conflict unless the attempt is graded.
    """
    _graded(submission)
    points = _points(total, submission.maximum or 0.0)
    text = _text(reason, "reason", MAX_REASON, "Give the reason: the learner reads it.")
    before = score_of(submission, latest_overrides([submission.id]).get(submission.id))
    row = ScoreOverride(
        submission_id=submission.id, total=points, reason=text, author_id=author.id,
        created_at=now,
    )  # fmt: skip
    db.session.add(row)
    _audit(org, author, "lab.score_overridden", submission, now, text,
           was=before.total, total=points)  # fmt: skip
    db.session.flush()
    return row


def clear_override(
    submission: LabSubmission,
    author: User,
    reason: str,
    *,
    now: datetime,
    org: Organization | None,
) -> ScoreOverride:
    """Let the autograded score count again (audited). Conflict if no override is in force."""
    _graded(submission)
    before = score_of(submission, latest_overrides([submission.id]).get(submission.id))
    if not before.overridden:
        raise Conflict("This attempt's score is the autograded one already.")
    text = _text(reason, "reason", MAX_REASON, "Give the reason: the learner reads it.")
    row = ScoreOverride(
        submission_id=submission.id, total=None, reason=text, author_id=author.id, created_at=now
    )
    db.session.add(row)
    _audit(org, author, "lab.score_override_cleared", submission, now, text,
           was=before.total, total=before.graded)  # fmt: skip
    db.session.flush()
    return row


def grant(
    learner: User,
    lab: Lab,
    extra: Any,
    reason: str,
    *,
    author: User,
    now: datetime,
    org: Organization | None,
) -> AttemptGrant:
    """Allow *learner* *extra* more attempts at *lab* (audited in *org*).

    Conflict when the lab takes any number of attempts; InvalidInput for a count outside
    1..MAX_EXTRA or an empty reason.
    """
    if lab.max_attempts is None:
        raise Conflict("This lab takes any number of attempts: there is nothing to grant.")
    count = _count(extra)
    text = _text(reason, "reason", MAX_REASON, "Give the reason: the learner reads it.")
    allowed = lab.max_attempts + lab_submissions.extra_attempts(learner.id, lab.id) + count
    row = AttemptGrant(
        user_id=learner.id, lab_slug=lab.id, extra=count, reason=text, granted_by_id=author.id,
        created_at=now,
    )  # fmt: skip
    db.session.add(row)
    audit.record(
        org, author, "lab.attempts_granted", subject=learner.name,
        details={"lab": lab.id, "extra": count, "allowed": allowed, "email": learner.email},
        note=text, now=now,
    )  # fmt: skip
    db.session.flush()
    return row


def grants(learner: User, lab_id: str) -> list[Note]:
    """The extra attempts granted to *learner* at *lab_id*, oldest first (``total``: how many)."""
    query = (
        select(AttemptGrant, User.name)
        .outerjoin(User, User.id == AttemptGrant.granted_by_id)
        .where(AttemptGrant.user_id == learner.id, AttemptGrant.lab_slug == lab_id)
        .order_by(AttemptGrant.created_at, AttemptGrant.id)
    )
    return [
        Note(name or "A former staff member", row.created_at, row.reason, float(row.extra))
        for row, name in db.session.execute(query)
    ]


# Where it is audited ------------------------------------------------------------------------


def cohorts_of(learner: User) -> list[Cohort]:
    """The cohorts *learner* is an active learner of, oldest first."""
    query = (
        select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(
            CohortMember.user_id == learner.id,
            CohortMember.role == "learner",
            CohortMember.status == "active",
        )
        .order_by(Cohort.starts_on, Cohort.id)
    )
    return list(db.session.scalars(query))


def audit_org(reviewer: User, learner: User) -> Organization | None:
    """The organization whose trail records *reviewer*'s change to *learner*'s lab work: the
    host of a cohort of the learner's that the reviewer teaches, else an organization in
    which the reviewer reviews the learner, else the learner's own (for the platform admin)."""
    for cohort in cohorts_of(learner):
        if policy.can_grade_learner(reviewer, cohort, learner):
            return cohort.host
    shared = sorted(policy.orgs_where(reviewer, policy.LAB_REVIEWERS) & policy.member_orgs(learner))
    if shared:
        return db.session.get(Organization, shared[0])
    return learner.organization


# The learner's workspace --------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceFeedback:
    """What the workspace tells a learner about staff's work on their attempts at one lab."""

    allowance: lab_submissions.Allowance
    grants: list[Note] = field(default_factory=list)
    scores: dict[int, Score] = field(default_factory=dict)  # submission id → effective score
    commented: list[LabSubmission] = field(default_factory=list)  # attempts with comments
    rescored: list[LabSubmission] = field(default_factory=list)  # attempts with an override


def for_workspace(user: User, lab: Lab, attempts: list[LabSubmission]) -> WorkspaceFeedback:
    """The allowance, grants, effective scores and commented attempts of *user* at *lab*;
    *attempts* are theirs (``lab_submissions.attempts``)."""
    ids = [s.id for s in attempts]
    counted = {}
    if ids:
        query = (
            select(SubmissionComment.submission_id, func.count())
            .where(SubmissionComment.submission_id.in_(ids))
            .group_by(SubmissionComment.submission_id)
        )
        counted = dict(db.session.execute(query).all())
    found = scores(attempts)
    return WorkspaceFeedback(
        allowance=lab_submissions.allowance(user, lab),
        grants=grants(user, lab.id),
        scores=found,
        commented=[s for s in attempts if counted.get(s.id)],
        rescored=[s for s in attempts if found[s.id].overridden],
    )


# Checking input -----------------------------------------------------------------------------


def _graded(submission: LabSubmission) -> None:
    if submission.status != "graded" or submission.maximum is None:
        raise Conflict(
            "Only a graded attempt's score can be set. Wait for grading to finish, or "
            "re-grade the attempt first."
        )


def _text(value: Any, name: str, limit: int, empty: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(name, empty)
    if len(text) > limit:
        raise InvalidInput(name, f"Keep it to {limit:,} characters (this has {len(text):,}).")
    return text


def _points(value: Any, maximum: float) -> float:
    message = f"Enter the score as a number from 0 to {maximum:g}, such as 3 or 3.5."
    try:
        points = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        raise InvalidInput("total", message) from None
    if not math.isfinite(points) or not 0 <= points <= maximum:
        raise InvalidInput("total", message)
    return points


def _count(value: Any) -> int:
    message = f"Enter a whole number of attempts from 1 to {MAX_EXTRA}."
    try:
        count = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput("extra", message) from None
    if not 1 <= count <= MAX_EXTRA:
        raise InvalidInput("extra", message)
    return count


def _audit(org, author, action, submission, now, reason, **details) -> None:
    learner = db.session.get(User, submission.user_id)
    audit.record(
        org, author, action, subject=learner.name if learner else "",
        details={"lab": submission.lab_slug, "attempt": submission.attempt,
                 "submission": submission.public_id, **details},
        note=reason, now=now,
    )  # fmt: skip

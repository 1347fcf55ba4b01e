"""Submitting labs: store first, grade later (and again, if a run died).

The lab engine (app/engine) claims, runs and records; these functions only flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, update

from app.content.labs import Lab
from app.domain import grading
from app.domain.evidence import ASSESSMENT
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import AttemptGrant, Course, LabSubmission, LabWorkspace, User
from app.sandbox import notebooks
from app.services import courses, evidence, lab_grading

if TYPE_CHECKING:
    import nbformat

LEASE = timedelta(minutes=11)  # a run taking longer than this is presumed dead (config)
RETRY_AFTER = timedelta(seconds=30)  # an attempt that could not be graded waits this long
MAX_TRIES = 3


def store(
    user: User | None,
    lab: Lab,
    raw: bytes | str,
    *,
    seed: int,
    now: datetime,
    course: Course | None = None,
) -> LabSubmission:
    """Check the notebook's shape and store it as queued; InvalidInput if it is malformed.

    *course* is the course the lab is taken in: its grade is evidence in that course's
    framework only (none without a course). Nothing runs here. The caller commits, so the
    work is safe before any execution starts.
    """
    try:
        submitted = notebooks.read(raw)
        grading.answers_from(lab, submitted)
    except (notebooks.BadNotebook, grading.SubmissionError) as exc:
        raise InvalidInput("notebook", str(exc)) from None
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    submission = LabSubmission(
        user_id=user.id if user else None,
        lab_slug=lab.id,
        course_id=course.id if course else None,
        seed=seed,
        notebook=text,
        status="queued",
        created_at=now,
    )
    db.session.add(submission)
    db.session.flush()
    return submission


PENDING = ("queued", "running")


def submit_workspace(
    user: User,
    lab: Lab,
    workspace: LabWorkspace,
    *,
    now: datetime,
    course: Course | None = None,
):
    """Queue the workspace's saved notebook for grading, as the learner's next attempt.

    *course* is the course whose lesson the lab was opened from; if the caller does not
    know it, the first active course that offers the lab (the one its pages link to).
    Conflict (with the reason) while an earlier attempt is still being graded, or once the
    lab's maximum number of attempts, plus any extra ones granted, is used up; the saved
    work stays either way.
    """
    mine = select(LabSubmission).where(
        LabSubmission.user_id == user.id, LabSubmission.lab_slug == lab.id
    )
    if db.session.scalar(mine.where(LabSubmission.status.in_(PENDING)).limit(1)) is not None:
        raise Conflict(
            "Your previous attempt is still being graded. Its result appears here when it is "
            "done; submit again after that."
        )
    limit = allowance(user, lab)
    if limit.used_up:
        raise Conflict(
            f"You have used all {limit.allowed} attempts at this lab. Your instructor can "
            "re-grade one of them after reviewing it, or allow you another attempt."
        )
    used = limit.used
    if course is None:
        offered = courses.lab_lesson(lab.id)
        course = offered[0] if offered else None
    submission = store(user, lab, workspace.notebook, seed=workspace.seed, now=now, course=course)
    submission.attempt = used + 1
    db.session.flush()
    return submission


@dataclass(frozen=True)
class Allowance:
    """How many attempts a learner has at a lab: the lab's own maximum plus the extra ones
    their instructors granted. ``allowed`` None: the lab takes any number."""

    used: int
    max_attempts: int | None
    extra: int

    @property
    def allowed(self) -> int | None:
        return None if self.max_attempts is None else self.max_attempts + self.extra

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def used_up(self) -> bool:
        return self.remaining == 0


def allowance(user: User, lab: Lab) -> Allowance:
    """The attempts *user* used at *lab*, and how many they may make in all."""
    used = db.session.scalar(
        select(func.count())
        .select_from(LabSubmission)
        .where(LabSubmission.user_id == user.id, LabSubmission.lab_slug == lab.id)
    )
    return Allowance(used or 0, lab.max_attempts, extra_attempts(user.id, lab.id))


def extra_attempts(user_id: int, lab_id: str) -> int:
    """The attempts at *lab_id* granted to the learner beyond the lab's maximum."""
    granted = db.session.scalar(
        select(func.sum(AttemptGrant.extra)).where(
            AttemptGrant.user_id == user_id, AttemptGrant.lab_slug == lab_id
        )
    )
    return int(granted or 0)


def attempts(user: User, lab_id: str) -> list[LabSubmission]:
    """The learner's attempts at a lab, newest first."""
    query = (
        select(LabSubmission)
        .where(LabSubmission.user_id == user.id, LabSubmission.lab_slug == lab_id)
        .order_by(LabSubmission.attempt.desc(), LabSubmission.id.desc())
    )
    return list(db.session.scalars(query))


def _claimable(now: datetime, lease: timedelta):
    """Queued (and not just put back after a failure), or running past its lease."""
    return or_(
        (LabSubmission.status == "queued")
        & or_(LabSubmission.finished_at.is_(None), LabSubmission.finished_at < now - RETRY_AFTER),
        (LabSubmission.status == "running") & (LabSubmission.started_at < now - lease),
    )


def claim_next(*, now: datetime, lease: timedelta = LEASE) -> LabSubmission | None:
    """Take the oldest queued submission, or one whose run died, and mark it running.

    One that could not be graded a moment ago (the engine was busy or failed) waits
    RETRY_AFTER before it is taken again.
    """
    query = (
        select(LabSubmission)
        .where(_claimable(now, lease))
        .order_by(LabSubmission.created_at, LabSubmission.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    for _ in range(3):  # another grader may take the one we found first: look again
        submission = db.session.scalar(query)
        if submission is None:
            return None
        if _take(submission, now):
            return submission
    return None


@dataclass(frozen=True)
class Claim:
    """What asking to grade one submission found: ``claimed`` (it is ours now, or it
    failed for good: see its status), ``done`` (graded or failed already: nothing to do),
    ``busy`` (another grader holds it; ask again in *retry_in* seconds) or ``missing``."""

    state: str
    submission: LabSubmission | None = None
    retry_in: float = 0.0


def claim(submission_id: int, *, now: datetime, lease: timedelta = LEASE) -> Claim:
    """Claim one submission by id for grading, as a task that names it does.

    Asking twice is harmless: a graded attempt is ``done``, one another grader holds is
    ``busy`` until that grader's lease runs out (then it is presumed dead and taken over).
    """
    submission = db.session.scalar(
        select(LabSubmission).where(LabSubmission.id == submission_id).with_for_update()
    )
    if submission is None:
        return Claim("missing")
    if submission.status in ("graded", "failed"):
        return Claim("done", submission)
    if submission.status == "queued" and submission.finished_at is not None:
        wait = (submission.finished_at + RETRY_AFTER - now).total_seconds()
        if wait > 0:
            return Claim("busy", submission, wait)
    if submission.status == "running":
        wait = (submission.started_at + lease - now).total_seconds()
        if wait > 0:
            return Claim("busy", submission, wait)
    if not _take(submission, now):
        return Claim("busy", submission, 1.0)
    return Claim("claimed", submission)


def _take(submission: LabSubmission, now: datetime) -> bool:
    """Mark *submission* running as the next try, unless another grader did first.

    The write is conditional on the try count read, so two graders (threads, processes or
    machines, on SQLite or PostgreSQL) never both take the same try.
    """
    seen = submission.tries
    if seen + 1 > MAX_TRIES:
        values = {
            "status": "failed",
            "message": (
                f"Grading stopped {MAX_TRIES} times without finishing; your notebook is "
                "saved. Ask your instructor to re-grade it."
            ),
            "finished_at": now,
        }
    else:
        values = {"status": "running", "started_at": now}
    taken = db.session.execute(
        update(LabSubmission)
        .where(LabSubmission.id == submission.id, LabSubmission.tries == seen)
        .values(tries=seen + 1, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(submission)
    return taken.rowcount == 1


def claim_token(submission: LabSubmission) -> tuple[int, datetime | None]:
    """What identifies one claim of a submission: its try and the moment it was taken.

    The try count alone is not enough: a re-grade starts it again, so a stalled grader's
    try 1 could match a later grader's try 1.
    """
    return submission.tries, submission.started_at


def still_held(submission: LabSubmission, token: tuple[int, datetime | None]) -> bool:
    """Whether the grader that claimed *submission* (``claim_token``) still holds it: nobody
    took it over after its lease ran out, and no re-grade started it again. Locks the row
    until the caller commits, so the outcome is recorded by one grader only."""
    db.session.refresh(submission, with_for_update=True)
    return submission.status == "running" and claim_token(submission) == token


def stranded(*, now: datetime, older_than: timedelta, lease: timedelta = LEASE) -> list[int]:
    """Ids of submissions that should be graded but may have no job: queued for longer than
    *older_than* (a queue that lost its message), or running past their lease."""
    waiting_long = (LabSubmission.status == "queued") & (
        LabSubmission.created_at < now - older_than
    )
    query = (
        select(LabSubmission.id)
        .where(
            _claimable(now, lease),
            waiting_long | (LabSubmission.status == "running"),
        )
        .order_by(LabSubmission.created_at, LabSubmission.id)
        .limit(1000)
    )
    return list(db.session.scalars(query))


def queue_counts() -> dict[str, int]:
    """How many submissions wait for a grader ("queued") and are being graded ("running")."""
    rows = db.session.execute(
        select(LabSubmission.status, func.count())
        .where(LabSubmission.status.in_(PENDING))
        .group_by(LabSubmission.status)
    )
    counts = dict.fromkeys(PENDING, 0)
    counts.update({status: n for status, n in rows})
    return counts


def work_of(submission: LabSubmission) -> tuple[nbformat.NotebookNode, int]:
    """The notebook and seed a claimed submission is graded with."""
    return notebooks.read(submission.notebook), submission.seed


def record(
    submission: LabSubmission, lab: Lab, graded: lab_grading.GradedRun, *, now: datetime
) -> LabSubmission:
    """Record the outcome of grading a claimed submission on it (flushed).

    When the engine could not run it, or the expected values could not be had, nothing is
    counted and it goes back on the queue (``claim_next`` gives up after MAX_TRIES).
    """
    if not graded.gradable:
        submission.status = "queued"
        submission.message = (
            "This attempt could not be graded yet "
            f"({graded.problem or graded.run.message}); it will be tried again."
        )
    else:
        submission.status = "graded"
        submission.total = graded.grade.total
        submission.maximum = graded.grade.maximum
        submission.result = graded.as_dict()
        submission.message = ""
        _record_evidence(submission, lab, now)
    submission.finished_at = now
    db.session.flush()
    return submission


def set_progress(connection, submission_id: int, *, progress: int, steps: int) -> None:
    """Write how far grading got on *connection* (outside the session: the grader holds no
    transaction while a notebook runs)."""
    connection.execute(
        update(LabSubmission)
        .where(LabSubmission.id == submission_id)
        .values(progress=progress, steps=steps)
    )


def _record_evidence(submission: LabSubmission, lab: Lab, now: datetime) -> None:
    """A graded attempt is assessment evidence for the lab's competencies, in the framework
    of the course it was taken in."""
    if submission.user_id is None or not lab.competencies or not submission.maximum:
        return
    course = db.session.get(Course, submission.course_id) if submission.course_id else None
    # A re-graded attempt replaces its earlier evidence rather than counting twice.
    evidence.record(
        submission.user_id,
        lab.competencies,
        framework_id=course.framework_id if course else None,
        source_kind="lab",
        source_ref=f"{lab.id}#attempt-{submission.attempt}",
        purpose=ASSESSMENT,
        score=min(1.0, max(0.0, (submission.total or 0.0) / submission.maximum)),
        content_version=lab.version,
        now=now,
        replace=True,
    )

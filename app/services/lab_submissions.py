"""Submitting labs: store first, grade later (and again, if a run died)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from app.content.labs import Lab
from app.domain import grading
from app.domain.evidence import ASSESSMENT
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import AttemptGrant, Course, LabSubmission, LabWorkspace, User
from app.sandbox import notebooks
from app.sandbox.executor import Executor
from app.services import awards, courses, evidence, lab_grading

logger = logging.getLogger(__name__)
_progress_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grading-progress")
LEASE = timedelta(minutes=10)  # a run taking longer than this is presumed dead
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


def claim_next(*, now: datetime) -> LabSubmission | None:
    """Take the oldest queued submission, or one whose run died, and mark it running.

    One that could not be graded a moment ago (the engine was busy or failed) waits
    RETRY_AFTER before it is taken again.
    """
    query = (
        select(LabSubmission)
        .where(
            or_(
                (LabSubmission.status == "queued")
                & or_(
                    LabSubmission.finished_at.is_(None),
                    LabSubmission.finished_at < now - RETRY_AFTER,
                ),
                (LabSubmission.status == "running") & (LabSubmission.started_at < now - LEASE),
            )
        )
        .order_by(LabSubmission.created_at, LabSubmission.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    submission = db.session.scalar(query)
    if submission is None:
        return None
    submission.tries += 1
    if submission.tries > MAX_TRIES:
        submission.status = "failed"
        submission.message = (
            f"Grading stopped {MAX_TRIES} times without finishing; your notebook is saved. "
            "Ask your instructor to re-grade it."
        )
        submission.finished_at = now
    else:
        submission.status = "running"
        submission.started_at = now
    db.session.flush()
    return submission


def grade(
    submission: LabSubmission, *, lab: Lab, executor: Executor, now: Callable[[], datetime]
) -> LabSubmission:
    """Run and judge a claimed submission, recording the outcome on it (flushed).

    Like ``process_next`` this is worker code: it commits the session once it has read the
    submission, so no transaction stays open for the seconds the notebook runs.
    """
    engine, submission_id = db.engine, submission.id

    def write(index: int, steps: int) -> None:
        try:
            with engine.begin() as connection:
                connection.execute(
                    update(LabSubmission)
                    .where(LabSubmission.id == submission_id)
                    .values(progress=index + 1, steps=steps)
                )
        except Exception:  # progress is a courtesy: grading goes on without it
            logger.warning("submission %s: progress not written", submission_id, exc_info=True)

    def on_cell(index: int, steps: int) -> None:
        # Called on the kernels' event loop, which every learner's kernel shares: the write
        # happens elsewhere so a busy database never stalls anybody's cells.
        _progress_writer.submit(write, index, steps)

    notebook, seed = notebooks.read(submission.notebook), submission.seed
    # End the read first: no transaction (and no lock) is held while the notebook runs.
    db.session.commit()
    graded = lab_grading.grade(lab, notebook, seed=seed, executor=executor, on_cell=on_cell)
    # Written in order by one thread: once this no-op ran, every progress write has landed.
    with contextlib.suppress(Exception):
        _progress_writer.submit(lambda: None).result(timeout=30)
    if not graded.gradable:
        # The engine could not run it, or the expected values could not be had: nothing is
        # counted, and it is tried again later (claim_next gives up after MAX_TRIES).
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
        _record_evidence(submission, lab, now())
    submission.finished_at = now()
    db.session.flush()
    return submission


def process_next(
    *, load_lab: Callable[[str], Lab], executor: Executor, now: Callable[[], datetime]
) -> LabSubmission | None:
    """Claim one submission, commit the claim, grade it and commit the outcome."""
    submission = claim_next(now=now())
    db.session.commit()
    if submission is None or submission.status != "running":
        return submission
    grade(submission, lab=load_lab(submission.lab_slug), executor=executor, now=now)
    db.session.commit()
    if submission.status == "graded":
        _award_due(submission.user_id, now())
    return submission


def _award_due(user_id: int | None, now: datetime) -> None:
    """Issue what the graded attempt earned, in a transaction of its own: the grade is
    committed already, and a failure to issue (a missing key, say) never touches it."""
    if user_id is None:
        return
    try:
        awards.award_due_for(user_id, now=now, today=now.date())
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("credentials for user %s could not be awarded after grading", user_id)


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

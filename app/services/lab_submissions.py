"""Submitting labs: store first, grade later (and again, if a run died)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.content.labs import Lab
from app.domain import grading
from app.errors import InvalidInput
from app.extensions import db
from app.models import LabSubmission, User
from app.sandbox import notebooks
from app.sandbox.executor import Executor
from app.services import lab_grading

LEASE = timedelta(minutes=10)  # a run taking longer than this is presumed dead
MAX_TRIES = 3


def store(
    user: User | None, lab: Lab, raw: bytes | str, *, seed: int, now: datetime
) -> LabSubmission:
    """Check the notebook's shape and store it as queued; InvalidInput if it is malformed.

    Nothing runs here. The caller commits, so the work is safe before any execution starts.
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
        seed=seed,
        notebook=text,
        status="queued",
        created_at=now,
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def claim_next(*, now: datetime) -> LabSubmission | None:
    """Take the oldest queued submission, or one whose run died, and mark it running."""
    query = (
        select(LabSubmission)
        .where(
            or_(
                LabSubmission.status == "queued",
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
    """Run and judge a claimed submission, recording the outcome on it."""
    graded = lab_grading.grade(
        lab, notebooks.read(submission.notebook), seed=submission.seed, executor=executor
    )
    if graded.run.status != "completed":
        submission.status = "queued"  # the engine could not run it: try again later
        submission.message = graded.run.message
    else:
        submission.status = "graded"
        submission.total = graded.grade.total
        submission.maximum = graded.grade.maximum
        submission.result = graded.as_dict()
        submission.message = ""
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
    return submission

"""One grading job: claim a stored submission, run it, record the outcome.

This is where the transactions of grading are decided (the services below only flush):
the claim is committed before anything runs, no transaction stays open while the notebook
runs, and the outcome is committed before credentials are issued in a transaction of their
own. Any process that can reach the database runs jobs the same way: the embedded grading
threads, ``flask labs worker``, or a Celery worker.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from app import metrics
from app.content.labs import Lab
from app.extensions import db
from app.models import LabSubmission
from app.sandbox.executor import Executor
from app.services import awards, lab_grading, lab_submissions

logger = logging.getLogger(__name__)


class Progress:
    """Writes how far grading got, off the kernels' event loop and in order.

    A learner's run reports each cell as it starts (steps 1..n); once their run is over,
    one more step says their results are being checked against the reference.
    """

    def __init__(self, submission_id: int) -> None:
        self.submission_id = submission_id
        self.database = db.engine  # the writer thread has no app context of its own
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grading-progress")
        self.cells = 0

    def _write(self, progress: int, steps: int) -> None:
        try:
            with self.database.begin() as connection:
                lab_submissions.set_progress(
                    connection, self.submission_id, progress=progress, steps=steps
                )
        except Exception:  # progress is a courtesy: grading goes on without it
            logger.warning("submission %s: progress not written", self.submission_id)

    def on_cell(self, index: int, cells: int) -> None:
        # Called on the kernels' event loop, which every learner's kernel shares: the write
        # happens elsewhere so a busy database never stalls anybody's cells.
        self.cells = cells
        self.writer.submit(self._write, index + 1, cells + 1)

    def on_checking(self) -> None:
        if self.cells:
            self.writer.submit(self._write, self.cells + 1, self.cells + 1)

    def finish(self) -> None:
        """Wait until every write has landed, and stop the writer."""
        with contextlib.suppress(Exception):
            self.writer.submit(lambda: None).result(timeout=30)
        self.writer.shutdown(wait=False)


def grade_claimed(
    submission: LabSubmission,
    *,
    lab: Lab,
    executor: Executor,
    now: Callable[[], datetime],
    reference: lab_grading.Pending | None = None,
    reference_seconds: float | None = None,
) -> LabSubmission:
    """Run and judge a claimed submission and record the outcome (flushed, not committed).

    It commits the session once it has read the submission, so no transaction (and no
    lock) is held for the seconds the notebook runs. If another grader took the submission
    over meanwhile (this one outlived its lease), the outcome is dropped: one grade counts.
    """
    notebook, seed = lab_submissions.work_of(submission)
    token = lab_submissions.claim_token(submission)
    db.session.commit()
    progress = Progress(submission.id)
    started = time.monotonic()
    try:
        graded = lab_grading.grade(
            lab,
            notebook,
            seed=seed,
            executor=executor,
            on_cell=progress.on_cell,
            on_checking=progress.on_checking,
            reference=reference,
            reference_seconds=reference_seconds,
        )
    finally:
        progress.finish()
    if graded.gradable:
        metrics.observe_grading(time.monotonic() - started)
    if not lab_submissions.still_held(submission, token):
        logger.warning("submission %s was taken over while graded; outcome dropped", submission.id)
        return submission
    return lab_submissions.record(submission, lab, graded, now=now())


def grade_next(
    *,
    load_lab: Callable[[str], Lab],
    executor: Executor,
    now: Callable[[], datetime],
    reference: Callable[[Lab, int], lab_grading.Pending] | None = None,
    lease: timedelta = lab_submissions.LEASE,
) -> LabSubmission | None:
    """Claim one submission, commit the claim, grade it and commit the outcome.

    *reference* gives the reference values for a lab and seed (computed ahead, or started
    beside the learner's run); without it each grade runs the reference first. A machine
    that cannot run notebooks now (``cannot_grade_here``) claims nothing: None.
    """
    if cannot_grade_here(executor):
        return None
    submission = lab_submissions.claim_next(now=now(), lease=lease)
    db.session.commit()
    if submission is not None and submission.status == "running":
        _finish(submission, load_lab, executor, now, reference)
    return submission


def grade_by_id(
    submission_id: int,
    *,
    load_lab: Callable[[str], Lab],
    executor: Executor,
    now: Callable[[], datetime],
    reference: Callable[[Lab, int], lab_grading.Pending] | None = None,
    lease: timedelta = lab_submissions.LEASE,
) -> lab_submissions.Claim:
    """Grade one named submission, as a queued task asks: idempotent, so a task delivered
    twice grades once. Returns the claim; ``busy`` ones should be asked again later (as is
    every one while this machine cannot run notebooks: it is left for another grader)."""
    if cannot_grade_here(executor):
        return lab_submissions.Claim("busy", retry_in=lab_submissions.RETRY_AFTER.total_seconds())
    claim = lab_submissions.claim(submission_id, now=now(), lease=lease)
    db.session.commit()
    if claim.state == "claimed" and claim.submission.status == "running":
        _finish(claim.submission, load_lab, executor, now, reference)
    return claim


SCRATCH_PROBE_BYTES = 256 * 1024  # about what a kernel's files (sockets, spec, log) take


def cannot_grade_here(executor: Executor) -> str:
    """Why this machine cannot run notebooks now ("" if it can): the sandbox is broken, or
    the scratch space its kernels need (the temp folder) is full. A grader that takes a
    submission anyway would only fail it and count the try against the learner."""
    try:
        executor.check()
        with tempfile.TemporaryFile(prefix="shopfloor-grading-probe-") as probe:
            probe.write(b"\0" * SCRATCH_PROBE_BYTES)  # a full disk refuses it here
            probe.flush()
    except Exception as exc:  # noqa: BLE001 - reported (logged), never raised
        problem = _why(exc) if isinstance(exc, OSError) else str(exc) or type(exc).__name__
        logger.warning("not taking grading work on this machine: %s (%s)", problem, exc)
        return problem
    return ""


def _finish(submission: LabSubmission, load_lab, executor, now, reference) -> None:
    """Grade a claimed submission, commit the outcome, then issue what it earned.

    If grading fails on this machine (its disk is full, its database connection dropped,
    a kernel could not start), the submission goes back on the queue at once, its try
    counted and the reason in its message, and the error is raised for the caller to log
    and retry; a grader that cannot even do that leaves it to the lease.
    """
    submission_id, token = submission.id, lab_submissions.claim_token(submission)
    try:
        lab = load_lab(submission.lab_slug)
        pending = reference(lab, submission.seed) if reference else None
        # The reference is waited for at most as long as one notebook may run: it was
        # started no later than the learner's run, so longer means it is stuck, not slow.
        wait = executor.limits.merged(lab.limits).notebook_seconds
        grade_claimed(
            submission, lab=lab, executor=executor, now=now, reference=pending,
            reference_seconds=wait,
        )  # fmt: skip
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _put_back(submission_id, token, exc, now())
        raise
    if submission.status == "graded":
        award_due(submission.user_id, now())


def _put_back(
    submission_id: int, token: tuple[int, datetime | None], exc: Exception, now: datetime
) -> None:
    """Queue a submission again whose grading failed here, if this grader still holds it."""
    try:
        submission = db.session.get(LabSubmission, submission_id)
        if submission is not None and lab_submissions.still_held(submission, token):
            submission.status = "queued"
            submission.message = (
                f"This attempt could not be graded yet ({_why(exc)}); it will be tried again."
            )
            submission.finished_at = now
        db.session.commit()
    except Exception:  # the database itself is away: the lease hands it on later
        db.session.rollback()
        logger.exception("submission %s could not be put back; its lease will", submission_id)


def _why(exc: Exception) -> str:
    """What a learner (and their instructor) reads about a failure that is not theirs."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the grading machine ran out of disk space"
    return "the grading machine had a problem"


def award_due(user_id: int | None, now: datetime) -> None:
    """Issue what the graded attempt earned, in a transaction of its own: the grade is
    committed already, and a failure to issue (a missing key, say) never touches it."""
    if user_id is None:
        return
    for attempt in (1, 2):
        try:
            awards.award_due_for(user_id, now=now, today=now.date())
            db.session.commit()
            return
        except Exception as exc:
            db.session.rollback()
            if attempt == 1 and isinstance(exc, DBAPIError) and exc.connection_invalidated:
                continue  # its connection dropped (a database restart): once more, on a new one
            logger.exception("credentials for user %s could not be awarded after grading", user_id)
            return

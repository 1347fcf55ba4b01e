"""One grading job: claim a stored submission, run it, record the outcome.

This is where the transactions of grading are decided (the services below only flush):
the claim is committed before anything runs, no transaction stays open while the notebook
runs, and the outcome is committed before credentials are issued in a transaction of their
own. Any process that can reach the database runs jobs the same way: the embedded grading
threads, ``flask labs worker``, or a Celery worker.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

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
    beside the learner's run); without it each grade runs the reference first.
    """
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
    twice grades once. Returns the claim; ``busy`` ones should be asked again later."""
    claim = lab_submissions.claim(submission_id, now=now(), lease=lease)
    db.session.commit()
    if claim.state == "claimed" and claim.submission.status == "running":
        _finish(claim.submission, load_lab, executor, now, reference)
    return claim


def _finish(submission: LabSubmission, load_lab, executor, now, reference) -> None:
    """Grade a claimed submission, commit the outcome, then issue what it earned."""
    lab = load_lab(submission.lab_slug)
    pending = reference(lab, submission.seed) if reference else None
    # The reference is waited for at most as long as one notebook may run: it was started
    # no later than the learner's run, so longer means it is stuck, not slow.
    wait = executor.limits.merged(lab.limits).notebook_seconds
    grade_claimed(
        submission, lab=lab, executor=executor, now=now, reference=pending, reference_seconds=wait
    )
    db.session.commit()
    if submission.status == "graded":
        award_due(submission.user_id, now())


def award_due(user_id: int | None, now: datetime) -> None:
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

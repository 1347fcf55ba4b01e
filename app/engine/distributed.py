"""Grading on Celery (``LAB_ENGINE = "distributed"``): one task per submission, on Redis.

The web process stores a submission, commits, and queues ``shopfloor.grade`` with its id;
any number of ``celery -A wsgi:celery_app worker`` processes, on any machines that reach the
database and Redis, run the tasks. What makes this safe to run twice:

- tasks are acknowledged late (after they finish) and requeued if their worker dies;
  Redis hands an unacknowledged task out again after LAB_GRADING_VISIBILITY_SECONDS, longer
  than the longest grade, so a slow grade is not run twice;
- the task is idempotent: it claims the submission in the database (a graded one is left
  alone, one another worker holds waits for that worker's lease), and the outcome is
  recorded only by the grader that still holds the claim;
- ``shopfloor.sweep`` (Celery beat, every LAB_GRADING_SWEEP_SECONDS) queues again whatever
  should be graded but may have lost its task: queued for longer than the visibility timeout
  (Redis restarted empty, say), or running past its lease (its worker died);
- a grade that fails on a live worker (a full disk, a dropped database connection, an engine
  that could not run it) puts the submission back on the queue with the reason, and the
  task asks again after lab_submissions.RETRY_AFTER; after MAX_TRIES tries it is marked
  failed, the notebook kept for an instructor to re-grade.

The database is the queue's memory; Redis only carries the nudges.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery, Task, shared_task
from celery.signals import worker_process_init
from flask import Flask

from app import engine
from app.extensions import db
from app.services import lab_submissions

logger = logging.getLogger(__name__)
QUEUE = "grading"
# Redis lists per priority: 0 (grades: what a learner waits for) is always taken first;
# 9 (a reference computed ahead of a submit) only when no grade waits.
GRADE_PRIORITY, AHEAD_PRIORITY = 0, 9


def celery_for(app: Flask) -> Celery:
    """The Celery app of *app*: tasks run inside its app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    config = app.config
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=config["REDIS_URL"],
        task_ignore_result=True,  # the outcome is in the database
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds only the task it runs
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": int(config["LAB_GRADING_VISIBILITY_SECONDS"]),
            "priority_steps": [GRADE_PRIORITY, AHEAD_PRIORITY],
            "queue_order_strategy": "priority",
            # A Redis that drops packets (rather than refusing) fails fast, as one refusing.
            "socket_connect_timeout": 2,
            **config.get("CELERY_TRANSPORT_OPTIONS", {}),
        },
        beat_schedule={
            "sweep": {
                "task": "shopfloor.sweep",
                "schedule": float(config["LAB_GRADING_SWEEP_SECONDS"]),
            }
        },
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )

    def fresh_connections(**_kwargs) -> None:
        """A forked worker child must not share its parent's database connections."""
        with app.app_context():
            db.engine.dispose(close=False)

    celery.fresh_connections = fresh_connections  # kept alive as long as the Celery app
    worker_process_init.connect(fresh_connections)
    return celery


class CeleryQueue:
    """How the engine hands a submission to the distributed graders."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def enqueue(self, submission_id: int) -> None:
        self.celery.send_task(
            "shopfloor.grade", args=[submission_id], queue=QUEUE, priority=GRADE_PRIORITY
        )

    def prepare(self, lab_id: str, seed: int) -> None:
        """Ask a worker to compute a reference ahead, below every grade."""
        self.celery.send_task(
            "shopfloor.reference", args=[lab_id, seed], queue=QUEUE, priority=AHEAD_PRIORITY
        )


@shared_task(bind=True, name="shopfloor.grade", max_retries=None)
def grade(self, submission_id: int) -> str:
    """Grade one submission (idempotent); asks again later while another grader holds it,
    and when this grade could not be done here (it went back on the queue: the engine
    could not run it, the disk was full, the database went away)."""
    again = lab_submissions.RETRY_AFTER.total_seconds()
    try:
        claim = engine.current().grade_submission(submission_id)
    except Exception as exc:
        logger.exception("submission %s: grading failed; asking again in %gs", submission_id, again)
        raise self.retry(countdown=again) from exc
    if claim.state == "busy":
        raise self.retry(countdown=max(1.0, claim.retry_in))
    if claim.state == "claimed" and claim.submission.status == "queued":
        raise self.retry(countdown=again)  # not gradable yet: it says why; try again soon
    return claim.state


@shared_task(name="shopfloor.reference")
def reference(lab_id: str, seed: int) -> bool:
    """Compute the reference of *lab_id* for *seed* and share it (a learner opened the lab);
    whether it is ready now. A failure only means the grade computes it itself."""
    return engine.current().compute_reference(lab_id, seed)


@shared_task(name="shopfloor.sweep")
def sweep() -> int:
    """Queue again the submissions whose task may be lost; how many were queued."""
    lab_engine = engine.current()
    # A task waiting in Redis is not lost: only one older than the visibility timeout may be.
    visibility = float(lab_engine.app.config["LAB_GRADING_VISIBILITY_SECONDS"])
    return lab_engine.sweep(older_than=timedelta(seconds=visibility))

"""Distributed grading: Celery workers on the machine's Redis, the suite's database.

Each test runs real ``celery worker`` processes (thread pool) on a Redis key prefix of its
own, so tests running at once never take each other's tasks. Pretend cells take a moment
each, so a worker can be killed while it grades.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
import redis
from sqlalchemy import select

from app.config import ConfigError
from app.database import utcnow
from app.extensions import db
from app.models import LabSubmission
from app.services import lab_submissions
from tests import factories
from tests.sandbox.labs_fixture import HONEST, source_notebook, submission
from tests.waiting import poll

pytestmark = pytest.mark.distributed
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def prefix():
    """A Redis key prefix for this test only; its keys are deleted afterwards."""
    name = f"shopfloor-test-{uuid.uuid4().hex[:10]}:"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def distributed(make_app, tmp_path, prefix):
    """An app in the distributed mode, and a way to start Celery workers for it."""
    labs_root = tmp_path / "labs"
    labs_root.mkdir()
    nbformat.write(source_notebook(), labs_root / f"{factories.LAB_ID}.ipynb")
    settings = {
        "LAB_ENGINE": "distributed",
        "REDIS_URL": REDIS_URL,
        "CELERY_TRANSPORT_OPTIONS": {"global_keyprefix": prefix},
        "LABS_ROOT": str(labs_root),
        "SANDBOX": {
            "backend": "fake",
            "fake_seconds_per_cell": 0.4,
            "limits": {"notebook_seconds": 1},
        },
        "LAB_GRADING_LEASE_SECONDS": 3,
        "LAB_GRADING_VISIBILITY_SECONDS": 4,
        "LAB_GRADING_SWEEP_SECONDS": 2,
    }
    app = make_app(**settings)
    config = {
        key: value
        for key, value in app.config.items()
        if key in settings
        or key
        in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING", "INSTANCE_PATH", "MIGRATIONS_DIR")
    }
    workers: list[subprocess.Popen] = []

    def start_worker(*, beat: bool = False) -> subprocess.Popen:
        env = {**os.environ, "SHOPFLOOR_TEST_APP_CONFIG": json.dumps(config)}
        extra = ["--beat", "--schedule", str(tmp_path / "beat-schedule")] if beat else []
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.distributed.worker_app:celery_app",
             "worker", "--pool", "threads", "--concurrency", "1", "--without-heartbeat",
             "--without-gossip", "--without-mingle", "--loglevel", "WARNING", *extra],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: beat runs as a child process
        )  # fmt: skip
        workers.append(worker)
        return worker

    app.start_worker = start_worker
    yield app
    for worker in workers:  # the worker and whatever it started (the beat process)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)


def store(app, seed: int = 3) -> int:
    with app.app_context():
        lab = app.extensions["lab_engine"].lab(factories.LAB_ID)
        stored = lab_submissions.store(
            None, lab, nbformat.writes(submission(HONEST)), seed=seed, now=utcnow()
        )
        db.session.commit()
        return stored.id


def row(app, submission_id: int) -> LabSubmission:
    with app.app_context():
        found = db.session.scalar(select(LabSubmission).where(LabSubmission.id == submission_id))
        db.session.expunge(found)
        db.session.remove()
        return found


def test_a_submission_is_graded_by_a_celery_worker(distributed):
    distributed.start_worker()
    submission_id = store(distributed)
    distributed.extensions["lab_engine"].submitted(submission_id)
    assert poll(lambda: row(distributed, submission_id).status == "graded", seconds=60)
    graded = row(distributed, submission_id)
    assert graded.tries == 1 and graded.maximum == 5 and graded.result["checks"]


def test_a_task_delivered_twice_grades_once(distributed):
    submission_id = store(distributed)
    engine = distributed.extensions["lab_engine"]
    engine.submitted(submission_id)
    engine.submitted(submission_id)  # a retried request, a sweep that raced the first task
    distributed.start_worker()
    assert poll(lambda: row(distributed, submission_id).status == "graded", seconds=60)
    client = redis.Redis.from_url(REDIS_URL)
    prefix = distributed.config["CELERY_TRANSPORT_OPTIONS"]["global_keyprefix"]
    assert poll(lambda: client.llen(f"{prefix}grading") == 0, seconds=30)  # both tasks ran
    assert row(distributed, submission_id).tries == 1  # the second found it done


def test_a_worker_killed_while_grading_leaves_the_job_to_another_graded_once(distributed):
    first = distributed.start_worker()
    submission_id = store(distributed)
    distributed.extensions["lab_engine"].submitted(submission_id)
    assert poll(lambda: row(distributed, submission_id).status == "running", seconds=60)
    first.send_signal(signal.SIGKILL)  # the machine died mid-grade: no acknowledgement
    first.wait(30)
    assert row(distributed, submission_id).status == "running"
    # After the restart the job comes back: Redis hands the unacknowledged task out again
    # once its visibility timeout passes, and the sweep queues the submission, running past
    # its lease; whichever comes first grades it, the other finds it done.
    distributed.start_worker(beat=True)
    assert poll(lambda: row(distributed, submission_id).status == "graded", seconds=120)
    graded = row(distributed, submission_id)
    assert graded.tries == 2  # taken over once, graded once
    assert graded.total is not None and graded.message == ""


def test_a_submission_whose_task_was_lost_is_queued_again_by_the_sweep(distributed):
    submission_id = store(distributed)  # stored, but Redis lost its task (never sent here)
    engine = distributed.extensions["lab_engine"]
    distributed.start_worker()
    with distributed.app_context():
        from datetime import timedelta

        assert engine.sweep(older_than=timedelta(0)) == 1
    assert poll(lambda: row(distributed, submission_id).status == "graded", seconds=60)


def test_a_submit_while_redis_is_down_keeps_the_work_queued(make_app, tmp_path):
    labs_root = tmp_path / "labs"
    labs_root.mkdir()
    nbformat.write(source_notebook(), labs_root / f"{factories.LAB_ID}.ipynb")
    app = make_app(
        LAB_ENGINE="distributed",
        REDIS_URL="redis://127.0.0.1:1/0",
        LABS_ROOT=str(labs_root),
        SANDBOX={"backend": "fake"},
        CELERY_TRANSPORT_OPTIONS={"max_retries": 0},
    )
    submission_id = store(app)
    app.extensions["lab_engine"].submitted(submission_id)  # logged, not raised
    assert row(app, submission_id).status == "queued"


def test_the_distributed_engine_needs_redis(make_app):
    with pytest.raises(ConfigError, match="REDIS_URL"):
        make_app(LAB_ENGINE="distributed", REDIS_URL=None)

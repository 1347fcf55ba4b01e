"""Distributed grading: Celery workers on the suite's Redis, the suite's database.

Each test runs real ``celery worker`` processes (thread pool) on a Redis key prefix of its
own, so tests running at once never take each other's tasks. Pretend cells take a moment
each, so a worker can be killed while it grades.
"""

from __future__ import annotations

import signal
from datetime import timedelta

import nbformat
import pytest
import redis

from app.config import ConfigError
from tests import factories
from tests.distributed.processes import Children, child_config, row, store
from tests.sandbox.labs_fixture import source_notebook
from tests.waiting import poll

pytestmark = pytest.mark.distributed


@pytest.fixture
def prefix(redis_prefix):
    """A Redis key prefix for this test only (tests/redis_server.py)."""
    return redis_prefix


def grading_settings(redis_url: str, prefix: str, labs_root) -> dict:
    """The distributed mode with pretend cells of 0.4 s and short leases and timeouts."""
    return {
        "LAB_ENGINE": "distributed",
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
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


def labs_folder(tmp_path):
    labs_root = tmp_path / "labs"
    labs_root.mkdir(exist_ok=True)
    nbformat.write(source_notebook(), labs_root / f"{factories.LAB_ID}.ipynb")
    return labs_root


@pytest.fixture
def distributed(make_app, tmp_path, prefix, redis_url):
    """An app in the distributed mode, and a way to start Celery workers for it."""
    settings = grading_settings(redis_url, prefix, labs_folder(tmp_path))
    app = make_app(**settings)
    children = Children(child_config(app, settings), tmp_path)
    app.start_worker = children.celery_worker
    yield app
    children.kill_all()  # each worker and whatever it started (the beat process)


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
    client = redis.Redis.from_url(distributed.config["REDIS_URL"])
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
        assert engine.sweep(older_than=timedelta(0)) == 1
    assert poll(lambda: row(distributed, submission_id).status == "graded", seconds=60)


def test_a_submit_while_redis_is_down_keeps_the_work_queued(make_app, tmp_path):
    app = make_app(
        LAB_ENGINE="distributed",
        REDIS_URL="redis://127.0.0.1:1/0",
        LABS_ROOT=str(labs_folder(tmp_path)),
        SANDBOX={"backend": "fake"},
        CELERY_TRANSPORT_OPTIONS={"max_retries": 0},
    )
    submission_id = store(app)
    app.extensions["lab_engine"].submitted(submission_id)  # logged, not raised
    assert row(app, submission_id).status == "queued"


def test_the_distributed_engine_needs_redis(make_app):
    with pytest.raises(ConfigError, match="REDIS_URL"):
        make_app(LAB_ENGINE="distributed", REDIS_URL=None)

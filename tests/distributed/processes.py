"""The processes a distributed test starts, on the test's own database and Redis.

Each child (a Celery worker, a kernel host, a web server) builds its app from the JSON
settings the test passes in SHOPFLOOR_TEST_APP_CONFIG (``tests/distributed/worker_app.py``),
so it shares the test's database, Redis, key prefix and labs. Every child gets a process
group of its own, killed whole at the end (a Celery worker's beat, a host's kernels).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
from flask import Flask
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.models import LabSubmission
from app.services import lab_submissions
from tests import factories
from tests.sandbox.labs_fixture import HONEST, submission

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING", "INSTANCE_PATH", "MIGRATIONS_DIR")


def child_config(app: Flask, settings: dict) -> dict:
    """What a child process needs to build the same app as *app* (built with *settings*)."""
    return {**{k: v for k, v in app.config.items() if k in settings},
            **{k: app.config[k] for k in SHARED}}  # fmt: skip


class Children:
    """Start children of one test; ``kill_all`` at the end (the fixture does)."""

    def __init__(self, config: dict, folder: Path) -> None:
        self.config = config
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, argv: list[str], *, env: dict | None = None, log: str = "") -> subprocess.Popen:
        environment = {**os.environ, "SHOPFLOOR_TEST_APP_CONFIG": json.dumps(self.config)}
        environment.update(env or {})
        out = open(self.folder / log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            argv, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: beat, kernels die with it
        )  # fmt: skip
        if log:
            out.close()
        self.started.append(process)
        return process

    def celery_worker(self, *, beat: bool = False, prefix: tuple[str, ...] = (), **kw):
        """A Celery grading worker (one thread); with *beat*, the sweep runs in it too."""
        extra = ["--beat", "--schedule", str(self.folder / "beat-schedule")] if beat else []
        return self.start(
            [*prefix, sys.executable, "-m", "celery", "-A",
             "tests.distributed.worker_app:celery_app", "worker", "--pool", "threads",
             "--concurrency", "1", "--without-heartbeat", "--without-gossip",
             "--without-mingle", "--loglevel", "WARNING", *extra],
            **kw,
        )  # fmt: skip

    def kernel_host(self, name: str, *, capacity: int = 4, **kw) -> subprocess.Popen:
        return self.start(
            [sys.executable, "-m", "flask", "--app", "tests.distributed.worker_app:app",
             "labs", "kernel-host", "--name", name, "--capacity", str(capacity)],
            **kw,
        )  # fmt: skip

    def web(self, port: int, **kw) -> subprocess.Popen:
        """A web process as production runs one: gunicorn, one worker, threads (gthread)."""
        return self.start(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
             "--threads", "16", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "tests.distributed.worker_app:app"],
            **kw,
        )  # fmt: skip

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the child and everything in its process group, as a lost machine."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def kill_all(self) -> None:
        for process in self.started:
            self.kill(process)


def store(app: Flask, seed: int = 3, answers: dict[str, str] = HONEST) -> int:
    """Store a submission of the fixture lab (honest answers by default), queued; its id."""
    with app.app_context():
        lab = app.extensions["lab_engine"].lab(factories.LAB_ID)
        stored = lab_submissions.store(
            None, lab, nbformat.writes(submission(answers)), seed=seed, now=utcnow()
        )
        db.session.commit()
        return stored.id


def row(app: Flask, submission_id: int) -> LabSubmission:
    """The submission as stored now (detached)."""
    with app.app_context():
        found = db.session.scalar(select(LabSubmission).where(LabSubmission.id == submission_id))
        db.session.expunge(found)
        db.session.remove()
        return found

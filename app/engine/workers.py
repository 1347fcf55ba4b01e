"""Background threads: grading workers, and the culler of idle workspace kernels.

With the embedded defaults they live in the web process (``LAB_WORKERS`` threads, started
with the first request). Set ``LAB_WORKERS = 0`` and run ``flask labs worker`` to grade in a
separate process instead: the web code only stores submissions, so nothing else changes.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import OperationalError

from app.database import utcnow
from app.extensions import db
from app.sandbox import build_sessions
from app.services import lab_catalog, lab_submissions, lab_workspaces
from app.services.lab_runs import CellRuns
from app.services.live_events import EventLog

logger = logging.getLogger(__name__)
SAVE_TRIES = 3  # saving a cell's outputs, when the database is busy


class GradingWorkers:
    def __init__(self, app: Flask, count: int, *, idle_seconds: float = 5.0) -> None:
        self.app = app
        self.count = count
        self.idle_seconds = idle_seconds  # how often an idle worker looks for missed work
        self.threads: list[threading.Thread] = []
        # Every wake bumps the generation; an idle worker waits for a generation it has not
        # seen. (A shared Event cleared by one worker could swallow the wake, or the stop,
        # meant for another, which then slept its whole idle time.)
        self.changed = threading.Condition()
        self.generation = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> None:
        if self.threads or self.count <= 0:
            return
        with self.lock:
            if self.threads or self.count <= 0:
                return
            for n in range(self.count):
                thread = threading.Thread(target=self.loop, name=f"grader-{n}", daemon=True)
                thread.start()
                self.threads.append(thread)

    def wake(self) -> None:
        """A submission was stored: stop waiting and look now."""
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self.wake()
        for thread in self.threads:
            thread.join(timeout)
        self.threads = []

    def loop(self) -> None:
        while not self.stopping.is_set():
            with self.changed:
                seen = self.generation
            try:
                graded = self.work_once()
            except Exception:  # a broken lab file or a lost database must not end the thread
                logger.exception("grading failed; the submission stays queued for a retry")
                graded = None
            if graded is None:
                with self.changed:
                    self.changed.wait_for(
                        lambda seen=seen: self.generation != seen or self.stopping.is_set(),
                        self.idle_seconds,
                    )

    def work_once(self):
        with self.app.app_context():
            try:
                root = Path(self.app.config["LABS_ROOT"])
                return lab_submissions.process_next(
                    load_lab=lambda lab_id: lab_catalog.load(root, lab_id),
                    executor=self.app.extensions["executor"],
                    now=utcnow,
                )
            finally:
                db.session.remove()


class KernelCuller:
    """A thread that shuts down workspace kernels left idle, checking every *interval* s."""

    def __init__(self, runs: CellRuns, interval: float = 60.0) -> None:
        self.runs = runs
        self.interval = interval
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self.loop, name="kernel-culler", daemon=True)
                self.thread.start()

    def loop(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                culled = self.runs.cull()
            except Exception:
                logger.exception("culling idle kernels failed; trying again later")
                continue
            if culled:
                logger.info("shut down %d idle lab kernel(s)", len(culled))

    def stop(self) -> None:
        self.stopping.set()


def build_cell_runs(app: Flask) -> CellRuns:
    """The workspace's interactive runs, saving each finished cell's outputs to the database."""

    def save(
        workspace_id: int, cell_id: str, outputs: list, status: str, count: int | None
    ) -> None:
        for attempt in range(1, SAVE_TRIES + 1):
            with app.app_context():
                try:
                    lab_workspaces.save_outputs(
                        workspace_id, cell_id, outputs, status, count, now=utcnow()
                    )
                    db.session.commit()
                    return
                except OperationalError:  # a locked SQLite file: try again, then give up
                    db.session.rollback()
                    if attempt == SAVE_TRIES:
                        raise
                finally:
                    db.session.remove()

    sessions = build_sessions(
        app.extensions["executor"],
        float(app.config["LAB_KERNEL_IDLE_SECONDS"]),
        int(app.config["LAB_MAX_KERNELS"]),
    )
    return CellRuns(sessions, EventLog(), save, threads=int(app.config["LAB_RUN_THREADS"]))

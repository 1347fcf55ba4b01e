"""Grading workers take stored submissions off the queue, away from request threads."""

from __future__ import annotations

import threading

import nbformat

from app.database import utcnow
from app.engine.workers import GradingWorkers
from app.extensions import db
from app.models import LabSubmission
from app.services import lab_submissions
from tests.sandbox.labs_fixture import HONEST, source_notebook, submission
from tests.waiting import poll


def status_of(submission_id: int) -> str:
    with db.engine.connect() as connection:
        query = db.select(LabSubmission.status).where(LabSubmission.id == submission_id)
        return connection.scalar(query)


def test_workers_grade_what_is_stored_and_stop_cleanly(make_app, tmp_path):
    labs_root = tmp_path / "labs"
    labs_root.mkdir()
    nbformat.write(source_notebook(), labs_root / "lab-availability.ipynb")
    app = make_app(LABS_ROOT=str(labs_root), SANDBOX={"backend": "fake"})
    with app.app_context():
        from app.content.labs import parse

        lab = parse(source_notebook())
        stored = lab_submissions.store(
            None, lab, nbformat.writes(submission(HONEST)), seed=3, now=utcnow()
        )
        db.session.commit()
        workers = GradingWorkers(app.extensions["lab_engine"].grade_one, 2, idle_seconds=30)
        workers.start()
        try:
            workers.wake()
            assert poll(lambda: status_of(stored.id) == "graded")
        finally:
            workers.stop(timeout=10)
        assert all(
            not thread.is_alive()
            for thread in threading.enumerate()
            if thread.name.startswith("grader-")
        )


def test_stop_reaches_a_worker_that_was_busy_while_another_took_the_wake(make_app):
    """A worker busy grading when stop() came still stops at once afterwards, although an
    idle worker woke first (it used to sleep its whole idle time: a minute here)."""
    workers = GradingWorkers(lambda: None, 2, idle_seconds=60)
    busy, release = threading.Event(), threading.Event()

    def work_once():
        if threading.current_thread().name == "grader-0" and not busy.is_set():
            busy.set()
            release.wait(20)
        return None

    workers.work_once = work_once
    workers.start()
    assert busy.wait(20)
    idle = next(t for t in workers.threads if t.name == "grader-1")
    stopper = threading.Thread(target=workers.stop, kwargs={"timeout": 20})
    stopper.start()
    assert poll(lambda: not idle.is_alive())
    release.set()  # the busy worker finishes its grade only now, then finds nothing to do
    stopper.join()
    assert not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("grader-"))


def test_no_workers_run_when_grading_lives_elsewhere(make_app):
    app = make_app(LAB_WORKERS=0)
    app.test_client().get("/")
    assert app.extensions["lab_engine"].graders.threads == []


class _IdleSessions:
    """Sessions whose kernels all count as idle too long: every cull shuts them down."""

    def __init__(self, keys):
        self.keys = set(keys)

    def cull_idle(self, *, now=None):
        culled, self.keys = sorted(self.keys), set()
        return culled


def test_the_culler_shuts_down_idle_kernels_and_tells_their_pages():
    from app.engine.events import EventLog
    from app.engine.runs import CellRuns
    from app.engine.workers import KernelCuller

    runs = CellRuns(_IdleSessions({"workspace-1"}), EventLog(), lambda *args: None)
    culler = KernelCuller(runs, interval=0.01)
    culler.start()
    try:
        assert poll(lambda: runs.events.last("workspace-1") > 0)
    finally:
        culler.stop()
        runs.close()
    [(_, event)] = runs.events.since("workspace-1", 0)
    assert event == {"type": "kernel", "status": "none", "culled": True}

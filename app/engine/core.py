"""The lab engine: everything that runs learners' code, behind one narrow interface.

Views and commands ask the engine; they never reach its parts. It owns:

- the sandbox executor and its warm kernel pool;
- grading: the queue (stored submissions in the database), the workers that take jobs off
  it, leases and retries (``engine/grading.py``);
- interactive kernels of the lab workspace: start, run, interrupt, restart, cull, caps
  (``engine/runs.py``, over ``sandbox/sessions.py``);
- the event log pages follow (``engine/events.py``);
- reference expectations per lab version and seed (``engine/references.py``);
- which labs exist (``services/lab_catalog``, a parse-once-per-file-change read of LABS_ROOT).

Everything here happens in this process ("embedded"): grading threads (``LAB_WORKERS``),
or ``flask labs worker`` processes on the same database queue, and kernels next to the web
server. docs/architecture.md draws the parts and the arrows allowed between them.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from flask import Flask
from sqlalchemy.exc import OperationalError

from app.content.labs import Lab
from app.database import utcnow
from app.engine import grading
from app.engine.events import EventLog, RedisEventLog
from app.engine.references import References
from app.engine.runs import CellRuns
from app.engine.workers import GradingWorkers, KernelCuller
from app.extensions import db
from app.sandbox import build_executor, build_sessions
from app.sandbox.base import RunResult
from app.sandbox.executor import Executor
from app.services import lab_catalog, lab_grading, lab_submissions, lab_workspaces

logger = logging.getLogger(__name__)
SAVE_TRIES = 3  # saving a cell's outputs, when the database is busy
HOST = "local"  # the kernel host name in metrics: embedded, kernels run in this process


class LabEngine:
    def __init__(
        self,
        app: Flask,
        executor: Executor,
        queue: Queue | None = None,
        events: EventLog | RedisEventLog | None = None,
    ) -> None:
        config = app.config
        self.app = app
        self.executor = executor
        self.queue = queue  # None: grading threads here take submissions from the database
        self.lease = timedelta(seconds=float(config["LAB_GRADING_LEASE_SECONDS"]))
        self.references = References(executor)
        self.graders = GradingWorkers(self.grade_one, int(config["LAB_WORKERS"]))
        sessions = build_sessions(
            executor, float(config["LAB_KERNEL_IDLE_SECONDS"]), int(config["LAB_MAX_KERNELS"])
        )
        self.runs = CellRuns(
            sessions,
            events or EventLog(),
            self._save_outputs,
            threads=int(config["LAB_RUN_THREADS"]),
        )
        self.culler = KernelCuller(self.runs)

    # -- what exists ---------------------------------------------------------------------
    @property
    def sandboxed(self) -> bool:
        return bool(getattr(self.executor, "sandboxed", False))

    def lab(self, lab_id: str) -> Lab:
        """The lab *lab_id* from LABS_ROOT; NotFound, or LabError if its file is broken."""
        return lab_catalog.load(Path(self.app.config["LABS_ROOT"]), lab_id)

    # -- the workspace's kernel ----------------------------------------------------------
    def run_cells(self, workspace_id: int, seed: int, cells: list[tuple[str, str]]) -> None:
        """Run *cells* (id, code) in order in the workspace's kernel; Conflict while busy."""
        self.runs.run(workspace_id, seed, cells)
        self.culler.start()  # kernels exist from now on

    def interrupt(self, workspace_id: int) -> str:
        self.runs.interrupt(workspace_id)
        return self.runs.status(workspace_id)

    def restart(self, workspace_id: int, seed: int) -> str:
        self.runs.restart(workspace_id, seed)
        return self.runs.status(workspace_id)

    def complete(self, workspace_id: int | None, code: str, cursor: int) -> dict[str, Any]:
        if workspace_id is None:
            return {"matches": [], "cursor_start": cursor, "cursor_end": cursor,
                    "reason": "no-kernel"}  # fmt: skip
        return self.runs.complete(workspace_id, code, cursor)

    def inspect(self, workspace_id: int | None, code: str, cursor: int) -> dict[str, Any]:
        if workspace_id is None:
            return {"found": False, "text": "", "reason": "no-kernel"}
        return self.runs.inspect(workspace_id, code, cursor)

    def kernel_status(self, workspace_id: int) -> str:
        """none, starting, busy, idle or dead."""
        return self.runs.status(workspace_id)

    # -- events pages follow -------------------------------------------------------------
    def publish(self, workspace_id: int, event: dict[str, Any]) -> int:
        """Tell the workspace's open pages of *event* (cells added, outputs cleared, ...)."""
        return self.runs.events.publish(CellRuns.key(workspace_id), event)

    def events_since(
        self, workspace_id: int, after: int, *, wait: float = 0.0
    ) -> list[tuple[int, dict]]:
        return self.runs.events.since(CellRuns.key(workspace_id), after, wait=wait)

    def follow_from(self, workspace_id: int) -> int:
        return self.runs.follow_from(workspace_id)

    # -- grading -------------------------------------------------------------------------
    def grade_notebook(self, lab: Lab, notebook, *, seed: int) -> lab_grading.GradedRun:
        """Grade *notebook* for *seed* now, in this thread (``flask labs grade`` and
        ``check``); the reference for the lab version and seed is computed once and kept."""
        return lab_grading.grade(
            lab, notebook, seed=seed, executor=self.executor,
            reference=self.references.start(lab, seed),
        )  # fmt: skip

    def run_notebook(self, notebook, *, cell_seconds: float | None = None) -> RunResult:
        """Run every code cell of *notebook* in a fresh sandboxed kernel (no pool)."""
        limits = self.executor.limits
        if cell_seconds is not None:
            limits = dataclasses.replace(limits, cell_seconds=cell_seconds)
        return self.executor.run(notebook, limits, pooled=False)

    def opened(self, lab: Lab, seed: int) -> None:
        """A learner opened *lab*: compute its reference for their seed ahead of a submit."""
        self.references.prepare(lab, seed)

    def submitted(self, submission_id: int) -> None:
        """A submission was stored and committed: grade it soon.

        If the distributed queue cannot take it now, it stays stored and queued, and the
        sweep hands it out later: the learner's work is never lost to a queue outage.
        """
        if self.queue is None:
            self.graders.start()
            self.graders.wake()
            return
        try:
            self.queue.enqueue(submission_id)
        except Exception:  # noqa: BLE001 - logged; the sweep queues it again
            logger.exception("submission %s could not be queued; the sweep will", submission_id)

    def grade_one(self):
        """Grade the next stored submission, if any (what each grading thread repeats)."""
        with self.app.app_context():
            try:
                return grading.grade_next(
                    load_lab=self.lab,
                    executor=self.executor,
                    now=utcnow,
                    reference=self.references.start,
                    lease=self.lease,
                )
            finally:
                db.session.remove()

    def grade_submission(self, submission_id: int) -> lab_submissions.Claim:
        """Grade the submission a queued task names (idempotent; call in an app context)."""
        return grading.grade_by_id(
            submission_id,
            load_lab=self.lab,
            executor=self.executor,
            now=utcnow,
            reference=self.references.start,
            lease=self.lease,
        )

    def sweep(self, *, older_than: timedelta) -> int:
        """Queue again what should be graded but may have lost its task (distributed)."""
        if self.queue is None:
            return 0
        ids = lab_submissions.stranded(now=utcnow(), older_than=older_than, lease=self.lease)
        db.session.rollback()
        for submission_id in ids:
            self.queue.enqueue(submission_id)
        if ids:
            logger.info("queued %d submission(s) again", len(ids))
        return len(ids)

    # -- running -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the grading threads (with the first request; never at import). Distributed,
        the Celery workers grade and this process starts none."""
        if self.queue is None:
            self.graders.start()

    def stop(self) -> None:
        """Stop graders, kernels and pools, as the process ending would."""
        self.graders.stop()
        self.culler.stop()
        self.references.close()
        self.runs.close()
        self.runs.sessions.close()
        if getattr(self.executor, "pool", None):
            self.executor.pool.close()

    def stats(self) -> dict[str, Any]:
        """Figures for /metrics: the grading queue, the warm pool, live kernels and their
        memory (per kernel host; embedded, this process is the one host)."""
        pool = getattr(self.executor, "pool", None)
        sessions = self.runs.sessions
        live = getattr(sessions, "sessions", None) or getattr(sessions, "kernels", {})
        memory = sessions.memory_bytes() if hasattr(sessions, "memory_bytes") else 0
        queue = lab_submissions.queue_counts()
        return {
            "queue_depth": queue["queued"],
            "grading_running": queue["running"],
            "grading_threads": len(self.graders.threads),
            "pool_size": pool.warm_count() if pool else 0,
            "kernels": {HOST: len(live)},
            "kernel_memory_bytes": {HOST: memory},
            **self.references.stats(),
        }

    def readiness(self) -> list[tuple[str, bool, str]]:
        """(name, ok, detail) of what the engine needs to serve learners. The detail is
        public (/readyz): it names the kind of failure, the log has the rest."""
        try:
            self.executor.check()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            logger.warning("readiness: the sandbox cannot start kernels: %s", exc)
            return [("sandbox", False, type(exc).__name__)]
        return [("sandbox", True, "sandboxed" if self.sandboxed else "NOT sandboxed")]

    # -- saving a finished cell's outputs --------------------------------------------------
    def _save_outputs(
        self, workspace_id: int, cell_id: str, outputs: list, status: str, count: int | None
    ) -> None:
        for attempt in range(1, SAVE_TRIES + 1):
            with self.app.app_context():
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


class Queue(Protocol):
    def enqueue(self, submission_id: int) -> None: ...


def build_engine(app: Flask) -> LabEngine:
    executor = build_executor(app.config["SANDBOX"], Path(app.root_path).parent)
    if app.config["LAB_ENGINE"] != "distributed":
        return LabEngine(app, executor)
    import redis  # the distributed engine's imports are paid only where it is used

    from app.engine import distributed

    app.extensions["celery"] = distributed.celery_for(app)
    events = RedisEventLog(redis.Redis.from_url(app.config["REDIS_URL"]))
    return LabEngine(app, executor, distributed.CeleryQueue(app.extensions["celery"]), events)

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

Embedded (the default), everything happens in this process: grading threads
(``LAB_WORKERS``, or ``flask labs worker`` processes on the same database queue) and kernels
next to the web server. Distributed, grading is Celery tasks (``engine/distributed.py``),
events live in Redis Streams, and with ``LAB_KERNELS = "hosts"`` kernels run on kernel hosts
(``engine/hosts.py``). docs/architecture.md draws the parts and the arrows between them.
"""

from __future__ import annotations

import atexit
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
from app.engine.events import EventLog, EventLogUnavailable, RedisEventLog
from app.engine.hosts import KernelHost, RemoteRuns
from app.engine.references import References, SharedReferences
from app.engine.runs import CellRuns
from app.engine.workers import GradingWorkers, KernelCuller
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.sandbox import build_executor, build_sessions, widgets
from app.sandbox.base import RunResult
from app.sandbox.executor import Executor
from app.services import lab_catalog, lab_grading, lab_submissions, lab_workspaces

logger = logging.getLogger(__name__)
SAVE_TRIES = 3  # saving a cell's outputs, when the database is busy
# Past any event number a log gives (the largest integer a browser keeps exactly).
AFTER_ANY_EVENT = 2**53 - 1


class LabEngine:
    def __init__(
        self,
        app: Flask,
        executor: Executor,
        queue: Queue | None = None,
        events: EventLog | RedisEventLog | None = None,
        remote: RemoteRuns | None = None,
        shared: SharedReferences | None = None,
    ) -> None:
        config = app.config
        self.app = app
        self.executor = executor
        self.queue = queue  # None: grading threads here take submissions from the database
        self.lease = timedelta(seconds=float(config["LAB_GRADING_LEASE_SECONDS"]))
        self.references = References(executor, shared=shared)
        self.graders = GradingWorkers(self.grade_one, int(config["LAB_WORKERS"]))
        self.events = events or EventLog()
        self._local: CellRuns | None = None
        # Where workspace kernels run: here, or on kernel hosts (RemoteRuns).
        self.runs = remote or self._local_runs()
        self.culler = KernelCuller(self.runs)
        self._exit_hooked = False

    def _local_runs(self) -> CellRuns:
        """Kernels in this process: the embedded engine's, or a kernel host's own."""
        if self._local is None:
            config = self.app.config
            sessions = build_sessions(
                self.executor,
                float(config["LAB_KERNEL_IDLE_SECONDS"]),
                int(config["LAB_MAX_KERNELS"]),
            )
            self._local = CellRuns(
                sessions, self.events, self._save_outputs, threads=int(config["LAB_RUN_THREADS"])
            )
        return self._local

    def serve_kernels(self, name: str, capacity: int) -> KernelHost:
        """This process as kernel host *name* (``flask labs kernel-host``): call ``serve()``
        on the answer; it returns when ``stop()`` is called."""
        if not isinstance(self.events, RedisEventLog):
            raise Conflict("A kernel host needs LAB_ENGINE=distributed and REDIS_URL.")
        local = self._local_runs()
        KernelCuller(local).start()
        prefix = f"{self.app.config['REDIS_PREFIX']}kernels:"
        return KernelHost(self.events.client, local, name, capacity, prefix=prefix)

    # -- what exists ---------------------------------------------------------------------
    @property
    def sandboxed(self) -> bool:
        return bool(getattr(self.executor, "sandboxed", False))

    def lab(self, lab_id: str) -> Lab:
        """The lab *lab_id* from LABS_ROOT; NotFound, or LabError if its file is broken."""
        return lab_catalog.load(Path(self.app.config["LABS_ROOT"]), lab_id)

    # -- the workspace's kernel ----------------------------------------------------------
    def run_cells(
        self, workspace_id: int, seed: int, cells: list[tuple[str, str]], lab: Lab | None = None
    ) -> None:
        """Run *cells* (id, code) in order in the workspace's kernel; Conflict while busy.

        A *lab* that sets its own ``cell_seconds`` (a long simulation in its set-up) gets
        that limit in the workspace too, as its grading does."""
        cell_seconds = None
        if lab is not None and "cell_seconds" in lab.limits:
            cell_seconds = self.executor.limits.merged(lab.limits).cell_seconds
        self.runs.run(workspace_id, seed, cells, cell_seconds)
        self.culler.start()  # kernels exist from now on
        self._stop_at_exit()

    def send_widget(self, workspace_id: int, cell_id: str, message: dict[str, Any]) -> None:
        """Deliver *message* (``{comm_id, data, buffers}``) from a widget in the page shown
        in *cell_id* to its model in the workspace's kernel (CellRuns.send_widget).

        InvalidInput if it is not a message a Jupyter front end may send; Conflict while a
        cell runs."""
        try:
            comm_id, data, buffers = widgets.from_page(message)
        except ValueError as exc:
            raise InvalidInput("widget", str(exc)) from None
        self.runs.send_widget(workspace_id, cell_id, comm_id, data, buffers)

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
        """none, starting, busy, idle or dead. Pages ask every few seconds while they
        stream: a failure to find out is logged and shown as busy, never raised."""
        try:
            return self.runs.status(workspace_id)
        except Exception:  # noqa: BLE001 - a kernel host that answered with an error
            logger.warning("workspace %s: kernel status unknown", workspace_id, exc_info=True)
            return "busy"

    # -- events pages follow -------------------------------------------------------------
    def publish(self, workspace_id: int, event: dict[str, Any]) -> int:
        """Tell the workspace's open pages of *event* (cells added, outputs cleared, ...)."""
        return self.runs.events.publish(CellRuns.key(workspace_id), event)

    def events_since(
        self, workspace_id: int, after: int, *, wait: float = 0.0
    ) -> list[tuple[int, dict]]:
        return self.runs.events.since(CellRuns.key(workspace_id), max(0, after), wait=wait)

    def follow_from(self, workspace_id: int) -> int:
        """The event number a page opening this workspace follows from.

        While the event log is away the page still opens with the learner's saved work, and
        follows from a number past any the log gives: once the log is back, its first answer
        tells the page to reload (the saved state then), never replays older events."""
        try:
            return self.runs.follow_from(workspace_id)
        except EventLogUnavailable:
            return AFTER_ANY_EVENT

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
        """A learner opened *lab*: compute its reference for their seed ahead of a submit.

        Embedded, in this process's background thread. Distributed, a grading worker
        computes it (a task below every grade) into the shared store, where the worker that
        grades the submission finds it; asked once per lab version and seed while pending.
        """
        if self.queue is None:
            self.references.prepare(lab, seed)
            return
        shared = self.references.shared
        if shared is None or not lab_grading.needs_reference(lab):
            return
        pending = int(self.lease.total_seconds())  # a lost task is asked for again after this
        if shared.ask_once(References.key(lab, seed), pending):
            try:
                self.queue.prepare(lab.id, seed)
            except Exception:  # noqa: BLE001 - the grade computes it beside the learner's run
                logger.warning("could not ask for the reference of %s ahead", lab.id)

    def compute_reference(self, lab_id: str, seed: int) -> bool:
        """Compute (or find) the reference of *lab_id* for *seed* now, and share it; whether
        it is ready. A failure is logged: the grade will try again beside the learner's run."""
        try:
            lab = self.lab(lab_id)
            limit = 2 * float(self.executor.limits.merged(lab.limits).notebook_seconds)
            self.references.get(lab, seed, timeout=limit)
        except Exception as exc:  # noqa: BLE001 - NotGradable, a broken lab file, a timeout
            logger.warning("reference of %s for seed %s not computed: %s", lab_id, seed, exc)
            return False
        return True

    def submitted(self, submission_id: int) -> None:
        """A submission was stored and committed: grade it soon.

        If the distributed queue cannot take it now, it stays stored and queued, and the
        sweep hands it out later: the learner's work is never lost to a queue outage.
        """
        if self.queue is None:
            self.graders.start()
            self._stop_at_exit()
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
            self._stop_at_exit()

    def _stop_at_exit(self) -> None:
        """Shut kernels and graders down when the process ends normally (a gunicorn worker
        told to stop, Ctrl+C), so no kernel, or its cgroups, outlives it."""
        if not self._exit_hooked:
            self._exit_hooked = True
            atexit.register(self.stop)

    def stop(self) -> None:
        """Stop graders, kernels and pools, as the process ending would."""
        self.graders.stop()
        self.culler.stop()
        self.references.close()
        self.runs.shutdown()
        if self._local is not None and self._local is not self.runs:
            self._local.shutdown()
        if getattr(self.executor, "pool", None):
            self.executor.pool.close()

    def stats(self) -> dict[str, Any]:
        """Figures for /metrics: the grading queue, the warm pool, live kernels and their
        memory (per kernel host; embedded, this process is the one host)."""
        pool = getattr(self.executor, "pool", None)
        queue = lab_submissions.queue_counts()
        return {
            "queue_depth": queue["queued"],
            "grading_running": queue["running"],
            "grading_threads": len(self.graders.threads),
            "pool_size": pool.warm_count() if pool else 0,
            **self.runs.kernel_stats(),
            **self.references.stats(),
        }

    def readiness(self) -> list[tuple[str, bool, str]]:
        """(name, ok, detail) of what the engine needs to serve learners. The detail is
        public (/readyz): it names the kind of failure, the log has the rest."""
        try:
            self.executor.check()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            logger.warning("readiness: the sandbox cannot start kernels: %s", exc)
            return [("sandbox", False, type(exc).__name__), *self.runs.readiness()]
        sandbox = ("sandbox", True, "sandboxed" if self.sandboxed else "NOT sandboxed")
        return [sandbox, *self.runs.readiness()]

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
    # Connecting fails fast when Redis's machine drops packets; blocking reads keep waiting.
    client = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=2, socket_keepalive=True
    )
    prefix = app.config["REDIS_PREFIX"]
    events = RedisEventLog(client, prefix=f"{prefix}events:")
    remote = None
    if app.config["LAB_KERNELS"] == "hosts":
        remote = RemoteRuns(client, events, prefix=f"{prefix}kernels:")
    queue = distributed.CeleryQueue(app.extensions["celery"])
    shared = SharedReferences(client, prefix=f"{prefix}references:", secret=app.secret_key)
    return LabEngine(app, executor, queue, events, remote, shared)

"""Background threads of the embedded engine: grading workers, and the culler of idle
workspace kernels.

With the embedded defaults they live in the web process (``LAB_WORKERS`` threads, started
with the first request). ``LAB_WORKERS = 0`` with ``flask labs worker`` grades in a separate
process instead, on the same database queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.engine.runs import CellRuns

logger = logging.getLogger(__name__)


class GradingWorkers:
    """*count* threads that each call *work* until it finds nothing (None), then wait for a
    wake or *idle_seconds*, whichever comes first."""

    def __init__(self, work: Callable[[], object], count: int, *, idle_seconds: float = 5.0):
        self.work = work
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
        return self.work()


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

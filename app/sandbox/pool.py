"""A warm pool of single-use sandboxed kernels, refilled in the background.

Starting a kernel costs most of a grading run (about 0.8 s here), so kernels are started
ahead of time. Each serves exactly one run and is then destroyed: nothing a learner leaves
in a kernel can reach the next learner. The pool runs on its own thread and event loop;
synchronous callers use ``run``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import logging
from typing import TYPE_CHECKING

from app.sandbox.base import CellResult, Limits, RunResult, SandboxUnavailable
from app.sandbox.execute import run_notebook
from app.sandbox.kernel import KernelConfig, SandboxKernel
from app.sandbox.loop import LoopThread
from app.sandbox.notebooks import code_cells

if TYPE_CHECKING:
    import nbformat

logger = logging.getLogger(__name__)

# Limits fixed when a kernel starts (cgroup, rlimits); the others apply per run.
KERNEL_LEVEL = (
    "cpu_seconds",
    "cpu_share",
    "memory_mb",
    "processes",
    "file_mb",
    "disk_mb",
    "open_files",
)


def same_kernel_limits(a: Limits, b: Limits) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in KERNEL_LEVEL)


class KernelPool:
    def __init__(self, config: KernelConfig, size: int) -> None:
        self.config = config
        self.size = size
        # The loop starts with the pool: an app that never runs a lab owns no thread.
        self.runner = LoopThread("kernel-pool")
        self.ready: asyncio.Queue[SandboxKernel] | None = None
        self.starting = 0
        self.waiting = 0  # callers of acquire() waiting for a kernel that is starting
        self.started = False
        self.closed = False
        self.stats = {"warm": 0, "cold": 0, "start_failures": 0}

    def start(self) -> None:
        """Begin filling the pool (idempotent)."""
        if self.started:
            return
        self.started = True
        self.runner.call(self._init())
        atexit.register(self.close)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self.runner.loop

    async def _init(self) -> None:
        self.ready = asyncio.Queue()
        self._refill()

    def _refill(self) -> None:
        while not self.closed and self.ready.qsize() + self.starting < self.size:
            self.starting += 1
            self.loop.create_task(self._start_one())

    async def _start_one(self) -> None:
        try:
            kernel = await SandboxKernel.start(self.config)
        except SandboxUnavailable as exc:
            self.stats["start_failures"] += 1
            logger.error("kernel pool: cannot start a kernel: %s", exc)
            return
        finally:
            self.starting -= 1
        if self.closed:
            await kernel.shutdown()
        else:
            await self.ready.put(kernel)

    async def acquire(self) -> SandboxKernel:
        """A started kernel for one run: from the pool if one is ready, else a cold start."""
        try:
            kernel = self.ready.get_nowait()
        except asyncio.QueueEmpty:
            kernel = None
        self._refill()
        if kernel is None and self.waiting < self.starting:
            # One is on its way and nobody else waits for it: waiting beats starting yet
            # another on a busy host. Callers beyond the kernels coming start their own.
            self.waiting += 1
            try:
                with contextlib.suppress(TimeoutError):
                    kernel = await asyncio.wait_for(self.ready.get(), self.config.startup_seconds)
            finally:
                self.waiting -= 1
            self._refill()
        if kernel is not None and await kernel.is_alive():
            self.stats["warm"] += 1
            return kernel
        if kernel is not None:
            await kernel.shutdown()
        self.stats["cold"] += 1
        return await SandboxKernel.start(self.config)

    def warm_count(self) -> int:
        return self.ready.qsize() if self.ready else 0

    def wait_until_full(self, timeout: float = 60.0) -> bool:
        """Block until every pool slot holds a ready kernel (for benchmarks and tests)."""
        return self.runner.call(self._wait_full(timeout), timeout + 5)

    async def _wait_full(self, timeout: float) -> bool:
        deadline = self.loop.time() + timeout
        while self.ready.qsize() < self.size:
            if self.loop.time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def run(self, notebook: nbformat.NotebookNode, limits: Limits, on_cell=None) -> RunResult:
        """Run *notebook* on a pooled kernel (or a fresh one if its limits differ)."""
        self.start()
        return self.runner.call(self._run(notebook, limits, on_cell))

    async def _run(self, notebook: nbformat.NotebookNode, limits: Limits, on_cell) -> RunResult:
        config = dataclasses.replace(self.config, limits=limits)
        if not same_kernel_limits(limits, self.config.limits):
            return await run_notebook(notebook, config, on_cell=on_cell)
        try:
            kernel = await self.acquire()
        except SandboxUnavailable as exc:
            cells = [CellResult(index=i) for i in range(len(code_cells(notebook)))]
            return RunResult("failed", cells, 0.0, str(exc))
        kernel.config = config  # run-level limits (timeouts, output caps) for this run
        return await run_notebook(notebook, config, kernel=kernel, on_cell=on_cell)

    def close(self) -> None:
        """Shut every pooled kernel down."""
        if not self.started or self.closed:
            return
        self.closed = True

        async def drain() -> None:
            deadline = self.loop.time() + 30
            while self.starting and self.loop.time() < deadline:
                await asyncio.sleep(0.05)  # let kernels being started arrive, then stop them
            while not self.ready.empty():
                kernel = self.ready.get_nowait()
                await kernel.shutdown()

        with contextlib.suppress(Exception):
            self.runner.call(drain(), 60)
        self.runner.stop()

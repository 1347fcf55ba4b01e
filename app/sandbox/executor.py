"""Executors: what the rest of Shopfloor calls to run a notebook."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from app.sandbox import bwrap
from app.sandbox.base import CellResult, Limits, RunResult, SandboxUnavailable
from app.sandbox.execute import OnCell, run_sync
from app.sandbox.kernel import KernelConfig
from app.sandbox.notebooks import code_cells
from app.sandbox.pool import KernelPool

if TYPE_CHECKING:
    import nbformat


class Executor(Protocol):
    sandboxed: bool

    def check(self) -> None:
        """Raise SandboxUnavailable (with the fix) if notebooks cannot run here."""

    def run(
        self,
        notebook: nbformat.NotebookNode,
        limits: Limits | None = None,
        *,
        pooled: bool = True,
        on_cell: OnCell | None = None,
    ) -> RunResult:
        """Execute all code cells in a fresh kernel; learner errors are results, not raised."""


class JupyterExecutor:
    def __init__(
        self, environment: bwrap.Environment, limits: Limits, *, sandboxed: bool, pool_size: int = 0
    ) -> None:
        self.environment = environment
        self.limits = limits
        self.sandboxed = sandboxed
        self.pool = KernelPool(self.config(), pool_size) if pool_size > 0 else None

    def prestart(self) -> None:
        """Start filling the warm pool now rather than on the first run."""
        if self.pool:
            self.check()
            self.pool.start()

    def check(self) -> None:
        if not self.environment.python.exists():
            raise SandboxUnavailable(
                f"The lab Python environment is missing ({self.environment.python}). "
                "Run `make run` (or `make test`) to install it."
            )
        if self.sandboxed:
            bwrap.check()

    def config(self, limits: Limits | None = None) -> KernelConfig:
        return KernelConfig(self.environment, limits or self.limits, sandboxed=self.sandboxed)

    def run(
        self,
        notebook: nbformat.NotebookNode,
        limits: Limits | None = None,
        *,
        pooled: bool = True,
        on_cell: OnCell | None = None,
    ) -> RunResult:
        try:
            self.check()
        except SandboxUnavailable as exc:
            cells = [CellResult(index=i) for i in range(len(code_cells(notebook)))]
            return RunResult("failed", cells, 0.0, str(exc))
        if self.pool and pooled:
            return self.pool.run(notebook, limits or self.limits, on_cell)
        return run_sync(notebook, self.config(limits), on_cell)


class FakeExecutor:
    """Pretends every cell ran and printed nothing. For tests of pages, never for learners.

    *seconds_per_cell* makes each pretend cell take that long (tests of graders that die
    mid-run).
    """

    sandboxed = True
    limits = Limits()
    pool = None

    def __init__(self, seconds_per_cell: float = 0.0) -> None:
        self.seconds_per_cell = seconds_per_cell

    def check(self) -> None:
        return None

    def run(
        self,
        notebook: nbformat.NotebookNode,
        limits: Limits | None = None,
        *,
        pooled: bool = True,
        on_cell: OnCell | None = None,
    ) -> RunResult:
        cells = [CellResult(index=i, status="ok") for i in range(len(code_cells(notebook)))]
        pause = threading.Event()
        for index in range(len(cells)):
            if on_cell is not None:
                on_cell(index, len(cells))
            if self.seconds_per_cell:
                pause.wait(self.seconds_per_cell)
        return RunResult("completed", cells, 0.0)

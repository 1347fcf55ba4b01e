"""Run a whole notebook in a fresh sandboxed kernel, cell by cell, within its limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from app.sandbox.base import REPLY_TAG, CellResult, Limits, RunResult, SandboxUnavailable
from app.sandbox.kernel import KernelConfig, SandboxKernel

if TYPE_CHECKING:
    import nbformat

FATAL = {"memory", "cpu", "killed", "notebook-timeout"}


OnCell = Callable[[int, int], None]  # (index of the cell starting, number of code cells)


async def run_notebook(
    notebook: nbformat.NotebookNode,
    config: KernelConfig,
    *,
    kernel: SandboxKernel | None = None,
    on_cell: OnCell | None = None,
) -> RunResult:
    """Execute every code cell in order; learner errors are results, not exceptions.

    A *kernel* from a warm pool may be passed in; it is shut down afterwards either way.
    *on_cell* hears of each cell as it starts (progress for people waiting on a grade).
    """
    limits: Limits = config.limits
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    cells = [CellResult(index=i) for i in range(len(code))]
    start = time.monotonic()
    try:
        kernel = kernel or await SandboxKernel.start(config)
    except SandboxUnavailable as exc:
        return RunResult("failed", cells, time.monotonic() - start, str(exc))
    try:
        deadline = start + limits.notebook_seconds
        for index, source in enumerate(code):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                cells[index].status = "notebook-timeout"
                break
            if on_cell is not None:
                on_cell(index, len(code))
            timeout = min(limits.cell_seconds, remaining)
            if REPLY_TAG in source.get("metadata", {}).get("tags", ()):
                cell = await kernel.evaluate(source.source, index, timeout=timeout)
            else:
                cell = await kernel.run_code(source.source, index, timeout=timeout)
            if cell.status == "timeout" and remaining < limits.cell_seconds:
                cell.status = "notebook-timeout"
            cells[index] = cell
            if cell.status in FATAL or not await kernel.is_alive():
                if cell.status == "ok":
                    cell.status = "killed"
                break
    finally:
        await kernel.shutdown()
    return RunResult("completed", cells, time.monotonic() - start)


def run_sync(
    notebook: nbformat.NotebookNode, config: KernelConfig, on_cell: OnCell | None = None
) -> RunResult:
    """``run_notebook`` for synchronous callers (CLI, web workers).

    It runs on a thread of its own with its own event loop, so it works whether or not the
    calling thread already has a loop running.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox") as pool:
        return pool.submit(asyncio.run, run_notebook(notebook, config, on_cell=on_cell)).result()

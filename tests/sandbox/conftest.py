from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from app.sandbox import Environment, JupyterExecutor, Limits
from tests.leaks import collect_abandoned_kernels

ROOT = Path(__file__).resolve().parents[2]
LAB_PYTHON = ROOT / ".venv-lab" / "bin" / "python"
FAST = Limits(
    cell_seconds=5,
    notebook_seconds=60,
    cpu_seconds=20,
    memory_mb=512,
    processes=48,
    disk_mb=32,
    file_mb=8,
    output_bytes=20_000,
    image_bytes=200_000,
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/sandbox/" in str(item.fspath):
            item.add_marker(pytest.mark.kernel)


@pytest.fixture(scope="module", autouse=True)
def _no_kernels_left_from_earlier_tests():
    collect_abandoned_kernels()


@pytest.fixture(scope="session")
def executor() -> JupyterExecutor:
    executor = JupyterExecutor(Environment(LAB_PYTHON), FAST, sandboxed=True)
    executor.check()  # the sandbox must work here: CI always runs these tests for real
    return executor


@pytest.fixture
def run(executor):
    """Run cells (a list of sources) in a fresh sandboxed kernel; return the RunResult."""

    def go(*sources: str, **limits):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
        result = executor.run(notebook, Limits(**{**FAST.__dict__, **limits}))
        assert result.status == "completed", result.message
        return result

    return go


def text(cell) -> str:
    return "".join(o.text for o in cell.outputs)


@pytest.fixture
def lab():
    """The small lab of labs_fixture.py, parsed."""
    from app.content import labs
    from tests.sandbox.labs_fixture import source_notebook

    return labs.parse(source_notebook())

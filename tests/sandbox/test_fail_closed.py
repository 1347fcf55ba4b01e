"""Without a working bubblewrap, nothing runs, and the message names the fix."""

from __future__ import annotations

import nbformat

from app.sandbox import Environment, JupyterExecutor, bwrap, kernel
from tests.sandbox.conftest import FAST, LAB_PYTHON


def test_missing_bubblewrap_refuses_to_run(monkeypatch):
    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    bwrap._probe.cache_clear()
    try:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell("open('/tmp/ran', 'w')")]
        result = JupyterExecutor(Environment(LAB_PYTHON), FAST, sandboxed=True).run(notebook)
    finally:
        bwrap._probe.cache_clear()
    assert result.status == "failed"
    assert "bubblewrap (bwrap) is not installed" in result.message
    assert "apt-get install bubblewrap" in result.message
    assert [c.status for c in result.cells] == ["skipped"]


def test_missing_lab_environment_refuses_to_run(tmp_path):
    executor = JupyterExecutor(Environment(tmp_path / "no-python"), FAST, sandboxed=True)
    result = executor.run(nbformat.v4.new_notebook())
    assert result.status == "failed" and "make run" in result.message


def test_cli_exits_non_zero_with_the_reason(app, tmp_path, monkeypatch):
    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    bwrap._probe.cache_clear()
    path = tmp_path / "n.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("1")]
    nbformat.write(notebook, path)
    try:
        result = app.test_cli_runner().invoke(args=["labs", "exec", str(path)])
    finally:
        bwrap._probe.cache_clear()
    assert result.exit_code == 1 and "not installed" in result.output


def test_a_sandbox_that_cannot_be_built_says_why_and_leaves_nothing(tmp_path, monkeypatch):
    """bubblewrap's own error reaches the message, and the kernel's host folder goes."""
    monkeypatch.setattr(kernel, "RUNTIME_ROOT", tmp_path / "kernels")
    missing = tmp_path / "not-there"
    environment = Environment(LAB_PYTHON, read_only=(missing,))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("1")]
    result = JupyterExecutor(environment, FAST, sandboxed=True).run(notebook)
    assert result.status == "failed"
    assert "Can't find source path" in result.message and str(missing) in result.message
    assert list((tmp_path / "kernels").iterdir()) == []

"""Helpers every lab generator in labs/src shares: cells with ids and roles, lab metadata.

A generator defines its cells and checks, then calls ``write(build())``::

    .venv/bin/python labs/src/lab-oee-historian.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat

LABS = Path(__file__).resolve().parents[1]


def md(cell_id: str, text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    cell.id = cell_id
    return cell


def code(cell_id: str, role: str, source: str) -> nbformat.NotebookNode:
    """A code cell with a Shopfloor role: answer, readonly, test or hidden-test."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    cell.id = cell_id
    cell.metadata["shopfloor"] = {"role": role}
    return cell


def lab_notebook(
    lab_id: str,
    *,
    title: str,
    competencies: list[str],
    minutes: int,
    cells: list[nbformat.NotebookNode],
    checks: list[dict],
) -> nbformat.NotebookNode:
    """A source notebook: the cells plus the lab and checks metadata `flask labs` reads."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["shopfloor"] = {
        "lab": {
            "id": lab_id,
            "title": title,
            "competencies": competencies,
            "minutes": minutes,
        },
        "checks": checks,
    }
    return notebook


def write(notebook: nbformat.NotebookNode) -> Path:
    """Validate *notebook* and write it to labs/<lab id>.ipynb."""
    nbformat.validate(notebook)
    out = LABS / f"{notebook.metadata['shopfloor']['lab']['id']}.ipynb"
    nbformat.write(notebook, out)
    print(f"wrote {out}")
    return out

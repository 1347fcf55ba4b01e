"""Helpers every lab generator in labs/src shares: cells with ids and roles, lab metadata,
and the lab's pitfalls (typical wrong approaches, written beside the lab for `flask labs check`).

A generator defines its cells, checks and pitfalls, then calls ``write(build(), PITFALLS)``::

    .venv/bin/python labs/src/lab-oee-historian.py
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat

LABS = Path(__file__).resolve().parents[1]
PITFALLS = "pitfalls"  # labs/pitfalls/<lab id>/<pitfall id>.ipynb


@dataclass(frozen=True)
class Pitfall:
    """A mistake apprentices make in this lab: the reference solution with *answers* (answer
    cell id → that cell's mistaken code) swapped in. It must lose points for every seed."""

    id: str
    description: str
    answers: dict[str, str]

    def path(self, lab_id: str) -> str:
        return f"{PITFALLS}/{lab_id}/{self.id}.ipynb"


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


def swap(source: str, old: str, new: str) -> str:
    """*source* with *old* replaced by *new*, where *old* occurs exactly once.

    Pitfalls are written as small edits of the reference solution, so that they stay one
    mistake each; if an edit of the reference removes *old*, the generator stops here.
    """
    found = source.count(old)
    if found != 1:
        raise ValueError(f"{old!r} occurs {found} times in the cell, not once")
    return source.replace(old, new)


def lab_notebook(
    lab_id: str,
    *,
    title: str,
    competencies: list[str],
    minutes: int,
    cells: list[nbformat.NotebookNode],
    checks: list[dict],
    pitfalls: list[Pitfall] = (),
    limits: dict | None = None,
) -> nbformat.NotebookNode:
    """A source notebook: the cells plus the lab and checks metadata `flask labs` reads.

    *limits* overrides the sandbox's defaults for this lab (``app.sandbox.base.Limits``:
    ``cell_seconds``, ``notebook_seconds``, ``cpu_seconds``, ``memory_mb``)."""
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
            "pitfalls": [
                {
                    "id": pitfall.id,
                    "description": pitfall.description,
                    "notebook": pitfall.path(lab_id),
                    "cells": list(pitfall.answers),
                }
                for pitfall in pitfalls
            ],
        },
        "checks": checks,
    }
    if limits:
        notebook.metadata["shopfloor"]["lab"]["limits"] = dict(limits)
    return notebook


def pitfall_notebook(notebook: nbformat.NotebookNode, pitfall: Pitfall) -> nbformat.NotebookNode:
    """What an apprentice making *pitfall* would submit: the lab's cells (no hidden tests),
    every answer the reference solution's except the mistaken ones."""
    answers = {
        c.id for c in notebook.cells if c.metadata.get("shopfloor", {}).get("role") == "answer"
    }
    unknown = set(pitfall.answers) - answers
    if unknown:
        raise ValueError(f"pitfall {pitfall.id}: no answer cell {', '.join(sorted(unknown))}")
    submitted = nbformat.v4.new_notebook()
    for cell in notebook.cells:
        if cell.metadata.get("shopfloor", {}).get("role") == "hidden-test":
            continue
        cell = copy.deepcopy(cell)
        if cell.id in pitfall.answers:
            cell.source = pitfall.answers[cell.id].strip("\n")
        submitted.cells.append(cell)
    lab = notebook.metadata["shopfloor"]["lab"]
    submitted.metadata["kernelspec"] = notebook.metadata["kernelspec"]
    submitted.metadata["language_info"] = notebook.metadata["language_info"]
    # Not a lab: it has no shopfloor.lab, so nothing can take it for one.
    submitted.metadata["shopfloor"] = {
        "pitfall": {"lab": lab["id"], "id": pitfall.id, "description": pitfall.description}
    }
    return submitted


def write(notebook: nbformat.NotebookNode, pitfalls: list[Pitfall] = ()) -> Path:
    """Validate *notebook* and write it to labs/<lab id>.ipynb, and its *pitfalls* to
    labs/pitfalls/<lab id>/ (removing pitfall notebooks the lab no longer declares)."""
    nbformat.validate(notebook)
    lab_id = notebook.metadata["shopfloor"]["lab"]["id"]
    declared = [p["id"] for p in notebook.metadata["shopfloor"]["lab"]["pitfalls"]]
    if declared != [p.id for p in pitfalls]:
        raise ValueError(f"the notebook declares the pitfalls {declared}, not those written")
    out = LABS / f"{lab_id}.ipynb"
    nbformat.write(notebook, out)
    print(f"wrote {out}")
    folder = LABS / PITFALLS / lab_id
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.ipynb"):
        if stale.stem not in declared:
            stale.unlink()
            print(f"removed {stale}")
    for pitfall in pitfalls:
        submitted = pitfall_notebook(notebook, pitfall)
        nbformat.validate(submitted)
        nbformat.write(submitted, LABS / pitfall.path(lab_id))
        print(f"wrote {LABS / pitfall.path(lab_id)}")
    return out

"""The small lab of tests/sandbox/labs_fixture.py with one declared pitfall, for the tests
of pitfall metadata and of `flask labs` with pitfalls."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from tests.sandbox.labs_fixture import source_notebook

INVERTED = {
    "id": "availability-inverted",
    "description": "Divides planned time by run time.",
    "notebook": "pitfalls/lab-availability/availability-inverted.ipynb",
    "cells": ["answer-availability"],
}
WRONG = "availability = shift['planned'] / shift['run']"


def with_pitfalls(*pitfalls) -> nbformat.NotebookNode:
    """The small lab's source notebook declaring *pitfalls*."""
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"]["pitfalls"] = list(pitfalls)
    return notebook


def write_pitfall(root: Path, lab, answers: dict[str, str], *, drop: str = "") -> None:
    """Write INVERTED's notebook under *root*: *lab*'s reference with *answers* swapped in
    (and the cell *drop* left out)."""
    notebook = copy.deepcopy(lab.notebook)
    notebook.cells = [c for c in notebook.cells if c.get("id") != drop]
    for cell in notebook.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell.id]
    path = root / INVERTED["notebook"]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)

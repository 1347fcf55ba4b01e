"""Reading notebooks safely: size cap, nbformat upgrade, validation — before anything runs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

MAX_NOTEBOOK_BYTES = 5 * 1024 * 1024
# Deeper nesting than any real notebook has; parsing and validating stay far from the
# interpreter's recursion limit. (The web layer bounds other JSON bodies the same way:
# app.domain.bounded_json; sandbox/ imports nothing from the rest of the app.)
MAX_NOTEBOOK_DEPTH = 100
TOO_DEEP = (
    f"The notebook's JSON is nested more than {MAX_NOTEBOOK_DEPTH} levels deep, which no real "
    "notebook is. Save it again from Jupyter and upload that."
)


class BadNotebook(ValueError):
    """The notebook cannot be run; the message says why in words a learner understands."""


def read(raw: bytes | str) -> nbformat.NotebookNode:
    """Parse, upgrade (nbformat 3 → 4) and validate a notebook; raise BadNotebook."""
    import nbformat
    from nbformat.validator import ValidationError

    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_NOTEBOOK_BYTES:
        raise BadNotebook(
            f"The notebook is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_NOTEBOOK_BYTES // 1024 // 1024} MB. Clear large outputs and try again."
        )
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadNotebook(f"This is not a notebook file (not valid JSON: {exc}).") from None
    except RecursionError:
        raise BadNotebook(TOO_DEEP) from None
    if _depth_exceeds(data, MAX_NOTEBOOK_DEPTH):
        raise BadNotebook(TOO_DEEP)
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise BadNotebook("This is not a Jupyter notebook: it has no cells.")
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(notebook)
    except (
        ValidationError,
        nbformat.reader.NotJSONError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
    ) as exc:
        raise BadNotebook(f"The notebook is not valid ({_first_line(exc)}).") from None
    return notebook


def _depth_exceeds(value: object, limit: int) -> bool:
    """True if *value* nests lists and objects more than *limit* levels deep (no recursion)."""
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[dict | list, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if level + 1 > limit:
                    return True
                stack.append((child, level + 1))
    return False


def code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__

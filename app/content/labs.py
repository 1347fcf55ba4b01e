"""Lab source notebooks: roles of cells, checks, and the learner version built from them.

A source notebook in ``labs/`` carries the reference solution and every check:

- cell metadata ``shopfloor.role``: ``answer`` (the learner writes it; the solution sits
  between ``### BEGIN SOLUTION`` and ``### END SOLUTION``), ``readonly`` (given code),
  ``test`` (a visible self-check, read-only) or ``hidden-test`` (never shown to learners);
- notebook metadata ``shopfloor.lab`` (id, title, competencies, minutes, limits,
  max_attempts) and ``shopfloor.checks``: what to observe in the kernel and what to expect.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from app.content import confined
from app.content.limits import NOTEBOOK_BYTES

if TYPE_CHECKING:
    import nbformat

ROLES = ("answer", "readonly", "test", "hidden-test")
SOLUTION = re.compile(
    r"^([ \t]*)### BEGIN SOLUTION.*?^[ \t]*### END SOLUTION[^\n]*\n?", re.M | re.S
)
STUB = "# YOUR CODE HERE\nraise NotImplementedError()\n"
COMPARES = ("equal", "close", "set", "type")
REFERENCE = "reference"
LAB_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # also the file name: labs/<id>.ipynb


class LabError(ValueError):
    """The lab source is malformed; the message says where."""


@dataclass(frozen=True)
class Check:
    id: str
    points: float
    observe: str  # expression evaluated in the learner's kernel: its value is what we compare
    # An expression the grader evaluates (trusted, with `seed`), or "reference": the value
    # the lab's reference solution observes when run with the learner's seed.
    expected: str = REFERENCE
    compare: str = "close"
    tolerance: float = 1e-6
    visible: bool = True
    description: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    notebook: nbformat.NotebookNode  # the source, solutions and hidden parts included
    checks: tuple[Check, ...]
    competencies: tuple[str, ...] = ()
    minutes: int = 30
    limits: dict[str, Any] = field(default_factory=dict)
    max_attempts: int | None = None
    version: str = ""  # content hash of the source notebook

    @property
    def max_points(self) -> float:
        return sum(check.points for check in self.checks)

    def cells_with_role(self, role: str) -> list:
        return [cell for cell in self.notebook.cells if role_of(cell) == role]


def read_notebook(root: Path, name: str | PurePath) -> bytes:
    """The bytes of notebook *name* under *root* (``labs/``, ``labs/learner/``).

    Raises confined.Refused for a link, a special file, a path out of *root* or a notebook
    over NOTEBOOK_BYTES. *root* is resolved by the caller.
    """
    return confined.read_bytes(root, name, limit=NOTEBOOK_BYTES)


def role_of(cell) -> str | None:
    return cell.get("metadata", {}).get("shopfloor", {}).get("role")


def parse(notebook: nbformat.NotebookNode) -> Lab:
    """Read a source notebook into a Lab; raise LabError naming what is wrong."""
    import nbformat

    meta = notebook.metadata.get("shopfloor") or {}
    lab = meta.get("lab") or {}
    if not lab.get("id") or not lab.get("title"):
        raise LabError("notebook metadata shopfloor.lab needs an id and a title")
    if not LAB_ID.fullmatch(str(lab["id"])):
        # The id names the learner version's file, so it may hold no '/' or '..'.
        raise LabError("the lab id must be lower-case letters, digits and hyphens")
    ids = set()
    for index, cell in enumerate(notebook.cells):
        role = role_of(cell)
        if role is not None and role not in ROLES:
            raise LabError(f"cell {index}: unknown role {role!r}; use {', '.join(ROLES)}")
        if role == "answer":
            if not cell.get("id"):
                raise LabError(f"cell {index}: an answer cell needs a cell id (nbformat 4.5)")
            if cell.id in ids:
                raise LabError(f"cell {index}: the cell id {cell.id!r} is used twice")
            ids.add(cell.id)
    if not ids:
        raise LabError("the lab has no answer cell")
    checks = tuple(_check(raw, i) for i, raw in enumerate(meta.get("checks") or []))
    if not checks:
        raise LabError("notebook metadata shopfloor.checks lists no checks")
    if len({c.id for c in checks}) != len(checks):
        raise LabError("two checks share an id")
    return Lab(
        id=str(lab["id"]),
        title=str(lab["title"]),
        notebook=notebook,
        checks=checks,
        competencies=tuple(lab.get("competencies") or ()),
        minutes=int(lab.get("minutes") or 30),
        limits=dict(lab.get("limits") or {}),
        max_attempts=lab.get("max_attempts"),
        version=hashlib.sha256(nbformat.writes(notebook).encode()).hexdigest()[:16],
    )


def _check(raw: dict, index: int) -> Check:
    try:
        check = Check(
            id=str(raw["id"]),
            points=float(raw.get("points", 1)),
            observe=str(raw["observe"]),
            expected=str(raw.get("expected", REFERENCE)),
            compare=str(raw.get("compare", "close")),
            tolerance=float(raw.get("tolerance", 1e-6)),
            visible=bool(raw.get("visible", True)),
            description=str(raw.get("description", "")),
            hint=str(raw.get("hint", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LabError(f"check {index}: needs an id and an observe expression ({exc})") from None
    if check.compare not in COMPARES:
        raise LabError(f"check {check.id}: compare must be one of {', '.join(COMPARES)}")
    try:
        compile(check.observe, "<observe>", "eval")
        if check.expected != REFERENCE:
            compile(check.expected, "<expected>", "eval")
    except SyntaxError as exc:
        raise LabError(f"check {check.id}: not a Python expression ({exc.msg})") from None
    return check


def learner_version(lab: Lab) -> nbformat.NotebookNode:
    """The notebook learners get: solutions stubbed, hidden tests and hidden checks removed."""
    notebook = copy.deepcopy(lab.notebook)
    cells = []
    for cell in notebook.cells:
        role = role_of(cell)
        if role == "hidden-test":
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if role == "answer":
            cell.source = strip_solution(cell.source)
        if role in ("readonly", "test"):
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
        cells.append(cell)
    notebook.cells = cells
    meta = notebook.metadata["shopfloor"]
    meta["checks"] = [_public(c) for c in lab.checks if c.visible]
    leaks = leaked_secrets(lab, notebook)
    if leaks:
        raise LabError(f"the learner version would still contain {', '.join(leaks)}")
    return notebook


def strip_solution(source: str) -> str:
    """Replace each solution region by the stub, indented like the region's marker."""
    return SOLUTION.sub(
        lambda m: "".join(m.group(1) + line + "\n" for line in STUB.splitlines()), source
    )


def _public(check: Check) -> dict[str, Any]:
    return {
        "id": check.id,
        "points": check.points,
        "description": check.description,
        "observe": check.observe,
    }


def leaked_secrets(lab: Lab, notebook: nbformat.NotebookNode) -> list[str]:
    """What of the solution or hidden tests a notebook still contains (empty when clean)."""
    import nbformat

    found = []
    text = nbformat.writes(notebook)
    if "### BEGIN SOLUTION" in text or "### END SOLUTION" in text:
        found.append("a solution region")
    for cell in lab.cells_with_role("hidden-test"):
        if cell.source.strip() and cell.source.strip() in text:
            found.append("a hidden test")
    public = {c.get("id") for c in notebook.metadata.get("shopfloor", {}).get("checks", [])}
    found += [f"hidden check {c.id}" for c in lab.checks if not c.visible and c.id in public]
    if any("expected" in c for c in notebook.metadata.get("shopfloor", {}).get("checks", [])):
        found.append("expected answers")
    return found

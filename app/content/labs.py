"""Lab source notebooks: roles of cells, checks, and the learner version built from them.

A source notebook in ``labs/`` carries the reference solution and every check:

- cell metadata ``shopfloor.role``: ``answer`` (the learner writes it; the solution sits
  between ``### BEGIN SOLUTION`` and ``### END SOLUTION``), ``readonly`` (given code),
  ``test`` (a visible self-check, read-only) or ``hidden-test`` (never shown to learners);
- notebook metadata ``shopfloor.lab`` (id, title, competencies, minutes, limits,
  max_attempts, pitfalls) and ``shopfloor.checks``: what to observe in the kernel and what
  to expect.

A lab's **pitfalls** are typical wrong approaches, each a notebook under
``pitfalls/`` that ``flask labs check`` grades for many seeds: each must lose points on
every seed, or the lab does not catch the mistake it teaches about. They are for authors
only: the learner version carries neither the notebooks nor their list.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
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
PITFALLS = "pitfalls"  # the folder of LABS_ROOT that holds pitfall notebooks


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
class Pitfall:
    """A typical wrong approach to a lab: its notebook must lose points for every seed."""

    id: str
    description: str  # the mistake, as an instructor would name it
    notebook: PurePosixPath  # relative to LABS_ROOT, always inside pitfalls/
    cells: tuple[str, ...]  # the answer cells where it differs from the reference solution


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
    pitfalls: tuple[Pitfall, ...] = ()

    @property
    def max_points(self) -> float:
        return sum(check.points for check in self.checks)

    def cells_with_role(self, role: str) -> list:
        return [cell for cell in self.notebook.cells if role_of(cell) == role]


@dataclass(frozen=True)
class LabHeader:
    """What a notebook's ``shopfloor.lab`` metadata says of the time and skills it takes."""

    minutes: int
    competencies: tuple[str, ...] = ()


def read_header(root: Path, lab_id: str) -> LabHeader:
    """The header of notebook ``<lab_id>.ipynb`` under *root*, read as plain JSON (no
    nbformat: the validator reads every lab's). Raises LabError if it cannot be read."""
    try:
        data = json.loads(read_notebook(root, f"{lab_id}.ipynb"))
        lab = data["metadata"]["shopfloor"]["lab"]
        minutes = lab.get("minutes") or 30
        competencies = lab.get("competencies") or []
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
            raise LabError(f"{lab_id}: minutes must be a whole number of minutes")
        return LabHeader(minutes, tuple(str(code) for code in competencies))
    except LabError:
        raise
    except confined.Refused as exc:
        raise LabError(f"{lab_id}: {exc.message}") from None
    except (ValueError, RecursionError, KeyError, TypeError, AttributeError) as exc:
        raise LabError(f"{lab_id}: not a lab notebook ({type(exc).__name__})") from None


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
    answer_ids = [cell.id for cell in notebook.cells if role_of(cell) == "answer"]
    pitfalls = _pitfalls(lab.get("pitfalls", []), answer_ids)
    return Lab(
        id=str(lab["id"]),
        title=str(lab["title"]),
        notebook=notebook,
        checks=checks,
        competencies=tuple(lab.get("competencies") or ()),
        minutes=int(lab.get("minutes") or 30),
        limits=_limits(lab.get("limits")),
        max_attempts=lab.get("max_attempts"),
        version=_version(notebook),
        pitfalls=pitfalls,
    )


def _version(notebook: nbformat.NotebookNode) -> str:
    """A content hash of what learners and grading see. The pitfalls, for authors only, are
    left out: declaring one must not tell learners that their lab has changed."""
    import nbformat

    if "pitfalls" in notebook.metadata["shopfloor"]["lab"]:
        notebook = copy.deepcopy(notebook)
        del notebook.metadata["shopfloor"]["lab"]["pitfalls"]
    return hashlib.sha256(nbformat.writes(notebook).encode()).hexdigest()[:16]


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


# The sandbox limits a lab may set for itself, each with the largest value it may ask for
# (app.sandbox.base.Limits holds the defaults; content never imports the sandbox).
LIMIT_CEILINGS = {"cell_seconds": 600, "notebook_seconds": 3600, "cpu_seconds": 3600,
                  "memory_mb": 4096}  # fmt: skip


def _limits(raw: Any) -> dict[str, float]:
    """A lab's own limits: known names, positive numbers within LIMIT_CEILINGS."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise LabError("shopfloor.lab.limits must be a mapping of limit names to numbers")
    found = {}
    for name, value in raw.items():
        if name not in LIMIT_CEILINGS:
            known = ", ".join(LIMIT_CEILINGS)
            raise LabError(f"shopfloor.lab.limits: no limit {str(name)[:40]!r} (known: {known})")
        ceiling = LIMIT_CEILINGS[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value <= ceiling
        ):
            raise LabError(
                f"shopfloor.lab.limits.{name} must be a number above 0, at most {ceiling}"
            )
        found[name] = value
    return found


def _pitfalls(raw: Any, answer_ids: list[str]) -> tuple[Pitfall, ...]:
    """The declared pitfalls; LabError naming the pitfall and what is wrong with it."""
    if not isinstance(raw, list):
        raise LabError(
            "notebook metadata shopfloor.lab.pitfalls must be a list of "
            "{id, description, notebook, cells}"
        )
    found: list[Pitfall] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise LabError(f"pitfall {index}: needs an id, a description, a notebook and cells")
        ident = entry.get("id")
        if not isinstance(ident, str) or not LAB_ID.fullmatch(ident):
            message = f"its id must be lower-case letters, digits and hyphens, not {ident!r}"
            raise LabError(f"pitfall {index}: {message}")
        if any(p.id == ident for p in found):
            raise LabError(f"pitfall {ident!r} is declared twice")
        description = entry.get("description")
        if not isinstance(description, str) or not description.strip():
            raise LabError(f"pitfall {ident!r}: needs a description of the mistake")
        path = _pitfall_path(ident, entry.get("notebook"))
        cells = _pitfall_cells(ident, entry.get("cells"), answer_ids)
        found.append(Pitfall(ident, description.strip(), path, cells))
    return tuple(found)


def _pitfall_path(ident: str, raw: Any) -> PurePosixPath:
    """The pitfall's notebook path: a notebook under pitfalls/, so that it is never taken
    for a lab (``flask labs build`` reads only the top folder) nor served to learners."""
    wanted = f"a .ipynb file under {PITFALLS}/ (e.g. {PITFALLS}/<lab id>/{ident}.ipynb)"
    if not isinstance(raw, str):
        raise LabError(f"pitfall {ident!r}: its notebook must be {wanted}")
    try:
        path = confined.relative(raw)
    except confined.Refused as exc:
        raise LabError(f"pitfall {ident!r}: {exc.message}") from None
    if len(path.parts) < 2 or path.parts[0] != PITFALLS or path.suffix != ".ipynb":
        raise LabError(f"pitfall {ident!r}: its notebook must be {wanted}, not {raw!r}")
    return path


def _pitfall_cells(ident: str, raw: Any, answer_ids: list[str]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        raise LabError(f"pitfall {ident!r}: cells must list the answer cells it changes")
    for cell in raw:
        if cell not in answer_ids:
            raise LabError(
                f"pitfall {ident!r} names cell {cell!r}, which is not an answer cell of "
                f"this lab (its answer cells: {', '.join(answer_ids)})"
            )
    if len(set(raw)) != len(raw):
        raise LabError(f"pitfall {ident!r} names a cell twice")
    return tuple(raw)


def pitfall_notebook(root: Path, lab: Lab, pitfall: Pitfall) -> nbformat.NotebookNode:
    """Read *pitfall*'s notebook from *root* (LABS_ROOT, resolved) and check it against *lab*.

    Raises LabError naming the pitfall when the notebook is missing, unreadable or not a
    notebook, lacks an answer cell of the lab, keeps the reference solution in a cell it
    declares, or changes an answer cell it does not declare (a pitfall is one mistake).
    """
    import nbformat

    where = f"pitfall {pitfall.id!r} of {lab.id}"
    try:
        raw = read_notebook(root, pitfall.notebook)
    except confined.Refused as exc:
        raise LabError(
            f"{where}: no notebook {pitfall.notebook} ({exc.message}); "
            f"labs/src/{lab.id}.py writes it"
        ) from None
    try:
        notebook = nbformat.reads(raw.decode(), as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # noqa: BLE001 - JSON, Unicode and schema errors alike
        problem = type(exc).__name__
        raise LabError(f"{where}: {pitfall.notebook} is not a valid notebook ({problem})") from None
    sources = {c.get("id"): c.source for c in notebook.cells if c.cell_type == "code"}
    for cell in lab.cells_with_role("answer"):
        if cell.id not in sources:
            raise LabError(f"{where}: {pitfall.notebook} has no answer cell {cell.id!r}")
        same = sources[cell.id] == cell.source
        if cell.id in pitfall.cells and same:
            raise LabError(f"{where}: its cell {cell.id!r} holds the reference solution")
        if cell.id not in pitfall.cells and not same:
            raise LabError(
                f"{where}: its cell {cell.id!r} differs from the reference solution, but the "
                "pitfall does not list it among its cells"
            )
    return notebook


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
    meta.get("lab", {}).pop("pitfalls", None)  # for authors: it names wrong answers' cells
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
    if "pitfalls" in notebook.metadata.get("shopfloor", {}).get("lab", {}):
        found.append("the list of pitfalls")
    return found

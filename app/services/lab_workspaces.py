"""A learner's lab workspace: their own copy of the learner notebook, saved as they type.

The learner writes only two kinds of cell: the lab's answer cells, and scratch cells of
their own (code or Markdown, added and deleted anywhere, to explore the data). Given code,
visible tests and the lab's Markdown always come from the lab, so neither an edit nor an
upload can change what is graded around the learner's answers; grading takes the answer
cells by id, so scratch cells never reach it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from sqlalchemy import select

from app.content import markdown
from app.content.labs import Lab, learner_version, role_of
from app.domain import grading
from app.domain.notebook_html import for_page
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import LabWorkspace, User
from app.sandbox import notebooks

if TYPE_CHECKING:
    import nbformat

SCRATCH = "scratch"  # the role of a learner's own cell
MAX_SCRATCH_CELLS = 100
MAX_SOURCE_CHARS = 100_000  # of one cell the learner writes


def seed_for(user_id: int, lab_id: str, *, secret: str | bytes) -> int:
    """The simulator seed of one learner for one lab: stable, and different per learner.

    Keyed with the server's *secret* (HMAC-SHA256), so nobody can work out another learner's
    seed, and with it their data and expected answers, from ids they can see.
    """
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"shopfloor-lab-seed:{user_id}:{lab_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") % 1_000_000


def find(user: User, lab_id: str) -> LabWorkspace | None:
    return db.session.scalar(
        select(LabWorkspace).where(LabWorkspace.user_id == user.id, LabWorkspace.lab_slug == lab_id)
    )


def open_workspace(user: User, lab: Lab, *, now: datetime, secret: str | bytes) -> LabWorkspace:
    """The learner's workspace for *lab*, made from the learner version on first use.

    The seed is stored with the workspace and never recomputed, so workspaces made before
    seeds were keyed (or before the secret changed) keep the data their learner already has.
    """
    workspace = find(user, lab.id)
    if workspace is not None:
        if workspace.lab_version != lab.version:
            _update(workspace, lab, now)
            db.session.flush()
        return workspace
    workspace = _new(user, lab, now=now, secret=secret)
    db.session.add(workspace)
    db.session.flush()
    return workspace


def as_opened(
    user: User, lab: Lab, found: LabWorkspace | None, *, now: datetime, secret: str | bytes
) -> LabWorkspace:
    """The workspace exactly as ``open_workspace`` would make it, writing nothing.

    *found* is the learner's saved workspace, if any. When there is none, or its lab has
    changed since, the answer is an unsaved copy (never added to the session) with the
    revision the first write will give it, so a page shown from it saves without a conflict.
    """
    if found is None:
        return _new(user, lab, now=now, secret=secret)
    if found.lab_version == lab.version:
        return found
    copy = LabWorkspace(
        id=found.id,  # for reading its kernel and events; the copy itself is never added
        user_id=found.user_id,
        lab_slug=found.lab_slug,
        lab_version=found.lab_version,
        seed=found.seed,
        notebook=found.notebook,
        revision=found.revision,
        outputs=dict(found.outputs or {}),
        created_at=found.created_at,
        updated_at=found.updated_at,
    )
    _update(copy, lab, now)
    return copy


def _new(user: User, lab: Lab, *, now: datetime, secret: str | bytes) -> LabWorkspace:
    import nbformat

    return LabWorkspace(
        user_id=user.id,
        lab_slug=lab.id,
        lab_version=lab.version,
        seed=seed_for(user.id, lab.id, secret=secret),
        notebook=nbformat.writes(learner_version(lab)),
        revision=1,
        outputs={},
        created_at=now,
        updated_at=now,
    )


def _update(workspace: LabWorkspace, lab: Lab, now: datetime) -> None:
    """Move a workspace onto a new version of its lab, keeping the learner's answers.

    Given code, checks and text come from the new version; each answer cell keeps the
    learner's code if the new version still has it (by cell id), else starts fresh.
    """
    import nbformat

    answers = {
        cell.get("id"): cell.source
        for cell in notebook(workspace).cells
        if role_of(cell) == "answer"
    }
    fresh = learner_version(lab)
    for cell in fresh.cells:
        if role_of(cell) == "answer" and cell.get("id") in answers:
            cell.source = answers[cell.id]
    fresh.cells = _with_scratch(notebook(workspace).cells, fresh.cells)
    kept = {c.get("id") for c in fresh.cells}
    workspace.outputs = {k: v for k, v in (workspace.outputs or {}).items() if k in kept}
    workspace.notebook = nbformat.writes(fresh)
    workspace.lab_version = lab.version
    workspace.revision += 1
    workspace.updated_at = now


def _with_scratch(old: list, fresh: list) -> list:
    """*fresh* (a new version's cells) with the learner's scratch cells from *old* put back,
    each after the lab cell it followed (at the end when the new version has no such cell)."""
    placed: dict[str | None, list] = {}
    anchor = None
    for cell in old:
        if role_of(cell) == SCRATCH:
            placed.setdefault(anchor, []).append(cell)
        elif cell.get("id"):
            anchor = cell.get("id")
    ids = {cell.get("id") for cell in fresh}
    cells = list(placed.pop(None, []))
    for cell in fresh:
        cells.append(cell)
        cells.extend(placed.pop(cell.get("id"), []))
    for orphans in placed.values():  # their lab cell is gone: at the end, in their order
        cells.extend(c for c in orphans if c.get("id") not in ids)
    return cells


def notebook(workspace: LabWorkspace) -> nbformat.NotebookNode:
    import nbformat

    return nbformat.reads(workspace.notebook, as_version=4)


def answer_ids(lab: Lab) -> set[str]:
    return {cell.id for cell in lab.cells_with_role("answer")}


def editable_ids(workspace: LabWorkspace, lab: Lab) -> set[str]:
    """The cells the learner may write: the lab's answer cells and their own scratch cells."""
    scratch = {c.get("id") for c in notebook(workspace).cells if role_of(c) == SCRATCH}
    return answer_ids(lab) | scratch


def saved_sources(workspace: LabWorkspace, lab: Lab) -> dict[str, str]:
    """The saved source of every cell the learner writes, by cell id."""
    editable = editable_ids(workspace, lab)
    return {c.get("id"): c.source for c in notebook(workspace).cells if c.get("id") in editable}


def layout(workspace: LabWorkspace) -> list[dict[str, str]]:
    """The scratch cells in notebook order, each with the lab cell it follows ("" at the top)
    and its saved source: what a page needs to show the same cells as the server."""
    shown, anchor = [], ""
    for cell in notebook(workspace).cells:
        if role_of(cell) == SCRATCH:
            shown.append(
                {"id": cell.id, "kind": cell.cell_type, "after": anchor, "source": cell.source}
            )
        if cell.get("id"):
            anchor = cell.get("id")
    return shown


def _check_revision(workspace: LabWorkspace, lab: Lab, base_revision: int) -> None:
    """Conflict unless the page's copy is the saved one.

    The Conflict carries the saved revision, sources and scratch cells, so the page can show
    both versions of each differing cell and let the learner choose: nothing is overwritten.
    """
    if base_revision != workspace.revision:
        raise Conflict(
            "This lab was saved from another tab or device since these edits began. Nothing "
            "was overwritten: choose which version of each cell to keep.",
            details={
                "revision": workspace.revision,
                "cells": saved_sources(workspace, lab),
                "scratch": layout(workspace),
            },
        )


def save(
    workspace: LabWorkspace,
    lab: Lab,
    sources: dict[str, str],
    *,
    base_revision: int,
    now: datetime,
) -> LabWorkspace:
    """Write the learner's answer and scratch cells; Conflict if the page's copy is out of
    date (see ``_check_revision``)."""
    _check_revision(workspace, lab, base_revision)
    editable = editable_ids(workspace, lab)
    refused = sorted(set(sources) - editable)
    if refused:
        raise InvalidInput("cells", f"These cells cannot be edited: {', '.join(refused)}.")
    for cell_id, source in sources.items():
        _check_source(cell_id, source)
    _write(workspace, sources, now)
    return workspace


def _check_source(cell_id: str, source) -> None:
    if not isinstance(source, str):
        raise InvalidInput("cells", f"Cell {cell_id}: the source must be text.")
    if len(source) > MAX_SOURCE_CHARS:
        raise InvalidInput(
            "cells",
            f"Cell {cell_id} is too long to save ({len(source):,} characters; at most "
            f"{MAX_SOURCE_CHARS:,}). Load large data from a file instead of pasting it.",
        )


def add_cell(
    workspace: LabWorkspace,
    lab: Lab,
    *,
    kind: str,
    after: str | None,
    base_revision: int,
    now: datetime,
    source: str = "",
) -> str:
    """Add an empty scratch cell (``code`` or ``markdown``) after cell *after* (at the top
    when None); return its id. Conflict if the page's copy is out of date."""
    import nbformat

    _check_revision(workspace, lab, base_revision)
    if kind not in ("code", "markdown"):
        raise InvalidInput("kind", "A new cell is a code cell or a Markdown cell.")
    _check_source("new", source)
    current = notebook(workspace)
    if sum(role_of(c) == SCRATCH for c in current.cells) >= MAX_SCRATCH_CELLS:
        raise InvalidInput(
            "cells",
            f"This lab already has {MAX_SCRATCH_CELLS} cells of your own: delete some first.",
        )
    ids = [c.get("id") for c in current.cells]
    if after is not None and after not in ids:
        raise InvalidInput("after", "That cell is no longer in this lab: reload the page.")
    new = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(source)
    new.id = _new_id(set(ids))
    new.metadata["shopfloor"] = {"role": SCRATCH}
    position = 0 if after is None else ids.index(after) + 1
    current.cells.insert(position, new)
    _store(workspace, current, now)
    return new.id


def delete_cell(
    workspace: LabWorkspace, lab: Lab, cell_id: str, *, base_revision: int, now: datetime
) -> None:
    """Delete one of the learner's scratch cells, with its outputs; the lab's own cells
    cannot be deleted. Conflict if the page's copy is out of date."""
    _check_revision(workspace, lab, base_revision)
    current = notebook(workspace)
    cell = next((c for c in current.cells if c.get("id") == cell_id), None)
    if cell is None or role_of(cell) != SCRATCH:
        raise InvalidInput("cell", "Only cells you added can be deleted.")
    current.cells.remove(cell)
    outputs = dict(workspace.outputs or {})
    outputs.pop(cell_id, None)
    workspace.outputs = outputs
    _store(workspace, current, now)


def _new_id(taken: set[str]) -> str:
    while True:
        candidate = f"scratch-{secrets.token_hex(4)}"
        if candidate not in taken:
            return candidate


def markdown_html(workspace: LabWorkspace, cell_id: str) -> Markup:
    """The saved text of a scratch Markdown cell as HTML (no raw HTML, as every page)."""
    cell = next((c for c in notebook(workspace).cells if c.get("id") == cell_id), None)
    if cell is None or cell.cell_type != "markdown" or role_of(cell) != SCRATCH:
        raise InvalidInput("cell", "Choose a Markdown cell of your own.")
    return markdown.block(cell.source)


def upload(workspace: LabWorkspace, lab: Lab, raw: bytes, *, now: datetime) -> int:
    """Take the answer cells of a notebook finished elsewhere; return how many changed.

    Anything malformed is refused with the reason before it touches the saved work.
    """
    try:
        uploaded = notebooks.read(raw)
        answers = grading.answers_from(lab, uploaded)
    except (notebooks.BadNotebook, grading.SubmissionError) as exc:
        raise InvalidInput("notebook", str(exc)) from None
    current = {cell.get("id"): cell.source for cell in notebook(workspace).cells}
    changed = {k: v for k, v in answers.items() if current.get(k) != v}
    _write(workspace, answers, now)
    return len(changed)


def reset_cell(workspace: LabWorkspace, lab: Lab, cell_id: str, *, now: datetime) -> None:
    """Put an answer cell back to the lab's starting code."""
    if cell_id not in answer_ids(lab):
        raise InvalidInput("cell", "Only answer cells can be reset.")
    start = {cell.get("id"): cell.source for cell in learner_version(lab).cells}
    _write(workspace, {cell_id: start[cell_id]}, now)


def _write(workspace: LabWorkspace, sources: dict[str, str], now: datetime) -> None:
    current = notebook(workspace)
    for cell in current.cells:
        if role_of(cell) in ("answer", SCRATCH) and cell.get("id") in sources:
            cell.source = sources[cell.id]
    _store(workspace, current, now)


def _store(workspace: LabWorkspace, current: nbformat.NotebookNode, now: datetime) -> None:
    import nbformat

    workspace.notebook = nbformat.writes(current)
    workspace.revision += 1
    workspace.updated_at = now
    db.session.flush()


@dataclass(frozen=True)
class Cell:
    """One cell as the workspace page shows it."""

    id: str
    kind: str  # markdown | code
    role: str  # answer, scratch (both editable), given, test (a self-check), "" (lab text)
    source: str
    html: Markup = Markup("")  # rendered markdown
    status: str = ""  # how its last run ended, if it ran
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None  # the kernel's In[n] of its last run

    @property
    def editable(self) -> bool:
        return self.role in ("answer", SCRATCH)


def cells(workspace: LabWorkspace) -> list[Cell]:
    """The workspace's cells with their saved outputs, markdown rendered without raw HTML."""
    shown = []
    for position, cell in enumerate(notebook(workspace).cells):
        cell_id = cell.get("id", "")
        if cell.cell_type == "markdown":
            role = role_of(cell) or ""
            html = text_html(cell.source, first=position == 0 and role != SCRATCH)
            shown.append(Cell(cell_id, "markdown", role, cell.source, html))
        elif cell.cell_type == "code":
            last = (workspace.outputs or {}).get(cell_id, {})
            role = role_of(cell) or "given"
            shown.append(
                Cell(cell_id, "code", role, cell.source, status=last.get("status", ""),
                     outputs=for_page(last.get("outputs", [])),
                     execution_count=last.get("execution_count"))
            )  # fmt: skip
    return shown


def text_html(source: str, *, first: bool = False) -> Markup:
    """A notebook's Markdown cell as HTML; the first cell's title is left to the page."""
    if first and source.startswith("# "):
        source = source.partition("\n")[2]
    return markdown.block(source)


def code_of(workspace: LabWorkspace, cell_ids: list[str]) -> list[tuple[str, str]]:
    """The saved source of each code cell asked for, in notebook order; InvalidInput if unknown."""
    code = {c.get("id"): c.source for c in notebook(workspace).cells if c.cell_type == "code"}
    unknown = sorted(set(cell_ids) - set(code))
    if unknown or not cell_ids:
        raise InvalidInput("cells", "Choose code cells of this lab to run.")
    wanted = set(cell_ids)
    return [(cell_id, source) for cell_id, source in code.items() if cell_id in wanted]


def save_outputs(
    workspace_id: int,
    cell_id: str,
    outputs: list[dict[str, Any]],
    status: str,
    execution_count: int | None = None,
    *,
    now: datetime,
) -> None:
    """Keep a finished cell's outputs, so a reload shows them. The revision does not change."""
    workspace = db.session.get(LabWorkspace, workspace_id)
    if workspace is None:
        return
    kept = dict(workspace.outputs or {})
    kept[cell_id] = {
        "status": status,
        "outputs": outputs,
        "execution_count": execution_count,
        "ran_at": now.isoformat(),
    }
    workspace.outputs = kept
    db.session.flush()


def clear_outputs(workspace: LabWorkspace, cell_ids: list[str] | None = None) -> None:
    """Forget the saved outputs of *cell_ids* (every cell when None), as Jupyter's Clear output.

    The execution count goes with them, as in Jupyter. The revision does not change: outputs
    are not part of the learner's saved code. InvalidInput if a cell is not a code cell here.
    """
    if cell_ids is not None:
        code = {c.get("id") for c in notebook(workspace).cells if c.cell_type == "code"}
        unknown = sorted(set(cell_ids) - code)
        if unknown:
            raise InvalidInput("cells", f"No such code cell: {', '.join(unknown)}.")
    kept = dict(workspace.outputs or {})
    for cell_id in list(kept) if cell_ids is None else cell_ids:
        kept.pop(cell_id, None)
    workspace.outputs = kept
    db.session.flush()


def download(workspace: LabWorkspace) -> bytes:
    """The workspace as a .ipynb file, with the outputs of each cell's last run."""
    import nbformat

    current = notebook(workspace)
    for cell in current.cells:
        if cell.cell_type == "code":
            last = (workspace.outputs or {}).get(cell.get("id"), {})
            cell.outputs = [_nbformat_output(o) for o in last.get("outputs", [])]
    return nbformat.writes(current).encode()


def _nbformat_output(output: dict[str, Any]) -> nbformat.NotebookNode:
    import nbformat

    new = nbformat.v4.new_output
    if output.get("mime"):
        data = {output["mime"]: output["data"]}
        if output.get("text"):
            data["text/plain"] = output["text"]
        return new("display_data", data=data)
    if output["type"] == "error":
        return new("error", ename="Error", evalue="", traceback=output["text"].splitlines())
    if output["type"] in ("execute_result", "display_data"):
        return new("display_data", data={"text/plain": output["text"]})
    return new("stream", name=output.get("name") or "stderr", text=output["text"])

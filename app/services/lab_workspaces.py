"""A learner's lab workspace: their own copy of the learner notebook, saved as they type.

Only answer cells are ever written by the learner; given code, visible tests and markdown
always come from the lab, so neither an edit nor an upload can change what is graded
around the learner's answers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import nbformat
from sqlalchemy import select

from app.content.labs import Lab, learner_version, role_of
from app.domain import grading
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import LabWorkspace, User
from app.sandbox import notebooks


def seed_for(user_id: int, lab_id: str) -> int:
    """The simulator seed of one learner for one lab: stable, and different per learner."""
    digest = hashlib.sha256(f"shopfloor-lab-seed:{user_id}:{lab_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 1_000_000


def find(user: User, lab_id: str) -> LabWorkspace | None:
    return db.session.scalar(
        select(LabWorkspace).where(LabWorkspace.user_id == user.id, LabWorkspace.lab_slug == lab_id)
    )


def open_workspace(user: User, lab: Lab, *, now: datetime) -> LabWorkspace:
    """The learner's workspace for *lab*, made from the learner version on first open."""
    workspace = find(user, lab.id)
    if workspace is not None:
        return workspace
    workspace = LabWorkspace(
        user_id=user.id,
        lab_slug=lab.id,
        lab_version=lab.version,
        seed=seed_for(user.id, lab.id),
        notebook=nbformat.writes(learner_version(lab)),
        revision=1,
        created_at=now,
        updated_at=now,
    )
    db.session.add(workspace)
    db.session.flush()
    return workspace


def notebook(workspace: LabWorkspace) -> nbformat.NotebookNode:
    return nbformat.reads(workspace.notebook, as_version=4)


def answer_ids(lab: Lab) -> set[str]:
    return {cell.id for cell in lab.cells_with_role("answer")}


def save(
    workspace: LabWorkspace,
    lab: Lab,
    sources: dict[str, str],
    *,
    base_revision: int,
    now: datetime,
) -> LabWorkspace:
    """Write the learner's answer cells; Conflict if the page's copy is out of date."""
    if base_revision != workspace.revision:
        raise Conflict(
            "This lab was saved from another tab or device since this page loaded. "
            "Reload to see the newest version; your unsaved text is kept in this browser."
        )
    editable = answer_ids(lab)
    refused = sorted(set(sources) - editable)
    if refused:
        raise InvalidInput("cells", f"These cells cannot be edited: {', '.join(refused)}.")
    for cell_id, source in sources.items():
        if not isinstance(source, str):
            raise InvalidInput("cells", f"Cell {cell_id}: the source must be text.")
    _write(workspace, sources, now)
    return workspace


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
        if role_of(cell) == "answer" and cell.get("id") in sources:
            cell.source = sources[cell.id]
    workspace.notebook = nbformat.writes(current)
    workspace.revision += 1
    workspace.updated_at = now
    db.session.flush()

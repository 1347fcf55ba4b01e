"""Scratch cells: a learner's own code and notes, kept with the workspace, never graded."""

from __future__ import annotations

import nbformat
import pytest

from app.content import labs
from app.database import utcnow
from app.domain import grading
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import User
from app.services import lab_workspaces
from tests.factories import SEED_SECRET, make_user
from tests.sandbox.labs_fixture import HONEST, source_notebook


@pytest.fixture
def lab():
    return labs.parse(source_notebook())


@pytest.fixture
def space(ctx, lab):
    return lab_workspaces.open_workspace(make_user(), lab, now=utcnow(), secret=SEED_SECRET)


def add(space, lab, kind="code", after="given", source=""):
    return lab_workspaces.add_cell(
        space, lab, kind=kind, after=after, base_revision=space.revision, now=utcnow(),
        source=source,
    )  # fmt: skip


def ids(space) -> list[str]:
    return [c.get("id") for c in lab_workspaces.notebook(space).cells]


def test_a_scratch_cell_goes_where_asked_and_is_saved_like_an_answer(space, lab):
    code = add(space, lab, after="given")
    notes = add(space, lab, kind="markdown", after=None)
    order = ids(space)
    assert order[0] == notes and order[order.index("given") + 1] == code
    assert code.startswith("scratch-") and space.revision == 3

    lab_workspaces.save(
        space, lab, {code: "df.describe()", notes: "*mine*"}, base_revision=3, now=utcnow()
    )
    shown = {c.id: c for c in lab_workspaces.cells(space)}
    assert shown[code].source == "df.describe()" and shown[code].editable
    assert shown[code].kind == "code" and shown[code].role == "scratch"
    assert shown[notes].kind == "markdown" and "<em>mine</em>" in shown[notes].html
    assert lab_workspaces.code_of(space, [code]) == [(code, "df.describe()")]
    assert str(lab_workspaces.markdown_html(space, notes)) == "<p><em>mine</em></p>\n"


def test_markdown_of_a_scratch_cell_is_rendered_without_raw_html(space, lab):
    notes = add(space, lab, kind="markdown", source="<script>alert(1)</script> **ok**")
    html = str(lab_workspaces.markdown_html(space, notes))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>ok</strong>" in html
    with pytest.raises(InvalidInput):
        lab_workspaces.markdown_html(space, "given")  # only the learner's own notes


def test_only_scratch_cells_can_be_deleted_and_their_outputs_go_with_them(space, lab):
    code = add(space, lab)
    lab_workspaces.save_outputs(space.id, code, [{"type": "stream", "text": "1"}], "ok", 1,
                                now=utcnow())  # fmt: skip
    for cell_id in ("given", "answer-oee", "self-check", "no-such-cell"):
        with pytest.raises(InvalidInput, match="Only cells you added"):
            lab_workspaces.delete_cell(
                space, lab, cell_id, base_revision=space.revision, now=utcnow()
            )
    lab_workspaces.delete_cell(space, lab, code, base_revision=space.revision, now=utcnow())
    assert code not in ids(space) and code not in space.outputs
    assert "given" in ids(space) and "answer-oee" in ids(space)


def test_a_stale_page_cannot_add_or_delete_and_learns_the_saved_cells(space, lab):
    code = add(space, lab, source="x = 1")
    stale = space.revision - 1
    with pytest.raises(Conflict) as raised:
        lab_workspaces.add_cell(
            space, lab, kind="code", after=None, base_revision=stale, now=utcnow()
        )
    with pytest.raises(Conflict):
        lab_workspaces.delete_cell(space, lab, code, base_revision=stale, now=utcnow())
    details = raised.value.details
    assert details["cells"][code] == "x = 1"
    assert details["scratch"] == [{"id": code, "kind": "code", "after": "given", "source": "x = 1"}]
    assert code in ids(space)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "raw"}, "kind"),
        ({"after": "no-such-cell"}, "after"),
        ({"source": "x" * (lab_workspaces.MAX_SOURCE_CHARS + 1)}, "cells"),
    ],
)
def test_a_bad_new_cell_is_refused_and_changes_nothing(space, lab, body, field):
    before = (space.revision, ids(space))
    with pytest.raises(InvalidInput) as raised:
        add(space, lab, **body)
    assert raised.value.field == field
    assert (space.revision, ids(space)) == before


def test_a_learner_cannot_add_cells_without_end(space, lab, monkeypatch):
    monkeypatch.setattr(lab_workspaces, "MAX_SCRATCH_CELLS", 3)
    for _ in range(3):
        add(space, lab)
    with pytest.raises(InvalidInput, match="already has 3 cells of your own"):
        add(space, lab)


def test_an_oversized_save_into_a_cell_is_refused(space, lab):
    code = add(space, lab)
    with pytest.raises(InvalidInput, match="too long"):
        lab_workspaces.save(
            space, lab, {code: "x" * (lab_workspaces.MAX_SOURCE_CHARS + 1)},
            base_revision=space.revision, now=utcnow(),
        )  # fmt: skip


def test_scratch_cells_survive_a_new_version_of_the_lab_in_their_place(space, lab):
    after_given = add(space, lab, after="given", source="peek = 1")
    at_top = add(space, lab, kind="markdown", after=None, source="my notes")
    after_check = add(space, lab, after="self-check", source="tail = 2")
    changed = source_notebook()
    changed.cells = [c for c in changed.cells if c.get("id") != "self-check"]  # gone
    changed.cells[1].source = "shift = {'planned': 480, 'run': 400}"
    newer = labs.parse(changed)

    owner = db.session.get(User, space.user_id)
    moved = lab_workspaces.open_workspace(owner, newer, now=utcnow(), secret=SEED_SECRET)
    order = ids(moved)
    assert order[0] == at_top
    assert order[order.index("given") + 1] == after_given
    assert order[-1] == after_check  # its lab cell is gone: kept, at the end
    saved = {c.get("id"): c.source for c in lab_workspaces.notebook(moved).cells}
    assert saved[after_given] == "peek = 1" and saved[after_check] == "tail = 2"


def test_grading_never_sees_scratch_cells(space, lab):
    """A scratch cell cannot set a variable the checks read, or replace an answer."""
    lab_workspaces.save(space, lab, HONEST, base_revision=space.revision, now=utcnow())
    add(space, lab, after="answer-oee", source="oee = 1.0  # a scratch cell trying to cheat")
    submitted = nbformat.reads(space.notebook, as_version=4)
    answers = grading.answers_from(lab, submitted)
    assert set(answers) == {"answer-availability", "answer-oee"}
    plan = grading.plan(lab, answers, seed=1, reply_tag="reply")
    assert not any("trying to cheat" in cell.source for cell in plan.notebook.cells)

"""A learner's lab workspace: made once, saved as they type, never overwritten by a stale tab."""

from __future__ import annotations

import nbformat
import pytest

from app.content import labs
from app.database import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.services import lab_workspaces
from tests.factories import SEED_SECRET, make_user
from tests.sandbox.labs_fixture import HIDDEN_CASES, HONEST, source_notebook, submission


@pytest.fixture
def lab():
    return labs.parse(source_notebook())


def sources(workspace) -> dict[str, str]:
    return {c.get("id"): c.source for c in lab_workspaces.notebook(workspace).cells}


def test_opening_twice_resumes_the_same_copy_without_solutions(ctx, lab):
    learner = make_user()
    first = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    db.session.commit()
    again = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    assert again.id == first.id
    text = first.notebook
    assert "BEGIN SOLUTION" not in text and HIDDEN_CASES not in text
    assert "raise NotImplementedError()" in sources(first)["answer-availability"]


def test_each_learner_gets_a_stable_seed_of_their_own(ctx, lab):
    one, two = make_user(), make_user()
    a = lab_workspaces.open_workspace(one, lab, now=utcnow(), secret=SEED_SECRET)
    b = lab_workspaces.open_workspace(two, lab, now=utcnow(), secret=SEED_SECRET)
    assert a.seed != b.seed
    assert a.seed == lab_workspaces.seed_for(one.id, lab.id, secret=SEED_SECRET)


def test_seeds_are_keyed_with_the_server_secret(ctx, lab):
    """Can a learner compute another learner's seed from ids alone? Not without the secret."""
    import hashlib

    unkeyed = hashlib.sha256(f"shopfloor-lab-seed:7:{lab.id}".encode()).digest()
    assert lab_workspaces.seed_for(7, lab.id, secret="one-secret") != (
        int.from_bytes(unkeyed[:4], "big") % 1_000_000
    )
    seeds = {lab_workspaces.seed_for(7, lab.id, secret=f"secret-{n}") for n in range(20)}
    assert len(seeds) == 20  # a different secret, a different seed
    assert lab_workspaces.seed_for(7, lab.id, secret=b"k") == lab_workspaces.seed_for(
        7, lab.id, secret="k"
    )


def test_a_workspace_keeps_the_seed_it_was_made_with(ctx, lab):
    """Workspaces made before seeds were keyed (or under another secret) keep their data."""
    learner = make_user()
    space = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret="old-secret")
    space.seed = 4242  # as an unkeyed seed stored before this change
    db.session.commit()
    again = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret="new-secret")
    assert again.id == space.id and again.seed == 4242


def test_saving_writes_answer_cells_and_counts_revisions(ctx, lab):
    workspace = lab_workspaces.open_workspace(make_user(), lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.save(
        workspace, lab, {"answer-oee": HONEST["answer-oee"]}, base_revision=1, now=utcnow()
    )
    assert workspace.revision == 2
    assert sources(workspace)["answer-oee"] == HONEST["answer-oee"]


def test_a_stale_page_cannot_overwrite_newer_work(ctx, lab):
    workspace = lab_workspaces.open_workspace(make_user(), lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.save(workspace, lab, {"answer-oee": "newer"}, base_revision=1, now=utcnow())
    with pytest.raises(Conflict, match="another tab"):
        lab_workspaces.save(workspace, lab, {"answer-oee": "older"}, base_revision=1, now=utcnow())
    assert sources(workspace)["answer-oee"] == "newer"


def test_given_code_and_tests_cannot_be_edited(ctx, lab):
    workspace = lab_workspaces.open_workspace(make_user(), lab, now=utcnow(), secret=SEED_SECRET)
    for cell_id in ("given", "self-check", "no-such-cell"):
        with pytest.raises(InvalidInput, match="cannot be edited"):
            lab_workspaces.save(workspace, lab, {cell_id: "x = 1"}, base_revision=1, now=utcnow())
    assert workspace.revision == 1


def test_an_upload_takes_only_the_answer_cells(ctx, lab):
    workspace = lab_workspaces.open_workspace(make_user(), lab, now=utcnow(), secret=SEED_SECRET)
    finished = submission(HONEST)
    finished.cells[1].source = "shift = {'planned': 1, 'run': 1}"  # tampered given code
    changed = lab_workspaces.upload(
        workspace, lab, nbformat.writes(finished).encode(), now=utcnow()
    )
    assert changed == 2
    saved = sources(workspace)
    assert saved["answer-availability"] == HONEST["answer-availability"]
    assert saved["given"] == source_notebook().cells[1].source


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not a valid notebook|could not be read|JSON"),
        (nbformat.writes(nbformat.v4.new_notebook()).encode(), "missing 2 answer cell"),
    ],
)
def test_a_malformed_upload_is_refused_and_loses_nothing(ctx, lab, raw, reason):
    workspace = lab_workspaces.open_workspace(make_user(), lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.save(workspace, lab, {"answer-oee": "mine"}, base_revision=1, now=utcnow())
    with pytest.raises(InvalidInput, match=reason):
        lab_workspaces.upload(workspace, lab, raw, now=utcnow())
    assert sources(workspace)["answer-oee"] == "mine"


def test_reset_puts_the_starting_code_back(ctx, lab):
    workspace = lab_workspaces.open_workspace(make_user(), lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.save(workspace, lab, {"answer-oee": "mine"}, base_revision=1, now=utcnow())
    lab_workspaces.reset_cell(workspace, lab, "answer-oee", now=utcnow())
    assert "raise NotImplementedError()" in sources(workspace)["answer-oee"]


def test_a_new_version_of_the_lab_keeps_the_learners_answers(ctx, lab):
    learner = make_user()
    space = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.save(space, lab, HONEST, base_revision=space.revision, now=utcnow())
    revision = space.revision
    changed = source_notebook()
    changed.cells[0].source = "# Availability and OEE\nNow with a clearer introduction."
    changed.cells[1].source = "shift = {'planned': 480, 'run': 400}"
    newer = labs.parse(changed)
    assert newer.version != lab.version

    again = lab_workspaces.open_workspace(learner, newer, now=utcnow(), secret=SEED_SECRET)
    assert again.id == space.id and again.lab_version == newer.version
    assert again.revision == revision + 1  # an open tab of the old version must reload
    cells = sources(again)
    assert cells["given"] == "shift = {'planned': 480, 'run': 400}"
    assert "clearer introduction" in lab_workspaces.notebook(again).cells[0].source
    assert cells["answer-availability"] == HONEST["answer-availability"]
    assert cells["answer-oee"] == HONEST["answer-oee"]


def test_as_opened_shows_what_opening_would_make_and_writes_nothing(ctx, lab):
    """Can the page show a first visit, or a lab updated since, without writing anything?"""
    learner = make_user()
    db.session.commit()
    fresh = lab_workspaces.as_opened(learner, lab, None, now=utcnow(), secret=SEED_SECRET)
    assert fresh.id is None and fresh not in db.session
    assert not db.session.new and not db.session.dirty
    made = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    assert (made.revision, made.seed, made.notebook) == (fresh.revision, fresh.seed, fresh.notebook)
    db.session.commit()

    changed = source_notebook()
    changed.cells[1].source = "shift = {'planned': 480, 'run': 400}"
    newer = labs.parse(changed)
    shown = lab_workspaces.as_opened(learner, newer, made, now=utcnow(), secret=SEED_SECRET)
    assert shown is not made and shown not in db.session and shown.id == made.id
    assert not db.session.dirty and made.lab_version == lab.version
    assert sources(shown)["given"] == "shift = {'planned': 480, 'run': 400}"
    moved = lab_workspaces.open_workspace(learner, newer, now=utcnow(), secret=SEED_SECRET)
    assert (moved.revision, moved.notebook) == (shown.revision, shown.notebook)
    same = lab_workspaces.as_opened(learner, newer, moved, now=utcnow(), secret=SEED_SECRET)
    assert same is moved


def test_clear_outputs_forgets_outputs_and_counts_but_not_code(ctx, lab):
    learner = make_user()
    space = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    for count, cell_id in enumerate(("given", "answer-oee"), start=1):
        out = [{"type": "stream", "name": "stdout", "text": "hi\n"}]
        lab_workspaces.save_outputs(space.id, cell_id, out, "ok", count, now=utcnow())
    shown = {c.id: c.execution_count for c in lab_workspaces.cells(space) if c.kind == "code"}
    assert shown["given"] == 1 and shown["answer-oee"] == 2 and shown["answer-availability"] is None
    revision = space.revision

    lab_workspaces.clear_outputs(space, ["given"])
    assert set(space.outputs) == {"answer-oee"}
    with pytest.raises(InvalidInput):
        lab_workspaces.clear_outputs(space, ["no-such-cell"])
    lab_workspaces.clear_outputs(space)
    assert space.outputs == {} and space.revision == revision
    assert all(not c.outputs and c.execution_count is None for c in lab_workspaces.cells(space))

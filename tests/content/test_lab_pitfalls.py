"""Lab pitfalls (``shopfloor.lab.pitfalls``): a bad declaration or pitfall notebook is
refused with a message naming the pitfall and what is wrong, pitfalls never reach the
learner version, and the shipped pitfall notebooks are what labs/src writes. No kernel."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path, PurePosixPath

import nbformat
import pytest

from app.content.labs import LabError, Pitfall, learner_version, parse, pitfall_notebook
from tests.pitfall_labs import INVERTED, WRONG, with_pitfalls, write_pitfall
from tests.sandbox.labs_fixture import source_notebook

ROOT = Path(__file__).resolve().parents[2]
LABS = ROOT / "labs"
SOURCES = sorted(LABS.glob("*.ipynb"))


def test_declared_pitfalls_are_read():
    lab = parse(with_pitfalls(INVERTED))
    assert lab.pitfalls == (
        Pitfall(
            "availability-inverted",
            "Divides planned time by run time.",
            PurePosixPath("pitfalls/lab-availability/availability-inverted.ipynb"),
            ("answer-availability",),
        ),
    )
    assert parse(source_notebook()).pitfalls == ()  # declaring none is allowed here
    # Pitfalls are for authors: declaring one does not make the lab "updated" for learners.
    notebook = source_notebook()
    before = parse(notebook).version
    notebook.metadata["shopfloor"]["lab"]["pitfalls"] = [INVERTED]
    assert parse(notebook).version == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"cells": ["answer-speed"]},
            "pitfall 'availability-inverted' names cell 'answer-speed', which is not an "
            "answer cell of this lab (its answer cells: answer-availability, answer-oee)",
        ),
        ({"cells": ["self-check"]}, "names cell 'self-check', which is not an answer cell"),
        ({"cells": []}, "pitfall 'availability-inverted': cells must list the answer cells"),
        ({"cells": ["answer-oee", "answer-oee"]}, "names a cell twice"),
        ({"notebook": "availability-inverted.ipynb"}, "must be a .ipynb file under pitfalls/"),
        ({"notebook": "learner/lab-availability.ipynb"}, "must be a .ipynb file under pitfalls/"),
        ({"notebook": "pitfalls/../lab-x.ipynb"}, "must be a .ipynb file under pitfalls/"),
        ({"notebook": "pitfalls/lab-availability/x.txt"}, "must be a .ipynb file under"),
        ({"notebook": "../../pitfalls/x.ipynb"}, "leads outside its folder"),
        ({"notebook": "/srv/pitfalls/x.ipynb"}, "is an absolute path"),
        ({"notebook": None}, "its notebook must be a .ipynb file under pitfalls/"),
        ({"id": "Inverted Availability"}, "pitfall 0: its id must be lower-case letters"),
        ({"description": "  "}, "pitfall 'availability-inverted': needs a description"),
    ],
)
def test_a_bad_pitfall_declaration_is_refused_with_a_clear_error(change, message):
    with pytest.raises(LabError, match=re.escape(message)):
        parse(with_pitfalls({**INVERTED, **change}))


def test_a_pitfall_declared_twice_or_not_as_a_list_is_refused():
    with pytest.raises(LabError, match="pitfall 'availability-inverted' is declared twice"):
        parse(with_pitfalls(INVERTED, INVERTED))
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"]["pitfalls"] = INVERTED
    with pytest.raises(LabError, match="shopfloor.lab.pitfalls must be a list"):
        parse(notebook)


def test_a_pitfall_notebook_is_read_and_checked_against_the_lab(tmp_path):
    lab = parse(with_pitfalls(INVERTED))
    write_pitfall(tmp_path, lab, {"answer-availability": WRONG})
    notebook = pitfall_notebook(tmp_path, lab, lab.pitfalls[0])
    assert [c.source for c in notebook.cells if c.get("id") == "answer-availability"] == [WRONG]


def test_a_pitfall_whose_notebook_is_missing_is_named(tmp_path):
    lab = parse(with_pitfalls(INVERTED))
    with pytest.raises(LabError) as refused:
        pitfall_notebook(tmp_path, lab, lab.pitfalls[0])
    assert str(refused.value).startswith(
        "pitfall 'availability-inverted' of lab-availability: no notebook "
        "pitfalls/lab-availability/availability-inverted.ipynb"
    )
    assert "labs/src/lab-availability.py writes it" in str(refused.value)


@pytest.mark.parametrize(
    ("answers", "drop", "message"),
    [
        ({}, "", "its cell 'answer-availability' holds the reference solution"),
        (
            {"answer-availability": WRONG, "answer-oee": "def oee(a, p, q):\n    return a"},
            "",
            "its cell 'answer-oee' differs from the reference solution, but the pitfall does "
            "not list it",
        ),
        ({"answer-availability": WRONG}, "answer-oee", "has no answer cell 'answer-oee'"),
    ],
)
def test_a_pitfall_notebook_that_is_not_the_declared_mistake_is_refused(
    tmp_path, answers, drop, message
):
    lab = parse(with_pitfalls(INVERTED))
    write_pitfall(tmp_path, lab, answers, drop=drop)
    with pytest.raises(LabError, match=re.escape(message)):
        pitfall_notebook(tmp_path, lab, lab.pitfalls[0])


def test_a_linked_or_broken_pitfall_notebook_is_refused(tmp_path):
    lab = parse(with_pitfalls(INVERTED))
    path = tmp_path / INVERTED["notebook"]
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(LabError, match="is not a valid notebook"):
        pitfall_notebook(tmp_path, lab, lab.pitfalls[0])
    path.unlink()
    nbformat.write(lab.notebook, tmp_path / "elsewhere.ipynb")
    path.symlink_to(tmp_path / "elsewhere.ipynb")
    with pytest.raises(LabError, match="symbolic link"):
        pitfall_notebook(tmp_path, lab, lab.pitfalls[0])


def test_the_learner_version_carries_no_pitfall():
    learner = learner_version(parse(with_pitfalls(INVERTED)))
    assert "pitfalls" not in learner.metadata["shopfloor"]["lab"]
    text = nbformat.writes(learner)
    assert "availability-inverted" not in text and "Divides planned time" not in text


def generator(lab_id: str):
    """The module labs/src/<lab_id>.py, imported (its ``build`` writes nothing)."""
    sys.path.insert(0, str(LABS / "src"))  # for its `from _notebook import ...`
    try:
        spec = importlib.util.spec_from_file_location(
            f"labsrc_{lab_id}", LABS / "src" / f"{lab_id}.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module, sys.modules["_notebook"]
    finally:
        sys.path.remove(str(LABS / "src"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_every_shipped_lab_declares_pitfalls_written_by_its_generator(path):
    """Is every lab's source of truth its generator, pitfalls included, and does each shipped
    lab warn of at least one typical mistake?"""
    lab = parse(nbformat.read(path, as_version=4))
    assert lab.pitfalls, f"{lab.id} declares no pitfall"
    module, helpers = generator(lab.id)
    built = module.build()
    assert nbformat.writes(built) == nbformat.writes(nbformat.read(path, as_version=4)), (
        f"labs/{lab.id}.ipynb is not what labs/src/{lab.id}.py writes: run the generator"
    )
    for pitfall, written in zip(lab.pitfalls, module.PITFALLS, strict=True):
        notebook = pitfall_notebook(LABS, lab, pitfall)
        assert nbformat.writes(notebook) == nbformat.writes(
            helpers.pitfall_notebook(built, written)
        )
        assert parse_fails(notebook), "a pitfall notebook must never pass for a lab"


def parse_fails(notebook) -> bool:
    try:
        parse(notebook)
    except LabError:
        return True
    return False


def test_no_pitfall_notebook_is_left_undeclared():
    declared = {
        LABS / pitfall.notebook
        for path in SOURCES
        for pitfall in parse(nbformat.read(path, as_version=4)).pitfalls
    }
    assert set((LABS / "pitfalls").rglob("*.ipynb")) == declared


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ([30], "limits must be a mapping"),
        ({"wall_seconds": 30}, "no limit 'wall_seconds'"),
        ({"cell_seconds": "90"}, "cell_seconds must be a number above 0, at most 600"),
        ({"cell_seconds": True}, "cell_seconds must be a number above 0"),
        ({"cell_seconds": -1}, "cell_seconds must be a number above 0"),
        ({"memory_mb": 10**9}, "memory_mb must be a number above 0, at most 4096"),
    ],
)
def test_a_labs_own_limits_are_refused_unless_known_positive_and_bounded(limits, message):
    """A lab's limits reach the sandbox for grading and the workspace: nothing else may."""
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"]["limits"] = limits
    with pytest.raises(LabError, match=re.escape(message)):
        parse(notebook)
    notebook.metadata["shopfloor"]["lab"]["limits"] = {"cell_seconds": 90}
    assert parse(notebook).limits == {"cell_seconds": 90}

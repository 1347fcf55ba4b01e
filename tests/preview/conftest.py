"""A preview of a copy of the 'good' fixture tree, on this test's database."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from app.preview.checks import LabChecks
from app.preview.session import PreviewSession
from tests.conftest import FIXTURE_CURRICULA
from tests.sandbox.labs_fixture import source_notebook


@dataclass
class Tree:
    root: Path  # the curriculum
    labs: Path
    work: Path  # the preview's own folder

    @property
    def lesson(self) -> Path:
        return self.root / "demo-course" / "m1-basics" / "01-first.md"

    @property
    def module(self) -> Path:
        return self.root / "demo-course" / "m1-basics" / "module.yml"

    def add_lab(self, lab_id: str = "lab-demo", title: str = "A demo lab") -> Path:
        """Write a lab notebook (the sandbox tests' small one) as labs/<lab_id>.ipynb."""
        notebook = source_notebook()
        notebook.metadata["shopfloor"]["lab"].update(id=lab_id, title=title)
        path = self.labs / f"{lab_id}.ipynb"
        nbformat.write(notebook, path)
        return path


@pytest.fixture
def tree(tmp_path) -> Tree:
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (tmp_path / "labs").mkdir()
    return Tree(root, tmp_path / "labs", tmp_path / "preview")


class FakeCheck:
    """Stands for `flask labs check --seeds 1`: grades nothing, reports what it is told."""

    def __init__(
        self,
        passed: bool = True,
        text: str = "ok   lab-demo: reference 5/5, learner version 0/5 on seed 1",
    ) -> None:
        self.passed, self.text, self.labs = passed, text, []

    def __call__(self, lab, progress):
        self.labs.append(lab.id)
        for _ in range(2 + len(lab.pitfalls)):
            progress()
        return self.passed, self.text


@pytest.fixture
def fake_check() -> FakeCheck:
    return FakeCheck()


@pytest.fixture
def preview_app(make_app, tree, fake_check):
    """The real app with the preview flag, its session started on *tree*."""
    app = make_app(
        PREVIEW=True,
        CURRICULUM_ROOT=str(tree.root),
        LABS_ROOT=str(tree.labs),
        PAGE_CACHE_BYTES=0,
        SANDBOX={"backend": "fake"},
    )
    session = PreviewSession(
        app,
        root=tree.root,
        labs_root=tree.labs,
        workdir=tree.work,
        badges_root=tree.root.parent / "badges",
        checks=LabChecks(fake_check),
    )
    app.extensions["preview"] = session
    session.start()
    return app

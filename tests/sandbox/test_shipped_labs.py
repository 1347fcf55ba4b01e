"""Every lab in labs/ is well formed, and on two learner seeds its reference earns full marks,
its learner version zero and each of its pitfalls loses points (what `flask labs check`
verifies); every lab the course names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cli import lab_checks
from app.content import labs as lab_files
from app.content import validate
from app.engine.references import References
from app.sandbox import notebooks
from app.services import lab_grading

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "labs").glob("*.ipynb"))
SEEDS = range(1, 3)  # make check-labs checks 1-20


def test_the_courses_name_only_labs_that_exist():
    """Every lab a course names exists, except labs a draft course marks as planned
    (a published course has none: learners never meet a lab card that leads nowhere)."""
    curriculum, problems = validate.load(ROOT / "curricula", labs_root=ROOT / "labs")
    named = {
        (lab.id, lab.planned, course.published)
        for course in curriculum.courses
        for lesson in course.lessons()
        for lab in lesson.labs
    }
    assert {lab for lab, planned, _ in named if not planned} <= {path.stem for path in SOURCES}
    assert not [lab for lab, planned, published in named if planned and published]
    assert not [p for p in problems.items if p.code == "E-MISSING-LAB"]


@pytest.fixture(scope="module")
def lab_executor():
    """The limits labs really run with, and a warm pool to keep this quick."""
    from app.sandbox import Environment, JupyterExecutor, Limits
    from tests.sandbox.conftest import LAB_PYTHON

    executor = JupyterExecutor(
        Environment(LAB_PYTHON, packages=(ROOT / "plcsim",)), Limits(), sandboxed=True, pool_size=2
    )
    yield executor
    executor.pool.close()


@pytest.mark.labs
@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_lab_reference_full_marks_learner_zero_and_pitfalls_lose_points(path, lab_executor):
    """On each of two learner seeds, does the reference earn full marks, the learner version
    zero, and every pitfall the lab declares lose points? (`make check-labs` asks the same
    of seeds 1-20; this is CI's share, run once, in the lane of its own that scripts/test.sh
    starts once the tests without a browser or kernel are done.)"""
    lab = lab_files.parse(notebooks.read(path.read_bytes()))
    assert lab.id == path.stem
    assert re.fullmatch(r"lab-[a-z0-9-]+", lab.id)
    assert lab.pitfalls, "every shipped lab declares its typical mistakes (labs/README.md)"
    # As the engine grades (grade_notebook): the reference for a seed runs once, and every
    # notebook of that seed is judged against it.
    references = References(lab_executor)

    def grade(lab, notebook, seed):
        reference = references.start(lab, seed)
        return lab_grading.grade(
            lab, notebook, seed=seed, executor=lab_executor, reference=reference
        )

    try:
        [report] = lab_checks.check_labs([lab], ROOT / "labs", SEEDS, grade=grade, jobs=2)
    finally:
        references.close()
    assert report.ok, report.text
    assert references.computed == len(SEEDS)  # one reference run per seed served them all

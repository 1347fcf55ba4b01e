"""Every lab in labs/ is well formed, its reference earns full marks and its learner version
earns zero (what `flask labs check` verifies), and every lab the course names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.content import labs as lab_files
from app.content import validate
from app.engine.references import References
from app.sandbox import notebooks
from app.services import lab_grading

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "labs").glob("*.ipynb"))


def test_the_course_names_only_labs_that_exist():
    curriculum, problems = validate.load(ROOT / "curricula", labs_root=ROOT / "labs")
    named = {
        lab.id
        for course in curriculum.courses
        for lesson in course.lessons()
        for lab in lesson.labs
    }
    assert named <= {path.stem for path in SOURCES}
    assert not [p for p in problems.items if p.code in ("E-MISSING-LAB", "W-LAB-PLANNED")]


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


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_lab_reference_full_marks_and_learner_version_zero(path, lab_executor):
    executor = lab_executor
    lab = lab_files.parse(notebooks.read(path.read_bytes()))
    assert lab.id == path.stem
    assert re.fullmatch(r"lab-[a-z0-9-]+", lab.id)
    learner = lab_files.learner_version(lab)
    # As the engine grades: the reference for a seed runs once, beside the learner's run.
    references = References(executor)
    try:

        def grade(notebook, seed):
            return lab_grading.grade(
                lab, notebook, seed=seed, executor=executor, reference=references.start(lab, seed)
            )

        reference = grade(lab.notebook, 11)
        assert reference.grade.total == lab.max_points, [
            (c.id, c.feedback) for c in reference.grade.checks if not c.passed
        ]
        empty = grade(learner, 11)
        assert empty.run.status == "completed" and empty.grade.total == 0
        # And with another learner's seed, whose data and expected values differ.
        other = grade(lab.notebook, 12)
        assert other.grade.total == lab.max_points
        assert references.computed == 2  # one reference run per seed
    finally:
        references.close()

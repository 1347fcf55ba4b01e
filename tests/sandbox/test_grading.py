"""Grading computes the verdict outside the learner's kernel, so it cannot be gamed."""

from __future__ import annotations

import json

import nbformat
import pytest

from app.content import labs
from app.domain.grading import SubmissionError
from app.sandbox import FakeExecutor
from app.services import lab_grading
from tests.sandbox.labs_fixture import HIDDEN_CASES, HONEST, source_notebook, submission


def grade(lab, notebook, executor, seed=1):
    return lab_grading.grade(lab, notebook, seed=seed, executor=executor)


def earned(result) -> dict[str, float]:
    return {check.id: check.earned for check in result.grade.checks}


def test_learner_version_hides_solutions_and_hidden_checks(lab):
    learner = labs.learner_version(lab)
    text = nbformat.writes(learner)
    assert "BEGIN SOLUTION" not in text and "raise NotImplementedError()" in text
    assert HIDDEN_CASES not in text
    public = learner.metadata["shopfloor"]["checks"]
    assert [c["id"] for c in public] == ["availability"]
    assert all("expected" not in c for c in public)
    assert [c.metadata.get("editable") for c in learner.cells if c.get("id") == "self-check"] == [
        False
    ]


def test_reference_earns_full_marks_and_learner_version_zero(lab, executor):
    reference = grade(lab, lab.notebook, executor)
    assert (reference.grade.total, reference.grade.maximum) == (5, 5)
    learner = grade(lab, labs.learner_version(lab), executor)
    assert learner.grade.total == 0 and learner.run.status == "completed"


def test_expected_values_follow_the_learners_seed(lab, executor):
    assert earned(grade(lab, submission(HONEST), executor, seed=5)) == {
        "availability": 2,
        "oee-function": 3,
    }
    # A value copied from a learner with another seed does not pass.
    copied = submission({**HONEST, "answer-availability": f"availability = {(393 + 1) / 450}"})
    assert earned(grade(lab, copied, executor, seed=5))["availability"] == 0


def test_an_object_equal_to_everything_is_not_plain_data(lab, executor):
    cheat = (
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "availability = Anything()"
    )
    result = grade(lab, submission({**HONEST, "answer-availability": cheat}), executor)
    check = result.grade.checks[0]
    assert check.earned == 0 and "not plain data" in check.feedback


def test_redefined_builtins_and_assert_do_not_help(lab, executor):
    cheat = (
        "import builtins\n"
        "builtins.AssertionError = type('Never', (Exception,), {})\n"
        "builtins.isinstance = lambda *args: True\n"
        "builtins.round = lambda *args: 0.8733\n"
        "availability = 0.5"
    )
    result = grade(lab, submission({**HONEST, "answer-availability": cheat}), executor)
    assert earned(result)["availability"] == 0


def test_a_hook_cannot_show_the_hidden_tests(lab, executor):
    spy = (
        "get_ipython().events.register('pre_run_cell', lambda info: print(info.raw_cell))\n"
        "availability = shift['run'] / shift['planned']"
    )
    result = grade(lab, submission({**HONEST, "answer-availability": spy}), executor)
    shown = json.dumps([cell.as_dict() for cell in result.cells])
    assert HIDDEN_CASES not in shown and "__shopfloor_observe" not in shown
    assert result.grade.total == 5  # spying is not cheating the grade either


def test_sys_exit_in_an_answer_is_graded_as_the_work_deserves(lab, executor):
    result = grade(lab, submission({**HONEST, "answer-oee": "import sys\nsys.exit()"}), executor)
    assert earned(result) == {"availability": 2, "oee-function": 0}


def test_edited_or_deleted_test_cells_are_restored_from_the_source(lab, executor):
    notebook = submission(HONEST)
    notebook.cells = [c for c in notebook.cells if c.get("id") != "self-check"]
    notebook.cells.append(nbformat.v4.new_code_cell("availability = 'tampered'"))
    result = grade(lab, notebook, executor)
    assert result.grade.total == 5


def test_a_kernel_that_dies_gets_zero_with_a_reason(lab, executor):
    result = grade(lab, submission({**HONEST, "answer-oee": "import os\nos._exit(1)"}), executor)
    assert result.grade.total == 0
    assert "kernel ended unexpectedly" in result.grade.checks[0].feedback


def test_missing_answer_cells_are_refused_before_anything_runs(lab):
    notebook = submission(HONEST)
    notebook.cells = [c for c in notebook.cells if c.get("id") != "answer-oee"]

    class MustNotRun(FakeExecutor):
        def run(self, *args, **kwargs):
            raise AssertionError("ran a malformed submission")

    with pytest.raises(SubmissionError, match="missing 1 answer cell"):
        lab_grading.grade(lab, notebook, seed=1, executor=MustNotRun())


def test_cli_grade_and_build(app, tmp_path):
    source = tmp_path / "lab-availability.ipynb"
    nbformat.write(source_notebook(), source)
    runner = app.test_cli_runner()
    built = runner.invoke(args=["labs", "build", "--labs", str(tmp_path)])
    assert built.exit_code == 0, built.output
    learner = tmp_path / "learner" / "lab-availability.ipynb"
    assert "raise NotImplementedError()" in learner.read_text()
    mine = submission(HONEST, base=nbformat.read(learner, as_version=4))
    nbformat.write(mine, tmp_path / "mine.ipynb")
    graded = runner.invoke(
        args=["labs", "grade", str(source), str(tmp_path / "mine.ipynb"), "--json"]
    )
    assert graded.exit_code == 0, graded.output
    data = json.loads(graded.output)
    assert (data["total"], data["maximum"]) == (5, 5)
    checked = runner.invoke(args=["labs", "check", "--labs", str(tmp_path)])
    assert "ok   lab-availability: reference 5/5, learner version 0/5" in checked.output


def test_build_refuses_a_lab_that_would_leak(tmp_path, app):
    notebook = source_notebook()
    notebook.cells[1].source += "\n# ### BEGIN SOLUTION left in a read-only cell"
    nbformat.write(notebook, tmp_path / "leaky.ipynb")
    result = app.test_cli_runner().invoke(args=["labs", "build", "--labs", str(tmp_path)])
    assert result.exit_code == 1 and "refusing to write a learner version" in result.output
    assert not (tmp_path / "learner" / "lab-availability.ipynb").exists()


def test_expected_values_can_come_from_the_reference_solution(executor):
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["checks"].append(
        {
            "id": "margin",
            "points": 1,
            "observe": "round(availability * 100, 1)",
            "description": "availability in percent, one decimal",
        }
    )  # no "expected": the reference solution's own value, for this learner's seed
    lab = labs.parse(notebook)
    honest = grade(lab, submission(HONEST, base=labs.learner_version(lab)), executor, seed=6)
    assert earned(honest)["margin"] == 1
    wrong = {**HONEST, "answer-availability": "availability = shift['run'] / 480"}
    assert (
        earned(grade(lab, submission(wrong, base=labs.learner_version(lab)), executor, seed=6))[
            "margin"
        ]
        == 0
    )
    assert grade(lab, labs.learner_version(lab), executor, seed=6).grade.total == 0


def test_stubs_keep_the_indentation_of_their_solution_region(lab):
    learner = labs.learner_version(lab)
    oee_cell = next(c for c in learner.cells if c.get("id") == "answer-oee")
    assert "    raise NotImplementedError()" in oee_cell.source
    compile(oee_cell.source, "answer-oee", "exec")  # a function with a stub body, not an error


def test_close_compares_within_an_absolute_tolerance():
    from app.content.labs import Check
    from app.domain.grading import compare

    check = Check(id="x", points=1, observe="x", expected="1", compare="close", tolerance=0.5)
    assert compare(check, 100.4, 100) and not compare(check, 140, 100)

"""`flask labs build` and `flask labs check` with lab pitfalls, where no kernel needs to run:
pitfall notebooks never reach learners, and a bad pitfall fails its lab with a clear message."""

from __future__ import annotations

import json
import threading

import nbformat

from app.cli import lab_checks
from app.cli.lab_checks import Graded, Outcome, report
from app.content.labs import parse
from app.domain import grading
from app.domain.grading import CheckResult
from app.sandbox.base import RunResult
from app.services.lab_grading import GradedRun
from tests.pitfall_labs import INVERTED, WRONG, with_pitfalls, write_pitfall
from tests.sandbox.labs_fixture import source_notebook


def lab_folder(tmp_path, *, pitfall_written: bool = True):
    labs = tmp_path / "labs"
    labs.mkdir()
    notebook = with_pitfalls(INVERTED)
    nbformat.write(notebook, labs / "lab-availability.ipynb")
    if pitfall_written:
        write_pitfall(labs, parse(notebook), {"answer-availability": WRONG})
    return labs


def test_build_writes_no_pitfall_for_learners(app, tmp_path):
    labs = lab_folder(tmp_path)
    result = app.test_cli_runner().invoke(args=["labs", "build", "--labs", str(labs)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (labs / "learner").iterdir()) == ["lab-availability.ipynb"]
    learner = (labs / "learner" / "lab-availability.ipynb").read_text()
    assert "pitfalls" not in json.loads(learner)["metadata"]["shopfloor"]["lab"]
    assert "availability-inverted" not in learner and WRONG not in learner


def test_check_fails_a_lab_whose_pitfall_notebook_is_missing(app, tmp_path):
    labs = lab_folder(tmp_path, pitfall_written=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["labs", "check", "--labs", str(labs), "--seeds", "3"])
    assert result.exit_code == 1
    assert (
        "FAIL lab-availability: pitfall 'availability-inverted' of lab-availability: no notebook "
        "pitfalls/lab-availability/availability-inverted.ipynb"
    ) in result.output
    assert "0 notebooks graded" in result.output  # nothing of that lab ran
    assert "1 lab(s) failed the check." in result.output


def test_check_names_an_unknown_lab(app, tmp_path):
    labs = lab_folder(tmp_path)
    result = app.test_cli_runner().invoke(args=["labs", "check", "--labs", str(labs), "lab-nope"])
    assert result.exit_code == 1 and "No lab lab-nope in" in result.output


def seed(number, *, reference=5.0, learner=0.0, pitfall=2.0, problem=""):
    """One seed's outcome for the small lab (5 points) and its one pitfall."""
    failed = ("availability",) if reference < 5 else ()
    return Outcome(
        number,
        problem,
        Graded(reference, failed),
        Graded(learner),
        (("availability-inverted", Graded(pitfall)),),
    )


def test_check_report_passes_a_lab_only_when_every_pitfall_loses_on_every_seed():
    lab = parse(with_pitfalls(INVERTED))
    passing = report(lab, [seed(1), seed(2, pitfall=3.0), seed(3)])
    assert passing.ok
    assert passing.text == (
        "ok   lab-availability: reference 5/5, learner version 0/5 on seeds 1-3; "
        "pitfalls: availability-inverted at most 3/5"
    )
    failing = report(lab, [seed(1), seed(2, pitfall=5.0), seed(3, reference=3.0, learner=1.0)])
    assert not failing.ok
    assert failing.text.splitlines() == [
        "FAIL lab-availability on seeds 1-3: reference 5/5 on 2 of 3 seeds, learner version "
        "0/5 on 2 of 3 seeds; pitfalls: availability-inverted at most 5/5",
        "     seed 2: pitfall availability-inverted 5/5: it must lose points",
        "     seed 3: reference 3/5 (did not pass: availability)",
        "     seed 3: learner version 1/5, not 0",
    ]
    ungraded = report(lab, [seed(1, problem="the reference solution could not be run")])
    assert not ungraded.ok
    assert ungraded.text.splitlines()[1] == (
        "     seed 1: not graded: the reference solution could not be run"
    )


def test_check_report_says_when_a_lab_declares_no_pitfall():
    lab = parse(source_notebook())
    plain = Outcome(1, "", Graded(5.0), Graded(0.0), ())
    assert report(lab, [plain]).text == (
        "ok   lab-availability: reference 5/5, learner version 0/5 on seed 1; it declares no "
        "pitfall (labs/README.md, Pitfalls)"
    )


class FakeGrader:
    """Grades without a kernel: the reference 5/5, the learner version 0, a pitfall 2/5.

    It counts the kernels a real grade would hold (two for a seed's first grade, which runs
    the reference solution beside it) and records the largest number at once."""

    def __init__(self, *, ungradable_seed: int | None = None):
        self.ungradable_seed = ungradable_seed
        self.calls: list[tuple[str, int]] = []
        self.kernels = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, lab, notebook, seed):
        kind = "learner"
        if notebook is lab.notebook:
            kind = "reference"
        elif any(cell.source == WRONG for cell in notebook.cells):
            kind = "pitfall"
        weight = 2 if kind == "reference" else 1
        with self.lock:
            self.calls.append((kind, seed))
            self.kernels += weight
            self.most = max(self.most, self.kernels)
        try:
            if kind == "reference" and seed == self.ungradable_seed:
                run = RunResult("completed", [])
                problem = "the reference solution did not run cleanly (step 3: error)"
                return GradedRun(grading.score([]), run, (), (), problem=problem)
            earned = {"reference": 5.0, "learner": 0.0, "pitfall": 2.0}[kind]
            check = CheckResult("availability", 5, earned, earned == 5, True, "", "")
            return GradedRun(grading.score([check]), RunResult("completed", []), ())
        finally:
            with self.lock:
                self.kernels -= weight


def checked(tmp_path, grader, seeds=range(1, 4)):
    labs = lab_folder(tmp_path)
    lab = parse(nbformat.read(labs / "lab-availability.ipynb", as_version=4))
    return list(lab_checks.check_labs([lab], labs, seeds, grade=grader, jobs=2))


def test_check_grades_each_seeds_reference_first_and_the_rest_against_it(tmp_path):
    grader = FakeGrader()
    [result] = checked(tmp_path, grader)
    assert result.ok and result.graded == 9
    assert result.text == (
        "ok   lab-availability: reference 5/5, learner version 0/5 on seeds 1-3; "
        "pitfalls: availability-inverted at most 2/5"
    )
    for seed in (1, 2, 3):
        mine = [kind for kind, s in grader.calls if s == seed]
        assert mine[0] == "reference" and sorted(mine[1:]) == ["learner", "pitfall"]
    assert grader.most <= 2  # never more kernels than --jobs


def test_check_grades_nothing_else_of_a_seed_whose_reference_cannot_be_graded(tmp_path):
    grader = FakeGrader(ungradable_seed=2)
    [result] = checked(tmp_path, grader)
    assert not result.ok
    assert result.text.splitlines()[1:] == [
        "     seed 2: not graded: the reference solution did not run cleanly (step 3: error)"
    ]
    assert [kind for kind, s in grader.calls if s == 2] == ["reference"]

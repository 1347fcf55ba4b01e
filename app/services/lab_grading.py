"""Grading a submission end to end: rebuild, run in the sandbox, judge on the host.

The expected values of a lab's reference checks come from running its reference solution
for the learner's seed. ``grade`` takes them from a *reference* handle when the caller has
one (the lab engine computes them ahead of the submit, or side by side with the learner's
run, and keeps them); without one it runs the reference first itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app.content.labs import REFERENCE, Lab
from app.domain import grading
from app.sandbox.base import REPLY_TAG, STATUS_TEXT, CellResult, RunResult
from app.sandbox.execute import OnCell
from app.sandbox.executor import Executor

if TYPE_CHECKING:
    import nbformat


class Pending(Protocol):
    """Reference values being computed elsewhere (a ``concurrent.futures.Future``, say)."""

    def result(self, timeout: float | None = None) -> dict: ...


class NotGradable(Exception):
    """The expected values could not be established (the reference run failed, say).

    Not the learner's doing: the attempt is not graded, and is tried again later.
    """


@dataclass(frozen=True)
class GradedRun:
    grade: grading.Grade
    run: RunResult
    cells: tuple[CellResult, ...]  # results of the cells learners may see, in notebook order
    cell_ids: tuple[str, ...] = ()  # the lab cell id of each of those results
    problem: str = ""  # why the attempt could not be graded; then grade and cells are empty

    @property
    def gradable(self) -> bool:
        return self.run.status == "completed" and not self.problem

    def as_dict(self) -> dict:
        return {
            "status": self.run.status,
            "message": self.run.message,
            "problem": self.problem,
            "total": self.grade.total,
            "maximum": self.grade.maximum,
            "checks": [vars(c) for c in self.grade.checks],
            "cells": [
                {**cell.as_dict(), "id": self.cell_ids[n] if n < len(self.cell_ids) else ""}
                for n, cell in enumerate(self.cells)
            ],
        }


def grade(
    lab: Lab,
    submission: nbformat.NotebookNode,
    *,
    seed: int,
    executor: Executor,
    on_cell: OnCell | None = None,
    reference: Pending | None = None,
    on_checking: Callable[[], None] | None = None,
    reference_seconds: float | None = None,
) -> GradedRun:
    """Grade *submission*; raises grading.SubmissionError before running anything if malformed.

    Without *reference* the expected values come first: if they cannot be had, the
    learner's notebook is not run. With it, the learner's notebook runs while the reference
    values are (or were) computed elsewhere. Either way a result without expected values
    says why (``problem``) and has no grade. *on_cell* hears of each cell of the learner's
    run as it starts; *on_checking*, once the learner's run is over and the grader waits
    for (or compares with) the reference.
    """
    answers = grading.answers_from(lab, submission)
    empty = RunResult("completed", [])
    if reference is None:
        try:
            expected = expected_values(lab, seed=seed, executor=executor)
        except NotGradable as exc:
            return GradedRun(grading.score([]), empty, (), (), problem=str(exc))
    run, observed, plan = _observe(lab, answers, seed=seed, executor=executor, on_cell=on_cell)
    if on_checking is not None:
        on_checking()
    if reference is not None:
        try:
            values = reference.result(timeout=reference_seconds)
            expected = expected_values(lab, seed=seed, reference=values)
        except TimeoutError:
            problem = "the reference solution's values were not ready in time"
            return GradedRun(grading.score([]), empty, (), (), problem=problem)
        except NotGradable as exc:
            return GradedRun(grading.score([]), empty, (), (), problem=str(exc))
    stopped = _why_stopped(run)
    results = [
        grading.judge(check, observed.get(check.id), expected[check.id], stopped)
        for check in lab.checks
    ]
    shown = tuple(cell for cell in run.cells if cell.index in plan.shown)
    ids = tuple(plan.shown[cell.index] for cell in shown)
    return GradedRun(grading.score(results), run, shown, ids)


def expected_values(
    lab: Lab, *, seed: int, executor: Executor | None = None, reference: dict | None = None
) -> dict[str, Any]:
    """The expected value of every check for *seed*; NotGradable if any cannot be had.

    *reference* is what ``reference_values`` observed for this lab and seed; without it the
    reference solution is run on *executor* now.
    """
    if reference is None:
        reference = reference_values(lab, seed=seed, executor=executor)
    expected = {}
    for check in lab.checks:
        if check.expected == REFERENCE:
            expected[check.id] = reference[check.id]["value"]
            continue
        try:
            expected[check.id] = grading.expected_value(check, seed=seed)
        except Exception as exc:  # the author's expression: a lab defect, not the learner's
            raise NotGradable(
                f"the expected value of check {check.id!r} could not be computed "
                f"({type(exc).__name__})"
            ) from None
    return expected


def _observe(lab: Lab, answers: dict[str, str], *, seed: int, executor: Executor, on_cell=None):
    plan = grading.plan(lab, answers, seed=seed, reply_tag=REPLY_TAG)
    run = executor.run(plan.notebook, executor.limits.merged(lab.limits), on_cell=on_cell)
    return run, grading.observed(plan, run.cells), plan


def needs_reference(lab: Lab) -> bool:
    """Whether any check of *lab* takes its expected value from the reference solution."""
    return any(check.expected == REFERENCE for check in lab.checks)


def reference_values(lab: Lab, *, seed: int, executor: Executor) -> dict:
    """What the reference solution observes for this seed: the expected values.

    It runs the instructor's own code in a kernel of its own (no learner code there). Only a
    complete reference counts: NotGradable if the run failed, any cell of it did not run
    cleanly, or any check has no value. Callers may keep the result per lab version and
    seed (the lab engine does), so a learner's re-submissions cost one run each.
    """
    if not needs_reference(lab):
        return {}
    reference = {cell.id: cell.source for cell in lab.cells_with_role("answer")}
    run, observed, _ = _observe(lab, reference, seed=seed, executor=executor)
    if run.status != "completed":
        raise NotGradable(f"the reference solution could not be run: {run.message}")
    broken = [cell for cell in run.cells if cell.status != "ok"]
    if broken:
        raise NotGradable(
            f"the reference solution did not run cleanly (step {broken[0].index + 1}: "
            f"{broken[0].status})"
        )
    wanted = [check.id for check in lab.checks if check.expected == REFERENCE]
    missing = [key for key in wanted if "value" not in observed.get(key, {})]
    if missing:
        raise NotGradable(f"the reference solution gave no value for check {missing[0]!r}")
    return observed


def _why_stopped(run: RunResult) -> str:
    if run.status != "completed":
        return f"Your work could not be run: {run.message}"
    for cell in run.cells:
        if cell.status not in ("ok", "error", "skipped"):
            return f"Not checked. {STATUS_TEXT[cell.status]}"
    return ""

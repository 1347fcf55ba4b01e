"""Grading a submission end to end: rebuild, run in the sandbox, judge on the host."""

from __future__ import annotations

from dataclasses import dataclass

import nbformat

from app.content.labs import REFERENCE, Lab
from app.domain import grading
from app.sandbox.base import STATUS_TEXT, CellResult, RunResult
from app.sandbox.execute import OnCell
from app.sandbox.executor import Executor


@dataclass(frozen=True)
class GradedRun:
    grade: grading.Grade
    run: RunResult
    cells: tuple[CellResult, ...]  # results of the cells learners may see, in notebook order
    cell_ids: tuple[str, ...] = ()  # the lab cell id of each of those results

    def as_dict(self) -> dict:
        return {
            "status": self.run.status,
            "message": self.run.message,
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
) -> GradedRun:
    """Grade *submission*; raises grading.SubmissionError before running anything if malformed.

    *on_cell* hears of each cell of the learner's run as it starts.
    """
    answers = grading.answers_from(lab, submission)
    run, observed, plan = _observe(lab, answers, seed=seed, executor=executor, on_cell=on_cell)
    reference = _reference(lab, seed=seed, executor=executor)
    stopped = _why_stopped(run)
    results = []
    for check in lab.checks:
        if check.expected == REFERENCE:
            expected = reference.get(check.id, {}).get("value")
        else:
            expected = grading.expected_value(check, seed=seed)
        results.append(grading.judge(check, observed.get(check.id), expected, stopped))
    shown = tuple(cell for cell in run.cells if cell.index in plan.shown)
    ids = tuple(plan.shown[cell.index] for cell in shown)
    return GradedRun(grading.score(results), run, shown, ids)


def _observe(lab: Lab, answers: dict[str, str], *, seed: int, executor: Executor, on_cell=None):
    plan = grading.plan(lab, answers, seed=seed)
    run = executor.run(plan.notebook, executor.limits.merged(lab.limits), on_cell=on_cell)
    observe = run.cells[-1] if run.cells else None
    stdout = "".join(o.text for o in observe.outputs if o.type == "stream") if observe else ""
    return run, grading.observations(stdout, plan.nonce), plan


_reference_cache: dict[tuple[str, str, int], dict] = {}


def _reference(lab: Lab, *, seed: int, executor: Executor) -> dict:
    """What the reference solution observes for this seed: the expected values.

    It runs the instructor's own code in a kernel of its own (no learner code there), and
    is kept per lab version and seed, so a learner's re-submissions cost one run each.
    """
    if not any(check.expected == REFERENCE for check in lab.checks):
        return {}
    key = (lab.id, lab.version, seed)
    if key not in _reference_cache:
        reference = {cell.id: cell.source for cell in lab.cells_with_role("answer")}
        run, observed, _ = _observe(lab, reference, seed=seed, executor=executor)
        if run.status != "completed" or len(observed) < len(lab.checks):
            return observed  # not cached: an engine failure must not stick
        if len(_reference_cache) > 5000:
            _reference_cache.clear()
        _reference_cache[key] = observed
    return _reference_cache[key]


def _why_stopped(run: RunResult) -> str:
    if run.status != "completed":
        return f"Your work could not be run: {run.message}"
    for cell in run.cells:
        if cell.status not in ("ok", "error", "skipped"):
            return f"Not checked. {STATUS_TEXT[cell.status]}"
    return ""

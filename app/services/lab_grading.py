"""Grading a submission end to end: rebuild, run in the sandbox, judge on the host."""

from __future__ import annotations

from dataclasses import dataclass

import nbformat

from app.content.labs import Lab
from app.domain import grading
from app.sandbox.base import STATUS_TEXT, CellResult, RunResult
from app.sandbox.executor import Executor


@dataclass(frozen=True)
class GradedRun:
    grade: grading.Grade
    run: RunResult
    cells: tuple[CellResult, ...]  # results of the cells learners may see, in notebook order

    def as_dict(self) -> dict:
        return {
            "status": self.run.status,
            "message": self.run.message,
            "total": self.grade.total,
            "maximum": self.grade.maximum,
            "checks": [vars(c) for c in self.grade.checks],
            "cells": [c.as_dict() for c in self.cells],
        }


def grade(
    lab: Lab, submission: nbformat.NotebookNode, *, seed: int, executor: Executor
) -> GradedRun:
    """Grade *submission*; raises grading.SubmissionError before running anything if malformed."""
    answers = grading.answers_from(lab, submission)
    plan = grading.plan(lab, answers, seed=seed)
    run = executor.run(plan.notebook, executor.limits.merged(lab.limits))
    observe = run.cells[-1] if run.cells else None
    stdout = "".join(o.text for o in observe.outputs if o.type == "stream") if observe else ""
    observed = grading.observations(stdout, plan.nonce)
    stopped = _why_stopped(run)
    results = [
        grading.judge(
            check, observed.get(check.id), grading.expected_value(check, seed=seed), stopped
        )
        for check in lab.checks
    ]
    shown = tuple(cell for cell in run.cells if cell.index in plan.shown)
    return GradedRun(grading.score(results), run, shown)


def _why_stopped(run: RunResult) -> str:
    if run.status != "completed":
        return f"Your work could not be run: {run.message}"
    for cell in run.cells:
        if cell.status not in ("ok", "error", "skipped"):
            return f"Not checked. {STATUS_TEXT[cell.status]}"
    return ""

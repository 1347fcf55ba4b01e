"""Grading a lab: rebuild the notebook from the source, observe, and judge outside the kernel.

Only the learner's answer cells come from the submission (matched by cell id), so test cells
cannot be edited or deleted. The kernel runs the learner's code and then only *collects
observations*, serialised as plain data; the expected values and the comparisons are
computed here, in code the learner's code never touches.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.content.labs import Check, Lab, role_of
from app.domain import observations

if TYPE_CHECKING:
    import nbformat

PRELUDE_TAG = "shopfloor-prelude"
OBSERVE_TAG = "shopfloor-observe"


class SubmissionError(ValueError):
    """The submission cannot be graded; nothing was run. The message is for the learner."""


@dataclass(frozen=True)
class Plan:
    notebook: nbformat.NotebookNode  # what runs in the sandbox
    shown: dict[int, str]  # code-cell index → lab cell id, for the cells learners may see
    observers: dict[int, tuple[str, ...]]  # code-cell index of an observe step → its check ids


@dataclass(frozen=True)
class CheckResult:
    id: str
    points: float
    earned: float
    passed: bool
    visible: bool
    description: str
    feedback: str


@dataclass(frozen=True)
class Grade:
    total: float
    maximum: float
    checks: tuple[CheckResult, ...]


def answers_from(lab: Lab, submission: nbformat.NotebookNode) -> dict[str, str]:
    """The learner's source for every answer cell, by cell id; SubmissionError if missing."""
    by_id = {cell.get("id"): cell for cell in submission.cells if cell.cell_type == "code"}
    answers, missing = {}, []
    for cell in lab.cells_with_role("answer"):
        found = by_id.get(cell.id)
        if found is None:
            missing.append(cell.id)
        else:
            answers[cell.id] = found.source
    if missing:
        raise SubmissionError(
            f"This notebook is missing {len(missing)} answer cell(s) of the lab. Download the lab "
            "again and copy your answers into it, or undo the cell deletion."
        )
    return answers


def plan(lab: Lab, answers: dict[str, str], *, seed: int, reply_tag: str) -> Plan:
    """The notebook to run, in this order: the seed, the lab's cells with the learner's
    answers, the observations of the visible checks, the hidden tests, then the observations
    of the hidden checks.

    Cells tagged *reply_tag* run out of band (see ``app.domain.observations``). Visible checks
    are observed before any hidden test runs, so nothing a learner reads about them (an
    error message, say) can come from hidden code or data.
    """
    import nbformat

    notebook = nbformat.v4.new_notebook()
    prelude = nbformat.v4.new_code_cell(f"SHOPFLOOR_SEED = {int(seed)}")
    prelude.metadata["tags"] = [PRELUDE_TAG]
    cells, hidden, shown = [prelude], [], {}
    for cell in lab.notebook.cells:
        if cell.cell_type != "code":
            continue
        role = role_of(cell)
        if role == "hidden-test":
            hidden.append(cell.source)
            continue
        source = answers[cell.id] if role == "answer" else cell.source
        shown[len(cells)] = cell.get("id", "")
        cells.append(nbformat.v4.new_code_cell(source))

    def out_of_band(expression: str) -> int:
        step = nbformat.v4.new_code_cell(expression)
        step.metadata["tags"] = [reply_tag, OBSERVE_TAG]
        cells.append(step)
        return len(cells) - 1

    observers = {}
    for visible in (True, False):
        if not visible:
            for source in hidden:
                out_of_band(observations.exec_expression(source))
        checks = [check for check in lab.checks if check.visible == visible]
        if checks:
            expressions = {check.id: check.observe for check in checks}
            index = out_of_band(observations.observe_expression(expressions))
            observers[index] = tuple(expressions)
    notebook.cells = cells
    return Plan(notebook, shown, observers)


def observed(plan: Plan, cells: list) -> dict[str, dict[str, Any]]:
    """Each check's observation from a run's cells (only from the step that observes it)."""
    found: dict[str, dict[str, Any]] = {}
    for index, ids in plan.observers.items():
        value = cells[index].value if index < len(cells) else None
        found.update(observations.parse(value, ids))
    return found


def expected_value(check: Check, *, seed: int) -> Any:
    """Evaluate the instructor's expected-value expression (trusted lab code, on the host)."""
    namespace = {"seed": seed, "math": math, "__builtins__": __builtins__}
    return eval(check.expected, namespace)  # noqa: S307 - instructor-authored, never learner input


def judge(
    check: Check, observed: dict[str, Any] | None, expected: Any, stopped: str
) -> CheckResult:
    """Compare one observation with the expected value and write the learner's feedback.

    *expected* must be a real expected value: a check whose expected value is missing is not
    judged at all (the caller marks the attempt as not graded). For a hidden check the
    feedback is the author's words and the outcome only, never text from the kernel.
    """
    if observed is None:
        passed, why = False, stopped or "The notebook stopped before this could be checked."
    elif "error" in observed:
        passed, why = False, f"Could not read your result: {observed['error']}"
    else:
        passed = compare(check, observed.get("value"), expected)
        why = "" if passed else (check.hint or "Your result does not match what was expected.")
    if not check.visible and not passed and observed is not None:
        why = check.hint or "This hidden check did not pass."
    title = check.description or (f"Check {check.id}" if check.visible else "A hidden check")
    return CheckResult(
        id=check.id,
        points=check.points,
        earned=check.points if passed else 0.0,
        passed=passed,
        visible=check.visible,
        description=title,
        feedback="Passed." if passed else why,
    )


def compare(check: Check, value: Any, expected: Any) -> bool:
    """Does *value* (untrusted, from the kernel) match *expected*? Never raises: bad is False."""
    try:
        expected = json.loads(json.dumps(expected, default=_plain_default))
        if check.compare == "equal":
            return _equal(value, expected)
        if check.compare == "set":
            return (
                isinstance(value, list)
                and isinstance(expected, list)
                and _as_set(value) == _as_set(expected)
            )
        if check.compare == "type":
            return type(value).__name__ == expected
        return _close(value, expected, check.tolerance)
    except (ArithmeticError, TypeError, ValueError, RecursionError, MemoryError):
        return False


def _equal(value: Any, expected: Any) -> bool:
    # bool is an int in Python: True must not equal 1, nor False 0.
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    if isinstance(expected, list) and isinstance(value, list):
        return len(value) == len(expected) and all(
            _equal(v, e) for v, e in zip(value, expected, strict=True)
        )
    if isinstance(expected, dict) and isinstance(value, dict):
        return value.keys() == expected.keys() and all(
            _equal(value[k], expected[k]) for k in expected
        )
    return type(value) in (int, float, str, type(None)) and value == expected


def _close(value: Any, expected: Any, tolerance: float) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected
    if isinstance(expected, (int, float)) and isinstance(value, (int, float)):
        # The tolerance is absolute: 0.01 means within ±0.01, whatever the magnitude.
        return math.isclose(float(value), float(expected), rel_tol=1e-12, abs_tol=tolerance)
    if isinstance(expected, list) and isinstance(value, list):
        return len(value) == len(expected) and all(
            _close(v, e, tolerance) for v, e in zip(value, expected, strict=True)
        )
    if isinstance(expected, dict) and isinstance(value, dict):
        return value.keys() == expected.keys() and all(
            _close(value[k], expected[k], tolerance) for k in expected
        )
    return _equal(value, expected)


def _as_set(values: list) -> set:
    return {json.dumps(v, sort_keys=True) for v in values}


def _plain_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"expected value of type {type(value).__name__} is not plain data")


def score(results: list[CheckResult]) -> Grade:
    return Grade(
        total=sum(r.earned for r in results),
        maximum=sum(r.points for r in results),
        checks=tuple(results),
    )

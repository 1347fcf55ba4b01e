"""Grading a lab: rebuild the notebook from the source, observe, and judge outside the kernel.

Only the learner's answer cells come from the submission (matched by cell id), so test cells
cannot be edited or deleted. The kernel runs the learner's code and then only *collects
observations*, serialised as plain data; the expected values and the comparisons are
computed here, in code the learner's code never touches.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

import nbformat

from app.content.labs import Check, Lab, role_of

PRELUDE_TAG = "shopfloor-prelude"
OBSERVE_TAG = "shopfloor-observe"


class SubmissionError(ValueError):
    """The submission cannot be graded; nothing was run. The message is for the learner."""


@dataclass(frozen=True)
class Plan:
    notebook: nbformat.NotebookNode  # what runs in the sandbox
    nonce: str  # marks the observation record in the kernel's output
    shown: dict[int, str]  # code-cell index → lab cell id, for the cells learners may see


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


def plan(lab: Lab, answers: dict[str, str], *, seed: int) -> Plan:
    """The notebook to run: source order, learner answers, hidden tests last, then observe."""
    notebook = nbformat.v4.new_notebook()
    prelude = nbformat.v4.new_code_cell(f"SHOPFLOOR_SEED = {int(seed)}")
    prelude.metadata["tags"] = [PRELUDE_TAG]
    cells, hidden, shown = [prelude], [], {}
    for cell in lab.notebook.cells:
        if cell.cell_type != "code":
            continue
        role = role_of(cell)
        if role == "hidden-test":
            hidden.append(nbformat.v4.new_code_cell(cell.source))
            continue
        source = answers[cell.id] if role == "answer" else cell.source
        shown[len(cells)] = cell.get("id", "")
        cells.append(nbformat.v4.new_code_cell(source))
    nonce = secrets.token_hex(16)
    observe = nbformat.v4.new_code_cell(observation_code(lab.checks, nonce))
    observe.metadata["tags"] = [OBSERVE_TAG]
    notebook.cells = [*cells, *hidden, observe]
    return Plan(notebook, nonce, shown)


def observation_code(checks: tuple[Check, ...], nonce: str) -> str:
    """Kernel-side code that evaluates each observe expression and prints plain data."""
    expressions = {check.id: check.observe for check in checks}
    return f"""
def __shopfloor_observe(__expressions):
    import json as __json
    def plain(value, depth=0):
        kind = type(value)
        if depth > 6:
            raise TypeError("nested too deeply")
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if value == value and abs(value) != float("inf") else repr(value)
        if kind in (list, tuple):
            return [plain(v, depth + 1) for v in value[:10000]]
        if kind is dict:
            return {{str(k): plain(v, depth + 1) for k, v in list(value.items())[:10000]}}
        module = getattr(kind, "__module__", "") or ""
        if module.startswith("numpy") and hasattr(value, "tolist"):
            return plain(value.tolist(), depth + 1)
        if module.startswith("pandas") and hasattr(value, "to_dict") and hasattr(value, "index"):
            return plain(value.to_dict(), depth + 1)
        raise TypeError("a " + kind.__name__ + " is not plain data (numbers, text, lists)")
    found = {{}}
    for name, expression in __expressions.items():
        try:
            found[name] = {{"value": plain(eval(expression, globals()))}}
        except BaseException as error:
            found[name] = {{"error": type(error).__name__ + ": " + str(error)[:300]}}
    print({nonce!r} + __json.dumps(found) + {nonce!r})
__shopfloor_observe({json.dumps(expressions)})
"""


def observations(stdout: str, nonce: str) -> dict[str, dict[str, Any]]:
    """Pull the observation record out of the observe cell's output (plain JSON only)."""
    # The record printed last wins: a learner's hook may have echoed the cell's code first.
    for match in reversed(
        list(re.finditer(re.escape(nonce) + r"(.*?)" + re.escape(nonce), stdout, re.S))
    ):
        try:
            data = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return data
    return {}


def expected_value(check: Check, *, seed: int) -> Any:
    """Evaluate the instructor's expected-value expression (trusted lab code, on the host)."""
    namespace = {"seed": seed, "math": math, "__builtins__": __builtins__}
    return eval(check.expected, namespace)  # noqa: S307 - instructor-authored, never learner input


def judge(
    check: Check, observed: dict[str, Any] | None, expected: Any, stopped: str
) -> CheckResult:
    """Compare one observation with the expected value and write the learner's feedback."""
    if observed is None:
        passed, why = False, stopped or "The notebook stopped before this could be checked."
    elif "error" in observed:
        passed, why = False, f"Could not read your result: {observed['error']}"
    else:
        passed = compare(check, observed.get("value"), expected)
        why = "" if passed else (check.hint or "Your result does not match what was expected.")
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
    expected = json.loads(json.dumps(expected, default=_plain_default))
    if check.compare == "equal":
        return value == expected
    if check.compare == "set":
        return (
            isinstance(value, list)
            and isinstance(expected, list)
            and _as_set(value) == _as_set(expected)
        )
    if check.compare == "type":
        return type(value).__name__ == expected
    return _close(value, expected, check.tolerance)


def _close(value: Any, expected: Any, tolerance: float) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected
    if isinstance(expected, (int, float)) and isinstance(value, (int, float)):
        # The tolerance is absolute: 0.01 means within ±0.01, whatever the magnitude.
        return math.isclose(value, expected, rel_tol=1e-12, abs_tol=tolerance)
    if isinstance(expected, list) and isinstance(value, list):
        return len(value) == len(expected) and all(
            _close(v, e, tolerance) for v, e in zip(value, expected, strict=True)
        )
    if isinstance(expected, dict) and isinstance(value, dict):
        return value.keys() == expected.keys() and all(
            _close(value[k], expected[k], tolerance) for k in expected
        )
    return value == expected


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

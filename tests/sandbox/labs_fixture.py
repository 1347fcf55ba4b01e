"""A small lab source notebook, built in code so each test can see what it contains."""

from __future__ import annotations

import nbformat

HIDDEN_CASES = "__cases = [(0.9, 0.95, 0.99), (0.5, 0.5, 0.5)]"
# A learner's correct answers, by answer cell id.
HONEST = {
    "answer-availability": "availability = shift['run'] / shift['planned']",
    "answer-oee": "def oee(a, p, q):\n    return a * p * q",
}


def cell(kind: str, source: str, role: str | None = None, cell_id: str | None = None):
    new = (
        nbformat.v4.new_code_cell(source)
        if kind == "code"
        else nbformat.v4.new_markdown_cell(source)
    )
    if role:
        new.metadata["shopfloor"] = {"role": role}
    if cell_id:
        new.id = cell_id
    return new


def source_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        cell("markdown", "# Availability and OEE\nCompute availability for your shift."),
        cell(
            "code", "shift = {'planned': 450, 'run': 393 + SHOPFLOOR_SEED % 7}", "readonly", "given"
        ),
        cell(
            "code",
            "### BEGIN SOLUTION\navailability = shift['run'] / shift['planned']\n### END SOLUTION",
            "answer",
            "answer-availability",
        ),
        cell(
            "code",
            "def oee(a, p, q):\n"
            "    ### BEGIN SOLUTION\n    return a * p * q\n    ### END SOLUTION\n",
            "answer",
            "answer-oee",
        ),
        cell(
            "code",
            "assert 0 <= availability <= 1, 'availability is a fraction'",
            "test",
            "self-check",
        ),
        cell("code", HIDDEN_CASES, "hidden-test", "hidden-cases"),
    ]
    notebook.metadata["shopfloor"] = {
        "lab": {
            "id": "lab-availability",
            "title": "Availability and OEE",
            "minutes": 20,
            "competencies": ["SM.KPI.1"],
        },
        "checks": [
            {
                "id": "availability",
                "points": 2,
                "observe": "availability",
                "expected": "(393 + seed % 7) / 450",
                "compare": "close",
                "tolerance": 1e-6,
                "description": "availability for your shift",
                "hint": "Availability is run time divided by planned production time.",
            },
            {
                "id": "oee-function",
                "points": 3,
                "visible": False,
                "observe": "[oee(*case) for case in __cases]",
                "expected": "[0.9 * 0.95 * 0.99, 0.125]",
                "compare": "close",
                "description": "oee() multiplies the three factors",
            },
        ],
    }
    return notebook


def submission(answers: dict[str, str], *, base: nbformat.NotebookNode | None = None):
    """A learner version with some answer cells replaced."""
    from app.content.labs import learner_version, parse

    notebook = base or learner_version(parse(source_notebook()))
    for item in notebook.cells:
        if item.get("id") in answers:
            item.source = answers[item.id]
    return notebook

"""Quiz and lab blocks inside lessons: YAML in fenced code blocks."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.content.fields import Fields
from app.content.model import Choice, LabRef, Question
from app.content.problems import Problems

TYPES = ("single", "multiple", "numeric", "order")


def choice_key(question_id: str, text: str) -> str:
    """An opaque, stable key for a choice: it reveals neither position nor correctness."""
    return hashlib.sha256(f"{question_id}\0{text}".encode()).hexdigest()[:10]


def parse_question(data, path: Path, problems: Problems, *, line: int = 1) -> Question | None:
    """Parse one quiz block; None (with E-QUIZ problems) if it is malformed."""
    before = len(problems.items)
    fields = Fields(data, path, problems, "a quiz", code="E-QUIZ")
    qid = fields.slug()
    qtype = fields.text("type")
    if qtype and qtype not in TYPES:
        fields.problem("type", None, f"unknown quiz type '{qtype}'; use {', '.join(TYPES)}")
    prompt = fields.text("prompt")
    explanation = fields.text("explanation")
    competencies = fields.texts("competencies", required=True)
    if not competencies and "competencies" in fields.data:
        fields.problem("competencies", None, "a quiz must evidence at least one competency")
    choices: tuple[Choice, ...] = ()
    answer, tolerance, unit = None, 0.0, ""
    if qtype in ("single", "multiple"):
        choices = _choices(fields, qid, qtype)
    elif qtype == "order":
        choices = _order_items(fields, qid)
    elif qtype == "numeric":
        answer = fields.number("answer")
        tolerance = fields.number("tolerance", required=False)
        if tolerance < 0:
            fields.problem("tolerance", None, "tolerance cannot be negative")
        unit = fields.text("unit", required=False)
    if len(problems.items) > before:
        return None
    return Question(
        qid, qtype, prompt, explanation, competencies, choices, answer, tolerance, unit, line
    )


def _choices(fields: Fields, qid: str, qtype: str) -> tuple[Choice, ...]:
    raw = fields.items("choices", required=True)
    choices = []
    for index, entry in enumerate(raw):
        if isinstance(entry, dict):
            item = Fields(entry, fields.path, fields.problems, "a choice", code="E-QUIZ")
            text, correct = item.text("text"), item.boolean("correct")
        elif isinstance(entry, (str, int, float)) and not isinstance(entry, bool):
            text, correct = str(entry).strip(), False
        else:
            mark = raw.mark(index)
            fields.problems.add(fields.path, mark.line, mark.col, "E-QUIZ", "a choice must be text")
            continue
        choices.append(Choice(choice_key(qid, text), text, correct))
    right = sum(c.correct for c in choices)
    if len(choices) < 2:
        fields.problem("choices", None, "give at least two choices")
    elif qtype == "single" and right != 1:
        fields.problem(
            "choices", None, f"a single-choice quiz needs one correct choice, not {right}"
        )
    elif qtype == "multiple" and right == 0:
        fields.problem("choices", None, "mark at least one choice correct")
    if len({c.text for c in choices}) != len(choices):
        fields.problem("choices", None, "choices must all differ")
    return tuple(choices)


def _order_items(fields: Fields, qid: str) -> tuple[Choice, ...]:
    items = fields.texts("items", required=True)
    if len(items) < 2:
        fields.problem("items", None, "an order question needs at least two items")
    if len(set(items)) != len(items):
        fields.problem("items", None, "order items must all differ")
    return tuple(Choice(choice_key(qid, text), text, True) for text in items)


def parse_lab(data, path: Path, problems: Problems, *, line: int = 1) -> LabRef | None:
    before = len(problems.items)
    fields = Fields(data, path, problems, "a lab block", code="E-LAB")
    lab = LabRef(
        id=fields.slug(),
        title=fields.text("title"),
        objectives=fields.texts("objectives"),
        planned=fields.boolean("planned"),
        line=line,
    )
    return None if len(problems.items) > before else lab

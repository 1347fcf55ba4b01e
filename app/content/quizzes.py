"""Quiz and lab blocks inside lessons: YAML in fenced code blocks."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.content.fields import Fields
from app.content.model import (
    DEFAULT_POLICY,
    FORMATIVE,
    SUMMATIVE,
    Choice,
    LabRef,
    Question,
    QuizPolicy,
)
from app.content.problems import Problems
from app.content.yamlfiles import LocatedDict

TYPES = ("single", "multiple", "numeric", "order")
POLICIES = (FORMATIVE, SUMMATIVE)
COUNTS = ("first", "last")
POLICY_KEYS = ("policy", "attempts", "counts")


def choice_key(question_id: str, text: str) -> str:
    """An opaque, stable key for a choice: it reveals neither position nor correctness."""
    return hashlib.sha256(f"{question_id}\0{text}".encode()).hexdigest()[:10]


def parse_question(
    data, path: Path, problems: Problems, *, line: int = 1, default: QuizPolicy = DEFAULT_POLICY
) -> Question | None:
    """Parse one quiz block; None (with E-QUIZ problems) if it is malformed.

    Its policy keys, if any, apply on top of *default* (the lesson's ``quiz:`` policy).
    """
    before = len(problems.items)
    fields = Fields(data, path, problems, "a quiz", code="E-QUIZ")
    policy = parse_policy(fields, default)
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
        qid,
        qtype,
        prompt,
        explanation,
        competencies,
        choices,
        answer,
        tolerance,
        unit,
        line,
        policy,
    )


def parse_lesson_policy(front: Fields) -> QuizPolicy:
    """The lesson's default quiz policy from its front matter's ``quiz:`` mapping, if any."""
    if "quiz" not in front.data or front.data["quiz"] is None:
        return DEFAULT_POLICY
    data = front.data["quiz"]
    if not isinstance(data, LocatedDict):
        front.problem("quiz", "E-QUIZ-POLICY", "'quiz' must be a mapping: policy, attempts, counts")
        return DEFAULT_POLICY
    fields = Fields(data, front.path, front.problems, "the lesson's quiz policy")
    for key in data:
        if key not in POLICY_KEYS:
            fields.problem(
                key, "E-QUIZ-POLICY", f"unknown key '{key}'; use {', '.join(POLICY_KEYS)}"
            )
    return parse_policy(fields, DEFAULT_POLICY)


def parse_policy(fields: Fields, default: QuizPolicy) -> QuizPolicy:
    """Read ``policy``, ``attempts`` and ``counts`` from *fields*, each overriding *default*.

    Naming ``policy: formative`` drops the attempts and counts of a summative default. Every
    problem is E-QUIZ-POLICY, located at the key that is wrong.
    """
    data = fields.data

    def problem(key: str, message: str) -> None:
        fields.problem(key, "E-QUIZ-POLICY", message)

    kind = default.kind
    if "policy" in data:
        if data["policy"] in POLICIES:
            kind = data["policy"]
        else:
            problem("policy", f"unknown policy '{data['policy']}'; use formative or summative")
    if kind == FORMATIVE:
        for key in ("attempts", "counts"):
            if key in data:
                whose = "" if "policy" in data else " (the lesson's default)"
                problem(
                    key, f"'{key}' applies to summative questions only; this is formative{whose}"
                )
        return DEFAULT_POLICY
    attempts = default.attempts if default.summative else None
    counts = default.counts if default.summative else None
    if "attempts" in data:
        value = data["attempts"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            attempts = value
        else:
            problem("attempts", f"'attempts' must be a whole number, 1 or more, not '{value}'")
    if "counts" in data:
        if data["counts"] in COUNTS:
            counts = data["counts"]
        else:
            problem("counts", f"'counts' must be first or last, not '{data['counts']}'")
    attempts = attempts or 1
    if (
        attempts > 1
        and counts is None
        and "counts" not in data
        and ("attempts" in data or "policy" in data)
    ):
        problem(
            "attempts" if "attempts" in data else "policy",
            f"{attempts} attempts: say which one counts, 'counts: first' or 'counts: last'",
        )
    return QuizPolicy(SUMMATIVE, attempts, counts or "first")


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

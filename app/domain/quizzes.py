"""Grading quiz answers. Pure: a question and an answer in, a result out."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from app.content.model import Question


class WrongAnswerType(ValueError):
    """The answer does not have the shape this question type takes."""


@dataclass(frozen=True)
class Result:
    correct: bool
    score: float  # 0.0 … 1.0
    feedback: str
    correct_answer: Any  # shown after answering: keys, a number, or keys in order


MAX_NUMBER_CHARS = 64  # a typed number, thousands separators and spaces included


def grade(question: Question, answer: Any) -> Result:
    """Grade *answer* for *question*; raise WrongAnswerType for a malformed answer."""
    if question.type == "single":
        return _single(question, answer)
    if question.type == "multiple":
        return _multiple(question, answer)
    if question.type == "numeric":
        return _numeric(question, answer)
    return _order(question, answer)


def _keys(question: Question) -> set[str]:
    return {choice.key for choice in question.choices}


def _single(question: Question, answer: Any) -> Result:
    if not isinstance(answer, str) or answer not in _keys(question):
        raise WrongAnswerType("choose one of the offered choices")
    right = next(c.key for c in question.choices if c.correct)
    correct = answer == right
    return Result(correct, float(correct), question.explanation, right)


def _multiple(question: Question, answer: Any) -> Result:
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        raise WrongAnswerType("send the chosen choices as a list")
    chosen = set(answer)
    if not chosen <= _keys(question) or len(chosen) != len(answer):
        raise WrongAnswerType("send each offered choice at most once")
    right = {c.key for c in question.choices if c.correct}
    # Partial credit: each choice counts as one true/false decision.
    agreed = sum((c.key in chosen) == c.correct for c in question.choices)
    score = agreed / len(question.choices)
    return Result(chosen == right, score, question.explanation, sorted(right))


def _numeric(question: Question, answer: Any) -> Result:
    # The answer is stored as sent, so its text is bounded; a JSON integer can have thousands
    # of digits, which float() refuses with OverflowError rather than returning infinity.
    if isinstance(answer, str):
        if len(answer) > MAX_NUMBER_CHARS:
            raise WrongAnswerType("enter a number")
        try:
            answer = float(answer.replace(",", "").strip())
        except ValueError:
            raise WrongAnswerType("enter a number") from None
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise WrongAnswerType("enter a number")
    try:
        answer = float(answer)
    except OverflowError:
        raise WrongAnswerType("enter a number") from None
    if not math.isfinite(answer):
        raise WrongAnswerType("enter a number")
    correct = abs(answer - question.answer) <= question.tolerance + 1e-9
    return Result(correct, float(correct), question.explanation, question.answer)


def _order(question: Question, answer: Any) -> Result:
    right = [c.key for c in question.choices]
    if (
        not isinstance(answer, list)
        or not all(isinstance(a, str) for a in answer)
        or sorted(answer) != sorted(right)
    ):
        raise WrongAnswerType("send every item exactly once, in your order")
    in_place = sum(a == b for a, b in zip(answer, right, strict=True))
    return Result(answer == right, in_place / len(right), question.explanation, right)


def shuffled(question: Question) -> list:
    """The order items as learners first see them: shuffled, stable, never already solved."""
    items = list(question.choices)
    rng = random.Random(question.id)  # noqa: S311 - presentation order, not security
    for _ in range(10):
        rng.shuffle(items)
        if items != list(question.choices):
            break
    if items == list(question.choices):
        items.reverse()
    return items

"""Grading quiz answers and applying a question's policy. Pure: no database, no Flask."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from app.content.model import Question, QuizPolicy
from app.domain.evidence import ASSESSMENT, PRACTICE


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
    return Result(
        chosen == right, multiple_score(chosen, right), question.explanation, sorted(right)
    )


def multiple_score(chosen: set[str], right: set[str]) -> float:
    """Partial credit for a multi-select answer: right picks minus wrong picks, over the
    number of right choices, and never below 0 (the rule Moodle and Canvas use).

    So the exact right set scores 1; a selection of only wrong choices, or none, scores 0;
    ticking everything scores 0 once there are as many wrong choices as right ones; each
    wrong pick cancels a right one. *right* is not empty (the validator sees to that).
    """
    hits = len(chosen & right)
    misses = len(chosen - right)
    return max(0, hits - misses) / len(right)


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


@dataclass(frozen=True)
class Standing:
    """Where a learner stands on one question after *used* attempts."""

    used: int
    allowed: int | None  # None: as many as they like (formative)
    closed: bool  # no further attempt is taken
    revealed: bool  # the right answer and the explanation may be shown

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)


def standing(policy: QuizPolicy, used: int, answered_right: bool) -> Standing:
    """Apply *policy* to a learner's attempts so far (*answered_right*: any was right).

    A formative question shows its answer after every attempt and never closes. A summative
    one closes, and only then shows its answer, when the attempts are used up or one was right.
    """
    if not policy.summative:
        return Standing(used, None, closed=False, revealed=used > 0)
    allowed = policy.attempts or 1
    closed = answered_right or used >= allowed
    return Standing(used, allowed, closed=closed, revealed=closed)


@dataclass(frozen=True)
class Counting:
    """What one attempt is as competency evidence."""

    purpose: str  # PRACTICE or ASSESSMENT
    replaces: bool  # it takes the place of the learner's earlier evidence from this question


def counting(policy: QuizPolicy, number: int) -> Counting | None:
    """How attempt *number* (1 for the first) of a question counts; None: not at all.

    Formative attempts are practice, each one kept. Of a summative question's attempts only
    the one the author named counts: the first, or the last (each attempt replaces the one
    before, so the last one made is the evidence).
    """
    if not policy.summative:
        return Counting(PRACTICE, replaces=False)
    if policy.counts == "last":
        return Counting(ASSESSMENT, replaces=True)
    return Counting(ASSESSMENT, replaces=False) if number == 1 else None

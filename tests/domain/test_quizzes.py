"""Grading each quiz type, and refusing answers of the wrong shape."""

from __future__ import annotations

import pytest

from app.content.model import Choice, Question
from app.domain.quizzes import WrongAnswerType, grade, shuffled


def q(qtype, **kwargs):
    return Question("q-1", qtype, "Prompt", "Because.", ("X.1",), **kwargs)


SINGLE = q("single", choices=(Choice("a", "A"), Choice("b", "B", True), Choice("c", "C")))
MULTI = q("multiple", choices=(Choice("a", "A", True), Choice("b", "B"), Choice("c", "C", True)))
NUMERIC = q("numeric", answer=84.6, tolerance=0.1, unit="%")
ORDER = q(
    "order",
    choices=(Choice("r", "Read", True), Choice("x", "Execute", True), Choice("w", "Write", True)),
)


def test_single_choice():
    assert grade(SINGLE, "b").correct
    result = grade(SINGLE, "a")
    assert not result.correct and result.score == 0 and result.correct_answer == "b"


def test_multiple_choice_gives_partial_credit():
    assert grade(MULTI, ["c", "a"]).correct
    partial = grade(MULTI, ["a"])
    assert not partial.correct and partial.score == pytest.approx(2 / 3)


def test_numeric_within_tolerance():
    assert grade(NUMERIC, 84.65).correct
    assert grade(NUMERIC, "84.7").correct
    assert not grade(NUMERIC, 84.8).correct


def test_order_scores_items_in_place():
    assert grade(ORDER, ["r", "x", "w"]).correct
    half = grade(ORDER, ["r", "w", "x"])
    assert not half.correct and half.score == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "question,answer",
    [
        (SINGLE, ["b"]),
        (SINGLE, "zzz"),
        (SINGLE, 1),
        (MULTI, "a"),
        (MULTI, ["a", "a"]),
        (MULTI, ["nope"]),
        (NUMERIC, "eighty"),
        (NUMERIC, None),
        (NUMERIC, True),
        (NUMERIC, "nan"),
        (ORDER, ["r", "x"]),
        (ORDER, ["r", "x", "x"]),
        (ORDER, "r,x,w"),
    ],
)
def test_wrong_answer_shapes_are_refused(question, answer):
    with pytest.raises(WrongAnswerType):
        grade(question, answer)


def test_order_items_are_never_shown_in_the_correct_order():
    shown = shuffled(ORDER)
    assert [c.key for c in shown] != ["r", "x", "w"]
    assert shuffled(ORDER) == shown  # stable between page loads

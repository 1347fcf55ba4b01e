"""Grading each quiz type, refusing answers of the wrong shape, and the quiz policies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content.model import Choice, Question, QuizPolicy
from app.domain.evidence import ASSESSMENT, PRACTICE
from app.domain.quizzes import (
    Counting,
    WrongAnswerType,
    counting,
    grade,
    multiple_score,
    shuffled,
    standing,
)


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
    assert not partial.correct and partial.score == pytest.approx(1 / 2)
    # A wrong pick cancels a right one; ticking everything earns nothing here.
    assert grade(MULTI, ["a", "b"]).score == 0
    assert grade(MULTI, ["a", "b", "c"]).score == pytest.approx(1 / 2)


def test_multiple_choice_with_only_wrong_picks_scores_nothing():
    """The issue's case: ticking only a wrong option scored 'Partly right (25 %)'."""
    four = q(
        "multiple",
        choices=(
            Choice("a", "A", True),
            Choice("b", "B", True),
            Choice("c", "C"),
            Choice("d", "D"),
        ),
    )
    assert grade(four, ["c"]).score == 0
    assert grade(four, []).score == 0
    assert grade(four, ["c", "d"]).score == 0


@st.composite
def multi_select(draw):
    """A multi-select question's choices (some right, at least one) and a selection."""
    keys = [f"k{i}" for i in range(draw(st.integers(min_value=2, max_value=8)))]
    right = set(draw(st.lists(st.sampled_from(keys), min_size=1, unique=True)))
    chosen = set(draw(st.lists(st.sampled_from(keys), unique=True)))
    return set(keys), right, chosen


@given(multi_select())
def test_a_multi_select_score_lies_between_0_and_1(case):
    _, right, chosen = case
    assert 0.0 <= multiple_score(chosen, right) <= 1.0


@given(multi_select())
def test_only_wrong_picks_score_0(case):
    _, right, chosen = case
    assert multiple_score(chosen - right, right) == 0.0


@given(multi_select())
def test_the_exact_right_set_scores_1_and_nothing_else_does(case):
    _, right, chosen = case
    assert multiple_score(right, right) == 1.0
    assert (multiple_score(chosen, right) == 1.0) == (chosen == right)


@given(multi_select(), st.data())
def test_adding_a_wrong_pick_never_raises_the_score(case, data):
    keys, right, chosen = case
    wrong = sorted(keys - right - chosen)
    if wrong:
        extra = data.draw(st.sampled_from(wrong))
        assert multiple_score(chosen | {extra}, right) <= multiple_score(chosen, right)


@given(multi_select())
def test_grading_a_multi_select_agrees_with_its_score(case):
    keys, right, chosen = case
    question = q("multiple", choices=tuple(Choice(k, k.upper(), k in right) for k in sorted(keys)))
    result = grade(question, sorted(chosen))
    assert result.score == multiple_score(chosen, right)
    assert result.correct == (chosen == right)


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


FORMATIVE = QuizPolicy()
FIRST_OF_3 = QuizPolicy("summative", 3, "first")
LAST_OF_3 = QuizPolicy("summative", 3, "last")


def test_a_formative_question_shows_its_answer_after_every_attempt_and_never_closes():
    assert not standing(FORMATIVE, 0, False).revealed
    for used in (1, 5, 50):
        state = standing(FORMATIVE, used, answered_right=False)
        assert state.revealed and not state.closed and state.remaining is None


def test_a_summative_question_hides_its_answer_until_attempts_are_used_or_one_was_right():
    assert [standing(FIRST_OF_3, n, False).revealed for n in range(4)] == [
        False,
        False,
        False,
        True,
    ]
    assert standing(FIRST_OF_3, 2, False).remaining == 1
    closed = standing(FIRST_OF_3, 3, False)
    assert closed.closed and closed.remaining == 0
    right = standing(LAST_OF_3, 1, answered_right=True)
    assert right.closed and right.revealed


def test_one_attempt_by_default():
    assert standing(QuizPolicy("summative"), 1, False).closed


def test_formative_attempts_are_practice_and_summative_ones_count_as_the_author_says():
    assert counting(FORMATIVE, 1) == counting(FORMATIVE, 7) == Counting(PRACTICE, False)
    assert counting(FIRST_OF_3, 1) == Counting(ASSESSMENT, False)
    assert counting(FIRST_OF_3, 2) is None and counting(FIRST_OF_3, 3) is None
    assert all(counting(LAST_OF_3, n) == Counting(ASSESSMENT, True) for n in (1, 2, 3))

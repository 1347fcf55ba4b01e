"""Quiz policies as learners meet them: practice, and checked questions with few attempts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.domain.evidence import ASSESSMENT, PRACTICE
from app.errors import Conflict
from app.extensions import db
from app.models import CompetencyEvidence, Lesson, Question, QuizAttempt
from app.services import quizzes
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree


@pytest.fixture
def course(ctx):
    """The good fixture: demo-third-q1 practice, q2 checked (3 attempts, the last counts),
    q3 checked (2 attempts, the first counts)."""
    sync_tree(FIXTURE_CURRICULA / "good")


def question(slug: str) -> Question:
    return db.session.scalar(select(Question).where(Question.slug == slug))


def key(slug: str, text: str) -> str:
    return {c.text: c.key for c in quizzes.spec_of(question(slug)).choices}[text]


def answer(learner, slug: str, *texts: str):
    raw = (
        [key(slug, t) for t in texts] if question(slug).type == "multiple" else key(slug, texts[0])
    )
    return quizzes.answer(learner, question(slug), raw, now=utcnow())


def evidence_of(learner) -> list[tuple]:
    query = (
        select(CompetencyEvidence)
        .where(CompetencyEvidence.user_id == learner.id)
        .order_by(CompetencyEvidence.id)
    )
    return [(e.source_ref, e.purpose, e.score) for e in db.session.scalars(query)]


def test_a_practice_question_shows_the_answer_and_is_only_practice(course):
    learner = factories.make_user()
    order = quizzes.spec_of(question("demo-third-q1")).choices
    for _ in range(4):  # retries are unlimited
        feedback = quizzes.answer(
            learner, question("demo-third-q1"), [c.key for c in reversed(order)], now=utcnow()
        )
    assert feedback.revealed and not feedback.closed and feedback.allowed is None
    assert feedback.right_keys == tuple(c.key for c in order) and feedback.explanation
    assert {purpose for _, purpose, _ in evidence_of(learner)} == {PRACTICE}


def test_a_checked_question_hides_its_answer_until_the_attempts_are_used(course):
    learner = factories.make_user()
    first = answer(learner, "demo-third-q2", "Reading inputs")
    assert (first.attempts, first.allowed, first.remaining) == (1, 3, 2)
    assert not first.revealed and first.right_keys == () and first.explanation is None
    answer(learner, "demo-third-q2", "Running the program")
    last = answer(learner, "demo-third-q2", "Reading inputs")
    assert last.closed and last.revealed and last.remaining == 0
    assert last.right_keys == (key("demo-third-q2", "Writing the output image"),)
    assert "output image" in last.explanation
    with pytest.raises(Conflict, match="used all 3 attempts"):
        answer(learner, "demo-third-q2", "Writing the output image")
    assert db.session.query(QuizAttempt).count() == 3


def test_the_last_attempt_counts_when_the_author_says_so(course):
    """counts: last. Each attempt replaces the one before; a right answer ends it."""
    learner = factories.make_user()
    answer(learner, "demo-third-q2", "Reading inputs")
    assert evidence_of(learner) == [("demo-third-q2", ASSESSMENT, 0.0)]
    right = answer(learner, "demo-third-q2", "Writing the output image")
    assert right.correct and right.closed and right.revealed and right.remaining == 1
    assert evidence_of(learner) == [("demo-third-q2", ASSESSMENT, 1.0)]
    with pytest.raises(Conflict, match="already answered this checked question right"):
        answer(learner, "demo-third-q2", "Reading inputs")


def test_the_first_attempt_counts_when_the_author_says_so(course):
    """counts: first. A second, right attempt reveals the answer but changes no evidence."""
    learner = factories.make_user()
    first = answer(
        learner, "demo-third-q3", "The inputs are read", "The program is downloaded again"
    )
    assert first.score == 0 and not first.revealed  # a wrong pick cancels a right one
    second = answer(learner, "demo-third-q3", "The inputs are read", "The program runs")
    assert second.correct and second.revealed
    assert evidence_of(learner) == [("demo-third-q3", ASSESSMENT, 0.0)]


def test_the_lesson_view_of_a_checked_question_carries_no_answer(course):
    learner = factories.make_user()
    answer(learner, "demo-third-q2", "Reading inputs")
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "demo-third"))
    view = quizzes.views(learner, lesson)["demo-third-q2"]
    assert view.policy.summative and view.policy.attempts == 3
    assert view.feedback.attempts == 1 and not view.feedback.revealed
    assert view.feedback.right_keys == () and view.feedback.explanation is None

"""Answering quiz questions: grading, attempts, the question's policy, and the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from app.content import markdown
from app.content.model import DEFAULT_POLICY, Choice, QuizPolicy
from app.content.model import Question as QuestionSpec
from app.domain import quizzes as grading
from app.errors import BadRequest, Conflict
from app.extensions import db
from app.models import Course, Lesson, Question, QuizAttempt, User
from app.services import evidence


def spec_of(question: Question) -> QuestionSpec:
    data = question.spec
    return QuestionSpec(
        id=data["id"],
        type=data["type"],
        prompt=data["prompt"],
        explanation=data["explanation"],
        competencies=tuple(data["competencies"]),
        choices=tuple(Choice(**c) for c in data["choices"]),
        answer=data.get("answer"),
        tolerance=data.get("tolerance") or 0.0,
        unit=data.get("unit") or "",
        policy=QuizPolicy(**data["policy"]) if data.get("policy") else DEFAULT_POLICY,
    )


@dataclass(frozen=True)
class Feedback:
    """What a learner sees after answering: shown only once an answer exists.

    The right answer and the explanation are filled in only once ``revealed`` (always for a
    formative question; for a summative one when its attempts are used or one was right).
    """

    correct: bool
    score: float
    given: Any
    attempts: int
    allowed: int | None  # summative: how many attempts the question takes
    closed: bool  # no further attempt is taken
    revealed: bool
    explanation: Markup | None
    right_keys: tuple[str, ...]  # single/multiple: the correct choices; order: correct order
    right_number: float | None

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.attempts)


@dataclass(frozen=True)
class QuestionView:
    """A question as the page shows it before answering: no correct answers inside."""

    slug: str
    type: str
    prompt: Markup
    choices: tuple[tuple[str, Markup], ...]  # (opaque key, text)
    unit: str
    policy: QuizPolicy
    feedback: Feedback | None


def get_question(course: Course, slug: str) -> Question:
    question = db.session.scalar(
        select(Question)
        .join(Lesson, Question.lesson_id == Lesson.id)
        .where(
            Question.slug == slug,
            Lesson.course_id == course.id,
            Question.archived_at.is_(None),
            Lesson.archived_at.is_(None),
        )
    )
    if question is None:
        raise BadRequest(f"There is no question '{slug}' in this course.")
    return question


def answer(user: User, question: Question, raw: Any, *, now: datetime) -> Feedback:
    """Grade *raw*, store the attempt and the evidence its policy gives it.

    BadRequest for a malformed answer; Conflict once a summative question takes no more
    attempts (they are used up, or one was right).
    """
    spec = spec_of(question)
    if spec.policy.summative:
        # One answer at a time per learner, so two quick clicks cannot both take the last
        # attempt (PostgreSQL; SQLite writes one transaction at a time anyway).
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    earlier = _attempts(user, question)
    before = grading.standing(spec.policy, len(earlier), any(a.correct for a in earlier))
    if before.closed:
        raise Conflict(_closed_message(before, earlier))
    try:
        result = grading.grade(spec, raw)
    except grading.WrongAnswerType as exc:
        raise BadRequest(f"That answer does not fit a {spec.type} question: {exc}.") from None
    course = question.lesson.course
    db.session.add(
        QuizAttempt(
            user_id=user.id,
            question_id=question.id,
            answer=raw if not isinstance(raw, float) else float(raw),
            correct=result.correct,
            score=result.score,
            content_version=course.content_version,
            created_at=now,
        )
    )
    number = len(earlier) + 1
    counts = grading.counting(spec.policy, number)
    if counts is not None:
        evidence.record(
            user.id,
            spec.competencies,
            framework_id=course.framework_id,
            source_kind="quiz",
            source_ref=spec.id,
            purpose=counts.purpose,
            score=result.score,
            content_version=course.content_version,
            now=now,
            replace=counts.replaces,
        )
    db.session.flush()
    after = grading.standing(spec.policy, number, any(a.correct for a in earlier) or result.correct)
    return _feedback(spec, raw, result.correct, result.score, after)


def _closed_message(state: grading.Standing, earlier: list[QuizAttempt]) -> str:
    if any(a.correct for a in earlier):
        return "You have already answered this checked question right; it takes no more attempts."
    return (
        f"You have used all {state.allowed} attempt{'s' if state.allowed != 1 else ''} at "
        "this checked question; its answer is shown now."
    )


def _attempts(user: User, question: Question) -> list[QuizAttempt]:
    query = (
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.question_id == question.id)
        .order_by(QuizAttempt.created_at, QuizAttempt.id)
    )
    return list(db.session.scalars(query))


def _feedback(
    spec: QuestionSpec, given: Any, correct: bool, score: float, state: grading.Standing
) -> Feedback:
    if not state.revealed:
        right: tuple[str, ...] = ()
    elif spec.type == "order":
        right = tuple(c.key for c in spec.choices)
    else:
        right = tuple(c.key for c in spec.choices if c.correct)
    return Feedback(
        correct=correct,
        score=score,
        given=given,
        attempts=state.used,
        allowed=state.allowed,
        closed=state.closed,
        revealed=state.revealed,
        explanation=markdown.inline(spec.explanation) if state.revealed else None,
        right_keys=right,
        right_number=spec.answer if spec.type == "numeric" and state.revealed else None,
    )


def views(user: User, lesson: Lesson) -> dict[str, QuestionView]:
    """Every active question of *lesson*, with the learner's latest feedback if any."""
    questions = [q for q in lesson.questions if q.archived_at is None]
    latest: dict[int, QuizAttempt] = {}
    counts: dict[int, int] = {}
    right: set[int] = set()
    if questions:
        query = (
            select(QuizAttempt)
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.question_id.in_([q.id for q in questions]),
            )
            .order_by(QuizAttempt.created_at, QuizAttempt.id)
        )
        for attempt in db.session.scalars(query):
            latest[attempt.question_id] = attempt
            counts[attempt.question_id] = counts.get(attempt.question_id, 0) + 1
            if attempt.correct:
                right.add(attempt.question_id)
    out = {}
    for question in questions:
        spec = spec_of(question)
        attempt = latest.get(question.id)
        feedback = None
        if attempt is not None:
            state = grading.standing(spec.policy, counts[question.id], question.id in right)
            feedback = _feedback(spec, attempt.answer, attempt.correct, attempt.score, state)
        choices = grading.shuffled(spec) if spec.type == "order" else list(spec.choices)
        out[spec.id] = QuestionView(
            slug=spec.id,
            type=spec.type,
            prompt=markdown.inline(spec.prompt),
            choices=tuple((c.key, markdown.inline(c.text)) for c in choices),
            unit=spec.unit,
            policy=spec.policy,
            feedback=feedback,
        )
    return out


def choice_texts(question: Question) -> dict[str, str]:
    return {c.key: c.text for c in spec_of(question).choices}

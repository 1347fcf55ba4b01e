"""Answering quiz questions: grading, attempts, and the competency evidence they produce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from app.content import markdown
from app.content.model import Choice
from app.content.model import Question as QuestionSpec
from app.domain import quizzes as grading
from app.errors import BadRequest
from app.extensions import db
from app.models import Competency, CompetencyEvidence, Course, Lesson, Question, QuizAttempt, User


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
    )


@dataclass(frozen=True)
class Feedback:
    """What a learner sees after answering: shown only once an answer exists."""

    correct: bool
    score: float
    explanation: Markup
    given: Any
    right_keys: tuple[str, ...]  # single/multiple: the correct choices; order: correct order
    right_number: float | None
    attempts: int


@dataclass(frozen=True)
class QuestionView:
    """A question as the page shows it before answering: no correct answers inside."""

    slug: str
    type: str
    prompt: Markup
    choices: tuple[tuple[str, Markup], ...]  # (opaque key, text)
    unit: str
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
    """Grade *raw*, store the attempt and its evidence; BadRequest for a malformed answer."""
    spec = spec_of(question)
    try:
        result = grading.grade(spec, raw)
    except grading.WrongAnswerType as exc:
        raise BadRequest(f"That answer does not fit a {spec.type} question: {exc}.") from None
    course = question.lesson.course
    version = course.content_version
    db.session.add(
        QuizAttempt(
            user_id=user.id,
            question_id=question.id,
            answer=raw if not isinstance(raw, float) else float(raw),
            correct=result.correct,
            score=result.score,
            content_version=version,
            created_at=now,
        )
    )
    for competency in _competencies(course, spec.competencies):
        db.session.add(
            CompetencyEvidence(
                user_id=user.id,
                competency_id=competency.id,
                source_kind="quiz",
                source_ref=spec.id,
                score=result.score,
                content_version=version,
                created_at=now,
            )
        )
    db.session.flush()
    return _feedback(spec, raw, result.correct, result.score, _attempt_count(user, question))


def _competencies(course: Course, codes: tuple[str, ...]) -> list[Competency]:
    if course.framework_id is None:
        return []
    query = select(Competency).where(
        Competency.framework_id == course.framework_id, Competency.code.in_(codes)
    )
    return list(db.session.scalars(query))


def _attempt_count(user: User, question: Question) -> int:
    query = select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.question_id == question.id
    )
    return len(db.session.scalars(query).all())


def _feedback(
    spec: QuestionSpec, given: Any, correct: bool, score: float, attempts: int
) -> Feedback:
    if spec.type == "order":
        right = tuple(c.key for c in spec.choices)
    else:
        right = tuple(c.key for c in spec.choices if c.correct)
    return Feedback(
        correct=correct,
        score=score,
        explanation=markdown.inline(spec.explanation),
        given=given,
        right_keys=right,
        right_number=spec.answer if spec.type == "numeric" else None,
        attempts=attempts,
    )


def views(user: User, lesson: Lesson) -> dict[str, QuestionView]:
    """Every active question of *lesson*, with the learner's latest feedback if any."""
    questions = [q for q in lesson.questions if q.archived_at is None]
    latest: dict[int, QuizAttempt] = {}
    counts: dict[int, int] = {}
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
    out = {}
    for question in questions:
        spec = spec_of(question)
        attempt = latest.get(question.id)
        feedback = None
        if attempt is not None:
            feedback = _feedback(
                spec, attempt.answer, attempt.correct, attempt.score, counts[question.id]
            )
        choices = grading.shuffled(spec) if spec.type == "order" else list(spec.choices)
        out[spec.id] = QuestionView(
            slug=spec.id,
            type=spec.type,
            prompt=markdown.inline(spec.prompt),
            choices=tuple((c.key, markdown.inline(c.text)) for c in choices),
            unit=spec.unit,
            feedback=feedback,
        )
    return out


def choice_texts(question: Question) -> dict[str, str]:
    return {c.key: c.text for c in spec_of(question).choices}

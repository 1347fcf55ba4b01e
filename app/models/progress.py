"""What learners did: quiz attempts, completed lessons, and the competency evidence they earn."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.curriculum import Competency, Lesson, Question


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    answer: Mapped[Any] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    content_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[Question] = relationship()


class LessonCompletion(db.Model):
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lesson: Mapped[Lesson] = relationship()


class CompetencyEvidence(db.Model):
    """One piece of evidence that a learner can do a competency (read by mastery, credentials).

    Written only by ``services.evidence.record``. ``purpose`` tells practice (formative
    quizzes: shown as "practised", never mastery) from assessment (summative quizzes, graded
    labs, and later rubric ratings and mentor observations).
    """

    __tablename__ = "competency_evidence"
    __table_args__ = (
        CheckConstraint("score IS NOT NULL OR level IS NOT NULL", name="score_or_level"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score_range"),
        CheckConstraint("purpose IN ('practice', 'assessment')", name="purpose"),
        Index("ix_competency_evidence_source", "user_id", "source_kind", "source_ref"),
        # A learner's evidence per competency in time order: what mastery is computed from.
        Index("ix_competency_evidence_learner", "user_id", "competency_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(20))  # quiz, lab, ...
    source_ref: Mapped[str] = mapped_column(String(200))  # e.g. the question's stable id
    purpose: Mapped[str] = mapped_column(String(20))  # practice | assessment
    score: Mapped[float | None] = mapped_column(Float)  # 0.0 … 1.0
    level: Mapped[int | None] = mapped_column(Integer)  # a level of the framework's scale
    assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    content_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    competency: Mapped[Competency] = relationship()

"""Judgements people make about a learner's competency, beside what the platform grades.

An instructor's rubric assessment and a mentor's observation on the job (``assessments``),
and a claim of recognised prior learning with its document and a reviewer's decision
(``prior_learning_claims``). Each becomes competency evidence through
``services.evidence.record``; the rows here keep what the evidence alone does not say (the
note, what was assessed, the document, the decision).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, new_public_id, utcnow
from app.extensions import db
from app.models.curriculum import Competency
from app.models.users import User

if TYPE_CHECKING:
    from app.models.apprenticeships import Apprenticeship


class Assessment(db.Model):
    """A person's judgement of a learner's level in one competency, on one day.

    ``kind`` is ``rubric`` (an instructor, against the framework's levels, with an optional
    score) or ``observation`` (the learner's mentor, seen on the job).
    """

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("kind IN ('rubric', 'observation')", name="known_kind"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score_range"),
        Index("ix_assessments_learner_competency", "learner_id", "competency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(String(20))
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)  # 0..1, rubric only
    subject: Mapped[str] = mapped_column(String(300))  # what was assessed or observed
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_on: Mapped[date] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    apprenticeship_id: Mapped[int | None] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="CASCADE"), index=True
    )  # observations: the apprenticeship the mentor supervises
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A judgement made in error is withdrawn, not deleted: its evidence goes, the record stays.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_reason: Mapped[str] = mapped_column(String(1000), default="")

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    apprenticeship: Mapped[Apprenticeship | None] = relationship()
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    competency: Mapped[Competency] = relationship()

    @property
    def source_ref(self) -> str:
        return f"{self.kind}#{self.id}"


class PriorLearningClaim(db.Model):
    """A learner's claim that they already hold a competency, with a document as proof.

    ``status``: pending until a reviewer accepts it (at a level) or rejects it (with a
    reason); the learner may withdraw a pending claim. The document is a file under the
    instance folder with a random name (``stored_name``); ``file_name`` is only shown.
    """

    __tablename__ = "prior_learning_claims"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected', 'withdrawn')", name="known_status"
        ),
        Index("ix_prior_learning_claims_learner_status", "learner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)  # bytes
    status: Mapped[str] = mapped_column(String(16), default="pending")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    level: Mapped[int | None] = mapped_column(Integer)  # the level accepted
    reason: Mapped[str] = mapped_column(String(1000), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    competency: Mapped[Competency] = relationship()

    @property
    def source_ref(self) -> str:
        return f"prior#{self.id}"

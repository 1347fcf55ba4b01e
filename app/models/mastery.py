"""Mastery as decided from evidence: each learner's current state, and every change of level.

Both are written only by ``services.mastery``, when evidence is recorded. ``mastery_states``
is a summary kept on write, so the cohort heatmap reads one row per learner and competency
instead of every piece of evidence; ``mastery_events`` is the history credentials consume.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime
from app.extensions import db
from app.models.curriculum import Competency


class MasteryState(db.Model):
    """Where one learner stands in one competency, as of their latest evidence."""

    __tablename__ = "mastery_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), primary_key=True)
    level: Mapped[int | None] = mapped_column(Integer)  # None: not yet
    mastered: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[float | None] = mapped_column(Float)  # the method's value, 0..1
    assessed: Mapped[int] = mapped_column(Integer, default=0)
    practised: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MasteryEvent(db.Model):
    """A learner's level in a competency changed (up or down), and the evidence that did it."""

    __tablename__ = "mastery_events"
    __table_args__ = (Index("ix_mastery_events_user_competency", "user_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    from_level: Mapped[int | None] = mapped_column(Integer)
    to_level: Mapped[int | None] = mapped_column(Integer)
    mastered: Mapped[bool] = mapped_column(Boolean, default=False)  # after the change
    value: Mapped[float | None] = mapped_column(Float)
    # The evidence recorded when the level changed (None if it was replaced since).
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("competency_evidence.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    competency: Mapped[Competency] = relationship()

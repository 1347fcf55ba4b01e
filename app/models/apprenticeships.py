"""Registered apprenticeships: an apprentice enrolled in a program standard with a sponsoring
employer and a mentor, the on-the-job learning (OJL) hours they log and their mentor signs
off, every change to those hours, and related-instruction attendance instructors record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, new_public_id, utcnow
from app.extensions import db
from app.models.organizations import Organization
from app.models.users import User


class Apprenticeship(db.Model):
    """One apprentice in one program (a file under curricula/programs, by its id)."""

    __tablename__ = "apprenticeships"
    __table_args__ = (UniqueConstraint("apprentice_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    apprentice_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    program_id: Mapped[str] = mapped_column(String(64))
    employer_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | completed | ended
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    apprentice: Mapped[User] = relationship(foreign_keys=[apprentice_id])
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    employer: Mapped[Organization | None] = relationship()


class OjlEntry(db.Model):
    """Hours of on-the-job learning on one day in one work process, as the apprentice logged
    them. Only ``approved`` hours count; an edit after approval makes the entry pending again.
    Time is kept in whole minutes, so sums are exact."""

    __tablename__ = "ojl_entries"
    __table_args__ = (
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_in_a_day"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="known_status"
        ),
        Index("ix_ojl_entries_apprenticeship_day", "apprenticeship_id", "work_date"),
        Index("ix_ojl_entries_apprenticeship_status", "apprenticeship_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="CASCADE")
    )
    work_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    work_process: Mapped[str] = mapped_column(String(64))
    competencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_comment: Mapped[str] = mapped_column(String(1000), default="")
    # Counts changes: a sign-off or an edit made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    apprenticeship: Mapped[Apprenticeship] = relationship()
    reviewer: Mapped[User | None] = relationship()

    @property
    def hours(self) -> float:
        return self.minutes / 60


class OjlChange(db.Model):
    """The audit trail of an OJL entry: who did what, when, and the entry before and after."""

    __tablename__ = "ojl_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("ojl_entries.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16))  # logged, edited, approved, rejected, ...
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()


class RtiAttendance(db.Model):
    """Related technical instruction an instructor recorded for an apprentice (a class
    attended, a workshop), beside the hours their completed courses give."""

    __tablename__ = "rti_attendance"
    __table_args__ = (CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_in_a_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    course_slug: Mapped[str] = mapped_column(String(100), default="")
    session_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def hours(self) -> float:
        return self.minutes / 60

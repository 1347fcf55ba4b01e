"""Cohorts: a group of learners a training partner teaches a course or program together, on
dates and a schedule, with instructors and due dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
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
from app.models.curriculum import Course
from app.models.organizations import Organization

if TYPE_CHECKING:
    from app.models.users import User


class Cohort(db.Model):
    """Hosted by a training partner; teaches one course, or a program (a file under
    curricula/programs, by id), or both. ``join_code`` None: joining by code or link is off."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    host_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    program_id: Mapped[str | None] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    schedule: Mapped[str] = mapped_column(Text, default="")  # "Tue and Thu 6–9 pm, Room B12"
    location: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    host: Mapped[Organization] = relationship()
    course: Mapped[Course | None] = relationship()
    members: Mapped[list[CohortMember]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    due_dates: Mapped[list[DueDate]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="DueDate.due_at"
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.public_id} {self.name!r}>"


class CohortMember(db.Model):
    """A learner or instructor in a cohort. Leaving (or moving to another cohort) keeps the
    row with ``status`` and ``left_at``: the learner's work belongs to them, not the cohort."""

    __tablename__ = "cohort_members"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        CheckConstraint("role IN ('learner', 'instructor')", name="known_role"),
        CheckConstraint("status IN ('active', 'moved', 'withdrawn')", name="known_status"),
        Index("ix_cohort_members_cohort_status", "cohort_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="learner")
    status: Mapped[str] = mapped_column(String(16), default="active")
    # The employer that sends this learner (pays, gives time off, assigns a mentor).
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    joined_via: Mapped[str] = mapped_column(String(16), default="admin")  # code|roster|invite…
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    sponsor: Mapped[Organization | None] = relationship()


class DueDate(db.Model):
    """When a cohort's learners should have a lab submitted or a lesson's quiz answered.
    ``kind`` 'lab': ``ref`` is the lab id; 'quiz': the lesson's slug."""

    __tablename__ = "due_dates"
    __table_args__ = (
        UniqueConstraint("cohort_id", "kind", "ref"),
        CheckConstraint("kind IN ('lab', 'quiz')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    cohort: Mapped[Cohort] = relationship(back_populates="due_dates")

"""Lab submissions: stored before anything runs, so no learner's work is ever lost."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime, new_public_id, utcnow
from app.extensions import db


class LabSubmission(db.Model):
    """One submitted notebook and its grading. Status: queued → running → graded | failed.

    A submission left ``running`` by a crash is picked up again after its lease expires.
    """

    __tablename__ = "lab_submissions"
    __table_args__ = (
        # The state program's lab hours: graded first attempts in a period, read from the
        # index alone (no notebook text is touched).
        Index(
            "ix_lab_submissions_graded", "status", "attempt", "finished_at", "user_id", "lab_slug"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    lab_slug: Mapped[str] = mapped_column(String(100), index=True)
    # The course the lab was taken in: its framework is the one the grade is evidence for.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    seed: Mapped[int] = mapped_column(Integer)
    notebook: Mapped[str] = mapped_column(Text)  # the submitted .ipynb, as received
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # cells run
    steps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # cells to run
    tries: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float | None] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LabWorkspace(db.Model):
    """A learner's own copy of a lab's learner notebook, autosaved as they work.

    One per learner and lab. ``revision`` counts saves, so a page holding an older copy
    (a second tab, a reconnecting phone) is told instead of silently overwriting newer work.
    """

    __tablename__ = "lab_workspaces"
    __table_args__ = (UniqueConstraint("user_id", "lab_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lab_slug: Mapped[str] = mapped_column(String(100))
    lab_version: Mapped[str] = mapped_column(String(40))  # the source the copy was made from
    seed: Mapped[int] = mapped_column(Integer)
    notebook: Mapped[str] = mapped_column(Text)  # .ipynb JSON: the learner's cells as saved
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The last run of each code cell, by cell id: {"status", "outputs", "ran_at"}. Kept apart
    # from the notebook so a cell finishing never races with the learner's next save.
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SubmissionComment(db.Model):
    """An instructor's comment to the learner on one lab attempt."""

    __tablename__ = "submission_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("lab_submissions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScoreOverride(db.Model):
    """A manual score an instructor set on a graded attempt, with the reason the learner sees.
    Rows are never changed: the latest one is the attempt's score, earlier ones its history;
    ``total`` None clears the override (the autograded score counts again)."""

    __tablename__ = "score_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("lab_submissions.id", ondelete="CASCADE"), index=True
    )
    total: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AttemptGrant(db.Model):
    """Extra attempts at a lab granted to one learner beyond the lab's ``max_attempts``."""

    __tablename__ = "attempt_grants"
    __table_args__ = (Index("ix_attempt_grants_user_lab", "user_id", "lab_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lab_slug: Mapped[str] = mapped_column(String(100))
    extra: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

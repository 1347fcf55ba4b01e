"""Who belongs to which organization and in what role, how they were invited, what a learner
agreed to share with an employer, and the audit trail of every change to these."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models.organizations import Organization

if TYPE_CHECKING:
    from app.models.users import User

ROLE_TYPE = Enum(Role, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Membership(db.Model):
    """One person's role in one organization. A deactivated membership is kept (its history
    and the work done under it stay); it grants nothing."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id"),
        Index("ix_memberships_organization_role", "organization_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="memberships")
    organization: Mapped[Organization] = relationship()

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organization_id} {self.role.value}>"


class Invitation(db.Model):
    """A signed, expiring, single-use invitation to join an organization (and, for learners,
    a cohort) in a role. Only the SHA-256 of the emailed token is stored."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_organization_email", "organization_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class Consent(db.Model):
    """A learner's permission for an employer's staff to see their progress and credentials.
    Revoking sets ``revoked_at``; granting again adds a new row, so the history stays."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_user_organization", "user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(32), default="progress")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(db.Model):
    """Who changed what, and when: memberships, invitations, cohorts, rosters, grades.

    ``organization_id`` is the organization whose admins see the event; ``subject`` names
    what changed in words fit for them ("Ada Lovelace", "Cohort Fall 2026 evening")."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_organization_time", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "membership.role_changed"
    subject: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")  # a reason given by the actor
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()

"""Credentials Shopfloor issues, the status lists that say whether they still stand, the
endorsements partners sign, and every change made to them.

Written only by ``services.credentials`` (issuing, approval, revocation, the learner's sharing
settings) and ``services.status_lists``. A credential's signed JSON is stored as issued and
never rewritten: revocation and suspension change a bit in its status list, not the document.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.models.achievements import Achievement
    from app.models.organizations import Organization
    from app.models.users import User

# Credential.state
AWAITING_APPROVAL = "awaiting_approval"  # criteria met; an instructor of the issuer decides
ISSUED = "issued"
DECLINED = "declined"


class StatusList(db.Model):
    """One issuer's Bitstring Status List: a bit per credential, published as a signed
    BitstringStatusListCredential at ``/credentials/status/<public_id>``."""

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    issuer_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )  # None: the platform
    purpose: Mapped[str] = mapped_column(String(16), default="revocation")
    size: Mapped[int] = mapped_column(Integer)  # bits
    used: Mapped[int] = mapped_column(Integer, default=0)  # indexes handed out
    bits: Mapped[bytes] = mapped_column(LargeBinary)  # the raw bitstring, size / 8 bytes
    # Bumped on every change, so a published copy can be told stale and re-signed.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The signed list credential for ``version`` (None until first published).
    published: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Credential(db.Model):
    """One learner's credential for one achievement (at most one each: issued once)."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("user_id", "achievement_id"),
        # Never two credentials on one status bit, whatever the timing of their issue.
        UniqueConstraint("status_list_id", "status_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unguessable; names the credential in its URL and its ``id``.
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    issuer_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[str] = mapped_column(String(24), default=ISSUED)
    # [{"name", "narrative"}]: what earned it, as judged when the criteria were met.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    criteria_met_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the signed credential
    status_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_comment: Mapped[str] = mapped_column(String(1000), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_reason: Mapped[str] = mapped_column(String(1000), default="")
    # The learner's choices: whether the public page answers, and whether it shows their name.
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    show_name: Mapped[bool] = mapped_column(Boolean, default=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    achievement: Mapped[Achievement] = relationship()
    issuer: Mapped[Organization | None] = relationship()
    status_list: Mapped[StatusList | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None and self.revoked_at is None


class Endorsement(db.Model):
    """A partner's signed EndorsementCredential vouching for an achievement."""

    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("endorser_id", "achievement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    endorser_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    comment: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    endorser: Mapped[Organization] = relationship()
    achievement: Mapped[Achievement] = relationship()


class CredentialEvent(db.Model):
    """Who did what to a credential, when: issued, approved, declined, revoked, suspended,
    reinstated, made public or private."""

    __tablename__ = "credential_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()

"""The audit trail: who changed what, and when, shown to the organization's admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Organization, User

PAGE = 50


def record(
    org: Organization | None,
    actor: User | None,
    action: str,
    *,
    subject: str = "",
    details: dict[str, Any] | None = None,
    note: str = "",
    now: datetime,
) -> AuditEvent:
    """Add one event to *org*'s trail, in the caller's transaction (it lands with the change)."""
    event = AuditEvent(
        organization_id=org.id if org is not None else None,
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject=subject[:300],
        details=details or {},
        note=note,
        created_at=now,
    )
    db.session.add(event)
    return event


def for_organization(
    org: Organization, *, before: int | None = None, limit: int = PAGE
) -> list[AuditEvent]:
    """*org*'s events, newest first; *before* (an event id) pages back."""
    query = select(AuditEvent).where(AuditEvent.organization_id == org.id)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    query = query.order_by(AuditEvent.id.desc()).limit(limit)
    return list(db.session.scalars(query))

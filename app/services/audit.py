"""The audit trail: who changed what, and when, shown to the organization's admins."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.domain.roles import OrgKind, Role, role_title
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
    query = (
        select(AuditEvent)
        .where(AuditEvent.organization_id == org.id)
        .options(selectinload(AuditEvent.actor))
    )
    if before is not None:
        query = query.where(AuditEvent.id < before)
    query = query.order_by(AuditEvent.id.desc()).limit(limit)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    older: int | None  # the ``before`` of the next page back; None: this is the oldest


def page(org: Organization, *, before: int | None = None, size: int = PAGE) -> Page:
    """One page of *org*'s trail, newest first, and where the next (older) one starts."""
    events = for_organization(org, before=before, limit=size + 1)
    older = events[size - 1].id if len(events) > size else None
    return Page(events[:size], older)


# What each action did, in words for the organization's admins. {role}, {from} and {to} are
# role titles; other fields come from the event's details.
WORDS = {
    "organization.created": "Created the organization",
    "organization.edited": "Edited the organization's details",
    "membership.added": "Added as {role}",
    "membership.role_changed": "Changed role from {from} to {to}",
    "membership.deactivated": "Deactivated ({role})",
    "membership.reactivated": "Reactivated as {role}",
    "invitation.sent": "Invited as {role}",
    "invitation.resent": "Sent a new invitation as {role} (the earlier link stops working)",
    "invitation.withdrawn": "Withdrew the invitation as {role}",
    "invitation.accepted": "Accepted the invitation as {role}",
    "cohort.enrolled": "Enrolled in the cohort {cohort}",
    "cohort.created": "Created the cohort",
    "cohort.updated": "Edited the cohort",
    "cohort.instructor_added": "Added as an instructor of {cohort}",
    "cohort.instructor_removed": "Removed as an instructor of {cohort}",
    "cohort.join_code_changed": "Gave the cohort a new join code",
    "cohort.join_code_off": "Turned off joining the cohort by code",
    "cohort.withdrawn": "Withdrawn from {cohort}",
    "cohort.moved": "Moved from {from} to {to}",
    "cohort.sponsor_changed": "Employer in {cohort} set to {employer}",
    "cohort.roster_imported": "Imported a roster ({file})",
    "cohort.roster_sponsor": "Invited with employer {employer}",
    "cohort.due_dates_changed": "Changed the due dates",
    "cohort.sponsored": "Sent to {cohort} at {host}",
    "consent.granted": "Shared their progress with the company",
    "consent.withdrawn": "Stopped sharing their progress with the company",
    "apprenticeship.mentor_assigned": "Mentor changed from {from} to {to}",
    "lab.score_overridden": "Set the score of {lab} attempt {attempt} to {total} (was {was})",
    "lab.score_override_cleared": "Let the autograded score of {lab} attempt {attempt} count again",
    "lab.attempts_granted": "Granted {extra} more attempt(s) at {lab} (now {allowed})",
}


def describe(event: AuditEvent, kind: OrgKind) -> str:
    """What *event* did, in a sentence for an admin of an organization of *kind*."""
    details = event.details or {}
    values = {key: str(value) for key, value in details.items() if value is not None}
    for key in ("role", "from", "to"):
        if key in details:
            values[key] = _role(details[key], kind)
    template = WORDS.get(event.action)
    if template is None:
        return event.action.replace(".", ": ").replace("_", " ").capitalize()
    text = template.format_map(defaultdict(lambda: "—", values))  # "—": not recorded
    if event.action == "organization.edited" and details.get("changes"):
        text += ": " + ", ".join(details["changes"])
    if event.action == "invitation.sent" and details.get("cohort"):
        text += f", to the cohort {details['cohort']}"
    return text


def _role(value: object, kind: OrgKind) -> str:
    try:
        return role_title(Role(str(value)), kind).lower()
    except ValueError:
        return str(value)

"""A learner's permission for an employer to follow their course progress and credentials.

Granted and withdrawn by the learner alone; each grant is a row, withdrawing dates it, so the
history of who could see what, and when, stays. An employer sees nothing personal without an
active grant, whatever else links it to the learner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from app.domain.roles import OrgKind
from app.errors import InvalidInput
from app.extensions import db
from app.models import Apprenticeship, CohortMember, Consent, Membership, Organization, User
from app.services import audit

SCOPE = "progress"


@dataclass(frozen=True)
class EmployerLink:
    """An employer linked to a learner, and whether it may see their progress now."""

    org: Organization
    how: tuple[str, ...]  # "you work there", "it sponsors your place in …", …
    consent: Consent | None  # the active grant, if any
    history: tuple[Consent, ...]


def active(learner_id: int, org_id: int) -> Consent | None:
    return db.session.scalar(
        select(Consent).where(
            Consent.user_id == learner_id,
            Consent.organization_id == org_id,
            Consent.scope == SCOPE,
            Consent.revoked_at.is_(None),
        )
    )


def consenting(org: Organization, learner_ids: set[int]) -> dict[int, Consent]:
    """Of *learner_ids*, those who let *org* see their progress: learner id → grant."""
    if not learner_ids:
        return {}
    query = select(Consent).where(
        Consent.organization_id == org.id,
        Consent.scope == SCOPE,
        Consent.revoked_at.is_(None),
        Consent.user_id.in_(sorted(learner_ids)),
    )
    return {c.user_id: c for c in db.session.scalars(query)}


def consenting_query(org: Organization):
    """A query of the ids of the people who let *org* see their progress now."""
    return select(Consent.user_id).where(
        Consent.organization_id == org.id,
        Consent.scope == SCOPE,
        Consent.revoked_at.is_(None),
    )


def employers_of(learner: User) -> list[EmployerLink]:
    """Every employer linked to *learner*: they work there, it sponsors a cohort place, or
    it employs them as an apprentice; by name."""
    how: dict[int, list[str]] = {}
    for m in learner.memberships:
        if m.active and m.organization.kind is OrgKind.EMPLOYER:
            how.setdefault(m.organization_id, []).append("you belong to it")
    sponsored = db.session.execute(
        select(CohortMember.sponsor_id, CohortMember.cohort_id).where(
            CohortMember.user_id == learner.id,
            CohortMember.status == "active",
            CohortMember.sponsor_id.is_not(None),
        )
    )
    for sponsor_id, _ in sponsored:
        how.setdefault(sponsor_id, []).append("it sponsors your place in a cohort")
    employs = select(Apprenticeship.employer_id).where(
        Apprenticeship.apprentice_id == learner.id, Apprenticeship.employer_id.is_not(None)
    )
    for (employer_id,) in db.session.execute(employs):
        how.setdefault(employer_id, []).append("it employs you as an apprentice")
    # An employer granted before stays listed (so the learner can see and withdraw it).
    granted = select(Consent.organization_id).where(Consent.user_id == learner.id)
    for (org_id,) in db.session.execute(granted):
        how.setdefault(org_id, [])
    if not how:
        return []
    orgs = db.session.scalars(select(Organization).where(Organization.id.in_(sorted(how))))
    grants = db.session.scalars(
        select(Consent)
        .where(Consent.user_id == learner.id, Consent.organization_id.in_(sorted(how)))
        .order_by(Consent.granted_at.desc(), Consent.id.desc())
    ).all()
    links = []
    for org in orgs:
        history = tuple(c for c in grants if c.organization_id == org.id)
        current = next((c for c in history if c.revoked_at is None), None)
        links.append(EmployerLink(org, tuple(dict.fromkeys(how[org.id])), current, history))
    return sorted(links, key=lambda link: link.org.name.lower())


def grant(learner: User, org: Organization, *, now: datetime) -> Consent:
    """Let *org* see *learner*'s progress and credentials (already granted: unchanged)."""
    if org.kind is not OrgKind.EMPLOYER or not _linked(learner, org):
        raise InvalidInput("employer", "You can share your progress only with your employers.")
    found = active(learner.id, org.id)
    if found is not None:
        return found
    consent = Consent(user_id=learner.id, organization_id=org.id, scope=SCOPE, granted_at=now)
    db.session.add(consent)
    db.session.flush()
    audit.record(org, learner, "consent.granted", subject=learner.name, now=now)
    return consent


def withdraw(learner: User, org: Organization, *, now: datetime) -> bool:
    """Stop *org* seeing *learner*'s progress from now on; False when it could not."""
    found = active(learner.id, org.id)
    if found is None:
        return False
    found.revoked_at = now
    db.session.flush()
    audit.record(org, learner, "consent.withdrawn", subject=learner.name, now=now)
    return True


def _linked(learner: User, org: Organization) -> bool:
    member = select(Membership.id).where(
        Membership.user_id == learner.id,
        Membership.organization_id == org.id,
        Membership.active.is_(True),
    )
    sponsored = select(CohortMember.id).where(
        CohortMember.user_id == learner.id,
        CohortMember.sponsor_id == org.id,
        CohortMember.status == "active",
    )
    employs = select(Apprenticeship.id).where(
        Apprenticeship.apprentice_id == learner.id, Apprenticeship.employer_id == org.id
    )
    query = select(
        or_(
            member.exists(),
            sponsored.exists(),
            employs.exists(),
        )
    )
    return bool(db.session.scalar(query))

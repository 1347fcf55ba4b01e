"""Organizations and the people in them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Organization, User

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class NewOrganization:
    slug: str
    name: str
    kind: OrgKind
    location: str = ""
    description: str = ""


def create(new: NewOrganization, *, now: datetime) -> Organization:
    """Create an organization; raise InvalidInput or Conflict (slug taken)."""
    if not SLUG.match(new.slug) or len(new.slug) > 64:
        raise InvalidInput(
            "slug", "Use lower-case letters, digits and single hyphens (at most 64), e.g. 'tri-c'."
        )
    name = " ".join(new.name.split())
    if not name or len(name) > 200:
        raise InvalidInput("name", "Give a name of 1 to 200 characters.")
    if len(new.location) > 120 or len(new.description) > 500:
        raise InvalidInput("description", "Location is at most 120 characters, description 500.")
    if db.session.scalar(select(Organization).where(Organization.slug == new.slug)):
        raise Conflict(f"An organization with the slug '{new.slug}' already exists.")
    org = Organization(
        slug=new.slug,
        name=name,
        kind=new.kind,
        location=new.location.strip(),
        description=new.description.strip(),
        created_at=now,
    )
    db.session.add(org)
    db.session.flush()
    return org


def get_by_slug(slug: str) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound(f"No organization called '{slug}'.")
    return org


def list_all() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def members(org: Organization, *, role: Role | None = None) -> list[User]:
    query = select(User).where(User.organization_id == org.id)
    if role is not None:
        query = query.where(User.role == role)
    return list(db.session.scalars(query.order_by(User.name)))


def role_counts(org: Organization | None = None) -> dict[Role, int]:
    """How many users hold each role (within *org*, or across the platform)."""
    query = select(User.role, func.count()).group_by(User.role)
    if org is not None:
        query = query.where(User.organization_id == org.id)
    counts = Counter(dict(db.session.execute(query).all()))
    return {role: counts.get(role, 0) for role in Role}


def member_counts() -> dict[int, int]:
    """Organization id → number of members."""
    query = select(User.organization_id, func.count()).group_by(User.organization_id)
    return {org_id: n for org_id, n in db.session.execute(query) if org_id is not None}

"""Listing and administering user accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.domain.roles import Role
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.models import Organization, User
from app.services import accounts, login_sessions, memberships


def get_by_email(email: str) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        raise NotFound(f"No account for {email}.")
    return user


def assign(
    user: User, *, role: Role, org: Organization | None, actor: User | None = None, now: datetime
) -> None:
    """Give *user* *role* in *org* (added to their memberships; their primary organization
    if they had none), or, without *org*, make them a platform admin or a learner of no
    organization. Their open sessions continue with the new role."""
    if org is not None:
        memberships.add(user, org, role, actor=actor, now=now)
        return
    if role not in (Role.PLATFORM_ADMIN, Role.APPRENTICE):
        raise InvalidInput("org", f"A {role.label.lower()} belongs to an organization; name it.")
    user.role = role
    db.session.flush()


def set_active(user: User, active: bool) -> None:
    """(De)activate an account. Deactivating signs it out everywhere at once."""
    user.active = active
    if not active:
        login_sessions.end_all(user)
    db.session.flush()


def list_users(*, role: Role | None = None, org: Organization | None = None) -> list[User]:
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if role is not None:
        query = query.where(User.role == role)
    if org is not None:
        query = query.where(User.id.in_(memberships.people_in({org.id})))
    return list(db.session.scalars(query))


def recent(limit: int = 10) -> list[User]:
    query = select(User).order_by(User.created_at.desc(), User.id.desc()).limit(limit)
    return list(db.session.scalars(query))

"""Listing and administering user accounts."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import Organization, User


def list_users(*, role: Role | None = None, org: Organization | None = None) -> list[User]:
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if role is not None:
        query = query.where(User.role == role)
    if org is not None:
        query = query.where(User.organization_id == org.id)
    return list(db.session.scalars(query))


def recent(limit: int = 10) -> list[User]:
    query = select(User).order_by(User.created_at.desc(), User.id.desc()).limit(limit)
    return list(db.session.scalars(query))

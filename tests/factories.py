"""Plain functions that make test records with overridable defaults.

Hashing with Argon2 takes about 0.1 s, so each distinct password is hashed once per run.
"""

from __future__ import annotations

import itertools
from functools import cache

from app.database import utcnow
from app.domain import passwords
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Organization, User

PASSWORD = "correct-horse-battery-staple"
_serial = itertools.count(1)


@cache
def password_hash(password: str) -> str:
    return passwords.hash_password(password)


def make_org(
    *, slug: str | None = None, name: str | None = None, kind: OrgKind = OrgKind.TRAINING_PARTNER
) -> Organization:
    n = next(_serial)
    org = Organization(
        slug=slug or f"org-{n}",
        name=name or f"Test College {n}",
        kind=kind,
        location="Testville, OH",
        description="",
        created_at=utcnow(),
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    role: Role = Role.APPRENTICE,
    org: Organization | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    n = next(_serial)
    user = User(
        email=email or f"user{n}@shopfloor.example",
        name=name or f"Test User {n}",
        password_hash=password_hash(password),
        role=role,
        organization=org,
        active=active,
        created_at=utcnow(),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user

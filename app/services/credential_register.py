"""An issuing organization's register of its credentials: filtered, paged, and as CSV.

Standing is worked out in SQL the way ``credentials.standing`` words it, so that filtering and
paging happen in the database, not over every row in memory.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from math import ceil

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.domain.spreadsheets import safe_cell as spreadsheet_safe
from app.extensions import db
from app.models import Achievement, Credential, Organization, User
from app.models.credentials import AWAITING_APPROVAL, DECLINED, ISSUED
from app.services import credentials

PER_PAGE = 50
CSV_CAP = 10_000  # rows in one download; the filters narrow a larger register
# Display order of the standing filter.
STANDINGS = ("valid", "suspended", "revoked", "expired", AWAITING_APPROVAL, DECLINED)
STANDING_LABELS = credentials.STANDING_LABELS
CSV_HEADER = [
    "learner",
    "email",
    "achievement",
    "criteria_met_on",
    "issued_on",
    "valid_until",
    "standing",
    "reason",
    "credential_url",
]


@dataclass(frozen=True)
class Filters:
    """What the register shows: empty strings show everything."""

    standing: str = ""
    achievement: str = ""  # slug
    learner: str = ""  # part of the learner's name or email


@dataclass(frozen=True)
class Line:
    credential: Credential
    standing: str


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    total: int
    number: int
    pages: int


def _standing_is(standing: str, now: datetime) -> ColumnElement[bool] | None:
    issued = Credential.state == ISSUED
    standing_ = and_(issued, Credential.revoked_at.is_(None), Credential.suspended_at.is_(None))
    return {
        AWAITING_APPROVAL: Credential.state == AWAITING_APPROVAL,
        DECLINED: Credential.state == DECLINED,
        "revoked": and_(issued, Credential.revoked_at.is_not(None)),
        "suspended": and_(
            issued, Credential.revoked_at.is_(None), Credential.suspended_at.is_not(None)
        ),
        "expired": and_(standing_, Credential.valid_until <= now),
        "valid": and_(
            standing_, or_(Credential.valid_until.is_(None), Credential.valid_until > now)
        ),
    }.get(standing)


def _query(org: Organization, filters: Filters, now: datetime):
    query = (
        select(Credential)
        .join(User, Credential.user_id == User.id)
        .join(Achievement, Credential.achievement_id == Achievement.id)
        .where(Credential.issuer_id == org.id)
    )
    condition = _standing_is(filters.standing, now)
    if condition is not None:
        query = query.where(condition)
    if filters.achievement:
        query = query.where(Achievement.slug == filters.achievement)
    words = filters.learner.strip()
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        query = query.where(
            or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    return query


def _ordered(query):
    return query.options(
        selectinload(Credential.user), selectinload(Credential.achievement)
    ).order_by(
        func.coalesce(Credential.issued_at, Credential.criteria_met_at).desc(),
        Credential.id.desc(),
    )


def _lines(query, now: datetime) -> list[Line]:
    return [Line(c, credentials.standing(c, now=now)) for c in db.session.scalars(query)]


def page(
    org: Organization, filters: Filters, *, number: int, now: datetime, per_page: int = PER_PAGE
) -> Page:
    """One page (from 1; past the end gives the last) of *org*'s credentials, newest first."""
    query = _query(org, filters, now)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, ceil(total / per_page))
    number = min(max(1, number), pages)
    rows = _ordered(query).limit(per_page).offset((number - 1) * per_page)
    return Page(_lines(rows, now), total, number, pages)


def achievements_of(org: Organization) -> list[Achievement]:
    """The achievements *org* has credentials for, by name (the register's filter)."""
    held = select(Credential.achievement_id).where(Credential.issuer_id == org.id)
    query = select(Achievement).where(Achievement.id.in_(held)).order_by(Achievement.name)
    return list(db.session.scalars(query))


def as_csv(org: Organization, filters: Filters, *, now: datetime) -> str:
    """The filtered register as a spreadsheet opens it (at most CSV_CAP rows, newest first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for line in _lines(_ordered(_query(org, filters, now)).limit(CSV_CAP), now):
        found = line.credential
        writer.writerow(
            [
                spreadsheet_safe(found.user.name),
                spreadsheet_safe(found.user.email),
                spreadsheet_safe(found.achievement.name),
                found.criteria_met_at.date().isoformat(),
                found.issued_at.date().isoformat() if found.issued_at else "",
                found.valid_until.date().isoformat() if found.valid_until else "",
                line.standing,
                spreadsheet_safe(_reason(line)),
                credentials.credential_url(found.public_id) if found.state == ISSUED else "",
            ]
        )
    return out.getvalue()


def _reason(line: Line) -> str:
    """Why it stands as it does: the revocation or suspension reason, or why it was declined."""
    if line.standing in ("revoked", "suspended"):
        return line.credential.status_reason
    return line.credential.decision_comment if line.standing == DECLINED else ""

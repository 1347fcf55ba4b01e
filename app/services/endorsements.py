"""Partners vouching for achievements: signed Open Badges 3.0 EndorsementCredentials.

An organization endorses an achievement at most once at a time. Credentials signed while an
endorsement stands embed it (``services.credentials``); withdrawing it leaves those copies as
they were signed, and its public address answers 410 Gone. Flushes only.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.credentials import ob3
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Achievement, Endorsement, Organization, User
from app.services import achievements, credentials, keys

logger = logging.getLogger(__name__)

MAX_COMMENT = 1000


def endorsement_url(public_id: str) -> str:
    """The endorsement's ``id``: its public JSON."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/endorsements/{public_id}"


def endorse(
    org: Organization, achievement: Achievement, comment: str, *, actor: User, now: datetime
) -> Endorsement:
    """Sign *org*'s endorsement of *achievement* with *org*'s active key.

    Raises InvalidInput (comment, archived achievement), Conflict (it already endorses it)
    or NotFound (no signing key; nothing is stored). A withdrawn endorsement is replaced by
    the new one, under a new address.
    """
    text = (comment or "").strip()
    if not text:
        raise InvalidInput("comment", "Say why you endorse it: verifiers and employers read this.")
    if len(text) > MAX_COMMENT:
        raise InvalidInput("comment", f"Keep the comment to {MAX_COMMENT} characters.")
    if achievement.archived_at is not None:
        raise InvalidInput(None, f"{achievement.name} is archived: it is no longer issued.")
    row = _of(org, achievement)
    if row is not None and row.withdrawn_at is None:
        raise Conflict(f"{org.name} already endorses {achievement.name}.")
    method, private_key = keys.signing_key(org)
    public_id = str(uuid.uuid4())
    unsigned = ob3.build_endorsement_credential(
        id=endorsement_url(public_id),
        issuer=credentials.issuer_profile(org),
        endorsed_id=credentials.achievement_url(achievement.slug),
        comment=text,
        valid_from=now,
        name=f"{org.name} endorses {achievement.name}",
    )
    document = ob3.sign_credential(unsigned, private_key, verification_method=method, created=now)
    if row is None:
        row = Endorsement(endorser_id=org.id, achievement_id=achievement.id)
        db.session.add(row)
    row.public_id, row.comment, row.document = public_id, text, document
    row.created_by_id, row.created_at, row.withdrawn_at = actor.id, now, None
    row.endorser, row.achievement = org, achievement
    db.session.flush()
    logger.info("%s endorsed %s (%s)", org.slug, achievement.slug, public_id)
    return row


def withdraw(endorsement: Endorsement, actor: User, *, now: datetime) -> None:
    """Withdraw an endorsement: new credentials no longer embed it (Conflict if withdrawn)."""
    if endorsement.withdrawn_at is not None:
        raise Conflict("This endorsement is already withdrawn.")
    endorsement.withdrawn_at = now
    db.session.flush()
    logger.info("endorsement %s withdrawn by user %s", endorsement.public_id, actor.id)


def get(public_id: str) -> Endorsement:
    """The endorsement at this public id, withdrawn or not (NotFound otherwise)."""
    query = (
        select(Endorsement)
        .where(Endorsement.public_id == public_id)
        .options(selectinload(Endorsement.endorser), selectinload(Endorsement.achievement))
    )
    found = db.session.scalar(query)
    if found is None:
        raise NotFound("There is no endorsement at this address.")
    return found


@dataclass(frozen=True)
class Line:
    """One achievement *org* may endorse, and its endorsement of it (standing or withdrawn)."""

    achievement: Achievement
    endorsement: Endorsement | None
    signed_by: str  # the name of who endorsed it ("" when unknown)

    @property
    def standing(self) -> bool:
        return self.endorsement is not None and self.endorsement.withdrawn_at is None


def lines(org: Organization) -> list[Line]:
    """Every current achievement, by name, with *org*'s endorsement of it if any."""
    query = select(Endorsement).where(Endorsement.endorser_id == org.id)
    found = {row.achievement_id: row for row in db.session.scalars(query)}
    author_ids = {row.created_by_id for row in found.values() if row.created_by_id}
    authors = select(User.id, User.name).where(User.id.in_(author_ids))
    names = dict(db.session.execute(authors).all())
    result = []
    for achievement in achievements.current():
        endorsement = found.get(achievement.id)
        author = names.get(endorsement.created_by_id, "") if endorsement is not None else ""
        result.append(Line(achievement, endorsement, author))
    return result


def endorsable(slug: str) -> Achievement:
    """The current achievement *slug* (NotFound if there is none, or it is archived)."""
    found = next((row for row in achievements.current() if row.slug == slug), None)
    if found is None:
        raise NotFound("There is no current achievement with this id.")
    return found


def _of(org: Organization, achievement: Achievement) -> Endorsement | None:
    query = select(Endorsement).where(
        Endorsement.endorser_id == org.id, Endorsement.achievement_id == achievement.id
    )
    return db.session.scalar(query)

"""Issuing Open Badges 3.0 credentials, and everything that happens to them afterwards.

A learner who meets an achievement's criteria gets one credential for it, ever: signed at
once, or held for an instructor of the issuing partner when the achievement asks for
approval. The issuer is the partner that trains the learner (the platform appears as the
achievement's creator); revocation and suspension flip the credential's bit in the issuer's
status list. Every change is an event with who, what, when and why. Flushes only.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.content.achievements import duration_days
from app.credentials import ob3
from app.domain.achievements import Evaluation, RuleResult
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from app.models import (
    Achievement,
    Credential,
    CredentialEvent,
    Endorsement,
    Organization,
    User,
)
from app.models.credentials import AWAITING_APPROVAL, DECLINED, ISSUED
from app.services import keys, status_lists

PLATFORM_NAME = "Shopfloor"
MAX_REASON = 1000


# -- Addresses ------------------------------------------------------------------------------


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def credential_url(public_id: str) -> str:
    """The credential's ``id``: its public page, which also answers JSON."""
    return f"{_base()}/credentials/{public_id}"


def achievement_url(slug: str) -> str:
    """The achievement's public page (what it certifies and its criteria)."""
    return f"{_base()}/badges/{slug}"


def artwork_url(slug: str, issuer: Organization | None) -> str:
    """The achievement's artwork as *issuer* brands it."""
    suffix = f"?issuer={issuer.slug}" if issuer is not None else ""
    return f"{_base()}/badges/{slug}/image.svg{suffix}"


def _case_item_url(uuid_text: str) -> str:
    return f"{_base()}/ims/case/v1p1/CFItems/{uuid_text}"


# -- Profiles and achievements as Open Badges 3.0 sees them ---------------------------------


def platform_profile() -> ob3.Profile:
    return ob3.Profile(
        id=keys.platform_did(),
        name=PLATFORM_NAME,
        url=_base(),
        description="Shopfloor, the open learning and apprenticeship platform for smart "
        "manufacturing, which defines this achievement and its criteria.",
    )


def issuer_profile(org: Organization | None) -> ob3.Profile:
    """*org* as an OB 3.0 Profile: its did:web, name, address, logo, identifiers and parent."""
    if org is None:
        return platform_profile()
    identifiers = []
    if org.ipeds_unit_id:
        identifiers.append(ob3.IdentifierEntry(org.ipeds_unit_id, "ext:IPEDSUnitID"))
    if org.opeid:
        identifiers.append(ob3.IdentifierEntry(org.opeid, "ext:OPEID"))
    return ob3.Profile(
        id=keys.did_for(org),
        name=org.name,
        url=org.website or f"{_base()}/orgs/{org.slug}",
        description=org.description or None,
        image=logo_image(org),
        other_identifiers=tuple(identifiers),
        parent_org=_parent_profile(org.parent),
    )


def logo_image(org: Organization) -> ob3.Image | None:
    """*org*'s logo at its public address (which always shows the current one), if it has one."""
    if not org.has_logo:
        return None
    return ob3.Image(f"{_base()}/orgs/{org.slug}/logo.png", caption=f"{org.name} logo")


def _parent_profile(parent: Organization | None) -> ob3.Profile | None:
    if parent is None:
        return None
    return ob3.Profile(
        id=keys.did_for(parent),
        name=parent.name,
        url=parent.website or f"{_base()}/orgs/{parent.slug}",
    )


def achievement_of(row: Achievement, issuer: Organization | None) -> ob3.Achievement:
    """The OB 3.0 Achievement for *row*, with its CASE alignments and co-branded artwork."""
    alignments = tuple(
        ob3.Alignment(
            target_name=f"{item['code']} {item['name']}".strip(),
            target_url=_case_item_url(item["uuid"]),
            target_framework=item.get("framework"),
            target_code=item["code"],
            target_type="CFItem",
            target_description=item.get("description") or None,
        )
        for item in row.alignments
        if item.get("uuid") and item.get("code")
    )
    return ob3.Achievement(
        id=achievement_url(row.slug),
        name=row.name,
        description=row.description or row.name,
        criteria_narrative=row.criteria.get("narrative") or row.description or row.name,
        criteria_id=f"{achievement_url(row.slug)}#criteria",
        achievement_type=row.achievement_type or None,
        image=ob3.Image(artwork_url(row.slug, issuer), caption=f"{row.name} badge"),
        alignments=alignments,
        creator=platform_profile(),
        tags=tuple(row.tags),
    )


# -- Who issues ------------------------------------------------------------------------------


def issuer_for(user: User, achievement: Achievement) -> Organization | None:
    """The partner that trains *user* and may issue *achievement*, or None (nobody yet)."""
    if user.organization is not None and user.organization.slug in achievement.issuers:
        return user.organization  # the primary organization first
    for membership in sorted(user.memberships, key=lambda m: (m.created_at, m.id)):
        org = membership.organization
        if membership.active and org.slug in achievement.issuers:
            return org
    return None


def can_sign(org: Organization | None) -> bool:
    """Whether *org* has an active signing key."""
    try:
        keys.signing_key(org)
    except NotFound:
        return False
    return True


# -- Issuing --------------------------------------------------------------------------------


def evidence_of(evaluation: Evaluation) -> list[dict[str, Any]]:
    """What earned the achievement, one item per rule, in the evaluator's plain words."""
    return [
        {"name": _sentence(result.done) or "Criterion met", "genre": _genre(result)}
        for result in evaluation.rules
        if result.met
    ]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _genre(result: RuleResult) -> str:
    """The kind of evidence, in OB 3.0's free-text ``genre``."""
    kind = type(result.rule).__name__.removesuffix("Rule")
    return {"Mastery": "Competency", "Lab": "Lab", "Course": "Course"}.get(kind, "Apprenticeship")


def held(user_id: int, achievement_id: int) -> Credential | None:
    query = select(Credential).where(
        Credential.user_id == user_id, Credential.achievement_id == achievement_id
    )
    return db.session.scalar(query)


def award(
    user: User,
    achievement: Achievement,
    *,
    issuer: Organization | None,
    evidence: list[dict[str, Any]],
    now: datetime,
    actor: User | None = None,
) -> Credential:
    """Give *user* their credential for *achievement* (Conflict if they have one).

    Signed now, unless the achievement asks for an instructor's approval first.
    """
    if held(user.id, achievement.id) is not None:
        raise Conflict(f"{user.name} already has a credential for {achievement.name}.")
    if achievement.archived_at is not None:
        raise InvalidInput(None, f"{achievement.name} is archived: it is no longer issued.")
    if issuer is not None and issuer.slug not in achievement.issuers:
        raise InvalidInput(None, f"{issuer.name} does not issue {achievement.name}.")
    credential = Credential(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        achievement_id=achievement.id,
        issuer_id=issuer.id if issuer is not None else None,
        state=AWAITING_APPROVAL if achievement.instructor_approval else ISSUED,
        evidence=evidence,
        criteria_met_at=now,
    )
    credential.user, credential.achievement, credential.issuer = user, achievement, issuer
    db.session.add(credential)
    db.session.flush()
    _event(credential, "criteria_met", actor, "", now)
    if credential.state == ISSUED:
        _sign(credential, now=now)
        _event(credential, "issued", actor, "", now)
    return credential


def _sign(credential: Credential, *, now: datetime) -> None:
    """Build, validate and sign the credential's document; allocate its status entry."""
    issuer, row = credential.issuer, credential.achievement
    method, private_key = keys.signing_key(issuer)  # NotFound before anything is allocated
    status_list, index = status_lists.allocate(issuer, now=now)
    credential.status_list_id, credential.status_index = status_list.id, index
    days = duration_days(row.valid_for) if row.valid_for else None
    valid_until = now + timedelta(days=days) if days else None
    unsigned = ob3.build_achievement_credential(
        id=credential_url(credential.public_id),
        issuer=issuer_profile(issuer),
        achievement=dataclasses.replace(
            achievement_of(row, issuer), endorsements=tuple(_endorsements_of(row))
        ),
        subject=ob3.Subject(
            hashed_email=ob3.HashedEmail(credential.user.email, secrets.token_hex(16)),
            activity_end=credential.criteria_met_at,
        ),
        valid_from=now,
        valid_until=valid_until,
        status=ob3.Status(status_lists.list_url(status_list), index, status_list.purpose),
        evidence=tuple(
            ob3.Evidence(name=item["name"], genre=item.get("genre")) for item in credential.evidence
        ),
    )
    credential.document = ob3.sign_credential(
        unsigned, private_key, verification_method=method, created=now
    )
    credential.state, credential.issued_at, credential.valid_until = ISSUED, now, valid_until


def _endorsements_of(achievement: Achievement) -> list[dict[str, Any]]:
    query = select(Endorsement).where(
        Endorsement.achievement_id == achievement.id, Endorsement.withdrawn_at.is_(None)
    )
    return [row.document for row in db.session.scalars(query.order_by(Endorsement.id))]


def approve(credential: Credential, actor: User, *, now: datetime, comment: str = "") -> None:
    """An instructor of the issuer approves a credential awaiting approval: it is signed."""
    if credential.state != AWAITING_APPROVAL:
        raise Conflict("This credential is not awaiting approval.")
    _not_own(credential, actor)
    comment = _reason(comment, required=False)
    _sign(credential, now=now)
    credential.decided_by_id, credential.decided_at = actor.id, now
    credential.decision_comment = comment
    _event(credential, "approved", actor, credential.decision_comment, now)
    _event(credential, "issued", actor, "", now)


def decline(credential: Credential, actor: User, *, now: datetime, comment: str) -> None:
    """Decline a credential awaiting approval (a reason is required; it can be approved later)."""
    if credential.state != AWAITING_APPROVAL:
        raise Conflict("This credential is not awaiting approval.")
    _not_own(credential, actor)
    reason = _reason(comment)
    credential.state = DECLINED
    credential.decided_by_id, credential.decided_at = actor.id, now
    credential.decision_comment = reason
    _event(credential, "declined", actor, credential.decision_comment, now)


def reconsider(credential: Credential, actor: User, *, now: datetime) -> None:
    """Put a declined credential back in the approval queue."""
    if credential.state != DECLINED:
        raise Conflict("Only a declined credential can be reconsidered.")
    credential.state = AWAITING_APPROVAL
    _event(credential, "reconsidered", actor, "", now)


# -- Status ---------------------------------------------------------------------------------


def _not_own(credential: Credential, actor: User | None) -> None:
    if actor is not None and actor.id == credential.user_id:
        raise PermissionDenied("Nobody decides on their own credential: another instructor does.")


def _issued(credential: Credential) -> None:
    if credential.state != ISSUED or credential.status_list is None:
        raise Conflict("Only an issued credential can be revoked, suspended or reinstated.")


def revoke(credential: Credential, actor: User | None, *, reason: str, now: datetime) -> None:
    """Revoke for good: the status bit is set and stays set."""
    _issued(credential)
    _not_own(credential, actor)
    if credential.revoked:
        raise Conflict("This credential is already revoked.")
    reason = _reason(reason)
    credential.revoked_at, credential.status_reason = now, reason
    status_lists.set_bit(credential.status_list, credential.status_index, True, now=now)
    _event(credential, "revoked", actor, credential.status_reason, now)


def suspend(credential: Credential, actor: User | None, *, reason: str, now: datetime) -> None:
    """Suspend until reinstated. The published bit is the revocation bit, so every verifier
    reports the credential as not standing while it is suspended."""
    _issued(credential)
    _not_own(credential, actor)
    if credential.revoked or credential.suspended:
        raise Conflict("This credential is already revoked or suspended.")
    reason = _reason(reason)
    credential.suspended_at, credential.status_reason = now, reason
    status_lists.set_bit(credential.status_list, credential.status_index, True, now=now)
    _event(credential, "suspended", actor, credential.status_reason, now)


def reinstate(credential: Credential, actor: User | None, *, reason: str, now: datetime) -> None:
    """Lift a suspension (a revocation cannot be lifted)."""
    _issued(credential)
    _not_own(credential, actor)
    if not credential.suspended:
        raise Conflict("Only a suspended credential can be reinstated.")
    reason = _reason(reason, required=False)
    credential.suspended_at, credential.status_reason = None, ""
    status_lists.set_bit(credential.status_list, credential.status_index, False, now=now)
    _event(credential, "reinstated", actor, reason, now)


STANDING_LABELS = {
    "valid": "Valid",
    "suspended": "Suspended",
    "revoked": "Revoked",
    "expired": "Expired",
    AWAITING_APPROVAL: "Awaiting approval",
    DECLINED: "Declined",
}


def standing(credential: Credential, *, now: datetime) -> str:
    """One word for how the credential stands: awaiting_approval, declined, revoked,
    suspended, expired or valid."""
    if credential.state != ISSUED:
        return credential.state
    if credential.revoked:
        return "revoked"
    if credential.suspended:
        return "suspended"
    if credential.valid_until is not None and credential.valid_until <= now:
        return "expired"
    return "valid"


# -- The learner's choices ------------------------------------------------------------------


def set_sharing(
    credential: Credential, *, public: bool, show_name: bool, actor: User, now: datetime
) -> None:
    """The holder decides whether the public page answers and whether it shows their name."""
    if credential.state != ISSUED:
        raise Conflict("Only an issued credential can be shared.")
    if public != credential.public:
        _event(credential, "made_public" if public else "made_private", actor, "", now)
    credential.public, credential.show_name = public, show_name


# -- Reading --------------------------------------------------------------------------------


def get(public_id: str) -> Credential:
    """The credential with this public id (NotFound otherwise); callers apply the policy."""
    query = (
        select(Credential)
        .where(Credential.public_id == public_id)
        .options(selectinload(Credential.achievement), selectinload(Credential.issuer))
    )
    credential = db.session.scalar(query)
    if credential is None:
        raise NotFound("There is no credential at this address.")
    return credential


def of_user(user_id: int) -> list[Credential]:
    """Every credential of a learner (issued, awaiting approval, declined), newest first."""
    query = (
        select(Credential)
        .where(Credential.user_id == user_id)
        .options(selectinload(Credential.achievement), selectinload(Credential.issuer))
        .order_by(Credential.criteria_met_at.desc(), Credential.id.desc())
    )
    return list(db.session.scalars(query))


def awaiting_approval(issuer_ids: Iterable[int | None]) -> list[Credential]:
    """Credentials awaiting approval by the given issuers, oldest first."""
    ids = [i for i in issuer_ids if i is not None]
    if not ids:
        return []
    query = (
        select(Credential)
        .where(Credential.state == AWAITING_APPROVAL, Credential.issuer_id.in_(ids))
        .options(selectinload(Credential.achievement), selectinload(Credential.user))
        .order_by(Credential.criteria_met_at, Credential.id)
    )
    return list(db.session.scalars(query))


def issued_by(issuer_id: int, *, limit: int = 500) -> list[Credential]:
    """The credentials an organization has issued or holds for approval, newest first."""
    query = (
        select(Credential)
        .where(Credential.issuer_id == issuer_id)
        .options(selectinload(Credential.achievement), selectinload(Credential.user))
        .order_by(Credential.criteria_met_at.desc(), Credential.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def events_of(credential: Credential) -> list[CredentialEvent]:
    query = (
        select(CredentialEvent)
        .where(CredentialEvent.credential_id == credential.id)
        .order_by(CredentialEvent.created_at, CredentialEvent.id)
    )
    return list(db.session.scalars(query))


# -- Helpers --------------------------------------------------------------------------------


def _reason(text: str, *, required: bool = True) -> str:
    value = " ".join((text or "").split())
    if required and not value:
        raise InvalidInput("reason", "Give a reason: the learner and the record will show it.")
    if len(value) > MAX_REASON:
        raise InvalidInput("reason", f"Keep the reason to {MAX_REASON} characters.")
    return value


def _event(
    credential: Credential, action: str, actor: User | None, reason: str, now: datetime
) -> None:
    db.session.add(
        CredentialEvent(
            credential_id=credential.id,
            action=action,
            actor_id=actor.id if actor is not None else None,
            reason=reason,
            created_at=now,
        )
    )

"""A learner's Comprehensive Learner Record (CLR 2.0): their standing credentials and the
competencies they have mastered, in one ClrCredential signed when they download it.

The record is signed by the learner's college when it has a signing key, otherwise by the
platform. It is not stored: each download is signed afresh and says so in its date.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.credentials import clr, ob3
from app.domain.roles import OrgKind
from app.errors import NotFound
from app.extensions import db
from app.models import Competency, Framework, MasteryState, User
from app.services import credentials, keys


def standing_credentials(user: User, *, now: datetime) -> list[dict[str, Any]]:
    """The signed documents of the learner's credentials that stand today."""
    return [
        row.document
        for row in credentials.of_user(user.id)
        if row.document is not None and credentials.standing(row, now=now) == "valid"
    ]


def mastered(user: User) -> list[ob3.Achievement]:
    """Each competency the learner has mastered, as a Competency achievement (its CASE item)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    query = (
        select(Competency, Framework, MasteryState.updated_at)
        .join(MasteryState, MasteryState.competency_id == Competency.id)
        .join(Framework, Framework.id == Competency.framework_id)
        .where(MasteryState.user_id == user.id, MasteryState.mastered.is_(True))
        .order_by(Framework.slug, Competency.position, Competency.code)
    )
    return [
        ob3.Achievement(
            id=f"{base}/ims/case/v1p1/CFItems/{competency.uuid}",
            name=f"{competency.code} {competency.title}",
            description=competency.description or competency.title,
            criteria_narrative=(
                f"Mastered in the {framework.title} framework, as its mastery rules judge the "
                f"learner's assessed evidence (as of {since:%Y-%m-%d})."
            ),
            achievement_type="Competency",
            human_code=competency.code,
        )
        for competency, framework, since in db.session.execute(query)
    ]


def signer(user: User) -> tuple[Any, str]:
    """(organization or None for the platform, its name): who signs *user*'s record."""
    ordered = sorted(
        user.memberships, key=lambda m: (m.organization_id != user.organization_id, m.id)
    )
    for membership in ordered:
        org = membership.organization
        if membership.active and org.kind is OrgKind.TRAINING_PARTNER and credentials.can_sign(org):
            return org, org.name
    if credentials.can_sign(None):
        return None, credentials.PLATFORM_NAME
    raise NotFound(
        "Neither your college nor the platform has a signing key yet, so no learner record "
        "can be signed. An administrator runs `flask keys generate`."
    )


def build(user: User, *, now: datetime) -> dict[str, Any]:
    """The learner's signed ClrCredential; NotFound when there is nothing to bundle yet."""
    held = standing_credentials(user, now=now)
    if not held:
        raise NotFound("Your learner record bundles your credentials: you hold none yet.")
    org, _ = signer(user)
    method, private_key = keys.signing_key(org)
    unsigned = clr.build_clr_credential(
        id=f"urn:uuid:{uuid.uuid4()}",
        issuer=credentials.issuer_profile(org),
        learner=clr.Learner(hashed_email=ob3.HashedEmail(user.email, secrets.token_hex(16))),
        name=f"Comprehensive Learner Record of {user.name}",
        description=(
            f"{len(held)} credential(s) and the competencies mastered on Shopfloor, "
            f"as of {now:%Y-%m-%d}."
        ),
        valid_from=now,
        credentials=held,
        achievements=mastered(user),
    )
    return ob3.sign_credential(unsigned, private_key, verification_method=method, created=now)

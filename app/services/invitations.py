"""Invitations to join an organization (and, for learners, a cohort) in a role.

Each is for one email address, expires, and works once. The emailed token is 256 random bits;
only its SHA-256 is stored, so a copy of the database invites nobody. Accepting adds the
membership (and the cohort place) in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.database import new_public_id
from app.domain.roles import Role, role_title
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.mail import Mailer, Message
from app.models import Cohort, Invitation, Organization, User
from app.services import accounts, audit, memberships

LIFETIME = timedelta(days=14)
MAX_TOKEN = 128


@dataclass(frozen=True)
class Issued:
    """A new invitation and the token its link carries (shown or mailed once, never stored)."""

    invitation: Invitation
    token: str


def create(
    org: Organization,
    email: str,
    role: Role,
    *,
    actor: User | None,
    now: datetime,
    name: str = "",
    cohort: Cohort | None = None,
    lifetime: timedelta = LIFETIME,
) -> Issued:
    """Invite *email* to *org* in *role* (to *cohort* too, as a learner).

    An earlier pending invitation of the same address to *org* is withdrawn: the newest link
    is the one that works. Raises InvalidInput for a bad address or role, Conflict when the
    person already holds that role there.
    """
    address = accounts.normalize_email(email)
    memberships.check_role(org, role)
    if cohort is not None and (cohort.host_id != org.id or role is not Role.APPRENTICE):
        raise InvalidInput("role", "Only learners are invited to a cohort, by its host.")
    existing = accounts.find_by_email(address)
    if existing is not None and cohort is None:
        membership = memberships.find(existing, org)
        if membership is not None and membership.active and membership.role is role:
            raise Conflict(f"{address} is already a {role_title(role, org.kind).lower()} here.")
    for earlier in pending_for(org, address):
        earlier.revoked_at = now
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        public_id=new_public_id(),
        token_hash=_digest(token),
        organization=org,
        cohort_id=cohort.id if cohort is not None else None,
        email=address,
        name=" ".join(name.split())[: accounts.MAX_NAME],
        role=role,
        invited_by_id=actor.id if actor is not None else None,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        org, actor, "invitation.sent", subject=address,
        details={"role": role.value, "cohort": cohort.name if cohort else None}, now=now,
    )  # fmt: skip
    return Issued(invitation, token)


def pending_for(org: Organization, email: str | None = None) -> list[Invitation]:
    """*org*'s invitations not yet accepted, withdrawn or expired-and-withdrawn (newest first)."""
    query = select(Invitation).where(
        Invitation.organization_id == org.id,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
    )
    if email is not None:
        query = query.where(Invitation.email == email)
    return list(db.session.scalars(query.order_by(Invitation.created_at.desc())))


def get(org: Organization, public_id: str) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.organization_id == org.id, Invitation.public_id == public_id
        )
    )
    if invitation is None:
        raise NotFound("There is no such invitation.")
    return invitation


def revoke(invitation: Invitation, *, actor: User | None, now: datetime) -> None:
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    invitation.revoked_at = now
    audit.record(
        invitation.organization, actor, "invitation.withdrawn", subject=invitation.email,
        details={"role": invitation.role.value}, now=now,
    )  # fmt: skip


def redeemable(token: str, *, now: datetime) -> Invitation:
    """The invitation *token* opens, or InvalidInput saying why it no longer works."""
    invitation = None
    if token and len(token) <= MAX_TOKEN:
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == _digest(token))
        )
    if invitation is None:
        raise InvalidInput(
            None, "This invitation link is not valid. Check that it was copied whole."
        )
    if invitation.accepted_at is not None:
        raise InvalidInput(None, "This invitation was already used. Sign in to continue.")
    if invitation.revoked_at is not None:
        raise InvalidInput(
            None, "This invitation was withdrawn or replaced by a newer one; use the newest email."
        )
    if invitation.expires_at <= now:
        raise InvalidInput(
            None,
            f"This invitation expired on {invitation.expires_at:%d %B %Y}. Ask "
            f"{invitation.organization.name} to send a new one.",
        )
    return invitation


def accept(invitation: Invitation, user: User, *, now: datetime) -> None:
    """Give *user* what *invitation* offers. Only the invited address may accept it."""
    if user.email != invitation.email:
        raise Conflict(
            f"This invitation is for {invitation.email}, and you are signed in as {user.email}. "
            "Sign out and sign in (or register) with the invited address."
        )
    if invitation.accepted_at is not None:  # checked again under the caller's transaction
        raise InvalidInput(None, "This invitation was already used.")
    inviter = invitation.invited_by
    invitation.accepted_at, invitation.accepted_by_id = now, user.id
    membership = memberships.find(user, invitation.organization)
    if not (membership and membership.active and invitation.cohort_id is not None):
        memberships.add(user, invitation.organization, invitation.role, actor=inviter, now=now)
    if invitation.cohort_id is not None:
        from app.services import cohorts  # cohorts import this module for roster invitations

        cohort = db.session.get(Cohort, invitation.cohort_id)
        if cohort is not None and cohort.archived_at is None:
            cohorts.enrol(cohort, user, via="invitation", actor=inviter, now=now)
    audit.record(
        invitation.organization, user, "invitation.accepted", subject=user.name,
        details={"email": user.email, "role": invitation.role.value}, now=now,
    )  # fmt: skip
    db.session.flush()


def send(
    issued: Issued, *, mailer: Mailer, link_for: Callable[[str], str], inviter_name: str
) -> None:
    """Mail the invitation's link to its address."""
    invitation = issued.invitation
    org = invitation.organization
    role = role_title(invitation.role, org.kind).lower()
    days = max(1, round((invitation.expires_at - invitation.created_at).total_seconds() / 86400))
    cohort = db.session.get(Cohort, invitation.cohort_id) if invitation.cohort_id else None
    joining = f"the cohort {cohort.name} at {org.name}" if cohort else f"{org.name} as a {role}"
    mailer.send(
        Message(
            to=invitation.email,
            subject=f"You are invited to join {org.name} on Shopfloor",
            body=(
                "Hello,\n\n"
                f"{inviter_name} invited you to join {joining} on Shopfloor, where "
                "smart-manufacturing courses, labs and credentials live.\n\n"
                f"Open this link within {days} days to accept; you can create an account "
                f"or sign in with this address ({invitation.email}):\n\n"
                f"{link_for(issued.token)}\n\n"
                "The link works once. If you did not expect this, ignore this email.\n"
            ),
        )
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

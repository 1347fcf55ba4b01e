"""Invitations to join an organization (and, for learners, a cohort) in a role.

Each is for one email address, expires, and works once. The emailed token is 256 random bits;
only its SHA-256 is stored, so a copy of the database invites nobody. Accepting adds the
membership (and the cohort place) in the caller's transaction.

Founding an organization goes with the invitation of its first admin, so it lives here too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.database import new_public_id
from app.domain.roles import OrgKind, Role, role_title
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.mail import Mailer, Message
from app.models import Cohort, Invitation, Organization, User
from app.services import accounts, audit, memberships

LIFETIME = timedelta(days=14)
MAX_TOKEN = 128


class Unusable(InvalidInput):
    """Why a link opens no invitation. *reason*: "invalid" (no such link), "used",
    "withdrawn" (or replaced by a newer one) or "expired"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(None, message)
        self.reason = reason


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
    return _issue(
        org,
        email,
        role,
        actor=actor,
        now=now,
        name=name,
        cohort=cohort,
        lifetime=lifetime,
        action="invitation.sent",
    )


def resend(invitation: Invitation, *, actor: User | None, now: datetime) -> Issued:
    """Invite the same address to the same place again with a new link (and a new expiry);
    the old link stops working. Raises Conflict once the invitation was accepted or withdrawn."""
    if invitation.accepted_at is not None:
        raise Conflict(f"{invitation.email} already accepted this invitation.")
    if invitation.revoked_at is not None:
        raise Conflict(
            f"The invitation of {invitation.email} was withdrawn; invite the address again."
        )
    cohort = db.session.get(Cohort, invitation.cohort_id) if invitation.cohort_id else None
    return _issue(
        invitation.organization,
        invitation.email,
        invitation.role,
        actor=actor,
        now=now,
        name=invitation.name,
        cohort=cohort,
        lifetime=LIFETIME,
        action="invitation.resent",
    )


def _issue(
    org: Organization,
    email: str,
    role: Role,
    *,
    actor: User | None,
    now: datetime,
    name: str,
    cohort: Cohort | None,
    lifetime: timedelta,
    action: str,
) -> Issued:
    address = accounts.normalize_email(email)
    memberships.check_role(org, role)
    if cohort is not None and (cohort.host_id != org.id or role is not Role.APPRENTICE):
        raise InvalidInput("role", "Only learners are invited to a cohort, by its host.")
    existing = accounts.find_by_email(address)
    if existing is not None and cohort is None:
        membership = memberships.find(existing, org)
        if membership is not None and membership.active and membership.role is role:
            raise Conflict(f"{address} is already {role_phrase(role, org.kind)} here.")
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
        org, actor, action, subject=address,
        details={"role": role.value, "cohort": cohort.name if cohort else None}, now=now,
    )  # fmt: skip
    return Issued(invitation, token)


def invite_learners(
    cohort: Cohort,
    people: list[tuple[str, str]],
    *,
    actor: User | None,
    now: datetime,
    lifetime: timedelta = LIFETIME,
) -> list[Issued]:
    """Invite many new learners (normalised address, name) to *cohort* at once, as a roster
    import does: what ``create`` does for each, in a few statements for them all. The caller
    has checked each address (valid, no account yet); earlier pending invitations of the same
    addresses to the host are withdrawn."""
    org = cohort.host
    memberships.check_role(org, Role.APPRENTICE)
    addresses = [address for address, _ in people]
    for chunk in _chunks(addresses):
        db.session.execute(
            update(Invitation)
            .where(
                Invitation.organization_id == org.id,
                Invitation.email.in_(chunk),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
    issued = []
    for address, name in people:
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            public_id=new_public_id(), token_hash=_digest(token), organization=org,
            cohort_id=cohort.id, email=address, name=" ".join(name.split())[: accounts.MAX_NAME],
            role=Role.APPRENTICE, invited_by_id=actor.id if actor is not None else None,
            created_at=now, expires_at=now + lifetime,
        )  # fmt: skip
        issued.append(Issued(invitation, token))
        audit.record(
            org, actor, "invitation.sent", subject=address,
            details={"role": Role.APPRENTICE.value, "cohort": cohort.name}, now=now,
        )  # fmt: skip
    db.session.add_all([i.invitation for i in issued])
    db.session.flush()
    return issued


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pending_for(org: Organization, email: str | None = None) -> list[Invitation]:
    """*org*'s invitations neither accepted nor withdrawn, expired ones too (newest first)."""
    query = (
        select(Invitation)
        .where(
            Invitation.organization_id == org.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .options(selectinload(Invitation.invited_by))
    )
    if email is not None:
        query = query.where(Invitation.email == email)
    return list(
        db.session.scalars(query.order_by(Invitation.created_at.desc(), Invitation.id.desc()))
    )


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
    """Withdraw *invitation*: its link stops working. Withdrawing twice changes nothing;
    Conflict once it was accepted (the person is a member: deactivate them instead)."""
    if invitation.accepted_at is not None:
        raise Conflict(
            f"{invitation.email} already accepted this invitation; to end their access, "
            "deactivate them in the member list."
        )
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at = now
    audit.record(
        invitation.organization, actor, "invitation.withdrawn", subject=invitation.email,
        details={"role": invitation.role.value}, now=now,
    )  # fmt: skip
    db.session.flush()


def redeemable(token: str, *, now: datetime) -> Invitation:
    """The invitation *token* opens, or Unusable (an InvalidInput) saying why it does not."""
    invitation = None
    if token and len(token) <= MAX_TOKEN:
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == _digest(token))
        )
    if invitation is None:
        raise Unusable(
            "invalid", "This invitation link is not valid. Check that it was copied whole."
        )
    problem = _unusable(invitation, now)
    if problem is not None:
        raise problem
    return invitation


def _unusable(invitation: Invitation, now: datetime) -> Unusable | None:
    if invitation.accepted_at is not None:
        return Unusable("used", "This invitation was already used: each link works once.")
    if invitation.revoked_at is not None:
        return Unusable(
            "withdrawn",
            "This invitation was withdrawn or replaced by a newer one; use the newest email.",
        )
    if invitation.expires_at <= now:
        return Unusable(
            "expired",
            f"This invitation expired on {invitation.expires_at:%B %-d, %Y}. Ask "
            f"{invitation.organization.name} to send a new one.",
        )
    return None


def accept(invitation: Invitation, user: User, *, now: datetime) -> None:
    """Give *user* what *invitation* offers. Only the invited address may accept it
    (Conflict otherwise), and only once: of two acceptances at the same moment, one wins
    and the other raises Unusable."""
    if user.email != invitation.email:
        raise Conflict(
            f"This invitation is for {invitation.email}, and you are signed in as {user.email}. "
            "Sign out and sign in (or register) with the invited address."
        )
    # Claimed with one conditional UPDATE, so that it holds under concurrent requests too.
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(invitation)
        raise _unusable(invitation, now) or Unusable("used", "This invitation was already used.")
    db.session.refresh(invitation)
    inviter = invitation.invited_by
    membership = memberships.find(user, invitation.organization)
    if not (membership and membership.active and invitation.cohort_id is not None):
        memberships.add(
            user,
            invitation.organization,
            invitation.role,
            actor=inviter,
            now=now,
            note="Joined through an invitation.",
        )
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


@dataclass(frozen=True)
class Offer:
    """What an invitation offers, in words for the person it invites."""

    invitation: Invitation
    organization: Organization
    role: str  # "Instructor", "Program staff"
    cohort: str  # the cohort's name, or ""
    inviter: str  # who invited, or ""
    has_account: bool  # whether the invited address has an account already


def offer(invitation: Invitation) -> Offer:
    org = invitation.organization
    cohort = db.session.get(Cohort, invitation.cohort_id) if invitation.cohort_id else None
    return Offer(
        invitation=invitation,
        organization=org,
        role=role_title(invitation.role, org.kind),
        cohort=cohort.name if cohort is not None else "",
        inviter=invitation.invited_by.name if invitation.invited_by else "",
        has_account=accounts.find_by_email(invitation.email) is not None,
    )


def send(
    issued: Issued, *, mailer: Mailer, link_for: Callable[[str], str], inviter_name: str
) -> None:
    """Mail the invitation's link to its address."""
    invitation = issued.invitation
    org = invitation.organization
    days = max(1, round((invitation.expires_at - invitation.created_at).total_seconds() / 86400))
    cohort = db.session.get(Cohort, invitation.cohort_id) if invitation.cohort_id else None
    joining = (
        f"the cohort {cohort.name} at {org.name}"
        if cohort
        else f"{org.name} as {role_phrase(invitation.role, org.kind)}"
    )
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


def role_phrase(role: Role, kind: OrgKind) -> str:
    """A role in a sentence, with its article: "an instructor", "a partner admin", "program
    staff"."""
    title = role_title(role, kind)
    if not title[:2].isupper():  # "HR lead" keeps its capitals
        title = title[:1].lower() + title[1:]
    if title.endswith("staff"):
        return title
    return f"{'an' if title[:1] in 'aeiouAEIOU' else 'a'} {title}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

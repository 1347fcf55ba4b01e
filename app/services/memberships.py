"""Who belongs to which organization in what role: adding, changing and deactivating
memberships, each change audited, and the queries that scope lists to organizations; and the
organization's own details (name, place, kind, program), as its admins edit them.

A person's primary role and organization (``User.role``, ``User.organization``) follow their
first active membership, so navigation and dashboards keep one clear home; every decision
about an organization's data reads the memberships themselves (see ``app.policy``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import contains_eager

from app.domain.roles import ADMIN_ROLE, ROLES_BY_KIND, Role, role_title
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Invitation, Membership, Organization, User
from app.services import audit


def allowed_roles(org: Organization) -> tuple[Role, ...]:
    return ROLES_BY_KIND[org.kind]


def check_role(org: Organization, role: Role) -> None:
    if role not in allowed_roles(org):
        names = ", ".join(role_title(r, org.kind).lower() for r in allowed_roles(org))
        raise InvalidInput("role", f"{org.name} can give these roles: {names}.")


def find(user: User, org: Organization) -> Membership | None:
    return next((m for m in user.memberships if m.organization_id == org.id), None)


def add(
    user: User,
    org: Organization,
    role: Role,
    *,
    actor: User | None,
    now: datetime,
    note: str = "",
) -> Membership:
    """Make *user* an active member of *org* in *role* (re-activating an earlier membership).

    Adding someone who already holds that role changes nothing and records nothing.
    """
    check_role(org, role)
    membership = find(user, org)
    if membership is not None and membership.active and membership.role is role:
        return membership
    details = {"email": user.email, "role": role.value}
    if membership is None:
        membership = Membership(
            user=user, organization=org, role=role, created_at=now, created_by_id=_id(actor)
        )
        db.session.add(membership)
        action = "membership.added"
    else:
        action = "membership.reactivated" if not membership.active else "membership.role_changed"
        if membership.active and membership.role is not role:
            _keep_an_admin(membership, role)
            details.update({"from": membership.role.value, "to": role.value})
        membership.role, membership.active, membership.deactivated_at = role, True, None
    db.session.flush()
    _sync_primary(user)
    audit.record(org, actor, action, subject=user.name, details=details, note=note, now=now)
    return membership


def add_learners(
    org: Organization, people: list[User], *, actor: User | None, now: datetime
) -> None:
    """Make *people*, none of them a member of *org* yet, its learners at once (a roster of
    thousands); for those without an organization it becomes their primary one."""
    for person in people:
        db.session.add(
            Membership(
                user_id=person.id, organization_id=org.id, role=Role.APPRENTICE,
                created_at=now, created_by_id=_id(actor),
            )
        )  # fmt: skip
        if person.organization_id is None and person.role is not Role.PLATFORM_ADMIN:
            person.organization_id, person.role = org.id, Role.APPRENTICE
        audit.record(
            org, actor, "membership.added", subject=person.name,
            details={"email": person.email, "role": Role.APPRENTICE.value}, now=now,
        )  # fmt: skip
    db.session.flush()
    for person in people:
        db.session.expire(person, ["memberships"])


def change_role(
    membership: Membership, role: Role, *, actor: User | None, now: datetime, note: str = ""
) -> None:
    org, user = membership.organization, membership.user
    check_role(org, role)
    if not membership.active:
        raise Conflict(f"{user.name} is not an active member; reactivate them first.")
    if membership.role is role:
        return
    _keep_an_admin(membership, role)
    before = membership.role
    membership.role = role
    db.session.flush()
    _sync_primary(user)
    details = {"email": user.email, "from": before.value, "to": role.value}
    audit.record(
        org, actor, "membership.role_changed", subject=user.name, details=details, note=note,
        now=now,
    )  # fmt: skip


def deactivate(
    membership: Membership, *, actor: User | None, now: datetime, note: str = ""
) -> None:
    """End *membership*: it grants nothing from now on. The person's account, their own work
    and their other memberships stay."""
    if not membership.active:
        return
    _keep_an_admin(membership, None)
    membership.active, membership.deactivated_at = False, now
    # An invitation sent before would bring them back: it stops working too.
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.organization_id == membership.organization_id,
            Invitation.email == membership.user.email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    user = membership.user
    _sync_primary(user)
    details = {"email": user.email, "role": membership.role.value}
    audit.record(
        membership.organization, actor, "membership.deactivated", subject=user.name,
        details=details, note=note, now=now,
    )  # fmt: skip


def reactivate(
    membership: Membership, *, actor: User | None, now: datetime, note: str = ""
) -> Membership:
    """Restore a deactivated *membership* in the role it had; an active one stays as it is."""
    user, org = membership.user, membership.organization
    return add(user, org, membership.role, actor=actor, now=now, note=note)


def _keep_an_admin(membership: Membership, new_role: Role | None) -> None:
    """Refuse to demote or deactivate an organization's last active admin."""
    org = membership.organization
    admin = ADMIN_ROLE[org.kind]
    if membership.role is not admin or new_role is admin:
        return
    # Two admins removing each other at once: the second waits for the first, then counts.
    db.session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())
    others = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.organization_id == org.id,
            Membership.role == admin,
            Membership.active.is_(True),
            Membership.id != membership.id,
        )
    )
    if not others:
        raise Conflict(
            f"{membership.user.name} is the last {role_title(admin, org.kind).lower()} of "
            f"{org.name}; make someone else one first."
        )


def _sync_primary(user: User) -> None:
    """Point the user's primary organization and role at an active membership: the current
    primary if it is still active, else the oldest; none left: no organization."""
    db.session.refresh(user, ["memberships"])
    active = sorted((m for m in user.memberships if m.active), key=lambda m: (m.created_at, m.id))
    current = next((m for m in active if m.organization_id == user.organization_id), None)
    chosen = current or (active[0] if active else None)
    if user.role is Role.PLATFORM_ADMIN:
        user.organization_id = chosen.organization_id if chosen else None
    elif chosen is None:
        user.organization_id, user.role = None, Role.APPRENTICE
    else:
        user.organization_id, user.role = chosen.organization_id, chosen.role
    db.session.flush()


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


# -- Reading ------------------------------------------------------------------------------------


def get(org: Organization, user_public_id: str) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == org.id, User.public_id == user_public_id)
    )
    if membership is None:
        raise NotFound("That person is not a member of this organization.")
    return membership


def of_organization(
    org: Organization, *, role: Role | None = None, include_inactive: bool = False
) -> list[Membership]:
    """*org*'s memberships with their people (loaded in the same query), by name."""
    query = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(contains_eager(Membership.user))
        .where(Membership.organization_id == org.id)
        .order_by(Membership.active.desc(), User.name, User.id)
    )
    if role is not None:
        query = query.where(Membership.role == role)
    if not include_inactive:
        query = query.where(Membership.active.is_(True))
    return list(db.session.scalars(query))


def people_in(org_ids: set[int] | list[int], *, role: Role | None = None) -> Select:
    """A query of the ids of people actively belonging to any of *org_ids* (in *role*)."""
    query = select(Membership.user_id).where(
        Membership.organization_id.in_(list(org_ids)), Membership.active.is_(True)
    )
    if role is not None:
        query = query.where(Membership.role == role)
    return query

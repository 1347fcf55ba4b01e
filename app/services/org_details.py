"""An organization's details (what its page says, where it is, which state program it takes
part in), and founding one with its first admin's invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.domain.places import STATES
from app.domain.roles import ADMIN_ROLE, ROLES_BY_KIND, OrgKind, role_title
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import Invitation, Membership, Organization, User
from app.services import accounts, audit, invitations, organizations
from app.services.invitations import Issued

MAX_NAME, MAX_LOCATION, MAX_COUNTY, MAX_DESCRIPTION = 200, 120, 80, 500


@dataclass(frozen=True)
class Details:
    """What describes an organization. Its admins edit name, place and description; the kind
    and the program operator are the platform admin's (the caller passes the current ones)."""

    name: str
    kind: OrgKind
    location: str = ""
    state: str = ""  # a USPS code or ""
    county: str = ""
    description: str = ""
    program_operator_id: int | None = None


# Field name → what the audit trail calls it.
FIELD_NAMES = {
    "name": "name",
    "kind": "kind",
    "location": "location",
    "state": "state",
    "county": "county",
    "description": "description",
    "program_operator_id": "program",
}


def program_operators() -> list[Organization]:
    """The organizations that run a state program, by name (partners and employers join one)."""
    query = select(Organization).where(
        Organization.kind == OrgKind.PROGRAM_OPERATOR, Organization.archived_at.is_(None)
    )
    return list(db.session.scalars(query.order_by(Organization.name)))


def update_details(
    org: Organization, details: Details, *, actor: User | None, now: datetime
) -> list[str]:
    """Store *details* on *org*; return what changed, in words ([] changes nothing and
    records nothing). Raises InvalidInput naming the first bad field."""
    clean = check_details(details, org)
    changed = [f for f in FIELD_NAMES if getattr(org, f) != getattr(clean, f)]
    if not changed:
        return []
    before = {f: _shown(getattr(org, f)) for f in changed}
    for f in changed:
        setattr(org, f, getattr(clean, f))
    db.session.flush()
    changes = {FIELD_NAMES[f]: [before[f], _shown(getattr(org, f))] for f in changed}
    audit.record(
        org, actor, "organization.edited", subject=org.name, details={"changes": changes}, now=now
    )
    return [FIELD_NAMES[f] for f in changed]


def _shown(value: object) -> object:
    """A value as the audit trail keeps it: enums by value, long text cut short."""
    if isinstance(value, OrgKind):
        return value.value
    if isinstance(value, str) and len(value) > 120:
        return value[:119] + "…"
    return value


def check_details(details: Details, org: Organization | None) -> Details:
    """*details* tidied (whitespace, an upper-case state), or InvalidInput."""
    name, location = " ".join(details.name.split()), " ".join(details.location.split())
    county, state = " ".join(details.county.split()), details.state.strip().upper()
    description = details.description.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput("name", f"Give a name of 1 to {MAX_NAME} characters.")
    for field, value, limit in (
        ("location", location, MAX_LOCATION),
        ("county", county, MAX_COUNTY),
        ("description", description, MAX_DESCRIPTION),
    ):
        if len(value) > limit:
            raise InvalidInput(field, f"Keep this to {limit} characters ({len(value)} now).")
    if state and state not in STATES:
        raise InvalidInput("state", "Choose a state by its two-letter USPS code, such as OH.")
    if org is not None and details.kind is not org.kind:
        _check_kind_change(org, details.kind)
    _check_operator(details, org)
    return Details(
        name, details.kind, location, state, county, description, details.program_operator_id
    )


def _check_operator(details: Details, org: Organization | None) -> None:
    operator_id = details.program_operator_id
    if operator_id is None:
        return
    if details.kind is OrgKind.PROGRAM_OPERATOR:
        raise InvalidInput(
            "program_operator", "A program operator runs its own program; leave this empty."
        )
    operator = db.session.get(Organization, operator_id)
    if operator is None or operator.kind is not OrgKind.PROGRAM_OPERATOR or operator is org:
        raise InvalidInput("program_operator", "Choose one of the state programs listed.")


def _check_kind_change(org: Organization, kind: OrgKind) -> None:
    """Refuse a kind whose roles do not fit the people, invitations or partners it has."""
    allowed = ROLES_BY_KIND[kind]
    held = db.session.scalars(
        select(Membership.role)
        .where(Membership.organization_id == org.id, Membership.active.is_(True))
        .distinct()
    )
    invited = db.session.scalars(
        select(Invitation.role).where(
            Invitation.organization_id == org.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    misfits = sorted({r for r in (*held, *invited) if r not in allowed})
    if misfits:
        names = ", ".join(role_title(r, org.kind).lower() for r in misfits)
        raise InvalidInput(
            "kind",
            f"{org.name} has members or open invitations in roles {kind.label.lower()}s do not "
            f"have ({names}); change their roles or withdraw the invitations first.",
        )
    if org.kind is OrgKind.PROGRAM_OPERATOR:
        taking_part = db.session.scalar(
            select(func.count()).where(Organization.program_operator_id == org.id)
        )
        if taking_part:
            some = (
                "1 organization takes" if taking_part == 1 else f"{taking_part} organizations take"
            )
            raise InvalidInput(
                "kind",
                f"{some} part in {org.name}'s program; move them to another program first.",
            )


# -- Founding an organization, with its first admin's invitation ------------------------------


def found(
    slug: str,
    details: Details,
    admin_email: str,
    *,
    admin_name: str = "",
    actor: User | None,
    now: datetime,
) -> Issued:
    """Create an organization and invite its first admin (in the admin role of its kind).

    Raises InvalidInput naming the first bad field; nothing is written then (the caller
    rolls back what was flushed).
    """
    clean = check_details(details, None)
    try:
        admin_email = accounts.normalize_email(admin_email)
    except InvalidInput as exc:
        raise InvalidInput("admin_email", exc.message) from None
    slug = slug.strip().lower()
    if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
        raise InvalidInput("slug", f"The web address name '{slug}' is taken; choose another.")
    try:
        org = organizations.create(
            organizations.NewOrganization(
                slug, clean.name, clean.kind, clean.location, clean.description
            ),
            now=now,
        )
    except Conflict as exc:  # taken between the check above and now
        raise InvalidInput("slug", str(exc)) from None
    org.state, org.county = clean.state, clean.county
    org.program_operator_id = clean.program_operator_id
    db.session.flush()
    audit.record(
        org,
        actor,
        "organization.created",
        subject=org.name,
        details={"kind": org.kind.value, "slug": org.slug},
        now=now,
    )
    return invitations.create(
        org, admin_email, ADMIN_ROLE[org.kind], actor=actor, now=now, name=admin_name
    )

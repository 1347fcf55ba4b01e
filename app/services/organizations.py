"""Organizations and the people in them."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.domain import colours, logos
from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Membership, Organization, User
from app.services import memberships

logger = logging.getLogger(__name__)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class NewOrganization:
    slug: str
    name: str
    kind: OrgKind
    location: str = ""
    description: str = ""


def create(new: NewOrganization, *, now: datetime) -> Organization:
    """Create an organization; raise InvalidInput or Conflict (slug taken)."""
    if not SLUG.match(new.slug) or len(new.slug) > 64:
        raise InvalidInput(
            "slug", "Use lower-case letters, digits and single hyphens (at most 64), e.g. 'tri-c'."
        )
    name = " ".join(new.name.split())
    if not name or len(name) > 200:
        raise InvalidInput("name", "Give a name of 1 to 200 characters.")
    if len(new.location) > 120 or len(new.description) > 500:
        raise InvalidInput("description", "Location is at most 120 characters, description 500.")
    if db.session.scalar(select(Organization).where(Organization.slug == new.slug)):
        raise Conflict(f"An organization with the slug '{new.slug}' already exists.")
    org = Organization(
        slug=new.slug,
        name=name,
        kind=new.kind,
        location=new.location.strip(),
        description=new.description.strip(),
        created_at=now,
        verified_at=now,  # made by staff; a company registering itself is not (employers)
    )
    db.session.add(org)
    db.session.flush()
    return org


def get_by_slug(slug: str) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound(f"No organization called '{slug}'.")
    return org


def list_all() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def members(org: Organization, *, role: Role | None = None) -> list[User]:
    """*org*'s active members (in *role*), by name."""
    query = select(User).where(User.id.in_(memberships.people_in({org.id}, role=role)))
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def role_counts(org: Organization | None = None) -> dict[Role, int]:
    """How many people hold each role: active members of *org*, or, across the platform,
    each person once by their primary role."""
    if org is None:
        query = select(User.role, func.count()).group_by(User.role)
    else:
        query = (
            select(Membership.role, func.count())
            .where(Membership.organization_id == org.id, Membership.active.is_(True))
            .group_by(Membership.role)
        )
    counts = Counter(dict(db.session.execute(query).all()))
    return {role: counts.get(role, 0) for role in Role}


def member_counts() -> dict[int, int]:
    """Organization id → number of active members."""
    query = (
        select(Membership.organization_id, func.count())
        .where(Membership.active.is_(True))
        .group_by(Membership.organization_id)
    )
    return dict(db.session.execute(query).all())


# -- Branding and identifiers shown on the credentials an organization issues ----------------

WEBSITE_CHARS, SHORT_NAME_CHARS = 300, 40
IPEDS_UNIT_ID = re.compile(r"^\d{6}$")
OPEID = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class Branding:
    """What a partner admin edits; empty strings clear a value."""

    short_name: str = ""
    website: str = ""
    brand_primary: str = ""
    brand_secondary: str = ""
    ipeds_unit_id: str = ""
    opeid: str = ""


def update_branding(org: Organization, branding: Branding, *, now: datetime) -> None:
    """Check *branding* and store it on *org*; InvalidInput names the first bad field.

    Only credentials signed from now on carry it: issued ones keep what they were signed with.
    """
    short_name = " ".join(branding.short_name.split())
    if len(short_name) > SHORT_NAME_CHARS:
        raise InvalidInput("short_name", f"Keep the short name to {SHORT_NAME_CHARS} characters.")
    website = _website(branding.website.strip())
    primary = _colour("brand_primary", branding.brand_primary)
    if primary and colours.contrast_ratio(primary, colours.WHITE) < colours.MIN_TEXT_CONTRAST:
        # Rounded down, so that 4.499 never reads as the 4.5 it falls short of.
        ratio = math.floor(colours.contrast_ratio(primary, colours.WHITE) * 100) / 100
        raise InvalidInput(
            "brand_primary",
            f"White text on {primary} has a contrast of only {ratio:.2f}:1; choose a darker "
            f"colour (at least {colours.MIN_TEXT_CONTRAST}:1) so text on it stays readable.",
        )
    secondary = _colour("brand_secondary", branding.brand_secondary)
    ipeds, opeid = branding.ipeds_unit_id.strip(), branding.opeid.strip()
    if ipeds and not IPEDS_UNIT_ID.match(ipeds):
        raise InvalidInput("ipeds_unit_id", "An IPEDS unit id is 6 digits, such as 123456.")
    if opeid and not OPEID.match(opeid):
        raise InvalidInput("opeid", "An OPEID is 8 digits, such as 00123400.")
    org.short_name, org.website = short_name, website
    org.brand_primary, org.brand_secondary = primary, secondary
    org.ipeds_unit_id, org.opeid = ipeds, opeid
    db.session.flush()
    logger.info("branding of %s updated at %s", org.slug, now.isoformat())


def _website(value: str) -> str:
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:  # such as an unclosed "[" of an IPv6 address
        parts = urlsplit("")
    if (
        parts.scheme != "https"
        or not parts.hostname
        or "." not in parts.hostname
        or parts.username
        or parts.password
        or any(c.isspace() for c in value)
        or len(value) > WEBSITE_CHARS
    ):
        raise InvalidInput(
            "website", "Give the full https:// address of your website, such as https://tri-c.edu."
        )
    return value


def _colour(field: str, value: str) -> str:
    colour = colours.normalise(value)
    if colour and not colours.is_hex_colour(colour):
        raise InvalidInput(field, "Give the colour as # and six hex digits, such as #0b5394.")
    return colour


# -- The logo, shown on the organization's pages and the credentials it issues ---------------

NO_LOGO = "There is no logo here."


def set_logo(org: Organization, data: bytes, *, actor: User, now: datetime) -> logos.Logo:
    """Store *data*, made a clean PNG by domain.logos, as *org*'s logo.

    Raises InvalidInput("logo", ...) saying what is wrong, and stores nothing then.
    Credentials signed from now on name the logo's address; badge artwork shows it at once.
    """
    logo = logos.normalise(data)
    org.logo_png, org.logo_updated_at = logo.png, now
    db.session.flush()
    logger.info(
        "logo of %s set by user %s: %s of %d bytes stored as a %d×%d PNG of %d bytes",
        org.slug, actor.id, logo.source, len(data), logo.width, logo.height, len(logo.png),
    )  # fmt: skip
    return logo


def remove_logo(org: Organization, *, actor: User, now: datetime) -> bool:
    """Remove *org*'s logo; False when it had none."""
    if not org.has_logo:
        return False
    org.logo_png, org.logo_updated_at = None, None
    db.session.flush()
    logger.info("logo of %s removed by user %s at %s", org.slug, actor.id, now.isoformat())
    return True


def logo_png(slug: str) -> bytes:
    """The logo PNG of the organization *slug*; NotFound alike when there is no such
    organization or it has no logo, so the address tells nothing more than the logo."""
    query = select(Organization.logo_png).where(
        Organization.slug == slug, Organization.logo_updated_at.is_not(None)
    )
    found = db.session.scalar(query)
    if not found:
        raise NotFound(NO_LOGO)
    return found

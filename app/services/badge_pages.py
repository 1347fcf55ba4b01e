"""What the public badge pages show: the catalogue of achievements, one achievement's page
(its criteria in plain words, alignments, issuing partners and endorsements) and its artwork
as each issuing partner brands it.

An achievement's page is its ``id`` in every credential issued for it, so archived
achievements keep their page (marked as no longer issued); only the catalogue leaves them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import exists, select

from app import policy
from app.content import achievement_rules as files
from app.content.achievements import DURATION
from app.credentials import artwork, ob3
from app.domain.achievements import Names
from app.errors import NotFound
from app.extensions import db
from app.models import Achievement, Credential, Endorsement, Organization, User
from app.models.credentials import ISSUED
from app.services import achievements, credentials, programs

PLATFORM_NAME = credentials.PLATFORM_NAME
_ARTWORK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class Brand:
    """How a partner brands what it issues: its names, two checked ``#rrggbb`` colours and,
    when it has a logo, its slug and the logo's version (its ``logo.png`` address and a
    ``?v=`` that changes with it, past caches)."""

    name: str
    short: str
    primary: str
    secondary: str
    slug: str = ""
    logo_version: int = 0  # 0: no logo


def brand_of(org: Organization | None) -> Brand:
    """*org*'s branding; the platform's defaults when there is no organization."""
    if org is None:
        return Brand(
            PLATFORM_NAME, PLATFORM_NAME, artwork.PRIMARY_DEFAULT, artwork.SECONDARY_DEFAULT
        )
    return Brand(
        org.name,
        org.short_name or org.name,
        _colour(org.brand_primary, artwork.PRIMARY_DEFAULT),
        _colour(org.brand_secondary, artwork.SECONDARY_DEFAULT),
        org.slug,
        org.logo_version,
    )


def _colour(value: str, default: str) -> str:
    value = (value or "").strip()
    return value.lower() if re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", value) else default


def type_label(achievement_type: str) -> str:
    """``ApprenticeshipCertificate`` → "Apprenticeship certificate"; ``ext:Foo`` → "Foo"."""
    words = _CAMEL.sub(" ", achievement_type.removeprefix("ext:")).split()
    if not words:
        return "Achievement"
    return " ".join([words[0], *(w.lower() for w in words[1:])])


# -- Finding --------------------------------------------------------------------------------


def get(slug: str) -> Achievement:
    """The achievement with this slug, archived or not (NotFound otherwise)."""
    row = db.session.scalar(select(Achievement).where(Achievement.slug == slug))
    if row is None:
        raise NotFound("There is no badge at this address.")
    return row


def issuers_of(row: Achievement) -> list[Brand]:
    """The partners that issue *row* (those that exist), as they brand it, in file order."""
    slugs = list(row.issuers)
    if not slugs:
        return []
    found = db.session.scalars(select(Organization).where(Organization.slug.in_(slugs)))
    by_slug = {org.slug: org for org in found}
    return [brand_of(by_slug[slug]) for slug in slugs if slug in by_slug]


# -- The catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    achievement: Achievement
    type_label: str
    issuers: list[Brand]


def catalogue() -> list[Entry]:
    """Every current achievement, by name, with the partners that issue it."""
    return [
        Entry(row, type_label(row.achievement_type), issuers_of(row))
        for row in achievements.current()
    ]


# -- One achievement ------------------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    code: str
    name: str
    url: str
    framework: str


@dataclass(frozen=True)
class BadgePage:
    achievement: Achievement
    type_label: str
    criteria: str
    rules: list[str]  # every rule, in plain words
    approval: bool  # an instructor of the issuer approves each credential
    valid_for: str  # "2 years"; "" when it does not expire
    alignments: list[Alignment]
    issuers: list[Brand]
    endorsements: list[Endorsement]
    archived: bool


def page(row: Achievement, *, curriculum_root: Path | None = None) -> BadgePage:
    """Everything the achievement's public page shows."""
    shown = ob3.achievement_json(credentials.achievement_of(row, None))
    return BadgePage(
        achievement=row,
        type_label=type_label(row.achievement_type),
        criteria=shown["criteria"]["narrative"],
        rules=describe_rules(row, curriculum_root=curriculum_root),
        approval=row.instructor_approval,
        valid_for=duration_words(row.valid_for),
        alignments=alignments_of(shown),
        issuers=issuers_of(row),
        endorsements=endorsements_of(row),
        archived=row.archived_at is not None,
    )


def document(row: Achievement) -> dict[str, Any]:
    """The OB 3.0 Achievement JSON, as credentials embed it (platform-branded artwork)."""
    return ob3.achievement_json(credentials.achievement_of(row, None))


def alignments_of(achievement_json: dict[str, Any]) -> list[Alignment]:
    """The CASE alignments of an OB 3.0 Achievement object."""
    return [
        Alignment(
            code=item.get("targetCode", ""),
            name=item.get("targetName", ""),
            url=item.get("targetUrl", ""),
            framework=item.get("targetFramework", ""),
        )
        for item in achievement_json.get("alignment", [])
    ]


def endorsements_of(row: Achievement) -> list[Endorsement]:
    query = (
        select(Endorsement)
        .where(Endorsement.achievement_id == row.id, Endorsement.withdrawn_at.is_(None))
        .order_by(Endorsement.created_at, Endorsement.id)
    )
    return list(db.session.scalars(query))


def duration_words(value: str) -> str:
    """``P2Y`` → "2 years", ``P1Y6M`` → "1 year and 6 months"; "" for no duration."""
    match = DURATION.match(value or "")
    if not match:
        return ""
    units = ("year", "month", "week", "day")
    parts = [
        f"{int(n)} {unit}{'' if int(n) == 1 else 's'}"
        for n, unit in zip(match.groups(), units, strict=True)
        if n and int(n)
    ]
    return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)


# -- Criteria in plain words ----------------------------------------------------------------


def describe_rules(row: Achievement, *, curriculum_root: Path | None = None) -> list[str]:
    """Each of *row*'s rules as a sentence, with the titles of what it names."""
    root = curriculum_root or Path(current_app.config["CURRICULUM_ROOT"])
    names = achievements.names(programs.catalog(root))
    return [describe(rule, names) for rule in achievements.rules_of(row)]


def describe(rule: files.Rule, names: Names) -> str:
    """One rule as a sentence: what a learner has to do."""
    if isinstance(rule, files.MasteryRule):
        listed = _join(
            [_titled(code, names.competencies.get((rule.framework, code))) for code in rule.codes]
        )
        if rule.level is None:
            return f"Master {listed}"
        levels = names.levels.get(rule.framework, {})
        wanted = rule.level_title or levels.get(rule.level) or f"level {rule.level}"
        return f"Reach {wanted} or above in {listed}"
    if isinstance(rule, files.CourseRule):
        title = names.courses.get(rule.course, rule.course)
        if rule.share == 100:
            return f"Complete every lesson of the course “{title}”"
        return f"Complete at least {rule.share} % of the lessons of the course “{title}”"
    if isinstance(rule, files.LabRule):
        title = names.labs.get(rule.lab, rule.lab)
        return f"Score at least {rule.min_score:g} % in the graded lab “{title}”"
    return _describe_program(rule, names)


def _describe_program(rule: files.ProgramRule, names: Names) -> str:
    program = names.programs.get(rule.program, rule.program)
    process = names.work_processes.get((rule.program, rule.work_process), rule.work_process)
    if rule.milestone == files.PROGRAM_COMPLETE:
        return f"Complete the registered apprenticeship “{program}”"
    if rule.milestone == files.PROBATION_COMPLETE:
        return f"Complete the probationary period of the apprenticeship “{program}”"
    if rule.milestone == files.WORK_PROCESS_COMPLETE:
        return (
            f"Complete the work process “{process}” of “{program}”: its minimum hours and "
            "its competencies"
        )
    where = f"the work process “{process}” of “{program}”" if rule.work_process else f"“{program}”"
    return f"{rule.hours:,g} hours of approved on-the-job learning in {where}"


def _titled(code: str, title: str | None) -> str:
    return f"{code} ({title})" if title else code


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- Artwork --------------------------------------------------------------------------------


# Every refusal of a branded artwork says the same: which organizations exist, and what
# credentials they hold for a badge, is nobody's business.
NO_ARTWORK = "There is no such badge artwork."


def artwork_issuer(
    row: Achievement, slug: str | None, *, viewer: User | None = None
) -> Organization | None:
    """The organization whose branding the artwork may carry (None: the platform's).

    A partner that issues *row* now, or that issued a credential for it whose holder made it
    public, brands its artwork for anyone (brands_publicly); the holder of an issued
    credential for it, and its issuer's staff, also see theirs. Anything else is the same
    NotFound, whether the organization does not exist or has only credentials that are not
    public (awaiting approval, declined, private).
    """
    if not slug:
        return None
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is not None and (brands_publicly(row, org) or _seen_by(row, org, viewer)):
        return org
    raise NotFound(NO_ARTWORK)


def brands_publicly(row: Achievement, org: Organization) -> bool:
    """Whether anyone may see *row*'s artwork branded by *org*."""
    if org.slug in row.issuers:
        return True
    shown = select(Credential.id).where(
        Credential.achievement_id == row.id,
        Credential.issuer_id == org.id,
        Credential.state == ISSUED,
        Credential.public.is_(True),
    )
    return bool(db.session.scalar(select(exists(shown))))


def _seen_by(row: Achievement, org: Organization, viewer: User | None) -> bool:
    """Whether *viewer* may open an issued credential of *org* for *row* (theirs first)."""
    if not policy.is_signed_in(viewer):
        return False
    query = (
        select(Credential)
        .where(
            Credential.achievement_id == row.id,
            Credential.issuer_id == org.id,
            Credential.state == ISSUED,
        )
        .order_by((Credential.user_id == viewer.id).desc(), Credential.id)
        .limit(1)
    )
    found = db.session.scalar(query)
    return found is not None and policy.can_view_credential(viewer, found)


def artwork_svg(row: Achievement, issuer: Organization | None) -> str:
    """*row*'s artwork template filled with its name and *issuer*'s name, colours and logo.

    The logo is embedded in the SVG, so the baked downloads' caches, keyed by its digest,
    and the artwork's ETag change with it.
    """
    brand = brand_of(issuer)
    return artwork.render_svg(
        _template(row.artwork),
        name=row.name,
        issuer=brand.short,
        primary=brand.primary,
        secondary=brand.secondary,
        logo_png=issuer.logo_png if issuer is not None and issuer.has_logo else None,
    )


def _template(name: str) -> str:
    folder = Path(current_app.config["BADGES_ROOT"]) / "artwork"
    wanted = name if _ARTWORK_NAME.match(name or "") else "default"
    for candidate in (wanted, "default"):
        path = folder / f"{candidate}.svg"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise NotFound("This badge has no artwork.")

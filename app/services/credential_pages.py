"""What a learner's credential pages and a credential's public page show.

``wallet`` gathers what a learner holds (issued, awaiting approval, declined) and what they
are close to; ``summary`` is its short form for the dashboard. ``page`` is the public page of
one credential: what it certifies, who issued it, and a live verification of its signed
document. ``baked_svg`` and ``baked_png`` are its artwork with the credential inside.
Reads only: nothing here writes to the database.

A page is public and anyone may load it often, so what is costly is remembered: its
verification for a minute, by credential, status list version and document (a
revocation changes the version, so it shows at once); its baked images by credential,
document and artwork, the least recently used going first (services.verification.Caches).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from app import policy
from app.credentials import artwork, baking, canonical, ob3
from app.domain.roles import STAFF_ROLES
from app.errors import NotFound
from app.models import Achievement, Credential, Organization, User
from app.models.credentials import AWAITING_APPROVAL, DECLINED, ISSUED
from app.services import achievements, badge_pages, credentials, verification
from app.services.badge_pages import Alignment, Brand, brand_of

logger = logging.getLogger(__name__)


STANDING_LABELS = credentials.STANDING_LABELS

# The verifier's checks, in the words an employer reads them.
CHECK_LABELS = {
    "json": "Readable",
    "jsonld": "Known vocabulary",
    "schema": "Open Badges 3.0 structure",
    "issuer": "Issuer named",
    "issuer_key": "Key belongs to the issuer",
    "proof": "Signature intact",
    "validity": "Within its dates",
    "status": "Not revoked or suspended",
    "endorsements": "Endorsements",
}

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


# -- What a learner holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One of the learner's credentials and how it stands."""

    credential: Credential
    standing: str  # a key of STANDING_LABELS
    brand: Brand

    @property
    def label(self) -> str:
        return STANDING_LABELS[self.standing]

    @property
    def since(self) -> datetime | None:
        """When it came to stand as it does (suspended, revoked, expired, declined)."""
        c = self.credential
        return {
            "suspended": c.suspended_at,
            "revoked": c.revoked_at,
            "expired": c.valid_until,
            DECLINED: c.decided_at,
        }.get(self.standing)

    @property
    def reason(self) -> str:
        if self.standing in ("suspended", "revoked"):
            return self.credential.status_reason
        if self.standing == DECLINED:
            return self.credential.decision_comment
        return ""


@dataclass(frozen=True)
class Goal:
    """An achievement the learner does not hold yet, and how close they are."""

    achievement: Achievement
    met: bool
    percent: int  # 0..100; below 100 until met
    why: str  # met but not issued: why, in plain words
    missing: tuple[str, ...]  # not met: what is still needed, one sentence each
    done: tuple[str, ...]

    @property
    def bar(self) -> int:
        """The bar's width class, in 5 % steps (bar-w0 … bar-w20)."""
        return round(self.percent / 5)


@dataclass(frozen=True)
class Wallet:
    issued: list[Held]
    waiting: list[Held]  # awaiting an instructor's approval
    declined: list[Held]
    ready: list[Goal]  # criteria met, not issued yet
    close: list[Goal]  # not met yet, closest first
    learner: bool = True  # staff are not judged against the badges


def held_of(user: User, *, now: datetime) -> list[Held]:
    """Every credential of *user*, newest first, with its standing."""
    return [
        Held(c, credentials.standing(c, now=now), brand_of(c.issuer))
        for c in credentials.of_user(user.id)
    ]


def wallet(
    user: User, *, now: datetime, today: date, curriculum_root: Path | None = None
) -> Wallet:
    """What *user* holds and, for learners, what they are close to."""
    held = held_of(user, now=now)
    learner = user.role not in STAFF_ROLES
    held_ids = {h.credential.achievement_id for h in held}
    goals = goals_of(user, held_ids, today, curriculum_root) if learner else []
    return Wallet(
        issued=[h for h in held if h.credential.state == ISSUED],
        waiting=[h for h in held if h.credential.state == AWAITING_APPROVAL],
        declined=[h for h in held if h.credential.state == DECLINED],
        ready=[g for g in goals if g.met],
        close=[g for g in goals if not g.met],
        learner=learner,
    )


def goals_of(
    user: User, held_ids: set[int], today: date, curriculum_root: Path | None = None
) -> list[Goal]:
    """The current achievements *user* does not hold: met first, then the closest."""
    return [
        _goal(user, standing)
        for standing in achievements.progress_of(user, today=today, curriculum_root=curriculum_root)
        if standing.achievement.id not in held_ids
    ]


def _goal(user: User, standing: achievements.Standing) -> Goal:
    evaluation = standing.evaluation
    percent = 100 if standing.met else min(99, math.floor(evaluation.progress * 100))
    return Goal(
        achievement=standing.achievement,
        met=standing.met,
        percent=percent,
        why=_why_not_issued(user, standing.achievement) if standing.met else "",
        missing=tuple(_sentence(text) for text in evaluation.missing),
        done=tuple(_sentence(r.done) for r in evaluation.rules if r.done),
    )


def _why_not_issued(user: User, row: Achievement) -> str:
    """Why a met achievement is not issued yet, in the learner's words."""
    issuer = credentials.issuer_for(user, row)
    if issuer is None:
        if user.organization is None:
            return "Your account is not linked to a college yet; a college that issues it can."
        return "No college of yours issues this yet."
    short = brand_of(issuer).short
    if row.instructor_approval:
        return f"{short} issues it once its instructor approves."
    if not credentials.can_sign(issuer):
        return f"{short} issues it once its signing key is set up."
    return f"{short} issues it shortly."


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Summary:
    """The dashboard's short form: how many credentials, the latest, the closest goal."""

    count: int
    latest: list[Held]
    closest: Goal | None


def summary(
    user: User, *, now: datetime, today: date, curriculum_root: Path | None = None
) -> Summary:
    held = held_of(user, now=now)
    issued = [h for h in held if h.credential.state == ISSUED]
    issued.sort(key=lambda h: h.credential.issued_at or h.credential.criteria_met_at, reverse=True)
    goals = goals_of(user, {h.credential.achievement_id for h in held}, today, curriculum_root)
    return Summary(len(issued), issued[:3], goals[0] if goals else None)


# -- One credential's public page -----------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    passed: bool
    message: str


@dataclass(frozen=True)
class Verification:
    verified: bool
    checks: list[Check]
    checked_at: datetime

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


@dataclass(frozen=True)
class Shown:
    """The achievement as the credential states it (as signed, when it is issued)."""

    name: str
    description: str
    type_label: str
    criteria: str
    alignments: list[Alignment]


@dataclass(frozen=True)
class Page:
    held: Held
    shown: Shown
    issuer: Organization | None
    holder: str | None  # the learner's name, when they chose to show it
    url: str  # the credential's id
    verification: Verification | None  # issued credentials only
    qr: str | None  # a data: URI of the QR code to the page
    linkedin: str | None  # LinkedIn's add-to-profile address
    reason: str = ""  # why it was revoked, suspended or declined: for the holder and staff

    @property
    def credential(self) -> Credential:
        return self.held.credential

    @property
    def brand(self) -> Brand:
        return self.held.brand

    @property
    def identifiers(self) -> list[tuple[str, str]]:
        org = self.issuer
        if org is None:
            return []
        found = [("IPEDS unit ID", org.ipeds_unit_id), ("OPE ID", org.opeid)]
        return [(label, value) for label, value in found if value]


def page(credential: Credential, *, now: datetime, viewer: User | None = None) -> Page:
    """The page of *credential* as *viewer* sees it; callers apply the policy first.

    The reason it was revoked, suspended or declined is shown only to its holder and its
    issuer's staff; anyone else sees how it stands and since when.
    """
    held = Held(credential, credentials.standing(credential, now=now), brand_of(credential.issuer))
    url = credentials.credential_url(credential.public_id)
    issued = credential.state == ISSUED and credential.document is not None
    insider = policy.can_share_credential(viewer, credential) or policy.can_decide_credential(
        viewer, credential
    )
    return Page(
        held=held,
        shown=_shown(credential),
        issuer=credential.issuer,
        holder=credential.user.name if credential.show_name else None,
        url=url,
        verification=page_verification(credential, now=now) if issued else None,
        qr=qr_data_uri(url) if issued else None,
        linkedin=linkedin_url(credential, url) if issued else None,
        reason=held.reason if insider else "",
    )


def _shown(credential: Credential) -> Shown:
    row = credential.achievement
    if credential.document is not None:
        data = credential.document.get("credentialSubject", {}).get("achievement", {})
    else:
        data = ob3.achievement_json(credentials.achievement_of(row, credential.issuer))
    criteria = data.get("criteria", {})
    return Shown(
        name=data.get("name") or row.name,
        description=data.get("description") or row.description,
        type_label=badge_pages.type_label(data.get("achievementType") or row.achievement_type),
        criteria=criteria.get("narrative", "") if isinstance(criteria, dict) else "",
        alignments=badge_pages.alignments_of(data),
    )


def page_verification(credential: Credential, *, now: datetime) -> Verification:
    """The page's verification of the stored document: remembered for a minute for
    this document and status list version, and never an exception (a failure is logged and
    shown as a verification that could not be completed)."""
    key = (credential.public_id, _status_version(credential), _digest(credential.document))
    remembered = verification.caches().pages
    try:
        return remembered[key]
    except KeyError:
        pass
    try:
        found = verify(credential, now=now)
    except Exception:  # the page must load, whatever the verifier trips on
        logger.exception("verifying credential %s for its page failed", credential.public_id)
        message = "the check could not be completed on this server (it was logged)"
        return Verification(False, [Check("verification", "Verification", False, message)], now)
    remembered[key] = found
    return found


def _status_version(credential: Credential) -> int:
    found = credential.status_list
    return found.version if found is not None else 0


def _digest(document: dict[str, Any] | None) -> str:
    """A digest of *document* as RFC 8785 canonical JSON ("" when there is none)."""
    if document is None:
        return ""
    return hashlib.sha256(canonical.jcs(document)).hexdigest()


def verify(credential: Credential, *, now: datetime) -> Verification:
    """Verify the stored document as any verifier would, now."""
    report = verification.verify(credential.document, now=now)
    checks = [
        Check(c["name"], CHECK_LABELS.get(c["name"], c["name"]), bool(c["passed"]), c["message"])
        for c in report["checks"]
    ]
    return Verification(bool(report["verified"]), checks, now)


def qr_data_uri(url: str) -> str:
    """An SVG QR code of *url*, as a ``data:`` URI for an ``<img>`` (the CSP allows data:)."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return code.svg_data_uri(scale=4, border=2, dark="#0b2733", light="#ffffff")


def linkedin_url(credential: Credential, url: str) -> str:
    """LinkedIn's add-to-profile link for a certification (a plain outbound link)."""
    issued = credential.issued_at or credential.criteria_met_at
    params: dict[str, Any] = {
        "startTask": "CERTIFICATION_NAME",
        "name": credential.achievement.name,
        "organizationName": brand_of(credential.issuer).name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
    }
    if credential.valid_until is not None:
        params["expirationYear"] = credential.valid_until.year
        params["expirationMonth"] = credential.valid_until.month
    params.update(certUrl=url, certId=credential.public_id)
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


# -- Downloads ------------------------------------------------------------------------------


def document_of(credential: Credential) -> dict[str, Any]:
    """The signed credential as stored (NotFound until it is issued)."""
    if credential.state != ISSUED or credential.document is None:
        raise NotFound("This credential has not been issued.")
    return credential.document


def baked_svg(credential: Credential) -> str:
    """The credential's co-branded artwork with the signed credential baked in."""
    document = document_of(credential)
    svg = badge_pages.artwork_svg(credential.achievement, credential.issuer)
    key = ("svg", credential.public_id, _digest(document), _digest_text(svg))
    return _remembered(key, lambda: baking.bake_svg(svg, document))


def baked_png(credential: Credential, *, size: int = 400) -> bytes:
    """The artwork as a PNG with the signed credential baked in (an iTXt chunk)."""
    document = document_of(credential)
    svg = badge_pages.artwork_svg(credential.achievement, credential.issuer)
    key = ("png", credential.public_id, _digest(document), _digest_text(svg), size)
    return _remembered(key, lambda: baking.bake_png(artwork.render_png(svg, size=size), document))


def _digest_text(text: str) -> str:
    """The artwork's digest: its template, the achievement's name and the issuer's brand
    (its logo included, embedded in the SVG)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _remembered(key: tuple, make: Callable[[], Any]) -> Any:
    """*make()*, remembered under *key* among this app's rendered images."""
    images = verification.caches().images
    try:
        return images[key]
    except KeyError:
        pass
    images[key] = made = make()
    return made


def download_name(credential: Credential, suffix: str) -> str:
    """A file name for a download: the achievement's slug and the suffix."""
    return f"{credential.achievement.slug}-credential{suffix}"

"""Demo credentials: the demo colleges get signing keys and branding, and the demo apprentice
earns the "Industrial Networks and OT Security" badge through the same services a real
learner's work goes through (an instructor's rubric assessments and a graded lab), each
labelled as demo data.

The lab submission is recorded as graded rather than run: seeding does not start kernels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.domain import assessments as rules
from app.extensions import db
from app.models import Framework, LabSubmission, Organization
from app.services import accounts, assessments, awards, credentials, keys

DEMO_BADGE = "smf-networks-and-ot-security"
DEMO_LAB = "lab-modbus-decoding"
FRAMEWORK = "smart-manufacturing"


@dataclass(frozen=True)
class Branding:
    slug: str
    short_name: str
    primary: str
    secondary: str
    ipeds: str
    opeid: str


# Colours chosen for contrast with white text; identifiers are the reserved-looking
# all-nines values, since the demo colleges are not real institutions.
BRANDING = (
    Branding("lakeshore-cc", "Lakeshore CC", "#0b5394", "#f1c232", "999991", "99999100"),
    Branding("carver-state", "Carver State", "#6b1f3a", "#e0b84d", "999992", "99999200"),
)

# (competency, what the demo instructor assessed at level 3, Proficient)
DEMO_ASSESSMENTS = (
    ("SM.NET.1", "Demo assessment: mapped the packaging line's Ethernet/IP and Modbus TCP "
     "devices, addressed a new drive and explained why the PLC network stays flat."),
    ("SM.SEC.1", "Demo assessment: walked the cell's zones and conduits, found the vendor's "
     "remote-access modem and wrote the change request to remove it."),
)  # fmt: skip


def seed_issuers(*, now: datetime) -> list[str]:
    """Brand the demo colleges and give each signing keys; return the slugs given keys."""
    keyed = []
    for brand in BRANDING:
        org = db.session.scalar(select(Organization).where(Organization.slug == brand.slug))
        if org is None:
            continue
        if not org.short_name:
            org.short_name, org.website = brand.short_name, ""
            org.brand_primary, org.brand_secondary = brand.primary, brand.secondary
            org.ipeds_unit_id, org.opeid = brand.ipeds, brand.opeid
        if not keys.list_keys(org):
            keys.generate(org, now=now)
            keyed.append(org.slug)
    return keyed


def seed_credential(*, curriculum_root: Path, today: date, now: datetime) -> bool:
    """Give the demo apprentice the demo badge by demo work; False if done or impossible."""
    apprentice = accounts.find_by_email("apprentice@shopfloor.example")
    instructor = accounts.find_by_email("instructor@shopfloor.example")
    framework = db.session.scalar(select(Framework).where(Framework.slug == FRAMEWORK))
    if None in (apprentice, instructor, framework):
        return False
    if any(c.achievement.slug == DEMO_BADGE for c in credentials.of_user(apprentice.id)):
        return False
    for days, (code, note) in zip((21, 14), DEMO_ASSESSMENTS, strict=True):
        draft = rules.Draft(code, 3, "Demo: shop-floor walk-through", note,
                            today - timedelta(days=days), score=90)  # fmt: skip
        assessments.assess(apprentice, framework, draft, by=instructor, today=today, now=now)
    db.session.add(
        LabSubmission(
            user_id=apprentice.id, lab_slug=DEMO_LAB, seed=1, notebook="{}", status="graded",
            total=18.0, maximum=20.0, message="Demo submission: recorded as graded by the seed.",
            created_at=now - timedelta(days=10), finished_at=now - timedelta(days=10),
        )
    )  # fmt: skip
    db.session.flush()
    outcome = awards.award_due(apprentice, now=now, today=today, curriculum_root=curriculum_root)
    issued = next((c for c in outcome.awarded if c.achievement.slug == DEMO_BADGE), None)
    if issued is not None and issued.state == "issued":
        credentials.set_sharing(issued, public=True, show_name=True, actor=apprentice, now=now)
    return issued is not None

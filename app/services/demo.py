"""Demonstration organizations and one account per role, for trying Shopfloor out.

Everything made here is labelled as demo data, and addresses use the reserved
``.example`` domain, so nothing can be mistaken for a real college, company or person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.domain import ojl
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Organization, User
from app.services import accounts, apprenticeships, organizations, programs
from app.services.organizations import NewOrganization

DEMO_PASSWORD = "shopfloor-demo-lathe-42"  # noqa: S105 (published on purpose; dev only)

ORGANIZATIONS = (
    NewOrganization(
        slug="lakeshore-cc",
        name="Lakeshore Community College (demo)",
        kind=OrgKind.TRAINING_PARTNER,
        location="Demo City, OH",
        description="Demo training partner: a community college running a smart manufacturing "
        "technician program with related technical instruction for registered apprentices.",
    ),
    NewOrganization(
        slug="carver-state",
        name="Carver State University (demo)",
        kind=OrgKind.TRAINING_PARTNER,
        location="Demo City, AL",
        description="Demo training partner: an HBCU offering industrial engineering "
        "technology courses and co-branded credentials.",
    ),
    NewOrganization(
        slug="riverbend-packaging",
        name="Riverbend Precision Packaging (demo)",
        kind=OrgKind.EMPLOYER,
        location="Demo City, OH",
        description="Demo employer: a 60-person manufacturer running two packaging lines, "
        "sponsoring apprentices and providing on-the-job mentors.",
    ),
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    org_slug: str | None


USERS = (
    DemoUser("apprentice@shopfloor.example", "Avery Apprentice", Role.APPRENTICE, "lakeshore-cc"),
    DemoUser("mentor@shopfloor.example", "Morgan Mentor", Role.MENTOR, "riverbend-packaging"),
    DemoUser("instructor@shopfloor.example", "Indira Instructor", Role.INSTRUCTOR, "lakeshore-cc"),
    DemoUser(
        "partner@shopfloor.example", "Parker Partner-Admin", Role.PARTNER_ADMIN, "carver-state"
    ),
    DemoUser("employer@shopfloor.example", "Emery Employer", Role.EMPLOYER, "riverbend-packaging"),
    DemoUser("admin@shopfloor.example", "Adrian Admin", Role.PLATFORM_ADMIN, None),
)


@dataclass(frozen=True)
class SeedReport:
    created_orgs: list[str]
    created_users: list[str]
    apprenticeship: bool = False  # the demo apprentice was enrolled now


DEMO_PROGRAM = "smart-manufacturing-technician"
# The demo apprentice's first weeks on the job: (days ago, hours, work process, competencies,
# what they did, the demo mentor's decision). Labelled as demo entries on every page.
DEMO_LOG = (
    (
        40,
        "8",
        "safety-lockout",
        (),
        "Demo entry: lockout/tagout walk-through of both "
        "packaging lines with Morgan; verified zero energy on the case packer.",
        ojl.APPROVED,
    ),
    (
        33,
        "7.5",
        "plc-controls",
        ("SM.CTRL.1", "SM.PACK.1"),
        "Demo entry: traced a stopped "
        "filler to its PackML state and the blocked-discharge interlock.",
        ojl.APPROVED,
    ),
    (
        12,
        "6",
        "production-data",
        ("SM.KPI.1",),
        "Demo entry: logged downtime reasons for a "
        "shift and worked out the filler's availability with Morgan.",
        ojl.APPROVED,
    ),
    (
        2,
        "4:30",
        "maintenance",
        ("SM.MAINT.1",),
        "Demo entry: preventive maintenance route on the capper; replaced a worn drive belt.",
        None,
    ),
)


def seed(*, now: datetime) -> SeedReport:
    """Create whatever demo organizations and users are missing; change nothing else."""
    created_orgs = []
    for new in ORGANIZATIONS:
        if db.session.scalar(select(Organization).where(Organization.slug == new.slug)) is None:
            organizations.create(new, now=now)
            created_orgs.append(new.slug)
    created_users = []
    for demo in USERS:
        if accounts.find_by_email(demo.email) is not None:
            continue
        org = organizations.get_by_slug(demo.org_slug) if demo.org_slug else None
        accounts.register(
            accounts.NewAccount(demo.email, demo.name, DEMO_PASSWORD, demo.role, org), now=now
        )
        created_users.append(demo.email)
    return SeedReport(created_orgs, created_users)


def seed_apprenticeship(*, curriculum_root: Path, today: date, now: datetime) -> bool:
    """Enrol the demo apprentice in the shipped program, mentored by the demo mentor, with a
    few weeks of demo OJL entries (most signed off); False if already done or impossible
    (the program file is not loaded, or a demo account is missing)."""
    apprentice = accounts.find_by_email("apprentice@shopfloor.example")
    mentor = accounts.find_by_email("mentor@shopfloor.example")
    sponsor = accounts.find_by_email("employer@shopfloor.example")
    program = programs.catalog(curriculum_root).get(DEMO_PROGRAM)
    if None in (apprentice, mentor, sponsor, program) or apprenticeships.of_apprentice(apprentice):
        return False
    enrolment = apprenticeships.enrol(
        apprentice, program, mentor=mentor, employer=sponsor.organization,
        start_date=today - timedelta(days=60), by=sponsor, today=today, now=now,
    )  # fmt: skip
    for days, hours, process, codes, what, decision in DEMO_LOG:
        draft = ojl.Draft(today - timedelta(days=days), hours, process, codes, what)
        entry = apprenticeships.log(enrolment, program, draft, by=apprentice, today=today,
                                    now=now)  # fmt: skip
        if decision:
            apprenticeships.review(entry, decision, "", by=mentor, version=entry.version,
                                   now=now, program=program)  # fmt: skip
    return True


def demo_accounts() -> list[User]:
    emails = [demo.email for demo in USERS]
    found = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    return [found[email] for email in emails if email in found]

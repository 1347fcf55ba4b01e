"""What `make run` shows program staff: a demo state program with three partners and two
employers taking part, cohorts with months of work, and figures to read, all marked demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from app import policy
from app.content import validate
from app.database import utcnow
from app.domain.roles import OrgKind
from app.extensions import db
from app.models import LabSubmission, Organization, User
from app.services import accounts, demo, demo_credentials, demo_program, program_report
from tests import badge_trees

REPO = badge_trees.REPO
TODAY = date(2026, 12, 6)


def seed_all():
    from app.services import curriculum_sync

    root = REPO / "curricula"
    curriculum, problems = validate.load(root, labs_root=REPO / "labs")
    assert problems.errors == []
    curriculum_sync.sync(curriculum, version="test", now=utcnow())
    demo.seed(now=utcnow())
    demo.seed_apprenticeship(curriculum_root=root, today=TODAY, now=utcnow())
    demo_credentials.seed_issuers(now=utcnow())
    return demo_program.seed(curriculum_root=root, labs_root=REPO / "labs", today=TODAY,
                             now=utcnow())  # fmt: skip


def test_the_demo_program_has_partners_employers_staff_and_figures_all_marked_demo(ctx):
    made = seed_all()
    assert made is not None and made.organizations == 3 and made.learners == 16
    operator = program_report.get_program(demo_program.OPERATOR)
    assert operator.name == "Great Lakes Manufacturing Leadership Program (demo)"
    taking_part = program_report.participants(operator)
    kinds = sorted((o.kind.value, o.slug) for o in taking_part)
    assert kinds == [
        ("employer", "maple-ridge-castings"),
        ("employer", "riverbend-packaging"),
        ("training_partner", "carver-state"),
        ("training_partner", "lakeshore-cc"),
        ("training_partner", "north-coast-training"),
    ]
    assert all(o.name.endswith("(demo)") and o.state and o.county for o in taking_part)
    staff = accounts.find_by_email(demo_program.STAFF_EMAIL)
    assert policy.can_view_program(staff, operator)
    partner_admin = accounts.find_by_email("partner@shopfloor.example")
    assert not policy.can_view_program(partner_admin, operator)
    db.session.commit()

    # Its figures: every kind has something to show.
    filters = program_report.read_filters(operator, {"period": "2026"}, today=TODAY)
    found = program_report.report(operator, filters, labs_root=REPO / "labs")
    t = found.totals
    assert t.enrolled == 17  # the 16 demo learners and Avery Apprentice
    assert t.completing >= 5 and t.manufacturers == 2
    assert t.apprentices_active == 4  # Avery and three learners
    assert t.credentials >= 3 and t.lab_hours > 10 and t.labs_unestimated == 0
    assert [r.org.slug for r in found.partners] == [
        "carver-state", "lakeshore-cc", "north-coast-training",
    ]  # fmt: skip
    assert all(r.enrolled for r in found.partners)
    assert {(r.state, r.county) for r in found.counties} == {
        ("AL", "Madison County"), ("OH", "Cuyahoga County"), ("OH", "Lake County"),
        ("OH", "Lorain County"),
    }  # fmt: skip
    assert any(r.mastered for r in program_report.attainment(operator, filters))
    assert sum(b.values[0] for b in found.credentials_by_period) == t.credentials
    assert len({b.period.label for b in found.credentials_by_period if b.values[0]}) >= 2

    # Everything is marked as demo data.
    learners = list(db.session.scalars(select(User).where(User.email.like("%@learners.%"))))
    assert len(learners) == 16 and all(u.email.endswith(".example") for u in learners)
    labs = list(db.session.scalars(select(LabSubmission)))
    assert labs and all(s.message == demo_program.SEED_MESSAGE for s in labs)
    assert all(c.name.endswith("(demo)") for c in demo_program.seeded_cohorts())
    operators = db.session.scalars(
        select(Organization).where(Organization.kind == OrgKind.PROGRAM_OPERATOR)
    )
    assert [o.slug for o in operators] == [demo_program.OPERATOR]

    # Seeding again changes nothing.
    assert seed_all() is None
    assert db.session.scalar(select(db.func.count()).select_from(Organization)) == 6


def test_without_the_course_nothing_of_the_program_is_made(ctx, tmp_path: Path):
    demo.seed(now=utcnow())
    made = demo_program.seed(curriculum_root=tmp_path, labs_root=tmp_path, today=TODAY,
                             now=utcnow())  # fmt: skip
    assert made is None
    assert db.session.scalar(select(db.func.count()).select_from(Organization)) == 3

"""A small state program with a college, its open cohort, and two manufacturers, for the
employer and consent tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.database import latest_today, utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Apprenticeship, Cohort, Course, Lesson, LessonCompletion
from app.services import cohorts
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree


@dataclass
class EmployerSite:
    people: dict[str, int]  # name → user id
    cohort: str  # public id of the open cohort
    closed: str  # public id of a cohort closed for joining
    elsewhere: str  # public id of an open cohort of another state's program
    enrolment: str  # public id of Ana's apprenticeship with Acme


def build() -> EmployerSite:
    """Inside an app context: the program, its people, and one lesson Lou completed."""
    sync_tree(FIXTURE_CURRICULA / "good")
    today = latest_today()
    program = factories.make_org(slug="ohio-msl", kind=OrgKind.PROGRAM_OPERATOR)
    other_program = factories.make_org(slug="iowa-msl", kind=OrgKind.PROGRAM_OPERATOR)
    college = factories.make_org(slug="lakeshore", name="Lakeshore CC")
    college.program_operator_id = program.id
    far = factories.make_org(slug="far-college", name="Far College")
    far.program_operator_id = other_program.id
    acme = factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
    acme.program_operator_id = program.id
    other = factories.make_org(slug="other-co", name="Other Co", kind=OrgKind.EMPLOYER)
    people = {
        "eve": factories.make_user(name="Eve Employer", role=Role.EMPLOYER, org=acme),
        "mo": factories.make_user(name="Mo Mentor", role=Role.MENTOR, org=acme),
        "wes": factories.make_user(name="Wes Worker", role=Role.APPRENTICE, org=acme),
        "ana": factories.make_user(name="Ana Apprentice", role=Role.APPRENTICE, org=college),
        "lou": factories.make_user(name="Lou Learner", role=Role.APPRENTICE, org=college),
        "pat": factories.make_user(name="Pat Partner", role=Role.PARTNER_ADMIN, org=college),
        "oz": factories.make_user(name="Oz Other", role=Role.EMPLOYER, org=other),
        "root": factories.make_user(name="Root", role=Role.PLATFORM_ADMIN),
    }
    # Tia runs Other Co and works at Acme: two organizations, two roles.
    tia = factories.make_user(name="Tia Two", role=Role.EMPLOYER, org=other)
    factories.join(tia, acme, Role.APPRENTICE)
    people["tia"] = tia
    course = db.session.scalar(select(Course))
    open_cohort = _cohort(college, course, "Evening cohort", today, code="OPEN2345")
    closed = _cohort(college, course, "Closed cohort", today, code=None)
    elsewhere = _cohort(far, course, "Far cohort", today, code="FAR23456")
    now = utcnow()
    cohorts.enrol(open_cohort, people["lou"], via="roster", actor=people["pat"], now=now,
                  sponsor_id=acme.id)  # fmt: skip
    lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id).limit(1))
    db.session.add(LessonCompletion(user_id=people["lou"].id, lesson_id=lesson.id))
    enrolment = Apprenticeship(
        apprentice_id=people["ana"].id, program_id="demo-program", employer_id=acme.id,
        mentor_id=None, start_date=today - timedelta(days=30), status="active",
        created_at=now,
    )  # fmt: skip
    db.session.add(enrolment)
    db.session.commit()
    return EmployerSite(
        {name: user.id for name, user in people.items()},
        open_cohort.public_id,
        closed.public_id,
        elsewhere.public_id,
        enrolment.public_id,
    )


def _cohort(host, course, name, today, *, code):
    cohort = Cohort(
        host=host, name=name, course=course, starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=90), join_code=code,
    )  # fmt: skip
    db.session.add(cohort)
    db.session.flush()
    return cohort

"""The demo state program: a program operator with three training partners and two employers,
four cohorts of the shipped course with months of learners' work behind them, apprentices,
and the credentials that work earned, so the program view has figures to show.

Everything goes through the services real work goes through (cohort enrolment, lesson
completion, quiz answers, competency evidence, credential awards), dated in the past relative
to *today*. Organizations are labelled "(demo)", addresses use ``.example``, and lab work is
recorded as graded without running (seeding starts no kernels), its message saying so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from app.domain import passwords
from app.domain.evidence import ASSESSMENT
from app.domain.roles import OrgKind, Role
from app.errors import DomainError
from app.extensions import db
from app.models import Cohort, Course, LabSubmission, Lesson, Organization, User
from app.services import (
    accounts,
    apprenticeships,
    awards,
    cohorts,
    courses,
    evidence,
    lab_catalog,
    memberships,
    organizations,
    programs,
    quizzes,
)
from app.services.demo import DEMO_PASSWORD
from app.services.organizations import NewOrganization

COURSE = "smart-manufacturing-foundations"
OPERATOR = "great-lakes-mlp"
STAFF_EMAIL = "program@shopfloor.example"
SEED_MESSAGE = "Demo submission: recorded as graded by the seed."

NEW_ORGANIZATIONS = (
    NewOrganization(
        slug=OPERATOR,
        name="Great Lakes Manufacturing Leadership Program (demo)",
        kind=OrgKind.PROGRAM_OPERATOR,
        location="Demo City, OH",
        description="Demo program operator: a state-funded program that pays training "
        "partners to bring smart manufacturing skills to small and medium manufacturers, and "
        "reports what they delivered.",
    ),
    NewOrganization(
        slug="north-coast-training",
        name="North Coast Union Training Center (demo)",
        kind=OrgKind.TRAINING_PARTNER,
        location="Demo City, OH",
        description="Demo training partner: a joint labour-management training centre giving "
        "registered apprentices their related technical instruction.",
    ),
    NewOrganization(
        slug="maple-ridge-castings",
        name="Maple Ridge Castings (demo)",
        kind=OrgKind.EMPLOYER,
        location="Demo City, AL",
        description="Demo employer: a 45-person foundry modernising its melt and moulding "
        "lines, sending maintenance technicians to training.",
    ),
)

# Where each demo organization of the program is: (state, county).
PLACES = {
    "lakeshore-cc": ("OH", "Lake County"),
    "carver-state": ("AL", "Madison County"),
    "north-coast-training": ("OH", "Cuyahoga County"),
    "riverbend-packaging": ("OH", "Lorain County"),
    "maple-ridge-castings": ("AL", "Madison County"),
}


@dataclass(frozen=True)
class DemoCohort:
    host: str
    name: str
    starts: int  # days before today
    ends: int  # days after today (negative: it ended that many days ago)
    schedule: str
    instructor: str | None  # a demo account's email
    # (learner, sponsor slug or None, lessons completed: "all" or a number, withdrew)
    learners: tuple[tuple[str, str | None, int | str, bool], ...]


# Learners of the demo cohorts (names of no real person; accounts at .example addresses).
COHORTS = (
    DemoCohort("lakeshore-cc", "Spring 2026 day (demo)", 240, -60, "Mon and Wed 9 am–noon",
               "instructor@shopfloor.example", (
                   ("Jordan Reyes", "riverbend-packaging", "all", False),
                   ("Sam Whitfield", "riverbend-packaging", "all", False),
                   ("Alex Novak", None, "all", False),
                   ("Casey Morgan", "riverbend-packaging", "all", False),
                   ("Robin Castillo", None, 9, True),
                   ("Taylor Brooks", "riverbend-packaging", 14, False),
               )),
    DemoCohort("lakeshore-cc", "Fall 2026 evening (demo)", 45, 120, "Tue and Thu 6–9 pm",
               "instructor@shopfloor.example", (
                   ("Jamie Okafor", "riverbend-packaging", 8, False),
                   ("Drew Kowalski", None, 5, False),
                   ("Morgan Ellis", "riverbend-packaging", 3, False),
               )),
    DemoCohort("carver-state", "Online weekend (demo)", 100, 80, "Saturdays, online",
               None, (
                   ("Kendall Harper", "maple-ridge-castings", "all", False),
                   ("Avery Lin", "maple-ridge-castings", 12, False),
                   ("Riley Johnson", None, 7, False),
                   ("Quinn Adeyemi", "maple-ridge-castings", 4, False),
               )),
    DemoCohort("north-coast-training", "Apprentice related instruction, year 1 (demo)", 150,
               30, "Thursdays 4–8 pm", None, (
                   ("Devon Price", "riverbend-packaging", "all", False),
                   ("Harper Singh", "riverbend-packaging", "all", False),
                   ("Emerson Vance", None, 16, False),
               )),
)  # fmt: skip
# Learners who are also registered apprentices: (learner, employer slug, days since start).
APPRENTICES = (
    ("Devon Price", "riverbend-packaging", 150),
    ("Harper Singh", "riverbend-packaging", 140),
    ("Kendall Harper", "maple-ridge-castings", 100),
)


def learner_email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@learners.shopfloor.example"


@dataclass(frozen=True)
class ProgramReport:
    organizations: int
    learners: int
    credentials: int


def seed(
    *, curriculum_root: Path, labs_root: Path, today: date, now: datetime
) -> ProgramReport | None:
    """Create the demo program and its months of work; None if it exists already, or cannot
    be made (the course is not loaded, or the demo accounts are missing)."""
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    admin = accounts.find_by_email("admin@shopfloor.example")
    if course is None or admin is None or _exists(OPERATOR):
        return None
    made = [organizations.create(new, now=now) for new in NEW_ORGANIZATIONS]
    operator = made[0]
    operator.state = "OH"
    for slug, (state, county) in PLACES.items():
        org = organizations.get_by_slug(slug)
        org.state, org.county, org.program_operator_id = state, county, operator.id
    _staff(operator, admin, now)
    work = _Work(course, labs_root, curriculum_root, random.Random(14))  # noqa: S311 - demo
    learners = 0
    for plan in COHORTS:
        learners += _cohort(plan, course, admin, today, work)
    _apprentices(curriculum_root, admin, today, now)
    return ProgramReport(len(made), learners, work.credentials)


def _exists(slug: str) -> bool:
    return db.session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None


def _staff(operator: Organization, admin: User, now: datetime) -> User:
    staff = accounts.find_by_email(STAFF_EMAIL)
    if staff is None:
        staff = accounts.register(
            accounts.NewAccount(STAFF_EMAIL, "Paige Program-Staff", DEMO_PASSWORD,
                                Role.PARTNER_ADMIN, operator),
            now=now,
        )  # fmt: skip
    return staff


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour % 24), tzinfo=UTC)


def _cohort(plan: DemoCohort, course: Course, admin: User, today: date, work: _Work) -> int:
    host = organizations.get_by_slug(plan.host)
    teachers = []
    if plan.instructor:
        teacher = accounts.find_by_email(plan.instructor)
        teachers = [teacher.public_id] if teacher is not None else []
    starts, ends = today - timedelta(days=plan.starts), today + timedelta(days=plan.ends)
    draft = cohorts.Draft(name=plan.name, course_slug=COURSE, program_id=None, starts_on=starts,
                          ends_on=ends, schedule=plan.schedule, location=host.location,
                          instructor_ids=tuple(teachers))  # fmt: skip
    cohort = cohorts.create(host, draft, actor=admin, now=_at(starts - timedelta(days=21), 10))
    if plan.host == "lakeshore-cc" and plan.ends > 0:
        avery = accounts.find_by_email("apprentice@shopfloor.example")
        if avery is not None:  # the demo apprentice learns in the running Lakeshore cohort
            sponsor = organizations.get_by_slug("riverbend-packaging")
            cohorts.enrol(cohort, avery, via="admin", actor=admin, now=_at(starts, 9),
                          sponsor_id=sponsor.id)  # fmt: skip
    for n, (name, sponsor_slug, lessons, withdrew) in enumerate(plan.learners):
        learner = work.learner(name)
        joined = _at(starts + timedelta(days=n % 3), 9 + n)
        sponsor = organizations.get_by_slug(sponsor_slug) if sponsor_slug else None
        member = cohorts.enrol(cohort, learner, via="roster", actor=admin, now=joined,
                               sponsor_id=sponsor.id if sponsor else None)  # fmt: skip
        if sponsor is not None:  # a worker of the employer that sends them
            memberships.add(learner, sponsor, Role.APPRENTICE, actor=admin, now=joined)
        last = work.progress(learner, joined, min(today, ends), lessons)
        if withdrew:
            cohorts.withdraw(member, actor=admin, now=last + timedelta(days=10))
    db.session.flush()
    return len(plan.learners)


class _Work:
    """Lesson completions, quiz answers and graded labs for the demo learners."""

    def __init__(self, course: Course, labs_root: Path, curriculum_root: Path, rnd) -> None:
        self.course, self.labs_root, self.root, self.rnd = course, labs_root, curriculum_root, rnd
        self.lessons = list(
            db.session.scalars(
                select(Lesson)
                .where(Lesson.course_id == course.id, Lesson.archived_at.is_(None))
                .order_by(Lesson.position)
            )
        )
        self.password_hash = passwords.hash_password(DEMO_PASSWORD)
        self.credentials = 0

    def learner(self, name: str) -> User:
        email = learner_email(name)
        user = accounts.find_by_email(email)
        if user is None:
            user = User(email=email, name=name, password_hash=self.password_hash,
                        role=Role.APPRENTICE)  # fmt: skip
            db.session.add(user)
            db.session.flush()
        return user

    def progress(self, user: User, joined: datetime, until: date, lessons: int | str) -> datetime:
        """Complete *lessons* lessons in course order from *joined* (answering their questions
        and doing their labs), no later than *until*; return when the last was done."""
        count = len(self.lessons) if lessons == "all" else int(lessons)
        span = max(1, (until - joined.date()).days - 2)
        step = span / max(1, count)
        when = joined
        for index, lesson in enumerate(self.lessons[:count]):
            when = joined + timedelta(days=step * (index + 1), hours=self.rnd.randrange(6))
            courses.set_completed(user, lesson, True, now=when)
            if index % 4 == 0:  # the quizzes of some lessons (each answer is evidence to judge)
                for question in lesson.questions:
                    if question.archived_at is None:
                        self._answer(user, question, when)
            for card in lesson.labs or ():
                if not card.get("planned"):
                    self._lab(user, card["id"], when + timedelta(hours=2))
            if index + 1 in (count // 2, count):  # badges are earned as modules are done
                self._award(user, when + timedelta(hours=3))
        return when

    def _answer(self, user: User, question, when: datetime) -> None:
        spec = quizzes.spec_of(question)
        right = [c.key for c in spec.choices if c.correct]
        answer = {
            "single": right[0] if right else None,
            "multiple": sorted(right),
            "numeric": spec.answer,
            "order": [c.key for c in spec.choices],
        }.get(spec.type)
        try:
            quizzes.answer(user, question, answer, now=when)
        except DomainError:
            return  # a question the seed cannot answer is left unanswered

    def _lab(self, user: User, lab_id: str, when: datetime) -> None:
        try:
            lab = lab_catalog.load(self.labs_root, lab_id)
        except (DomainError, ValueError):
            return  # the notebook is not there: no lab work is made up
        share = self.rnd.uniform(0.78, 0.97)
        submission = LabSubmission(
            user_id=user.id, lab_slug=lab.id, course_id=self.course.id, seed=1, notebook="{}",
            status="graded", attempt=1, total=round(share * lab.max_points, 1),
            maximum=lab.max_points, message=SEED_MESSAGE, created_at=when, finished_at=when,
        )  # fmt: skip
        db.session.add(submission)
        db.session.flush()
        if lab.competencies:
            evidence.record(
                user.id, lab.competencies, framework_id=self.course.framework_id,
                source_kind="lab", source_ref=f"{lab.id}#attempt-1", purpose=ASSESSMENT,
                score=submission.total / submission.maximum, content_version=lab.version,
                now=when, replace=True,
            )  # fmt: skip

    def _award(self, user: User, when: datetime) -> None:
        outcome = awards.award_due(user, now=when, today=when.date(), curriculum_root=self.root)
        self.credentials += sum(1 for c in outcome.awarded if c.state == "issued")


def _apprentices(curriculum_root: Path, admin: User, today: date, now: datetime) -> None:
    program = programs.catalog(curriculum_root).get("smart-manufacturing-technician")
    mentor = accounts.find_by_email("mentor@shopfloor.example")
    if program is None:
        return
    for name, employer_slug, days in APPRENTICES:
        user = accounts.find_by_email(learner_email(name))
        employer = organizations.get_by_slug(employer_slug)
        if user is None or apprenticeships.of_apprentice(user):
            continue
        chosen = mentor if employer_slug == "riverbend-packaging" else None
        apprenticeships.enrol(user, program, mentor=chosen, employer=employer,
                              start_date=today - timedelta(days=days), by=admin, today=today,
                              now=now)  # fmt: skip


def staff_accounts() -> list[User]:
    """The demo program's staff account, once seeded."""
    staff = accounts.find_by_email(STAFF_EMAIL)
    return [staff] if staff is not None else []


def seeded_cohorts() -> list[Cohort]:
    """The demo program's cohorts (for tests and the command's summary)."""
    names = [c.name for c in COHORTS]
    return list(db.session.scalars(select(Cohort).where(Cohort.name.in_(names))))

"""What a manufacturer does on Shopfloor: register, follow its people (with their consent),
send workers to partners' cohorts, and assign mentors to its apprentices."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import (
    Apprenticeship,
    Cohort,
    CohortMember,
    Consent,
    Credential,
    LabSubmission,
    Lesson,
    LessonCompletion,
    Organization,
    User,
)
from app.services import (
    apprenticeships,
    audit,
    cohorts,
    consents,
    invitations,
    memberships,
    org_details,
    organizations,
)


@dataclass
class Progress:
    """What a consenting learner has done, for their employer."""

    lessons_done: int = 0
    lessons_total: int = 0
    labs_graded: int = 0
    credentials: list[Credential] = field(default_factory=list)


@dataclass
class Person:
    """Someone an employer follows, how they are linked, and (with consent) their progress."""

    user: User
    worker: bool = False  # a member of the employer
    places: list[CohortMember] = field(default_factory=list)  # cohort places it sponsors
    apprenticeships: list[Apprenticeship] = field(default_factory=list)  # it employs
    consent: Consent | None = None
    progress: Progress | None = None  # None without consent


def people(org: Organization) -> list[Person]:
    """*org*'s workers, the learners it sponsors in cohorts and its apprentices, by name.

    Progress and credentials are filled in only for those who consented."""
    found: dict[int, Person] = {}

    def person(user: User) -> Person:
        return found.setdefault(user.id, Person(user))

    for membership in memberships.of_organization(org, role=Role.APPRENTICE):
        person(membership.user).worker = True
    places = db.session.scalars(
        select(CohortMember)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.sponsor_id == org.id, CohortMember.status == "active")
        .order_by(Cohort.starts_on)
    )
    for place in places:
        person(place.user).places.append(place)
    employed = select(Apprenticeship).where(Apprenticeship.employer_id == org.id)
    for enrolment in db.session.scalars(employed.order_by(Apprenticeship.start_date)):
        person(enrolment.apprentice).apprenticeships.append(enrolment)
    granted = consents.consenting(org, set(found))
    for user_id, consent in granted.items():
        found[user_id].consent = consent
    for user_id, progress in _progress(set(granted)).items():
        found[user_id].progress = progress
    return sorted(found.values(), key=lambda p: (p.user.name.lower(), p.user.id))


def _progress(user_ids: set[int]) -> dict[int, Progress]:
    """Progress of *user_ids* in the courses of their active cohorts, in four queries."""
    if not user_ids:
        return {}
    ids = sorted(user_ids)
    result = {user_id: Progress() for user_id in ids}
    courses: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(
        select(CohortMember.user_id, Cohort.course_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(
            CohortMember.user_id.in_(ids),
            CohortMember.status == "active",
            Cohort.course_id.is_not(None),
        )
    )
    for user_id, course_id in rows:
        courses[user_id].add(course_id)
    all_courses = sorted({c for cs in courses.values() for c in cs})
    if all_courses:
        totals = dict(
            db.session.execute(
                select(Lesson.course_id, func.count())
                .where(Lesson.course_id.in_(all_courses), Lesson.archived_at.is_(None))
                .group_by(Lesson.course_id)
            ).all()
        )
        done = db.session.execute(
            select(LessonCompletion.user_id, Lesson.course_id, func.count())
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .where(
                LessonCompletion.user_id.in_(ids),
                Lesson.course_id.in_(all_courses),
                Lesson.archived_at.is_(None),
            )
            .group_by(LessonCompletion.user_id, Lesson.course_id)
        )
        for user_id, course_id, n in done:
            if course_id in courses[user_id]:
                result[user_id].lessons_done += n
        for user_id, course_ids in courses.items():
            result[user_id].lessons_total = sum(totals.get(c, 0) for c in course_ids)
    graded = db.session.execute(
        select(LabSubmission.user_id, func.count(func.distinct(LabSubmission.lab_slug)))
        .where(LabSubmission.user_id.in_(ids), LabSubmission.status == "graded")
        .group_by(LabSubmission.user_id)
    )
    for user_id, n in graded:
        result[user_id].labs_graded = n
    held = db.session.scalars(
        select(Credential)
        .where(Credential.user_id.in_(ids), Credential.state == "issued")
        .order_by(Credential.issued_at)
    )
    for credential in held:
        result[credential.user_id].credentials.append(credential)
    return result


# -- Sending workers to cohorts, and mentors ---------------------------------------------------


def open_cohorts(org: Organization, *, today: date) -> list[Cohort]:
    """Cohorts *org* may send workers to: open for joining (their host gave them a join
    code), not ended, hosted by a partner of *org*'s state program (any partner when *org*
    takes part in none)."""
    query = (
        select(Cohort)
        .join(Organization, Organization.id == Cohort.host_id)
        .where(
            Cohort.join_code.is_not(None),
            Cohort.archived_at.is_(None),
            Cohort.ends_on >= today,
            Organization.kind == OrgKind.TRAINING_PARTNER,
        )
        .order_by(Cohort.starts_on, Cohort.name)
    )
    if org.program_operator_id is not None:
        query = query.where(Organization.program_operator_id == org.program_operator_id)
    return list(db.session.scalars(query))


def sponsor(
    org: Organization, worker: User, cohort: Cohort, *, actor: User, now: datetime, today: date
) -> invitations.Issued | None:
    """Send *worker*, one of *org*'s people, to *cohort* with *org* as their sponsor.

    A learner of the host already is enrolled at once (None). Anyone else is invited to the
    cohort and joins when they accept (the invitation is returned for mailing): joining a
    college opens their record to its staff, which only they agree to."""
    membership = memberships.find(worker, org)
    if membership is None or not membership.active or membership.role is not Role.APPRENTICE:
        raise InvalidInput("worker", f"{worker.name} is not one of {org.name}'s workers.")
    if cohort.id not in {c.id for c in open_cohorts(org, today=today)}:
        raise InvalidInput("cohort", f"{cohort.name} is not open for enrolment.")
    at_host = memberships.find(worker, cohort.host)
    issued = None
    if at_host is not None and at_host.active:
        place = cohorts.enrol(
            cohort, worker, via="sponsor", actor=actor, now=now, sponsor_id=org.id
        )
        place.sponsor_id = org.id
    elif at_host is not None:
        raise Conflict(
            f"{worker.name} was deactivated at {cohort.host.name}; its admins can reactivate them."
        )
    else:
        issued = invitations.create(
            cohort.host, worker.email, Role.APPRENTICE, actor=actor, now=now, name=worker.name,
            cohort=cohort,
        )  # fmt: skip
        cohorts.remember_sponsor(cohort, worker.email, org, actor=actor, now=now)
    db.session.flush()
    audit.record(
        org, actor, "cohort.sponsored", subject=worker.name,
        details={"cohort": cohort.name, "host": cohort.host.name}, now=now,
    )  # fmt: skip
    return issued


def mentors(org: Organization) -> list[User]:
    return [m.user for m in memberships.of_organization(org, role=Role.MENTOR) if m.user.active]


def assign_mentor(
    org: Organization, enrolment: Apprenticeship, mentor: User, *, actor: User, now: datetime
) -> None:
    """Make *mentor*, one of *org*'s mentors, the mentor of an apprentice *org* employs."""
    if enrolment.employer_id != org.id:
        raise InvalidInput("enrolment", "That apprenticeship is not with your company.")
    if mentor.id not in {m.id for m in mentors(org)}:
        raise InvalidInput("mentor", f"{mentor.name} is not a mentor at {org.name}.")
    before = enrolment.mentor.name if enrolment.mentor else "nobody"
    apprenticeships.assign_mentor(enrolment, mentor)
    audit.record(
        org, actor, "apprenticeship.mentor_assigned", subject=enrolment.apprentice.name,
        details={"from": before, "to": mentor.name}, now=now,
    )  # fmt: skip


# -- Registering a company -----------------------------------------------------------------


@dataclass(frozen=True)
class NewEmployer:
    name: str
    location: str = ""
    state: str = ""
    county: str = ""
    description: str = ""
    program_operator_id: int | None = None


def register(new: NewEmployer, *, actor: User, admin: bool, now: datetime) -> Organization:
    """Create an employer organization. With *admin*, *actor* becomes its administrator
    (a company registering itself); otherwise (a partner or program inviting a company) the
    caller invites its administrator next. InvalidInput names the first bad field."""
    clean = org_details.check_details(
        org_details.Details(
            name=new.name, kind=OrgKind.EMPLOYER, location=new.location, state=new.state,
            county=new.county, description=new.description,
            program_operator_id=new.program_operator_id,
        ),
        None,
    )  # fmt: skip
    org = organizations.create(
        organizations.NewOrganization(
            slug=_free_slug(clean.name), name=clean.name, kind=OrgKind.EMPLOYER,
            location=clean.location, description=clean.description,
        ),
        now=now,
    )  # fmt: skip
    org.state, org.county = clean.state, clean.county
    org.program_operator_id = clean.program_operator_id
    if admin:  # registering itself: to be confirmed before it acts for apprentices
        org.verified_at = None
    db.session.flush()
    audit.record(org, actor, "organization.created", subject=org.name, now=now)
    if admin:
        memberships.add(actor, org, Role.EMPLOYER, actor=actor, now=now)
    return org


def awaiting_verification(viewer_programs: set[int] | None) -> list[Organization]:
    """Companies that registered themselves and wait to be confirmed: those naming one of
    *viewer_programs* (a state program's staff), or all (None: the platform admin)."""
    query = select(Organization).where(
        Organization.kind == OrgKind.EMPLOYER, Organization.verified_at.is_(None)
    )
    if viewer_programs is not None:
        query = query.where(Organization.program_operator_id.in_(sorted(viewer_programs)))
    return list(db.session.scalars(query.order_by(Organization.created_at)))


def verify(org: Organization, *, actor: User, now: datetime) -> None:
    if org.verified_at is not None:
        return
    org.verified_at = now
    db.session.flush()
    audit.record(org, actor, "organization.verified", subject=org.name, now=now)


def _free_slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:56] or "company"
    slug, n = base, 1
    taken = set(
        db.session.scalars(select(Organization.slug).where(Organization.slug.like(f"{base}%")))
    )
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    if n > 1000:
        raise Conflict("Too many organizations share that name; choose another.")
    return slug


def choosable_by(user: User, *, everyone: bool) -> list[Organization]:
    """The employers *user* may name as an apprentice's employer of record: confirmed
    companies they run, and those of the state programs their colleges take part in
    (*everyone*: every confirmed company, for the platform admin)."""
    query = select(Organization).where(
        Organization.kind == OrgKind.EMPLOYER, Organization.verified_at.is_not(None)
    )
    if not everyone:
        own = {m.organization_id for m in user.memberships if m.active and m.role is Role.EMPLOYER}
        programs = {
            m.organization.program_operator_id
            for m in user.memberships
            if m.active and m.role is Role.PARTNER_ADMIN and m.organization.program_operator_id
        }
        query = query.where(
            Organization.id.in_(sorted(own))
            | Organization.program_operator_id.in_(sorted(programs))
        )
    return list(db.session.scalars(query.order_by(Organization.name)))

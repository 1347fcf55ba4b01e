"""Cohorts: creating them, joining them, and who learns and teaches in each.

A cohort is hosted by a training partner. Learners join by the cohort's code (typed, or in an
invite link), by a roster import (``services.rosters``) or by an emailed invitation; staff
withdraw them or move them to another cohort of the same host. A learner's work (lab
submissions, quiz answers, evidence) belongs to them and is never touched here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import (
    AuditEvent,
    Cohort,
    CohortMember,
    Course,
    Invitation,
    Organization,
    User,
)
from app.services import audit, memberships

# Join codes: 8 characters without look-alikes (no 0/O, 1/I), so one read aloud or copied
# from a projector is typed right. 32^8 ≈ 10^12 codes.
JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
MAX_NAME = 120
MAX_LOCATION = 200
MAX_SCHEDULE = 2000


@dataclass(frozen=True)
class Draft:
    """A cohort as a form describes it: the course by slug, instructors by public id."""

    name: str
    course_slug: str | None
    program_id: str | None
    starts_on: date | None
    ends_on: date | None
    schedule: str = ""
    location: str = ""
    capacity: int | None = None
    instructor_ids: tuple[str, ...] = ()


# -- Reading ------------------------------------------------------------------------------------


def get(public_id: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.public_id == public_id))
    if cohort is None:
        raise NotFound("There is no such cohort.")
    return cohort


def of_host(host: Organization) -> list[Cohort]:
    """*host*'s cohorts: running and upcoming first (by start date), archived last."""
    query = (
        select(Cohort)
        .where(Cohort.host_id == host.id)
        .order_by(Cohort.archived_at.is_not(None), Cohort.starts_on.desc(), Cohort.name)
    )
    return list(db.session.scalars(query))


def learner_counts(cohort_ids: Collection[int]) -> dict[int, int]:
    """Active learners per cohort id."""
    if not cohort_ids:
        return {}
    query = (
        select(CohortMember.cohort_id, func.count())
        .where(
            CohortMember.cohort_id.in_(list(cohort_ids)),
            CohortMember.role == "learner",
            CohortMember.status == "active",
        )
        .group_by(CohortMember.cohort_id)
    )
    return dict(db.session.execute(query).all())


def active_learners(cohort: Cohort) -> int:
    return learner_counts([cohort.id]).get(cohort.id, 0)


def published_courses() -> list[Course]:
    query = (
        select(Course)
        .where(Course.published.is_(True), Course.archived_at.is_(None))
        .order_by(Course.title)
    )
    return list(db.session.scalars(query))


def instructor_candidates(host: Organization) -> list[User]:
    """The host's active instructors, by name: the people who may teach its cohorts."""
    return [m.user for m in memberships.of_organization(host, role=Role.INSTRUCTOR)]


def instructors(cohort: Cohort) -> list[User]:
    return sorted(
        (m.user for m in cohort.members if m.role == "instructor" and m.status == "active"),
        key=lambda u: (u.name.casefold(), u.id),
    )


def learners(cohort: Cohort) -> list[CohortMember]:
    """Everyone who learns or learned in *cohort*: active first, then by name."""
    query = (
        select(CohortMember)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == "learner")
        .options(selectinload(CohortMember.user), selectinload(CohortMember.sponsor))
        .order_by(CohortMember.status != "active", User.name, User.id)
    )
    return list(db.session.scalars(query))


def learner(cohort: Cohort, user_public_id: str) -> CohortMember:
    member = db.session.scalar(
        select(CohortMember)
        .join(User, User.id == CohortMember.user_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            CohortMember.role == "learner",
            User.public_id == user_public_id,
        )
    )
    if member is None:
        raise NotFound("That person is not a learner in this cohort.")
    return member


def of_person(user: User) -> list[CohortMember]:
    """The cohorts *user* learns or teaches in now (not archived), soonest start first."""
    query = (
        select(CohortMember)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(
            CohortMember.user_id == user.id,
            CohortMember.status == "active",
            Cohort.archived_at.is_(None),
        )
        .options(selectinload(CohortMember.cohort).selectinload(Cohort.host))
        .order_by(Cohort.starts_on, Cohort.name)
    )
    return list(db.session.scalars(query))


def teaching(user: User, host: Organization) -> list[Cohort]:
    """*host*'s cohorts *user* is an active instructor of."""
    query = (
        select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(
            Cohort.host_id == host.id,
            CohortMember.user_id == user.id,
            CohortMember.role == "instructor",
            CohortMember.status == "active",
        )
        .order_by(Cohort.archived_at.is_not(None), Cohort.starts_on.desc(), Cohort.name)
    )
    return list(db.session.scalars(query))


def move_targets(cohort: Cohort) -> list[Cohort]:
    """The host's other cohorts a learner may be moved to (not archived)."""
    return [c for c in of_host(cohort.host) if c.id != cohort.id and c.archived_at is None]


def pending_invitations(cohort: Cohort) -> list[Invitation]:
    """Invitations to *cohort* neither accepted nor withdrawn (expired ones included)."""
    query = (
        select(Invitation)
        .where(
            Invitation.cohort_id == cohort.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.created_at.desc(), Invitation.email)
    )
    return list(db.session.scalars(query))


def earliest_today(now: datetime) -> date:
    """The earliest date it is anywhere now (UTC−12): a cohort still open on its last day
    somewhere is not closed to the learners there."""
    return (now - timedelta(hours=12)).date()


# -- Creating and editing ------------------------------------------------------------------------


def create(
    host: Organization,
    draft: Draft,
    *,
    actor: User,
    now: datetime,
    programs_offered: Collection[str] = (),
    choose: Callable[[str], str] = secrets.choice,
) -> Cohort:
    """A new cohort of *host*, with a fresh join code. Raises InvalidInput naming the field."""
    if host.kind is not OrgKind.TRAINING_PARTNER:
        raise InvalidInput(None, "Only training partners host cohorts.")
    values = _checked(host, draft, programs_offered)
    teachers = _instructors_of(host, draft.instructor_ids)
    cohort = Cohort(
        host=host, created_by_id=actor.id, created_at=now,
        join_code=new_join_code(choose=choose), **values,
    )  # fmt: skip
    db.session.add(cohort)
    db.session.flush()
    _set_instructors(cohort, teachers, actor=actor, now=now)
    audit.record(
        host, actor, "cohort.created", subject=cohort.name,
        details={"cohort": cohort.public_id, **_describe(values)}, now=now,
    )  # fmt: skip
    return cohort


def update(
    cohort: Cohort,
    draft: Draft,
    *,
    actor: User,
    now: datetime,
    programs_offered: Collection[str] = (),
) -> list[str]:
    """Change *cohort* to match *draft*; return the names of the fields that changed."""
    values = _checked(cohort.host, draft, programs_offered, cohort=cohort)
    teachers = _instructors_of(cohort.host, draft.instructor_ids)
    changed = [key for key, value in values.items() if getattr(cohort, key) != value]
    for key in changed:
        setattr(cohort, key, values[key])
    if _set_instructors(cohort, teachers, actor=actor, now=now):
        changed.append("instructors")
    db.session.flush()
    if changed:
        audit.record(
            cohort.host, actor, "cohort.updated", subject=cohort.name,
            details={"cohort": cohort.public_id, "changed": changed}, now=now,
        )  # fmt: skip
    return changed


def _checked(
    host: Organization,
    draft: Draft,
    programs_offered: Collection[str],
    *,
    cohort: Cohort | None = None,
) -> dict:
    name = " ".join(draft.name.split())
    if not name:
        raise InvalidInput("name", "Give the cohort a name, such as “Fall 2026 evening”.")
    if len(name) > MAX_NAME:
        raise InvalidInput("name", f"Use at most {MAX_NAME} characters.")
    course = None
    if draft.course_slug:
        course = next((c for c in published_courses() if c.slug == draft.course_slug), None)
        if course is None:
            raise InvalidInput("course", "Choose one of the published courses.")
    program_id = draft.program_id or None
    if program_id is not None and program_id not in programs_offered:
        raise InvalidInput("program", "Choose one of the programs offered here.")
    if course is None and program_id is None:
        raise InvalidInput("course", "Choose the course this cohort takes, or its program.")
    if draft.starts_on is None:
        raise InvalidInput("starts_on", "Enter the first day of the cohort.")
    if draft.ends_on is None:
        raise InvalidInput("ends_on", "Enter the last day of the cohort.")
    if draft.ends_on < draft.starts_on:
        raise InvalidInput("ends_on", "The last day cannot be before the first day.")
    capacity = draft.capacity
    if capacity is not None and capacity < 1:
        raise InvalidInput("capacity", "Enter a number of learners above 0, or leave it empty.")
    if capacity is not None and cohort is not None and capacity < active_learners(cohort):
        raise InvalidInput(
            "capacity",
            f"{active_learners(cohort)} learners are enrolled already; the capacity cannot be "
            "lower. Withdraw or move learners first.",
        )
    schedule, location = draft.schedule.strip(), " ".join(draft.location.split())
    if len(schedule) > MAX_SCHEDULE:
        raise InvalidInput("schedule", f"Use at most {MAX_SCHEDULE} characters.")
    if len(location) > MAX_LOCATION:
        raise InvalidInput("location", f"Use at most {MAX_LOCATION} characters.")
    return {
        "name": name, "course_id": course.id if course else None, "program_id": program_id,
        "starts_on": draft.starts_on, "ends_on": draft.ends_on, "schedule": schedule,
        "location": location, "capacity": capacity,
    }  # fmt: skip


def _describe(values: dict) -> dict:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in values.items()
        if key not in ("schedule",)
    }


def _instructors_of(host: Organization, public_ids: Collection[str]) -> list[User]:
    """The people *public_ids* name, each an active instructor of *host*."""
    by_id = {u.public_id: u for u in instructor_candidates(host)}
    unknown = [p for p in public_ids if p not in by_id]
    if unknown:
        raise InvalidInput("instructors", f"Choose instructors of {host.name}.")
    return [by_id[p] for p in dict.fromkeys(public_ids)]


def _set_instructors(cohort: Cohort, teachers: list[User], *, actor: User, now: datetime) -> bool:
    """Make exactly *teachers* the cohort's active instructors; True if anything changed."""
    wanted = {u.id for u in teachers}
    changed = False
    for member in list(cohort.members):
        if member.role != "instructor" or member.status != "active":
            continue
        if member.user_id not in wanted:
            _end(member, "withdrawn", actor=actor, now=now, action="cohort.instructor_removed")
            changed = True
    for user in teachers:
        changed = add_instructor(cohort, user, actor=actor, now=now) or changed
    return changed


def add_instructor(cohort: Cohort, user: User, *, actor: User, now: datetime) -> bool:
    """Make *user* (an instructor of the host) teach *cohort*; False if they already do."""
    membership = memberships.find(user, cohort.host)
    if membership is None or not membership.active or membership.role is not Role.INSTRUCTOR:
        raise InvalidInput("instructor", f"{user.name} is not an instructor of {cohort.host.name}.")
    member = _member(cohort, user)
    if member is not None and member.status == "active":
        if member.role == "instructor":
            return False
        raise InvalidInput(
            "instructor", f"{user.name} is a learner in this cohort; withdraw them first."
        )
    if member is None:
        member = CohortMember(cohort=cohort, user=user)
        db.session.add(member)
    member.role, member.status, member.left_at = "instructor", "active", None
    member.joined_at, member.joined_via, member.added_by_id = now, "admin", actor.id
    db.session.flush()
    audit.record(
        cohort.host, actor, "cohort.instructor_added", subject=user.name,
        details={"cohort": cohort.name, "email": user.email}, now=now,
    )  # fmt: skip
    return True


def remove_instructor(cohort: Cohort, user_public_id: str, *, actor: User, now: datetime) -> User:
    member = next(
        (
            m
            for m in cohort.members
            if m.role == "instructor"
            and m.status == "active"
            and m.user.public_id == user_public_id
        ),
        None,
    )
    if member is None:
        raise NotFound("That person does not teach this cohort.")
    _end(member, "withdrawn", actor=actor, now=now, action="cohort.instructor_removed")
    return member.user


# -- Join codes ---------------------------------------------------------------------------------


def new_join_code(*, choose: Callable[[str], str] = secrets.choice) -> str:
    """A join code no cohort uses. *choose* picks one character (tests pass their own)."""
    for _ in range(20):
        code = "".join(choose(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Cohort.id).where(Cohort.join_code == code)) is None:
            return code
    raise Conflict("No free join code was found. Try again.")


def normalize_code(raw: str) -> str | None:
    """A typed code in its stored form ("hmkt 4q7r" → "HMKT4Q7R"), or None if it cannot be
    one (wrong length, or a character codes never use)."""
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != JOIN_CODE_LENGTH or any(ch not in JOIN_ALPHABET for ch in code):
        return None
    return code


def by_code(raw: str) -> Cohort:
    code = normalize_code(raw)
    cohort = db.session.scalar(select(Cohort).where(Cohort.join_code == code)) if code else None
    if cohort is None:
        raise NotFound(
            "No cohort has that code. Check it with your instructor: codes have 8 letters and "
            "digits, and never use 0, O, 1 or I."
        )
    return cohort


def regenerate_code(
    cohort: Cohort, *, actor: User, now: datetime, choose: Callable[[str], str] = secrets.choice
) -> str:
    """A new join code; the old code and links stop working."""
    cohort.join_code = new_join_code(choose=choose)
    db.session.flush()
    audit.record(cohort.host, actor, "cohort.join_code_changed", subject=cohort.name, now=now)
    return cohort.join_code


def disable_code(cohort: Cohort, *, actor: User, now: datetime) -> None:
    if cohort.join_code is None:
        return
    cohort.join_code = None
    db.session.flush()
    audit.record(cohort.host, actor, "cohort.join_code_off", subject=cohort.name, now=now)


# -- Joining, leaving and moving ---------------------------------------------------------------


def join_problem(cohort: Cohort, user: User, *, now: datetime) -> str | None:
    """Why *user* cannot join *cohort* by its code now, in words for them; None if they can."""
    member = _member(cohort, user)
    if member is not None and member.status == "active":
        if member.role == "instructor":
            return "You teach this cohort, so you cannot join it as a learner."
        return None  # joining again changes nothing
    if member is not None and member.status in ("withdrawn", "moved"):
        # The staff took them out (or moved them on): only the staff bring them back.
        return (
            f"{cohort.host.name}'s staff took you out of {cohort.name}; ask them to add you again."
        )
    if cohort.archived_at is not None:
        return f"{cohort.name} is closed: {cohort.host.name} archived it."
    membership = memberships.find(user, cohort.host)
    if membership is not None and not membership.active:
        # An ended membership is not undone by a code: the host's staff decide.
        return f"Your membership of {cohort.host.name} has ended. Ask its staff to add you again."
    if earliest_today(now) > cohort.ends_on:
        return f"{cohort.name} ended on {cohort.ends_on:%B %-d, %Y}; it no longer takes learners."
    if cohort.capacity is not None and active_learners(cohort) >= cohort.capacity:
        return (
            f"{cohort.name} is full: it takes {cohort.capacity} learners. Ask "
            f"{cohort.host.name} whether a place opens up or another cohort suits you."
        )
    return None


def is_learner(cohort: Cohort, user: User) -> bool:
    member = _member(cohort, user)
    return member is not None and member.status == "active" and member.role == "learner"


def join(cohort: Cohort, user: User, *, now: datetime) -> bool:
    """Put *user* in *cohort* by its code; True if they joined now, False if they were in it.

    Raises Conflict saying why not (see join_problem).
    """
    if is_learner(cohort, user):
        return False
    problem = join_problem(cohort, user, now=now)
    if problem:
        raise Conflict(problem)
    enrol(cohort, user, via="code", actor=None, now=now)
    return True


def withdraw(member: CohortMember, *, actor: User, now: datetime) -> None:
    """End a learner's place: they keep their account, their work and their other cohorts."""
    if member.status != "active":
        raise Conflict(f"{member.user.name} is no longer in this cohort.")
    _end(member, "withdrawn", actor=actor, now=now, action="cohort.withdrawn")


def move(member: CohortMember, target: Cohort, *, actor: User, now: datetime) -> CohortMember:
    """Move a learner to *target*, another cohort of the same host. The old place is kept as
    "moved"; the learner's work is theirs and nothing else changes."""
    source = member.cohort
    if member.status != "active":
        raise Conflict(f"{member.user.name} is no longer in {source.name}.")
    if target.host_id != source.host_id or target.id == source.id:
        raise InvalidInput("target", f"Choose another cohort of {source.host.name}.")
    if target.archived_at is not None:
        raise InvalidInput("target", f"{target.name} is archived.")
    if is_learner(target, member.user):
        raise InvalidInput("target", f"{member.user.name} is already in {target.name}.")
    placed = enrol(target, member.user, via="moved", actor=actor, now=now,
                   sponsor_id=member.sponsor_id)  # fmt: skip
    member.status, member.left_at = "moved", now
    db.session.flush()
    audit.record(
        source.host, actor, "cohort.moved", subject=member.user.name,
        details={"from": source.name, "to": target.name, "email": member.user.email}, now=now,
    )  # fmt: skip
    return placed


def set_sponsor(
    member: CohortMember, sponsor: Organization | None, *, actor: User, now: datetime
) -> bool:
    """Record the employer that sends this learner; False if it already is."""
    sponsor_id = sponsor.id if sponsor is not None else None
    if member.sponsor_id == sponsor_id:
        return False
    member.sponsor_id = sponsor_id
    db.session.flush()
    audit.record(
        member.cohort.host, actor, "cohort.sponsor_changed", subject=member.user.name,
        details={"cohort": member.cohort.name, "employer": sponsor.name if sponsor else None},
        now=now,
    )  # fmt: skip
    return True


def _member(cohort: Cohort, user: User) -> CohortMember | None:
    return db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id
        )
    )


def _end(member: CohortMember, status: str, *, actor: User, now: datetime, action: str) -> None:
    member.status, member.left_at = status, now
    db.session.flush()
    audit.record(
        member.cohort.host, actor, action, subject=member.user.name,
        details={"cohort": member.cohort.name, "email": member.user.email}, now=now,
    )  # fmt: skip


def enrol(
    cohort: Cohort,
    user: User,
    *,
    via: str,
    actor: User | None,
    now: datetime,
    sponsor_id: int | None = None,
) -> CohortMember:
    """Put *user* in *cohort* as a learner (again, if they had left); they become a learner
    of its host unless they already belong to it. Enrolling twice changes nothing."""
    member = _member(cohort, user)
    if member is not None and member.status == "active":
        if member.role == "instructor":
            raise Conflict(f"{user.name} teaches {cohort.name}; a teacher is not enrolled.")
        return member
    if cohort.capacity is not None:
        lock_places(cohort)  # two taking the last place at once: one waits, then sees it full
        if active_learners(cohort) >= cohort.capacity:
            raise Conflict(f"{cohort.name} is full ({cohort.capacity} learners).")
    host_membership = memberships.find(user, cohort.host)
    if host_membership is not None and not host_membership.active and via != "invitation":
        # Only the host undoes its own decision, by inviting them again: never a code, a
        # roster or an employer sending them.
        raise Conflict(
            f"{user.name} was deactivated at {cohort.host.name}; its admins can reactivate them."
        )
    if host_membership is None or not host_membership.active:
        memberships.add(user, cohort.host, Role.APPRENTICE, actor=actor, now=now)
    if member is None:
        member = CohortMember(cohort=cohort, user=user, role="learner")
        db.session.add(member)
    member.role, member.status, member.left_at, member.joined_at = "learner", "active", None, now
    member.joined_via = via
    member.added_by_id = actor.id if actor is not None else None
    if sponsor_id is None and via == "invitation":
        noted = noted_sponsor(cohort, user.email)
        sponsor_id = noted.id if noted is not None else None
    if sponsor_id is not None:
        member.sponsor_id = sponsor_id
    db.session.flush()
    audit.record(
        cohort.host, actor or user, "cohort.enrolled", subject=user.name,
        details={"cohort": cohort.name, "via": via, "email": user.email}, now=now,
    )  # fmt: skip
    return member


def lock_places(cohort: Cohort) -> None:
    """Hold the cohort's row until the transaction ends (PostgreSQL; SQLite has one writer)."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def enrol_many(
    cohort: Cohort,
    learners: list[tuple[User, int | None]],
    *,
    via: str,
    actor: User,
    now: datetime,
) -> None:
    """Enrol many (learner, sponsor id) at once, as a roster import does: what ``enrol``
    does for each, in a few statements for them all. The caller (``rosters.plan``) has
    checked each row: an active account, not teaching here, not deactivated at the host,
    within the cohort's places."""
    if not learners:
        return
    by_id = {user.id: user for user, _ in learners}
    existing = {
        m.user_id: m
        for m in db.session.scalars(
            select(CohortMember).where(
                CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(sorted(by_id))
            )
        )
    }
    memberships.add_learners(
        cohort.host, [u for u in by_id.values() if memberships.find(u, cohort.host) is None],
        actor=actor, now=now,
    )  # fmt: skip
    for user, sponsor_id in learners:
        member = existing.get(user.id)
        if member is None:
            member = CohortMember(cohort_id=cohort.id, user_id=user.id, role="learner")
            db.session.add(member)
        member.role, member.status, member.left_at, member.joined_at = (
            "learner",
            "active",
            None,
            now,
        )
        member.joined_via, member.added_by_id = via, actor.id
        if sponsor_id is not None:
            member.sponsor_id = sponsor_id
        audit.record(
            cohort.host, actor, "cohort.enrolled", subject=user.name,
            details={"cohort": cohort.name, "via": via, "email": user.email}, now=now,
        )  # fmt: skip
    db.session.flush()


# An invitation has no employer of its own, so the employer a roster names for a new learner
# is kept in the audit trail (where the host's admins see it) and applied when they join.
SPONSOR_NOTED = "cohort.roster_sponsor"


def remember_sponsor(
    cohort: Cohort, email: str, sponsor: Organization, *, actor: User, now: datetime
) -> None:
    audit.record(
        cohort.host, actor, SPONSOR_NOTED, subject=email,
        details={"cohort": cohort.public_id, "employer_id": sponsor.id, "employer": sponsor.name},
        now=now,
    )  # fmt: skip


def noted_sponsor(cohort: Cohort, email: str) -> Organization | None:
    """The employer the latest roster named for *email*'s invitation to *cohort*, if any."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.organization_id == cohort.host_id,
            AuditEvent.action == SPONSOR_NOTED,
            AuditEvent.subject == email,
        )
        .order_by(AuditEvent.id.desc())
    )
    for event in events:
        if event.details.get("cohort") == cohort.public_id:
            org = db.session.get(Organization, event.details.get("employer_id"))
            return org if org is not None and org.kind is OrgKind.EMPLOYER else None
    return None

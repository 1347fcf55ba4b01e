"""Registered apprenticeships: enrolment, the OJL log and its mentor sign-off, with an audit
trail of every change. Services flush; the caller commits (one request, one transaction).

Who may do what is decided in ``app.policy``; these functions also refuse what no role may
do (a mentor approving their own hours, an apprentice approving anything), so no caller can
get it wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.content.programs import Program
from app.domain import ojl
from app.domain.roles import Role
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.models import Organization, User
from app.models.apprenticeships import Apprenticeship, OjlChange, OjlEntry
from app.services import assessments, memberships

COUNTED = (ojl.PENDING, ojl.APPROVED)  # toward the 24 hours a day (rejected ones are not)


# -- enrolment ---------------------------------------------------------------------------------


def enrol(
    apprentice: User,
    program: Program,
    *,
    mentor: User | None,
    employer: Organization | None,
    start_date: date,
    by: User,
    today: date,
    now: datetime,
) -> Apprenticeship:
    """Enrol *apprentice* in *program* from *start_date*, supervised by *mentor*."""
    if apprentice.role is not Role.APPRENTICE:
        raise InvalidInput("apprentice", f"{apprentice.name} is not an apprentice.")
    if mentor is not None:
        _check_mentor(mentor, apprentice)
    if start_date > today + timedelta(days=366):
        raise InvalidInput("start_date", "Choose a start date within the coming year.")
    taken = select(Apprenticeship.id).where(
        Apprenticeship.apprentice_id == apprentice.id, Apprenticeship.program_id == program.id
    )
    if db.session.scalar(taken) is not None:
        raise Conflict(f"{apprentice.name} is already enrolled in {program.title}.")
    enrolment = Apprenticeship(
        apprentice_id=apprentice.id,
        program_id=program.id,
        employer_id=employer.id if employer else None,
        mentor_id=mentor.id if mentor else None,
        start_date=start_date,
        status="active",
        created_by_id=by.id,
        created_at=now,
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def assign_mentor(enrolment: Apprenticeship, mentor: User) -> None:
    _check_mentor(mentor, enrolment.apprentice)
    enrolment.mentor_id = mentor.id
    db.session.flush()


def _check_mentor(mentor: User, apprentice: User) -> None:
    if mentor.id == apprentice.id:
        raise InvalidInput("mentor", "An apprentice cannot be their own mentor.")
    if mentor.role is not Role.MENTOR or not mentor.active:
        raise InvalidInput("mentor", f"{mentor.name} is not an active mentor (journeyworker).")


def of_apprentice(user: User) -> list[Apprenticeship]:
    query = (
        select(Apprenticeship)
        .where(Apprenticeship.apprentice_id == user.id)
        .order_by(Apprenticeship.start_date, Apprenticeship.id)
    )
    return list(db.session.scalars(query))


def supervised_by(mentor: User) -> list[Apprenticeship]:
    """The active apprenticeships *mentor* supervises, by apprentice name."""
    query = (
        select(Apprenticeship)
        .join(User, Apprenticeship.apprentice_id == User.id)
        .where(Apprenticeship.mentor_id == mentor.id, Apprenticeship.status == "active")
        .order_by(User.name, Apprenticeship.id)
    )
    return list(db.session.scalars(query))


# -- the log -----------------------------------------------------------------------------------


def _work_processes(program: Program) -> dict[str, frozenset[str]]:
    return {wp.id: frozenset(wp.competencies) for wp in program.work_processes}


def _minutes_that_day(enrolment: Apprenticeship, day: date, *, leaving_out: int | None) -> int:
    query = select(func.coalesce(func.sum(OjlEntry.minutes), 0)).where(
        OjlEntry.apprenticeship_id == enrolment.id,
        OjlEntry.work_date == day,
        OjlEntry.status.in_(COUNTED),
    )
    if leaving_out is not None:
        query = query.where(OjlEntry.id != leaving_out)
    return int(db.session.scalar(query) or 0)


def _checked(
    enrolment: Apprenticeship, program: Program, draft: ojl.Draft, today: date, entry_id=None
) -> ojl.Entry:
    day = ojl.date_of(draft.work_date, today=today)
    return ojl.check(
        draft,
        today=today,
        started=enrolment.start_date,
        work_processes=_work_processes(program),
        minutes_that_day=_minutes_that_day(enrolment, day, leaving_out=entry_id),
    )


def log(
    enrolment: Apprenticeship,
    program: Program,
    draft: ojl.Draft,
    *,
    by: User,
    today: date,
    now: datetime,
) -> OjlEntry:
    """The apprentice logs hours; the entry waits for their mentor's sign-off."""
    if by.id != enrolment.apprentice_id:
        raise PermissionDenied("Only the apprentice logs their own hours.")
    if enrolment.status != "active":
        raise Conflict("This apprenticeship has ended: no more hours can be logged.")
    checked = _checked(enrolment, program, draft, today)
    entry = OjlEntry(apprenticeship_id=enrolment.id, status=ojl.PENDING, created_at=now)
    _fill(entry, checked, now)
    db.session.add(entry)
    db.session.flush()
    _audit(entry, by, "logged", None, now)
    return entry


def edit(
    entry: OjlEntry,
    program: Program,
    draft: ojl.Draft,
    *,
    by: User,
    version: int,
    today: date,
    now: datetime,
) -> OjlEntry:
    """The apprentice corrects an entry; approved or rejected, it needs sign-off again."""
    enrolment = entry.apprenticeship
    if by.id != enrolment.apprentice_id:
        raise PermissionDenied("Only the apprentice edits their own hours.")
    if entry.status == ojl.WITHDRAWN:
        raise Conflict("This entry was withdrawn: log the hours again instead.")
    _same_version(entry, version)
    before = snapshot(entry)
    checked = _checked(enrolment, program, draft, today, entry_id=entry.id)
    _fill(entry, checked, now)
    if snapshot(entry) == before:
        return entry  # nothing changed: no new sign-off needed
    entry.status = ojl.PENDING
    entry.reviewer_id, entry.reviewed_at, entry.review_comment = None, None, ""
    entry.version += 1
    db.session.flush()
    _audit(entry, by, "edited", before, now)
    assessments.credit_ojl(entry, None, now=now)  # pending again: no evidence until re-approved
    return entry


def withdraw(entry: OjlEntry, *, by: User, version: int, now: datetime) -> None:
    """The apprentice takes an entry back (logged by mistake); it stops counting."""
    if by.id != entry.apprenticeship.apprentice_id:
        raise PermissionDenied("Only the apprentice withdraws their own hours.")
    if entry.status == ojl.WITHDRAWN:
        return
    _same_version(entry, version)
    before = snapshot(entry)
    entry.status = ojl.WITHDRAWN
    entry.updated_at = now
    entry.version += 1
    db.session.flush()
    _audit(entry, by, "withdrawn", before, now)
    assessments.credit_ojl(entry, None, now=now)


def review(
    entry: OjlEntry,
    decision: str,
    comment: str,
    *,
    by: User,
    version: int,
    now: datetime,
    program: Program | None = None,
) -> OjlEntry:
    """The mentor approves or rejects a pending entry of an apprentice they supervise.

    An approval is evidence, judged by the mentor, for each competency the entry lists, in
    *program*'s framework (``services.assessments.credit_ojl``).
    """
    enrolment = entry.apprenticeship
    if by.id == enrolment.apprentice_id:
        raise PermissionDenied("Nobody signs off their own hours: your mentor does.")
    if by.id != enrolment.mentor_id:
        raise PermissionDenied("Only the apprentice's mentor signs off their hours.")
    text = ojl.review_comment(decision, comment)
    _same_version(entry, version)
    if entry.status != ojl.PENDING:
        raise Conflict(f"This entry is already {entry.status}.")
    before = snapshot(entry)
    entry.status = decision
    entry.reviewer_id, entry.reviewed_at, entry.review_comment = by.id, now, text
    entry.version += 1
    db.session.flush()
    _audit(entry, by, decision, before, now)
    assessments.credit_ojl(entry, assessments.framework_of(program), now=now)
    return entry


def _same_version(entry: OjlEntry, version: int) -> None:
    if version != entry.version:
        raise Conflict(
            "This entry changed since you opened it (it was edited or signed off). Look at it "
            "again before you go on."
        )


def _fill(entry: OjlEntry, checked: ojl.Entry, now: datetime) -> None:
    entry.work_date = checked.work_date
    entry.minutes = checked.minutes
    entry.work_process = checked.work_process
    entry.competencies = list(checked.competencies)
    entry.description = checked.description
    entry.updated_at = now


def snapshot(entry: OjlEntry) -> dict:
    """What an entry says, as the audit trail keeps it."""
    return {
        "work_date": entry.work_date.isoformat(),
        "minutes": entry.minutes,
        "work_process": entry.work_process,
        "competencies": list(entry.competencies or []),
        "description": entry.description,
        "status": entry.status,
        "review_comment": entry.review_comment or "",
    }


def _audit(entry: OjlEntry, actor: User, action: str, before: dict | None, now: datetime) -> None:
    db.session.add(
        OjlChange(
            entry_id=entry.id,
            actor_id=actor.id,
            action=action,
            before=before,
            after=snapshot(entry),
            at=now,
        )
    )
    db.session.flush()


# -- reading -----------------------------------------------------------------------------------


def entries(enrolment: Apprenticeship) -> list[OjlEntry]:
    query = (
        select(OjlEntry)
        .where(OjlEntry.apprenticeship_id == enrolment.id)
        .order_by(OjlEntry.work_date.desc(), OjlEntry.id.desc())
    )
    return list(db.session.scalars(query))


def queue(mentor: User) -> list[OjlEntry]:
    """Entries waiting for *mentor*'s sign-off, oldest first."""
    query = (
        select(OjlEntry)
        .join(Apprenticeship, OjlEntry.apprenticeship_id == Apprenticeship.id)
        .where(Apprenticeship.mentor_id == mentor.id, OjlEntry.status == ojl.PENDING)
        .order_by(OjlEntry.work_date, OjlEntry.id)
    )
    return list(db.session.scalars(query))


def history(entry: OjlEntry) -> list[OjlChange]:
    query = select(OjlChange).where(OjlChange.entry_id == entry.id).order_by(OjlChange.id)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Hours:
    approved: dict[str, int]  # work process id → approved minutes
    pending: dict[str, int]

    def total(self, kind: str = "approved") -> int:
        return sum(getattr(self, kind).values())


def hours(enrolment: Apprenticeship) -> Hours:
    """Minutes per work process: approved (they count) and waiting for sign-off."""
    query = (
        select(OjlEntry.status, OjlEntry.work_process, func.sum(OjlEntry.minutes))
        .where(
            OjlEntry.apprenticeship_id == enrolment.id,
            OjlEntry.status.in_((ojl.APPROVED, ojl.PENDING)),
        )
        .group_by(OjlEntry.status, OjlEntry.work_process)
    )
    found: dict[str, dict[str, int]] = {ojl.APPROVED: {}, ojl.PENDING: {}}
    for status, process, minutes in db.session.execute(query):
        found[status][process] = int(minutes)
    return Hours(found[ojl.APPROVED], found[ojl.PENDING])


@dataclass(frozen=True)
class Line:
    """One apprenticeship as a dashboard lists it."""

    enrolment: Apprenticeship
    program_title: str
    term_hours: float | None
    hours: Hours


def lines(enrolments: list[Apprenticeship], catalog: dict[str, Program]) -> list[Line]:
    shown = []
    for enrolment in enrolments:
        program = catalog.get(enrolment.program_id)
        title = program.title if program else enrolment.program_id
        term = program.term_hours if program else None
        shown.append(Line(enrolment, title, term, hours(enrolment)))
    return shown


def of_organizations(employer_ids: set[int], partner_ids: set[int]) -> list[Apprenticeship]:
    """Apprenticeships the employers are the employer of record for, and those of the
    partners' own learners, by name."""
    query = (
        select(Apprenticeship)
        .join(User, Apprenticeship.apprentice_id == User.id)
        .where(
            Apprenticeship.employer_id.in_(sorted(employer_ids))
            | User.id.in_(memberships.people_in(partner_ids))
        )
        .order_by(User.name, Apprenticeship.id)
    )
    return list(db.session.scalars(query))

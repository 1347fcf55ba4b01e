"""Related technical instruction (RTI) an instructor records for an apprentice: a class, a
workshop or lab time attended, beside the hours their completed courses give on the platform.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.content.programs import Program
from app.domain import ojl
from app.errors import InvalidInput
from app.extensions import db
from app.models import Apprenticeship, User
from app.models.apprenticeships import RtiAttendance

TOPIC_CHARS = 300


def record(
    enrolment: Apprenticeship,
    program: Program,
    *,
    course: str,
    session_date: str | date,
    hours: str | float,
    topic: str,
    by: User,
    today: date,
    now: datetime,
) -> RtiAttendance:
    """Record attendance at one session of a course of *program*'s related instruction."""
    courses = {line.course for line in program.instruction if line.course}
    if course not in courses:
        raise InvalidInput("course", "Choose a course of this program's related instruction.")
    try:
        day = ojl.date_of(session_date, today=today)
    except InvalidInput as exc:
        raise InvalidInput("session_date", exc.message) from None
    if day < enrolment.start_date:
        raise InvalidInput("session_date", "That is before the apprenticeship began.")
    minutes = ojl.minutes_of(hours)
    text = " ".join(str(topic or "").split())
    if len(text) < 3:
        raise InvalidInput("topic", "Say what the session covered.")
    if len(text) > TOPIC_CHARS:
        raise InvalidInput("topic", f"Keep it under {TOPIC_CHARS} characters.")
    attended = RtiAttendance(
        apprentice_id=enrolment.apprentice_id,
        course_slug=course,
        session_date=day,
        minutes=minutes,
        topic=text,
        recorded_by_id=by.id,
        created_at=now,
    )
    db.session.add(attended)
    db.session.flush()
    return attended


def of_apprentice(apprentice_id: int) -> list[RtiAttendance]:
    query = (
        select(RtiAttendance)
        .where(RtiAttendance.apprentice_id == apprentice_id)
        .order_by(RtiAttendance.session_date.desc(), RtiAttendance.id.desc())
    )
    return list(db.session.scalars(query))

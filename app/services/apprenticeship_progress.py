"""Where an apprentice stands against their program: gathers the record the pure rules of
``app.domain.programs`` need (approved OJL hours, related-instruction hours per program year,
competencies attained) from the database, and what the pages show beside it.

Related instruction accrues two ways: a course of the program's outline gives its declared
hours pro rata by the lessons and labs the apprentice completed (counted in the program year
the outline plans it for), and instructors record attendance (counted in the program year the
session fell in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select

from app.content.programs import Program
from app.domain import programs as rules
from app.extensions import db
from app.models import Apprenticeship, Course, Lesson, LessonCompletion
from app.models.apprenticeships import RtiAttendance
from app.models.curriculum import Competency, Framework
from app.models.labs import LabSubmission
from app.models.mastery import MasteryState
from app.services import apprenticeships


@dataclass(frozen=True)
class CourseHours:
    """One course of the outline, and what the apprentice has of it."""

    slug: str
    title: str
    year: int
    declared: float
    done: int  # lessons and labs completed
    units: int  # lessons and labs in the course
    attended: int  # minutes instructors recorded for it

    @property
    def earned(self) -> float:
        share = self.declared * self.done / self.units if self.units else 0.0
        return round(share + self.attended / 60, 1)


@dataclass(frozen=True)
class Standing:
    """The domain's progress, with the minutes behind it and the pages' extras."""

    progress: rules.Progress
    approved: dict[str, int]  # minutes per work process
    pending: dict[str, int]
    courses: tuple[CourseHours, ...]

    def approved_minutes(self) -> int:
        return sum(self.approved.values())

    def pending_minutes(self) -> int:
        return sum(self.pending.values())

    @property
    def percent(self) -> int:
        """Of the term's hours, for a progress bar; 100 at most."""
        term = self.progress.term_hours
        return min(100, round(self.progress.counted_hours / term * 100)) if term else 0

    @property
    def scale_hours(self) -> float:
        """The hours a chart of the work processes spans: the largest range or logged total."""
        ends = [(self.approved.get(p.id, 0) + self.pending.get(p.id, 0)) / 60
                for p in self.progress.processes]  # fmt: skip
        ends += [p.max_hours or p.min_hours or 0 for p in self.progress.processes]
        return max([1.0, *ends])


def standing(enrolment: Apprenticeship, program: Program, *, today: date) -> Standing:
    hours = apprenticeships.hours(enrolment)
    courses = _courses(enrolment.apprentice_id, program)
    rti: dict[int, float] = {}
    for course in courses:
        share = course.declared * course.done / course.units if course.units else 0.0
        rti[course.year] = rti.get(course.year, 0.0) + share
    for session in _attendance(enrolment.apprentice_id):
        if session.session_date >= enrolment.start_date:
            year = rules.program_year(enrolment.start_date, session.session_date)
            rti[year] = rti.get(year, 0.0) + session.minutes / 60
    record = rules.Record(
        start=enrolment.start_date,
        ojl_hours={wp: minutes / 60 for wp, minutes in hours.approved.items()},
        rti_hours=rti,
        competencies=_attained(enrolment.apprentice_id, program),
    )
    return Standing(
        progress=rules.progress(program, record, today=today),
        approved=dict(hours.approved),
        pending=dict(hours.pending),
        courses=courses,
    )


def _attendance(apprentice_id: int) -> list[RtiAttendance]:
    query = select(RtiAttendance).where(RtiAttendance.apprentice_id == apprentice_id)
    return list(db.session.scalars(query))


def _attained(apprentice_id: int, program: Program) -> frozenset[str]:
    """The program's competencies the apprentice has mastered (in the program's framework)."""
    if not program.framework:
        return frozenset()
    query = (
        select(Competency.code)
        .join(MasteryState, MasteryState.competency_id == Competency.id)
        .join(Framework, Competency.framework_id == Framework.id)
        .where(
            MasteryState.user_id == apprentice_id,
            MasteryState.mastered.is_(True),
            Framework.slug == program.framework,
        )
    )
    return frozenset(db.session.scalars(query))


def _courses(apprentice_id: int, program: Program) -> tuple[CourseHours, ...]:
    shown = []
    for line in program.instruction:
        course = db.session.scalar(select(Course).where(Course.slug == line.course))
        if not line.course or course is None:
            continue
        lessons = list(
            db.session.scalars(
                select(Lesson).where(Lesson.course_id == course.id, Lesson.archived_at.is_(None))
            )
        )
        lab_ids = {lab["id"] for lesson in lessons for lab in (lesson.labs or [])}
        done_lessons = db.session.scalar(
            select(func.count(LessonCompletion.id)).where(
                LessonCompletion.user_id == apprentice_id,
                LessonCompletion.lesson_id.in_([lesson.id for lesson in lessons]),
            )
        )
        done_labs = db.session.scalar(
            select(func.count(distinct(LabSubmission.lab_slug))).where(
                LabSubmission.user_id == apprentice_id,
                LabSubmission.status == "graded",
                LabSubmission.lab_slug.in_(lab_ids),
            )
        )
        attended = db.session.scalar(
            select(func.coalesce(func.sum(RtiAttendance.minutes), 0)).where(
                RtiAttendance.apprentice_id == apprentice_id,
                RtiAttendance.course_slug == line.course,
            )
        )
        shown.append(
            CourseHours(line.course, course.title, line.year, line.hours,
                        int(done_lessons or 0) + int(done_labs or 0),
                        len(lessons) + len(lab_ids), int(attended or 0))
        )  # fmt: skip
    return tuple(shown)

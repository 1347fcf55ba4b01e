"""Due dates: when a cohort's learners should have each lab submitted and each lesson's quiz
answered, and what is upcoming or overdue for a learner.

A due date is a day; the work is due by the end of that day in UTC (23:59:59), since hosts
have no time zone on Shopfloor yet, and pages say so. A lab counts as done when an attempt
was submitted; a quiz when every one of its questions has been answered at least once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.errors import InvalidInput
from app.extensions import db
from app.models import (
    Cohort,
    CohortMember,
    Course,
    DueDate,
    LabSubmission,
    Lesson,
    Question,
    QuizAttempt,
    User,
)
from app.services import audit

END_OF_DAY = time(23, 59, 59)
HORIZON = timedelta(days=14)  # "upcoming": due within the next two weeks
FIRST_YEAR, LAST_YEAR = 2000, 2100

DONE, LATE, OVERDUE, OPEN = "done", "late", "overdue", "open"
STATUS_LABELS = {DONE: "Done", LATE: "Done late", OVERDUE: "Overdue", OPEN: "To do"}


@dataclass(frozen=True)
class Item:
    """Something in a course that can be given a due date."""

    kind: str  # lab | quiz
    ref: str  # the lab's id, or the lesson's slug for its quiz
    title: str
    course_slug: str
    lesson_slug: str
    lesson_title: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.ref)

    @property
    def field(self) -> str:
        """The form field name of this item's date."""
        return f"due-{self.kind}-{self.ref}"


@dataclass(frozen=True)
class Line:
    """One due item for one learner (status None: the viewer is not a learner of it)."""

    item: Item
    cohort: Cohort
    due_at: datetime
    status: str | None = None
    done_at: datetime | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status] if self.status else ""

    @property
    def lab_id(self) -> str | None:
        return self.item.ref if self.item.kind == "lab" else None


@dataclass(frozen=True)
class Agenda:
    """A learner's due work across their cohorts: overdue first, then what is coming up."""

    overdue: list[Line]
    upcoming: list[Line]

    def __bool__(self) -> bool:
        return bool(self.overdue or self.upcoming)


def due_at(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=UTC)


# -- What can be due ----------------------------------------------------------------------------


def items(course: Course | None) -> list[Item]:
    """The course's labs (not those still being written) and its lessons' quizzes, in order."""
    if course is None:
        return []
    lessons = list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.course_id == course.id, Lesson.archived_at.is_(None))
            .order_by(Lesson.position)
        )
    )
    with_quiz = set(
        db.session.scalars(
            select(Question.lesson_id)
            .where(Question.lesson_id.in_([x.id for x in lessons]), Question.archived_at.is_(None))
            .distinct()
        )
    )
    found: list[Item] = []
    for lesson in lessons:
        place = (course.slug, lesson.slug, lesson.title)
        for lab in lesson.labs or []:
            if lab.get("id") and not lab.get("planned"):
                found.append(Item("lab", lab["id"], lab.get("title") or lab["id"], *place))
        if lesson.id in with_quiz:
            found.append(Item("quiz", lesson.slug, f"Quiz: {lesson.title}", *place))
    return found


def of_cohort(cohort: Cohort) -> dict[tuple[str, str], datetime]:
    return {(d.kind, d.ref): d.due_at for d in cohort.due_dates}


# -- Setting them --------------------------------------------------------------------------------


def read_form(
    offered: list[Item], values: Mapping[str, str]
) -> tuple[dict[tuple[str, str], date | None], dict[str, str]]:
    """Each offered item's date from form *values* (by Item.field; "" clears it), and the
    errors by field name. Items missing from *values* are left out (left as they are)."""
    dates: dict[tuple[str, str], date | None] = {}
    errors: dict[str, str] = {}
    for item in offered:
        if item.field not in values:
            continue
        raw = values[item.field].strip()
        if not raw:
            dates[item.key] = None
            continue
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            errors[item.field] = "Enter a date such as 2026-10-15, or leave it empty."
            continue
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            errors[item.field] = f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."
            continue
        dates[item.key] = day
    return dates, errors


def update(
    cohort: Cohort,
    dates: Mapping[tuple[str, str], date | None],
    *,
    actor: User,
    now: datetime,
) -> int:
    """Set (a date) or clear (None) each item's due date; return how many changed."""
    offered = {item.key: item for item in items(cohort.course)}
    unknown = [key for key in dates if key not in offered]
    if unknown:
        raise InvalidInput(None, "Some items are no longer in the course; reload the page.")
    existing = {(d.kind, d.ref): d for d in cohort.due_dates}
    changes = []
    for key, day in dates.items():
        row = existing.get(key)
        if day is None and row is not None:
            cohort.due_dates.remove(row)
            changes.append({"item": offered[key].title, "due": None})
        elif day is not None and (row is None or row.due_at != due_at(day)):
            if row is None:
                cohort.due_dates.append(DueDate(kind=key[0], ref=key[1], due_at=due_at(day)))
            else:
                row.due_at = due_at(day)
            changes.append({"item": offered[key].title, "due": day.isoformat()})
    db.session.flush()
    if changes:
        audit.record(
            cohort.host, actor, "cohort.due_dates_changed", subject=cohort.name,
            details={"cohort": cohort.public_id, "changes": changes}, now=now,
        )  # fmt: skip
    return len(changes)


# -- A learner's due work ------------------------------------------------------------------------


def schedule(cohort: Cohort, learner: User | None, *, now: datetime) -> list[Line]:
    """*cohort*'s due items in date order, with *learner*'s standing in each (None: no one's)."""
    dated = of_cohort(cohort)
    lines = [
        Line(item, cohort, dated[item.key]) for item in items(cohort.course) if item.key in dated
    ]
    if learner is not None:
        lines = _with_status(learner, lines, now=now)
    return sorted(lines, key=lambda line: (line.due_at, line.item.title))


def for_learner(user: User, *, now: datetime, horizon: timedelta = HORIZON) -> Agenda:
    """*user*'s overdue work and what is due within *horizon*, across their active cohorts."""
    lines = [line for cohort in _cohorts_of(user) for line in _dated(cohort)]
    return split(_with_status(user, lines, now=now), now=now, horizon=horizon)


def split(lines: list[Line], *, now: datetime, horizon: timedelta = HORIZON) -> Agenda:
    """The overdue lines, and the open ones due within *horizon*, each by due date."""
    overdue = [line for line in lines if line.status == OVERDUE]
    upcoming = [line for line in lines if line.status == OPEN and line.due_at <= now + horizon]
    return Agenda(
        overdue=sorted(overdue, key=lambda line: line.due_at),
        upcoming=sorted(upcoming, key=lambda line: line.due_at),
    )


def for_course(user: User | None, course: Course, *, now: datetime) -> dict[tuple[str, str], Line]:
    """*user*'s due date for each item of *course* (the earliest, if two cohorts set one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cohorts = [c for c in _cohorts_of(user) if c.course_id == course.id]
    lines = _with_status(user, [line for c in cohorts for line in _dated(c)], now=now)
    found: dict[tuple[str, str], Line] = {}
    for line in sorted(lines, key=lambda line: line.due_at, reverse=True):
        found[line.item.key] = line
    return found


def _cohorts_of(user: User) -> list[Cohort]:
    query = (
        select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(
            CohortMember.user_id == user.id,
            CohortMember.role == "learner",
            CohortMember.status == "active",
            Cohort.archived_at.is_(None),
        )
    )
    return list(db.session.scalars(query))


def _dated(cohort: Cohort) -> list[Line]:
    dated = of_cohort(cohort)
    if not dated:
        return []
    return [Line(i, cohort, dated[i.key]) for i in items(cohort.course) if i.key in dated]


def _with_status(user: User, lines: list[Line], *, now: datetime) -> list[Line]:
    labs = _first_submissions(user, {line.item.ref for line in lines if line.item.kind == "lab"})
    quizzes = _quizzes_answered(user, {line.item.ref for line in lines if line.item.kind == "quiz"})
    done = {("lab", k): v for k, v in labs.items()} | {("quiz", k): v for k, v in quizzes.items()}
    return [_status(line, done.get(line.item.key), now) for line in lines]


def _status(line: Line, done_at: datetime | None, now: datetime) -> Line:
    if done_at is not None:
        status = DONE if done_at <= line.due_at else LATE
    else:
        status = OVERDUE if now > line.due_at else OPEN
    return Line(line.item, line.cohort, line.due_at, status, done_at)


def _first_submissions(user: User, lab_ids: Collection[str]) -> dict[str, datetime]:
    """When *user* first submitted each of *lab_ids*."""
    if not lab_ids:
        return {}
    query = (
        select(LabSubmission.lab_slug, func.min(LabSubmission.created_at))
        .where(LabSubmission.user_id == user.id, LabSubmission.lab_slug.in_(list(lab_ids)))
        .group_by(LabSubmission.lab_slug)
    )
    return {slug: _aware(at) for slug, at in db.session.execute(query)}


def _quizzes_answered(user: User, lesson_slugs: Collection[str]) -> dict[str, datetime]:
    """For each lesson whose every active question *user* answered: when the last of them
    was first answered."""
    if not lesson_slugs:
        return {}
    questions = db.session.execute(
        select(Lesson.slug, Question.id)
        .join(Question, Question.lesson_id == Lesson.id)
        .where(Lesson.slug.in_(list(lesson_slugs)), Question.archived_at.is_(None))
    ).all()
    first = dict(
        db.session.execute(
            select(QuizAttempt.question_id, func.min(QuizAttempt.created_at))
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.question_id.in_([qid for _, qid in questions]),
            )
            .group_by(QuizAttempt.question_id)
        ).all()
    )
    by_lesson: dict[str, list[datetime | None]] = {}
    for slug, qid in questions:
        by_lesson.setdefault(slug, []).append(first.get(qid))
    return {
        slug: max(_aware(t) for t in times)
        for slug, times in by_lesson.items()
        if all(t is not None for t in times)
    }


def _aware(value: datetime) -> datetime:
    """min() over a UTCDateTime column comes back as the database's plain value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

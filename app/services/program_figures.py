"""The aggregate queries behind the state program's figures (``services.program_report``).

The rows each figure counts are a common table expression, counted at once in total, per
organization, per place (state and county) and per piece of the period; the branches of
every figure go to the database as one UNION ALL statement (``Batch``), so what they share
(the learners' places) is read once and the database is asked once per page. Nothing here
loops over learners in Python: the organization lists are the program's own (tens), and
only counts come back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.selectable import CTE

from app.content.labs import LabError
from app.domain import periods
from app.domain.periods import Period
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Cohort,
    CohortMember,
    Credential,
    LabSubmission,
    Lesson,
    LessonCompletion,
    Organization,
)
from app.models.credentials import ISSUED
from app.services import lab_catalog


@dataclass(frozen=True)
class Scope:
    """The organizations the filters leave, as id lists (a program has tens, not thousands)."""

    period: Period
    partners: list[int]  # training partners after every filter
    linked_partners: list[int]  # after the partner filter only: whose learners link employers
    employers: list[int]  # program employers in the chosen place
    all_employers: list[int]  # every program employer
    filtered_by_partner: bool


@dataclass
class Figure:
    """One figure: its total, per organization (partner or employer), per (state, county),
    per piece of the period, and any other counts it comes with."""

    total: float = 0
    by_org: dict[int, float] = field(default_factory=dict)
    by_place: dict[tuple[str, str], float] = field(default_factory=dict)
    unit: str = "quarter"
    buckets: list[Period] = field(default_factory=list)
    series: list[int] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)


# -- One statement per figure --------------------------------------------------------------------


def tag(text: str) -> ColumnElement:
    """A constant written into the SQL (the branch's name): never user input."""
    return literal_column(f"'{text}'", String)


NONE = cast(null(), String)


def run_each(parts: list[Select], figures: dict[str, Figure]) -> dict[str, Figure]:
    """Execute the branches of several figures as one UNION ALL: a branch tagged "x.t"
    belongs to ``figures["x"]``, one tagged "t" to ``figures[""]``."""
    for tagged, first, second, value in db.session.execute(union_all(*parts)):
        name, _, kind = tagged.rpartition(".")
        figure, value = figures[name], value or 0
        if kind == "t":
            figure.total = value
        elif kind == "o":
            figure.by_org[int(first)] = value
        elif kind == "p":
            figure.by_place[first, second] = value
        elif kind == "b":
            figure.series[int(first)] = int(value)
        else:
            figure.extra[kind] = value
    return figures


@dataclass
class Batch:
    """The branches of several figures, run as one statement: the learners' places, which
    most figures start from, are read once, and the database is asked once."""

    scope: Scope
    parts: list[Select] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    finish: list[Callable[[], None]] = field(default_factory=list)
    _learners: CTE | None = None

    @property
    def learners(self) -> CTE:
        """(learner, host, course) of every learner place in the partners' cohorts, ever."""
        if self._learners is None:
            self._learners = learner_places(self.scope.partners).cte("f_learners")
        return self._learners

    def add(self, name: str, figure: Figure, parts: list[Select]) -> Figure:
        self.figures[name] = figure
        self.parts.extend(parts)
        return figure

    def run(self) -> dict[str, Figure]:
        if self.parts:
            run_each(self.parts, self.figures)
        for step in self.finish:
            step()
        return self.figures


def _count_branches(
    name: str, fact, key: str, org: str, pieces: list[ColumnElement] | None = None, *,
    at: str | None = None, periods_: list[Period] | None = None,
) -> list[Select]:  # fmt: skip
    """Distinct *key*s of *fact*: in all, per *org*, per place of *org*, and per piece of the
    period, either by a condition each (*pieces*: a row may be in several) or, for an event
    at one moment (column *at*), sorted into *periods_* in a single pass."""

    def counted(condition: ColumnElement | None = None) -> ColumnElement:
        column = fact.c[key] if condition is None else case((condition, fact.c[key]))
        return func.count(distinct(column))

    parts = [
        select(tag(f"{name}.t"), NONE, NONE, counted()),
        select(tag(f"{name}.o"), cast(fact.c[org], String), NONE, counted()).group_by(fact.c[org]),
        select(tag(f"{name}.p"), Organization.state, Organization.county, counted())
        .select_from(fact)
        .join(Organization, Organization.id == fact.c[org])
        .group_by(Organization.state, Organization.county),
    ]
    parts += [
        select(tag(f"{name}.b"), literal_column(f"'{i}'", String), NONE, counted(condition))
        for i, condition in enumerate(pieces or ())
    ]
    if at is not None and periods_:
        piece = case(
            *((fact.c[at] < p.ends, literal_column(f"'{i}'", String))
              for i, p in enumerate(periods_)),
        ).label("piece")  # fmt: skip
        parts.append(select(tag(f"{name}.b"), piece, NONE, counted()).group_by(piece))
    return parts


def chart_pieces(period: Period) -> tuple[str, list[Period]]:
    """Months for a period of up to two quarters, quarters up to three years, then years."""
    quarters = periods.buckets(period, "quarter")
    unit = "month" if len(quarters) <= 2 else "quarter" if len(quarters) <= 12 else "year"
    return unit, periods.buckets(period, unit)


def _between(column, piece: Period) -> ColumnElement:
    return and_(column >= piece.starts, column < piece.ends)


# -- Workers enrolled ----------------------------------------------------------------------------


def enrolments(scope: Scope, partner_ids: list[int] | None = None) -> Select:
    """Learner places in the partners' cohorts that overlap the period (the cohort ran and
    the learner was in it at some time during it)."""
    period = scope.period
    return (
        select(
            CohortMember.user_id,
            Cohort.host_id,
            CohortMember.sponsor_id,
            Cohort.course_id,
            CohortMember.joined_at,
            CohortMember.left_at,
            Cohort.starts_on,
            Cohort.ends_on,
        )  # fmt: skip
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(
            CohortMember.role == "learner",
            Cohort.host_id.in_(scope.partners if partner_ids is None else partner_ids),
            *_overlapping(period, CohortMember, Cohort),
        )
    )


def _overlapping(period: Period, member, cohort) -> tuple:
    return (
        cohort.starts_on <= period.last,
        cohort.ends_on >= period.first,
        member.joined_at < period.ends,
        or_(member.left_at.is_(None), member.left_at >= period.starts),
    )


def enrolled(batch: Batch) -> Figure:
    unit, pieces = chart_pieces(batch.scope.period)
    fact = enrolments(batch.scope).cte("f_enrolments")
    during = [and_(*_overlapping(piece, fact.c, fact.c)) for piece in pieces]
    figure = Figure(unit=unit, buckets=pieces, series=[0] * len(pieces))
    return batch.add("enrolled", figure, _count_branches("enrolled", fact, "user_id",
                                                          "host_id", during))  # fmt: skip


# -- Workers completing --------------------------------------------------------------------------


def _course_lessons(partner_ids: list[int]) -> dict[int, list[int]]:
    """The current lessons of each course the partners' cohorts teach (a few courses), in
    course order."""
    courses = select(Cohort.course_id).where(
        Cohort.host_id.in_(partner_ids), Cohort.course_id.is_not(None)
    )
    query = (
        select(Lesson.course_id, Lesson.id)
        .where(Lesson.course_id.in_(courses), Lesson.archived_at.is_(None))
        .order_by(Lesson.course_id, Lesson.position, Lesson.id)
    )
    found: dict[int, list[int]] = {}
    for course_id, lesson_id in db.session.execute(query):
        found.setdefault(course_id, []).append(lesson_id)
    return found


def _completed_courses(scope: Scope) -> Select | None:
    """(learner, course, last) for each learner who completed every current lesson of a
    course, the last of them in the period.

    Only learners who completed the course's final lesson can have completed them all, so
    only their rows are counted (the final lesson is the one fewest learners reach). Each
    learner's completions are counted from the (user_id, lesson_id) index alone, and only
    their last one (the highest row id: completions are recorded as they happen) is read
    for its time."""
    period = scope.period
    latest = aliased(LessonCompletion)
    learners = (
        select(CohortMember.user_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.role == "learner", Cohort.host_id.in_(scope.partners))
    )
    parts = []
    for course_id, lesson_ids in _course_lessons(scope.partners).items():
        reached_the_end = select(LessonCompletion.user_id).where(
            LessonCompletion.lesson_id == lesson_ids[-1],
            LessonCompletion.user_id.in_(learners),
        )
        complete = (
            select(LessonCompletion.user_id, func.max(LessonCompletion.id).label("last_id"))
            .where(
                # "+ 0": SQLite reads each candidate's rows by learner, not every row of
                # the course's lessons.
                (LessonCompletion.lesson_id + 0).in_(lesson_ids),
                LessonCompletion.user_id.in_(reached_the_end),
            )
            .group_by(LessonCompletion.user_id)
            .having(func.count() == len(lesson_ids))
            .subquery()
        )
        parts.append(
            select(
                complete.c.user_id,
                literal(course_id).label("course_id"),
                latest.completed_at.label("last"),
            )
            .join(latest, latest.id == complete.c.last_id)
            .where(_between(latest.completed_at, period))
        )
    if not parts:
        return None
    return union_all(*parts) if len(parts) > 1 else parts[0]


def learner_places(partner_ids: list[int]) -> Select:
    """(learner, host, course) of every learner place in the partners' cohorts, ever."""
    return (
        select(CohortMember.user_id, Cohort.host_id, Cohort.course_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.role == "learner", Cohort.host_id.in_(partner_ids))
        .distinct()
    )


def completing(batch: Batch) -> Figure:
    unit, pieces = chart_pieces(batch.scope.period)
    figure = Figure(unit=unit, buckets=pieces, series=[0] * len(pieces))
    done = _completed_courses(batch.scope)
    if done is None:
        return batch.add("completing", figure, [])
    done = done.subquery("f_done")
    # Its own reading of the places, not the shared CTE: PostgreSQL estimates a subquery's
    # rows well enough to hash-join it, and a CTE's too low (it then loops over each pair).
    places = learner_places(batch.scope.partners).subquery("f_places")
    fact = (
        select(done.c.user_id, places.c.host_id, done.c.last)
        .join(
            places, and_(places.c.user_id == done.c.user_id, places.c.course_id == done.c.course_id)
        )  # fmt: skip
        .cte("f_completers")
    )
    parts = _count_branches("completing", fact, "user_id", "host_id", at="last",
                            periods_=pieces)  # fmt: skip
    return batch.add("completing", figure, parts)


# -- Credentials ---------------------------------------------------------------------------------


def credentials(batch: Batch) -> Figure:
    scope = batch.scope
    months = periods.buckets(scope.period, "month")
    unit = "month" if len(months) <= 24 else "quarter" if len(months) <= 36 else "year"
    pieces = periods.buckets(scope.period, unit)
    fact = (
        select(Credential.id, Credential.issuer_id, Credential.issued_at)
        .where(
            Credential.state == ISSUED,
            Credential.revoked_at.is_(None),
            Credential.issuer_id.in_(scope.partners),
            _between(Credential.issued_at, scope.period),
        )
        .cte("f_issued")
    )
    parts = _count_branches("issued", fact, "id", "issuer_id", at="issued_at",
                            periods_=pieces)  # fmt: skip
    return batch.add("issued", Figure(unit=unit, buckets=pieces, series=[0] * len(pieces)), parts)


# -- Lab hours -----------------------------------------------------------------------------------


class MinutesOf:
    """Each lab's estimated minutes, from its notebook (None: the lab file is gone)."""

    def __init__(self, labs_root: Path) -> None:
        self.root, self.known = labs_root, {}

    def __call__(self, slug: str) -> int | None:
        if slug not in self.known:
            try:
                self.known[slug] = lab_catalog.load(self.root, slug).minutes
            except (NotFound, LabError):
                self.known[slug] = None
        return self.known[slug]


def lab_minutes(labs_root: Path) -> dict[str, int]:
    """The estimated minutes of every lab notebook in *labs_root* (a few dozen files, each
    parsed once per change by ``lab_catalog``)."""
    minutes_of = MinutesOf(labs_root)
    slugs = sorted(p.stem for p in labs_root.glob("*.ipynb")) if labs_root.is_dir() else []
    return {slug: m for slug in slugs if (m := minutes_of(slug)) is not None}


def lab_hours(batch: Batch, labs_root: Path) -> Figure:
    """Minutes of learners' first attempts at labs graded in the period (once per learner and
    lab), by each lab's estimate; total, per partner and per place. Extra counts: "graded"
    (learner × lab pairs) and "unestimated" (pairs whose lab has no notebook any more)."""
    scope, known = batch.scope, lab_minutes(labs_root)
    places = select(batch.learners.c.user_id, batch.learners.c.host_id).distinct().cte("f_hosts")
    # Where each learner learns, once per place however many partners they learn at there.
    where = (
        select(places.c.user_id, Organization.state, Organization.county)
        .join(Organization, Organization.id == places.c.host_id)
        .distinct()
        .cte("f_where")
    )
    if known:
        minutes = case(*((LabSubmission.lab_slug == slug, m) for slug, m in known.items()))
    else:
        minutes = cast(null(), Integer)
    # Per learner first (minutes, labs, labs without an estimate), then only the program's
    # learners: attributing them to partners and places joins one row per learner, not one
    # per lab, and the scan of lab_submissions needs no lookup per row.
    everyone = (
        select(
            LabSubmission.user_id,
            func.sum(minutes).label("minutes"),
            func.count().label("labs"),
            func.count(case((minutes.is_(None), 1))).label("unestimated"),
        )
        .where(
            LabSubmission.status == "graded",
            LabSubmission.attempt == 1,
            _between(LabSubmission.finished_at, scope.period),
        )
        .group_by(LabSubmission.user_id)
        .cte("f_all_labs")
    )
    in_cohorts = (
        select(CohortMember.user_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.role == "learner", Cohort.host_id.in_(scope.partners))
    )
    learners = select(everyone).where(everyone.c.user_id.in_(in_cohorts)).cte("f_labs")
    parts = [
        select(tag("labs.t"), NONE, NONE, func.coalesce(func.sum(learners.c.minutes), 0)),
        select(tag("labs.graded"), NONE, NONE, func.coalesce(func.sum(learners.c.labs), 0)),
        select(tag("labs.unestimated"), NONE, NONE,
               func.coalesce(func.sum(learners.c.unestimated), 0)),
        select(tag("labs.o"), cast(places.c.host_id, String), NONE,
               func.sum(learners.c.minutes))
        .select_from(learners)
        .join(places, places.c.user_id == learners.c.user_id)
        .group_by(places.c.host_id),
        select(tag("labs.p"), where.c.state, where.c.county, func.sum(learners.c.minutes))
        .select_from(learners)
        .join(where, where.c.user_id == learners.c.user_id)
        .group_by(where.c.state, where.c.county),
    ]  # fmt: skip
    figure = batch.add("labs", Figure(), parts)

    def in_hours() -> None:
        figure.total = _hours(figure.total)
        figure.by_org = {k: _hours(v) for k, v in figure.by_org.items()}
        figure.by_place = {k: _hours(v) for k, v in figure.by_place.items()}

    batch.finish.append(in_hours)
    return figure


def _hours(minutes: float | None) -> float:
    return float(minutes or 0) / 60


# -- Cohorts and attainment ----------------------------------------------------------------------


def cohorts_running(scope: Scope) -> dict[int, int]:
    period = scope.period
    query = (
        select(Cohort.host_id, func.count())
        .where(
            Cohort.host_id.in_(scope.partners),
            Cohort.starts_on <= period.last,
            Cohort.ends_on >= period.first,
        )
        .group_by(Cohort.host_id)
    )
    return dict(db.session.execute(query).all())

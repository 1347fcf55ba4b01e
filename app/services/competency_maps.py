"""What learners and instructors see of mastery: a learner's map, a cohort heatmap, its CSV."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app import policy
from app.content.mastery import ancestors
from app.domain import mastery as rules_of
from app.domain.mastery import Outcome
from app.domain.roles import Role
from app.domain.spreadsheets import safe_cell
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Course,
    Framework,
    Lesson,
    MasteryEvent,
    MasteryState,
    User,
)
from app.services import mastery, memberships


@dataclass(frozen=True)
class Link:
    """Work that would give missing evidence, with where it is done (None: no page for it)."""

    text: str
    kind: str
    ref: str
    course_slug: str | None = None
    lesson_slug: str | None = None


@dataclass(frozen=True)
class Gap:
    text: str
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float  # the method's value after this piece of evidence


@dataclass(frozen=True)
class Change:
    at: datetime
    from_level: int | None
    to_level: int | None


@dataclass(frozen=True)
class Row:
    code: str
    title: str
    depth: int  # 0: competency, 1: sub-competency
    outcome: Outcome
    method: str
    threshold: float | None  # the value the mastery level needs (None: requirements only)
    history: tuple[Point, ...] = ()
    changes: tuple[Change, ...] = ()
    gaps: tuple[Gap, ...] = ()

    @property
    def percent(self) -> int | None:
        return None if self.outcome.value is None else round(self.outcome.value * 100)


@dataclass(frozen=True)
class DomainBlock:
    code: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class LearnerMap:
    framework: Framework
    learner: User
    levels: tuple[tuple[int, str], ...]  # (level, title), ascending
    domains: tuple[DomainBlock, ...]
    frameworks: tuple[Framework, ...] = ()  # the ones the learner could switch to

    @property
    def rows(self) -> list[Row]:
        return [row for block in self.domains for row in block.rows]

    @property
    def mastered(self) -> int:
        return sum(1 for row in self.rows if row.outcome.mastered)

    @property
    def started(self) -> int:
        return sum(1 for row in self.rows if row.outcome.assessed or row.outcome.practised)


def frameworks_in_use() -> list[Framework]:
    """Active frameworks that an active course teaches, by title."""
    taught = select(Course.framework_id).where(Course.archived_at.is_(None))
    query = (
        select(Framework)
        .where(Framework.archived_at.is_(None), Framework.id.in_(taught))
        .order_by(Framework.title)
    )
    return list(db.session.scalars(query))


def pick_framework(slug: str | None) -> Framework:
    """The framework named by *slug*, or the first one in use; NotFound if there is none."""
    found = frameworks_in_use()
    for framework in found:
        if slug is None or framework.slug == slug:
            return framework
    raise NotFound("There is no such competency framework." if slug else "No course is set up.")


def get_learner(public_id: str) -> User:
    learner = db.session.scalar(select(User).where(User.public_id == public_id))
    if learner is None:
        raise NotFound("There is no such learner.")
    return learner


def learner_map(learner: User, framework: Framework) -> LearnerMap:
    """Every competency of *framework*: the learner's level, history and what is missing."""
    found = mastery.scope(framework)
    pieces = mastery.evidence_of(learner.id, mastery.ids_of(framework.id))
    changes = _changes(learner.id, mastery.ids_of(framework.id))
    rows: dict[str, list[Row]] = defaultdict(list)
    parents = {c.code: c.parent_code for c in [*found.items, *found.domains]}
    for item in found.items:
        rule = found.rule(item.code)
        evidence = pieces.get(item.id, [])
        outcome = rules_of.assess(rule, evidence, found.sources.get(item.code, ()), found.titles)
        chain = ancestors(item.code, parents)
        rows[chain[0] if chain else item.code].append(
            Row(
                code=item.code,
                title=item.title,
                depth=max(0, len(chain) - 1),
                outcome=outcome,
                method=rule.method,
                threshold=dict(rule.levels).get(rule.mastery),
                history=_history(rule, evidence),
                changes=tuple(changes.get(item.id, ())),
                gaps=tuple(_gap(m, found) for m in outcome.missing),
            )
        )
    blocks = tuple(DomainBlock(d.code, d.title, tuple(rows.get(d.code, ()))) for d in found.domains)
    return LearnerMap(
        framework=framework,
        learner=learner,
        levels=tuple(sorted(found.titles.items())),
        domains=blocks,
        frameworks=tuple(frameworks_in_use()),
    )


def _changes(learner_id: int, ids) -> dict[int, list[Change]]:
    query = (
        select(MasteryEvent)
        .where(MasteryEvent.user_id == learner_id, MasteryEvent.competency_id.in_(ids))
        .order_by(MasteryEvent.at, MasteryEvent.id)
    )
    found: dict[int, list[Change]] = defaultdict(list)
    for event in db.session.scalars(query):
        found[event.competency_id].append(Change(event.at, event.from_level, event.to_level))
    return found


def _history(rule, evidence: list[rules_of.Evidence]) -> tuple[Point, ...]:
    """The method's value after each assessed piece, in time order (for a sparkline)."""
    ordered = rules_of.chronological(evidence)
    points = []
    for index, piece in enumerate(ordered, start=1):
        found = rules_of.value(rule, ordered[:index])
        if found is not None:
            points.append(Point(piece.at, found))
    return tuple(points)


def _gap(missing: rules_of.Missing, found: mastery.Scope) -> Gap:
    links = []
    for source in missing.sources:
        place = found.places.get((source.kind, source.ref))
        links.append(
            Link(
                text=source.title or source.ref or source.kind,
                kind=source.kind,
                ref=source.ref,
                course_slug=place.course_slug if place else None,
                lesson_slug=place.lesson_slug if place else None,
            )
        )
    return Gap(missing.text, tuple(link for link in links if link.course_slug))


# The cohort heatmap ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    level: int | None
    mastered: bool
    value: float | None
    assessed: int
    practised: int

    @property
    def percent(self) -> int | None:
        return None if self.value is None else round(self.value * 100)


EMPTY = Cell(None, False, None, 0, 0)


@dataclass(frozen=True)
class Heatmap:
    framework: Framework
    learners: list[User]
    columns: list[mastery.Item]
    cells: dict[tuple[int, int], Cell]
    titles: dict[int, str]
    domains: list[mastery.Item] = field(default_factory=list)  # filter choices
    courses: list[Course] = field(default_factory=list)
    domain: str | None = None
    course: str | None = None

    def cell(self, learner: User, competency: mastery.Item) -> Cell:
        return self.cells.get((learner.id, competency.id), EMPTY)

    def mastered_by(self, learner: User) -> int:
        return sum(1 for c in self.columns if self.cell(learner, c).mastered)


def cohort(viewer: User) -> list[User]:
    """The learners whose mastery *viewer* sees: their organization's apprentices (every
    apprentice, for a platform admin). Cohorts of their own come with issue 14."""
    if viewer.role is Role.PLATFORM_ADMIN:
        query = select(User).where(User.role == Role.APPRENTICE, User.active.is_(True))
        return list(db.session.scalars(query.order_by(User.name)))
    orgs = policy.orgs_where(viewer, policy.LAB_REVIEWERS)
    query = select(User).where(
        User.active.is_(True), User.id.in_(memberships.people_in(orgs, role=Role.APPRENTICE))
    )
    return list(db.session.scalars(query.order_by(User.name)))


def heatmap(
    viewer: User,
    framework: Framework,
    *,
    domain: str | None = None,
    course: str | None = None,
) -> Heatmap:
    """Learners × competencies of *framework* from the kept states, filtered by domain (a
    domain code) and by course (the competencies its lessons teach)."""
    rows = mastery.items_of(framework.id)
    parents = {c.code: c.parent_code for c in rows}
    domains = [c for c in rows if c.kind == "domain"]
    columns = [c for c in rows if c.kind != "domain"]
    if domain:
        columns = [c for c in columns if (ancestors(c.code, parents) or ("",))[0] == domain]
    courses = _courses(framework)
    if course:
        taught = _taught(next((c for c in courses if c.slug == course), None))
        columns = [
            c
            for c in columns
            if c.code in taught or any(a in taught for a in ancestors(c.code, parents))
        ]
    learners = cohort(viewer)
    return Heatmap(
        framework=framework,
        learners=learners,
        columns=columns,
        cells=_states([u.id for u in learners], [c.id for c in columns]),
        titles={int(lv["level"]): lv["title"] for lv in framework.levels or []},
        domains=domains,
        courses=courses,
        domain=domain,
        course=course,
    )


def _courses(framework: Framework) -> list[Course]:
    query = select(Course).where(Course.framework_id == framework.id, Course.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(Course.title)))


def _taught(course: Course | None) -> set[str]:
    if course is None:
        raise NotFound("That course does not teach this framework.")
    query = select(Lesson.competencies).where(
        Lesson.course_id == course.id, Lesson.archived_at.is_(None)
    )
    return {code for codes in db.session.scalars(query) for code in codes or ()}


def _states(learner_ids: list[int], competency_ids: list[int]) -> dict[tuple[int, int], Cell]:
    if not learner_ids or not competency_ids:
        return {}
    query = select(MasteryState).where(
        MasteryState.user_id.in_(learner_ids), MasteryState.competency_id.in_(competency_ids)
    )
    return {
        (s.user_id, s.competency_id): Cell(s.level, s.mastered, s.value, s.assessed, s.practised)
        for s in db.session.scalars(query)
    }


CSV_HEADER = [
    "learner",
    "email",
    "competency",
    "title",
    "level",
    "level_title",
    "mastered",
    "value_percent",
    "assessed",
    "practised",
]


def heatmap_csv(board: Heatmap) -> str:
    """One line per learner and competency shown, as a spreadsheet opens it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for learner in board.learners:
        for competency in board.columns:
            cell = board.cell(learner, competency)
            writer.writerow(
                [
                    safe_cell(learner.name),
                    safe_cell(learner.email),  # an address may begin with "=" or "+"
                    safe_cell(competency.code),
                    _safe(competency.title),
                    "" if cell.level is None else cell.level,
                    board.titles.get(cell.level, "") if cell.level is not None else "",
                    "yes" if cell.mastered else "no",
                    "" if cell.percent is None else cell.percent,
                    cell.assessed,
                    cell.practised,
                ]
            )
    return out.getvalue()


_safe = safe_cell  # the name other modules imported before the domain module existed

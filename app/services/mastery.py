"""Mastery of a framework's competencies: kept up to date on write, read as a map or heatmap.

``update`` runs inside ``evidence.record``: it recomputes only the competencies the new
evidence touched, keeps one ``MasteryState`` row per learner and competency, and writes a
``MasteryEvent`` whenever a level changes. The learner's map recomputes from the evidence
itself (it needs the "why not yet" anyway); the cohort heatmap reads the states.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import select

from app.content import labs as lab_content
from app.content.mastery import Effective, MasteryRules, ancestors, resolve
from app.domain import mastery as rules_of
from app.domain.mastery import Evidence, Outcome, Source
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Competency,
    CompetencyEvidence,
    Course,
    Framework,
    Lesson,
    MasteryEvent,
    MasteryState,
    Question,
)
from app.services import lab_catalog


@dataclass(frozen=True)
class Place:
    """Where a source of evidence is done: a lesson (and the lab or question in it)."""

    course_slug: str
    lesson_slug: str
    kind: str  # lab | quiz
    ref: str  # lab id | question id


@dataclass(frozen=True)
class Item:
    """A competency (or domain) as mastery needs it: read as plain rows, not ORM objects."""

    id: int
    code: str
    title: str
    kind: str
    parent_code: str | None


def ids_of(framework_id: int):
    """A subquery of the framework's competency ids (no long IN list to bind)."""
    return select(Competency.id).where(Competency.framework_id == framework_id).scalar_subquery()


def items_of(framework_id: int) -> list[Item]:
    """The framework's active items in file order (domains, competencies, sub-competencies)."""
    query = (
        select(
            Competency.id,
            Competency.code,
            Competency.title,
            Competency.kind,
            Competency.parent_code,
        )
        .where(Competency.framework_id == framework_id, Competency.archived_at.is_(None))
        .order_by(Competency.id)
    )
    return [Item(*row) for row in db.session.execute(query)]


@dataclass
class Scope:
    """One framework, ready to decide mastery in: its items, rules and mapped work."""

    framework: Framework
    items: list[Item]  # every active competency and sub-competency, in file order
    domains: list[Item]
    titles: dict[int, str]  # level → title
    rules: dict[str, Effective]  # by competency code
    sources: dict[str, tuple[Source, ...]]  # by competency code: labs and checked questions
    places: dict[tuple[str, str], Place]

    def rule(self, code: str) -> Effective:
        return self.rules[code]


def scope(framework: Framework, labs_root: Path | None = None) -> Scope:
    """Load what deciding mastery in *framework* needs (a handful of queries)."""
    rows = items_of(framework.id)
    parents = {c.code: c.parent_code for c in rows}
    titles = {int(level["level"]): level["title"] for level in framework.levels or []}
    top = max(titles, default=1)
    rules = MasteryRules.from_json(framework.mastery)
    items = [c for c in rows if c.kind != "domain"]
    effective = {c.code: resolve(rules, c.code, ancestors(c.code, parents), top) for c in items}
    sources, places = _catalog(framework.id, labs_root or _labs_root())
    return Scope(
        framework=framework,
        items=items,
        domains=[c for c in rows if c.kind == "domain"],
        titles=titles,
        rules=effective,
        sources={code: tuple(found) for code, found in sources.items()},
        places=places,
    )


def _labs_root() -> Path | None:
    return Path(current_app.config["LABS_ROOT"]) if has_app_context() else None


def _catalog(framework_id: int, labs_root: Path | None):
    """Labs and checked (summative) questions of the framework's courses, by competency.

    A lab is mapped to the competencies its notebook credits (those of the lesson offering
    it when the notebook cannot be read); a question to the ones it names. Formative
    questions give practice only, so they are never pointed to as a way to mastery.
    """
    query = (
        select(Lesson, Course)
        .join(Course, Course.id == Lesson.course_id)
        .where(
            Course.framework_id == framework_id,
            Course.archived_at.is_(None),
            Lesson.archived_at.is_(None),
        )
        .order_by(Course.id, Lesson.position, Lesson.id)
    )
    sources: dict[str, list[Source]] = defaultdict(list)
    places: dict[tuple[str, str], Place] = {}
    lessons = list(db.session.execute(query))
    for lesson, course in lessons:
        for card in lesson.labs or []:
            lab_id = card.get("id")
            if card.get("planned") or ("lab", lab_id) in places:
                continue
            places["lab", lab_id] = Place(course.slug, lesson.slug, "lab", lab_id)
            for code in _lab_codes(labs_root, lab_id, lesson.competencies):
                title = f"the graded lab “{card.get('title') or lab_id}”"
                sources[code].append(Source("lab", lab_id, title))
    by_id = {lesson.id: (lesson, course) for lesson, course in lessons}
    columns = (
        select(Question.slug, Question.lesson_id, Question.spec)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(
            Course.framework_id == framework_id,
            Course.archived_at.is_(None),
            Lesson.archived_at.is_(None),
            Question.archived_at.is_(None),
        )
    )
    for slug, lesson_id, spec in db.session.execute(columns.order_by(Question.id)):
        if (spec.get("policy") or {}).get("kind") != "summative":
            continue
        lesson, course = by_id[lesson_id]
        places["quiz", slug] = Place(course.slug, lesson.slug, "quiz", slug)
        title = f"the checked question in “{lesson.title}”"
        for code in spec.get("competencies") or []:
            sources[code].append(Source("quiz", slug, title))
    return sources, places


def _lab_codes(labs_root: Path | None, lab_id: str, fallback: Iterable[str]) -> tuple[str, ...]:
    if labs_root is not None:
        try:
            return lab_catalog.load(labs_root, lab_id).competencies
        except (NotFound, lab_content.LabError):
            pass
    return tuple(fallback)


# Keeping states and events on write --------------------------------------------------------


def update(
    learner_id: int, competency_ids: Iterable[int], *, now: datetime, evidence_id: int | None
) -> list[MasteryEvent]:
    """Recompute *learner_id*'s mastery of these competencies; record each change of level.

    Called by ``evidence.record`` after it writes (or replaces) evidence. Flushes.
    """
    wanted = sorted(set(competency_ids))
    if not wanted:
        return []
    competencies = db.session.scalars(select(Competency).where(Competency.id.in_(wanted)))
    by_framework: dict[int, list[Competency]] = defaultdict(list)
    for competency in competencies:
        by_framework[competency.framework_id].append(competency)
    events = []
    for framework_id, members in sorted(by_framework.items()):
        found = scope(db.session.get(Framework, framework_id))
        pieces = _evidence(learner_id, [c.id for c in members])
        for competency in members:
            if competency.code not in found.rules:
                continue  # a domain, or archived
            outcome = rules_of.assess(
                found.rule(competency.code),
                pieces.get(competency.id, []),
                found.sources.get(competency.code, ()),
                found.titles,
            )
            event = _store(learner_id, competency, outcome, now, evidence_id)
            if event is not None:
                events.append(event)
    db.session.flush()
    return events


def _store(
    learner_id: int,
    competency: Competency,
    outcome: Outcome,
    now: datetime,
    evidence_id: int | None,
) -> MasteryEvent | None:
    state = db.session.get(MasteryState, (learner_id, competency.id))
    before = None if state is None else state.level
    if state is None:
        state = MasteryState(user_id=learner_id, competency_id=competency.id)
        db.session.add(state)
    state.level = outcome.level
    state.mastered = outcome.mastered
    state.value = outcome.value
    state.assessed = outcome.assessed
    state.practised = outcome.practised
    state.updated_at = now
    if before == outcome.level:
        return None
    event = MasteryEvent(
        user_id=learner_id,
        competency_id=competency.id,
        from_level=before,
        to_level=outcome.level,
        mastered=outcome.mastered,
        value=outcome.value,
        evidence_id=evidence_id,
        at=now,
    )
    db.session.add(event)
    return event


def _evidence(learner_id: int, competency_ids: list[int]) -> dict[int, list[Evidence]]:
    """The learner's evidence for these competencies, as the domain's plain records."""
    return evidence_of(learner_id, competency_ids)


EVIDENCE_COLUMNS = (
    CompetencyEvidence.competency_id,
    CompetencyEvidence.source_kind,
    CompetencyEvidence.source_ref,
    CompetencyEvidence.purpose,
    CompetencyEvidence.score,
    CompetencyEvidence.level,
    CompetencyEvidence.created_at,
    CompetencyEvidence.id,
)


def evidence_of(learner_id: int, competency_ids) -> dict[int, list[Evidence]]:
    """A learner's evidence by competency, as the domain's records (one indexed query).

    *competency_ids* is a list, or a subquery of ids (a whole framework's).
    """
    query = (
        select(*EVIDENCE_COLUMNS)
        .where(
            CompetencyEvidence.user_id == learner_id,
            CompetencyEvidence.competency_id.in_(competency_ids),
        )
        .order_by(CompetencyEvidence.competency_id, CompetencyEvidence.created_at)
    )
    found: dict[int, list[Evidence]] = defaultdict(list)
    for competency_id, *fields in db.session.execute(query):
        found[competency_id].append(Evidence(*fields))
    return found


def as_evidence(row: CompetencyEvidence) -> Evidence:
    return Evidence(
        row.source_kind,
        row.source_ref,
        row.purpose,
        row.score,
        row.level,
        row.created_at,
        row.id,
    )


def recompute(learner_ids: Iterable[int], *, now: datetime) -> int:
    """Bring the states of these learners up to date (after a change of rules); return how
    many learner-competency pairs were computed."""
    count = 0
    for learner_id in learner_ids:
        ids = db.session.scalars(
            select(CompetencyEvidence.competency_id)
            .where(CompetencyEvidence.user_id == learner_id)
            .distinct()
        )
        ids = list(ids)
        update(learner_id, ids, now=now, evidence_id=None)
        count += len(ids)
    return count


def learners_with_evidence() -> list[int]:
    """Everyone with any evidence, by id."""
    query = select(CompetencyEvidence.user_id).distinct().order_by(CompetencyEvidence.user_id)
    return list(db.session.scalars(query))

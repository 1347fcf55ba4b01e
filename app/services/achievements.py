"""Achievements: load their definitions into the database, and judge a learner against them.

``sync_definitions`` is called by the curriculum sync with the achievements the content
loader read from ``badges/``. ``facts_for`` gathers what a learner has done (mastery states,
lessons completed, best graded lab scores, apprenticeship standing) into the plain facts of
``app.domain.achievements``; ``progress_of`` judges every current achievement with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import distinct, func, select

from app.content import achievement_rules as files
from app.content.programs import Program
from app.domain import achievements as rules
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Achievement,
    Apprenticeship,
    Competency,
    Course,
    Framework,
    LabSubmission,
    Lesson,
    LessonCompletion,
    MasteryState,
    Organization,
    User,
)
from app.services import apprenticeship_progress, programs


class Changes(Protocol):
    def note(self, outcome: str, name: str) -> None: ...


def sync_definitions(
    found: Iterable[files.Achievement], *, version: str, now: datetime, changes: Changes
) -> None:
    """Make the achievements table match *found*; rows no longer found are archived."""
    existing = {row.slug: row for row in db.session.scalars(select(Achievement))}
    seen = set()
    for achievement in found:
        seen.add(achievement.id)
        values = _values(achievement)
        row = existing.get(achievement.id)
        if row is None:
            db.session.add(Achievement(**values, content_version=version, updated_at=now))
            changes.note("added", achievement.id)
            continue
        differs = any(getattr(row, k) != v for k, v in values.items()) or row.archived_at
        for key, value in values.items():
            setattr(row, key, value)
        row.archived_at = None
        if differs:
            row.content_version, row.updated_at = version, now
        changes.note("changed" if differs else "unchanged", achievement.id)
    for slug, row in existing.items():
        if slug not in seen and row.archived_at is None:
            row.archived_at = now
            changes.note("archived", slug)
    db.session.flush()


def _values(a: files.Achievement) -> dict:
    return {
        "slug": a.id,
        "name": a.name,
        "description": a.description,
        "achievement_type": a.achievement_type,
        "criteria": {"narrative": a.narrative, "rules": files.rules_as_json(a.rules)},
        "alignments": files.alignments_as_json(a.alignments),
        "issuers": list(a.issuers),
        "instructor_approval": a.instructor_approval,
        "valid_for": a.valid_for,
        "artwork": a.artwork,
        "tags": list(a.tags),
    }


def unknown_issuers(slugs: Iterable[str]) -> list[str]:
    """The issuer slugs among *slugs* that name no organization (yet), sorted."""
    wanted = set(slugs)
    known = set(db.session.scalars(select(Organization.slug).where(Organization.slug.in_(wanted))))
    return sorted(wanted - known)


def current() -> list[Achievement]:
    """The achievements not archived, by name."""
    query = select(Achievement).where(Achievement.archived_at.is_(None)).order_by(Achievement.name)
    return list(db.session.scalars(query))


def get(slug: str) -> Achievement:
    """The achievement with this id (archived ones included); NotFound naming the current ones."""
    row = db.session.scalar(select(Achievement).where(Achievement.slug == slug))
    if row is None:
        known = ", ".join(a.slug for a in current()) or "none"
        raise NotFound(f"No achievement '{slug}'. Current achievements: {known}.")
    return row


def rules_of(achievement: Achievement) -> tuple[files.Rule, ...]:
    return files.rules_from_json(achievement.criteria.get("rules", []))


@dataclass(frozen=True)
class Standing:
    """One achievement and how a learner stands against it."""

    achievement: Achievement
    evaluation: rules.Evaluation

    @property
    def met(self) -> bool:
        return self.evaluation.met


def progress_of(user: User, *, today: date, curriculum_root: Path | None = None) -> list[Standing]:
    """Every current achievement judged for *user*: met ones first, then the closest."""
    root = curriculum_root or Path(current_app.config["CURRICULUM_ROOT"])
    catalog = programs.catalog(root)
    facts = facts_for(user, today=today, catalog=catalog)
    shown = names(catalog)
    found = [Standing(row, rules.evaluate(rules_of(row), facts, shown)) for row in current()]
    return sorted(found, key=lambda s: (not s.met, -s.evaluation.progress, s.achievement.name))


def facts_for(user: User, *, today: date, catalog: dict[str, Program]) -> rules.Facts:
    """What *user* has done, as of *today*, for the rules to judge."""
    return rules.Facts(
        competencies=_competencies(user.id),
        courses=_courses(user.id),
        labs=_labs(user.id),
        apprenticeships=_apprenticeships(user, catalog, today),
    )


def _competencies(user_id: int) -> dict[tuple[str, str], rules.CompetencyFact]:
    query = (
        select(Framework.slug, Competency.code, MasteryState.level, MasteryState.mastered)
        .join(Competency, MasteryState.competency_id == Competency.id)
        .join(Framework, Competency.framework_id == Framework.id)
        .where(MasteryState.user_id == user_id)
    )
    return {
        (framework, code): rules.CompetencyFact(level, bool(mastered))
        for framework, code, level, mastered in db.session.execute(query)
    }


def _courses(user_id: int) -> dict[str, rules.CourseFact]:
    """Lessons completed of each course's current (not archived) lessons."""
    current_lessons = Lesson.archived_at.is_(None)
    totals = dict(
        db.session.execute(
            select(Course.slug, func.count(Lesson.id))
            .join(Lesson, Lesson.course_id == Course.id)
            .where(current_lessons)
            .group_by(Course.slug)
        ).all()
    )
    done = dict(
        db.session.execute(
            select(Course.slug, func.count(distinct(LessonCompletion.lesson_id)))
            .join(Lesson, LessonCompletion.lesson_id == Lesson.id)
            .join(Course, Lesson.course_id == Course.id)
            .where(LessonCompletion.user_id == user_id, current_lessons)
            .group_by(Course.slug)
        ).all()
    )
    return {slug: rules.CourseFact(int(done.get(slug, 0)), int(n)) for slug, n in totals.items()}


def _labs(user_id: int) -> dict[str, float]:
    """The best graded score of each lab the learner submitted, in percent."""
    query = select(LabSubmission.lab_slug, LabSubmission.total, LabSubmission.maximum).where(
        LabSubmission.user_id == user_id, LabSubmission.status == "graded"
    )
    best: dict[str, float] = {}
    for lab, total, maximum in db.session.execute(query):
        if total is None or not maximum:
            continue
        score = max(0.0, min(100.0, total / maximum * 100))
        best[lab] = max(score, best.get(lab, 0.0))
    return best


def _apprenticeships(
    user: User, catalog: dict[str, Program], today: date
) -> dict[str, rules.ApprenticeshipFact]:
    found: dict[str, rules.ApprenticeshipFact] = {}
    query = (
        select(Apprenticeship)
        .where(Apprenticeship.apprentice_id == user.id)
        .order_by(Apprenticeship.status == "ended", Apprenticeship.start_date.desc())
    )
    for enrolment in db.session.scalars(query):
        program = catalog.get(enrolment.program_id)
        if program is None or program.id in found:
            continue  # the latest enrolment that is not ended speaks for the program
        progress = apprenticeship_progress.standing(enrolment, program, today=today).progress
        found[program.id] = rules.ApprenticeshipFact(
            complete=progress.complete or enrolment.status == "completed",
            in_probation=progress.in_probation,
            probation_hours_to_go=progress.probation_hours_to_go,
            probation_ends_on=progress.probation_ends_on,
            processes={
                p.id: rules.ProcessFact(p.hours, p.min_hours, p.missing, p.complete)
                for p in progress.processes
            },
            missing=progress.missing,
            counted_hours=progress.counted_hours,
            term_hours=progress.term_hours,
        )
    return found


def names(catalog: dict[str, Program]) -> rules.Names:
    """The titles the evaluator's messages use, from the synced content and the programs."""
    competencies = {
        (framework, code): title
        for framework, code, title in db.session.execute(
            select(Framework.slug, Competency.code, Competency.title).join(
                Framework, Competency.framework_id == Framework.id
            )
        )
    }
    levels = {
        slug: {level["level"]: level["title"] for level in scale or []}
        for slug, scale in db.session.execute(select(Framework.slug, Framework.levels))
    }
    courses = dict(db.session.execute(select(Course.slug, Course.title)).all())
    labs = {
        lab["id"]: lab.get("title") or lab["id"]
        for (found,) in db.session.execute(select(Lesson.labs).where(Lesson.archived_at.is_(None)))
        for lab in found or []
    }
    return rules.Names(
        competencies=competencies,
        levels=levels,
        courses=courses,
        labs=labs,
        programs={p.id: p.title for p in catalog.values()},
        work_processes={
            (p.id, wp.id): wp.title for p in catalog.values() for wp in p.work_processes
        },
    )

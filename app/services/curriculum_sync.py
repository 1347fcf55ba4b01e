"""Load a validated curriculum into the database, keyed by stable ids, in one transaction.

The achievements read from ``badges/`` beside it are loaded too (``services.achievements``).

Nothing is deleted: a lesson, question or competency whose file went away is archived, so
learners' attempts, completions and evidence keep pointing at something meaningful.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.content import case, confined, limits, markdown, model
from app.extensions import db
from app.models import (
    Competency,
    ContentSync,
    Course,
    CourseAsset,
    Framework,
    Lesson,
    Module,
    Question,
)
from app.services import achievements


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: int = 0

    def note(self, outcome: str, name: str) -> None:
        if outcome == "unchanged":
            self.unchanged += 1
        else:
            getattr(self, outcome).append(name)


@dataclass
class Report:
    version: str
    kinds: dict[str, Changes] = field(default_factory=dict)

    def of(self, kind: str) -> Changes:
        return self.kinds.setdefault(kind, Changes())

    @property
    def changed_anything(self) -> bool:
        return any(c.added or c.changed or c.archived for c in self.kinds.values())

    def lines(self) -> list[str]:
        out = [f"Content version {self.version}"]
        for kind, c in self.kinds.items():
            out.append(
                f"  {kind:<12} {len(c.added):>4} added  {len(c.changed):>4} changed  "
                f"{len(c.archived):>4} archived  {c.unchanged:>4} unchanged"
            )
            out += [f"    + {name}" for name in c.added[:20]]
            out += [f"    ~ {name}" for name in c.changed[:20]]
            out += [f"    - {name}" for name in c.archived[:20]]
        return out


def sync(
    curriculum: model.Curriculum,
    *,
    version: str,
    now: datetime,
    step: Callable[[str], None] = lambda _: None,
) -> Report:
    """Make the database match *curriculum*; the caller commits (or rolls back a dry run).

    *step* is called once per lesson, for a progress bar.
    """
    report = Report(version)
    # One query per table up front instead of one per row: a no-op sync of 500 lessons
    # then costs little more than comparing values.
    index = {m: {r.slug: r for r in db.session.scalars(select(m))} for m in SYNCED_BY_SLUG}
    frameworks = {f.id: upsert_framework(f, now, report) for f in curriculum.frameworks}
    # Frameworks imported from CASE packages live only in the database: keep them.
    imported = set(
        db.session.scalars(select(Framework.slug).where(Framework.source.like("case:%")))
    )
    keep = {f.id for f in curriculum.frameworks} | imported
    _archive_missing(Framework, keep, now, report.of("frameworks"))
    seen_courses, seen_modules, seen_lessons, seen_questions = set(), set(), set(), set()
    for course in curriculum.courses:
        row = _course(course, frameworks.get(course.framework), version, now, report, index)
        seen_courses.add(course.id)
        position = 0
        for module_position, module in enumerate(course.modules):
            module_row = _module(row, module, module_position, report, index)
            seen_modules.add(module.id)
            for lesson in module.lessons:
                lesson_row = _lesson(row, module_row, lesson, position, now, report, index)
                seen_lessons.add(lesson.id)
                seen_questions.update(q.id for q in lesson.questions)
                for question in lesson.questions:
                    _question(lesson_row, question, report, index)
                position += 1
                step(lesson.id)
        _assets(row, course, report)
    _archive_missing(Course, seen_courses, now, report.of("courses"))
    _archive_missing(Module, seen_modules, now, report.of("modules"))
    _archive_missing(Lesson, seen_lessons, now, report.of("lessons"))
    _archive_missing(Question, seen_questions, now, report.of("questions"))
    achievements.sync_definitions(
        curriculum.achievements, version=version, now=now, changes=report.of("achievements")
    )
    db.session.add(ContentSync(version=version, started_at=now, summary=_summary(report)))
    db.session.flush()
    return report


def _summary(report: Report) -> dict:
    return {
        kind: {k: v if isinstance(v, int) else len(v) for k, v in asdict(c).items()}
        for kind, c in report.kinds.items()
    }


SYNCED_BY_SLUG = (Course, Module, Lesson, Question)
Index = dict[type, dict[str, Any]]  # model → stable id → row, loaded once per sync


def _upsert(
    model_cls,
    key: str,
    values: dict,
    changes: Changes,
    *,
    index: Index | None = None,
    compare: Iterable[str] | None = None,
):
    """Insert or update the row whose stable id is *key*; return it and what happened."""
    if index is not None and model_cls in index:
        row = index[model_cls].get(key)
    else:
        row = db.session.scalar(select(model_cls).where(model_cls.slug == key))
    if row is None:
        row = model_cls(**values)
        db.session.add(row)
        db.session.flush()  # new rows need their id for the rows below them
        changes.note("added", key)
        return row, "added"
    fields = list(compare or values)
    differs = any(getattr(row, k) != values[k] for k in fields) or row.archived_at is not None
    for k, v in values.items():
        setattr(row, k, v)
    row.archived_at = None
    outcome = "changed" if differs else "unchanged"
    changes.note(outcome, key)
    return row, outcome


def upsert_framework(f: model.Framework, now: datetime, report: Report) -> Framework:
    """Create or update a framework and its items; items no longer in it are archived."""
    values = {
        "slug": f.id,
        "uuid": case.framework_uuid(f),
        "title": f.title,
        "version": f.version,
        "description": f.description,
        "creator": f.creator,
        "publisher": f.publisher,
        "language": f.language,
        "subjects": list(f.subjects),
        "license_title": f.license_title,
        "license_uri": f.license_uri,
        "levels": [asdict(level) for level in f.levels],
        "mastery": f.mastery.as_json(),
        "source": f.source,
    }
    row, outcome = _upsert(Framework, f.id, values, report.of("frameworks"))
    if outcome != "unchanged":
        row.updated_at = now
    db.session.flush()
    item_changes = report.of("competencies")
    seen = set()
    existing = {c.code: c for c in row.competencies}
    for item in f.items:
        seen.add(item.code)
        values = {
            "uuid": case.item_uuid(f, item),
            "code": item.code,
            "title": item.title,
            "description": item.description,
            "kind": item.kind,
            "parent_code": item.parent,
            "position": item.position,
            "precedes": list(item.precedes),
            "related": [asdict(r) for r in item.related],
        }
        current = existing.get(item.code)
        if current is None:
            db.session.add(Competency(framework=row, **values))
            item_changes.note("added", item.code)
            continue
        differs = any(getattr(current, k) != v for k, v in values.items()) or current.archived_at
        for k, v in values.items():
            setattr(current, k, v)
        current.archived_at = None
        item_changes.note("changed" if differs else "unchanged", item.code)
    for code, current in existing.items():
        if code not in seen and current.archived_at is None:
            current.archived_at = now
            item_changes.note("archived", code)
    return row


def _course(
    c: model.Course,
    framework: Framework | None,
    version: str,
    now: datetime,
    report: Report,
    index: Index,
) -> Course:
    values = {
        "slug": c.id,
        "title": c.title,
        "summary": c.summary,
        "audience": c.audience,
        "prerequisites": list(c.prerequisites),
        "rti_hours": c.rti_hours,
        "version": c.version,
        "published": c.published,
        "framework_id": framework.id if framework else None,
    }
    row, _ = _upsert(Course, c.id, values, report.of("courses"), index=index)
    row.content_version = version
    row.updated_at = now
    return row


def _module(course: Course, m: model.Module, position: int, report: Report, index: Index) -> Module:
    values = {
        "course_id": course.id,
        "slug": m.id,
        "title": m.title,
        "summary": m.summary,
        "objectives": [asdict(o) | {"competencies": list(o.competencies)} for o in m.objectives],
        "position": position,
    }
    row, _ = _upsert(Module, m.id, values, report.of("modules"), index=index)
    return row


def _lesson(
    course: Course,
    module: Module,
    lesson: model.Lesson,
    position: int,
    now: datetime,
    report: Report,
    index: Index,
) -> Lesson:
    current = index[Lesson].get(lesson.id)
    if current is not None and current.content_hash == lesson.content_hash:
        search_text = current.search_text  # rendering is the costly part; skip it if unchanged
    else:
        search_text = f"{lesson.title} {markdown.render(lesson.body).text}"
    values = {
        "course_id": course.id,
        "module_id": module.id,
        "slug": lesson.id,
        "title": lesson.title,
        "path": lesson.path.as_posix(),
        "minutes": lesson.minutes,
        "objectives": list(lesson.objectives),
        "competencies": list(lesson.competencies),
        "labs": [
            {
                "id": lab.id,
                "title": lab.title,
                "objectives": list(lab.objectives),
                "planned": lab.planned,
            }
            for lab in lesson.labs
        ],
        "source": lesson.body,
        "content_hash": lesson.content_hash,
        "search_text": search_text,
        "position": position,
    }
    # Moving a lesson or renaming its file is not a content change; its text is.
    row, outcome = _upsert(
        Lesson,
        lesson.id,
        values,
        report.of("lessons"),
        index=index,
        compare=("content_hash", "title", "module_id", "position"),
    )
    if outcome != "unchanged":
        row.updated_at = now
    return row


def _question(lesson: Lesson, q: model.Question, report: Report, index: Index) -> None:
    spec = {
        "id": q.id,
        "type": q.type,
        "prompt": q.prompt,
        "explanation": q.explanation,
        "competencies": list(q.competencies),
        "choices": [asdict(c) for c in q.choices],
        "answer": q.answer,
        "tolerance": q.tolerance,
        "unit": q.unit,
        "policy": asdict(q.policy),
    }
    values = {"lesson_id": lesson.id, "slug": q.id, "type": q.type, "spec": spec}
    _upsert(Question, q.id, values, report.of("questions"), index=index)


def _assets(course: Course, c: model.Course, report: Report) -> None:
    """Store the figures the loader found; each is read again through ``confined``.

    Raises confined.Refused if a figure became a link, a special file or too large since
    it was validated: the caller rolls back and nothing is stored.
    """
    changes = report.of("assets")
    existing = {
        a.path: a
        for a in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))
    }
    seen = set()
    for rel in c.assets:
        seen.add(rel)
        data = confined.read_bytes(c.folder, rel, limit=limits.ASSET_BYTES)
        digest = hashlib.sha256(data).hexdigest()
        media = (
            "image/svg+xml"
            if rel.lower().endswith(".svg")
            else mimetypes.guess_type(rel)[0] or "application/octet-stream"
        )
        row = existing.get(rel)
        if row is None:
            db.session.add(
                CourseAsset(
                    course_id=course.id, path=rel, media_type=media, sha256=digest, data=data
                )
            )
            changes.note("added", rel)
        elif row.sha256 != digest:
            row.data, row.sha256, row.media_type = data, digest, media
            changes.note("changed", rel)
        else:
            changes.note("unchanged", rel)
    for rel, row in existing.items():
        if rel not in seen:
            db.session.delete(row)  # figures carry no learner history
            changes.note("archived", rel)


def _archive_missing(model_cls, keep: set[str], now: datetime, changes: Changes) -> None:
    for row in db.session.scalars(select(model_cls).where(model_cls.archived_at.is_(None))):
        if row.slug not in keep:
            row.archived_at = now
            changes.note("archived", row.slug)

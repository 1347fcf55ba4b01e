"""The learner's view of courses: catalog, outline, lessons, progress and search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import defer

from app import policy
from app.content import confined, labs
from app.database import utcnow
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Competency,
    Course,
    CourseAsset,
    Lesson,
    LessonCompletion,
    Module,
    Question,
    User,
)
from app.services import due_dates
from app.services.lab_catalog import LAB_ID


@dataclass(frozen=True)
class CourseCard:
    course: Course
    lessons: int
    minutes: int
    completed: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.lessons) if self.lessons else 0


@dataclass(frozen=True)
class LessonEntry:
    lesson: LessonRef
    completed: bool


@dataclass(frozen=True)
class ModuleOutline:
    module: Module
    lessons: list[LessonEntry]

    @property
    def completed(self) -> int:
        return sum(entry.completed for entry in self.lessons)


@dataclass(frozen=True)
class Outline:
    card: CourseCard
    modules: list[ModuleOutline]
    competencies: list[Competency]
    next_lesson: LessonRef | None
    # The signed-in learner's due dates in this course, by ("lab", lab id) or ("quiz", lesson
    # slug), from the cohorts they learn in.
    due: dict[tuple[str, str], due_dates.Line] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionRow:
    """An active question of a lesson, as ``quizzes.views`` reads it (its spec holds the
    answers: the page never shows it as it is)."""

    id: int
    slug: str
    spec: dict[str, Any]
    archived_at: None = None


@dataclass(frozen=True)
class LessonRef:
    """An active lesson as its page, the outline and navigation show it, without its text or
    a database row, so that it can be kept between requests (see ``course_map``)."""

    id: int
    slug: str
    title: str
    path: str  # relative to the course folder
    module_id: int
    module_title: str
    minutes: int
    content_hash: str
    objectives: tuple[str, ...]
    competencies: tuple[str, ...]
    labs: tuple[dict[str, Any], ...]  # as the sync stored them: id, title, objectives, planned
    questions: tuple[QuestionRow, ...]


@dataclass(frozen=True)
class CourseMap:
    """A course's active lessons in order, as of one content key (``content_key``)."""

    key: tuple[str, ...]
    lessons: tuple[LessonRef, ...]

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    def find(self, slug: str) -> LessonRef:
        """The active lesson *slug*; NotFound if the course has none."""
        found = next((lesson for lesson in self.lessons if lesson.slug == slug), None)
        if found is None:
            raise NotFound(f"There is no lesson '{slug}' in this course.")
        return found

    def neighbours(self, lesson_id: int) -> tuple[LessonRef | None, LessonRef | None]:
        """The lessons before and after lesson *lesson_id* (None at either end)."""
        index = next(i for i, item in enumerate(self.lessons) if item.id == lesson_id)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following

    def paths(self) -> dict[str, str]:
        """Course-relative file path → lesson slug, for links between lessons."""
        return {lesson.path: lesson.slug for lesson in self.lessons}


def content_key(course: Course) -> tuple[str, str, str]:
    """What a course's lessons, their order and their links depend on.

    Lessons change only through a curriculum sync, which sets the course's content version
    (the files' git commit or hash) and its ``updated_at``: the timestamp also tells apart two
    syncs that name the same version (tests, edited files outside git), so nothing kept under
    an older key is ever served again.
    """
    return (course.slug, course.content_version, course.updated_at.isoformat())


def course_map(course: Course) -> CourseMap:
    """*course*'s active lessons in order: one query per course and content key, kept in
    this process (a new sync makes a new key; maps of other keys are replaced)."""
    key = content_key(course)
    maps: dict[int, CourseMap] = current_app.extensions.setdefault("course_maps", {})
    found = maps.get(course.id)
    if found is None or found.key != key:
        found = maps[course.id] = CourseMap(key, tuple(_lesson_refs(course.id)))
    return found


def _lesson_refs(course_id: int) -> list[LessonRef]:
    active = (Lesson.course_id == course_id, Lesson.archived_at.is_(None))
    questions: dict[int, list[QuestionRow]] = {}
    rows = db.session.execute(
        select(Question.lesson_id, Question.id, Question.slug, Question.spec)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .where(*active, Question.archived_at.is_(None))
        .order_by(Question.id)
    )
    for lesson_id, *question in rows:
        questions.setdefault(lesson_id, []).append(QuestionRow(*question))
    query = (
        select(
            Lesson.id, Lesson.slug, Lesson.title, Lesson.path, Lesson.module_id,
            Module.title.label("module_title"), Lesson.minutes, Lesson.content_hash,
            Lesson.objectives, Lesson.competencies, Lesson.labs,
        )
        .join(Module, Module.id == Lesson.module_id)
        .where(*active)
        .order_by(Lesson.position, Lesson.id)
    )  # fmt: skip
    return [
        LessonRef(
            id=row.id,
            slug=row.slug,
            title=row.title,
            path=row.path,
            module_id=row.module_id,
            module_title=row.module_title,
            minutes=row.minutes,
            content_hash=row.content_hash,
            objectives=tuple(row.objectives or ()),
            competencies=tuple(row.competencies or ()),
            labs=tuple(row.labs or ()),
            questions=tuple(questions.get(row.id, ())),
        )
        for row in db.session.execute(query)
    ]


def visible_courses(user: User | None) -> list[Course]:
    query = select(Course).where(Course.archived_at.is_(None)).order_by(Course.title)
    return [c for c in db.session.scalars(query) if policy.can_view_course(user, c)]


def get_course(slug: str) -> Course:
    course = db.session.scalar(
        select(Course).where(Course.slug == slug, Course.archived_at.is_(None))
    )
    if course is None:
        raise NotFound(f"There is no course '{slug}'.")
    return course


def _completed(user: User | None) -> set[int]:
    """Every lesson *user* marked complete (one short query; callers keep the active ones)."""
    if not policy.is_signed_in(user):
        return set()
    query = select(LessonCompletion.lesson_id).where(LessonCompletion.user_id == user.id)
    return set(db.session.scalars(query))


def catalog(user: User | None) -> list[CourseCard]:
    """The courses *user* may see, each with its size and *user*'s progress in it."""
    shown = [(course, course_map(course)) for course in visible_courses(user)]
    done = _completed(user) if shown else set()
    return [_card(course, found, done) for course, found in shown]


def _card(course: Course, found: CourseMap, done: set[int]) -> CourseCard:
    completed = sum(lesson.id in done for lesson in found.lessons)
    return CourseCard(course, len(found.lessons), found.minutes, completed)


def outline(course: Course, user: User | None, *, now: datetime | None = None) -> Outline:
    """The course's modules and lessons with *user*'s progress and due dates (overdue as of
    *now*, by default the present moment)."""
    found = course_map(course)
    done = _completed(user)
    by_module: dict[int, list[LessonEntry]] = {}
    for lesson in found.lessons:
        by_module.setdefault(lesson.module_id, []).append(LessonEntry(lesson, lesson.id in done))
    modules = [
        ModuleOutline(module, by_module.get(module.id, []))
        for module in course.modules
        if module.archived_at is None
    ]
    next_lesson = next((lesson for lesson in found.lessons if lesson.id not in done), None)
    return Outline(
        _card(course, found, done),
        modules,
        competencies_taught(course, found.lessons),
        next_lesson,
        due_dates.for_course(user, course, now=now or utcnow()),
    )


def competencies_taught(course: Course, lessons: Iterable[LessonRef | Lesson]) -> list[Competency]:
    codes = {code for lesson in lessons for code in lesson.competencies}
    if course.framework_id is None or not codes:
        return []
    query = (
        select(Competency)
        .where(Competency.framework_id == course.framework_id, Competency.code.in_(codes))
        .order_by(Competency.id)
    )
    return list(db.session.scalars(query))


def get_lesson(course: Course, slug: str) -> Lesson:
    """The active lesson *slug* of *course* (its text is loaded only if read)."""
    lesson = db.session.scalar(
        select(Lesson)
        .options(defer(Lesson.source), defer(Lesson.search_text))
        .where(Lesson.course_id == course.id, Lesson.slug == slug, Lesson.archived_at.is_(None))
    )
    if lesson is None:
        raise NotFound(f"There is no lesson '{slug}' in this course.")
    return lesson


def lesson_ref(course: Course, slug: str) -> LessonRef:
    """The active lesson *slug* of *course* as kept in its map (no query once the map is
    built); NotFound if there is none."""
    return course_map(course).find(slug)


def lesson_source(lesson_id: int) -> str:
    """A lesson's Markdown (read only to render it: rendered lessons are cached)."""
    return db.session.scalar(select(Lesson.source).where(Lesson.id == lesson_id)) or ""


def neighbours(
    course: Course, lesson: Lesson | LessonRef
) -> tuple[LessonRef | None, LessonRef | None]:
    return course_map(course).neighbours(lesson.id)


def lesson_paths(course: Course) -> dict[str, str]:
    """Course-relative file path → lesson slug, for links between lessons."""
    return course_map(course).paths()


def is_completed(user: User, lesson: Lesson | LessonRef) -> bool:
    query = select(LessonCompletion.id).where(
        LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id
    )
    return db.session.scalar(query) is not None


def set_completed(user: User, lesson: Lesson, done: bool, *, now) -> None:
    existing = db.session.scalar(
        select(LessonCompletion).where(
            LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id
        )
    )
    if done and existing is None:
        db.session.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=now))
    elif not done and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def get_asset(course: Course, path: str) -> CourseAsset:
    asset = db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path)
    )
    if asset is None:
        raise NotFound("There is no such figure in this course.")
    return asset


@dataclass(frozen=True)
class SearchHit:
    lesson: Lesson
    snippet: str


def search(user: User | None, query: str, *, limit: int = 30) -> list[SearchHit]:
    """Find lessons whose title or text contains every word of *query*."""
    words = [w for w in query.lower().split() if len(w) > 1][:8]
    courses = {c.id: c for c in visible_courses(user)}
    if not words or not courses:
        return []
    conditions = []
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                func.lower(Lesson.title).like(pattern, escape="\\"),
                func.lower(Lesson.search_text).like(pattern, escape="\\"),
            )
        )
    stmt = (
        select(Lesson)
        .where(Lesson.archived_at.is_(None), Lesson.course_id.in_(courses), *conditions)
        .order_by(Lesson.course_id, Lesson.position)
        .limit(limit)
    )
    return [
        SearchHit(lesson, _snippet(lesson.search_text, words[0]))
        for lesson in db.session.scalars(stmt)
    ]


def _snippet(text: str, word: str, width: int = 160) -> str:
    at = text.lower().find(word)
    if at < 0:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, at - width // 2)
    end = min(len(text), start + width)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def learner_notebook(labs_root: Path, lab_id: str) -> bytes | None:
    """The built learner version of a lab (``flask labs build``), if there is one.

    A notebook that is a link, a special file or too large counts as none: it is not read.
    """
    if not LAB_ID.fullmatch(lab_id):
        return None
    try:
        return labs.read_notebook(labs_root.resolve(), f"learner/{lab_id}.ipynb")
    except confined.Refused:
        return None


def lesson_labs(labs_root: Path, lesson: Lesson | LessonRef) -> dict[str, dict[str, bool]]:
    """Lab id → whether it can be opened in the workspace, and its notebook downloaded."""
    return {
        lab["id"]: {
            "open": _is_notebook(labs_root, lab["id"], ""),
            "download": _is_notebook(labs_root, lab["id"], "learner/"),
        }
        for lab in lesson.labs
    }


def labs_stamp(labs_root: Path) -> str:
    """Text that changes when a lab notebook appears in or leaves *labs_root* (or its
    ``learner/`` folder): what ``lesson_labs`` answers can only change with it."""
    stamps = []
    for folder in (labs_root, labs_root / "learner"):
        try:
            stamps.append(str(folder.stat().st_mtime_ns))
        except OSError:
            stamps.append("-")
    return " ".join(stamps)


def _is_notebook(labs_root: Path, lab_id: str, folder: str) -> bool:
    if not LAB_ID.fullmatch(lab_id):
        return False
    try:
        return confined.kind(labs_root.resolve(), f"{folder}{lab_id}.ipynb") == "file"
    except confined.Refused:
        return False


def lab_lesson(lab_id: str) -> tuple[Course, LessonRef] | None:
    """The first active lesson (of an active course) that offers lab *lab_id*."""
    return lab_lessons().get(lab_id)


def lab_lessons() -> dict[str, tuple[Course, LessonRef]]:
    """Each lab id offered by an active lesson → the first such course and lesson."""
    found: dict[str, tuple[Course, LessonRef]] = {}
    active = select(Course).where(Course.archived_at.is_(None)).order_by(Course.id)
    for course in db.session.scalars(active):
        for lesson in course_map(course).lessons:
            for lab in lesson.labs:
                found.setdefault(lab.get("id"), (course, lesson))
    return found

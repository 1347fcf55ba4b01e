"""The learner's view of courses: catalog, outline, lessons, progress and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select

from app import policy
from app.content import confined, labs
from app.database import utcnow
from app.errors import NotFound
from app.extensions import db
from app.models import Competency, Course, CourseAsset, Lesson, LessonCompletion, Module, User
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
    lesson: Lesson
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
    next_lesson: Lesson | None
    # The signed-in learner's due dates in this course, by ("lab", lab id) or ("quiz", lesson
    # slug), from the cohorts they learn in.
    due: dict[tuple[str, str], due_dates.Line] = field(default_factory=dict)


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


def active_lessons(course: Course) -> list[Lesson]:
    query = (
        select(Lesson)
        .where(Lesson.course_id == course.id, Lesson.archived_at.is_(None))
        .order_by(Lesson.position)
    )
    return list(db.session.scalars(query))


def completed_ids(user: User | None, lessons: list[Lesson]) -> set[int]:
    if not policy.is_signed_in(user) or not lessons:
        return set()
    query = select(LessonCompletion.lesson_id).where(
        LessonCompletion.user_id == user.id,
        LessonCompletion.lesson_id.in_([lesson.id for lesson in lessons]),
    )
    return set(db.session.scalars(query))


def catalog(user: User | None) -> list[CourseCard]:
    return [card(course, user) for course in visible_courses(user)]


def card(course: Course, user: User | None, lessons: list[Lesson] | None = None) -> CourseCard:
    lessons = active_lessons(course) if lessons is None else lessons
    done = completed_ids(user, lessons)
    return CourseCard(course, len(lessons), sum(lesson.minutes for lesson in lessons), len(done))


def outline(course: Course, user: User | None, *, now: datetime | None = None) -> Outline:
    """The course's modules and lessons with *user*'s progress and due dates (overdue as of
    *now*, by default the present moment)."""
    lessons = active_lessons(course)
    done = completed_ids(user, lessons)
    by_module: dict[int, list[LessonEntry]] = {}
    for lesson in lessons:
        by_module.setdefault(lesson.module_id, []).append(LessonEntry(lesson, lesson.id in done))
    modules = [
        ModuleOutline(module, by_module.get(module.id, []))
        for module in course.modules
        if module.archived_at is None
    ]
    next_lesson = next((lesson for lesson in lessons if lesson.id not in done), None)
    return Outline(
        CourseCard(course, len(lessons), sum(lesson.minutes for lesson in lessons), len(done)),
        modules,
        competencies_taught(course, lessons),
        next_lesson,
        due_dates.for_course(user, course, now=now or utcnow()),
    )


def competencies_taught(course: Course, lessons: list[Lesson]) -> list[Competency]:
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
    lesson = db.session.scalar(
        select(Lesson).where(
            Lesson.course_id == course.id, Lesson.slug == slug, Lesson.archived_at.is_(None)
        )
    )
    if lesson is None:
        raise NotFound(f"There is no lesson '{slug}' in this course.")
    return lesson


def neighbours(course: Course, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    lessons = active_lessons(course)
    index = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    previous = lessons[index - 1] if index > 0 else None
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    return previous, following


def lesson_paths(course: Course) -> dict[str, str]:
    """Course-relative file path → lesson slug, for links between lessons."""
    return {lesson.path: lesson.slug for lesson in active_lessons(course)}


def is_completed(user: User, lesson: Lesson) -> bool:
    return bool(completed_ids(user, [lesson]))


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


def lesson_labs(labs_root: Path, lesson: Lesson) -> dict[str, dict[str, bool]]:
    """Lab id → whether it can be opened in the workspace, and its notebook downloaded."""
    return {
        lab["id"]: {
            "open": _is_notebook(labs_root, lab["id"], ""),
            "download": _is_notebook(labs_root, lab["id"], "learner/"),
        }
        for lab in lesson.labs
    }


def _is_notebook(labs_root: Path, lab_id: str, folder: str) -> bool:
    if not LAB_ID.fullmatch(lab_id):
        return False
    try:
        return confined.kind(labs_root.resolve(), f"{folder}{lab_id}.ipynb") == "file"
    except confined.Refused:
        return False


def lab_lesson(lab_id: str) -> tuple[Course, Lesson] | None:
    """The first active lesson (of an active course) that offers lab *lab_id*."""
    return lab_lessons().get(lab_id)


def lab_lessons() -> dict[str, tuple[Course, Lesson]]:
    """Each lab id offered by an active lesson → the first such course and lesson."""
    query = (
        select(Lesson, Course)
        .join(Course, Course.id == Lesson.course_id)
        .where(Lesson.archived_at.is_(None), Course.archived_at.is_(None))
        .order_by(Course.id, Lesson.position, Lesson.id)
    )
    found: dict[str, tuple[Course, Lesson]] = {}
    for lesson, course in db.session.execute(query):
        for lab in lesson.labs or []:
            found.setdefault(lab.get("id"), (course, lesson))
    return found

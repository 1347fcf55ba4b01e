"""xAPI 1.0.3 statements of what learners did, as JSON lines a learning record store ingests:
one per quiz answer, graded lab attempt, completed lesson and signed-off OJL entry.

The vocabulary (verbs, activity ids and types, extensions) is in README.md ("Exports"). Statements
are deterministic: the id is a UUID v5 of the site's address and the source row (and the
row's version where it can change), and nothing that changes on its own (names, the export
time) is part of a statement, so exporting again sends the same statements and an LRS keeps
one copy. A learner is an ``account`` on this site (its address and the user id), never an
email address.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from app.domain import ojl
from app.domain.roles import OrgKind
from app.errors import InvalidInput
from app.extensions import db
from app.models import (
    Apprenticeship,
    Course,
    Lesson,
    LessonCompletion,
    OjlEntry,
    Organization,
    Question,
    QuizAttempt,
    User,
)
from app.models.labs import LabSubmission
from app.services import consents, memberships

# Fixed forever: changing it would give every statement a new id (and duplicates in an LRS).
NAMESPACE = uuid.UUID("6f1d3c52-5a3e-5b7c-9d1e-0c2a4b6e8f10")
LANGUAGE = "en"  # the courses are written in English
PLATFORM = "Shopfloor"
BATCH = 500  # rows read from the database at a time

ADL = "http://adlnet.gov/expapi"
VERBS = {
    "answered": f"{ADL}/verbs/answered",
    "completed": f"{ADL}/verbs/completed",
    "scored": f"{ADL}/verbs/scored",
}
ACTIVITY_TYPES = {
    "course": f"{ADL}/activities/course",
    "lesson": f"{ADL}/activities/lesson",
    "question": f"{ADL}/activities/cmi.interaction",
    "lab": f"{ADL}/activities/performance",
}
# Kinds with no established type (ojl-entry, work-process, program) get an IRI under the
# site's own address: see Vocabulary.type.
INTERACTION_TYPES = {"single": "choice", "multiple": "choice", "numeric": "numeric",
                     "order": "sequencing"}  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """Whose statements: one organization's members, one learner, or (neither) everyone."""

    org: Organization | None = None
    learner: User | None = None
    since: datetime | None = None  # only what happened at or after this time


def parse_since(text: str | None) -> datetime | None:
    """A YYYY-MM-DD date as the start of that day in UTC; None for no date."""
    if not text or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("since", f"'{text}' is not a date written YYYY-MM-DD.") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class Vocabulary:
    """IRIs of this site's activities, types and extensions, under its public address."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def activity(self, kind: str, *key: str) -> str:
        return f"{self.base}/xapi/activities/{kind}/" + "/".join(key)

    def type(self, kind: str) -> str:
        return ACTIVITY_TYPES.get(kind) or f"{self.base}/xapi/activity-types/{kind}"

    def extension(self, name: str) -> str:
        return f"{self.base}/xapi/extensions/{name}"

    def statement_id(self, *source: object) -> str:
        return str(uuid.uuid5(NAMESPACE, "|".join([self.base, *map(str, source)])))

    def registration(self, *source: object) -> str:
        return self.statement_id("registration", *source)

    def agent(self, user_id: int) -> dict:
        return {"objectType": "Agent", "account": {"homePage": self.base, "name": str(user_id)}}


def statements(scope: Scope, *, base_url: str) -> Iterator[dict]:
    """Every statement in *scope*: quiz answers, lab grades, lessons, OJL sign-offs."""
    words = Vocabulary(base_url)
    yield from quiz_answers(scope, words)
    yield from lab_grades(scope, words)
    yield from lesson_completions(scope, words)
    yield from ojl_sign_offs(scope, words)


def json_lines(found: Iterable[dict]) -> Iterator[str]:
    for statement in found:
        yield json.dumps(statement, ensure_ascii=False, sort_keys=True) + "\n"


def _learners(query, user_column, scope: Scope):
    if scope.learner is not None:
        return query.where(user_column == scope.learner.id)
    if scope.org is not None and scope.org.kind is OrgKind.EMPLOYER:
        # What a worker did in their courses is theirs: an employer gets only those who
        # chose to share their progress with it.
        return query.where(user_column.in_(consents.consenting_query(scope.org)))
    if scope.org is not None:
        return query.where(user_column.in_(memberships.people_in({scope.org.id})))
    return query


def _rows(query):
    return db.session.execute(query.execution_options(yield_per=BATCH))


def quiz_answers(scope: Scope, words: Vocabulary) -> Iterator[dict]:
    query = (
        select(QuizAttempt, Question.slug, Question.type, Question.spec, Lesson, Course)
        .join(Question, QuizAttempt.question_id == Question.id)
        .join(Lesson, Question.lesson_id == Lesson.id)
        .join(Course, Lesson.course_id == Course.id)
        .order_by(QuizAttempt.created_at, QuizAttempt.id)
    )
    query = _learners(query, QuizAttempt.user_id, scope)
    if scope.since is not None:
        query = query.where(QuizAttempt.created_at >= scope.since)
    for attempt, slug, qtype, spec, lesson, course in _rows(query):
        definition = {
            "type": words.type("question"),
            "interactionType": INTERACTION_TYPES.get(qtype, "other"),
        }
        if (spec or {}).get("prompt"):
            definition["name"] = {LANGUAGE: spec["prompt"]}
        yield _statement(
            words,
            ("quiz-answer", attempt.id),
            user_id=attempt.user_id,
            verb="answered",
            activity={"id": words.activity("question", slug), "definition": definition},
            result={
                "score": {"scaled": _scaled(attempt.score)},
                "success": bool(attempt.correct),
                "completion": True,
            },
            parent=[_lesson(words, lesson)],
            grouping=[_course(words, course)],
            registration=words.registration("course", attempt.user_id, course.slug),
            revision=attempt.content_version,
            at=attempt.created_at,
        )


def lab_grades(scope: Scope, words: Vocabulary) -> Iterator[dict]:
    titles = _lab_titles()
    query = (
        select(LabSubmission, Course)
        .outerjoin(Course, LabSubmission.course_id == Course.id)
        .where(
            LabSubmission.status == "graded",
            LabSubmission.user_id.is_not(None),
            LabSubmission.maximum > 0,
            LabSubmission.finished_at.is_not(None),
        )
        .order_by(LabSubmission.finished_at, LabSubmission.id)
    )
    query = _learners(query, LabSubmission.user_id, scope)
    if scope.since is not None:
        query = query.where(LabSubmission.finished_at >= scope.since)
    for submission, course in _rows(query):
        total = min(max(submission.total or 0.0, 0.0), submission.maximum)
        definition = {"type": words.type("lab"), "name": {LANGUAGE: titles.get(
            submission.lab_slug, submission.lab_slug)}}  # fmt: skip
        yield _statement(
            words,
            # A re-grade changes the result: it is a new statement, not a changed one.
            ("lab-grade", submission.id, _iso(submission.finished_at)),
            user_id=submission.user_id,
            verb="scored",
            activity={"id": words.activity("lab", submission.lab_slug), "definition": definition},
            result={
                "score": {
                    "scaled": _scaled(total / submission.maximum),
                    "raw": total,
                    "min": 0,
                    "max": submission.maximum,
                },
                "completion": True,
                "extensions": {words.extension("attempt"): submission.attempt},
            },
            parent=[_course(words, course)] if course else [],
            registration=(
                words.registration("course", submission.user_id, course.slug) if course else None
            ),
            at=submission.finished_at,
        )


def lesson_completions(scope: Scope, words: Vocabulary) -> Iterator[dict]:
    query = (
        select(LessonCompletion, Lesson, Course)
        .join(Lesson, LessonCompletion.lesson_id == Lesson.id)
        .join(Course, Lesson.course_id == Course.id)
        .order_by(LessonCompletion.completed_at, LessonCompletion.id)
    )
    query = _learners(query, LessonCompletion.user_id, scope)
    if scope.since is not None:
        query = query.where(LessonCompletion.completed_at >= scope.since)
    for completion, lesson, course in _rows(query):
        yield _statement(
            words,
            ("lesson-completion", completion.id),
            user_id=completion.user_id,
            verb="completed",
            activity=_lesson(words, lesson),
            result={"completion": True},
            parent=[_course(words, course)],
            registration=words.registration("course", completion.user_id, course.slug),
            at=completion.completed_at,
        )


def ojl_sign_offs(scope: Scope, words: Vocabulary) -> Iterator[dict]:
    """Approved OJL entries: the apprentice completed the hours, their mentor signed them off.
    Pending, rejected and withdrawn entries do not count, so they are not statements."""
    query = (
        select(OjlEntry, Apprenticeship)
        .join(Apprenticeship, OjlEntry.apprenticeship_id == Apprenticeship.id)
        .where(OjlEntry.status == ojl.APPROVED, OjlEntry.reviewed_at.is_not(None))
        .order_by(OjlEntry.reviewed_at, OjlEntry.id)
    )
    query = _learners(query, Apprenticeship.apprentice_id, scope)
    if scope.since is not None:
        query = query.where(OjlEntry.reviewed_at >= scope.since)
    for entry, enrolment in _rows(query):
        program = words.activity("program", enrolment.program_id)
        process = words.activity("work-process", enrolment.program_id, entry.work_process)
        statement = _statement(
            words,
            # An edit after approval needs a new sign-off: each version is its own statement.
            ("ojl-sign-off", entry.id, entry.version),
            user_id=enrolment.apprentice_id,
            verb="completed",
            activity={
                "id": words.activity("ojl-entry", str(entry.id)),
                "definition": {"type": words.type("ojl-entry")},
            },
            result={
                "success": True,
                "completion": True,
                "duration": _duration(entry.minutes),
                "extensions": {words.extension("ojl-hours"): round(entry.minutes / 60, 2)},
            },
            parent=[{"id": process, "definition": {"type": words.type("work-process")}}],
            grouping=[{"id": program, "definition": {"type": words.type("program")}}],
            registration=words.registration("apprenticeship", enrolment.id),
            language=None,  # work on the shop floor: no language to state
            at=entry.reviewed_at,
        )
        statement["context"]["extensions"] = {
            words.extension("work-date"): entry.work_date.isoformat()
        }
        if entry.reviewer_id is not None:
            statement["context"]["instructor"] = words.agent(entry.reviewer_id)
        yield statement


def _statement(
    words: Vocabulary,
    source: tuple,
    *,
    user_id: int,
    verb: str,
    activity: dict,
    result: dict,
    at: datetime,
    parent: list[dict],
    grouping: list[dict] | None = None,
    registration: str | None = None,
    revision: str | None = None,
    language: str | None = LANGUAGE,
) -> dict:
    context: dict = {"platform": PLATFORM}
    if registration:
        context["registration"] = registration
    if language:
        context["language"] = language
    if revision:
        context["revision"] = revision
    activities = {"parent": parent, "grouping": grouping or []}
    activities = {
        key: [_as_activity(a) for a in value] for key, value in activities.items() if value
    }
    if activities:
        context["contextActivities"] = activities
    return {
        "id": words.statement_id(*source),
        "actor": words.agent(user_id),
        "verb": {"id": VERBS[verb], "display": {LANGUAGE: verb}},
        "object": _as_activity(activity),
        "result": result,
        "context": context,
        "timestamp": _iso(at),
    }


def _as_activity(activity: dict) -> dict:
    return {"objectType": "Activity", **activity}


def _course(words: Vocabulary, course: Course) -> dict:
    return {
        "id": words.activity("course", course.slug),
        "definition": {"type": words.type("course"), "name": {LANGUAGE: course.title}},
    }


def _lesson(words: Vocabulary, lesson: Lesson) -> dict:
    return {
        "id": words.activity("lesson", lesson.slug),
        "definition": {"type": words.type("lesson"), "name": {LANGUAGE: lesson.title}},
    }


def _lab_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for labs in db.session.scalars(select(Lesson.labs)):
        for lab in labs or []:
            titles.setdefault(lab.get("id", ""), lab.get("title", ""))
    return {key: value for key, value in titles.items() if key and value}


def _scaled(value: float) -> float:
    return round(min(1.0, max(-1.0, float(value))), 4)


def _iso(moment: datetime) -> str:
    """ISO 8601 with milliseconds and the UTC offset (naive times are UTC here)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"PT{hours}H{rest}M" if rest else f"PT{hours}H"

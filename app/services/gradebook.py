"""The instructor's gradebook of a cohort: its active learners × the labs and quizzes of its
course, with best and latest scores, attempts used and allowed, and what is late or missing.

Built in a constant number of queries, however many learners and columns: every table is
read once for the whole cohort (joined through its membership), never once per learner.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from app.content.labs import LabError
from app.domain.spreadsheets import safe_cell
from app.errors import NotFound
from app.extensions import db
from app.models import (
    AttemptGrant,
    Cohort,
    CohortMember,
    DueDate,
    LabSubmission,
    Lesson,
    Question,
    QuizAttempt,
    User,
)
from app.services import lab_catalog, lab_feedback
from app.services.lab_feedback import Score

# A best score under this share of the points "needs attention" (the usual passing line of a
# college course); so does a quiz with fewer right answers once it is complete or due.
FAILING_BELOW = 0.6
MAX_QUERY = 100  # characters of the name/email filter
DIRECTIONS = ("asc", "desc")


def get_cohort(public_id: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.public_id == str(public_id)[:24]))
    if cohort is None:
        raise NotFound("There is no such cohort.")
    return cohort


@dataclass(frozen=True)
class Column:
    key: str  # "lab:<lab id>" or "quiz:<lesson slug>": what ?sort= names
    kind: str  # lab | quiz
    ref: str  # the lab id, or the lesson's slug
    title: str
    lesson_title: str
    maximum: float  # labs: points; quizzes: questions
    max_attempts: int | None = None  # labs only; None: any number
    due_at: datetime | None = None


@dataclass(frozen=True)
class Attempt:
    """One row of lab_submissions, without the notebook and the grading report."""

    id: int
    public_id: str
    user_id: int
    lab_slug: str
    attempt: int
    status: str
    total: float | None
    maximum: float | None
    created_at: datetime


@dataclass(frozen=True)
class LabCell:
    used: int
    allowed: int | None  # None: the lab takes any number of attempts
    extra: int  # attempts granted beyond the lab's maximum
    best: Score | None = None
    best_attempt: Attempt | None = None
    latest: Score | None = None
    latest_attempt: Attempt | None = None
    pending: bool = False  # an attempt waits to be graded or is being graded
    late: str = ""  # why it is late, if it is
    missing: bool = False  # nothing submitted, and the due date has passed
    kind: str = "lab"

    @property
    def share(self) -> float | None:
        return self.best.share if self.best else None

    @property
    def failing(self) -> bool:
        return self.share is not None and self.share < FAILING_BELOW

    @property
    def attention(self) -> bool:
        return self.missing or bool(self.late) or self.failing

    @property
    def flags(self) -> list[str]:
        """What to notice, in words (the CSV's notes)."""
        flags = _flags(self)
        if self.pending:
            flags.append("being graded")
        if self.best is not None and self.best.overridden:
            flags.append("score set by staff")
        return flags


@dataclass(frozen=True)
class QuizCell:
    questions: int
    answered: int = 0
    correct: int = 0  # questions whose latest answer is right
    late: str = ""
    missing: bool = False
    failing: bool = False
    kind: str = "quiz"

    @property
    def share(self) -> float | None:
        return self.correct / self.questions if self.answered and self.questions else None

    @property
    def attention(self) -> bool:
        return self.missing or bool(self.late) or self.failing

    @property
    def flags(self) -> list[str]:
        return _flags(self)


def _flags(cell: LabCell | QuizCell) -> list[str]:
    flags = ["missing"] if cell.missing else []
    if cell.late:
        flags.append(f"late ({cell.late})")
    if cell.failing:
        flags.append("under the passing line")
    return flags


@dataclass(frozen=True)
class Row:
    learner: User
    cells: dict[str, LabCell | QuizCell]

    @property
    def attention(self) -> bool:
        return any(cell.attention for cell in self.cells.values())


@dataclass(frozen=True)
class Gradebook:
    cohort: Cohort
    columns: list[Column]
    rows: list[Row]  # filtered and sorted
    learners: int  # active learners before filtering
    sort: str = "name"
    direction: str = "asc"
    query: str = ""
    attention_only: bool = False
    now: datetime | None = None
    failing_below: float = FAILING_BELOW
    attention_count: int = 0  # learners needing attention, before filtering


def build(
    cohort: Cohort,
    *,
    labs_root: Path,
    now: datetime,
    sort: str = "name",
    direction: str = "asc",
    query: str = "",
    attention_only: bool = False,
) -> Gradebook:
    """The gradebook of *cohort* as of *now*, filtered by name/email text and attention, and
    sorted by learner name or a column's score (unscored learners last either way)."""
    columns = _columns(cohort, labs_root)
    learners = list(
        db.session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(*_active_learners(cohort))
            .order_by(User.name, User.id)
        )
    )
    cells = _lab_cells(cohort, [c for c in columns if c.kind == "lab"], now)
    cells.update(_quiz_cells(cohort, [c for c in columns if c.kind == "quiz"], now))
    rows = [_row(learner, columns, cells, now) for learner in learners]
    needing = sum(1 for row in rows if row.attention)
    query = " ".join(query.split())[:MAX_QUERY]
    if query:
        needle = query.casefold()
        rows = [r for r in rows if needle in f"{r.learner.name}\n{r.learner.email}".casefold()]
    if attention_only:
        rows = [r for r in rows if r.attention]
    keys = {c.key for c in columns}
    sort = sort if sort in keys else "name"
    direction = direction if direction in DIRECTIONS else "asc"
    return Gradebook(
        cohort=cohort,
        columns=columns,
        rows=_sorted(rows, sort, direction),
        learners=len(learners),
        sort=sort,
        direction=direction,
        query=query,
        attention_only=attention_only,
        now=now,
        attention_count=needing,
    )


def _active_learners(cohort: Cohort) -> tuple:
    return (
        CohortMember.cohort_id == cohort.id,
        CohortMember.role == "learner",
        CohortMember.status == "active",
    )


def _columns(cohort: Cohort, labs_root: Path) -> list[Column]:
    """Per lesson of the cohort's course, in course order: its quiz, then its labs (those
    written and on disk; a lab offered twice counts once)."""
    if cohort.course_id is None:
        return []
    lessons = list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.course_id == cohort.course_id, Lesson.archived_at.is_(None))
            .order_by(Lesson.position, Lesson.id)
        )
    )
    counts = dict(
        db.session.execute(
            select(Question.lesson_id, func.count())
            .where(
                Question.lesson_id.in_([lesson.id for lesson in lessons]),
                Question.archived_at.is_(None),
            )
            .group_by(Question.lesson_id)
        ).all()
    )
    due = {
        (row.kind, row.ref): row.due_at
        for row in db.session.scalars(select(DueDate).where(DueDate.cohort_id == cohort.id))
    }
    columns, seen = [], set()
    for lesson in lessons:
        if counts.get(lesson.id):
            key, due_at = f"quiz:{lesson.slug}", due.get(("quiz", lesson.slug))
            title, count = f"{lesson.title} quiz", float(counts[lesson.id])
            columns.append(
                Column(key, "quiz", lesson.slug, title, lesson.title, count, None, due_at)
            )
        for card in lesson.labs or []:
            lab_id = card.get("id")
            if card.get("planned") or not lab_id or lab_id in seen:
                continue
            try:
                lab = lab_catalog.load(labs_root, lab_id)
            except (NotFound, LabError):
                continue  # not written yet, or broken: learners cannot open it either
            seen.add(lab_id)
            key, due_at = f"lab:{lab.id}", due.get(("lab", lab.id))
            columns.append(Column(key, "lab", lab.id, lab.title, lesson.title, lab.max_points,
                                  lab.max_attempts, due_at))  # fmt: skip
    return columns


Cells = dict[tuple[int, str], LabCell | QuizCell]  # (learner id, column key) → cell


def _lab_cells(cohort: Cohort, columns: list[Column], now: datetime) -> Cells:
    if not columns:
        return {}
    lab_ids = [c.ref for c in columns]
    in_cohort = (
        select(LabSubmission.id)
        .join(CohortMember, CohortMember.user_id == LabSubmission.user_id)
        .where(*_active_learners(cohort), LabSubmission.lab_slug.in_(lab_ids))
    )
    fields = [getattr(LabSubmission, name) for name in Attempt.__dataclass_fields__]
    attempts = [
        Attempt(*row)
        for row in db.session.execute(
            select(*fields)
            .where(LabSubmission.id.in_(in_cohort))
            .order_by(LabSubmission.attempt, LabSubmission.id)
        )
    ]
    latest = lab_feedback.latest_overrides(in_cohort)
    scores = {a.id: lab_feedback.score_of(a, latest.get(a.id)) for a in attempts}
    granted = {
        (user_id, lab_id): int(extra or 0)
        for user_id, lab_id, extra in db.session.execute(
            select(AttemptGrant.user_id, AttemptGrant.lab_slug, func.sum(AttemptGrant.extra))
            .join(CohortMember, CohortMember.user_id == AttemptGrant.user_id)
            .where(*_active_learners(cohort), AttemptGrant.lab_slug.in_(lab_ids))
            .group_by(AttemptGrant.user_id, AttemptGrant.lab_slug)
        )
    }
    grouped: dict[tuple[int, str], list[Attempt]] = {}
    for attempt in attempts:
        grouped.setdefault((attempt.user_id, attempt.lab_slug), []).append(attempt)
    cells: Cells = {}
    by_ref = {c.ref: c for c in columns}
    for (user_id, lab_id), theirs in grouped.items():
        column = by_ref[lab_id]
        extra = granted.get((user_id, lab_id), 0)
        cells[user_id, column.key] = _lab_cell(column, theirs, scores, extra)
    # Learners with grants but no attempt yet, and learners with nothing: filled in _row.
    for (user_id, lab_id), extra in granted.items():
        column = by_ref[lab_id]
        if (user_id, column.key) not in cells:
            cells[user_id, column.key] = _empty_lab(column, extra, now)
    return cells


def _lab_cell(
    column: Column, attempts: list[Attempt], scores: dict[int, Score], extra: int
) -> LabCell:
    graded = [a for a in attempts if scores[a.id].total is not None]
    # The best score; of equal ones the first reached, which is the one that was on time.
    best = max(graded, key=lambda a: (scores[a.id].total, -a.attempt), default=None)
    latest = attempts[-1]
    late = ""
    if column.due_at is not None:
        if min(a.created_at for a in attempts) > column.due_at:
            late = "first attempt after the due date"
        elif best is not None and best.created_at > column.due_at:
            late = "best score after the due date"
    return LabCell(
        used=len(attempts),
        allowed=None if column.max_attempts is None else column.max_attempts + extra,
        extra=extra,
        best=scores[best.id] if best else None,
        best_attempt=best,
        latest=scores[latest.id],
        latest_attempt=latest,
        pending=any(a.status in ("queued", "running") for a in attempts),
        late=late,
    )


def _empty_lab(column: Column, extra: int, now: datetime) -> LabCell:
    return LabCell(
        used=0,
        allowed=None if column.max_attempts is None else column.max_attempts + extra,
        extra=extra,
        missing=column.due_at is not None and column.due_at < now,
    )


def _quiz_cells(cohort: Cohort, columns: list[Column], now: datetime) -> Cells:
    """Each learner's latest answer to each question of the quizzes (one query)."""
    if not columns:
        return {}
    partition = (QuizAttempt.user_id, QuizAttempt.question_id)
    ranked = (
        select(
            QuizAttempt.user_id,
            Lesson.slug,
            QuizAttempt.correct,
            func.min(QuizAttempt.created_at).over(partition_by=partition).label("first_at"),
            func.row_number()
            .over(
                partition_by=partition,
                order_by=(QuizAttempt.created_at.desc(), QuizAttempt.id.desc()),
            )
            .label("rank"),
        )
        .join(Question, Question.id == QuizAttempt.question_id)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .join(CohortMember, CohortMember.user_id == QuizAttempt.user_id)
        .where(
            *_active_learners(cohort),
            Lesson.course_id == cohort.course_id,
            Lesson.slug.in_([c.ref for c in columns]),
            Question.archived_at.is_(None),
        )
        .subquery()
    )
    query = select(ranked.c.user_id, ranked.c.slug, ranked.c.correct, ranked.c.first_at).where(
        ranked.c.rank == 1
    )
    tally: dict[tuple[int, str], list] = {}  # (learner, lesson) → [answered, correct, first]
    for user_id, slug, correct, first_at in db.session.execute(query):
        counts = tally.setdefault((user_id, slug), [0, 0, first_at])
        counts[0] += 1
        counts[1] += 1 if correct else 0
        counts[2] = min(counts[2], first_at)
    by_ref = {c.ref: c for c in columns}
    cells: Cells = {}
    for (user_id, slug), (answered, correct, first_at) in tally.items():
        column = by_ref[slug]
        due = column.due_at
        questions = int(column.maximum)
        closed = answered >= questions or (due is not None and due < now)
        cells[user_id, column.key] = QuizCell(
            questions=questions,
            answered=answered,
            correct=correct,
            late="first answer after the due date" if due is not None and first_at > due else "",
            failing=closed and correct / questions < FAILING_BELOW,
        )
    return cells


def _row(learner: User, columns: list[Column], cells: Cells, now: datetime) -> Row:
    mine = {}
    for column in columns:
        cell = cells.get((learner.id, column.key))
        if cell is None:
            missing = column.due_at is not None and column.due_at < now
            if column.kind == "lab":
                cell = _empty_lab(column, 0, now)
            else:
                cell = QuizCell(questions=int(column.maximum), missing=missing)
        mine[column.key] = cell
    return Row(learner, mine)


def _sorted(rows: list[Row], sort: str, direction: str) -> list[Row]:
    by_name = sorted(rows, key=lambda r: (r.learner.name.casefold(), r.learner.id))
    if sort == "name":
        return by_name[::-1] if direction == "desc" else by_name
    scored = [r for r in by_name if r.cells[sort].share is not None]
    unscored = [r for r in by_name if r.cells[sort].share is None]
    scored.sort(key=lambda r: r.cells[sort].share, reverse=direction == "desc")  # stable
    return scored + unscored


# CSV ------------------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


LAB_PARTS = ("best", "latest", "points", "attempts used", "attempts allowed", "notes")
QUIZ_PARTS = ("right answers", "questions", "notes")


def as_csv(book: Gradebook) -> str:
    """The gradebook as CSV, one row per learner; every cell made safe for spreadsheets."""
    head = ["Learner", "Email"]
    for c in book.columns:
        parts = LAB_PARTS if c.kind == "lab" else QUIZ_PARTS
        head += [f"{c.title}: {part}" for part in parts]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in head])
    for row in book.rows:
        line = [row.learner.name, row.learner.email]
        for c in book.columns:
            cell = row.cells[c.key]
            if isinstance(cell, LabCell):
                line += [
                    _number(cell.best.total if cell.best else None),
                    _number(cell.latest.total if cell.latest else None),
                    _number(c.maximum),
                    str(cell.used),
                    "" if cell.allowed is None else str(cell.allowed),
                    "; ".join(cell.flags),
                ]
            else:
                right = str(cell.correct) if cell.answered else ""
                line += [right, str(cell.questions), "; ".join(cell.flags)]
        writer.writerow([safe_cell(value) for value in line])
    return out.getvalue()

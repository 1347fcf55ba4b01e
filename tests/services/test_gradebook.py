"""The cohort gradebook: columns from the course, cells from attempts, answers, overrides and
grants, late and missing work against the cohort's due dates, filters, sorting, the CSV, and a
constant number of queries however many learners the cohort has.

The builders at the top are shared with the web, authorization and browser tests.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import nbformat
import pytest
from sqlalchemy import event, select

from app.content import labs as lab_content
from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import (
    Cohort,
    CohortMember,
    Course,
    DueDate,
    LabSubmission,
    Question,
    QuizAttempt,
    User,
)
from app.services import gradebook, lab_catalog, lab_feedback, lab_submissions, lab_workspaces
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.factories import LAB_ID, SEED_SECRET
from tests.sandbox.labs_fixture import HONEST, source_notebook

# Builders (shared) ------------------------------------------------------------------------------


def offer_limited_lab(labs_root: Path, *, max_attempts: int | None = 1) -> lab_content.Lab:
    """The fixture lab (5 points) in *labs_root*, offered in demo-second, taking at most
    *max_attempts* attempts. Sync the 'good' curriculum first."""
    factories.offer_lab(labs_root)
    return limit_lab(labs_root, max_attempts=max_attempts)


def limit_lab(labs_root: Path, *, max_attempts: int | None) -> lab_content.Lab:
    """Rewrite the fixture lab in *labs_root* to take at most *max_attempts* attempts."""
    notebook = source_notebook()
    if max_attempts is not None:
        notebook.metadata["shopfloor"]["lab"]["max_attempts"] = max_attempts
    nbformat.write(notebook, labs_root / f"{LAB_ID}.ipynb")
    return lab_catalog.load(labs_root, LAB_ID)


def make_cohort(host, *, name: str = "Evening OEE cohort", course: str | None = "demo-course"):
    found = db.session.scalar(select(Course).where(Course.slug == course)) if course else None
    cohort = Cohort(
        host=host, name=name, course=found, starts_on=date(2026, 1, 5), ends_on=date(2026, 6, 30)
    )
    db.session.add(cohort)
    db.session.flush()
    return cohort


def enrol(cohort: Cohort, user: User, *, role: str = "learner", status: str = "active"):
    member = CohortMember(cohort=cohort, user=user, role=role, status=status)
    db.session.add(member)
    db.session.flush()
    return member


def submit(learner: User, lab, *, at=None, total: float | None = None) -> LabSubmission:
    """Submit the learner's honest answers as their next attempt; *total* grades it (of 5)."""
    space = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.save(space, lab, HONEST, base_revision=space.revision, now=utcnow())
    submission = lab_submissions.submit_workspace(learner, lab, space, now=at or utcnow())
    if total is not None:
        submission.status, submission.total, submission.maximum = "graded", total, 5.0
    db.session.flush()
    return submission


def answer(learner: User, slug: str, right: bool, *, at=None) -> None:
    """Record an answer to quiz question *slug*, right or wrong, as answering stores it."""
    question = db.session.scalar(select(Question).where(Question.slug == slug))
    db.session.add(
        QuizAttempt(
            user_id=learner.id, question_id=question.id, answer="given", correct=right,
            score=1.0 if right else 0.0, content_version="test", created_at=at or utcnow(),
        )
    )  # fmt: skip
    db.session.flush()


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def labs_root(tmp_path) -> Path:
    return tmp_path / "labs"


@pytest.fixture
def world(ctx, labs_root):
    """Lakeshore hosts a cohort on the demo course; Ana, Ben and Cy learn in it, Dee has
    withdrawn, Eve learns elsewhere; Ian teaches it."""
    sync_tree(FIXTURE_CURRICULA / "good")
    lab = offer_limited_lab(labs_root, max_attempts=2)
    host = factories.make_org(name="Lakeshore Community College")
    people = {
        key: factories.make_user(org=host, name=name, email=f"{key}@lakeshore.example")
        for key, name in (("ana", "Ana Lopez"), ("ben", "Ben Okafor"), ("cy", "Cy Young"),
                          ("dee", "Dee Marsh"), ("eve", "Eve Stone"))
    }  # fmt: skip
    people["ian"] = factories.make_user(org=host, role=Role.INSTRUCTOR, name="Ian Reyes")
    cohort = make_cohort(host)
    for key in ("ana", "ben", "cy"):
        enrol(cohort, people[key])
    enrol(cohort, people["dee"], status="withdrawn")
    enrol(cohort, people["ian"], role="instructor")
    db.session.commit()
    return {"lab": lab, "cohort": cohort, "host": host, **people}


def build(world, labs_root, **kwargs) -> gradebook.Gradebook:
    return gradebook.build(world["cohort"], labs_root=labs_root, now=utcnow(), **kwargs)


def names(book) -> list[str]:
    return [row.learner.name for row in book.rows]


LAB_KEY = f"lab:{LAB_ID}"


# Columns and rows ---------------------------------------------------------------------------


def test_gradebook_rows_are_the_active_learners_and_columns_the_courses_quizzes_and_labs(
    world, labs_root
):
    book = build(world, labs_root)
    assert names(book) == ["Ana Lopez", "Ben Okafor", "Cy Young"]  # no Dee, Eve or Ian
    assert [(c.key, c.title) for c in book.columns] == [
        ("quiz:demo-first", "The first lesson quiz"),
        ("quiz:demo-second", "The second lesson quiz"),
        (LAB_KEY, "Availability and OEE"),  # lab-demo is planned: no column
        ("quiz:demo-third", "The third lesson quiz"),
    ]
    lab_column = book.columns[2]
    assert (lab_column.maximum, lab_column.max_attempts) == (5.0, 2)
    assert [c.maximum for c in book.columns if c.kind == "quiz"] == [2.0, 1.0, 3.0]


def test_gradebook_lab_cell_has_best_latest_attempts_and_link_targets(world, labs_root):
    first = submit(world["ana"], world["lab"], total=4.0)
    second = submit(world["ana"], world["lab"], total=2.0)
    db.session.commit()
    cell = build(world, labs_root).rows[0].cells[LAB_KEY]
    assert (cell.best.total, cell.best_attempt.public_id) == (4.0, first.public_id)
    assert (cell.latest.total, cell.latest_attempt.public_id) == (2.0, second.public_id)
    assert (cell.used, cell.allowed, cell.extra) == (2, 2, 0)
    assert not cell.attention
    empty = build(world, labs_root).rows[1].cells[LAB_KEY]
    assert (empty.used, empty.best, empty.missing) == (0, None, False)  # no due date


def test_gradebook_an_override_is_the_score_that_counts(world, labs_root):
    first = submit(world["ana"], world["lab"], total=4.0)
    second = submit(world["ana"], world["lab"], total=2.0)
    lab_feedback.override(second, world["ian"], "5", "Hidden test was wrong", now=utcnow(),
                          org=world["host"])  # fmt: skip
    db.session.commit()
    cell = build(world, labs_root).rows[0].cells[LAB_KEY]
    assert (cell.best.total, cell.best.graded, cell.best.overridden) == (5.0, 2.0, True)
    assert cell.best_attempt.public_id == second.public_id
    lab_feedback.clear_override(second, world["ian"], "Fixed the test and re-graded",
                                now=utcnow(), org=world["host"])  # fmt: skip
    db.session.commit()
    cell = build(world, labs_root).rows[0].cells[LAB_KEY]
    assert (cell.best.total, cell.best_attempt.public_id) == (4.0, first.public_id)


def test_gradebook_grants_raise_the_allowed_attempts(world, labs_root):
    lab_feedback.grant(world["ben"], world["lab"], "2", "Was ill", author=world["ian"],
                       now=utcnow(), org=world["host"])  # fmt: skip
    db.session.commit()
    cell = build(world, labs_root).rows[1].cells[LAB_KEY]
    assert (cell.used, cell.allowed, cell.extra) == (0, 4, 2)


def test_gradebook_late_and_missing_against_the_cohorts_due_dates(world, labs_root):
    now = utcnow()
    due = now - timedelta(days=1)
    db.session.add(DueDate(cohort=world["cohort"], kind="lab", ref=LAB_ID, due_at=due))
    db.session.add(DueDate(cohort=world["cohort"], kind="quiz", ref="demo-first", due_at=due))
    submit(world["ana"], world["lab"], at=due - timedelta(hours=2), total=2.0)  # on time
    submit(world["ana"], world["lab"], at=due + timedelta(hours=2), total=5.0)  # best: late
    submit(world["ben"], world["lab"], at=due + timedelta(hours=1), total=5.0)  # first: late
    answer(world["ana"], "demo-first-q1", True, at=due - timedelta(hours=1))
    answer(world["ben"], "demo-first-q1", True, at=due + timedelta(hours=1))
    db.session.commit()
    ana, ben, cy = build(world, labs_root).rows
    assert ana.cells[LAB_KEY].late == "best score after the due date"
    assert ben.cells[LAB_KEY].late == "first attempt after the due date"
    assert cy.cells[LAB_KEY].missing and not cy.cells[LAB_KEY].late
    assert not ana.cells["quiz:demo-first"].late
    assert ben.cells["quiz:demo-first"].late == "first answer after the due date"
    assert cy.cells["quiz:demo-first"].missing
    assert not cy.cells["quiz:demo-second"].missing  # no due date for it
    assert all(row.attention for row in (ana, ben, cy))


def test_gradebook_quiz_score_is_the_latest_answer_per_question(world, labs_root):
    earlier = utcnow() - timedelta(minutes=10)
    answer(world["ana"], "demo-first-q1", False, at=earlier)
    answer(world["ana"], "demo-first-q1", True)  # right now: counts
    answer(world["ana"], "demo-second-q1", True, at=earlier)
    answer(world["ben"], "demo-first-q1", True, at=earlier)
    answer(world["ben"], "demo-first-q1", False)  # wrong now: counts
    db.session.commit()
    ana, ben, _ = build(world, labs_root).rows
    first = ana.cells["quiz:demo-first"]
    assert (first.answered, first.correct, first.questions) == (1, 1, 2)
    assert not first.failing  # one question still unanswered and nothing due
    assert ana.cells["quiz:demo-second"].share == 1.0
    assert (ben.cells["quiz:demo-first"].correct, ben.cells["quiz:demo-first"].share) == (0, 0.0)


def test_gradebook_failing_best_score_needs_attention(world, labs_root):
    submit(world["ana"], world["lab"], total=2.5)  # 50 %
    submit(world["ben"], world["lab"], total=3.0)  # 60 %: the line itself passes
    db.session.commit()
    ana, ben, _ = build(world, labs_root).rows
    assert ana.cells[LAB_KEY].failing and ana.attention
    assert not ben.cells[LAB_KEY].failing and not ben.attention


# Filters and sorting ------------------------------------------------------------------------


def test_gradebook_filters_by_name_or_email_and_by_attention(world, labs_root):
    submit(world["ben"], world["lab"], total=1.0)
    db.session.commit()
    assert names(build(world, labs_root, query="  oKaFoR ")) == ["Ben Okafor"]
    assert names(build(world, labs_root, query="cy@lakeshore")) == ["Cy Young"]
    assert names(build(world, labs_root, query="nobody")) == []
    book = build(world, labs_root, attention_only=True)
    assert names(book) == ["Ben Okafor"] and book.learners == 3 and book.attention_count == 1


def test_gradebook_sorts_by_name_or_column_with_unscored_last(world, labs_root):
    submit(world["ana"], world["lab"], total=2.0)
    submit(world["cy"], world["lab"], total=5.0)
    db.session.commit()
    assert names(build(world, labs_root, direction="desc")) == ["Cy Young", "Ben Okafor",
                                                                 "Ana Lopez"]  # fmt: skip
    by_lab = build(world, labs_root, sort=LAB_KEY)
    assert names(by_lab) == ["Ana Lopez", "Cy Young", "Ben Okafor"]
    by_lab_desc = build(world, labs_root, sort=LAB_KEY, direction="desc")
    assert names(by_lab_desc) == ["Cy Young", "Ana Lopez", "Ben Okafor"]
    odd = build(world, labs_root, sort="lab:'; drop table", direction="sideways")
    assert (odd.sort, odd.direction) == ("name", "asc")


def test_gradebook_of_a_cohort_without_a_course_has_no_columns(world, labs_root):
    cohort = make_cohort(world["host"], name="Program only", course=None)
    enrol(cohort, world["ana"])
    book = gradebook.build(cohort, labs_root=labs_root, now=utcnow())
    assert book.columns == [] and names(book) == ["Ana Lopez"]


def test_gradebook_get_cohort_by_public_id_only(world):
    cohort = world["cohort"]
    assert gradebook.get_cohort(cohort.public_id) == cohort
    from app.errors import NotFound

    for wrong in (str(cohort.id), "nope", "x" * 500):
        with pytest.raises(NotFound):
            gradebook.get_cohort(wrong)


# CSV ----------------------------------------------------------------------------------------


def test_gradebook_csv_has_every_cell_and_is_safe_for_spreadsheets(world, labs_root):
    world["ben"].name = '=HYPERLINK("http://evil.example","Ben")'
    submit(world["ana"], world["lab"], total=4.0)
    answer(world["ana"], "demo-first-q1", True)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(gradebook.as_csv(build(world, labs_root)))))
    head = rows[0]
    assert head[:2] == ["Learner", "Email"]
    assert "Availability and OEE: best" in head and "The first lesson quiz: right answers" in head
    [ana] = [dict(zip(head, row, strict=True)) for row in rows if row[0] == "Ana Lopez"]
    assert (ana["Availability and OEE: best"], ana["Availability and OEE: attempts used"],
            ana["Availability and OEE: attempts allowed"]) == ("4", "1", "2")  # fmt: skip
    assert ana["The first lesson quiz: right answers"] == "1"
    hostile = [row for row in rows if "HYPERLINK" in row[0]]
    assert hostile and hostile[0][0].startswith("'=")


# Speed --------------------------------------------------------------------------------------


def count_queries(work) -> int:
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def fill(cohort, host, lab, count: int, labs_root) -> None:
    """*count* learners in *cohort*, each with two graded attempts, an override, a grant and
    quiz answers."""
    ian = db.session.scalar(select(User).where(User.name == "Ian Reyes"))
    for n in range(count):
        learner = factories.make_user(org=host, name=f"Learner {n:02d}")
        enrol(cohort, learner)
        submit(learner, lab, total=float(n % 6))
        second = submit(learner, lab, total=3.0)
        lab_feedback.override(second, ian, "4", "Partial credit", now=utcnow(), org=host)
        lab_feedback.grant(learner, lab, "1", "Retry", author=ian, now=utcnow(), org=host)
        answer(learner, "demo-first-q1", n % 2 == 0)
        answer(learner, "demo-second-q1", True)
    db.session.commit()


def test_gradebook_takes_the_same_number_of_queries_for_5_and_30_learners(world, labs_root):
    """No query per learner or per cell: 30 learners cost what 5 do."""
    small = make_cohort(world["host"], name="Small")
    large = make_cohort(world["host"], name="Large")
    fill(small, world["host"], world["lab"], 5, labs_root)
    fill(large, world["host"], world["lab"], 30, labs_root)
    costs = {}
    for public_id in (small.public_id, large.public_id):
        db.session.remove()  # nothing cached from filling it in
        found = gradebook.get_cohort(public_id)
        book = None

        def work(found=found):
            nonlocal book
            book = gradebook.build(found, labs_root=labs_root, now=utcnow())
            gradebook.as_csv(book)

        costs[found.name] = count_queries(work)
        assert len(book.rows) == (5 if found.name == "Small" else 30)
        assert all(row.cells[LAB_KEY].best.total == 4.0 or row.cells[LAB_KEY].best.total == 5.0
                   for row in book.rows)  # fmt: skip
    assert costs["Small"] == costs["Large"], costs
    assert costs["Large"] <= 10, costs

"""Submitting from the workspace: numbered attempts, one at a time, progress, evidence."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from app.content import labs
from app.database import utcnow
from app.engine import grading
from app.errors import Conflict
from app.extensions import db
from app.models import (
    Competency,
    CompetencyEvidence,
    Course,
    Framework,
    LabSubmission,
    Lesson,
    Module,
)
from app.sandbox.executor import FakeExecutor
from app.services import lab_attempts, lab_submissions, lab_workspaces
from tests.factories import SEED_SECRET, make_user
from tests.sandbox.labs_fixture import source_notebook


@pytest.fixture
def lab():
    return labs.parse(source_notebook())


def workspace_of(user, lab):
    workspace = lab_workspaces.open_workspace(user, lab, now=utcnow(), secret=SEED_SECRET)
    db.session.commit()
    return workspace


def _only_submission() -> LabSubmission:
    [submission] = db.session.scalars(select(LabSubmission)).all()
    return submission


def grade_next(lab, executor=None):
    return grading.grade_next(
        load_lab=lambda _: lab, executor=executor or FakeExecutor(), now=utcnow
    )


def test_attempts_are_numbered_and_carry_the_learners_seed(ctx, lab):
    learner = make_user()
    workspace = workspace_of(learner, lab)
    first = lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    db.session.commit()
    grade_next(lab)
    second = lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    assert (first.attempt, second.attempt) == (1, 2)
    assert first.seed == second.seed == workspace.seed
    assert [s.attempt for s in lab_submissions.attempts(learner, lab.id)] == [2, 1]


def test_a_second_submission_while_one_is_grading_is_refused_and_nothing_is_lost(ctx, lab):
    learner = make_user()
    workspace = workspace_of(learner, lab)
    lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    db.session.commit()
    with pytest.raises(Conflict, match="still being graded"):
        lab_submissions.submit_workspace(learner, lab, workspace, now=utcnow())
    assert db.session.query(LabSubmission).count() == 1


def test_the_maximum_number_of_attempts_is_kept(ctx, lab):
    limited = dataclasses.replace(lab, max_attempts=1)
    learner = make_user()
    workspace = workspace_of(learner, limited)
    lab_submissions.submit_workspace(learner, limited, workspace, now=utcnow())
    db.session.commit()
    grade_next(limited)
    with pytest.raises(Conflict, match="all 1 attempts"):
        lab_submissions.submit_workspace(learner, limited, workspace, now=utcnow())


def test_grading_reports_progress_cell_by_cell(ctx, lab):
    learner = make_user()
    submitted = lab_submissions.submit_workspace(
        learner, lab, workspace_of(learner, lab), now=utcnow()
    )
    db.session.commit()
    seen = []

    class Watching(FakeExecutor):
        def run(self, notebook, limits=None, *, pooled=True, on_cell=None):
            def watch(index, steps):
                on_cell(index, steps)
                query = select(LabSubmission.progress).where(LabSubmission.id == submitted.id)
                deadline, pause = time.monotonic() + 20, threading.Event()
                while True:  # what another page would read, once the write has landed
                    with db.engine.connect() as connection:
                        value = connection.scalar(query)
                    if value == index + 1 or time.monotonic() > deadline:
                        break
                    pause.wait(0.01)
                seen.append(value)

            return super().run(notebook, limits, pooled=pooled, on_cell=watch if on_cell else None)

    done = grade_next(lab, Watching())
    db.session.refresh(done)
    assert done.status == "graded"
    # One step per cell of the run, and a last one for checking against the reference.
    assert done.steps > 2 and done.progress == done.steps
    assert seen == list(range(1, done.steps))


def test_progress_says_what_grading_is_doing_and_never_shows_a_full_bar_early(ctx, lab):
    learner = make_user()
    submitted = lab_submissions.submit_workspace(
        learner, lab, workspace_of(learner, lab), now=utcnow()
    )
    submitted.status, submitted.steps = "running", 12
    submitted.progress = 11
    running = lab_attempts.progress(submitted)
    assert running["detail"] == "Cell 11 of 11." and not running["checking"]
    submitted.progress = 12  # the learner's run is over; the grader compares
    checking = lab_attempts.progress(submitted)
    assert checking["checking"] and checking["detail"] == ""
    assert checking["text"] == (
        "Grading: your notebook has run; checking your results against the lab's reference…"
    )
    assert "checking the results" in lab_attempts.progress(submitted, own=False)["text"]
    submitted.status = "graded"
    assert lab_attempts.progress(submitted)["detail"] == ""


def add_framework(slug: str, code: str = "SM.KPI.1") -> Competency:
    """A framework of its own holding *code* (the fixture lab's competency)."""
    framework = Framework(slug=slug, uuid=str(uuid.uuid4()), title=slug.upper(), version="1")
    db.session.add(framework)
    db.session.flush()
    competency = Competency(
        framework_id=framework.id,
        uuid=str(uuid.uuid4()),
        code=code,
        title="Compute OEE",
        kind="competency",
    )
    db.session.add(competency)
    db.session.flush()
    return competency


def add_course(slug: str, framework_id: int | None, lab_id: str = "lab-availability") -> Course:
    """A course in *framework_id* with one lesson that offers the lab."""
    course = Course(slug=slug, title=slug, framework_id=framework_id, published=True)
    db.session.add(course)
    db.session.flush()
    module = Module(course_id=course.id, slug=f"{slug}-m1", title="M1")
    db.session.add(module)
    db.session.flush()
    lesson = Lesson(
        course_id=course.id,
        module_id=module.id,
        slug=f"{slug}-l1",
        title="L1",
        path="m1/l1.md",
        source="",
        content_hash="x",
        labs=[{"id": lab_id, "title": "Lab", "objectives": [], "planned": False}],
    )
    db.session.add(lesson)
    db.session.flush()
    return course


def add_lab_competency() -> Competency:
    """The fixture lab's competency, SM.KPI.1, in a framework of its own, with a course in
    that framework offering the lab."""
    competency = add_framework("sm")
    add_course("sm-course", competency.framework_id)
    return competency


def evidence_rows() -> list[tuple]:
    query = select(CompetencyEvidence).order_by(CompetencyEvidence.id)
    return [(e.competency_id, e.source_ref, e.purpose, e.score) for e in db.session.scalars(query)]


def test_each_graded_attempt_is_competency_evidence(ctx, lab):
    add_lab_competency()
    learner = make_user()
    lab_submissions.submit_workspace(learner, lab, workspace_of(learner, lab), now=utcnow())
    db.session.commit()
    grade_next(lab)
    evidence = db.session.scalars(select(CompetencyEvidence)).all()
    assert [(e.user_id, e.source_kind, e.source_ref, e.purpose) for e in evidence] == [
        (learner.id, "lab", "lab-availability#attempt-1", "assessment")
    ]

    # A re-grade of the attempt replaces its evidence: the attempt still counts once.
    lab_attempts.regrade(_only_submission())
    db.session.commit()
    grade_next(lab)
    again = db.session.scalars(select(CompetencyEvidence)).all()
    assert [e.source_ref for e in again] == ["lab-availability#attempt-1"]


def test_an_attempt_that_cannot_be_graded_counts_for_nothing_and_is_retried(ctx, lab):
    """Review finding: a failed reference run turned into a stored grade and evidence."""
    add_lab_competency()
    broken_check = dataclasses.replace(lab.checks[0], expected="1 / 0")
    broken = dataclasses.replace(lab, checks=(broken_check, *lab.checks[1:]))
    learner = make_user()
    lab_submissions.submit_workspace(learner, broken, workspace_of(learner, broken), now=utcnow())
    db.session.commit()

    first = grade_next(broken)
    assert (first.status, first.total, first.result) == ("queued", None, None)
    assert "could not be graded yet" in first.message and "'availability'" in first.message
    assert db.session.scalars(select(CompetencyEvidence)).all() == []
    # Not taken again at once: the engine gets a moment to recover.
    assert lab_submissions.claim_next(now=utcnow()) is None

    def grade_at(moment):
        return grading.grade_next(
            load_lab=lambda _: broken, executor=FakeExecutor(), now=lambda: moment
        )

    later = utcnow()
    for _ in range(lab_submissions.MAX_TRIES - 1):
        later += lab_submissions.RETRY_AFTER * 2
        assert grade_at(later).status == "queued"
    gave_up = grade_at(later + lab_submissions.RETRY_AFTER * 2)
    assert gave_up.status == "failed" and "notebook is saved" in gave_up.message
    assert gave_up.total is None
    assert db.session.scalars(select(CompetencyEvidence)).all() == []


def test_a_lab_credits_only_the_framework_of_the_course_it_is_taken_in(ctx, lab):
    """Two frameworks reuse the code SM.KPI.1, and a course of each offers the lab: a grade
    earned in one course is evidence in that course's framework, never in the other."""
    ours, theirs = add_framework("ours"), add_framework("theirs")
    add_course("their-course", theirs.framework_id)  # listed first: the lab's default course
    our_course = add_course("our-course", ours.framework_id)
    learner = make_user()
    submitted = lab_submissions.submit_workspace(
        learner, lab, workspace_of(learner, lab), now=utcnow(), course=our_course
    )
    assert submitted.course_id == our_course.id
    db.session.commit()
    done = grade_next(lab)
    assert done.status == "graded"
    assert [row[:3] for row in evidence_rows()] == [
        (ours.id, "lab-availability#attempt-1", "assessment")
    ]


def test_a_submission_without_its_course_takes_the_first_that_offers_the_lab(ctx, lab):
    first = add_framework("first")
    add_course("first-course", first.framework_id)
    add_course("second-course", add_framework("second").framework_id)
    learner = make_user()
    submitted = lab_submissions.submit_workspace(
        learner, lab, workspace_of(learner, lab), now=utcnow()
    )
    db.session.commit()
    grade_next(lab)
    assert submitted.course_id is not None
    assert [row[0] for row in evidence_rows()] == [first.id]


def test_a_lab_in_a_course_without_a_framework_is_evidence_for_nothing(ctx, lab):
    add_framework("sm")  # holds the code, but no course of this lab uses it
    course = add_course("loose", None)
    learner = make_user()
    lab_submissions.submit_workspace(
        learner, lab, workspace_of(learner, lab), now=utcnow(), course=course
    )
    db.session.commit()
    assert grade_next(lab).status == "graded"
    assert evidence_rows() == []

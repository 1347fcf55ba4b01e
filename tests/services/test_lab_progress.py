"""The dashboard's "Your labs": what a learner opened, where to continue, the best score."""

from __future__ import annotations

from app.content import labs
from app.database import utcnow
from app.extensions import db
from app.services import lab_progress, lab_submissions, lab_workspaces
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.factories import SEED_SECRET, make_user
from tests.sandbox.labs_fixture import source_notebook


def test_opened_labs_are_listed_with_their_lesson_and_best_score(ctx):
    sync_tree(FIXTURE_CURRICULA / "good")  # its lesson demo-second offers lab-demo
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"].update(id="lab-demo", title="A demo lab")
    lab = labs.parse(notebook)
    unoffered = labs.parse(source_notebook())  # lab-availability: no lesson offers it
    learner, other = make_user(), make_user()
    assert lab_progress.for_learner(learner) == []

    space = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.open_workspace(learner, unoffered, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.open_workspace(other, lab, now=utcnow(), secret=SEED_SECRET)
    for total in (2.0, 4.0):
        attempt = lab_submissions.submit_workspace(learner, lab, space, now=utcnow())
        attempt.status, attempt.total, attempt.maximum = "graded", total, 5.0
    lab_submissions.submit_workspace(learner, lab, space, now=utcnow())  # still queued
    db.session.commit()

    [line] = lab_progress.for_learner(learner)
    assert (line.lab_id, line.title) == ("lab-demo", "A demo lab")
    assert (line.course_slug, line.lesson_slug) == ("demo-course", "demo-second")
    assert (line.attempts, line.best, line.maximum, line.grading) == (3, 4.0, 5.0, True)
    [theirs] = lab_progress.for_learner(other)
    assert (theirs.attempts, theirs.best, theirs.grading) == (0, None, False)

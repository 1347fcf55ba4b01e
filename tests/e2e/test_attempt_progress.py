"""A learner follows grading: the cell being run, then a moving bar while results are checked
against the reference (never a full bar while work remains), then the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.extensions import db
from app.models import LabSubmission, User
from app.services import lab_submissions, lab_workspaces
from tests.e2e.test_lab_workspace import sign_in
from tests.factories import SEED_SECRET
from tests.sandbox.labs_fixture import HONEST

pytestmark = pytest.mark.e2e


def set_progress(app, public_id: str, **values) -> None:
    with app.app_context():
        db.session.execute(
            db.update(LabSubmission).where(LabSubmission.public_id == public_id).values(**values)
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def grading(lab_site):
    """Ana's attempt, which a grader (this test) has taken and is running."""
    app = lab_site.app
    with app.app_context():
        lab = app.extensions["lab_engine"].lab("lab-demo")
        ana = db.session.scalar(db.select(User).where(User.email == "ana@plant.example"))
        space = lab_workspaces.open_workspace(ana, lab, now=utcnow(), secret=SEED_SECRET)
        lab_workspaces.save(space, lab, HONEST, base_revision=space.revision, now=utcnow())
        attempt = lab_submissions.submit_workspace(ana, lab, space, now=utcnow())
        attempt.status, attempt.started_at, attempt.tries = "running", utcnow(), 1
        attempt.progress, attempt.steps = 3, 12
        db.session.commit()
        lab_site.attempt = attempt.public_id
    return lab_site


def test_the_attempt_page_says_what_grading_is_doing(grading, ui):
    sign_in(ui, grading, "ana@plant.example")
    ui.goto(grading(f"/labs/attempts/{grading.attempt}"))
    box = ui.locator("#grading")
    bar = box.get_by_role("progressbar", name="Grading progress")
    expect(box).to_contain_text("Grading: running your notebook. Cell 3 of 11.")
    expect(bar).to_have_attribute("value", "3")
    ui.shot("running")

    set_progress(grading.app, grading.attempt, progress=12)  # the learner's run is over
    expect(box).to_contain_text(
        "Grading: your notebook has run; checking your results against the lab's reference…"
    )
    expect(box).not_to_contain_text("Cell")
    expect(bar).not_to_have_attribute("value", "12")  # indeterminate, not full
    assert bar.evaluate("el => el.position") == -1  # the browser draws it as moving
    ui.shot("checking")

    set_progress(grading.app, grading.attempt, status="graded", total=5.0, maximum=5.0)
    expect(box).to_contain_text("5 / 5 points", timeout=30_000)
    assert ui.console_errors == [], ui.console_errors

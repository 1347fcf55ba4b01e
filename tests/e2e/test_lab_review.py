"""An instructor reviews a lab: their learners' submissions, one attempt read-only, a re-grade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.extensions import db
from app.models import LabSubmission, User
from app.services import lab_catalog, lab_submissions, lab_workspaces
from tests.e2e.test_lab_workspace import LESSON, sign_in
from tests.factories import SEED_SECRET
from tests.sandbox.labs_fixture import HIDDEN_CASES, HONEST
from tests.waiting import poll

pytestmark = [pytest.mark.e2e, pytest.mark.kernel]


@pytest.fixture
def submitted(lab_site):
    """Ana has submitted her lab with correct answers."""
    app = lab_site.app
    with app.app_context():
        lab = lab_catalog.load(Path(app.config["LABS_ROOT"]), "lab-demo")
        ana = db.session.scalar(db.select(User).where(User.email == "ana@plant.example"))
        space = lab_workspaces.open_workspace(ana, lab, now=utcnow(), secret=SEED_SECRET)
        lab_workspaces.save(space, lab, HONEST, base_revision=space.revision, now=utcnow())
        lab_submissions.submit_workspace(ana, lab, space, now=utcnow())
        db.session.commit()
    return lab_site


def finished_at(app):
    with app.app_context():
        submission = db.session.scalar(db.select(LabSubmission))
        when = submission.finished_at if submission.status == "graded" else None
        db.session.remove()
        return when or datetime.min.replace(tzinfo=UTC)


def test_an_instructor_reviews_and_regrades_an_attempt(submitted, ui):
    sign_in(ui, submitted, "ian@plant.example")
    ui.goto(submitted(LESSON))
    ui.get_by_role("link", name="Learners' submissions").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("A demo lab")
    row = ui.get_by_role("row").filter(has_text="Ana Lopez")
    expect(row).to_contain_text("ana@plant.example")
    row.get_by_role("link", name="Attempt 1").click()

    expect(ui.get_by_text("Attempt by Ana Lopez")).to_be_visible()
    result = ui.locator("#grading")
    expect(result).to_contain_text("5 / 5 points", timeout=90_000)
    expect(ui.locator("ul.checks li.check-pass")).to_have_count(2)
    expect(ui.get_by_role("heading", name="The notebook as it was graded")).to_be_visible()
    expect(ui.locator(".cells-readonly")).to_contain_text("return a * p * q")
    expect(ui.locator(".cells-readonly .md").first).to_have_text(
        "Compute availability for your shift."
    )
    assert HIDDEN_CASES not in ui.content()
    ui.shot("attempt")

    graded_at = finished_at(submitted.app)
    ui.get_by_role("button", name="Re-grade this attempt").click()
    # The confirmation may already be gone: the page reloads itself once grading is done.
    assert poll(lambda: finished_at(submitted.app) > graded_at, seconds=90)
    expect(result).to_contain_text("5 / 5 points", timeout=90_000)

    ui.go_back()
    ui.go_back()
    ui.reload()
    row = ui.get_by_role("row").filter(has_text="Ana Lopez")
    expect(row.get_by_role("meter", name="Best score of Ana Lopez")).to_be_visible()
    expect(row).to_contain_text("5 / 5")
    ui.shot("list")
    assert ui.console_errors == [], ui.console_errors

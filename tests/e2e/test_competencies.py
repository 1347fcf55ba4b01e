"""A learner reaches mastery and sees why not yet elsewhere; an instructor sees the heatmap."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.domain.roles import Role
from app.extensions import db
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(live_server):
    with live_server.app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        org = factories.make_org(name="Lakeshore Community College")
        factories.make_user(email="ana@plant.example", name="Ana Lopez", org=org)
        factories.make_user(email="ben@plant.example", name="Ben Okafor", org=org)
        factories.make_user(email="ian@plant.example", name="Ian Instructor", org=org,
                            role=Role.INSTRUCTOR)  # fmt: skip
        db.session.commit()
    return live_server


def sign_in(ui, site, email, first):
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(f"Hello, {first}")


def open_competencies(ui):
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Competencies").click()


def test_a_learner_reaches_mastery_and_sees_why_not_yet(site, ui):
    sign_in(ui, site, "ana@plant.example", "Ana")
    open_competencies(ui)
    expect(ui.get_by_role("heading", level=1)).to_have_text("Your competency map")
    expect(ui.get_by_text("0 of 3 competencies mastered")).to_be_visible()
    expect(ui.get_by_role("img", name=re.compile("Levels reached"))).to_be_visible()

    ui.goto(site("/courses/demo-course/lessons/demo-third"))
    checked = ui.locator("#q-demo-third-q2")
    checked.get_by_label("Writing the output image").check()
    checked.get_by_role("button", name="Check answer").click()
    expect(checked.get_by_role("status")).to_contain_text("Correct.")

    open_competencies(ui)
    row = ui.locator("#c-MINI-A-2-1")
    expect(row).to_contain_text("1 · Aware")
    expect(row).to_contain_text("Level 2 (Able) needs the checked question in “The third lesson”")
    ui.shot("why-not-yet")
    row.get_by_role("link", name=re.compile("Answer the checked question")).click()
    expect(ui).to_have_url(re.compile(r"/lessons/demo-third#q-demo-third-q3$"))
    last = ui.locator("#q-demo-third-q3")
    last.get_by_label("The inputs are read").check()
    last.get_by_label("The program runs").check()
    last.get_by_role("button", name="Check answer").click()
    expect(last.get_by_role("status")).to_contain_text("Correct.")

    open_competencies(ui)
    expect(ui.get_by_text("1 of 3 competencies mastered")).to_be_visible()
    mastered = ui.locator("#c-MINI-A-2-1")
    expect(mastered).to_contain_text("2 · Able")
    expect(mastered).to_contain_text("Mastered")
    expect(mastered.get_by_role("img", name=re.compile("Value over time"))).to_be_visible()
    other = ui.locator("#c-MINI-A-1")
    expect(other).to_contain_text("Not yet")
    expect(other).to_contain_text("needs assessed work scoring at least 80 %")
    ui.shot("mastered")
    assert ui.console_errors == []


def test_an_instructor_sees_the_cohort_heatmap(site, ui):
    with site.app.app_context():
        from sqlalchemy import select

        from app.database import utcnow
        from app.models import Question, User
        from app.services import quizzes

        ana = db.session.scalar(select(User).where(User.email == "ana@plant.example"))
        for slug in ("demo-third-q2", "demo-third-q3"):
            question = db.session.scalar(select(Question).where(Question.slug == slug))
            spec = quizzes.spec_of(question)
            right = [c.key for c in spec.choices if c.correct]
            quizzes.answer(
                ana, question, right[0] if spec.type == "single" else right, now=utcnow()
            )
        db.session.commit()
    sign_in(ui, site, "ian@plant.example", "Ian")
    open_competencies(ui)
    expect(ui.get_by_role("heading", level=1)).to_have_text("Cohort competencies")
    table = ui.get_by_role("table")
    expect(table).to_contain_text("Ana Lopez")
    expect(table).to_contain_text("Ben Okafor")
    expect(ui.locator("td.heat-mastered")).to_have_count(1)
    ui.shot("heatmap")
    ui.get_by_label("Domain").select_option("MINI.A")
    ui.get_by_role("button", name="Filter").click()
    expect(ui).to_have_url(re.compile(r"domain=MINI.A"))
    with ui.expect_download() as download:
        ui.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "mastery-mini.csv"
    ui.get_by_role("link", name="Ana Lopez").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Ana Lopez: competency map")
    assert ui.console_errors == []

"""People's judgements as evidence, in the browser on a phone and a desktop: an instructor
records a rubric assessment from the cohort heatmap and sees it there; a mentor records an
observation on the job and the apprentice reads it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.database import latest_today
from tests import factories
from tests.e2e.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.e2e

TODAY = latest_today()  # as the pages count "today"


@pytest.fixture
def site(program_site):
    """Acme's apprentice Ana, her mentor Mo and Acme's instructor Ian, on the mini framework."""
    return program_site


def sign_in(ui, site, email: str, name: str) -> None:
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")


def sign_out(ui) -> None:
    ui.context.clear_cookies()


def test_an_instructor_records_a_rubric_assessment_and_sees_the_heatmap(site, ui):
    sign_in(ui, site, "ian@plant.example", "Ian")
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Competencies").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Cohort competencies")
    expect(ui.locator("td.heat-mastered")).to_have_count(0)
    ana = ui.locator("tr", has=ui.get_by_role("link", name="Ana Lopez", exact=True))
    ana.get_by_role("link", name="Record an assessment").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Record an assessment of Ana Lopez")
    rubric = ui.get_by_role("group", name="Level reached (the rubric)")
    expect(rubric).to_contain_text("Knows the words.")  # each level's description is a row
    expect(rubric).to_contain_text("Does it.")

    ui.get_by_label("Competency").select_option(label="MINI.A.1 · First skill")
    ui.get_by_label("What was assessed").fill("Practical task: wire and test a proximity sensor")
    ui.get_by_label("Score (optional)").fill("85")
    ui.get_by_label("Comment").fill("Wired it unaided and explained each reading.")
    ui.get_by_role("button", name="Record the assessment").click()
    # No level chosen: the error stands at the rubric, and what was typed stays.
    expect(rubric).to_contain_text("Choose one of the framework's levels")
    expect(ui.get_by_label("Score (optional)")).to_have_value("85")
    ui.shot("refused")
    rubric.get_by_label("2 · Able").check()
    ui.shot("rubric")
    ui.get_by_role("button", name="Record the assessment").click()

    expect(ui.get_by_role("heading", level=1)).to_have_text("Ana Lopez: competency map")
    expect(ui.get_by_text("Assessed Ana Lopez at level 2 in MINI.A.1.")).to_be_visible()
    row = ui.locator("#c-MINI-A-1")
    expect(row).to_contain_text("2 · Able")
    expect(row).to_contain_text("Mastered")
    ui.shot("map")

    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Competencies").click()
    cell = ui.locator("td.heat-mastered")
    expect(cell).to_have_count(1)
    expect(cell).to_have_attribute("title", re.compile(r"Ana Lopez, MINI\.A\.1: level 2, 85 %"))
    ui.shot("heatmap")
    assert_no_sideways_scroll(ui)
    # The refused form answered 422 on purpose; nothing else may have failed.
    assert [e for e in ui.console_errors if "422" not in e] == []


def test_a_mentor_records_an_observation_the_apprentice_reads(site, ui):
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    sign_in(ui, site, "mo@plant.example", "Mo")
    ui.goto(site("/sign-off"))
    ui.get_by_role("link", name="Ana Lopez").click()
    ui.get_by_role("link", name="Record an observation").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Observations of Ana Lopez")
    form = ui.locator("form.judgement-form")
    form.get_by_label("Competency").select_option(label="MINI.A.1 · First skill")
    form.get_by_label("The job or task").fill("Changed the mould on press 4")
    form.get_by_label("2 · Able").check()
    form.get_by_label("Date").fill((TODAY + timedelta(days=3)).isoformat())
    form.get_by_role("button", name="Record the observation").click()
    expect(ui.get_by_text("Record what has happened: not a future date.")).to_be_visible()
    ui.get_by_label("Date").fill(yesterday)
    ui.get_by_label("Comment").fill("Locked out the press first, unprompted.")
    ui.get_by_role("button", name="Record the observation").click()
    expect(ui.get_by_text("Observation recorded: level 2 in MINI.A.1.")).to_be_visible()
    listed = ui.locator("ul.judgements")
    expect(listed).to_contain_text("Changed the mould on press 4")
    expect(listed).to_contain_text("level 2 (Able)")
    ui.shot("mentor")

    sign_out(ui)
    sign_in(ui, site, "ana@plant.example", "Ana")
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Apprenticeship").click()
    ui.get_by_role("link", name="Mentor's observations").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Your mentor's observations")
    expect(ui.locator("ul.judgements")).to_contain_text("Locked out the press first, unprompted.")
    expect(ui.locator("ul.judgements")).to_contain_text("Mo Okafor")
    expect(ui.get_by_role("button", name="Record the observation")).to_have_count(0)
    ui.shot("apprentice")
    assert_no_sideways_scroll(ui)
    # The refused form answered 422 on purpose; nothing else may have failed.
    assert [e for e in ui.console_errors if "422" not in e] == []


def test_prior_learning_is_claimed_with_a_document_and_accepted(site, ui, tmp_path):
    certificate = tmp_path / "forklift-licence.png"
    certificate.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    disguised = tmp_path / "licence.pdf"
    disguised.write_bytes(b"<html><script>alert(1)</script></html>")
    sign_in(ui, site, "ana@plant.example", "Ana")
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Competencies").click()
    ui.get_by_role("link", name=re.compile("Claim recognised prior learning")).click()
    ui.get_by_role("link", name="Claim prior learning").click()
    ui.get_by_label("Competency").select_option(label="MINI.A.2 · Second skill")
    ui.get_by_label("Where and how you learned it").fill("State licence, 2024, after 200 hours.")
    ui.get_by_label("Document").set_input_files(disguised)
    ui.get_by_role("button", name="Submit the claim").click()
    expect(ui.get_by_text("This file is not the PDF its name says.")).to_be_visible()
    ui.get_by_label("Document").set_input_files(certificate)
    ui.get_by_role("button", name="Submit the claim").click()
    expect(ui.get_by_text("Claim submitted")).to_be_visible()
    expect(ui.get_by_role("link", name="forklift-licence.png")).to_be_visible()
    expect(ui.get_by_role("heading", name="Decide")).to_have_count(0)  # not her own claim
    ui.shot("claimed")

    sign_out(ui)
    sign_in(ui, site, "ian@plant.example", "Ian")
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Competencies").click()
    ui.get_by_role("link", name="Prior-learning claims to decide").click()
    ui.get_by_role("link", name=re.compile("MINI.A.2")).first.click()
    claim_url = ui.url
    with ui.expect_download() as download:
        ui.get_by_role("link", name="forklift-licence.png").click()
    assert download.value.suggested_filename == "forklift-licence.png"
    ui.get_by_role("group", name="Level recognised (to accept)").get_by_label("2 · Able").check()
    ui.shot("review")
    ui.get_by_role("button", name="Accept at this level").click()
    expect(ui.get_by_text("Claim accepted.")).to_be_visible()
    ui.goto(claim_url)
    expect(ui.get_by_text("Accepted at level 2")).to_be_visible()
    expect(ui.locator(".claim-facts")).to_contain_text("Ian Reyes")
    assert [e for e in ui.console_errors if "422" not in e] == []

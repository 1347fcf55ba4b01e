"""A registered apprenticeship in the browser, on a phone and a desktop: the apprentice logs
on-the-job hours, the mentor approves one entry and rejects another, the apprentice sees the
approved hours counted and the rejection's reason, and prints the record."""

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


def sign_in(ui, site, email: str, name: str) -> None:
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")


def log(ui, day: str, hours: str, process: str, what: str) -> None:
    ui.get_by_role("link", name="Log hours").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Log on-the-job hours")
    ui.get_by_label("Date worked").fill(day)
    ui.get_by_label("Hours").fill(hours)
    ui.get_by_label("Work process").select_option(label=process)
    ui.get_by_label("What you did").fill(what)
    ui.get_by_role("button", name="Log these hours").click()


def test_hours_logged_signed_off_and_counted(program_site, ui):
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    earlier = (TODAY - timedelta(days=2)).isoformat()
    sign_in(ui, program_site, "ana@plant.example", "Ana")
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Apprenticeship").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Demo Technician")

    # A mistake first: more than a day's hours is refused, with the reason, at the field.
    ui.get_by_role("link", name="Log hours").click()
    ui.get_by_label("Date worked").fill(yesterday)
    ui.get_by_label("Hours").fill("26")
    ui.get_by_label("Work process").select_option(label="First process")
    ui.get_by_label("What you did").fill("Set up the new mould on press 4.")
    ui.get_by_role("button", name="Log these hours").click()
    expect(ui.get_by_text("A day has 24 hours: enter at most 24.")).to_be_visible()
    expect(ui.get_by_label("Hours")).to_have_attribute("aria-invalid", "true")
    ui.shot("log-refused")
    ui.get_by_label("Hours").fill("7:30")
    # The competencies of the chosen work process are open after the refusal.
    ui.get_by_label(re.compile("MINI.A.1")).check()
    ui.get_by_role("button", name="Log these hours").click()
    expect(ui.get_by_role("status").first).to_contain_text("Logged 7 h 30 min. Mo Okafor signs")
    log(ui, earlier, "4", "Second process", "Calibrated the scale on the filler.")
    expect(ui.get_by_text("11 h 30 min waiting for sign-off")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("logged")

    # The mentor approves one and rejects the other, saying why.
    mentor = ui.context.browser.new_context(viewport=ui.viewport_size).new_page()
    sign_in(mentor, program_site, "mo@plant.example", "Mo")
    mentor.get_by_role("navigation", name="Main").get_by_role("link", name="Sign-off").click()
    expect(mentor.get_by_role("heading", name="Waiting for you (2)")).to_be_visible()
    first = mentor.locator("li.ojl-card", has_text="7 h 30 min")
    first.get_by_role("button", name="Approve").click()
    expect(mentor.get_by_role("heading", name="Waiting for you (1)")).to_be_visible()
    second = mentor.locator("li.ojl-card", has_text="4 h")
    second.get_by_label(re.compile("Comment")).fill("That was the day of the audit: log it again.")
    second.get_by_role("button", name="Reject").click()
    expect(mentor.get_by_text("Nothing is waiting")).to_be_visible()
    mentor.context.close()

    # The apprentice sees the approved hours counted and why the other was rejected.
    ui.reload()
    expect(ui.get_by_text("7 h 30 min approved")).to_be_visible()
    assert_no_sideways_scroll(ui)
    rows = ui.get_by_role("region", name="Hours logged")
    expect(rows.get_by_role("row", name=re.compile("7 h 30 min.*Approved"))).to_be_visible()
    expect(rows.get_by_role("row", name=re.compile("4 h.*Rejected"))).to_be_visible()
    chart = ui.get_by_role("figure", name=re.compile("Hours per work process"))
    expect(chart).to_contain_text("First process 7 h 30 min · range 800–1,200 h")
    ui.shot("counted")
    rows.get_by_role("link", name=re.compile("Details of 4 h")).click()
    expect(ui.get_by_text("That was the day of the audit")).to_have_count(2)  # entry, history
    ui.shot("rejected-entry")

    ui.get_by_role("link", name="Ana Lopez's apprenticeship").click()
    ui.get_by_role("link", name="Printable record").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Ana Lopez")
    expect(ui.get_by_role("button", name="Print")).to_be_visible()
    ui.emulate_media(media="print")
    expect(ui.get_by_role("navigation", name="Main")).to_be_hidden()
    ui.shot("record-print")
    refused = "422 (UNPROCESSABLE ENTITY)"  # the form sent back with its error, by design
    assert [e for e in ui.console_errors if refused not in e] == []

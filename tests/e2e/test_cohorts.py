"""A partner-hosted cohort in the browser, on a phone (390 × 844) and a desktop: the partner
admin creates a cohort, imports a roster (the preview shows the rows in error, then the import
is confirmed) and sets due dates; a learner invited by the roster registers from the link in
the outbox, finds the cohort on the dashboard with what is overdue and coming up, and opens
the cohort's page with the college's branding."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.services import organizations
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.e2e import fixtures
from tests.e2e.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.e2e

NIA_PASSWORD = "lathe-coolant-spindle-77"


@pytest.fixture(autouse=True)
def phone_390(monkeypatch):
    """This journey's phone is 390 × 844 (a current mid-size phone)."""
    monkeypatch.setitem(fixtures.VIEWPORTS, "phone", {"width": 390, "height": 844})


def png_logo() -> bytes:
    image = Image.new("RGBA", (240, 80), (11, 83, 148, 255))
    for x in range(20, 220):
        for y in range(30, 50):
            image.putpixel((x, y), (255, 255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def college(live_server, tmp_path):
    """Lakeshore Community College (blue brand colour, a logo) with Pat, its partner admin,
    Ian, an instructor, and Ana, who has an account; Acme Plastics sends workers."""
    app = live_server.app
    app.config["LABS_ROOT"] = str(tmp_path / "labs")
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        factories.offer_lab(tmp_path / "labs")  # "Availability and OEE", with its notebook
        host = factories.make_org(slug="lakeshore", name="Lakeshore Community College")
        host.short_name, host.brand_primary = "Lakeshore CC", "#0b5394"
        pat = factories.make_user(
            email="pat@lakeshore.example", name="Pat Okafor", role=Role.PARTNER_ADMIN, org=host
        )
        organizations.set_logo(host, png_logo(), actor=pat, now=utcnow())
        factories.make_user(
            email="ian@lakeshore.example", name="Ian Reyes", role=Role.INSTRUCTOR, org=host
        )
        # Ana is already a learner of the college: the roster enrols her at once.
        factories.make_user(email="ana@plant.example", name="Ana Lopez", org=host)
        factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
        db.session.commit()
    return live_server


def sign_in(ui, site, email: str, password: str, first_name: str) -> None:
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(password)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(f"Hello, {first_name}")


def sign_out(ui) -> None:
    ui.locator(".account-menu summary").click()
    ui.get_by_role("button", name="Sign out").click()
    expect(ui.get_by_role("status")).to_contain_text("You are signed out.")


def roster_csv() -> bytes:
    rows = [
        "Email,First Name,Last Name,Employer",
        "ana@plant.example,Ana,Lopez,Acme Plastics",
        "nia@plant.example,Nia,Brooks,acme",
        "not-an-email,Sam,Reed,",
        "lee@plant.example,Zoë,Núñez,Nowhere Tooling",
        "NIA@plant.example,Nia,Again,",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def test_cohort_roster_invitation_and_due_work(college, ui):
    today = utcnow().date()
    sign_in(ui, college, "pat@lakeshore.example", factories.PASSWORD, "Pat")

    # Create the cohort.
    ui.get_by_role("link", name="All cohorts of Lakeshore Community College").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Cohorts")
    ui.get_by_role("link", name="New cohort").click()
    ui.get_by_label("Cohort name").fill("Fall 2026 evening")
    ui.get_by_label("Course").select_option(label="Demo Course")
    ui.get_by_label("First day").fill((today - timedelta(days=7)).isoformat())
    ui.get_by_label("Last day").fill((today - timedelta(days=8)).isoformat())
    ui.get_by_label("Schedule").fill("Tuesdays and Thursdays, 6–9 pm")
    ui.get_by_label("Location").fill("Room B12, North campus")
    ui.get_by_label("Capacity").fill("24")
    ui.get_by_label("Ian Reyes (ian@lakeshore.example)").check()
    ui.get_by_role("button", name="Create cohort").click()
    expect(ui.get_by_text("The last day cannot be before the first day.")).to_be_visible()
    ui.shot("create-refused")
    ui.get_by_label("Last day").fill((today + timedelta(days=90)).isoformat())
    ui.get_by_role("button", name="Create cohort").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Fall 2026 evening")
    expect(ui.get_by_role("status")).to_contain_text("Cohort Fall 2026 evening created.")
    expect(ui.locator(".org-logo")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("cohort-created")

    # Import a roster: the preview names the rows in error and writes nothing.
    ui.get_by_role("link", name="Import a roster").click()
    ui.get_by_label("Roster file (CSV)").set_input_files(
        files=[{"name": "fall-roster.csv", "mimeType": "text/csv", "buffer": roster_csv()}]
    )
    ui.get_by_role("button", name="Preview the import").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Check the import")
    expect(ui.get_by_text("Read as Windows-1252")).to_be_visible()
    errors = ui.get_by_role("region", name="Table: rows with errors")
    expect(errors).to_contain_text("is not a valid email address")
    expect(errors).to_contain_text("No employer \u201cNowhere Tooling\u201d")
    expect(errors).to_contain_text("The same email as row 3")
    assert_no_sideways_scroll(ui)
    ui.shot("roster-preview")
    ui.get_by_role("button", name="Confirm import (2 changes)").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("People")
    expect(ui.get_by_role("status")).to_contain_text(
        "Roster imported: 1 enrolled, 1 invited by email, 3 rows with errors not imported."
    )
    expect(ui.get_by_role("region", name="Table: learners of Fall 2026 evening")).to_contain_text(
        "Acme Plastics"
    )
    expect(
        ui.get_by_role("region", name="Table: invitations to Fall 2026 evening")
    ).to_contain_text("Nia Brooks")
    assert_no_sideways_scroll(ui)
    ui.shot("people")

    # Due dates: the first lesson's quiz was due yesterday, the lab is due in three days.
    ui.get_by_role("navigation", name="Fall 2026 evening: staff pages").get_by_role(
        "link", name="Due dates"
    ).click()
    ui.get_by_label("Quiz The first lesson").fill((today - timedelta(days=1)).isoformat())
    ui.get_by_label("Lab Availability and OEE").fill((today + timedelta(days=3)).isoformat())
    ui.shot("due-dates")
    ui.get_by_role("button", name="Save due dates").click()
    expect(ui.get_by_role("status")).to_contain_text("Due dates saved (2 changed).")
    ui.get_by_role("link", name="Cohorts of Lakeshore CC").click()
    table = ui.get_by_role("region", name="Table: cohorts of Lakeshore Community College")
    expect(table).to_contain_text("1 of 24")
    assert_no_sideways_scroll(ui)
    ui.shot("cohort-list")
    sign_out(ui)

    # Nia registers from the invitation in the outbox.
    ui.goto(college("/dev/outbox"))
    ui.get_by_role("link", name="You are invited to join Lakeshore Community College").click()
    expect(ui.locator(".email-body")).to_contain_text("Fall 2026 evening")
    ui.locator(".email-body a").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Join Lakeshore Community College")
    expect(ui.get_by_label("Full name")).to_have_value("Nia Brooks")
    ui.get_by_label("Password", exact=True).fill(NIA_PASSWORD)
    ui.get_by_label("Repeat the password").fill(NIA_PASSWORD)
    ui.get_by_role("button", name="Create account and join").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Nia")

    # Her dashboard: the cohort, and the overdue quiz and the lab coming up.
    cohorts_panel = ui.get_by_role("region", name="Your cohorts")
    expect(cohorts_panel.get_by_role("link", name="Fall 2026 evening")).to_be_visible()
    due = ui.get_by_role("region", name="Due work")
    expect(due.get_by_role("heading", name="Overdue (1)")).to_be_visible()
    expect(due.get_by_role("link", name="Quiz: The first lesson")).to_be_visible()
    expect(due.get_by_role("link", name="Availability and OEE")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("learner-dashboard")

    # The cohort's page: branding, schedule, instructors, her work.
    cohorts_panel.get_by_role("link", name="Fall 2026 evening").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Fall 2026 evening")
    expect(ui.locator(".brand-stripe rect")).to_have_attribute("fill", "#0b5394")
    expect(ui.get_by_text("Tuesdays and Thursdays, 6–9 pm")).to_be_visible()
    expect(ui.get_by_role("region", name="Instructors")).to_contain_text("Ian Reyes")
    work = ui.get_by_role("region", name="Your work")
    expect(work).to_contain_text("Overdue")
    expect(work.get_by_role("link", name="Availability and OEE")).to_have_attribute(
        "href", re.compile(r"/courses/demo-course/lessons/demo-second/labs/lab-availability$")
    )
    expect(ui.get_by_role("link", name="People")).to_have_count(0)  # no staff pages for her
    assert_no_sideways_scroll(ui)
    ui.shot("learner-cohort-page")

    # The course outline marks the overdue quiz, and the lab opens from there too.
    ui.get_by_role("link", name="Demo Course").first.click()
    expect(ui.locator(".due-tag.due-overdue")).to_have_text("Overdue")
    expect(ui.get_by_role("link", name="Availability and OEE")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("learner-course")


def test_joining_by_the_code_link(college, ui):
    """Without an invitation: Ana signs in from the code link and joins."""
    with college.app.app_context():
        from app.services import cohorts

        host = organizations.get_by_slug("lakeshore")
        pat = db.session.scalar(db.select(factories.User).filter_by(email="pat@lakeshore.example"))
        today = utcnow().date()
        cohort = cohorts.create(
            host,
            cohorts.Draft(
                "Spring day",
                "demo-course",
                None,
                today,
                today + timedelta(days=60),
                schedule="Mon–Fri, 8 am–noon",
                capacity=10,
            ),
            actor=pat,
            now=utcnow(),
        )
        code = cohort.join_code
        db.session.commit()
    ui.goto(college(f"/join/{code}"))
    expect(ui.get_by_role("heading", level=1)).to_have_text("Join Spring day")
    ui.shot("code-link-visitor")
    ui.get_by_role("link", name="Sign in to join").click()
    ui.get_by_label("Email address").fill("ana@plant.example")
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Join Spring day")
    ui.get_by_role("button", name="Join Spring day").click()
    expect(ui.get_by_role("status")).to_contain_text("You joined Spring day.")
    expect(ui.get_by_role("heading", level=1)).to_have_text("Spring day")
    assert_no_sideways_scroll(ui)
    ui.shot("joined-by-code")

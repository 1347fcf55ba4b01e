"""Every signed-in page in a real browser, for the roles that use it, at both viewports."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.extensions import db
from app.services import demo

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_site(live_server):
    with live_server.app.app_context():
        demo.seed(now=utcnow())
        db.session.commit()
    return live_server


def sign_in(ui, site, email, password=demo.DEMO_PASSWORD):
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(password)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui).to_have_url(site("/dashboard"))


def test_apprentice_dashboard_and_org_page(demo_site, ui):
    sign_in(ui, demo_site, "apprentice@shopfloor.example")
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Avery")
    expect(ui.get_by_text("Lakeshore Community College (demo)").first).to_be_visible()
    expect(ui.get_by_role("heading", name="Your instructors")).to_be_visible()
    expect(ui.get_by_text("Indira Instructor")).to_be_visible()
    ui.shot("dashboard")
    ui.get_by_role("link", name="Organization page").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Lakeshore Community College (demo)")
    expect(ui.get_by_text("Members per role")).to_be_visible()
    expect(ui.get_by_text("instructor@shopfloor.example")).to_have_count(0)
    ui.shot("org-page")
    assert ui.console_errors == []


@pytest.mark.parametrize(
    "email,greeting,panel,person",
    [
        ("mentor@shopfloor.example", "Hello, Morgan", "Apprentices", None),
        ("instructor@shopfloor.example", "Hello, Indira", "Learners", "Avery Apprentice"),
        (
            "partner@shopfloor.example",
            "Hello, Parker",
            "Everyone at Carver State University (demo)",
            "Parker Partner-Admin",
        ),
        ("employer@shopfloor.example", "Hello, Emery", "Mentors", "Morgan Mentor"),
    ],
    ids=["mentor", "instructor", "partner-admin", "employer"],
)
def test_staff_dashboards(demo_site, ui, email, greeting, panel, person):
    sign_in(ui, demo_site, email)
    expect(ui.get_by_role("heading", level=1)).to_have_text(greeting)
    expect(ui.get_by_role("heading", name=panel, exact=True)).to_be_visible()
    if person:
        expect(ui.get_by_role("cell", name=person).first).to_be_visible()
    expect(ui.get_by_role("figure")).to_contain_text("Accounts per role")
    ui.shot(email.split("@")[0])


def test_platform_admin_pages(demo_site, ui):
    sign_in(ui, demo_site, "admin@shopfloor.example")
    expect(ui.get_by_text("3", exact=True).first).to_be_visible()
    ui.shot("dashboard")
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Overview")
    expect(ui.get_by_role("link", name="Riverbend Precision Packaging (demo)")).to_be_visible()
    ui.shot("admin-overview")
    ui.get_by_role("link", name="All users").click()
    ui.get_by_label("Role").select_option("mentor")
    ui.get_by_role("button", name="Filter").click()
    expect(ui.get_by_text("1 account with the role Mentor.")).to_be_visible()
    ui.shot("admin-users")
    ui.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Overview").click()
    ui.get_by_role("link", name="Carver State University (demo)").click()
    expect(ui.get_by_role("heading", name=re.compile("Everyone at Carver"))).to_be_visible()


def test_change_password_from_account_settings(demo_site, ui):
    sign_in(ui, demo_site, "mentor@shopfloor.example")
    ui.get_by_label(re.compile("Account menu")).click()
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Account settings").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Account settings")
    ui.get_by_label("Current password").fill("not-my-password")
    ui.get_by_label("New password", exact=True).fill("spindle-coolant-gauge-7")
    ui.get_by_label("Repeat the new password").fill("spindle-coolant-gauge-7")
    ui.get_by_role("button", name="Change password").click()
    expect(ui.locator("#current_password-error")).to_have_text("That is not your current password.")
    ui.shot("wrong-current")
    ui.get_by_label("Current password").fill(demo.DEMO_PASSWORD)
    ui.get_by_label("New password", exact=True).fill("spindle-coolant-gauge-7")
    ui.get_by_label("Repeat the new password").fill("spindle-coolant-gauge-7")
    ui.get_by_role("button", name="Change password").click()
    expect(ui.get_by_role("status")).to_contain_text("Your password is changed")
    ui.shot("changed")


def test_forbidden_and_missing_pages(demo_site, ui):
    sign_in(ui, demo_site, "apprentice@shopfloor.example")
    response = ui.goto(demo_site("/admin/"))
    assert response.status == 403
    expect(ui.get_by_role("heading", level=1)).to_have_text("Not allowed")
    ui.shot("403")
    response = ui.goto(demo_site("/no/such/page"))
    assert response.status == 404
    expect(ui.get_by_role("heading", level=1)).to_have_text("Page not found")
    ui.shot("404")


def test_keyboard_reaches_skip_link_and_sign_in(demo_site, ui):
    ui.goto(demo_site("/"))
    ui.keyboard.press("Tab")
    expect(ui.get_by_role("link", name="Skip to main content")).to_be_focused()
    ui.keyboard.press("Enter")
    expect(ui).to_have_url(re.compile("#content$"))
    ui.goto(demo_site("/login"))
    ui.get_by_label("Email address").focus()
    ui.keyboard.type("apprentice@shopfloor.example")
    ui.keyboard.press("Tab")
    ui.keyboard.type(demo.DEMO_PASSWORD)
    ui.keyboard.press("Enter")
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Avery")

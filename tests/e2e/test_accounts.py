"""Register, sign out, sign in and reset a forgotten password, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.mail import read_outbox
from tests import factories

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "gearbox-thermal-drift-91"


def test_register_sign_out_and_sign_in_again(live_server, ui):
    ui.goto(live_server("/"))
    expect(ui.get_by_role("heading", level=1)).to_contain_text("Learn the connected factory")
    ui.shot("home")
    ui.get_by_role("banner").get_by_role("link", name="Create account").click()
    ui.get_by_label("Full name").fill("Rosa Ramirez")
    ui.get_by_label("Email address").fill("Rosa.Ramirez@Plant.example")
    ui.get_by_role("button", name="Create account").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Check your email to finish")
    expect(ui.get_by_role("status")).to_contain_text("rosa.ramirez@plant.example")
    ui.shot("register-sent")

    ui.get_by_role("link", name="local outbox").click()
    ui.get_by_role("link", name="Finish creating your Shopfloor account").click()
    ui.locator(".email-body a").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Choose your password")
    ui.get_by_label("Password", exact=True).fill("password123")
    ui.get_by_label("Repeat the password").fill("password123")
    ui.get_by_role("button", name="Create account").click()
    expect(ui.locator("#password-error")).to_contain_text("common password")
    ui.shot("register-weak-password")

    ui.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    ui.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    ui.get_by_role("button", name="Create account").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Rosa")
    expect(ui.get_by_text("rosa.ramirez@plant.example")).to_be_visible()
    ui.shot("dashboard")

    ui.locator("summary", has_text="account menu").click()
    ui.get_by_role("button", name="Sign out").click()
    expect(ui.get_by_role("status")).to_contain_text("You are signed out")

    ui.goto(live_server("/dashboard"))
    expect(ui).to_have_url(re.compile(r"/login\?next="))
    ui.get_by_label("Email address").fill("ROSA.RAMIREZ@plant.example")
    ui.get_by_label("Password").fill("not-the-password-at-all")
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("alert")).to_contain_text("do not match")
    ui.shot("login-failed")
    ui.get_by_label("Password").fill(NEW_PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui).to_have_url(live_server("/dashboard"))
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Rosa")
    assert ui.console_errors == []


def test_reset_password_through_the_outbox(live_server, ui):
    with live_server.app.app_context():
        factories.make_user(email="kai@plant.example", name="Kai Okafor")
        db.session.commit()

    ui.goto(live_server("/login"))
    ui.get_by_role("link", name="Forgot your password?").click()
    ui.get_by_label("Email address").fill("kai@plant.example")
    ui.get_by_role("button", name="Send reset link").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Check your email")
    ui.shot("reset-sent")

    ui.get_by_role("link", name="local outbox").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Mail outbox")
    ui.shot("outbox")
    ui.get_by_role("link", name="Reset your Shopfloor password").click()
    ui.shot("reset-email")
    ui.locator(".email-body a").click()

    expect(ui.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    ui.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    ui.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    ui.get_by_role("button", name="Save new password").click()
    expect(ui.get_by_role("status")).to_contain_text("Your password is changed")
    ui.shot("reset-done")

    ui.get_by_label("Email address").fill("kai@plant.example")
    ui.get_by_label("Password").fill(NEW_PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Kai")

    # The link worked once; opening it again says so.
    subjects = [m.subject for m in read_outbox(live_server.app.config["MAIL_OUTBOX_DIR"])]
    assert subjects == ["Your Shopfloor password was changed", "Reset your Shopfloor password"]
    reset = read_outbox(live_server.app.config["MAIL_OUTBOX_DIR"])[1]
    link = re.search(r"http://\S+", reset.body).group(0)
    ui.goto(link)
    expect(ui.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    ui.shot("reset-link-reused")


def test_sign_out_everywhere_from_account_settings(live_server, ui, browser):
    """Signing out everywhere ends the session of every other browser of the account."""
    with live_server.app.app_context():
        factories.make_user(email="kai@plant.example", name="Kai Okafor")
        db.session.commit()
    tablet = browser.new_context()
    other = tablet.new_page()
    for page in (ui, other):
        page.goto(live_server("/login"))
        page.get_by_label("Email address").fill("kai@plant.example")
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Kai")

    ui.locator("summary", has_text="account menu").click()
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Account settings").click()
    section = ui.get_by_role("region", name="Sign out everywhere")
    expect(section).to_contain_text("every device and browser")
    section.get_by_role("button", name="Sign out everywhere").scroll_into_view_if_needed()
    ui.shot("settings")
    section.get_by_role("button", name="Sign out everywhere").click()
    expect(ui).to_have_url(live_server("/login"))
    expect(ui.get_by_role("status")).to_contain_text("signed out on every device")
    ui.shot("signed-out-everywhere")

    other.goto(live_server("/dashboard"))  # the other browser is signed out too
    expect(other).to_have_url(re.compile(r"/login\?next="))
    ui.goto(live_server("/dashboard"))
    expect(ui).to_have_url(re.compile(r"/login\?next="))
    tablet.close()
    assert ui.console_errors == []

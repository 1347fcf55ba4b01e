"""The issuing partner's credential work in the browser, on a phone and a desktop: an
instructor decides a credential from the approval queue (a decline without a reason is refused
first), and a partner admin finds an issued credential in the register, suspends it, looks at
revoking it and keeps it, and reinstates it."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from tests import credential_site, factories
from tests.e2e.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.e2e


@pytest.fixture
def college(live_server, tmp_path):
    """Lakeshore Community College (tests/credential_site.py) on the live server."""
    app = live_server.app
    with app.app_context():
        site = credential_site.build(app, tmp_path)
        live_server.emails = {"ira": site.instructor.email, "pat": site.admin.email}
        db.session.commit()
    return live_server


def sign_in(ui, site, email: str, first_name: str) -> None:
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(f"Hello, {first_name}")


# The elements sticking out to the right, named for the assertion message.


def test_instructor_approves_from_the_queue(college, ui):
    sign_in(ui, college, college.emails["ira"], "Ira")
    expect(ui.get_by_role("link", name="Credentials to approve (1)")).to_be_visible()
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Credentials to approve")
    expect(ui.get_by_role("heading", name="Waiting for a decision (1)")).to_be_visible()
    card = ui.get_by_role("listitem").filter(
        has=ui.get_by_role("heading", name="Lab Master for Ana Learner")
    )
    expect(card.get_by_text(re.compile("Best graded score in"))).to_be_visible()
    expect(card.get_by_role("link", name="Competency map")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("queue")

    # Declining needs a reason: refused at the comment box, and nothing is decided.
    card.get_by_role("button", name="Decline").click()
    expect(ui.get_by_role("status")).to_contain_text("Nothing changed for Lab Master")
    comment = ui.get_by_label("Comment")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(
        ui.get_by_text("Give a reason: the learner and the record will show it.")
    ).to_be_visible()
    ui.shot("decline-refused")

    comment.fill("Checked the lab notebook and the rubric: well done.")
    ui.get_by_role("button", name="Approve and sign").click()
    expect(ui.get_by_role("status")).to_contain_text(
        "Approved and signed: Lab Master for Ana Learner."
    )
    expect(ui.get_by_role("heading", name="Waiting for a decision (0)")).to_be_visible()
    ui.shot("approved")


def test_partner_admin_suspends_and_reinstates(college, ui):
    sign_in(ui, college, college.emails["pat"], "Pat")
    ui.get_by_role("link", name="Credentials Lakeshore Community College has issued").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Credentials issued")
    ui.get_by_label("Standing").select_option(label="Valid")
    ui.get_by_role("button", name="Show").click()
    expect(ui.get_by_role("heading", name="1 credential found")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("register")

    ui.get_by_role("link", name="Ana Learner").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Lab Star for Ana Learner")
    ui.get_by_label("Reason").first.fill("A complaint about the lab work is under review.")
    ui.get_by_role("button", name="Suspend").click()
    expect(ui.get_by_role("status")).to_contain_text(
        "Suspended until reinstated. Verifiers will see this within 5 minutes (status list TTL)."
    )
    expect(ui.locator("header .standing")).to_have_text("Suspended")
    assert_no_sideways_scroll(ui)
    ui.shot("suspended")

    # Revoking is permanent, so it asks first; the admin keeps the credential.
    ui.locator("#revoke-reason").fill("Issued in error.")
    ui.get_by_role("button", name="Revoke…").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Revoke this credential permanently?")
    ui.shot("revoke-confirm")
    ui.get_by_role("link", name="No, keep it").click()
    expect(ui.locator("header .standing")).to_have_text("Suspended")

    ui.get_by_label("Note (optional)").fill("The complaint was dismissed.")
    ui.get_by_role("button", name="Reinstate").click()
    expect(ui.get_by_role("status")).to_contain_text("Reinstated: the credential stands again.")
    expect(ui.locator("header .standing")).to_have_text("Valid")
    history = ui.get_by_role("region", name="Table: history of this credential")
    expect(history).to_contain_text("A complaint about the lab work is under review.")
    expect(history).to_contain_text("The complaint was dismissed.")
    expect(history.get_by_text("Pat Admin").first).to_be_visible()
    ui.shot("reinstated")

    # The college endorses an achievement, and tries a brand colour too light for white text.
    ui.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Credentials").click()
    ui.get_by_role("link", name="Endorsements").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Endorsements")
    card = ui.get_by_role("listitem").filter(has=ui.get_by_role("heading", name="Lab Master"))
    card.get_by_text("Endorse Lab Master…").click()
    card.get_by_label("Why you endorse it").fill("Our line technicians hold it; we hire for it.")
    card.get_by_role("button", name="Endorse and sign").click()
    expect(ui.get_by_role("status")).to_contain_text("Endorsed and signed: Lab Master.")
    expect(card.get_by_text("Our line technicians hold it; we hire for it.")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("endorsed")

    ui.get_by_role("link", name="Branding").click()
    ui.get_by_label("Primary colour", exact=True).fill("#f2a900")
    ui.get_by_role("button", name="Save branding").click()
    expect(ui.get_by_label("Primary colour", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(ui.get_by_text("White text on #f2a900 has a contrast of only 2.00:1")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("branding-refused")

    # A logo chosen as a file is stored as a PNG and shown where the college is named.
    ui.get_by_label("Primary colour", exact=True).fill("#0b5394")
    ui.get_by_label("Logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _logo_png()}]
    )
    ui.get_by_role("button", name="Save branding").click()
    logo = ui.get_by_role("img", name=re.compile("^Your logo"))
    expect(logo).to_be_visible()
    assert logo.evaluate("image => image.complete && image.naturalWidth > 0")
    assert_no_sideways_scroll(ui)
    ui.shot("branding-logo")


def _logo_png() -> bytes:
    """A 64 × 64 two-colour square, as a college might upload."""
    image = Image.new("RGBA", (64, 64), (11, 83, 148, 255))
    image.paste((241, 194, 50, 255), (16, 16, 48, 48))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()

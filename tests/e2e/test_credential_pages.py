"""A learner finds their credentials, makes one public and opens its page; an employer opens
the public page, checks the live verification and downloads the credential."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.models import User
from app.services import credentials
from tests import credential_site, factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(live_server, tmp_path):
    with live_server.app.app_context():
        built = credential_site.build(live_server.app, tmp_path)
        # A second learner half-way to both badges, for the progress bars.
        credential_site.learner_with_score(built.college, 5.0, name="Ben Close")
        db.session.commit()
        live_server.ana = built.learner.email
        live_server.star = built.star.public_id
    return live_server


def sign_in(ui, site, email, first):
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(f"Hello, {first}")


def test_a_learner_shares_a_credential_and_opens_its_page(site, ui):
    sign_in(ui, site, site.ana, "Ana")
    panel = ui.get_by_role("region", name="Your credentials")
    expect(panel).to_contain_text("You hold 1 credential")
    expect(panel.get_by_role("link", name="Lab Star")).to_be_visible()

    ui.locator("summary", has_text="account menu").click()
    ui.get_by_role("link", name="Your credentials", exact=True).click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Your credentials")
    card = ui.locator(f"#c-{site.star}")
    expect(card).to_contain_text("Valid")
    expect(card).to_contain_text("Lakeshore Community College")
    for name in ("JSON", "SVG", "PNG"):
        expect(card.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "href", re.compile(site.star)
        )
    expect(ui.get_by_role("region", name="Waiting for a decision")).to_contain_text(
        "Lakeshore CC issues it once its instructor approves."
    )
    public = card.get_by_role("switch", name="Public page")
    expect(public).not_to_be_checked()
    ui.shot("wallet")

    public.focus()
    ui.keyboard.press("Space")  # the switches work from the keyboard
    expect(public).to_be_checked()
    card.get_by_role("button", name=re.compile("Save sharing")).click()
    expect(ui.get_by_role("status")).to_contain_text("is public and shows your name")
    expect(ui.locator(f"#c-{site.star}").get_by_role("switch", name="Public page")).to_be_checked()

    ui.locator(f"#c-{site.star}").get_by_role("link", name="Lab Star", exact=True).click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Lab Star")
    expect(ui.get_by_text("This is your credential's page.")).to_be_visible()
    expect(ui.locator(".verdict")).to_contain_text("Verified.")
    expect(ui.get_by_role("link", name="Add to LinkedIn profile")).to_have_attribute(
        "href", re.compile(r"^https://www\.linkedin\.com/profile/add\?startTask=CERTIFICATION_NAME")
    )
    expect(ui.get_by_role("img", name="QR code of the link to this page")).to_be_visible()
    ui.shot("own-page")
    assert ui.console_errors == []


def test_an_employer_opens_the_public_page_and_downloads_it(site, ui):
    with site.app.app_context():
        credential = credentials.get(site.star)
        credential.public = True
        db.session.commit()
        document = credential.document
    ui.goto(site(f"/credentials/{site.star}"))
    expect(ui.get_by_role("heading", level=1)).to_have_text("Lab Star")
    expect(ui.locator(".awarded")).to_contain_text("Awarded to Ana Learner by Lakeshore Community")
    verification = ui.get_by_role("region", name="Verification")
    expect(verification).to_contain_text("Verified.")
    expect(verification.locator(".check-pass")).to_have_count(9)
    expect(ui.get_by_role("region", name="Issued by")).to_contain_text("123456")
    expect(ui.get_by_role("link", name="Add to LinkedIn profile")).to_have_count(0)
    ui.shot("public-page")

    with ui.expect_download() as download:
        ui.get_by_role("link", name="Credential (JSON)").click()
    assert download.value.suggested_filename == "lab-star-credential.json"
    assert json.loads(download.value.path().read_text()) == document
    for name in ("Badge image (SVG)", "Badge image (PNG)"):
        expect(ui.get_by_role("link", name=name)).to_have_attribute("download", "")

    ui.get_by_role("link", name=re.compile("full criteria")).click()
    expect(ui).to_have_url(re.compile(r"/badges/lab-star#criteria$"))
    expect(ui.locator("#criteria")).to_contain_text("Score at least 80 %")
    ui.shot("badge-page")

    with site.app.app_context():
        admin = db.session.scalar(select(User).where(User.name == "Pat Admin"))
        credentials.suspend(
            credentials.get(site.star), admin, reason="Under review by the college.", now=utcnow()
        )
        db.session.commit()
    ui.goto(site(f"/credentials/{site.star}"))
    ui.reload()  # a public page may be kept a minute by the browser: a reload asks again
    expect(verification).to_contain_text("Not verified. Failed: not revoked or suspended.")
    note = ui.locator(".standing-note")
    expect(note).to_contain_text("Suspended on")
    expect(note).not_to_contain_text("Under review")  # the reason is the holder's and staff's
    ui.shot("suspended-page")
    assert ui.console_errors == []


def test_a_learner_sees_how_close_they_are(site, ui):
    with site.app.app_context():
        ben = db.session.scalar(select(User).where(User.name == "Ben Close"))
        email = ben.email
    sign_in(ui, site, email, "Ben")
    ui.goto(site("/credentials"))
    close = ui.get_by_role("region", name="What you are close to")
    expect(close).to_contain_text("62 % of the way")
    expect(close).to_contain_text("Score at least 80 % in the lab “A demo lab” (best so far 50 %)")
    ui.shot("close-to")
    ui.goto(site("/badges"))
    expect(ui.get_by_role("heading", level=1)).to_have_text("Badges")
    expect(ui.get_by_role("link", name="Lab Star")).to_be_visible()
    ui.shot("catalogue")
    assert ui.console_errors == []

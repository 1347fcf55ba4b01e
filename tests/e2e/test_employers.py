"""A small manufacturer's HR lead in the browser, on a phone and a desktop: sees the learner
it sponsors at the college without their progress, the learner shares it from their account,
and the HR lead then sees the lessons done; then sends a worker to the open cohort (he is invited,
since joining opens his record to the college) and gives the apprentice a mentor."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import employer_site, factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def program(live_server):
    with live_server.app.app_context():
        employer_site.build()
        db.session.commit()
    return live_server


def sign_in(ui, site, email: str, first_name: str) -> None:
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(f"Hello, {first_name}")


def sign_out(ui) -> None:
    ui.context.clear_cookies()


def email_of(site, name: str) -> str:
    from app.models import User

    with site.app.app_context():
        return db.session.scalar(db.select(User.email).where(User.name == name))


def test_employer_follows_a_sponsored_learner_with_their_consent(program, ui):
    sign_in(ui, program, email_of(program, "Eve Employer"), "Eve")
    ui.goto(program("/orgs/acme/people"))
    expect(ui.get_by_role("heading", level=1)).to_have_text("Your people")
    row = ui.get_by_role("row").filter(has_text="Lou Learner")
    expect(row).to_contain_text("Sponsored in Evening cohort (Lakeshore CC)")
    expect(row).to_contain_text("Not shared with Acme Plastics")
    ui.shot("people-before-consent")
    sign_out(ui)

    sign_in(ui, program, email_of(program, "Lou Learner"), "Lou")
    ui.goto(program("/account/sharing"))
    expect(ui.get_by_text("it sponsors your place in a cohort", exact=False)).to_be_visible()
    ui.shot("sharing")
    ui.get_by_role("button", name="Share my progress with Acme Plastics").click()
    expect(ui.get_by_role("status")).to_contain_text("Acme Plastics can now see")
    expect(ui.get_by_role("button", name="Stop sharing with Acme Plastics")).to_be_visible()
    sign_out(ui)

    sign_in(ui, program, email_of(program, "Eve Employer"), "Eve")
    ui.goto(program("/orgs/acme/people"))
    row = ui.get_by_role("row").filter(has_text="Lou Learner")
    expect(row).to_contain_text(re.compile(r"1 of \d+ lessons"))
    expect(ui.get_by_text("1 sharing their progress with you", exact=False)).to_be_visible()

    # Send Wes, a worker, to the college's open cohort.
    ui.get_by_label("Worker", exact=True).select_option(label="Wes Worker")
    ui.get_by_role("button", name="Enrol and sponsor").click()
    # Wes is not the college's learner yet: he is invited, and joins when he accepts.
    expect(ui.get_by_role("status")).to_contain_text(
        "Wes Worker is invited to Evening cohort, sponsored by Acme Plastics"
    )
    # Give Ana, the apprentice, a mentor.
    ui.get_by_label("Mentor of Ana Apprentice").select_option(label="Mo Mentor")
    ui.get_by_role("button", name="Set mentor of Ana Apprentice").click()
    expect(ui.get_by_role("status")).to_contain_text("Mo Mentor now mentors Ana Apprentice.")
    expect(ui.get_by_role("row").filter(has_text="Ana Apprentice")).to_contain_text(
        "mentor: Mo Mentor"
    )
    ui.shot("people-after")

"""The verification page in the browser, on a phone and a desktop: an employer without an
account pastes a credential's address, uploads its file, and checks a CSV list, watching the
progress bar fill before the table of results."""

from __future__ import annotations

import csv
import itertools
import json
import threading

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.extensions import db
from app.services import credentials, verify_requests
from tests import credential_site
from tests.e2e.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.e2e

ROWS = 120

# Records every value the progress bar shows, so the test can tell it reached the end even
# though the bar gives way to the results a moment later.
WATCH_PROGRESS = """
window.__progress = [];
new MutationObserver(() => {
  const bar = document.querySelector("progress[data-bar]");
  if (bar) { window.__progress.push([bar.value, bar.max]); }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["value"] });
"""


@pytest.fixture
def site(live_server, tmp_path):
    """Ana's Lab Star, made public, and the address of its page."""
    app = live_server.app
    with app.app_context():
        built = credential_site.build(app, tmp_path)
        built.star.public = True
        db.session.commit()
        url = credentials.credential_url(built.star.public_id)
        document = built.star.document
    return live_server, url, document


def test_employer_verifies_by_address_and_by_file(site, ui, tmp_path):
    live, url, document = site
    ui.goto(live("/"))
    main_nav = ui.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Verify a credential").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Verify a credential")
    assert_no_sideways_scroll(ui)
    ui.shot("page")

    ui.get_by_label("Address of the credential").fill(url)
    ui.get_by_label("Learner’s email address (optional)").fill("someone@else.example")
    ui.get_by_role("button", name="Verify", exact=True).click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Verified")
    expect(ui.get_by_text("the credential was not issued to", exact=False)).to_be_visible()
    expect(ui.locator(".check-fail")).to_have_count(0)
    expect(ui.locator(".check-pass")).to_have_count(10)
    assert_no_sideways_scroll(ui)
    ui.shot("verified")

    forged = json.loads(json.dumps(document))
    forged["credentialSubject"]["achievement"]["name"] = "Lab Grandmaster"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    ui.get_by_role("link", name="Verify another credential").click()
    ui.get_by_label("Credential file").set_input_files(str(path))
    ui.get_by_role("button", name="Verify", exact=True).click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Not verified")
    failed = ui.locator(".check-fail")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Signature")
    assert_no_sideways_scroll(ui)
    ui.shot("not-verified")


def test_employer_checks_a_list_and_downloads_the_results(site, ui, tmp_path, monkeypatch):
    live, url, _document = site
    path = tmp_path / "applicants.csv"
    lines = ["name,url", *[f"Applicant {n},{url}" for n in range(ROWS)], "", "Zed,not a link"]
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    # Pause the worker halfway, to see the bar half full.
    halfway, calls, verify_url = threading.Event(), itertools.count(), verify_requests.verify_url

    def pausing(*args, **kwargs):
        if next(calls) == ROWS // 2:
            halfway.wait(30)
        return verify_url(*args, **kwargs)

    monkeypatch.setattr(verify_requests, "verify_url", pausing)
    ui.add_init_script(WATCH_PROGRESS)

    ui.goto(live("/verify"))
    ui.get_by_label("List of credential addresses (CSV)").set_input_files(str(path))
    ui.get_by_role("button", name="Check the list").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Checking a list of credentials")
    # Half the list is checked before the worker pauses: signatures take a while on a busy
    # machine, so the deadline is the results' one, not the default 5 s.
    expect(ui.locator("[data-count]")).to_have_text(
        f"{ROWS // 2} of {ROWS} checked", timeout=60_000
    )
    expect(ui.get_by_role("status")).to_have_text(f"{ROWS // 2} of {ROWS} checked")  # spoken
    expect(ui.get_by_label("Credentials checked")).to_have_attribute("value", str(ROWS // 2))
    ui.shot("progress")
    halfway.set()

    results = ui.get_by_role("heading", name="Results")
    expect(results).to_be_visible(timeout=60_000)
    expect(results).to_be_focused()
    seen = ui.evaluate("window.__progress")
    assert seen and seen[-1] == [ROWS, ROWS], seen[-3:]  # the bar reached 100 %
    expect(ui.get_by_text(f"{ROWS} of {ROWS} verified; 1 row not checked")).to_be_visible()
    expect(ui.locator("table.bulk-results tbody tr")).to_have_count(ROWS + 1)
    expect(ui.get_by_text(f"Row {ROWS + 3}: “not a link” is not a web address")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("results")

    with ui.expect_download() as caught:
        ui.get_by_role("link", name="Download the results (CSV)").click()
    with open(caught.value.path(), newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == ROWS + 1
    assert rows[0]["verified"] == "yes" and rows[0]["achievement"] == "Lab Star"
    assert rows[-1]["verdict"] == "Not checked"


def test_employer_sees_a_suspended_credential_and_since_when(site, ui):
    live, url, _document = site
    with live.app.app_context():
        row = credentials.get(url.rsplit("/", 1)[1])
        credentials.suspend(row, None, reason="Under review by the college", now=utcnow())
        db.session.commit()
    ui.goto(live("/verify"))
    ui.get_by_label("Address of the credential").fill(url)
    ui.get_by_role("button", name="Verify", exact=True).click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Suspended")
    expect(ui.locator(".verdict")).to_contain_text("Suspended by its issuer on")
    expect(ui.locator(".verdict")).not_to_contain_text("Under review")  # not the employer's
    assert_no_sideways_scroll(ui)
    ui.shot("suspended")

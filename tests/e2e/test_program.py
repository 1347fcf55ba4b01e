"""The state program view in a real browser, on a 390 × 844 phone and a desktop: program staff
of the demo program read its figures and charts, filter by partner and by quarter, and
download a table as CSV. axe checks every page, charts included."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.content import validate
from app.database import utcnow
from app.extensions import db
from app.services import curriculum_sync, demo, demo_credentials, demo_program
from tests.badge_trees import REPO
from tests.e2e import axe
from tests.e2e.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(params=list(SIZES))
def screen(request, browser, artifacts: Path):
    """A page at a 390 × 844 phone or a desktop, with ``shot(name)`` (screenshot + axe)."""
    context = browser.new_context(viewport=SIZES[request.param], reduced_motion="reduce",
                                  accept_downloads=True)  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    auditor = axe.Auditor(page)

    def shot(name: str) -> Path:
        path = artifacts / f"program-{name}-{request.param}.png"
        page.screenshot(path=str(path), full_page=True)
        auditor.audit()
        auditor.assert_clean()
        return path

    page.shot, page.console_errors, page.size = shot, errors, request.param
    yield page
    try:
        if not page.is_closed():
            auditor.audit()
    finally:
        auditor.save(artifacts / f"axe-program-{request.param}.json")
        context.close()
    auditor.assert_clean()


@pytest.fixture
def demo_program_site(live_server):
    """`make run`'s demo: the shipped course, the demo accounts and the demo state program."""
    app = live_server.app
    app.config["LABS_ROOT"] = str(REPO / "labs")
    app.config["CURRICULUM_ROOT"] = str(REPO / "curricula")
    with app.app_context():
        curriculum, problems = validate.load(REPO / "curricula", labs_root=REPO / "labs")
        assert problems.errors == []
        curriculum_sync.sync(curriculum, version="test", now=utcnow())
        demo.seed(now=utcnow())
        demo_credentials.seed_issuers(now=utcnow())
        today = utcnow().date()
        demo_program.seed(curriculum_root=REPO / "curricula", labs_root=REPO / "labs",
                          today=today, now=utcnow())  # fmt: skip
        db.session.commit()
    return live_server


def figure(page, name: str):
    return page.locator(".figure-grid li").filter(has_text=name).locator(".figure-value")


def test_program_staff_read_filter_and_download_the_program_figures(demo_program_site, screen):
    site, page = demo_program_site, screen
    page.goto(site("/login"))
    page.get_by_label("Email address").fill(demo_program.STAFF_EMAIL)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site("/dashboard"))

    page.goto(site("/programs"))
    expect(page).to_have_url(re.compile(r"/programs/great-lakes-mlp$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Great Lakes Manufacturing Leadership Program (demo)"
    )
    expect(figure(page, "workers enrolled")).to_have_text("17")
    expect(figure(page, "manufacturers served")).to_have_text("2")
    for name in ("Workers enrolled and completing", "Credentials issued"):
        expect(page.get_by_role("img", name=re.compile(name))).to_be_visible()
    partners = page.get_by_role("region", name="Table: figures by training partner")
    expect(partners.get_by_role("rowheader")).to_have_text([
        "Carver State University (demo)", "Lakeshore Community College (demo)",
        "North Coast Union Training Center (demo)",
    ])  # fmt: skip
    # Nothing is wider than the screen: wide charts and tables scroll inside their box.
    assert_no_sideways_scroll(page)
    page.shot("dashboard")

    # Competency attainment, on a page of its own with the same filters.
    page.get_by_role("link", name="See competency attainment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Competency attainment")
    chart = page.get_by_role("img", name="Share of enrolled workers who mastered each competency")
    expect(chart).to_be_visible()
    attained = page.get_by_role("region", name="Table: competency attainment")
    expect(attained.get_by_role("row").filter(has_text="SM.NET.1")).to_contain_text("of 17")
    assert_no_sideways_scroll(page)
    page.shot("competencies")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").click()

    # Filter: one partner, from the form.
    page.get_by_label("Training partner", exact=True).select_option(
        label="Carver State University (demo)"
    )
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".lead")).to_contain_text("at Carver State University (demo)")
    expect(figure(page, "workers enrolled")).to_have_text("4")
    expect(partners.get_by_role("rowheader")).to_have_text(["Carver State University (demo)"])
    page.shot("one-partner")

    # A quarter, from the period links: the partner filter stays.
    quarter = f"{utcnow().year}-Q{(utcnow().month - 1) // 3 + 1}"
    page.get_by_role("navigation", name="Periods").get_by_role("link", name=quarter).click()
    expect(page.locator(".lead")).to_contain_text(quarter)
    expect(
        page.get_by_role("heading", name="Workers enrolled and completing, by month")
    ).to_be_visible()
    expect(page.get_by_label("Training partner", exact=True)).to_have_value("carver-state")
    page.shot("quarter")

    # Download the partner table of what is shown.
    with page.expect_download() as download:
        page.get_by_role("region", name="By training partner").get_by_role(
            "link", name="Download this table (CSV)"
        ).click()
    file = download.value
    assert file.suggested_filename == f"great-lakes-mlp-partners-{quarter}.csv"
    rows = list(csv.reader(Path(file.path()).read_text().splitlines()))
    assert rows[0][0] == "Partner" and [r[0] for r in rows[1:]] == [
        "Carver State University (demo)"
    ]

    assert page.console_errors == []

    # A date typed wrong gets a message at the field (answered 422, which the browser's
    # console notes), not an error page.
    page.get_by_label("From", exact=True).fill("2026-06-01")
    page.get_by_label("To", exact=True).fill("2026-05-01")
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("alert")).to_contain_text("The last day comes before the first day.")
    expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
    page.shot("bad-dates")
    assert [e for e in page.console_errors if "422" not in e] == []

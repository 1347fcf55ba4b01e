"""Reading a lesson and answering its quizzes in a real browser, on a phone and a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.e2e import axe
from tests.e2e.layout import page_width

pytestmark = pytest.mark.e2e


@pytest.fixture
def course_site(live_server):
    with live_server.app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        factories.make_user(email="ana@plant.example", name="Ana Lopez")
        db.session.commit()
    return live_server


def sign_in(ui, site):
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill("ana@plant.example")
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Ana")


def test_read_a_lesson_and_answer_its_quizzes(course_site, ui):
    sign_in(ui, course_site)
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    expect(ui.get_by_role("heading", name="Demo Course")).to_be_visible()
    ui.shot("catalog")
    ui.get_by_role("link", name="Demo Course").click()
    expect(ui.get_by_text("0 of 3 lessons done (0 %).")).to_be_visible()
    ui.shot("course")
    ui.get_by_role("link", name="Start: The first lesson").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("The first lesson")
    expect(ui.get_by_role("figure", name="One dot")).to_be_visible()
    expect(ui.get_by_role("note", name="Safety")).to_contain_text("Lock out first")
    ui.shot("lesson")

    first = ui.locator("#q-demo-first-q1")
    first.get_by_label("Write outputs").check()
    first.get_by_role("button", name="Check answer").click()
    expect(first.get_by_role("status")).to_contain_text("Not quite.")
    expect(first.get_by_role("status")).to_contain_text(
        "Inputs are read into the input image first."
    )
    ui.shot("quiz-wrong")
    first.get_by_label("Read inputs").check()
    first.get_by_role("button", name="Check answer").click()
    expect(first.get_by_role("status")).to_contain_text("Correct.")
    expect(first.get_by_role("status")).to_contain_text("Attempt 2.")

    second = ui.locator("#q-demo-first-q2")
    second.get_by_label("A motor contactor coil").check()
    second.get_by_role("button", name="Check answer").click()
    expect(second.get_by_role("status")).to_contain_text("Partly right (50 %).")
    ui.shot("quiz-partial")

    # The feedback is stored: it is still there after a reload.
    ui.reload()
    expect(ui.locator("#q-demo-first-q1").get_by_role("status")).to_contain_text("Correct.")

    ui.get_by_role("button", name="Mark complete and continue").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("The second lesson")
    numeric = ui.locator("#q-demo-second-q1")
    numeric.get_by_label("Your answer (in %)").fill("84.6")
    numeric.get_by_role("button", name="Check answer").click()
    expect(numeric.get_by_role("status")).to_contain_text("Correct.")
    expect(ui.get_by_role("heading", name="A demo lab")).to_be_visible()
    ui.shot("numeric-and-lab")

    ui.get_by_role("link", name=re.compile("Next")).click()
    order = ui.locator("#q-demo-third-q1")
    for position, step in enumerate(["Read inputs", "Run the program", "Write outputs"], start=1):
        order.get_by_label(step).select_option(str(position))
    order.get_by_role("button", name="Check answer").click()
    expect(order.get_by_role("status")).to_contain_text("Correct.")
    ui.shot("order")

    # A checked question: three attempts, its answer kept back until they are used.
    checked = ui.locator("#q-demo-third-q2")
    expect(checked).to_contain_text("3 attempts; the answer is shown when your attempts are used.")
    status = checked.get_by_role("status")
    for attempt, pick in enumerate(["Reading inputs", "Running the program"], start=1):
        checked.get_by_label(pick).check()
        checked.get_by_role("button", name="Check answer").click()
        expect(status).to_contain_text(f"Not quite. Attempt {attempt} of 3.")
        left = 3 - attempt
        expect(status).to_contain_text(f"{left} attempt{'s' if left > 1 else ''} left.")
        expect(status).not_to_contain_text("Writing the output image")
        expect(status).not_to_contain_text("written to the outputs")
    checked.scroll_into_view_if_needed()
    ui.shot("checked-hidden")
    checked.get_by_label("Reading inputs").check()
    checked.get_by_role("button", name="Check answer").click()
    expect(status).to_contain_text("Attempt 3 of 3.")
    revealed = re.compile(r"The right answer:\s*Writing the output image")
    expect(status).to_contain_text(revealed)
    expect(status).to_contain_text("written to the outputs at the end of the scan")
    expect(checked.get_by_role("button", name="No attempts left")).to_be_disabled()
    ui.shot("checked-revealed")
    ui.reload()  # the page shows the same, from the server
    expect(ui.locator("#q-demo-third-q2").get_by_role("status")).to_contain_text(revealed)
    expect(ui.get_by_role("button", name="No attempts left")).to_be_disabled()
    assert ui.console_errors == []

    ui.goto(course_site("/courses/demo-course"))
    expect(ui.get_by_text("1 of 3 lessons done (33 %).")).to_be_visible()

    # Practice shows as practised; only the checked question is assessed (its last attempt).
    ui.goto(course_site("/dashboard"))
    evidence = ui.get_by_role("region", name="Your competency evidence")
    first = evidence.get_by_role("listitem").filter(has_text="MINI.A.1")
    expect(first).to_contain_text("not assessed")
    expect(first).to_contain_text("practised (3)")
    checked = evidence.get_by_role("listitem").filter(has_text="MINI.A.2.1")
    expect(checked).to_contain_text("0 % (1)")
    expect(checked).to_contain_text("practised (1)")
    ui.shot("evidence")


def test_search_from_the_catalog(course_site, ui):
    ui.goto(course_site("/courses"))
    ui.get_by_label("Search lessons").fill("running machine")
    ui.get_by_role("button", name="Search").click()
    expect(ui.get_by_role("status")).to_have_text("1 lesson found for “running machine”.")
    ui.shot("results")


@pytest.fixture
def shipped_site(live_server):
    """The shipped curricula, and an instructor, who may preview the draft courses (so every
    lesson shipped can be seen): the site and the paths of all its lessons."""
    from pathlib import Path

    from app.content import validate
    from app.database import utcnow
    from app.domain.roles import Role
    from app.models import Lesson
    from app.services import curriculum_sync

    root = Path(__file__).resolve().parents[2]
    with live_server.app.app_context():
        curriculum, problems = validate.load(root / "curricula", labs_root=root / "labs")
        assert problems.errors == []
        curriculum_sync.sync(curriculum, version="test", now=utcnow())
        factories.make_user(email="ana@plant.example", name="Ana Lopez", role=Role.INSTRUCTOR,
                            org=factories.make_org())  # fmt: skip
        db.session.commit()
        pages = [
            f"/courses/{lesson.course.slug}/lessons/{lesson.slug}"
            for lesson in db.session.scalars(db.select(Lesson))
        ]
    return live_server, pages


def test_a_wide_figure_stays_readable_on_a_phone_and_opens_full_size(shipped_site, ui, viewport):
    """A figure drawn 760 px wide keeps its size on a phone and scrolls in its own frame (by
    keyboard too), rather than shrinking its labels past reading; on a desktop it fits the
    column. Its link opens the drawing alone."""
    site, pages = shipped_site
    [path] = [p for p in pages if p.endswith("/pc-dynamics-step-tests")]
    sign_in(ui, site)
    ui.goto(site(path))
    figure = ui.get_by_role("figure", name="A step test on the chiller's product-temperature")
    figure.scroll_into_view_if_needed()
    image, frame = figure.get_by_role("img"), figure.locator(".figure-frame")
    expect(image).to_have_js_property("complete", True)
    shown = image.bounding_box()["width"]
    if viewport == "phone":
        expect(image).to_have_class(re.compile(r"\bwide\b"))
        assert shown >= 560, shown  # not 330 px, where its 12 px labels would be 5 px high
        expect(frame).to_have_attribute("tabindex", "0")
        frame.focus()
        ui.keyboard.press("ArrowRight")
        ui.wait_for_function("f => f.scrollLeft > 0", arg=frame.element_handle())
    else:
        assert shown <= frame.bounding_box()["width"] + 1
        expect(frame).not_to_have_attribute("tabindex", "0")
    assert page_width(ui)[0] <= ui.viewport_size["width"]
    ui.shot("wide-figure")
    full = figure.get_by_role("link", name="Open the figure full size")
    response = ui.request.get(site(full.get_attribute("href")))
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
    assert ui.console_errors == []


def test_the_real_course_needs_no_sideways_scrolling_and_passes_axe(shipped_site, browser):
    """On a phone and a desktop, wide formulas, tables and code scroll inside their own
    boxes, never the whole page; on a phone, axe finds nothing on any lesson (a keyboard
    reaches the boxes that scroll)."""
    from tests.e2e.fixtures import VIEWPORTS

    live_server, pages = shipped_site
    too_wide, findings = [], []
    for viewport, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, reduced_motion="reduce")
        ui = context.new_page()
        try:
            sign_in(ui, live_server)
            for path in pages:
                response = ui.goto(live_server(path))
                assert response.ok, f"{path}: {response.status}"
                width, wide = page_width(ui)
                if width > size["width"]:
                    too_wide.append(f"{path}: {width} px on a {viewport} ({wide})")
                # Boxes that scroll must be reachable by keyboard (axe, as in `ui`). A lesson's
                # content is the same at both sizes; on a phone more of it scrolls in its own
                # box, so axe runs there (the page frame is checked at both sizes by the other
                # lesson tests). That keeps this check of ~110 lessons to about two minutes.
                if viewport == "phone":
                    findings += [f for f in axe.check(ui).findings if f.impact in axe.FAILING]
        finally:
            context.close()
    assert pages and too_wide == [], "\n".join(too_wide)
    assert findings == [], "\n".join(findings)

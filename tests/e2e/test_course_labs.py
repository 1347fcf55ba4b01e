"""A lab of each course of the year, opened and run in the browser, on a phone and a desktop.

The shipped curricula and labs, not the fixture tree, on real sandboxed kernels with plcsim:
what an apprentice meets. The draft courses are opened by an instructor, who may preview
them; the lab's first code cell (its set-up: the learner's data from their seed) runs
without an error, and the page never scrolls sideways.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.content import validate
from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.services import curriculum_sync
from tests import factories
from tests.e2e.fixtures import stop_lab_runtime
from tests.e2e.layout import assert_no_sideways_scroll
from tests.leaks import collect_abandoned_kernels

ROOT = Path(__file__).resolve().parents[2]
# One lab a course: the course's first lab that the browser tests do not open elsewhere.
COURSE_LABS = {
    "plc-programming": "lab-filler-first-logic",
    "process-control": "lab-step-test-fopdt",
    "industrial-data": "lab-weibull",
}


@pytest.fixture
def shipped_site(live_server):
    """The shipped curricula, their labs and an instructor of a college who teaches them."""
    app = live_server.app
    app.extensions["lab_engine"].graders.count = 0  # nothing is submitted here
    live_server.on_stop.append(stop_lab_runtime)
    with app.app_context():
        curriculum, problems = validate.load(ROOT / "curricula", labs_root=ROOT / "labs")
        assert problems.errors == []
        curriculum_sync.sync(curriculum, version="test", now=utcnow())
        org = factories.make_org(name="Lakeshore Community College")
        factories.make_user(email="ian@plant.example", name="Ian Instructor", org=org,
                            role=Role.INSTRUCTOR)  # fmt: skip
        db.session.commit()
        lessons = {
            lab.id: (course.id, lesson.id)
            for course in curriculum.courses
            for lesson in course.lessons()
            for lab in lesson.labs
            if not lab.planned
        }
    yield live_server, lessons
    live_server.on_stop.remove(stop_lab_runtime)
    stop_lab_runtime(app)
    collect_abandoned_kernels()


@pytest.mark.parametrize("course", list(COURSE_LABS))
def test_a_lab_of_each_course_opens_and_runs_its_set_up(shipped_site, ui, course):
    site, lessons = shipped_site
    lab_id = COURSE_LABS[course]
    assert lab_id in lessons, f"{lab_id} is not a written lab of a shipped lesson"
    course_slug, lesson_slug = lessons[lab_id]
    assert course_slug == course

    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill("ian@plant.example")
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_contain_text("Hello, ")

    ui.goto(site(f"/courses/{course_slug}/lessons/{lesson_slug}/labs/{lab_id}"))
    expect(ui.get_by_role("status").filter(has_text="Kernel")).to_contain_text("not started")
    first = ui.locator("li[data-kind='code']").first
    first.get_by_role("button", name="Run cell").click()
    # A cold kernel and the lab's set-up (a simulated shift for some labs): generous waits.
    expect(first.locator("[data-prompt]")).to_have_text("[1]", timeout=90_000)
    expect(first.locator(".out-error")).to_have_count(0)
    expect(first.locator("[data-state]")).to_have_text("✓ ran")
    assert_no_sideways_scroll(ui)
    ui.shot(course)

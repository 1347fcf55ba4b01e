"""Doing a lab in the browser, on a phone and a desktop, with real sandboxed kernels.

Open the lab from its lesson, edit an answer, run it and see its plot, stop an endless loop,
reload and find the edit, submit, follow the grading, and read the score and feedback.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.sandbox.labs_fixture import HIDDEN_CASES, source_notebook

pytestmark = [pytest.mark.e2e, pytest.mark.kernel]

LESSON = "/courses/demo-course/lessons/demo-second"
PLOT = (
    "import matplotlib.pyplot as plt\n"
    "availability = shift['run'] / shift['planned']\n"
    "plt.bar(['availability'], [availability])\n"
    "plt.show()\n"
    "print('availability is', round(availability, 3))"
)
WRONG_OEE = "def oee(a, p, q):\n    return a * p"


@pytest.fixture
def lab_site(live_server, tmp_path):
    """The fixture curriculum, whose second lesson offers lab-demo, run on real kernels."""
    labs = tmp_path / "labs"
    labs.mkdir()
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"].update(id="lab-demo", title="A demo lab")
    nbformat.write(notebook, labs / "lab-demo.ipynb")
    app = live_server.app
    app.config["LABS_ROOT"] = str(labs)
    app.extensions["grading_workers"].count = 1  # starts with the first request
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        factories.make_user(email="ana@plant.example", name="Ana Lopez")
        db.session.commit()
    yield live_server
    app.extensions["grading_workers"].stop()
    runs = app.extensions["lab_runs"]
    runs.close()
    runs.sessions.close()
    if app.extensions["executor"].pool:
        app.extensions["executor"].pool.close()


def sign_in(ui, site):
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill("ana@plant.example")
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Ana")


def cell(ui, number: int):
    return ui.locator(f"li[data-number='{number}']")


def type_into(ui, number: int, text: str) -> None:
    """Replace the code of cell *number* the way a learner would: select all, then type.

    Each line is typed without its indentation: the editor indents after a colon itself.
    """
    editor = cell(ui, number).get_by_role("textbox")
    editor.click()
    ui.keyboard.press("ControlOrMeta+a")
    ui.keyboard.press("Delete")
    for n, line in enumerate(text.split("\n")):
        if n:
            ui.keyboard.press("Enter")
        ui.keyboard.type(line.lstrip())


def test_do_a_lab_in_the_browser(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON))
    ui.get_by_role("link", name="Open the lab").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("A demo lab")
    status = ui.get_by_role("status").filter(has_text="Kernel")
    expect(status).to_have_text(re.compile("not started"))
    expect(cell(ui, 1).get_by_role("textbox")).to_have_attribute("aria-readonly", "true")
    ui.shot("open")

    # Edit an answer: it is saved by itself, then it runs and draws its plot.
    type_into(ui, 2, PLOT)
    saved = ui.get_by_role("status").filter(has_text=re.compile("saved|Saving|Unsaved"))
    expect(saved).to_have_text("All changes saved")
    ui.get_by_role("button", name="Run all").click()
    expect(cell(ui, 2).get_by_role("img", name="Figure drawn by cell 2")).to_be_visible(
        timeout=60_000
    )
    expect(cell(ui, 2)).to_contain_text("availability is 0.8")
    expect(status).to_have_text("Kernel: idle")
    ui.shot("ran")

    # An endless loop keeps the kernel busy until the learner interrupts it.
    type_into(ui, 3, "while True:\n    pass")
    ui.keyboard.press("Control+Enter")
    expect(status).to_have_text("Kernel: busy")
    expect(cell(ui, 3)).to_contain_text("running…")
    ui.shot("running")
    ui.get_by_role("button", name="Interrupt").click()
    expect(cell(ui, 3).locator(".out-error")).to_contain_text("KeyboardInterrupt")
    expect(status).to_have_text("Kernel: idle")
    ui.shot("interrupted")

    # A reload loses nothing: the edits and the last outputs are still there.
    type_into(ui, 3, WRONG_OEE)
    expect(saved).to_have_text("All changes saved")
    ui.reload()
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("return a * p")
    expect(cell(ui, 2).get_by_role("img", name="Figure drawn by cell 2")).to_be_visible()

    # Submit, follow the grading, read the score and the feedback of each check.
    ui.get_by_role("button", name="Submit for grading").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("A demo lab: attempt 1")
    result = ui.locator("#grading")
    expect(result).to_contain_text("2 / 5 points", timeout=90_000)
    expect(result).to_contain_text("1 of 2 checks passed")
    checks = ui.locator("ul.checks")
    expect(checks.locator("li.check-pass")).to_contain_text("availability for your shift")
    expect(checks.locator("li.check-fail")).to_contain_text("oee() multiplies the three factors")
    expect(checks.locator("li.check-fail")).to_contain_text("hidden test")
    assert HIDDEN_CASES not in ui.content()  # hidden tests' code is never shown
    ui.shot("graded")

    ui.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="A demo lab").click()
    attempts = ui.get_by_role("table")
    expect(attempts).to_contain_text("Attempt 1")
    expect(attempts).to_contain_text("2 / 5 points")
    assert ui.console_errors == [], ui.console_errors

"""Doing a lab in the browser, on a phone and a desktop, with real sandboxed kernels.

Open the lab from its lesson, edit an answer, run it and see its plot, stop an endless loop,
reload and find the edit, submit, follow the grading, and read the score and feedback.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from tests import factories
from tests.e2e.layout import assert_no_sideways_scroll
from tests.sandbox.labs_fixture import HIDDEN_CASES

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


def sign_in(ui, site, email: str = "ana@plant.example"):
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_contain_text("Hello, ")


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
    expect(cell(ui, 1).locator(".cell-label")).to_have_text("Cell 1 · Given code · read-only")
    expect(cell(ui, 4).locator(".cell-label")).to_have_text("Cell 4 · Check · read-only")
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

    # The dashboard lists the lab with its best score, and leads back to it.
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    labs = ui.get_by_role("region", name="Your labs")
    expect(labs.get_by_role("meter", name="Best score in A demo lab")).to_be_visible()
    expect(labs).to_contain_text("2 / 5")
    ui.shot("dashboard")
    labs.get_by_role("link", name="A demo lab").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("A demo lab")
    assert ui.console_errors == [], ui.console_errors


@pytest.mark.viewport("desktop")
def test_a_kernel_that_dies_can_be_restarted_and_the_code_stays(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    type_into(ui, 3, "import os\nos._exit(1)")
    expect(ui.get_by_role("status").filter(has_text="saved")).to_have_text("All changes saved")
    cell(ui, 3).get_by_role("button", name="Run cell").click()
    status = ui.get_by_role("status").filter(has_text="Kernel")
    expect(status).to_have_text("Kernel died — restart", timeout=60_000)
    expect(cell(ui, 3)).to_contain_text("✗ kernel died")
    expect(cell(ui, 3)).to_contain_text("the kernel ended unexpectedly")
    ui.shot("died")

    ui.get_by_role("button", name="Restart kernel").click()
    expect(status).to_have_text("Kernel: idle", timeout=60_000)
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("os._exit(1)")
    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(cell(ui, 1)).to_contain_text("✓ ran")
    assert ui.console_errors == [], ui.console_errors


@pytest.mark.viewport("desktop")
def test_take_the_notebook_to_jupyter_and_bring_it_back(lab_site, ui, tmp_path):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    with ui.expect_download() as download:
        ui.get_by_role("link", name="Download this notebook (.ipynb)").click()
    path = tmp_path / "mine.ipynb"
    download.value.save_as(path)
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for item in notebook.cells:
        if item.get("id") == "answer-oee":
            item.source = "def oee(a, p, q):\n    return a * p * q  # done in Jupyter"
    nbformat.write(notebook, path)

    ui.get_by_label("Notebook file (.ipynb)").set_input_files(str(path))
    ui.get_by_role("button", name="Upload notebook").click()
    expect(ui.get_by_role("status").first).to_contain_text("1 answer cell(s) changed")
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("done in Jupyter")

    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    ui.get_by_label("Notebook file (.ipynb)").set_input_files(str(broken))
    ui.get_by_role("button", name="Upload notebook").click()
    expect(ui.locator(".flashes .alert-error")).to_contain_text("This is not a notebook file")
    ui.shot("upload-refused")
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("done in Jupyter")


@pytest.mark.viewport("phone")
def test_an_edit_the_server_never_got_is_kept_in_the_browser_and_saved_later(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    saved = ui.get_by_role("status").filter(has_text=re.compile("saved|Saving|Unsaved|Offline"))
    expect(saved).to_have_text("All changes saved")

    # The connection to the server drops: saving fails, the edit stays in this browser.
    ui.route("**/save", lambda route: route.abort("internetdisconnected"))
    type_into(ui, 3, "def oee(a, p, q):\nreturn 0  # typed while offline")
    expect(saved).to_contain_text("Offline: edits kept on this device")
    ui.shot("offline")

    # Leaving the page warns about unsaved work; the learner leaves anyway and comes back.
    ui.once("dialog", lambda dialog: dialog.accept())
    ui.goto(lab_site(LESSON))
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("typed while offline")
    expect(saved).to_contain_text("Offline: edits kept on this device")

    # The connection is back: the kept edit reaches the server by itself.
    ui.unroute("**/save")
    expect(saved).to_have_text("All changes saved", timeout=30_000)
    fresh = ui.context.browser.new_context()  # another device: nothing kept in its browser
    other = fresh.new_page()
    sign_in(other, lab_site)
    other.goto(lab_site(LESSON + "/labs/lab-demo"))
    expect(other.locator("li[data-number='3']").get_by_role("textbox")).to_contain_text(
        "typed while offline"
    )
    fresh.close()
    assert [e for e in ui.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


@pytest.mark.viewport("phone")
def test_without_server_sent_events_the_page_polls(lab_site, ui):
    """Browsers or proxies without EventSource still see outputs and grading progress."""
    ui.add_init_script("delete window.EventSource;")
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    assert ui.evaluate("typeof window.EventSource") == "undefined"
    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(cell(ui, 1)).to_contain_text("✓ ran", timeout=60_000)
    expect(ui.get_by_role("status").filter(has_text="Kernel")).to_have_text("Kernel: idle")
    ui.get_by_role("button", name="Submit for grading").click()
    expect(ui.locator("#grading")).to_contain_text("0 / 5 points", timeout=90_000)
    assert ui.console_errors == [], ui.console_errors


def saved_answer(site, cell_id: str = "answer-oee") -> tuple[int, str]:
    """The revision and one answer as the server holds them for Ana."""
    from app.models import LabWorkspace, User
    from app.services import lab_workspaces

    with site.app.app_context():
        ana = db.session.scalar(select(User).where(User.email == "ana@plant.example"))
        space = db.session.scalar(select(LabWorkspace).where(LabWorkspace.user_id == ana.id))
        sources = {c.get("id"): c.source for c in lab_workspaces.notebook(space).cells}
        return space.revision, sources[cell_id]


@pytest.mark.viewport("desktop")
def test_edits_made_on_an_older_version_are_never_saved_over_a_newer_one(lab_site, ui):
    """Two tabs on one lab: the newer work is never overwritten without the learner choosing."""
    sign_in(ui, lab_site)
    lab = lab_site(LESSON + "/labs/lab-demo")
    ui.goto(lab)
    other = ui.context.new_page()  # a second tab: same browser, same storage
    other.goto(lab)
    saved = ui.get_by_role("status").filter(has_text=re.compile("saved|Saving|Unsaved|Not saved"))
    saved_there = other.get_by_role("status").filter(
        has_text=re.compile("saved|Saving|Unsaved|Not saved")
    )

    # The first tab saves newer work; the second, still on the old version, is told to choose.
    type_into(ui, 3, "def oee(a, p, q):\nreturn a * p * q  # newer, first tab")
    expect(saved).to_have_text("All changes saved")
    revision, _ = saved_answer(lab_site)
    type_into(other, 3, "def oee(a, p, q):\nreturn 0  # older, second tab")
    versions = other.get_by_role("region", name="Two versions of your answers")
    expect(versions).to_be_visible()
    expect(versions.get_by_label("On this page, not saved")).to_contain_text("older, second tab")
    expect(versions.get_by_label("Saved from another tab or device")).to_contain_text(
        "newer, first tab"
    )
    expect(saved_there).to_have_text("Not saved: choose which version to keep")
    assert saved_answer(lab_site) == (
        revision,
        "def oee(a, p, q):\n    return a * p * q  # newer, first tab",
    )

    # Reloading the first tab finds the second tab's unsaved text in the browser's storage:
    # it is offered, never saved by itself.
    ui.bring_to_front()
    ui.reload()
    mine = ui.get_by_role("region", name="Two versions of your answers")
    expect(mine).to_be_visible()
    expect(saved).to_have_text("Not saved: choose which version to keep")
    ui.shot("two-versions")
    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(ui.get_by_role("alert")).to_contain_text("choose which version of each cell to keep")
    assert saved_answer(lab_site)[0] == revision
    mine.get_by_role("button", name="Keep the saved version", exact=True).click()
    expect(mine).to_be_hidden()
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("newer, first tab")
    expect(saved).to_have_text("All changes saved")
    assert saved_answer(lab_site)[0] == revision

    # The second tab keeps its own version after all: now, and only now, it is saved.
    versions.get_by_role("button", name="Keep this page's version", exact=True).click()
    expect(versions).to_be_hidden()
    expect(saved_there).to_have_text("All changes saved")
    assert saved_answer(lab_site) == (
        revision + 1,
        "def oee(a, p, q):\n    return 0  # older, second tab",
    )
    ui.reload()
    expect(ui.get_by_role("region", name="Two versions of your answers")).to_be_hidden()
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("older, second tab")
    assert ui.console_errors == [], ui.console_errors


@pytest.mark.viewport("phone")
def test_edits_kept_offline_meet_a_newer_save_and_the_learner_chooses(lab_site, ui):
    """A device loses the connection (or the server restarts) while another device saves."""
    sign_in(ui, lab_site)
    lab = lab_site(LESSON + "/labs/lab-demo")
    ui.goto(lab)
    ui.route("**/save", lambda route: route.abort("internetdisconnected"))
    type_into(ui, 3, "def oee(a, p, q):\nreturn 1  # typed offline")
    saved = ui.get_by_role("status").filter(has_text=re.compile("saved|Saving|Offline|Not saved"))
    expect(saved).to_contain_text("Offline: edits kept on this device")

    fresh = ui.context.browser.new_context()  # another device saves meanwhile
    phone = fresh.new_page()
    sign_in(phone, lab_site)
    phone.goto(lab)
    type_into(phone, 3, "def oee(a, p, q):\nreturn 2  # from the other device")
    expect(phone.get_by_role("status").filter(has_text="saved")).to_have_text("All changes saved")
    fresh.close()

    ui.unroute("**/save")
    versions = ui.get_by_role("region", name="Two versions of your answers")
    expect(versions).to_be_visible(timeout=30_000)
    expect(versions.get_by_label("On this page, not saved")).to_contain_text("typed offline")
    ui.shot("offline-versions")
    versions.get_by_role("button", name="Keep the saved version of every cell").click()
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("from the other device")
    expect(saved).to_have_text("All changes saved")
    assert saved_answer(lab_site)[1].endswith("# from the other device")
    expected = ("ERR_INTERNET_DISCONNECTED", "409 (CONFLICT)")  # the refused save, by design
    assert [e for e in ui.console_errors if not any(x in e for x in expected)] == []


# Notebook comforts ------------------------------------------------------------------------

LONG = "print('\\n'.join(f'line {i} of the log' for i in range(4000)))"
NEVER_RAN = re.compile(r"^\[\s*\]$")


def prompt(ui, number: int):
    return cell(ui, number).locator("[data-prompt]")


def outputs(ui, number: int):
    return cell(ui, number).locator("[data-outputs]")


def height(locator) -> float:
    return locator.bounding_box()["height"]


def test_long_outputs_fold_into_a_box_that_scrolls_and_outputs_can_be_cleared(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    type_into(ui, 2, LONG)
    ui.keyboard.press("Control+Enter")
    box = outputs(ui, 2)
    expect(box).to_contain_text("line 3999 of the log", timeout=60_000)
    show = cell(ui, 2).get_by_role("button", name="Show all (4000 lines)")
    expect(show).to_have_attribute("aria-expanded", "false")
    assert height(box) < 800  # about 67,000 px before
    expect(box).to_have_attribute("tabindex", "0")  # the scrolling box is reachable by keyboard
    expect(box).to_have_accessible_name("Output of cell 2")
    box.focus()
    ui.keyboard.press("End")
    ui.wait_for_function("box => box.scrollTop > 0", arg=box.element_handle())
    ui.shot("long-folded")

    show.focus()
    ui.keyboard.press("Enter")
    less = cell(ui, 2).get_by_role("button", name="Show less")
    expect(less).to_have_attribute("aria-expanded", "true")
    assert height(box) > 20_000
    less.click()
    expect(show).to_have_attribute("aria-expanded", "false")
    assert height(box) < 800

    # Short outputs show whole, with no control; one cell's or every cell's can be cleared.
    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(prompt(ui, 1)).to_have_text("[2]")
    expect(cell(ui, 1).get_by_role("button", name=re.compile("Show all"))).to_have_count(0)
    expect(outputs(ui, 1)).not_to_have_attribute("tabindex", "0")
    cell(ui, 2).get_by_role("button", name="Clear output of cell 2").click()
    expect(box).to_be_empty()
    expect(prompt(ui, 2)).to_have_text(NEVER_RAN)
    expect(show).to_be_hidden()
    ui.reload()
    expect(outputs(ui, 2)).to_be_empty()
    expect(prompt(ui, 2)).to_have_text(NEVER_RAN)
    expect(prompt(ui, 1)).to_have_text("[2]")
    other = ui.context.new_page()  # a second tab on the lab clears with this one
    other.goto(ui.url)
    expect(prompt(other, 1)).to_have_text("[2]")
    ui.bring_to_front()
    ui.get_by_role("button", name="Clear all outputs").click()
    expect(prompt(ui, 1)).to_have_text(NEVER_RAN)
    expect(prompt(other, 1)).to_have_text(NEVER_RAN)
    expect(outputs(other, 1)).to_be_empty()
    other.close()
    ui.reload()
    for number in (1, 2, 3, 4):
        expect(outputs(ui, number)).to_be_empty()
    ui.shot("cleared")
    assert ui.console_errors == [], ui.console_errors


@pytest.mark.viewport("desktop")
def test_execution_counts_are_the_kernels_as_in_jupyter(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    for number in (1, 2, 3, 4):
        expect(prompt(ui, number)).to_have_text(NEVER_RAN)
    expect(cell(ui, 3).locator(".cell-label")).to_have_text("Cell 3 · Your answer")

    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(prompt(ui, 1)).to_have_text("[1]", timeout=60_000)
    type_into(ui, 3, "1 / 0")
    ui.keyboard.press("Control+Enter")
    # Under load a run can take longer than expect's 5 s default: waits here are generous.
    expect(prompt(ui, 3)).to_have_text("[2]", timeout=30_000)
    expect(cell(ui, 3).locator(".out-error")).to_contain_text("Cell In[2], line 1")

    # Running (or queued) shows [*]; an interrupted run still took its number.
    type_into(ui, 2, "while True:\n    pass")
    ui.keyboard.press("Control+Enter")
    expect(prompt(ui, 2)).to_have_text("[*]", timeout=30_000)
    ui.shot("counts-running")
    ui.get_by_role("button", name="Interrupt").click()
    expect(cell(ui, 2).locator(".out-error")).to_contain_text("KeyboardInterrupt", timeout=30_000)
    expect(prompt(ui, 2)).to_have_text("[3]")
    ui.shot("counts")
    ui.reload()
    expect(prompt(ui, 3)).to_have_text("[2]")  # saved with the outputs

    # A restarted kernel counts from 1 again; the other cells keep the numbers they showed.
    ui.get_by_role("button", name="Restart kernel").click()
    expect(ui.get_by_role("status").filter(has_text="Kernel")).to_have_text(
        "Kernel: idle", timeout=60_000
    )
    cell(ui, 3).get_by_role("button", name="Run cell").click()
    expect(prompt(ui, 3)).to_have_text("[1]", timeout=60_000)
    expect(cell(ui, 3).locator(".out-error")).to_contain_text("Cell In[1], line 1", timeout=30_000)
    expect(prompt(ui, 2)).to_have_text("[3]")
    assert ui.console_errors == [], ui.console_errors


WIDE = (
    "import pandas as pd\n"
    "pd.DataFrame({f'availability {n}': [0.8442366, 0.5, 0.25] for n in range(8)})"
)


def test_wide_tables_keep_numbers_whole_and_scroll_in_their_own_box(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    type_into(ui, 2, WIDE)
    ui.keyboard.press("Control+Enter")
    table = cell(ui, 2).get_by_role("region", name="Table from cell 2")
    expect(table.get_by_role("table")).to_be_visible(timeout=60_000)
    header = table.get_by_role("columnheader", name="availability 7")
    number = table.get_by_role("cell", name="0.844237").first
    # The unnamed header over the index is named for screen readers (axe: empty-table-header).
    expect(table.get_by_role("columnheader", name="Row", exact=True)).to_have_count(1)
    line = height(table.get_by_role("columnheader", name="availability 0"))
    assert height(header) <= line * 1.2 and height(number) <= line * 1.2  # one line each
    assert_no_sideways_scroll(ui)  # the page itself never scrolls sideways
    if ui.viewport_size["width"] < 600:
        assert table.evaluate("box => box.scrollWidth > box.clientWidth")
        expect(table).to_have_attribute("tabindex", "0")  # it scrolls: a keyboard can reach it
        table.focus()
        ui.keyboard.press("ArrowRight")
        ui.wait_for_function("box => box.scrollLeft > 0", arg=table.element_handle())
        header.scroll_into_view_if_needed()
    else:
        expect(table).not_to_have_attribute("tabindex", "0")  # it fits: no extra tab stop
    ui.shot("table")
    assert ui.console_errors == [], ui.console_errors


def workspaces(site) -> int:
    from app.models import LabWorkspace

    with site.app.app_context():
        return db.session.query(LabWorkspace).count()


@pytest.mark.viewport("phone")
def test_opening_the_lab_writes_nothing_until_the_learner_works(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("raise NotImplementedError")
    ui.reload()
    expect(ui.get_by_role("status").filter(has_text="saved")).to_have_text("All changes saved")
    assert workspaces(lab_site) == 0
    other = ui.context.new_page()  # a second tab, opened before the workspace exists
    other.goto(ui.url)
    ui.bring_to_front()
    cell(ui, 1).get_by_role("button", name="Run cell").click()  # the first run makes it
    expect(prompt(ui, 1)).to_have_text("[1]", timeout=60_000)
    expect(prompt(other, 1)).to_have_text("[1]", timeout=20_000)  # and the other tab follows
    other.close()
    expect(ui.get_by_role("status").filter(has_text="Kernel")).to_have_text("Kernel: idle")
    assert workspaces(lab_site) == 1
    type_into(ui, 3, "def oee(a, p, q):\nreturn 0  # first edit")
    expect(ui.get_by_role("status").filter(has_text="saved")).to_have_text("All changes saved")
    ui.reload()
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("first edit")
    expect(prompt(ui, 1)).to_have_text("[1]")
    assert ui.console_errors == [], ui.console_errors


def tab_to(ui, name: str, *, limit: int = 80) -> None:
    """Press Tab (Escape first inside an editor, as CodeMirror asks) until *name* has focus;
    on the way, every control that takes focus must be on screen and not covered."""
    seen = []
    for _ in range(limit):
        if ui.evaluate("document.activeElement.matches('.shopfloor-editor')"):  # shadow DOM
            ui.keyboard.press("Escape")
        ui.keyboard.press("Tab")
        focused = ui.evaluate(
            """() => {
              const el = document.activeElement;
              const box = el.getBoundingClientRect();
              const x = box.left + Math.min(box.width / 2, 10), y = box.top + box.height / 2;
              const top = document.elementFromPoint(x, y);
              return {name: el.getAttribute('aria-label') || el.textContent.trim(),
                      tag: el.tagName, shown: !!top && (el === top || el.contains(top))};
            }"""
        )
        if focused["tag"] == "BUTTON":
            assert focused["shown"], f"{focused['name']} has focus but cannot be seen"
        if focused["name"] == name:
            return
        seen.append(focused["name"][:40])
    raise AssertionError(f"Tab never reached {name}, only {seen}")


@pytest.mark.viewport("desktop")
def test_every_workspace_action_is_reachable_by_keyboard(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    type_into(ui, 2, LONG)
    ui.keyboard.press("Control+Enter")
    expect(outputs(ui, 2)).to_contain_text("line 3999", timeout=60_000)
    ui.get_by_role("heading", level=1).click()  # Tab goes on from here, as for a learner
    for name in ("Run all", "Interrupt", "Restart kernel", "Clear all outputs"):
        tab_to(ui, name)
    tab_to(ui, "Submit for grading")
    tab_to(ui, "Run cell 1")
    ui.keyboard.press("Enter")
    expect(prompt(ui, 1)).to_have_text("[2]")
    tab_to(ui, "Clear output of cell 1")
    ui.keyboard.press("Enter")
    expect(prompt(ui, 1)).to_have_text(NEVER_RAN)
    tab_to(ui, "Output of cell 2")  # the scrolling box
    tab_to(ui, "Show all (4000 lines)")
    ui.shot("keyboard")
    ui.keyboard.press("Enter")
    expect(cell(ui, 2).get_by_role("button", name="Show less")).to_be_focused()

    # A cell of the learner's own: added, typed in and deleted from the keyboard.
    ui.get_by_role("heading", level=1).click()
    tab_to(ui, "+ Code cell")
    ui.keyboard.press("Enter")
    mine = ui.locator("li.cell-scratch")
    expect(mine.get_by_role("textbox")).to_be_focused()
    ui.keyboard.type("x = 1")
    ui.once("dialog", lambda dialog: dialog.accept())
    tab_to(ui, "Delete scratch 1")
    ui.keyboard.press("Enter")
    expect(mine).to_have_count(0)
    assert ui.console_errors == [], ui.console_errors


def scratch(ui, number: int):
    return ui.locator("li.cell-scratch").nth(number - 1)


@pytest.mark.viewport("phone")
def test_scratch_cells_of_the_learners_own_are_kept_run_and_deleted(lab_site, ui):
    """A learner adds code and notes of their own below a cell, runs them, reloads, deletes."""
    sign_in(ui, lab_site)
    lab = lab_site(LESSON + "/labs/lab-demo")
    ui.goto(lab)
    saved = ui.get_by_role("status").filter(has_text=re.compile("saved|Saving|Unsaved|Not saved"))

    # A code cell below cell 1, where the learner last was; it runs in the same kernel.
    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(cell(ui, 1).locator("[data-prompt]")).to_have_text("[1]", timeout=60_000)
    cell(ui, 1).get_by_role("textbox").click()
    ui.get_by_role("button", name="+ Code cell").click()
    mine = scratch(ui, 1)
    expect(mine.locator(".cell-label")).to_have_text("Scratch code · not graded")
    expect(mine.get_by_role("textbox")).to_be_focused()
    assert ui.evaluate(  # right below cell 1
        "document.querySelector('li[data-number=\"1\"]').nextElementSibling"
        ".classList.contains('cell-scratch')"
    )
    ui.keyboard.type("print('planned minutes:', shift['planned'])")
    ui.keyboard.press("Shift+Enter")
    expect(mine.locator("[data-outputs]")).to_contain_text("planned minutes: 450", timeout=60_000)
    expect(mine.locator("[data-prompt]")).to_have_text(re.compile(r"^\[\d+\]$"))

    # Notes in Markdown below it: Shift+Enter shows them rendered.
    mine.get_by_role("textbox").click()
    ui.get_by_role("button", name="+ Notes cell").click()
    notes = scratch(ui, 2)
    expect(notes.get_by_role("textbox")).to_be_focused()
    ui.keyboard.type("**Downtime** is the biggest loss <b>here</b>")
    ui.keyboard.press("Shift+Enter")
    expect(notes.locator("strong")).to_have_text("Downtime")
    expect(notes.locator("[data-rendered]")).to_contain_text("<b>here</b>")  # shown, not run
    expect(notes.get_by_role("textbox")).to_be_hidden()
    expect(saved).to_have_text("All changes saved")
    ui.shot("scratch-cells")

    # A reload keeps both where they were, with the output and the rendered notes.
    ui.reload()
    expect(scratch(ui, 1).get_by_role("textbox")).to_contain_text("shift['planned']")
    expect(scratch(ui, 1).locator("[data-outputs]")).to_contain_text("planned minutes: 450")
    expect(scratch(ui, 2).locator("strong")).to_have_text("Downtime")
    notes = scratch(ui, 2)
    notes.get_by_role("button", name="Edit scratch 2").click()
    expect(notes.get_by_role("textbox")).to_be_focused()
    expect(notes.get_by_role("button", name="Edit scratch 2")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Delete the code cell (it has code: the learner confirms); the notes become scratch 1.
    ui.once("dialog", lambda dialog: dialog.accept())
    scratch(ui, 1).get_by_role("button", name="Delete scratch 1").click()
    expect(ui.locator("li.cell-scratch")).to_have_count(1)
    expect(scratch(ui, 1).get_by_role("button", name="Delete scratch 1")).to_be_visible()
    ui.reload()
    expect(ui.locator("li.cell-scratch")).to_have_count(1)
    expect(ui.locator("li.cell-scratch").first.locator("strong")).to_have_text("Downtime")
    assert ui.console_errors == [], ui.console_errors


@pytest.mark.viewport("desktop")
def test_cells_added_in_another_tab_appear_here_and_lose_no_edit(lab_site, ui):
    sign_in(ui, lab_site)
    lab = lab_site(LESSON + "/labs/lab-demo")
    ui.goto(lab)
    other = ui.context.new_page()
    other.goto(lab)
    saved = ui.get_by_role("status").filter(has_text=re.compile("saved|Saving|Offline|Not saved"))
    saved_there = other.get_by_role("status").filter(has_text=re.compile("saved|Saving|Offline"))

    # This tab's edit is not saved yet (offline) when the other tab adds a cell.
    ui.route("**/save", lambda route: route.abort("internetdisconnected"))
    type_into(ui, 3, "def oee(a, p, q):\nreturn a * p * q  # this tab")
    expect(saved).to_contain_text("Offline: edits kept on this device")
    cell(other, 2).get_by_role("textbox").click()
    other.get_by_role("button", name="+ Code cell").click()
    expect(scratch(other, 1).get_by_role("textbox")).to_be_focused()
    other.keyboard.type("x = 'from the other tab'")
    expect(saved_there).to_have_text("All changes saved")

    # Back online: the save meets the newer revision, the new cell appears here, and the
    # edit is saved (the two tabs never changed the same cell, so there is nothing to choose).
    ui.unroute("**/save")
    expect(saved).to_have_text("All changes saved", timeout=40_000)
    expect(scratch(ui, 1).get_by_role("textbox")).to_contain_text("from the other tab")
    expect(ui.get_by_role("region", name="Two versions of your answers")).to_be_hidden()
    assert saved_answer(lab_site)[1].endswith("# this tab")

    # A tab with nothing unsaved follows a cell added elsewhere at once.
    scratch(ui, 1).get_by_role("textbox").click()
    ui.get_by_role("button", name="+ Notes cell").click()
    expect(other.locator("li.cell-scratch")).to_have_count(2, timeout=15_000)
    expect(cell(other, 3).get_by_role("textbox")).to_contain_text("# this tab")
    expected = ("ERR_INTERNET_DISCONNECTED", "409 (CONFLICT)")  # the refused save, by design
    assert [e for e in ui.console_errors if not any(x in e for x in expected)] == []


@pytest.mark.viewport("desktop")
def test_tab_completes_from_the_kernel_and_shift_tab_shows_help(lab_site, ui):
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    editor = cell(ui, 2).get_by_role("textbox")
    type_into(ui, 2, "shi")
    ui.keyboard.press("Tab")  # no kernel yet: the learner is told why nothing comes
    expect(ui.locator("[data-announce]")).to_have_text(re.compile("Run a cell first"))

    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(cell(ui, 1).locator("[data-prompt]")).to_have_text("[1]", timeout=60_000)
    editor.click()
    ui.keyboard.press("End")
    ui.keyboard.press("Tab")  # one match: put in at once
    expect(editor).to_have_text("shift")
    ui.keyboard.type(".")
    ui.keyboard.press("Tab")  # a dict's methods: a list to choose from
    choices = cell(ui, 2).get_by_role("listbox")
    expect(choices).to_be_visible(timeout=10_000)
    expect(choices.get_by_role("option", name=".keys", exact=True)).to_be_visible()
    ui.shot("completion")
    ui.keyboard.press("Escape")

    type_into(ui, 2, "len(")
    ui.keyboard.press("Shift+Tab")
    tip = cell(ui, 2).get_by_role("tooltip")
    expect(tip).to_contain_text("Return the number of items", timeout=10_000)
    ui.shot("help")
    ui.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    assert ui.console_errors == [], ui.console_errors


@pytest.mark.viewport("phone")
def test_a_server_restart_loses_no_edit_and_the_page_carries_on(lab_site, ui):
    """The server process goes away mid-lesson and a new one starts: edits typed meanwhile
    are saved when it is back, saved outputs stay, and a new kernel starts from In[1]."""
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    saved = ui.get_by_role("status").filter(has_text=re.compile("saved|Saving|Offline|Not saved"))
    kernel = ui.get_by_role("status").filter(has_text="Kernel")
    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(prompt(ui, 1)).to_have_text("[1]", timeout=60_000)

    port = lab_site.server.server_port
    lab_site.stop()  # the process ends: its kernels and event log with it
    type_into(ui, 3, "def oee(a, p, q):\nreturn a * p * q  # typed while the server was down")
    expect(saved).to_contain_text("Offline: edits kept on this device")
    lab_site.serve(lab_site.make(DEV_MODE=True), port)  # a new process on the same database

    expect(saved).to_have_text("All changes saved", timeout=40_000)
    assert saved_answer(lab_site)[1].endswith("# typed while the server was down")
    expect(kernel).to_have_text(re.compile("not started"), timeout=40_000)
    expect(prompt(ui, 1)).to_have_text("[1]")  # the saved outputs are still shown
    expect(cell(ui, 3).get_by_role("textbox")).to_contain_text("typed while the server was down")
    cell(ui, 1).get_by_role("button", name="Run cell").click()
    expect(kernel).to_have_text("Kernel: idle", timeout=60_000)
    expect(prompt(ui, 1)).to_have_text("[1]")  # a new kernel counts from 1 again
    ui.shot("after-restart")
    gone = ("ERR_CONNECTION_REFUSED", "ERR_INTERNET_DISCONNECTED", "ERR_EMPTY_RESPONSE")
    assert [e for e in ui.console_errors if not any(x in e for x in gone)] == []

"""Live ipywidgets in the lab workspace: a learner tunes with a slider, as in JupyterLab.

A real sandboxed kernel behind a real page: the slider is drawn by the vendored Jupyter
widgets, moved with the keyboard, and the function ``interact`` calls prints its new result
inside the widget's own output area, with the page's Content-Security-Policy in force.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.layout import assert_no_sideways_scroll
from tests.e2e.test_lab_workspace import LESSON, cell, outputs, sign_in, type_into

pytestmark = [pytest.mark.e2e, pytest.mark.kernel]

TUNE = (
    "from ipywidgets import interact\n"
    "tune = interact(lambda speed: print('line speed', speed, 'bottles/min'), speed=(60, 120, 10))"
)


def test_a_slider_tunes_live_and_a_reload_says_what_it_was(lab_site, ui):
    violations: list[str] = []
    ui.on("console", lambda m: "Content-Security-Policy" in m.text and violations.append(m.text))
    sign_in(ui, lab_site)
    ui.goto(lab_site(LESSON + "/labs/lab-demo"))
    type_into(ui, 2, TUNE)
    ui.keyboard.press("Control+Enter")

    box = outputs(ui, 2)
    slider = box.get_by_role("slider")
    expect(slider).to_be_visible(timeout=60_000)
    expect(slider).to_have_accessible_name("speed")
    expect(slider).to_have_attribute("aria-valuetext", "90")
    expect(box.locator(".widget-output")).to_have_text("line speed 90 bottles/min\n")
    ui.shot("slider")

    # The keyboard moves it a step; the kernel runs the function again and its new result
    # replaces the old one inside the widget, not below the cell.
    slider.focus()
    ui.keyboard.press("ArrowRight")
    expect(box.locator(".widget-output")).to_have_text("line speed 100 bottles/min\n")
    ui.keyboard.press("End")
    expect(box.locator(".widget-output")).to_have_text("line speed 120 bottles/min\n")
    expect(box.locator(":scope > pre.out")).to_have_count(0)  # nothing escaped into the cell
    assert_no_sideways_scroll(ui)
    ui.shot("slider-moved")

    # The kernel has the value the page set: a cell run afterwards reads it.
    type_into(ui, 3, "import ipywidgets\nprint(ipywidgets.Widget.widgets.__len__() > 0)")
    ui.keyboard.press("Control+Enter")
    expect(outputs(ui, 3)).to_contain_text("True", timeout=60_000)

    # After a reload the widget's place says what it was and how to bring it back.
    ui.reload()
    expect(outputs(ui, 2)).to_contain_text(
        re.compile(r"\[interactive widget: it works while the kernel that drew it runs")
    )
    expect(outputs(ui, 2).get_by_role("slider")).to_have_count(0)
    cell(ui, 2).get_by_role("button", name="Run cell").click()
    expect(outputs(ui, 2).get_by_role("slider")).to_be_visible(timeout=60_000)
    assert violations == [], violations
    assert ui.console_errors == [], ui.console_errors

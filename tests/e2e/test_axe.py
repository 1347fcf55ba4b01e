"""The axe-core check in the ``ui`` fixture finds what it should, on any page."""

from __future__ import annotations

import pytest

from tests.e2e import axe

pytestmark = pytest.mark.e2e


def test_axe_fails_a_page_with_a_serious_problem(live_server, ui):
    """A nameless button (axe rule button-name, critical) stops the test, named and placed."""
    ui.goto(live_server("/"))
    ui.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<button></button>')"
    )
    with pytest.raises(AssertionError) as failure:
        ui.shot("broken")
    assert "critical button-name: button (Buttons must have discernible text) on /" in str(
        failure.value
    )
    assert ui.axe.checks >= 2  # at the page load and at the screenshot


def test_axe_checks_pages_reached_by_clicking(live_server, ui):
    ui.goto(live_server("/"))
    before = ui.axe.checks
    ui.get_by_role("contentinfo").get_by_role("link", name="Privacy").click()
    ui.get_by_role("heading", level=1, name="Privacy").wait_for()
    ui.get_by_role("contentinfo").get_by_role("link", name="Accessibility").click()
    ui.get_by_role("heading", level=1, name="Accessibility").wait_for()
    ui.shot("accessibility")
    assert ui.axe.checks >= before + 3


def test_an_excluded_rule_and_element_pass(monkeypatch, live_server, ui):
    """An exclusion names rule, element and page; it holds until the page is closed."""
    exclusion = ("button-name", "button", r"^/$", "known, owned elsewhere")
    monkeypatch.setattr(axe, "EXCLUSIONS", [exclusion])
    ui.goto(live_server("/"))
    ui.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<button></button>')"
    )
    ui.shot("excused")

"""Layout checks shared by the browser tests."""

from __future__ import annotations

# The page's width once its stylesheets and fonts are in, and the elements that stick out.
# A layout read before a stylesheet has arrived is too wide (an unstyled table at its full
# width), so the check waits for the load event and the fonts first.
MEASURE = """async () => {
  await document.fonts.ready;
  const limit = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > limit + 1)
    .map((el) => el.tagName + "." + el.className + ": " + (el.textContent || "").slice(0, 60));
  return [document.documentElement.scrollWidth, wide.slice(-3)];
}"""


def page_width(ui) -> tuple[int, list[str]]:
    """The page's scroll width once styled, and up to three elements wider than the window."""
    ui.wait_for_load_state()
    width, wide = ui.evaluate(MEASURE)
    return width, wide


def assert_no_sideways_scroll(ui) -> None:
    """The page never scrolls sideways: a wide table or chart scrolls in its own box."""
    width, wide = page_width(ui)
    assert width <= ui.viewport_size["width"], (width, wide)

"""Tab completion and Shift+Tab help in the vendored editor bundle, as in JupyterLab.

The page stands in for the kernel: its ``complete`` completes a few fixed names and its
``inspect`` knows ``len`` and ``long``, both counting code points as Jupyter does; every
question is written into the DOM so the test can read what the editor asked. Served with
the site's Content-Security-Policy, without the app (as tests/e2e/test_editor_bundle.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.web.security import CONTENT_SECURITY_POLICY
from tests.e2e import axe
from tests.waiting import poll

pytestmark = pytest.mark.e2e

VENDOR = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor"
LEN_HELP = (
    "Signature: len(obj, /)\n"
    "Docstring: Return the number of items in a container.\n"
    "Type:      builtin_function_or_method"
)
LONG_HELP = "Signature: long(*rows)\nDocstring:\n" + "".join(
    f"    row {n:3}: a line of a long docstring, long enough to be wrapped or cut\n"
    for n in range(120)
)

PAGE = b"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Editor completion</title>
  <link rel="stylesheet" href="/pico.css">
  <script src="/editor.js"></script>
  <script src="/harness.js" defer></script>
</head>
<body>
  <main class="container">
    <h1>Editor completion</h1>
    <div id="cell"></div>
    <div id="plain"></div>
    <button id="after" type="button">After</button>
    <p>mounted <output id="mounted">no</output></p>
    <textarea id="asked" hidden></textarea>
    <textarea id="violations" hidden></textarea>
  </main>
</body>
</html>
"""

HARNESS = b"""
const $ = (id) => document.getElementById(id);
document.addEventListener("securitypolicyviolation", (e) => {
  $("violations").value += `${e.violatedDirective} ${e.blockedURI}\\n`;
});
const NAMES = ["map", "math", "max", "min", "print"];
const before = (code, cursor) => [...code].slice(0, cursor).join("");  // code points
window.held = null;  // hold: answers wait for release(), to be stale by then
const answer = (value) => new Promise((resolve) => {
  if (window.held) window.held.push(() => resolve(value));
  else setTimeout(() => resolve(value), 10);
});
window.release = () => {
  const waiting = window.held || [];
  window.held = null;
  waiting.forEach((go) => go());
  return new Promise((done) => setTimeout(done, 0));  // after the editor had the answers
};
function complete(code, cursor) {
  $("asked").value += JSON.stringify(["complete", code, cursor]) + "\\n";
  const word = before(code, cursor).match(/[\\p{L}\\p{N}_]*$/u)[0];
  const start = cursor - [...word].length;
  const matches = word ? NAMES.filter((name) => name.startsWith(word)) : [];
  return answer({ matches, cursor_start: start, cursor_end: cursor });
}
function inspect(code, cursor) {
  $("asked").value += JSON.stringify(["inspect", code, cursor]) + "\\n";
  const name = (before(code, cursor).match(/(\\w+)\\(?$/) || [])[1];
  const text = { len: LEN_HELP, long: LONG_HELP }[name];
  return answer(text ? { found: true, text } : { found: false, text: "" });
}
window.editors = {
  cell: ShopfloorEditor.create($("cell"), {
    doc: "", label: "Cell 1 code", lineNumbers: true, complete, inspect,
  }),
  plain: ShopfloorEditor.create($("plain"), { doc: "", label: "Cell 2 code" }),
};
$("mounted").textContent = "yes";
"""


def _harness() -> bytes:
    constants = (
        f"const LEN_HELP = {json.dumps(LEN_HELP)};\nconst LONG_HELP = {json.dumps(LONG_HELP)};\n"
    )
    return constants.encode() + HARNESS


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """Serve the page, the bundle and Pico with the site's CSP on a free loopback port."""
    files = {
        "/": ("text/html; charset=utf-8", PAGE),
        "/harness.js": ("text/javascript; charset=utf-8", _harness()),
        "/editor.js": (
            "text/javascript; charset=utf-8",
            (VENDOR / "codemirror" / "editor.js").read_bytes(),
        ),
        "/pico.css": ("text/css; charset=utf-8", (VENDOR / "pico" / "pico.min.css").read_bytes()),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in files:
                self.send_response(404 if self.path != "/favicon.ico" else 204)
                self.end_headers()
                return
            media_type, body = files[self.path]
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def page(browser, site) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 700})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    page.goto(site)
    expect(page.locator("#mounted")).to_have_text("yes")
    yield page
    context.close()


def editor(page: Page, name: str = "Cell 1 code"):
    return page.get_by_role("textbox", name=name)


def start(page: Page, text: str, name: str = "cell") -> None:
    """*text* in the editor, focused, with the cursor at its end."""
    page.evaluate(f"editors.{name}.setValue({json.dumps(text)})")
    page.evaluate(f"editors.{name}.focus()")
    page.keyboard.press("Control+End")


def value(page: Page, name: str = "cell") -> str:
    return page.evaluate(f"editors.{name}.getValue()")


def asked(page: Page) -> list[list]:
    return [json.loads(line) for line in page.locator("#asked").input_value().splitlines()]


def completion_list(page: Page):
    return page.locator("#cell .cm-tooltip-autocomplete [role=listbox]")


def help_tooltip(page: Page):
    return page.locator("#cell").get_by_role("tooltip")


def assert_clean(page: Page) -> None:
    assert page.locator("#violations").input_value() == ""
    assert page.console_errors == []
    failures = [f for f in axe.check(page).findings if f.impact in axe.FAILING]
    assert failures == [], "\n".join(map(str, failures))


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two ``rgb(r, g, b)`` colours."""

    def luminance(rgb: str) -> float:
        def channel(v: int) -> float:
            c = v / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (int(part) for part in rgb[rgb.index("(") + 1 : -1].split(",")[:3])
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colours(locator) -> tuple[str, str]:
    return tuple(
        locator.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    )


def test_tab_after_a_name_lists_the_kernels_matches_and_enter_takes_one(page, artifacts):
    code = 'label = "café ☕ 😀"\nm'
    start(page, code)
    page.keyboard.press("Tab")
    listbox = completion_list(page)
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_text(["map", "math", "max", "min"])
    # The cursor went out in code points: the emoji is one, not two UTF-16 units.
    assert asked(page) == [["complete", code, len(code)]]
    assert len(code) < len(code.encode("utf-16-le")) // 2
    page.keyboard.type("a")  # typing narrows the list without asking again
    expect(listbox.get_by_role("option")).to_have_text(["map", "math", "max"])
    expect(listbox.get_by_role("option", selected=True)).to_have_text("map")
    background = colours(page.locator("#cell .cm-tooltip-autocomplete"))[1]
    plain = colours(listbox.get_by_role("option", selected=False).first)[0], background
    selected = colours(listbox.get_by_role("option", selected=True))
    assert contrast(*selected) >= 4.5 and contrast(*plain) >= 4.5, (selected, plain)
    font = listbox.evaluate("el => getComputedStyle(el).fontFamily")
    assert "monospace" in font
    assert_clean(page)
    page.screenshot(path=str(artifacts / "editor_completion-list.png"))
    # The list takes keys once it has been open a moment (CodeMirror's 75 ms), so a key
    # pressed before the learner saw it goes to the code; at the end of the code an early
    # ArrowDown changes nothing, and is pressed again.

    def chose_math() -> bool:
        page.keyboard.press("ArrowDown")
        return listbox.get_by_role("option", selected=True).inner_text() == "math"

    assert poll(chose_math, seconds=10)
    page.keyboard.press("Enter")
    expect(listbox).to_have_count(0)
    assert value(page) == 'label = "café ☕ 😀"\nmath'
    expect(editor(page)).to_be_focused()
    assert len(asked(page)) == 1
    assert_clean(page)


def test_one_match_goes_in_at_once_and_tab_takes_the_chosen_one(page):
    start(page, "x = 1\npri")
    page.keyboard.press("Tab")
    expect(editor(page)).to_contain_text("x = 1print")
    assert value(page) == "x = 1\nprint"
    expect(completion_list(page)).to_have_count(0)
    # Tab in an open list takes the chosen match (pressed again while the list is new).
    page.keyboard.type("(m")
    page.keyboard.press("Tab")
    expect(completion_list(page)).to_be_visible()

    def took_one() -> bool:
        page.keyboard.press("Tab")
        return value(page) != "x = 1\nprint(m)"

    assert poll(took_one, seconds=10)
    assert value(page) == "x = 1\nprint(map)"
    assert_clean(page)


def test_tab_indents_where_there_is_nothing_to_complete(page):
    start(page, "total = 0")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    expect(editor(page)).to_contain_text("    total = 0")
    assert value(page) == "    total = 0"
    start(page, "if ready:\n    ")
    page.keyboard.press("Tab")  # only spaces before the cursor: indent
    assert poll(lambda: value(page) == "if ready:\n        ")
    page.keyboard.press("Shift+Tab")
    assert poll(lambda: value(page) == "if ready:\n    ")
    # A selection is indented, not completed.
    start(page, "ma")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Tab")
    assert poll(lambda: value(page) == "    ma")
    assert asked(page) == []
    # Escape then Tab still leaves the editor.
    page.keyboard.press("End")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(page.locator("#plain .cm-content")).to_be_focused()
    assert asked(page) == []
    assert_clean(page)


def test_no_match_does_nothing_and_a_stale_answer_is_dropped(page):
    start(page, "zz")
    page.keyboard.press("Tab")
    assert poll(lambda: len(asked(page)) == 1)
    page.evaluate("release()")
    assert value(page) == "zz"
    expect(completion_list(page)).to_have_count(0)
    # The answer for "pri" comes after the learner typed on: it is not applied.
    page.evaluate("window.held = []")
    start(page, "pri")
    page.keyboard.press("Tab")
    assert poll(lambda: len(asked(page)) == 2)
    page.keyboard.type("nt")
    page.evaluate("release()")
    assert value(page) == "print"
    expect(completion_list(page)).to_have_count(0)
    assert_clean(page)


def test_shift_tab_after_a_call_shows_the_kernels_help_until_escape(page, artifacts):
    code = "items = [1, 2]\nn = len("
    start(page, code)
    page.keyboard.press("Shift+Tab")
    tooltip = help_tooltip(page)
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(LEN_HELP)
    assert asked(page) == [["inspect", code, len(code)]]
    assert value(page) == code  # nothing dedented
    # Screen readers: the editor is described by the help while it shows.
    tooltip_id = tooltip.get_attribute("id")
    expect(editor(page)).to_have_attribute("aria-describedby", tooltip_id)
    # The help is also announced in CodeMirror's live region, which CodeMirror empties
    # 200 ms later: too short a window to assert on reliably (Chromium 156 misses it),
    # so the test holds to the region being there and polite.
    expect(page.locator("#cell .cm-announced")).to_have_attribute("aria-live", "polite")
    style = tooltip.evaluate(
        """el => ({
            font: getComputedStyle(el).fontFamily,
            space: getComputedStyle(el).whiteSpace,
            box: el.getBoundingClientRect().toJSON(),
        })"""
    )
    style["cursor"] = page.evaluate(
        "(({view}) => view.coordsAtPos(view.state.selection.main.head))(editors.cell)"
    )
    assert "monospace" in style["font"] and style["space"] == "pre-wrap"
    assert style["box"]["top"] >= style["cursor"]["bottom"] - 1  # below the cursor
    assert contrast(*colours(tooltip)) >= 4.5
    assert_clean(page)
    page.screenshot(path=str(artifacts / "editor_completion-help.png"))
    page.keyboard.press("Escape")
    expect(tooltip).to_have_count(0)
    expect(editor(page)).not_to_have_attribute("aria-describedby", tooltip_id)
    expect(editor(page)).to_be_focused()
    # Typing closes it too, and so does moving the cursor.
    page.keyboard.press("Shift+Tab")
    expect(tooltip).to_be_visible()
    page.keyboard.type("items")
    expect(tooltip).to_have_count(0)
    page.keyboard.press("Shift+Tab")  # "items" is no name the page knows: nothing shows
    assert poll(lambda: len(asked(page)) == 3)
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Shift+Tab")
    expect(tooltip).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(tooltip).to_have_count(0)
    assert value(page) == code
    assert_clean(page)


def test_long_help_scrolls_and_shift_tab_again_brings_the_keyboard_into_it(page, artifacts):
    start(page, "long(")
    page.keyboard.press("Shift+Tab")
    tooltip = help_tooltip(page)
    expect(tooltip).to_be_visible()
    size = tooltip.evaluate(
        "el => [el.scrollHeight, el.clientHeight, el.scrollWidth, el.clientWidth]"
    )
    assert size[0] > size[1]  # cut by its max-height, scrolled
    assert size[2] <= size[3]  # long lines wrap: no sideways scrolling
    page.screenshot(path=str(artifacts / "editor_completion-long-help.png"))
    page.keyboard.press("Shift+Tab")
    expect(tooltip).to_be_focused()
    page.keyboard.press("PageDown")
    assert poll(lambda: tooltip.evaluate("el => el.scrollTop") > 0)
    assert_clean(page)  # a scrolled region the keyboard can reach
    page.keyboard.press("Escape")
    expect(tooltip).to_have_count(0)
    expect(editor(page)).to_be_focused()
    assert value(page) == "long("
    # Leaving the editor closes it.
    page.keyboard.press("Shift+Tab")
    expect(tooltip).to_be_visible()
    page.locator("#after").focus()
    expect(tooltip).to_have_count(0)
    assert_clean(page)


def test_shift_tab_dedents_where_there_is_nothing_to_inspect(page):
    start(page, "for x in xs:\n        ")
    page.keyboard.press("Shift+Tab")
    assert poll(lambda: value(page) == "for x in xs:\n    ")
    page.keyboard.press("Shift+Tab")
    assert poll(lambda: value(page) == "for x in xs:\n")
    assert asked(page) == []
    expect(help_tooltip(page)).to_have_count(0)
    assert_clean(page)


def test_without_the_options_tab_and_shift_tab_only_indent(page):
    plain = editor(page, "Cell 2 code")
    start(page, "ma", name="plain")
    page.keyboard.press("Tab")
    expect(plain).to_contain_text("    ma")
    page.keyboard.press("Shift+Tab")
    assert poll(lambda: value(page, "plain") == "ma")
    expect(page.locator("#plain .cm-tooltip")).to_have_count(0)
    assert asked(page) == []
    assert_clean(page)

"""The vendored CodeMirror bundle (app/static/vendor/codemirror/editor.js), in Debian's Chromium.

A tiny page served with the site's own Content-Security-Policy mounts two editors through
``window.ShopfloorEditor`` and mirrors their callbacks into the DOM, so the test waits on
locators (Playwright's wait_for_function evaluates strings, which that CSP forbids).
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

pytestmark = pytest.mark.e2e

VENDOR = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor"
DOC = (
    "import math\n"
    "\n"
    "def oee(availability, performance, quality):\n"
    '    """Overall equipment effectiveness."""\n'
    "    return availability * performance * quality  # 0..1\n"
    "\n"
    "class Line:\n"
    "    rate = 42\n"
    "    running = True\n"
    "\n"
    'print(oee(0.9, 0.95, 0.99), f"{math.pi:.2f}", None)\n'
)
READ_ONLY_DOC = "import pandas as pd  # given\n"

PAGE = b"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Editor bundle</title>
  <link rel="stylesheet" href="/pico.css">
  <script src="/editor.js"></script>
  <script src="/harness.js" defer></script>
</head>
<body>
  <main class="container">
    <button id="before" type="button">Before</button>
    <div id="cell"></div>
    <div id="ro"></div>
    <button id="after" type="button">After</button>
    <p>runs <output id="runs">0</output>, advances <output id="advances">0</output>,
       changes <output id="changes">0</output>, mounted <output id="mounted">no</output></p>
    <textarea id="last-change" hidden></textarea>
    <textarea id="violations" hidden></textarea>
  </main>
</body>
</html>
"""

HARNESS = b"""
const $ = (id) => document.getElementById(id);
const bump = (id) => { $(id).textContent = String(Number($(id).textContent) + 1); };
document.addEventListener("securitypolicyviolation", (e) => {
  $("violations").value += `${e.violatedDirective} ${e.blockedURI}\\n`;
});
window.editors = {
  cell: ShopfloorEditor.create($("cell"), {
    doc: DOC,
    label: "Cell 1 code",
    lineNumbers: true,
    onChange: (text) => { bump("changes"); $("last-change").value = text; },
    onRun: () => bump("runs"),
    onRunAdvance: () => bump("advances"),
  }),
  ro: ShopfloorEditor.create($("ro"), {
    doc: READ_ONLY_DOC, readOnly: true, label: "Cell 2 code (read-only)",
  }),
};
$("mounted").textContent = "yes";
"""


def _harness() -> bytes:
    return (
        f"const DOC = {json.dumps(DOC)};\nconst READ_ONLY_DOC = {json.dumps(READ_ONLY_DOC)};\n"
    ).encode() + HARNESS


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
            if self.path == "/favicon.ico":
                self.send_response(204)
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


def cell(page: Page):
    return page.get_by_role("textbox", name="Cell 1 code")


def value(page: Page, name: str = "cell") -> str:
    return page.evaluate(f"editors.{name}.getValue()")


def put_cursor_at_end(page: Page) -> None:
    page.evaluate("editors.cell.focus()")
    expect(cell(page)).to_be_focused()
    page.keyboard.press("Control+End")


def assert_clean(page: Page) -> None:
    assert page.locator("#violations").input_value() == ""
    assert page.console_errors == []


def _contrast(rgb: str) -> float:
    """WCAG contrast ratio of an ``rgb(r, g, b)`` colour against white."""

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(part) for part in rgb[rgb.index("(") + 1 : -1].split(",")[:3])
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


def test_mounts_styled_and_labelled_under_the_site_csp(page, artifacts):
    editor = cell(page)
    expect(editor).to_have_attribute("aria-label", "Cell 1 code")
    expect(editor).to_have_attribute("aria-readonly", "false")
    expect(editor).to_have_attribute("contenteditable", "true")
    assert value(page) == DOC
    expect(editor).to_contain_text("def oee(availability, performance, quality):")
    # Styled although the CSP forbids inline <style>: the rules live in an adopted sheet.
    styles = page.locator("#cell .cm-editor").evaluate(
        """el => ({
            sheets: el.getRootNode().adoptedStyleSheets.length,
            border: getComputedStyle(el).borderTopColor,
            font: getComputedStyle(el.querySelector('.cm-scroller')).fontFamily,
            gutters: el.querySelectorAll('.cm-gutters').length,
        })"""
    )
    assert styles["sheets"] >= 1
    assert styles["border"] == "rgb(208, 215, 222)"
    assert "monospace" in styles["font"]
    assert styles["gutters"] == 1  # lineNumbers: true
    assert page.locator("#ro .cm-gutters").count() == 0  # off by default
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    page.locator("#cell").screenshot(path=str(artifacts / "editor_bundle-cell.png"))
    page.screenshot(path=str(artifacts / "editor_bundle-page.png"), full_page=True)
    assert_clean(page)


def test_python_is_highlighted_in_aa_contrast(page):
    def colour(text: str) -> str:
        token = page.locator("#cell .cm-line span").filter(has_text=text).first
        return token.evaluate("el => getComputedStyle(el).color")

    for keyword in ("def", "return", "class", "import"):
        assert colour(keyword) == "rgb(207, 34, 46)", keyword
    assert colour('"""Overall') == "rgb(10, 48, 105)"
    assert colour("# 0..1") == "rgb(87, 96, 106)"
    assert colour("42") == "rgb(5, 80, 174)"
    token_colours = page.locator("#cell .cm-content").evaluate(
        "el => [...new Set([...el.querySelectorAll('span')].map(s => getComputedStyle(s).color))]"
    )
    assert len(token_colours) >= 6
    low = {c: round(_contrast(c), 2) for c in token_colours if _contrast(c) < 4.5}
    assert low == {}
    assert_clean(page)


def test_typing_changes_the_value_and_calls_on_change(page):
    put_cursor_at_end(page)
    page.keyboard.type("x = 1")
    expect(page.locator("#last-change")).to_have_value(DOC + "x = 1")
    assert value(page) == DOC + "x = 1"
    expect(page.locator("#changes")).to_have_text("5")
    # History: undo takes the typing back out.
    page.keyboard.press("Control+z")
    expect(page.locator("#last-change")).to_have_value(DOC)
    assert_clean(page)


def test_run_keys_call_the_page_and_insert_nothing(page):
    put_cursor_at_end(page)
    page.keyboard.press("Shift+Enter")
    expect(page.locator("#advances")).to_have_text("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#runs")).to_have_text("1")
    expect(page.locator("#advances")).to_have_text("1")
    assert value(page) == DOC
    expect(page.locator("#changes")).to_have_text("0")
    assert_clean(page)


def test_tab_indents_and_escape_then_tab_leaves(page):
    page.evaluate("editors.cell.setValue('total = 0')")
    page.evaluate("editors.cell.focus()")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    expect(page.locator("#last-change")).to_have_value("    total = 0")
    expect(cell(page)).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(page.locator("#after")).to_be_focused()
    assert value(page) == "    total = 0"
    # Shift+Tab comes back; Tab indents again once any other key has ended the escape (or
    # after CodeMirror's two seconds).
    page.keyboard.press("Shift+Tab")
    expect(cell(page)).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    expect(page.locator("#last-change")).to_have_value("        total = 0")
    assert_clean(page)


def test_auto_indent_and_closing_brackets(page):
    page.evaluate("editors.cell.setValue('')")
    page.evaluate("editors.cell.focus()")
    page.keyboard.type("for tag in tags:")
    page.keyboard.press("Enter")
    page.keyboard.type("print(tag")
    expect(page.locator("#last-change")).to_have_value("for tag in tags:\n    print(tag)")
    page.keyboard.type(")")  # types over the closing bracket
    page.keyboard.press("Enter")
    page.keyboard.type("else:")  # indentOnInput dedents the `else`
    expect(page.locator("#last-change")).to_have_value("for tag in tags:\n    print(tag)\nelse:")
    assert_clean(page)


def test_read_only_rejects_typing_until_made_editable(page):
    ro = page.get_by_role("textbox", name="Cell 2 code (read-only)")
    expect(ro).to_have_attribute("aria-readonly", "true")
    expect(ro).to_have_attribute("contenteditable", "false")
    ro.click()
    page.keyboard.type("zzz")
    page.keyboard.press("Enter")
    assert value(page, "ro") == READ_ONLY_DOC
    page.evaluate("editors.ro.setReadOnly(false)")
    expect(ro).to_have_attribute("aria-readonly", "false")
    expect(ro).to_have_attribute("contenteditable", "true")
    page.evaluate("editors.ro.focus()")
    page.keyboard.press("Control+End")
    page.keyboard.type("df = None")
    expect(ro).to_contain_text("df = None")
    assert value(page, "ro") == READ_ONLY_DOC + "df = None"
    page.evaluate("editors.ro.destroy()")
    expect(page.locator("#ro .shopfloor-editor")).to_have_count(0)
    assert_clean(page)

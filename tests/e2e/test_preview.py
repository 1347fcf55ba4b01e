"""`flask curriculum preview` in a real browser: the page follows the author's edits.

The preview is built as the command builds it (a temporary database migrated with Alembic,
the watcher polling the files) and served on a free loopback port.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import nbformat
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.preview import server
from tests.conftest import FIXTURE_CURRICULA
from tests.databases import SECRET, TEMPLATES
from tests.e2e.layout import assert_no_sideways_scroll
from tests.sandbox.labs_fixture import source_notebook

pytestmark = pytest.mark.e2e


def _loading(environ, start_response):  # replaced before anything is served
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"loading"]


@contextmanager
def serving(tmp_path, make_check=None) -> Iterator:
    """A preview of a copy of the 'good' fixture tree (and a lab), watched every 0.1 s."""
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    labs = tmp_path / "labs"
    labs.mkdir()
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"].update(id="lab-demo", title="A demo lab")
    nbformat.write(notebook, labs / "lab-demo.ipynb")
    http = make_server("127.0.0.1", 0, _loading, threaded=True)
    base = f"http://127.0.0.1:{http.server_port}"
    preview = server.build(
        root,
        labs,
        base_url=base,
        make_check=make_check,
        overrides={
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "RATELIMIT_ENABLED": False,
            "LAB_WORKERS": 0,
            "SANDBOX": {"backend": "fake"},
            "TEMPLATE_BYTECODE_CACHE": TEMPLATES,
        },
    )
    http.app = preview.app
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    preview.watch(interval=0.1)
    try:
        yield preview, preview.entry_url(base)
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=10)
        preview.close()


@pytest.fixture
def preview_site(tmp_path) -> Iterator:
    with serving(tmp_path) as site:
        yield site


def test_the_open_lesson_follows_edits_and_shows_a_broken_file(preview_site, ui):
    preview, entry = preview_site
    root = preview.session.root
    lesson = root / "demo-course" / "m1-basics" / "01-first.md"
    module = root / "demo-course" / "m1-basics" / "module.yml"

    ui.goto(entry)
    expect(ui.get_by_role("heading", level=1)).to_have_text("Your curriculum, as learners see it")
    ui.get_by_role("link", name="Demo Course").click()
    ui.get_by_role("link", name="Start: The first lesson").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("The first lesson")
    expect(ui.get_by_text("many times a second")).to_be_visible()
    expect(ui.locator("[data-preview-live]")).to_have_text("watching your files")
    ui.mouse.wheel(0, 250)
    ui.wait_for_function("window.scrollY > 100")
    scrolled = ui.evaluate("window.scrollY")

    # The author saves the lesson: the page shows the new text, where the reader was.
    lesson.write_text(lesson.read_text().replace("many times a second", "every few milliseconds"))
    expect(ui.get_by_text("every few milliseconds")).to_be_visible()
    expect(ui.get_by_text("many times a second")).to_have_count(0)
    ui.wait_for_function(f"Math.abs(window.scrollY - {scrolled}) < 40")

    # A broken module.yml: its problem appears inline, the lesson stays as last loaded.
    module.write_text(module.read_text().replace("title: Basics", "title: [Basics"))
    banner = ui.locator("[data-preview-banner]")
    expect(banner).to_contain_text("1 error")
    problem = banner.get_by_role("listitem").filter(has_text="E-YAML")
    expect(problem).to_contain_text("This page")
    expect(problem).to_contain_text("demo-course/m1-basics/module.yml:3")
    expect(ui.get_by_text("every few milliseconds")).to_be_visible()
    ui.evaluate("window.scrollTo(0, 0)")
    assert_no_sideways_scroll(ui)
    ui.shot("lesson-problem")

    # Fixed: the problem goes away by itself.
    module.write_text(module.read_text().replace("title: [Basics", "title: Basics"))
    expect(banner.get_by_text("E-YAML")).to_have_count(0)
    expect(banner).to_contain_text("0 errors")
    assert ui.console_errors == []


class HeldCheck:
    """Stands for `flask labs check --seeds 1`: grades one notebook, then waits to be let go."""

    report = "ok   lab-demo: reference 5/5, learner version 0/5 on seed 1"

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, lab, progress):
        progress()
        self.release.wait(timeout=30)
        progress()
        return True, self.report


@pytest.mark.viewport("desktop")
def test_check_this_lab_shows_its_progress_and_then_the_result(tmp_path, ui):
    check = HeldCheck()
    with serving(tmp_path, make_check=lambda app: check) as (preview, entry):
        ui.goto(entry)
        ui.get_by_role("link", name="A demo lab").click()
        expect(ui.get_by_role("heading", level=1)).to_have_text("A demo lab")
        ui.get_by_role("button", name="Check this lab").click()
        expect(ui.locator("[data-check-text]")).to_have_text("Checking: 1 of 2 notebooks graded…")
        ui.shot("lab-checking")
        check.release.set()
        expect(ui.get_by_text("Passed in")).to_be_visible()
        expect(ui.get_by_text(check.report)).to_be_visible()
        expect(ui.get_by_role("button", name="Check again")).to_be_visible()
        ui.shot("lab-checked")
        assert ui.console_errors == []

"""The preview session: validate, sync into the preview's database, keep problems and the
generation pages reload on. Changes go through the real watcher where timing matters."""

from __future__ import annotations

import threading
import time

import nbformat
import pytest
from sqlalchemy import select

from app import policy
from app.errors import Conflict
from app.extensions import db
from app.models import Lesson
from app.preview.watch import Watcher

DEADLINE = 15.0  # seconds a change may take to be seen, validated and synced


def lesson_title(app, slug: str = "demo-first") -> str | None:
    """The title of the lesson as learners see it (None once it is archived)."""
    with app.app_context():
        return db.session.scalar(
            select(Lesson.title).where(Lesson.slug == slug, Lesson.archived_at.is_(None))
        )


def lesson_source(app, slug: str = "demo-first") -> str:
    with app.app_context():
        return db.session.scalar(select(Lesson.source).where(Lesson.slug == slug))


def errors(session) -> list:
    return [p for p in session.problems if p.severity == "error"]


def codes(session) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in errors(session)}


@pytest.fixture
def watching(preview_app):
    """The session of *preview_app*, fed by a watcher polling every 10 ms in a thread."""
    session = preview_app.extensions["preview"]
    stop = threading.Event()
    watcher = Watcher(session.watched, interval=0.01)
    thread = threading.Thread(target=watcher.run, args=(session.refresh, stop), daemon=True)
    thread.start()
    yield session
    stop.set()
    thread.join(timeout=DEADLINE)


def wait_past(session, generation: int, until=lambda: True) -> int:
    """The generation once it has moved past *generation* and *until()* holds: each change
    moves it on, and one save can take two polls to be seen whole."""
    end = time.monotonic() + DEADLINE
    seen = generation
    while time.monotonic() < end:
        seen = session.wait_for_change(seen, end - time.monotonic())
        if seen != generation and until():
            return seen
    raise AssertionError(f"no generation past {generation} with the change within {DEADLINE} s")


def test_start_loads_the_tree_and_makes_an_author_who_sees_drafts(preview_app):
    session = preview_app.extensions["preview"]
    assert session.generation == 1
    assert errors(session) == []
    assert lesson_title(preview_app) == "The first lesson"
    with preview_app.app_context():
        assert policy.can_preview_drafts(session.author())
    assert session.files.lessons["demo-first"].files == (
        "demo-course/m1-basics/01-first.md",
        "demo-course/m1-basics/module.yml",
        "demo-course/course.yml",
    )


def test_editing_a_lesson_moves_the_generation_on_and_syncs_it(preview_app, tree, watching):
    text = tree.lesson.read_text()
    tree.lesson.write_text(text.replace("many times a second", "about every 10 ms"))
    wait_past(watching, 1, until=lambda: "about every 10 ms" in lesson_source(preview_app))
    assert errors(watching) == []


def test_a_broken_file_is_listed_and_the_last_good_content_kept_until_fixed(
    preview_app, tree, watching
):
    good_module = tree.module.read_text()
    text = tree.lesson.read_text()
    tree.lesson.write_text(text.replace("title: The first lesson", "title: The first lesson, v2"))
    generation = wait_past(
        watching, 1, until=lambda: lesson_title(preview_app) == "The first lesson, v2"
    )

    # Break the module and edit the lesson: the problem is listed, nothing is loaded.
    tree.module.write_text(good_module.replace("title: Basics", "title: [Basics"))
    tree.lesson.write_text(text.replace("title: The first lesson", "title: The first lesson, v3"))
    generation = wait_past(watching, generation, until=lambda: bool(errors(watching)))
    assert codes(watching) == {("demo-course/m1-basics/module.yml", "E-YAML")}
    problem = errors(watching)[0]
    assert problem.line == 3 and "expected ',' or ']'" in problem.message
    assert lesson_title(preview_app) == "The first lesson, v2"  # the last good content

    # Fixed: the problem goes, and what was saved meanwhile is loaded.
    tree.module.write_text(good_module)
    wait_past(watching, generation, until=lambda: not errors(watching))
    assert lesson_title(preview_app) == "The first lesson, v3"


def test_the_banner_names_the_pages_own_problems_first(preview_app, tree):
    session = preview_app.extensions["preview"]
    tree.module.write_text(tree.module.read_text().replace("title: Basics", "title: [Basics"))
    third = tree.root / "demo-course" / "m2-more" / "01-third.md"
    third.write_text(third.read_text().replace("---\n", "---\nid: [\n", 1))
    session.refresh({tree.module, third})

    banner = session.banner(session.files.lessons["demo-first"].files)
    assert [(p.path, p.severity) for p in banner.here] == [
        ("demo-course/m1-basics/module.yml", "error"),  # errors first
        ("demo-course/course.yml", "warning"),  # W-COURSE-HOURS: the page's course
    ]
    assert [p.path for p in banner.others] == ["demo-course/m2-more/01-third.md"]
    assert (banner.errors, banner.warnings, banner.more) == (2, 1, 0)
    elsewhere = session.banner(())
    assert banner.generation == elsewhere.generation == 2
    assert elsewhere.here == () and len(elsewhere.others) == 2


def test_a_lab_notebook_is_built_into_the_previews_folder_only(preview_app, tree):
    session = preview_app.extensions["preview"]
    notebook = tree.add_lab()
    session.refresh({notebook})
    build = session.lab("lab-demo")
    assert build.problems == () and build.title == "A demo lab"
    assert build.learner == tree.work / "learner" / "lab-demo.ipynb"
    learner = nbformat.read(build.learner, as_version=4)
    sources = "\n".join(cell.source for cell in learner.cells)
    assert "raise NotImplementedError()" in sources
    assert "BEGIN SOLUTION" not in sources and "__cases" not in sources  # no solution, no hidden
    assert not (tree.labs / "learner").exists()


def test_a_broken_lab_notebook_is_a_problem_of_its_file(preview_app, tree):
    session = preview_app.extensions["preview"]
    notebook = tree.add_lab()
    data = nbformat.read(notebook, as_version=4)
    del data.metadata["shopfloor"]["checks"]
    nbformat.write(data, notebook)
    session.refresh({notebook})
    assert codes(session) == {("labs/lab-demo.ipynb", "E-LAB-NOTEBOOK")}
    assert "lists no checks" in errors(session)[0].message
    assert session.lab("lab-demo").learner is None


GENERATOR = """\
import shutil
from pathlib import Path
{fail}
here = Path(__file__).resolve().parent
shutil.copy(here / "lab-demo.template", here.parent / "lab-demo.ipynb")
"""


def test_a_changed_generator_is_run_and_its_failure_shown_at_its_line(preview_app, tree):
    session = preview_app.extensions["preview"]
    src = tree.labs / "src"
    src.mkdir()
    nbformat.write(nbformat.read(tree.add_lab(), as_version=4), src / "lab-demo.template")
    (tree.labs / "lab-demo.ipynb").unlink()
    generator = src / "lab-demo.py"
    generator.write_text(GENERATOR.format(fail='raise ValueError("no data for line 3")'))
    session.refresh({generator})
    assert codes(session) == {
        ("labs/src/lab-demo.py", "E-LAB-GENERATOR"),
        ("labs/lab-demo.ipynb", "E-LAB-NOTEBOOK"),
    }
    failed = next(p for p in session.problems if p.code == "E-LAB-GENERATOR")
    assert failed.line == 3 and failed.message.endswith("ValueError: no data for line 3")

    generator.write_text(GENERATOR.format(fail=""))
    session.refresh({generator})
    assert errors(session) == []
    assert (tree.labs / "lab-demo.ipynb").exists()  # the generator wrote it
    assert session.lab("lab-demo").learner.exists()


def test_a_generator_that_hangs_is_stopped(preview_app, tree):
    session = preview_app.extensions["preview"]
    (tree.labs / "src").mkdir()
    generator = tree.labs / "src" / "lab-slow.py"
    generator.write_text("import threading\nthreading.Event().wait()\n")
    session.labs.timeout = 0.5
    session.refresh({generator})
    assert codes(session) >= {("labs/src/lab-slow.py", "E-LAB-GENERATOR")}
    hung = next(p for p in errors(session) if p.code == "E-LAB-GENERATOR")
    assert hung.message == "did not finish within 0.5 s"


def test_helpers_in_labs_src_run_nothing(preview_app, tree):
    session = preview_app.extensions["preview"]
    (tree.labs / "src").mkdir()
    helper = tree.labs / "src" / "_notebook.py"
    helper.write_text("raise SystemExit(1)\n")
    session.refresh({helper})
    assert errors(session) == []


def test_a_lab_check_runs_in_the_background_and_keeps_its_result(preview_app, tree, fake_check):
    session = preview_app.extensions["preview"]
    session.refresh({tree.add_lab()})
    state = session.start_check("lab-demo")
    assert (state.running, state.total) == (True, 2)  # the reference and the learner version
    session.checks.join(timeout=DEADLINE)
    done = session.check_status("lab-demo")
    assert (done.running, done.passed, done.done) == (False, True, 2)
    assert done.text == fake_check.text and fake_check.labs == ["lab-demo"]


def test_one_check_at_a_time_and_never_of_a_broken_lab(preview_app, tree):
    session = preview_app.extensions["preview"]
    session.refresh({tree.add_lab()})
    release = threading.Event()
    session.checks._run = lambda lab, progress: (release.wait(DEADLINE), "done")
    session.start_check("lab-demo")
    with pytest.raises(Conflict, match="still running"):
        session.start_check("lab-demo")
    release.set()
    session.checks.join(timeout=DEADLINE)

    notebook = tree.labs / "lab-demo.ipynb"
    notebook.write_text("{}")
    session.refresh({notebook})
    with pytest.raises(Conflict, match="Fix the lab's problems first"):
        session.start_check("lab-demo")

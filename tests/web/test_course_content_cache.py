"""Lesson pages serve what depends only on content from memory, and never serve it stale."""

from __future__ import annotations

import re
import shutil

from sqlalchemy import event

from app.extensions import db
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sign_in, sync_tree

FIRST = "/courses/demo-course/lessons/demo-first"
COURSE = "/courses/demo-course"


def signed_in(app):
    client = app.test_client()
    with app.app_context():
        user = factories.make_user()
        db.session.commit()
        sign_in(client, user)
    return client


def statements(app) -> list[str]:
    """Every SQL statement the app runs from now on."""
    seen: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_warm_lesson_page_reads_only_the_learners_own_rows(synced):
    """A class opening the same lesson: after the first view, the lesson, its module, its
    questions and the course's lesson order come from memory; each learner's first view
    reads the course row (is it still published?) and their own progress and answers, and
    their next views, while nothing changed, one row: their session and versions."""
    client = signed_in(synced)
    assert client.get(FIRST).status_code == 200
    other = signed_in(synced)
    seen = statements(synced)
    page = other.get(FIRST).get_data(as_text=True)
    assert "The first lesson" in page and "Never reach into a running machine." in page
    tables = {t for sql in seen for t in re.findall(r"\bFROM (\w+)", sql)}
    assert not tables & {"lessons", "modules", "questions"}, seen
    assert {"courses", "lesson_completions", "quiz_attempts"} <= tables
    assert len(seen) <= 6, seen

    seen.clear()
    assert other.get(FIRST).get_data(as_text=True) == page
    assert len(seen) == 1 and "page_versions" in seen[0], seen


def test_a_new_sync_shows_at_once_in_a_process_that_kept_the_old_content(synced, tmp_path):
    """Same version name, new files (a sync from an edited folder): nothing kept is served."""
    client = signed_in(synced)
    assert "Never reach into a running machine." in client.get(FIRST).get_data(as_text=True)
    assert "The second lesson" in client.get(COURSE).get_data(as_text=True)

    tree = tmp_path / "edited"
    shutil.copytree(FIXTURE_CURRICULA / "good", tree)
    first = tree / "demo-course" / "m1-basics" / "01-first.md"
    first.write_text(
        first.read_text()
        .replace("Never reach into a running machine.", "Lock out, tag out, try out.")
        .replace("title: The first lesson", "title: The very first lesson")
    )
    second = tree / "demo-course" / "m1-basics" / "02-second.md"
    second.write_text(second.read_text().replace("The second lesson", "Lesson two, renamed"))
    with synced.app_context():
        sync_tree(tree)

    page = client.get(FIRST).get_data(as_text=True)
    assert "Lock out, tag out, try out." in page and "Never reach into" not in page
    assert "The very first lesson" in page
    assert "Lesson two, renamed" in page  # the "Next" link names the renamed lesson
    outline = client.get(COURSE).get_data(as_text=True)
    assert "The very first lesson" in outline and "Lesson two, renamed" in outline

"""A signed-in lesson page served again from memory shows what a fresh render would show.

Each test first proves the page was served from the cache (``hits``), then changes one
thing the page shows and asserts the learner sees the change at once.
"""

from __future__ import annotations

import re
import shutil

import pytest
from flask import template_rendered
from sqlalchemy import select, update

from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import User
from app.services import login_sessions
from app.web.page_cache import PageCache
from tests import factories
from tests.conftest import csrf_token, sign_in

LESSON = "/courses/demo-course/lessons/demo-first"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


def learner(app, client, name="Ana Learner", role=Role.APPRENTICE) -> int:
    with app.app_context():
        org = factories.make_org() if role is not Role.APPRENTICE else None
        user = factories.make_user(name=name, role=role, org=org)
        db.session.commit()
        sign_in(client, user)
        return user.id


def cache(app) -> PageCache:
    return app.extensions["page_cache"]


def read_twice(app, client, path=LESSON) -> str:
    """Read *path* twice; the second read must come from the cache. Returns its page.

    Also proves the test that follows can fail: its change lands on a cached page."""
    first = client.get(path)
    assert first.status_code == 200
    hits = cache(app).hits
    second = client.get(path)
    assert cache(app).hits == hits + 1, "the second read was rendered again"
    assert second.get_data() == first.get_data()
    return second.get_data(as_text=True)


def test_a_second_read_is_served_from_memory_and_is_the_same_page(synced, client):
    learner(synced, client)
    page = read_twice(synced, client)
    assert "The first lesson" in page and "Ana Learner" in page


def test_each_learner_gets_their_own_page(synced):
    ana, ben = synced.test_client(), synced.test_client()
    learner(synced, ana, "Ana Learner")
    learner(synced, ben, "Ben Apprentice")
    read_twice(synced, ana)
    page = ben.get(LESSON).get_data(as_text=True)
    assert "Ben Apprentice" in page and "Ana Learner" not in page
    assert csrf_token(page) != csrf_token(ana.get(LESSON).get_data(as_text=True))


def test_completing_the_lesson_shows_at_once(synced, client):
    learner(synced, client)
    page = read_twice(synced, client)
    assert "tag-done" not in page
    client.post(f"{LESSON}/complete", data={"csrf_token": csrf_token(page), "done": "1"})
    assert "tag-done" in client.get(LESSON).get_data(as_text=True)


def test_an_answer_shows_at_once(synced, client):
    learner(synced, client)
    page = read_twice(synced, client)
    with synced.app_context():
        from app.models import Question
        from app.services.quizzes import spec_of

        question = db.session.scalar(select(Question).where(Question.slug == "demo-first-q1"))
        right = next(c.key for c in spec_of(question).choices if c.text == "Read inputs")
    client.post(
        "/courses/demo-course/questions/demo-first-q1",
        json={"answer": right},
        headers={"X-CSRFToken": csrf_token(page), "Accept": "application/json"},
    )
    after = client.get(LESSON).get_data(as_text=True)
    assert after != page and "Inputs are read into the input image first" in after


def test_a_new_version_of_the_curriculum_shows_at_once(synced, client, tmp_path):
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    learner(synced, client)
    read_twice(synced, client)
    tree = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", tree)
    first = tree / "demo-course" / "m1-basics" / "01-first.md"
    first.write_text(first.read_text().replace("title: The first lesson", "title: Scan cycles"))
    with synced.app_context():
        sync_tree(tree)
    assert '<h1 id="lesson-title">Scan cycles</h1>' in client.get(LESSON).get_data(as_text=True)


def test_a_bulk_change_outside_the_unit_of_work_shows_at_once(synced, client):
    user_id = learner(synced, client)
    read_twice(synced, client)
    with synced.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(name="Ana Bulk"))
        db.session.commit()
    assert "Ana Bulk" in client.get(LESSON).get_data(as_text=True)


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "rolled back"])
def test_a_renamed_learner_sees_their_name_once_it_is_committed(synced, client, committed):
    user_id = learner(synced, client)
    read_twice(synced, client)
    with synced.app_context():
        db.session.get(User, user_id).name = "Ana Renamed"
        db.session.flush()
        if committed:
            db.session.commit()
        else:
            db.session.rollback()
    hits = cache(synced).hits
    page = client.get(LESSON).get_data(as_text=True)
    assert ("Ana Renamed" in page) is committed
    assert cache(synced).hits == hits + (not committed)  # a rollback moves no version


@pytest.mark.parametrize("how", ["signed out everywhere", "deactivated", "session expired"])
def test_a_session_that_ended_is_never_served_the_page(synced, client, how):
    user_id = learner(synced, client)
    read_twice(synced, client)
    with synced.app_context():
        user = db.session.get(User, user_id)
        if how == "signed out everywhere":
            login_sessions.end_all(user)
        elif how == "deactivated":
            user.active = False
        else:
            from app.models import LoginSession

            db.session.execute(
                update(LoginSession)
                .where(LoginSession.user_id == user_id)
                .values(created_at=utcnow() - synced.permanent_session_lifetime)
            )
        db.session.commit()
    response = client.get(LESSON)
    assert response.status_code in (302, 403)
    assert "The first lesson" not in response.get_data(as_text=True)


def test_a_session_used_from_another_browser_goes_through_session_protection(synced, client):
    """A copied cookie sent by another browser is never answered from the cache: the
    sign-in check runs (and, in Flask-Login's basic mode, marks the session not fresh)."""
    learner(synced, client)
    read_twice(synced, client)
    hits = cache(synced).hits
    client.get(LESSON, headers={"User-Agent": "Another browser/1.0"})
    assert cache(synced).hits == hits
    with client.session_transaction() as session:
        assert session["_fresh"] is False


def test_a_waiting_message_shows_once_and_is_not_kept(synced, client):
    learner(synced, client)
    read_twice(synced, client)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Your cohort starts on Monday.")]
    assert "Your cohort starts on Monday." in client.get(LESSON).get_data(as_text=True)
    assert "Your cohort starts on Monday." not in client.get(LESSON).get_data(as_text=True)


def test_a_lesson_the_learner_may_no_longer_read_is_refused(synced, client):
    learner(synced, client)
    read_twice(synced, client)
    with synced.app_context():
        from app.models import Course

        db.session.scalar(select(Course)).published = False
        db.session.commit()
    assert client.get(LESSON).status_code == 403


def test_without_a_session_the_lesson_asks_to_sign_in(synced, client):
    assert client.get(LESSON).status_code == 302


def test_the_cache_can_be_turned_off(make_app):
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    app = make_app(PAGE_CACHE_BYTES=0)
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    client = app.test_client()
    learner(app, client)
    assert app.extensions["page_cache"] is None
    rendered = []

    def note(sender, template, context, **extra):
        rendered.append(template.name)

    with template_rendered.connected_to(note, app):
        pages = [client.get(LESSON).get_data(as_text=True) for _ in range(2)]
    assert rendered.count("courses/lesson.html") == 2  # each read rendered the page anew
    # The same page both times, but for the CSRF token, which carries the second it was made in.
    assert TOKEN.sub("", pages[0]) == TOKEN.sub("", pages[1])
    assert "The first lesson" in pages[1]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_and_the_memory_stays_within_its_budget():
    clock = Clock()
    pages = PageCache(max_bytes=8_000, seconds=60, clock=clock)
    pages.put("a", b"x" * 900)
    assert pages.get("a") == b"x" * 900
    clock.now = 61
    assert pages.get("a") is None and pages.size == 0
    for n in range(20):
        pages.put(str(n), b"y" * 900)
    assert pages.size <= 8_000 and pages.get("19") is not None and pages.get("0") is None
    pages.put("huge", b"z" * 1_001)  # over an eighth of the budget: never kept
    assert pages.get("huge") is None

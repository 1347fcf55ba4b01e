"""Rendered lessons shared between processes through Redis, and pages that never need it."""

from __future__ import annotations

import json
import logging
import re
import uuid

import pytest
import redis

from app.content import markdown
from app.extensions import db
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sign_in, sync_tree

FIRST = "/courses/demo-course/lessons/demo-first"
SECOND = "/courses/demo-course/lessons/demo-second"
THIRD = "/courses/demo-course/lessons/demo-third"
REFUSING_REDIS = "redis://127.0.0.1:1/9"  # nothing listens on port 1
LOGGER = "app.web.lesson_render"


@pytest.fixture
def shared_redis(redis_url):
    """The suite's Redis in a database of its own (9), under a prefix only this test uses."""
    url = re.sub(r"/\d+$", "", redis_url) + "/9"
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url(url)
    yield url, prefix, client
    for name in client.scan_iter(f"{prefix}*"):
        client.delete(name)
    client.close()


@pytest.fixture
def renders(monkeypatch):
    """Start counting the Markdown renderer's runs (after the sync, which renders too)."""

    def start() -> list[str]:
        calls: list[str] = []
        render = markdown.render

        def counting(source, **kwargs):
            calls.append(source[:40])
            return render(source, **kwargs)

        monkeypatch.setattr(markdown, "render", counting)
        return calls

    return start


def signed_in_client(app):
    client = app.test_client()
    with app.app_context():
        user = factories.make_user()
        db.session.commit()
        sign_in(client, user)
    return client


def test_a_lesson_rendered_by_one_process_is_not_rendered_again_by_another(
    make_app, shared_redis, renders
):
    """Two web processes (two apps on one database and one Redis): the second one serves the
    lesson the first one rendered, from Redis, without rendering it."""
    url, prefix, client = shared_redis
    first = make_app(REDIS_URL=url, REDIS_PREFIX=prefix, LESSON_CACHE_REDIS_SECONDS=600)
    with first.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    second = make_app(REDIS_URL=url, REDIS_PREFIX=prefix, LESSON_CACHE_REDIS_SECONDS=600)
    calls = renders()

    page = signed_in_client(first).get(FIRST).get_data(as_text=True)
    assert "Never reach into a running machine." in page
    assert len(calls) == 1
    (name,) = client.scan_iter(f"{prefix}lesson-render:*")
    assert 0 < client.ttl(name) <= 600
    signature, _, body = client.get(name).partition(b".")
    assert re.fullmatch(rb"[0-9a-f]{64}", signature)
    assert "Never reach into a running machine." in json.dumps(json.loads(body))  # JSON, not pickle

    shown = signed_in_client(second).get(FIRST).get_data(as_text=True)
    assert len(calls) == 1  # the second process did not render it
    assert _lesson_body(shown) == _lesson_body(page)
    cache = second.extensions["lesson_cache"]
    assert (cache.shared_hits, cache.rendered) == (1, 0)


def test_a_new_release_of_the_renderer_renders_again_rather_than_serve_the_old_html(
    make_app, shared_redis, renders, monkeypatch
):
    """What an older renderer left in Redis (a release ago, same lesson, same secret) is not
    served once the rendering code has changed: the lesson is rendered by the new code."""
    from app.web import lesson_render

    url, prefix, client = shared_redis
    config = {"REDIS_URL": url, "REDIS_PREFIX": prefix, "LESSON_CACHE_REDIS_SECONDS": 600}
    old = make_app(**config)
    with old.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    monkeypatch.setattr(lesson_render, "RENDERER", "an-older-renderer")
    signed_in_client(old).get(FIRST)
    monkeypatch.undo()
    calls = renders()
    new = make_app(**config)
    signed_in_client(new).get(FIRST)
    assert len(calls) == 1  # rendered again by this release
    assert len(list(client.scan_iter(f"{prefix}lesson-render:*"))) == 2


def test_a_value_in_redis_that_this_site_did_not_sign_is_never_served(
    make_app, shared_redis, renders
):
    """Whoever can write to Redis must not be able to put script into a lesson page."""
    url, prefix, client = shared_redis
    first = make_app(REDIS_URL=url, REDIS_PREFIX=prefix)
    with first.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    signed_in_client(first).get(FIRST)
    (name,) = client.scan_iter(f"{prefix}lesson-render:*")
    signature, _, body = client.get(name).partition(b".")
    forged = body.replace(b"Never reach into", b"<script>alert(1)</script>")
    client.set(name, signature + b"." + forged)
    calls = renders()

    second = make_app(REDIS_URL=url, REDIS_PREFIX=prefix)
    page = signed_in_client(second).get(FIRST).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "Never reach into a running machine." in page
    assert len(calls) == 1  # rendered here instead


def test_lessons_are_served_when_redis_refuses_connections(make_app, renders, caplog):
    """Redis down: every page still renders, and the log says so once, not per request."""
    app = make_app(REDIS_URL=REFUSING_REDIS)
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    shared = app.extensions["lesson_cache"].shared
    now = [100.0]
    shared.clock = lambda: now[0]
    calls = renders()
    client = signed_in_client(app)
    caplog.set_level(logging.INFO, logger=LOGGER)
    for url in (FIRST, SECOND, FIRST):
        assert client.get(url).status_code == 200
    now[0] += shared.PAUSE_SECONDS + 1  # Redis is asked again, and still refuses
    response = client.get(THIRD)
    assert response.status_code == 200 and "The third lesson" in response.get_data(as_text=True)
    assert len(calls) == 3  # each lesson rendered once, here
    warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Redis failed" in warnings[0].getMessage()


def _lesson_body(page: str) -> str:
    """The rendered lesson, without the session's CSRF tokens in its quiz forms."""
    body = page[page.index('<div class="lesson-body">') : page.index('class="complete-form"')]
    return re.sub(r'name="csrf_token" value="[^"]*"', "", body)

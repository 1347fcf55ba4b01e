"""The app wires its database, engine and web layer on first use, once (app.application)."""

from __future__ import annotations

import threading

import pytest
from flask import render_template_string, url_for

from app.application import SetupFailed, Shopfloor
from app.extensions import db


def counting_app(setup=None) -> tuple[Shopfloor, list[str]]:
    calls: list[str] = []
    app = Shopfloor(__name__)

    def wire(app):
        calls.append(threading.current_thread().name)
        app.add_url_rule("/hello", "hello", lambda: "hello")
        app.add_template_filter(lambda text: text.upper(), "shout")
        if setup:
            setup(app)

    app.defer_setup(wire)
    return app, calls


def test_building_the_app_wires_nothing_yet(app):
    assert not app._setup_done
    assert "sqlalchemy" not in app._extensions


def build_url(app) -> bool:
    with app.test_request_context("/"):
        return url_for("hello") == "/hello"


def render(app) -> bool:
    with app.app_context():
        return render_template_string("{{ 'a'|shout }}") == "A"


@pytest.mark.parametrize(
    "first_use",
    [
        lambda app: app.test_client().get("/hello").get_data(as_text=True) == "hello",
        build_url,
        render,
        lambda app: "hello" in {rule.endpoint for rule in app.url_map.iter_rules()},
    ],
    ids=["request", "url_for", "template", "url_map"],
)
def test_each_way_in_wires_the_app_before_it_is_used(first_use):
    app, calls = counting_app()
    assert calls == []
    assert first_use(app)
    assert len(calls) == 1


def test_the_flask_command_setting_debug_wires_nothing():
    app, calls = counting_app()
    app.debug = True
    assert calls == [] and app.debug is True
    assert app.jinja_env.auto_reload is True  # made later, it reads the flag
    assert len(calls) == 1


def test_a_database_statement_wires_the_app_first(app):
    with app.app_context():
        assert db.session.execute(db.text("SELECT 1")).scalar() == 1
    assert app._setup_done and "lab_engine" in app.extensions


def test_threads_arriving_together_wait_for_one_setup():
    started, release = threading.Event(), threading.Event()

    def slow(app):
        started.set()
        release.wait(10)

    app, calls = counting_app(slow)
    answers: list[str] = []
    threads = [
        threading.Thread(target=lambda: answers.append(app.test_client().get("/hello").text))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    assert started.wait(10)
    assert answers == []  # every thread waits for the one wiring the app
    release.set()
    for thread in threads:
        thread.join(10)
    assert answers == ["hello"] * 4 and len(calls) == 1


def test_a_failed_setup_fails_every_later_use_with_its_reason():
    def broken(app):
        raise RuntimeError("REDIS_URL cannot be reached")

    app, calls = counting_app(broken)
    with pytest.raises(RuntimeError, match="cannot be reached"):
        app.test_client().get("/hello")
    with pytest.raises(SetupFailed, match="could not start: REDIS_URL cannot be reached"):
        app.test_client().get("/hello")
    assert len(calls) == 1

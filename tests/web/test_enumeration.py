"""Registration, password reset and sign-in answer alike for addresses with and without accounts.

The review's cases: registering with a taken address said "An account for X already
exists", and forgot-password was consistently slower for real accounts (only they got a
database write). Now the answer and the work on the request path are the same; what
depends on the account happens off the request path (``web/deferred.py``).
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import event, func, select

from app.domain import passwords
from app.extensions import db
from app.models import PasswordResetToken, User
from tests import factories
from tests.conftest import csrf_token

TAKEN, FREE = "kai@plant.example", "nobody@plant.example"


class Recorder:
    """Stands in for the background runner: keeps the tasks so a test can run them later."""

    def __init__(self, real) -> None:
        self.real, self.tasks = real, []

    def submit(self, task, /, *args, **kwargs):
        self.tasks.append((task, args, kwargs))

    def run_all(self) -> None:
        for task, args, kwargs in self.tasks:
            self.real.submit(task, *args, **kwargs)


@pytest.fixture
def kai(app):
    with app.app_context():
        factories.make_user(email=TAKEN, name="Kai Okafor")
        db.session.commit()


@pytest.fixture
def recorder(app):
    recorder = Recorder(app.extensions["deferred"])
    app.extensions["deferred"] = recorder
    return recorder


def post_form(app, page: str, data: dict):
    """Post a form and return the answer with the SQL statements run while answering it."""
    client = app.test_client()
    token = csrf_token(client.get(page).get_data(as_text=True))
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post(page, data={"csrf_token": token, **data})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return response, statements


def page_text(response, email: str) -> str:
    text = response.get_data(as_text=True).replace(email, "ADDRESS")
    return re.sub(r'value="[^"]*"', "", text)  # CSRF tokens differ


def shape(tasks) -> list:
    """What was submitted, with the address left out."""
    return [(task.__qualname__, sorted(kwargs)) for task, _, kwargs in tasks]


def test_register_answers_the_same_for_a_taken_address_and_tells_its_owner(
    app, kai, recorder, outbox
):
    taken, taken_sql = post_form(app, "/register", {"name": "Eve", "email": TAKEN})
    free, free_sql = post_form(app, "/register", {"name": "Eve", "email": FREE})
    assert taken.status_code == free.status_code == 200
    assert page_text(taken, TAKEN) == page_text(free, FREE)
    assert "Check your email to finish" in page_text(free, FREE)
    assert taken_sql == free_sql == []  # no lookup while answering
    assert shape(recorder.tasks[:1]) == shape(recorder.tasks[1:])
    recorder.run_all()
    mails = {m.to: m for m in outbox()}
    assert set(mails) == {TAKEN, FREE}
    notice = mails[TAKEN]
    assert notice.subject == "You already have a Shopfloor account"
    assert "Hello Kai Okafor" in notice.body and "Nothing was changed" in notice.body
    assert "http://localhost/login" in notice.body
    assert "http://localhost/forgot-password" in notice.body
    assert "/register/" not in notice.body  # no way to make a second account for the address
    assert "http://localhost/register/" in mails[FREE].body
    assert "Eve" not in mails[FREE].body  # nothing the requester typed goes into the mail
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_forgot_password_does_the_same_work_while_answering_for_any_address(
    app, kai, recorder, outbox
):
    known, known_sql = post_form(app, "/forgot-password", {"email": TAKEN})
    unknown, unknown_sql = post_form(app, "/forgot-password", {"email": FREE})
    assert known.status_code == unknown.status_code == 200
    assert page_text(known, TAKEN) == page_text(unknown, FREE)
    assert known_sql == unknown_sql == []  # no lookup and no write while answering
    assert shape(recorder.tasks[:1]) == shape(recorder.tasks[1:])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    recorder.run_all()
    assert [m.to for m in outbox()] == [TAKEN]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 1


def test_account_work_runs_on_a_thread_of_its_own_when_not_testing(make_app):
    app = make_app(BACKGROUND_ACCOUNT_TASKS=True)
    runner = app.extensions["deferred"]
    assert runner.pool is not None
    seen: dict = {}

    def task(email: str) -> None:
        seen["thread"] = threading.current_thread().name
        factories.make_user(email=email)  # committed by the runner

    runner.submit(task, "bg@plant.example").result(timeout=30)
    assert seen["thread"].startswith("account-tasks")
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "bg@plant.example"

    def broken() -> None:
        factories.make_user(email="half@plant.example")
        raise RuntimeError("mail server down")

    runner.submit(broken).result(timeout=30)  # logged, rolled back, never raised
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
    runner.pool.shutdown(wait=True)


def test_sign_in_checks_a_password_hash_for_unknown_addresses_too(app, kai, monkeypatch):
    """An unknown address costs one Argon2 verification, like a known one."""
    with app.app_context():
        factories.make_user(email="gone@plant.example", active=False)
        db.session.commit()
    calls: list[str] = []
    real = passwords._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return real.verify(hash_, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    for email in (TAKEN, FREE, "gone@plant.example", "not an address"):
        calls.clear()
        response, _ = post_form(app, "/login", {"email": email, "password": "wrong-password-x"})
        assert "do not match an active account" in response.get_data(as_text=True)
        assert len(calls) == 1, email

"""The account pages over HTTP, with CSRF on: register, sign in/out, change and reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.extensions import db
from app.models import User
from tests import factories
from tests.conftest import sign_in, submit

NEW = "gearbox-thermal-drift-91"


def register(client, **fields):
    data = {"name": "Rosa Ramirez", "email": "rosa@plant.example"}
    return submit(client, "/register", {**data, **fields})


def finish_link(outbox) -> str:
    """The path of the newest registration link in the outbox."""
    mail = next(m for m in outbox() if m.subject == "Finish creating your Shopfloor account")
    return re.search(r"http://localhost(/register/\S+)", mail.body).group(1)


def finish(client, link, **fields):
    return submit(client, link, {"password": NEW, "confirm": NEW, **fields})


def test_register_confirms_the_address_then_creates_an_apprentice_and_signs_in(app, client, outbox):
    response = register(client, email="Rosa@Plant.EXAMPLE")
    assert response.status_code == 200
    assert "Check your email to finish" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 0  # nothing until the address is confirmed
    link = finish_link(outbox)
    assert [m.to for m in outbox()] == ["rosa@plant.example"]
    page = client.get(link).get_data(as_text=True)
    assert "Choose your password" in page and "rosa@plant.example" in page
    response = finish(client, link)
    assert response.status_code == 302 and response.location == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    shown = page.replace("<wbr>", "")  # addresses may wrap at '@' and dots, never mid-word
    assert "Hello, Rosa" in page and "rosa@plant.example" in shown
    with app.app_context():
        assert (
            db.session.query(User).filter_by(email="rosa@plant.example").one().role.value
            == "apprentice"
        )
    again = app.test_client()  # the link has done its work: the account exists now
    response = again.get(link)
    assert response.status_code == 200
    assert finish(again, link).location == "/login"


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"email": "rosa@"}, "That email address is not valid"),
        ({"email": "r" * 250 + "@plant.example"}, "Field cannot be longer than 254 characters"),
        ({"name": "R" * 121}, "Field cannot be longer than 120 characters"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_register_explains_bad_input(app, client, outbox, fields, message):
    response = register(client, **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert outbox() == []


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters"),
        ({"password": "password123", "confirm": "password123"}, "very common password"),
        ({"confirm": "something-else-entirely"}, "The two passwords differ"),
        ({"password": "rosaramirez-1", "confirm": "rosaramirez-1"}, "from your name or email"),
    ],
)
def test_finishing_registration_explains_a_bad_password(app, client, outbox, fields, message):
    register(client)
    response = finish(client, finish_link(outbox), **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_a_forged_or_expired_registration_link_is_refused(app, client, outbox):
    register(client)
    link = finish_link(outbox)
    assert client.get(link[:-3] + "abc").status_code == 410
    assert client.get("/register/not-a-token").status_code == 410
    hours = app.config["REGISTRATION_LINK_HOURS"]
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=hours, minutes=1)):
        assert "This link no longer works" in client.get(link).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_sign_in_with_wrong_password_fails_without_saying_which_part(app, client):
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    for email in ("kai@plant.example", "nobody@plant.example"):
        response = submit(client, "/login", {"email": email, "password": "wrong-password-x"})
        assert "do not match an active account" in response.get_data(as_text=True)


def test_sign_in_follows_next_only_within_the_site(app, client):
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    data = {"email": "kai@plant.example", "password": factories.PASSWORD}
    response = submit(client, "/login?next=/account/", data)
    assert response.location == "/account/"
    client.post("/logout", data={"csrf_token": _token(client, "/account/")})
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = submit(client, f"/login?next={evil}", data)
        assert response.location == "/dashboard", evil
        client.post("/logout", data={"csrf_token": _token(client, "/dashboard")})


def test_sign_out_is_a_post_and_ends_the_session(app, client):
    with app.app_context():
        sign_in(client, factories.make_user())
        db.session.commit()
    assert client.get("/logout").status_code == 405
    response = client.post("/logout", data={"csrf_token": _token(client, "/dashboard")})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_change_password_signs_out_other_sessions(app):
    with app.app_context():
        user = factories.make_user(email="kai@plant.example")
        db.session.commit()
        here, elsewhere = app.test_client(), app.test_client()
        sign_in(here, user)
        sign_in(elsewhere, user)
    data = {"current_password": factories.PASSWORD, "password": NEW, "confirm": NEW}
    response = submit(here, "/account/", data, action="/account/password")
    assert response.status_code == 302
    assert "Other devices have been signed out" in here.get("/account/").get_data(as_text=True)
    assert elsewhere.get("/dashboard").status_code == 302


def test_change_password_with_wrong_current_password_is_refused(app, client):
    with app.app_context():
        sign_in(client, factories.make_user())
        db.session.commit()
    data = {"current_password": "not-my-password", "password": NEW, "confirm": NEW}
    response = submit(client, "/account/", data, action="/account/password")
    assert response.status_code == 422
    assert "That is not your current password" in response.get_data(as_text=True)


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(app, client, outbox):
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    known = submit(client, "/forgot-password", {"email": "kai@plant.example"})
    unknown = submit(client, "/forgot-password", {"email": "nobody@plant.example"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: r.get_data(as_text=True).replace("kai@", "X").replace("nobody@", "X")  # noqa: E731
    assert _without_token(strip(known)) == _without_token(strip(unknown))
    assert [m.to for m in outbox()] == ["kai@plant.example"]


def test_reset_link_sets_a_new_password_once(app, client, outbox):
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    submit(client, "/forgot-password", {"email": "kai@plant.example"})
    link = re.search(r"http://localhost(/reset-password/\S+)", outbox()[0].body).group(1)
    response = submit(client, link, {"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.location == "/login"
    assert client.get(link).status_code == 410
    signed_in = submit(client, "/login", {"email": "kai@plant.example", "password": NEW})
    assert signed_in.location == "/dashboard"


def _token(client, page):
    from tests.conftest import csrf_token

    return csrf_token(client.get(page).get_data(as_text=True))


def _without_token(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)

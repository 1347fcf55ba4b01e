"""Signing out ends the session on the server: a copied cookie stops working too.

The review's case: a cookie copied before sign-out kept opening /dashboard for 14 days.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.database import utcnow
from app.extensions import db
from app.models import User
from tests import factories
from tests.conftest import csrf_token, submit

COOKIE = "shopfloor_session"
NEW = "gearbox-thermal-drift-91"


@pytest.fixture
def kai(app):
    with app.app_context():
        user = factories.make_user(email="kai@plant.example")
        db.session.commit()
        return user.id


def signed_in_client(app):
    """A client signed in through the real form."""
    client = app.test_client()
    data = {"email": "kai@plant.example", "password": factories.PASSWORD}
    assert submit(client, "/login", data).status_code == 302
    return client


def copy_of(app, client):
    """Another client holding a copy of *client*'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value, domain="localhost")
    return thief


def signed_in(client) -> bool:
    response = client.get("/dashboard")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sessions_of(app, user_id) -> int:
    from app.models import LoginSession

    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        )


def test_a_cookie_copied_before_sign_out_stops_working(app, kai):
    browser = signed_in_client(app)
    thief = copy_of(app, browser)
    assert signed_in(thief)
    token = csrf_token(browser.get("/dashboard").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not signed_in(browser)
    response = thief.get("/dashboard")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert sessions_of(app, kai) == 0


def test_signing_out_one_browser_leaves_the_others_signed_in(app, kai):
    phone, tablet = signed_in_client(app), signed_in_client(app)
    token = csrf_token(phone.get("/dashboard").get_data(as_text=True))
    phone.post("/logout", data={"csrf_token": token})
    assert not signed_in(phone) and signed_in(tablet)


def test_sign_out_everywhere_ends_every_session_of_the_account(app, kai):
    here, elsewhere = signed_in_client(app), signed_in_client(app)
    thief = copy_of(app, elsewhere)
    with app.app_context():
        factories.make_user(email="ana@plant.example")
        db.session.commit()
    bystander = app.test_client()
    submit(bystander, "/login", {"email": "ana@plant.example", "password": factories.PASSWORD})

    page = here.get("/account/").get_data(as_text=True)
    assert "Sign out everywhere" in page
    response = here.post("/account/sign-out-everywhere", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location == "/login"
    assert "signed out on every device" in here.get("/login").get_data(as_text=True)
    assert not any(signed_in(c) for c in (here, elsewhere, thief))
    assert signed_in(bystander)  # another account is not touched
    assert sessions_of(app, kai) == 0
    assert signed_in(signed_in_client(app))  # signing in again works


def test_sign_out_everywhere_is_a_post_for_signed_in_users_only(app, kai):
    client = app.test_client()
    assert client.post("/account/sign-out-everywhere").status_code in (400, 302)
    signed = signed_in_client(app)
    assert signed.get("/account/sign-out-everywhere").status_code == 405
    assert signed.post("/account/sign-out-everywhere").status_code == 400  # no CSRF token
    assert signed_in(signed)


def test_changing_the_password_ends_copied_cookies_but_keeps_this_browser(app, kai):
    here = signed_in_client(app)
    thief, elsewhere = copy_of(app, here), signed_in_client(app)
    data = {"current_password": factories.PASSWORD, "password": NEW, "confirm": NEW}
    assert submit(here, "/account/", data, action="/account/password").status_code == 302
    assert signed_in(here)
    assert not signed_in(thief) and not signed_in(elsewhere)
    assert sessions_of(app, kai) == 1


def test_resetting_the_password_ends_every_session(app, kai, outbox):
    signed = signed_in_client(app)
    thief = copy_of(app, signed)
    stranger = app.test_client()
    submit(stranger, "/forgot-password", {"email": "kai@plant.example"})
    link = re.search(r"http://localhost(/reset-password/\S+)", outbox()[0].body).group(1)
    assert submit(stranger, link, {"password": NEW, "confirm": NEW}).status_code == 302
    assert not signed_in(signed) and not signed_in(thief)
    assert sessions_of(app, kai) == 0


def test_deactivating_an_account_ends_its_sessions(app, kai, runner):
    signed = signed_in_client(app)
    assert runner.invoke(args=["users", "deactivate", "kai@plant.example"]).exit_code == 0
    assert not signed_in(signed)
    assert sessions_of(app, kai) == 0


def test_sign_in_starts_a_fresh_session(app, kai):
    """Nothing planted in the cookie before sign-in survives it (session fixation)."""
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["_session_key"] = "chosen-by-an-attacker"
        before_csrf = session.get("csrf_token")
    data = {"email": "kai@plant.example", "password": factories.PASSWORD}
    assert submit(client, "/login", data).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_session_key"] != "chosen-by-an-attacker"
        assert session.get("csrf_token") != before_csrf


def test_sign_in_sets_no_remember_me_cookie(app, kai):
    client = signed_in_client(app)
    assert client.get_cookie("remember_token") is None


def test_a_login_id_without_its_server_session_signs_nobody_in(app, kai):
    """A cookie forged or kept from before server-side sessions holds only the login id."""
    client = app.test_client()
    with app.app_context():
        login_id = db.session.get(User, kai).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = login_id
        session["_fresh"] = True
    assert not signed_in(client)
    with client.session_transaction() as session:
        session["_session_key"] = "not-a-key-the-server-gave-out"
    assert not signed_in(client)


def test_a_session_ends_a_lifetime_after_sign_in_however_active(app, kai):
    from app.models import LoginSession

    client = signed_in_client(app)
    lifetime = app.permanent_session_lifetime
    with app.app_context():
        signed_in_at = utcnow() - lifetime - timedelta(minutes=1)
        db.session.execute(update(LoginSession).values(created_at=signed_in_at))
        db.session.commit()
    assert not signed_in(client)

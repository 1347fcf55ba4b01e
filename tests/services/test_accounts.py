"""Accounts: registration rules, sign-in, password changes and reset tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.database import utcnow
from app.domain.roles import Role
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import PasswordResetToken
from app.services import accounts
from tests import factories

NEW = "gearbox-thermal-drift-91"
HOUR = timedelta(hours=1)


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


def request_reset(email, mailer, *, now=None):
    accounts.request_password_reset(
        email,
        now=now or utcnow(),
        lifetime=HOUR,
        link_for=lambda token: f"https://shopfloor.example/reset-password/{token}",
        mailer=mailer,
    )
    return mailer.sent[-1].body.split("reset-password/")[1].split()[0] if mailer.sent else None


def test_register_normalizes_email_and_name(ctx):
    user = accounts.register(
        accounts.NewAccount(" Rosa.Ramirez@Plant.Example ", "  Rosa   Ramirez ", NEW), now=utcnow()
    )
    assert user.email == "rosa.ramirez@plant.example"
    assert user.name == "Rosa Ramirez"
    assert user.role is Role.APPRENTICE
    assert user.password_hash.startswith("$argon2id$")


def test_register_refuses_a_duplicate_email_in_any_case(ctx):
    factories.make_user(email="kai@plant.example")
    with pytest.raises(Conflict, match="already exists"):
        accounts.register(accounts.NewAccount("KAI@Plant.example", "Kai", NEW), now=utcnow())


@pytest.mark.parametrize(
    "email,name,password,field",
    [
        ("not-an-email", "Kai", NEW, "email"),
        ("kai@", "Kai", NEW, "email"),
        ("kai@plant.example", "   ", NEW, "name"),
        ("kai@plant.example", "K" * 121, NEW, "name"),
        ("kai@plant.example", "Kai", "short", "password"),
        ("kai@plant.example", "Kai", "password123", "password"),
        ("kai@plant.example", "Kai", "x" * 200, "password"),
    ],
)
def test_register_rejects_bad_fields_with_a_message(ctx, email, name, password, field):
    with pytest.raises(InvalidInput) as caught:
        accounts.register(accounts.NewAccount(email, name, password), now=utcnow())
    assert caught.value.field == field
    assert caught.value.message


def test_authenticate_checks_password_and_activity(ctx):
    user = factories.make_user(email="kai@plant.example")
    assert accounts.authenticate("KAI@plant.example", factories.PASSWORD, now=utcnow()) is user
    assert user.last_login_at is not None
    assert accounts.authenticate("kai@plant.example", "wrong-password-here", now=utcnow()) is None
    assert accounts.authenticate("nobody@plant.example", factories.PASSWORD, now=utcnow()) is None
    user.active = False
    assert accounts.authenticate("kai@plant.example", factories.PASSWORD, now=utcnow()) is None


def test_change_password_needs_the_current_one_and_rotates_sessions(ctx):
    user = factories.make_user()
    old_session = user.get_id()
    with pytest.raises(InvalidInput) as caught:
        accounts.change_password(user, "not-my-password", NEW, now=utcnow())
    assert caught.value.field == "current_password"
    accounts.change_password(user, factories.PASSWORD, NEW, now=utcnow())
    assert accounts.user_for_session(old_session) is None
    assert accounts.user_for_session(user.get_id()) is user


def test_reset_token_works_once(ctx):
    user = factories.make_user(email="kai@plant.example")
    mailer = Recorder()
    token = request_reset("kai@plant.example", mailer)
    assert mailer.sent[0].to == "kai@plant.example"
    assert accounts.user_for_reset_token(token, now=utcnow()) is user
    accounts.reset_password(token, NEW, now=utcnow(), mailer=mailer)
    assert mailer.sent[-1].subject == "Your Shopfloor password was changed"
    assert accounts.authenticate("kai@plant.example", NEW, now=utcnow()) is user
    assert accounts.user_for_reset_token(token, now=utcnow()) is None
    with pytest.raises(InvalidInput, match="expired or was already used"):
        accounts.reset_password(token, "another-long-phrase-77", now=utcnow(), mailer=mailer)


def test_reset_token_expires(ctx):
    factories.make_user(email="kai@plant.example")
    mailer = Recorder()
    start = utcnow()
    token = request_reset("kai@plant.example", mailer, now=start)
    assert accounts.user_for_reset_token(token, now=start + HOUR - timedelta(seconds=1))
    assert accounts.user_for_reset_token(token, now=start + HOUR) is None
    with pytest.raises(InvalidInput):
        accounts.reset_password(token, NEW, now=start + HOUR, mailer=mailer)


def test_using_one_reset_link_cancels_the_others(ctx):
    factories.make_user(email="kai@plant.example")
    mailer = Recorder()
    first = request_reset("kai@plant.example", mailer)
    second = request_reset("kai@plant.example", mailer)
    accounts.reset_password(second, NEW, now=utcnow(), mailer=mailer)
    assert accounts.user_for_reset_token(first, now=utcnow()) is None


def test_reset_for_unknown_or_inactive_address_sends_nothing(ctx):
    factories.make_user(email="gone@plant.example", active=False)
    mailer = Recorder()
    assert request_reset("nobody@plant.example", mailer) is None
    assert request_reset("gone@plant.example", mailer) is None
    assert request_reset("not an email", mailer) is None
    assert mailer.sent == []
    assert db.session.query(PasswordResetToken).count() == 0


def test_only_a_hash_of_the_token_is_stored(ctx):
    factories.make_user(email="kai@plant.example")
    token = request_reset("kai@plant.example", Recorder())
    stored = db.session.query(PasswordResetToken).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_reset_rejects_a_weak_new_password_and_keeps_the_token(ctx):
    factories.make_user(email="kai@plant.example")
    mailer = Recorder()
    token = request_reset("kai@plant.example", mailer)
    with pytest.raises(InvalidInput, match="common"):
        accounts.reset_password(token, "password123", now=utcnow(), mailer=mailer)
    assert accounts.user_for_reset_token(token, now=utcnow()) is not None


def test_session_ids_that_do_not_match_load_nobody(ctx):
    user = factories.make_user()
    assert accounts.user_for_session(user.get_id()) is user
    assert accounts.user_for_session(f"{user.id}:wrong") is None
    assert accounts.user_for_session(str(user.id)) is None
    assert accounts.user_for_session("abc:def") is None
    assert accounts.user_for_session("999999:token") is None

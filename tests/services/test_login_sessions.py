"""Server-side login sessions: started per sign-in, ended one by one or all at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.database import utcnow
from app.extensions import db
from app.models import LoginSession
from app.services import login_sessions
from tests import factories

DAY = timedelta(days=1)


def open_sessions(user) -> int:
    query = select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    return db.session.scalar(query)


def test_a_session_loads_its_user_until_it_is_ended(ctx):
    user, now = factories.make_user(), utcnow()
    key = login_sessions.start(user, now=now, lifetime=DAY)
    assert login_sessions.user_for(user.get_id(), key, now=now, lifetime=DAY) is user
    assert login_sessions.user_for(user.get_id(), None, now=now, lifetime=DAY) is None
    assert login_sessions.user_for(user.get_id(), key + "x", now=now, lifetime=DAY) is None
    assert login_sessions.user_for(f"{user.id}:old", key, now=now, lifetime=DAY) is None
    later = now + DAY + timedelta(seconds=1)
    assert login_sessions.user_for(user.get_id(), key, now=later, lifetime=DAY) is None
    login_sessions.end(key)
    assert login_sessions.user_for(user.get_id(), key, now=now, lifetime=DAY) is None


def test_a_key_belongs_to_one_user_only(ctx):
    kai, ana, now = factories.make_user(), factories.make_user(), utcnow()
    key = login_sessions.start(kai, now=now, lifetime=DAY)
    assert login_sessions.user_for(ana.get_id(), key, now=now, lifetime=DAY) is None


def test_end_all_ends_every_session_and_every_login_id(ctx):
    user, now = factories.make_user(), utcnow()
    keys = [login_sessions.start(user, now=now, lifetime=DAY) for _ in range(3)]
    old_id = user.get_id()
    login_sessions.end_all(user)
    assert open_sessions(user) == 0 and user.get_id() != old_id
    assert all(login_sessions.user_for(old_id, k, now=now, lifetime=DAY) is None for k in keys)


def test_sessions_past_their_lifetime_are_dropped_at_the_next_sign_in(ctx):
    user, now = factories.make_user(), utcnow()
    login_sessions.start(user, now=now - 2 * DAY, lifetime=DAY)
    login_sessions.start(user, now=now - DAY / 2, lifetime=DAY)
    login_sessions.start(user, now=now, lifetime=DAY)
    assert open_sessions(user) == 2

"""Signing a browser in and out: Flask-Login's session plus its row on the server.

See ``services/login_sessions``: the cookie carries a random key, the server keeps its
hash, and a request is signed in only while that row exists. So signing out (or out
everywhere) ends the session for every copy of the cookie, not just for this browser.
"""

from __future__ import annotations

from flask import current_app, session
from flask_login import login_user, logout_user

from app.database import utcnow
from app.models import User
from app.services import login_sessions

SESSION_KEY = "_session_key"


def begin(user: User) -> None:
    """Sign *user* in on this browser with a new session; the caller commits.

    Whatever the cookie held before is dropped first (session fixation; a CSRF token
    from before sign-in), so nothing from the anonymous visit carries over.
    """
    session.clear()
    key = login_sessions.start(user, now=utcnow(), lifetime=current_app.permanent_session_lifetime)
    login_user(user)
    session[SESSION_KEY] = key


def end() -> None:
    """Sign this browser out and end its session on the server; the caller commits."""
    login_sessions.end(session.get(SESSION_KEY))
    logout_user()
    session.clear()


def load_user(login_id: str) -> User | None:
    """Flask-Login's user loader: the login id and this session's key must both be current."""
    return login_sessions.user_for(
        login_id,
        session.get(SESSION_KEY),
        now=utcnow(),
        lifetime=current_app.permanent_session_lifetime,
    )

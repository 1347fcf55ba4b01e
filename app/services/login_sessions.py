"""Signed-in sessions kept on the server, so that signing out really ends them.

Flask's session is a signed cookie: on its own, a copy taken before sign-out keeps working
until it expires. Each sign-in therefore gets a random key that lives in the cookie, and a
row (holding only the key's SHA-256) that lives here. A request is signed in only while both
its user's session token (part of the login id, see ``User.get_id``) and its row are current.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import LoginSession, User
from app.models.users import new_session_token


def start(user: User, *, now: datetime, lifetime: timedelta) -> str:
    """Record a new signed-in session for *user*; return the key its cookie must carry.

    The user's sessions older than *lifetime* are dropped on the way, so rows of browsers
    that never signed out do not pile up.
    """
    key = secrets.token_urlsafe(32)
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.created_at <= now - lifetime
        )
    )
    db.session.add(LoginSession(user_id=user.id, key_hash=digest(key), created_at=now))
    db.session.flush()
    return key


def end(key: str | None) -> None:
    """End the one session holding *key* (sign out); unknown keys are ignored."""
    if key:
        db.session.execute(delete(LoginSession).where(LoginSession.key_hash == digest(key)))
        db.session.flush()


def end_all(user: User) -> None:
    """End every session of *user*, on every device (and any login id issued before)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.session_token = new_session_token()
    db.session.flush()


def user_for(login_id: str, key: str | None, *, now: datetime, lifetime: timedelta) -> User | None:
    """The user a request's login id and session key still belong to, or None.

    A session ends *lifetime* after sign-in however active it was (the cookie alone would
    be renewed by every change to it).
    """
    if not key or len(key) > 128:
        return None
    user_id, _, token = login_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    # One query for every signed-in request: the user, their memberships (every page's
    # menu needs them) and the session, which must hold this key and not have expired.
    user = (
        db.session.scalars(
            select(User)
            .options(joinedload(User.memberships))
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(
                User.id == int(user_id),
                LoginSession.key_hash == digest(key),
                LoginSession.created_at > now - lifetime,
            )
        )
        .unique()
        .one_or_none()
    )
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def user_for_login_id(login_id: str) -> User | None:
    """The user a login id (``"<id>:<session token>"``) still belongs to, or None."""
    user_id, _, token = login_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def digest(key: str) -> str:
    """What is stored of a session key: its SHA-256 (a stolen table signs nobody in)."""
    return hashlib.sha256(key.encode()).hexdigest()

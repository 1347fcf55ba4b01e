"""Registration, sign-in, password changes and password resets."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.domain import passwords
from app.domain.roles import Role
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.mail import Mailer, Message
from app.models import Organization, PasswordResetToken, User
from app.services import login_sessions, memberships

MAX_NAME = 120


@dataclass(frozen=True)
class NewAccount:
    email: str
    name: str
    password: str
    role: Role = Role.APPRENTICE
    organization: Organization | None = None


def normalize_email(raw: str) -> str:
    """Return the canonical (lower-case) form of an address, or raise InvalidInput."""
    from email_validator import EmailNotValidError, validate_email  # ~50 ms: on first use

    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput("email", f"That email address is not valid: {exc}") from None
    return result.normalized.lower()


def find_by_email(raw: str) -> User | None:
    try:
        email = normalize_email(raw)
    except InvalidInput:
        return None
    return db.session.scalar(select(User).where(User.email == email))  # stored lower-case


def register(account: NewAccount, *, now: datetime) -> User:
    """Create a user; raise InvalidInput for a bad field and Conflict for a taken email."""
    email = normalize_email(account.email)
    name = " ".join(account.name.split())
    if not name:
        raise InvalidInput("name", "Please enter your name.")
    if len(name) > MAX_NAME:
        raise InvalidInput("name", f"Use at most {MAX_NAME} characters.")
    problem = passwords.problem(account.password, context=(name, email))
    if problem:
        raise InvalidInput("password", problem)
    if find_by_email(email) is not None:
        raise Conflict(f"An account for {email} already exists. Sign in or reset its password.")
    user = User(
        email=email,
        name=name,
        password_hash=passwords.hash_password(account.password),
        role=Role.APPRENTICE if account.organization else account.role,
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    if account.organization is not None:
        memberships.add(user, account.organization, account.role, actor=None, now=now)
    return user


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """Return the active user with these credentials, or None (same cost either way)."""
    user = find_by_email(email)
    if not passwords.verify(user.password_hash if user else None, password):
        return None
    if not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, *, now: datetime) -> None:
    """Change *user*'s password after checking the current one; signs out other sessions."""
    if not passwords.verify(user.password_hash, current):
        raise InvalidInput("current_password", "That is not your current password.")
    _set_password(user, new, now=now)


def _set_password(user: User, new: str, *, now: datetime) -> None:
    problem = passwords.problem(new, context=(user.name, user.email))
    if problem:
        raise InvalidInput("password", problem)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    login_sessions.end_all(user)  # every device signs in again with the new password
    # Any reset link still in someone's mailbox stops working too.
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.flush()


def request_password_reset(
    email: str, *, now: datetime, lifetime: timedelta, link_for, mailer: Mailer
) -> None:
    """Email a reset link if an active account has this address; otherwise do nothing.

    The caller shows the same answer either way, so nobody learns which addresses
    have accounts. *link_for* turns a raw token into an absolute URL.
    """
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(
            user=user, token_hash=_digest(token), created_at=now, expires_at=now + lifetime
        )
    )
    db.session.flush()
    minutes = int(lifetime.total_seconds() // 60)
    mailer.send(
        Message(
            to=user.email,
            subject="Reset your Shopfloor password",
            body=(
                f"Hello {user.name},\n\n"
                "Someone (we hope you) asked to reset the password of your Shopfloor account.\n"
                f"Open this link within {minutes} minutes to choose a new one:\n\n"
                f"{link_for(token)}\n\n"
                "The link works once. If you did not ask for this, ignore this email: "
                "your password stays as it is.\n"
            ),
        )
    )


def user_for_reset_token(token: str, *, now: datetime) -> User | None:
    """Return the user a still-valid reset token belongs to, or None."""
    record = _valid_token(token, now=now)
    return record.user if record else None


def reset_password(token: str, new: str, *, now: datetime, mailer: Mailer) -> User:
    """Set a new password with a reset token; the token and its siblings stop working."""
    record = _valid_token(token, now=now)
    if record is None:
        raise InvalidInput(None, "This reset link has expired or was already used.")
    _set_password(record.user, new, now=now)
    notify_password_changed(record.user, mailer=mailer)
    return record.user


def notify_password_changed(user: User, *, mailer: Mailer) -> None:
    mailer.send(
        Message(
            to=user.email,
            subject="Your Shopfloor password was changed",
            body=(
                f"Hello {user.name},\n\n"
                "The password of your Shopfloor account was just changed, and every other "
                "signed-in session was signed out.\n\n"
                "If this was not you, reset your password now and tell your program "
                "administrator.\n"
            ),
        )
    )


def _valid_token(token: str, *, now: datetime) -> PasswordResetToken | None:
    if not token or len(token) > 128:
        return None
    record = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token))
    )
    if record is None or record.used_at is not None or record.expires_at <= now:
        return None
    if not record.user.is_active:
        return None
    return record


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_session(session_id: str) -> User | None:
    """Return the user a login id (``"<id>:<session token>"``) still belongs to."""
    return login_sessions.user_for_login_id(session_id)

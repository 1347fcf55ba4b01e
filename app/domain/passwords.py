"""Password rules and hashing (Argon2id). Pure functions; no Flask, no database."""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import Any

MIN_LENGTH = 10
MAX_LENGTH = 128
# zxcvbn scores 0-4; 2 means "somewhat guessable", the least we accept.
MIN_STRENGTH = 2


class _Hasher:
    """argon2-cffi's PasswordHasher, loaded on first use.

    argon2-cffi and zxcvbn load, and the dummy hash is made, when a password is first checked:
    a process that never checks one (a CLI command, `flask --help`) does not spend ~0.3 s on them.
    """

    @cached_property
    def _argon2(self) -> Any:
        from argon2 import PasswordHasher

        return PasswordHasher()  # RFC 9106 low-memory profile (Argon2id)

    def __getattr__(self, name: str) -> Any:  # hash, verify, check_needs_rehash
        return getattr(self._argon2, name)


_hasher = _Hasher()


@cache
def _dummy_hash() -> str:
    """A valid hash to verify against when no account matches, so both paths cost the same."""
    return _hasher.hash("not a real password, used for timing")


def problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Return why *password* is not acceptable, or None if it is.

    *context* holds what the password must not be built from: the user's name and email.
    """
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    flat = _letters(password)
    for item in context:
        if len(_letters(item.split("@")[0])) >= 5 and _letters(item.split("@")[0]) in flat:
            return "Do not build your password from your name or email address."
    from zxcvbn import zxcvbn

    words = [w for item in context for w in re.split(r"[^\w]+", item) if w]

    result = zxcvbn(password, user_inputs=[*context, *words])
    if result["score"] >= MIN_STRENGTH:
        return None
    feedback = result["feedback"]
    hint = feedback.get("warning") or "This password is too easy to guess."
    suggestion = " ".join(feedback.get("suggestions") or [])
    return f"{hint.rstrip('.')}. {suggestion or 'Try a longer phrase of unrelated words.'}"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Check *password*; with no hash (unknown account) spend the same time and fail."""
    from argon2.exceptions import InvalidHashError, VerificationError

    dummy = _dummy_hash()  # made before the try, so a first unknown account costs the same too
    try:
        return _hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())

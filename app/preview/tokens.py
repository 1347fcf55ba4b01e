"""The preview's entry token: a random secret, printed in the terminal, that works once.

Like Jupyter's token, it is what lets a browser in without a password: the preview author's
account has a random password nobody knows. Redeeming it replaces it with a new one, so a
link copied from the terminal signs in one browser, and a second browser needs the newer
link the command prints then.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable


class EntryToken:
    def __init__(self, on_new: Callable[[str], object] = lambda token: None) -> None:
        self._lock = threading.Lock()
        self._on_new = on_new
        self._current = secrets.token_urlsafe(32)

    @property
    def current(self) -> str:
        return self._current

    def redeem(self, candidate: str) -> bool:
        """Whether *candidate* is the current token; if it is, it is used up and replaced."""
        with self._lock:
            if not candidate or not hmac.compare_digest(candidate.encode(), self._current.encode()):
                return False
            self._current = secrets.token_urlsafe(32)
            fresh = self._current
        self._on_new(fresh)
        return True

"""Verifying credentials for anyone who asks: this Shopfloor's and other issuers'.

Keys and status lists of this Shopfloor are read from its own files and database, never over
the network. Verified status lists are remembered for their TTL, so a bulk check of many
credentials from one issuer verifies the list once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Any

from app.credentials import verifier
from app.credentials.exceptions import KeyResolutionError
from app.services import keys, status_lists

FetchDocument = Callable[[str], dict[str, Any]]


class TtlCache(MutableMapping):
    """A small thread-safe mapping whose entries expire after *ttl* seconds."""

    def __init__(self, ttl: float, max_items: int = 1000) -> None:
        self.ttl, self.max_items = ttl, max_items
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> Any:
        with self._lock:
            expires, value = self._items[key]
            if expires < time.monotonic():
                del self._items[key]
                raise KeyError(key)
            return value

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items.clear()
            self._items[key] = (time.monotonic() + self.ttl, value)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._items[key]

    def __iter__(self):
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


_status_cache = TtlCache(ttl=status_lists.TTL_MS / 1000)


def _status_fetcher(now: datetime, remote: FetchDocument | None) -> Callable[[str], dict]:
    def fetch(url: str) -> dict[str, Any]:
        found = status_lists.fetch_local(url, now=now)
        if found is not None:
            return found
        if remote is None:
            raise KeyResolutionError(f"{url} is not a status list of this Shopfloor")
        return remote(url)

    return fetch


def verify(
    data: bytes | str | dict[str, Any], *, now: datetime, remote: FetchDocument | None = None
) -> dict[str, Any]:
    """Verify *data* (JSON, or a baked PNG/SVG): ``{"verified", "checks": [...]}``.

    *remote* fetches other issuers' DID documents and status lists; without it only this
    Shopfloor's issuers (and did:key, and key URLs that carry their key) can be checked.
    """
    return verifier.verify_credential(
        data,
        now=now,
        fetch_status_list=_status_fetcher(now, remote),
        fetch_document=keys.local_fetcher(remote),
        status_cache=_status_cache,
    )

"""Verifying credentials for anyone who asks: this Shopfloor's and other issuers'.

Keys and status lists of this Shopfloor are read from its own files and database, never over
the network. Verified status lists are remembered for their TTL, so a bulk check of many
credentials from one issuer verifies the list once.

Fetching other sites is bounded per verification: a credential naming many key documents,
status lists and endorsers gets one FetchBudget (each address fetched once, at most
MAX_FETCHES addresses, FETCH_SECONDS for them all), so one request cannot make this server
fetch without end. DID and key documents fetched well are remembered for DOCUMENT_TTL
seconds (``Caches.documents``), so checking many credentials of one issuer fetches its
keys once.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from app.credentials import verifier
from app.credentials.exceptions import KeyResolutionError
from app.services import keys, status_lists
from app.services.remote_fetch import Fetcher, FetchError

FetchDocument = Callable[[str], dict[str, Any]]

MAX_FETCHES = 8  # distinct addresses one verification may fetch
FETCH_SECONDS = 10.0  # for all of them together
DOCUMENT_TTL = 300.0  # seconds a fetched DID or key document is remembered
MAX_DOCUMENTS = 256
PAGE_SECONDS = 60.0  # a credential page's verification is remembered this long
IMAGE_SECONDS = 3600.0  # a baked image, by credential, document and artwork
MAX_IMAGES = 64  # about 100 KB each


class TtlCache(MutableMapping):
    """A small thread-safe mapping whose entries expire after *ttl* seconds.

    At most *max_items*: when full, expired entries go first, then the least recently used.
    *clock* is ``time.monotonic`` unless a test gives its own.
    """

    def __init__(
        self, ttl: float, max_items: int = 1000, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.max_items, self.clock = ttl, max_items, clock
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            expires, value = self._items[key]
            if expires < self.clock():
                del self._items[key]
                raise KeyError(key)
            self._items.move_to_end(key)
            return value

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            now = self.clock()
            self._items.pop(key, None)
            if len(self._items) >= self.max_items:
                for stale in [k for k, (expires, _) in self._items.items() if expires < now]:
                    del self._items[stale]
            while len(self._items) >= self.max_items:
                self._items.popitem(last=False)
            self._items[key] = (now + self.ttl, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            del self._items[key]

    def __iter__(self) -> Iterator[Any]:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_status_cache = TtlCache(ttl=status_lists.TTL_MS / 1000)


def _cache(ttl: float, max_items: int) -> Callable[[], TtlCache]:
    return lambda: TtlCache(ttl, max_items)


@dataclass
class Caches:
    """What verifications remember between requests, one set per app
    (``app.extensions["verification"]``)."""

    # Other issuers' DID and key documents, by address (fetched well only).
    documents: TtlCache = field(default_factory=_cache(DOCUMENT_TTL, MAX_DOCUMENTS))
    # Credential pages' verifications, and their baked downloads (services.credential_pages).
    pages: TtlCache = field(default_factory=_cache(PAGE_SECONDS, 500))
    images: TtlCache = field(default_factory=_cache(IMAGE_SECONDS, MAX_IMAGES))


def caches() -> Caches:
    """This app's verification caches."""
    return current_app.extensions.setdefault("verification", Caches())


class FetchBudget:
    """One verification's fetches of other sites through *fetch*.

    Each address is fetched at most once (its answer, or its error, is given again); at most
    *max_urls* distinct addresses, all within *seconds* of the first fetch. Past either, a
    fetch fails with FetchError saying so, which the verifier reports as a failed check.
    """

    def __init__(
        self,
        fetch: FetchDocument,
        *,
        max_urls: int = MAX_FETCHES,
        seconds: float = FETCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch, self.max_urls, self.seconds, self.clock = fetch, max_urls, seconds, clock
        self.deadline: float | None = None
        self._answers: dict[str, tuple[bool, Any]] = {}
        self._lock = threading.Lock()

    @property
    def fetched(self) -> list[str]:
        """The addresses fetched (or tried) so far, in order."""
        return list(self._answers)

    def __call__(self, url: str) -> dict[str, Any]:
        with self._lock:  # one verification runs in one thread; this only keeps it exact
            if url not in self._answers:
                self._answers[url] = self._fetch(url)
            ok, answer = self._answers[url]
        if not ok:
            raise answer
        return copy.deepcopy(answer)

    def _fetch(self, url: str) -> tuple[bool, Any]:
        if len(self._answers) >= self.max_urls:
            return False, FetchError(
                f"not fetched: this credential needs more than {self.max_urls} addresses of "
                "other sites fetched to be verified, which is more than is fetched for one"
            )
        now = self.clock()
        if self.deadline is None:
            self.deadline = now + self.seconds
        left = self.deadline - now
        if left <= 0:
            return False, FetchError(
                f"not fetched: the other sites this credential names took longer than "
                f"{self.seconds:g} s in all to answer"
            )
        fetch = self.fetch.within(left) if isinstance(self.fetch, Fetcher) else self.fetch
        try:
            return True, fetch(url)
        except Exception as exc:  # any failure is that address's answer, given again
            return False, exc


def budgeted(remote: FetchDocument | None) -> FetchBudget | None:
    """*remote* with a fresh budget for one verification (kept if it has one already)."""
    if remote is None or isinstance(remote, FetchBudget):
        return remote
    return FetchBudget(remote)


def _remembered(remote: FetchDocument, documents: TtlCache) -> FetchDocument:
    """*remote* for DID and key documents: those fetched well are remembered a while."""

    def fetch(url: str) -> dict[str, Any]:
        try:
            return copy.deepcopy(documents[url])
        except KeyError:
            pass
        document = remote(url)
        documents[url] = copy.deepcopy(document)
        return document

    return fetch


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

    *remote* fetches other issuers' DID documents and status lists, within one FetchBudget
    (pass a FetchBudget to share it with fetches made before, such as the credential's own);
    without it only this Shopfloor's issuers and did:key issuers can be checked. A key in
    an https URL's fragment (``https://issuer.example#z6Mk…``) is not accepted: nothing
    binds it to the issuer.
    """
    remote = budgeted(remote)
    documents = _remembered(remote, caches().documents) if remote is not None else None
    return verifier.verify_credential(
        data,
        now=now,
        fetch_status_list=_status_fetcher(now, remote),
        fetch_document=keys.local_fetcher(documents),
        fragment_keys=False,
        status_cache=_status_cache,
    )

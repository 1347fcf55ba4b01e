"""How to verify (``Options``) and what one verification remembers (``Session``).

A verification reaches out only through the caller's fetchers; the session makes each URL
cost one fetch however often a credential, its status lists, endorsements and embedded
credentials name it, and at most ``Limits.max_fetches`` fetches in all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.credentials import parsing
from app.credentials.exceptions import KeyResolutionError
from app.credentials.keys import FetchDocument

FetchStatusList = Callable[[str], dict[str, Any]]


class Session:
    """What one verification has fetched and resolved: each URL once, at most *limit* URLs.

    Shared by the credential, its status lists, endorsements and embedded credentials, so a
    credential naming the same key or list many times costs one fetch, and one naming many
    costs at most *limit*. Failures are remembered too.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.fetches = 0
        self._results: dict[tuple[str, str], tuple[bool, Any]] = {}

    def once(self, key: tuple[str, str], compute: Callable[[], Any], *, fetch: bool) -> Any:
        if key not in self._results:
            if fetch and self.fetches >= self.limit:
                raise KeyResolutionError(
                    f"{key[1][:200]} was not fetched: one verification fetches at most "
                    f"{self.limit} documents"
                )
            self.fetches += fetch
            try:
                self._results[key] = (True, compute())
            except Exception as exc:  # remembered and raised again, as the first time
                self._results[key] = (False, exc)
        succeeded, value = self._results[key]
        if not succeeded:
            raise value
        return value

    def fetcher(self, kind: str, fetch: Callable[[str], Any] | None) -> Any:
        if fetch is None:
            return None
        return lambda url: self.once((kind, url), lambda: fetch(url), fetch=True)


@dataclass
class Options:
    """How to verify. *fragment_keys*: accept ``https://issuer#z6Mk…`` keys without fetching
    (the 1EdTech validator does; nothing binds such a key to the URL, so it is off by
    default); *allow_unbound_did_key*: accept a did:key that is not the issuer (the validator
    does; an employer learns nothing about the issuer from it); *allow_vocab*: accept contexts
    that set ``@vocab`` (the W3C examples context; they define every term); *status_cache*: the
    caller's mapping (give it a TTL) of status list credentials already verified, by content
    digest, so that a list shared by many credentials is checked once. *session* is made for
    each verification; leave it None."""

    now: datetime
    fetch_status_list: FetchStatusList | None = None
    fetch_document: FetchDocument | None = None
    limits: parsing.Limits = field(default_factory=parsing.Limits)
    fragment_keys: bool = False
    allow_unbound_did_key: bool = False
    allow_vocab: bool = False
    status_cache: MutableMapping[str, dict[str, Any]] | None = None
    session: Session | None = field(default=None, repr=False, compare=False)


def in_session(options: Options) -> Options:
    """Return *options* with a fresh Session (and memoising fetchers), unless it has one."""
    if options.session is not None:
        return options
    session = Session(options.limits.max_fetches)
    return dataclasses.replace(
        options,
        fetch_document=session.fetcher("document", options.fetch_document),
        fetch_status_list=session.fetcher("status list", options.fetch_status_list),
        session=session,
    )

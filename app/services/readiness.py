"""Readiness: can this process serve requests now? The database, Redis and the kernel hosts.

Each check runs on a thread of its own and all share one deadline, so a database or host that
stops answering (a dropped connection, a full pool) makes the answer "not ready" in time
instead of holding the probe. Details say what failed in general terms (the exception's class),
never a URL, host name or message from a driver: the answer is public.

``Answers`` keeps the last answer for a short while and lets one set of checks run at a time:
a hundred probes (or a flood of requests to a public URL) in the same second cost one
``SELECT 1``, one ``PING`` and one look at the kernel hosts, not a hundred of each.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

# A check answers with its results: (name, ok, detail) for each thing it looked at.
Results = list[tuple[str, bool, str]]
T = TypeVar("T")


@dataclass(frozen=True)
class Check:
    name: str  # the name reported when the check gives no answer in time
    run: Callable[[], Results]


def database(engine: Engine) -> Check:
    """Run ``SELECT 1`` on a pooled connection."""

    def run() -> Results:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return [("database", True, "ok")]

    return Check("database", _guarded("database", run))


def redis(url: str, timeout: float) -> Check:
    """PING the Redis at *url* on a connection of its own."""

    def run() -> Results:
        import redis as redis_client  # only processes that use Redis pay for the import

        client = redis_client.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            client.ping()
        finally:
            client.close()
        return [("redis", True, "ok")]

    return Check("redis", _guarded("redis", run))


def lab_engine(readiness: Callable[[], Iterable[tuple[str, bool, str]]]) -> Check:
    """The lab engine's own checks (kernel hosts), as it reports them."""

    def run() -> Results:
        return [(str(name), bool(ok), str(detail)) for name, ok, detail in readiness()]

    return Check("lab_engine", _guarded("lab_engine", run))


def run_checks(checks: list[Check], *, timeout: float) -> dict[str, tuple[bool, str]]:
    """Run *checks* at once; a check with no answer after *timeout* seconds has failed."""
    answers: dict[str, Results] = {}
    threads = []
    for check in checks:
        # Each thread runs in a copy of this context, so its log lines carry the request id.
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=lambda c=check, ctx=context: answers.__setitem__(c.name, ctx.run(c.run)),
            name=f"readyz-{check.name}",
            daemon=True,  # a check stuck in a driver must not hold the process at exit
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    results: dict[str, tuple[bool, str]] = {}
    for check in checks:
        answer = answers.get(check.name)
        if answer is None:
            answer = [(check.name, False, f"no answer within {timeout:g} s")]
        for name, ok, detail in answer:
            results[name] = (ok, detail)
    return results


def _guarded(name: str, run: Callable[[], Results]) -> Callable[[], Results]:
    def guarded() -> Results:
        try:
            return run()
        except Exception as exc:  # any failure means "not ready", reported by kind only
            logger.warning("readiness check %s failed: %s", name, exc)
            return [(name, False, f"failed: {type(exc).__name__}")]

    return guarded


class Answers(Generic[T]):
    """The last answer, kept for *seconds*, with one computation of it in flight at a time.

    ``get(compute)`` returns the kept answer while it is younger than *seconds*; otherwise the
    first caller computes a new one while the others wait for it and share it, however long it
    took (with *seconds* 0 that is the only sharing). *compute* should not raise: if it does,
    the caller that ran it gets the exception, and one of those waiting computes again.
    """

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._answer: T | None = None
        self._expires = float("-inf")
        self._running = False
        self._round = 0  # bumped each time a computation finishes with an answer
        self._waiting = 0
        self._changed = threading.Condition()

    @property
    def waiting(self) -> int:
        """How many callers are waiting for the computation in flight."""
        with self._changed:
            return self._waiting

    def get(self, compute: Callable[[], T]) -> T:
        with self._changed:
            if self._answer is not None and self.clock() < self._expires:
                return self._answer
            if self._running:
                started = self._round
                self._waiting += 1
                try:
                    while self._running:
                        self._changed.wait()
                finally:
                    self._waiting -= 1
                if self._round != started:
                    return self._answer
            # Nobody is computing (or the computation waited for failed): this caller computes.
            self._running = True
        try:
            answer = compute()
        except BaseException:
            with self._changed:
                self._running = False
                self._changed.notify_all()
            raise
        with self._changed:
            self._answer, self._expires = answer, self.clock() + self.seconds
            self._running = False
            self._round += 1
            self._changed.notify_all()
        return answer

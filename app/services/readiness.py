"""Readiness: can this process serve requests now? The database, Redis and the kernel hosts.

Each check runs on a thread of its own and all share one deadline, so a database or host that
stops answering (a dropped connection, a full pool) makes the answer "not ready" in time
instead of holding the probe. Details say what failed in general terms (the exception's class),
never a URL, host name or message from a driver: the answer is public.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

# A check answers with its results: (name, ok, detail) for each thing it looked at.
Results = list[tuple[str, bool, str]]


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

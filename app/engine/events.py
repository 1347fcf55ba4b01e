"""Numbered events per key (a learner's kernel, a submission), for pages that follow along.

Publishers append; readers ask for everything after the last number they saw, waiting a
little for something new. The same call serves Server-Sent Events (wait, then stream) and
the polling fallback (no wait). Only the newest events are kept; a reader that fell
further behind, or that saw events of a log before a server restart, is told to reload the
saved state instead of getting a gap.

``EventLog`` keeps them in this process (the embedded engine); ``RedisEventLog`` in Redis
Streams, shared by every web process (the distributed engine).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

RELOAD = {"type": "reload"}  # the reader missed events: fetch the saved state again


@dataclass
class _Stream:
    events: deque = field(default_factory=deque)
    next_number: int = 1


MAX_EVENT_BYTES = 256 * 1024  # a bigger event (a large image output) is sent as "reload"


def bounded(event: dict[str, Any]) -> str:
    """*event* as JSON, or a reload marker when it is too big to keep in a shared log: the
    page then fetches the saved outputs (saved when the cell ends)."""
    text = json.dumps(event)
    return text if len(text) <= MAX_EVENT_BYTES else json.dumps(RELOAD)


class EventLog:
    def __init__(self, keep: int = 1000) -> None:
        self.keep = keep
        self.streams: dict[str, _Stream] = {}
        self.changed = threading.Condition()

    def publish(self, key: str, event: dict[str, Any]) -> int:
        with self.changed:
            stream = self.streams.setdefault(key, _Stream())
            number = stream.next_number
            stream.next_number += 1
            stream.events.append((number, event))
            while len(stream.events) > self.keep:
                stream.events.popleft()
            self.changed.notify_all()
            return number

    def last(self, key: str) -> int:
        with self.changed:
            stream = self.streams.get(key)
            return stream.next_number - 1 if stream else 0

    def since(self, key: str, after: int, *, wait: float = 0.0) -> list[tuple[int, dict]]:
        """Events numbered above *after*, waiting up to *wait* seconds for the first one."""
        with self.changed:
            if after > self._newest(key):
                # The reader saw events this log never had: the server restarted since.
                return [(0, RELOAD)]
            self.changed.wait_for(lambda: self._newest(key) > after, timeout=wait)
            stream = self.streams.get(key)
            if stream is None or not stream.events:
                return []
            oldest = stream.events[0][0]
            if after < oldest - 1:
                return [(stream.next_number - 1, RELOAD)]
            return [(n, e) for n, e in stream.events if n > after]

    def _newest(self, key: str) -> int:
        stream = self.streams.get(key)
        return stream.next_number - 1 if stream else 0

    def forget(self, key: str) -> None:
        with self.changed:
            self.streams.pop(key, None)


# Publishing numbers the event and appends it atomically, so numbers are never reused or
# out of order however many processes publish: KEYS[1] the counter, KEYS[2] the stream.
_PUBLISH = """
local number = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], number .. '-0', 'e', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return number
"""


class RedisEventLog:
    """The same numbered events, kept in Redis Streams: any web process can serve a page's
    stream, and a browser that reconnects to another process resumes from its last number.

    Each key has a counter and a stream whose entry ids are ``<number>-0``; the newest
    *keep* entries are kept, and a key unused for *expire_seconds* disappears.
    """

    def __init__(
        self,
        client,
        *,
        keep: int = 300,
        prefix: str = "shopfloor:events:",
        expire_seconds: int = 3600,
    ) -> None:
        self.client = client
        self.keep = keep
        self.prefix = prefix
        self.expire_seconds = expire_seconds
        self._publish = client.register_script(_PUBLISH)

    def _keys(self, key: str) -> tuple[str, str]:
        return f"{self.prefix}{key}:n", f"{self.prefix}{key}:stream"

    def publish(self, key: str, event: dict[str, Any]) -> int:
        counter, stream = self._keys(key)
        args = [bounded(event), self.keep, self.expire_seconds]
        return int(self._publish(keys=[counter, stream], args=args))

    def last(self, key: str) -> int:
        return int(self.client.get(self._keys(key)[0]) or 0)

    def since(self, key: str, after: int, *, wait: float = 0.0) -> list[tuple[int, dict]]:
        """Events numbered above *after*, waiting up to *wait* seconds for the first one."""
        _counter, stream = self._keys(key)
        newest = self.last(key)
        if after > newest:
            return [(0, RELOAD)]  # numbers this log never gave: Redis lost them
        if newest == after and wait > 0:
            self.client.xread({stream: f"{after}-0"}, count=1, block=max(1, int(wait * 1000)))
        entries = self.client.xrange(stream, min=f"{after + 1}-0", max="+")
        if not entries:
            return []
        oldest = self.client.xrange(stream, min="-", max="+", count=1)
        if oldest and after < _number(oldest[0][0]) - 1:
            return [(self.last(key), RELOAD)]  # trimmed past what the reader saw
        return [(_number(entry_id), json.loads(fields[b"e"])) for entry_id, fields in entries]

    def forget(self, key: str) -> None:
        self.client.delete(*self._keys(key))


def _number(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])

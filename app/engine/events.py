"""Numbered events per key (a learner's kernel, a submission), for pages that follow along.

Publishers append; readers ask for everything after the last number they saw, waiting a
little for something new. The same call serves Server-Sent Events (wait, then stream) and
the polling fallback (no wait). Only the newest events are kept, at most *keep* of them
and *budget* bytes (as JSON) per key, so a page printing in a loop cannot fill the
memory; a reader that fell further behind, or that saw events of a log before a server
restart, is told to reload the saved state instead of getting a gap.

``EventLog`` keeps them in this process (the embedded engine); ``RedisEventLog`` in Redis
Streams, shared by every web process (the distributed engine).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from app.errors import Conflict

logger = logging.getLogger(__name__)
RELOAD = {"type": "reload"}  # the reader missed events: fetch the saved state again


class EventLogUnavailable(Conflict):
    """The shared event log (Redis) cannot be reached: nothing new can start that a page
    would have to follow. Saved work is untouched."""


UNAVAILABLE_TEXT = (
    "Cells cannot run for a moment: the lab's live service is not answering. Your work is "
    "saved; try again in a minute."
)


@dataclass
class _Stream:
    events: deque = field(default_factory=deque)  # (number, event, size in bytes)
    next_number: int = 1
    size: int = 0


MAX_EVENT_BYTES = 256 * 1024  # a bigger event (a large image output) is sent as "reload"
KEY_BUDGET_BYTES = 1024 * 1024  # per key: the newest events within it are kept


_RELOAD_TEXT = json.dumps(RELOAD)


def bounded(event: dict[str, Any]) -> str:
    """*event* as JSON, or a reload marker when it is too big to keep in a log: the page
    then fetches the saved outputs (saved when the cell ends)."""
    text = json.dumps(event)
    return text if len(text) <= MAX_EVENT_BYTES else _RELOAD_TEXT


class EventLog:
    def __init__(self, keep: int = 1000, budget: int = KEY_BUDGET_BYTES) -> None:
        self.keep = keep
        self.budget = budget
        self.streams: dict[str, _Stream] = {}
        self.changed = threading.Condition()

    def publish(self, key: str, event: dict[str, Any]) -> int:
        size = len(json.dumps(event))
        with self.changed:
            stream = self.streams.setdefault(key, _Stream())
            number = stream.next_number
            stream.next_number += 1
            stream.events.append((number, event, size))
            stream.size += size
            while len(stream.events) > 1 and (
                len(stream.events) > self.keep or stream.size > self.budget
            ):
                stream.size -= stream.events.popleft()[2]
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
            return [(n, e) for n, e, _ in stream.events if n > after]

    def _newest(self, key: str) -> int:
        stream = self.streams.get(key)
        return stream.next_number - 1 if stream else 0

    def forget(self, key: str) -> None:
        with self.changed:
            self.streams.pop(key, None)


# Publishing numbers the event and appends it atomically, so numbers are never reused or
# out of order however many processes publish: KEYS[1] the counter, KEYS[2] the stream.
# ARGV[4] is the highest number the publishing process has seen for the key: a counter
# below it was lost (Redis restarted empty), and numbering goes on above it, so a page that
# saw number n never takes a later event for one it already had.
_PUBLISH = """
local number = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[4])
if number <= floor then
  number = floor + 1
  redis.call('SET', KEYS[1], number)
end
redis.call('XADD', KEYS[2], number .. '-0', 'e', ARGV[1])
-- KEYS[3] counts the stream's bytes; the oldest entries go while there are more than
-- ARGV[2] of them or more than ARGV[5] bytes (the newest always stays).
local size = redis.call('INCRBY', KEYS[3], #ARGV[1])
local count = redis.call('XLEN', KEYS[2])
while count > 1 and (count > tonumber(ARGV[2]) or size > tonumber(ARGV[5])) do
  local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  size = redis.call('DECRBY', KEYS[3], #oldest[2][2])
  redis.call('XDEL', KEYS[2], oldest[1])
  count = count - 1
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return number
"""
# The newest number of a key, raised first to ARGV[1] (the highest number the asking
# process has seen for it) if Redis lost the counter: a page then follows from there, and
# events published by processes that remember nothing go on above it.
_LAST = """
local number = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if number < floor then
  redis.call('SET', KEYS[1], floor, 'EX', ARGV[2])
  number = floor
end
return number
"""


class RedisEventLog:
    """The same numbered events, kept in Redis Streams: any web process can serve a page's
    stream, and a browser that reconnects to another process resumes from its last number.

    Each key has a counter, a stream whose entry ids are ``<number>-0`` and the stream's
    size in bytes; the newest entries within *keep* and *budget* are kept, and a key unused
    for *expire_seconds* disappears. Redis holds at most *budget* bytes of events (plus
    Redis's own overhead) per key used within the last *expire_seconds*.

    Redis may go away (restarted, unreachable) while kernels keep running. Publishing then
    never fails the publisher's work (a cell's outputs are saved in the database when it
    ends): the event is dropped, and once Redis answers again the key's pages get a reload
    before anything newer, so they fetch the saved state instead of missing what was
    dropped. Reading waits as long as it would have, then finds nothing new; ``last``
    raises EventLogUnavailable (so no run starts that no page could follow). A Redis that
    comes back empty has lost its counters: each process remembers the newest number it saw
    per key, and numbering goes on above it, so a page never mistakes a new event for one
    it had (pages whose numbers Redis no longer has are told to reload).
    """

    def __init__(
        self,
        client,
        *,
        keep: int = 300,
        budget: int = KEY_BUDGET_BYTES,
        prefix: str = "shopfloor:events:",
        expire_seconds: int = 3600,
        remember: int = 10_000,
    ) -> None:
        from redis import exceptions  # only the distributed engine pays for the import

        self.client = client
        self.keep = keep
        self.budget = budget
        self.prefix = prefix
        self.expire_seconds = expire_seconds
        self._publish = client.register_script(_PUBLISH)
        self._last = client.register_script(_LAST)
        self._down = (exceptions.ConnectionError, exceptions.TimeoutError)
        self._seen: OrderedDict[str, int] = OrderedDict()  # newest number seen, per key
        self._remember = remember
        self._missed: set[str] = set()  # keys with dropped events: their pages must reload
        self._lock = threading.Lock()
        self._pause = threading.Event()  # never set: waiting while Redis is away

    def _keys(self, key: str) -> tuple[str, str, str]:
        base = f"{self.prefix}{key}"
        return f"{base}:n", f"{base}:stream", f"{base}:bytes"

    def _saw(self, key: str, number: int) -> None:
        with self._lock:
            if number > self._seen.get(key, 0):
                self._seen[key] = number
            if key in self._seen:
                self._seen.move_to_end(key)
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)

    def _append(self, key: str, event: dict[str, Any]) -> int:
        with self._lock:
            floor = self._seen.get(key, 0)
        args = [bounded(event), self.keep, self.expire_seconds, floor, self.budget]
        number = int(self._publish(keys=list(self._keys(key)), args=args))
        self._saw(key, number)
        return number

    def publish(self, key: str, event: dict[str, Any]) -> int:
        """Append *event*; its number, or 0 if Redis is away (the event is dropped, and
        the key's pages are told to reload once it is back)."""
        try:
            self._flush(key)
            return self._append(key, event)
        except self._down as exc:
            with self._lock:
                first = key not in self._missed
                self._missed.add(key)
            if first:
                logger.warning("events of %s dropped while Redis is away: %s", key, exc)
            return 0

    def _flush(self, key: str) -> None:
        """Tell *key*'s pages to reload if events of it were dropped (raises if still away)."""
        with self._lock:
            missed = key in self._missed
        if missed:
            self._append(key, RELOAD)
            with self._lock:
                self._missed.discard(key)

    def flush(self) -> None:
        """Publish the reloads owed for dropped events, if Redis answers again. The
        processes that run kernels call this now and then (a kernel host, every second)."""
        with self._lock:
            missed = list(self._missed)
        for key in missed:
            try:
                self._flush(key)
            except self._down:
                return  # still away: the next call tries again

    def last(self, key: str) -> int:
        """The newest number of *key*: where a page loaded now follows from."""
        with self._lock:
            floor = self._seen.get(key, 0)
        try:
            number = int(self._last(keys=[self._keys(key)[0]], args=[floor, self.expire_seconds]))
        except self._down as exc:
            raise EventLogUnavailable(UNAVAILABLE_TEXT) from exc
        self._saw(key, number)
        return number

    def _newest(self, key: str) -> int:
        """The counter as Redis has it (0 if Redis lost it)."""
        return int(self.client.get(self._keys(key)[0]) or 0)

    def since(self, key: str, after: int, *, wait: float = 0.0) -> list[tuple[int, dict]]:
        """Events numbered above *after*, waiting up to *wait* seconds for the first one.

        While Redis is away: nothing, after waiting *wait* seconds (a page's stream stays
        open and picks up, or is told to reload, once it is back)."""
        try:
            self.flush()
            return self._since(key, after, wait)
        except (*self._down, EventLogUnavailable):
            self._pause.wait(wait)
            return []

    def _since(self, key: str, after: int, wait: float) -> list[tuple[int, dict]]:
        stream = self._keys(key)[1]
        newest = self._newest(key)
        if after > newest:
            return [(0, RELOAD)]  # numbers this log never gave: Redis lost them
        if newest == after and wait > 0:
            self.client.xread({stream: f"{after}-0"}, count=1, block=max(1, int(wait * 1000)))
        entries = self.client.xrange(stream, min=f"{after + 1}-0", max="+")
        if not entries:
            return []
        oldest = self.client.xrange(stream, min="-", max="+", count=1)
        if oldest and after < _number(oldest[0][0]) - 1:
            return [(self._newest(key), RELOAD)]  # trimmed past what the reader saw
        events = [(_number(entry_id), json.loads(fields[b"e"])) for entry_id, fields in entries]
        self._saw(key, events[-1][0])
        return events

    def forget(self, key: str) -> None:
        self.client.delete(*self._keys(key))
        with self._lock:
            self._seen.pop(key, None)


def _number(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])

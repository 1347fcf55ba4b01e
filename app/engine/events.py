"""Numbered events per key (a learner's kernel, a submission), for pages that follow along.

Publishers append; readers ask for everything after the last number they saw, waiting a
little for something new. The same call serves Server-Sent Events (wait, then stream) and
the polling fallback (no wait). Only the newest events are kept; a reader that fell
further behind, or that saw events of a log before a server restart, is told to reload the
saved state instead of getting a gap.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

RELOAD = {"type": "reload"}  # the reader missed events: fetch the saved state again


@dataclass
class _Stream:
    events: deque = field(default_factory=deque)
    next_number: int = 1


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

"""Waiting in tests without sleeping: poll with a deadline, read a stream a little."""

from __future__ import annotations

import threading
import time


def poll(predicate, *, seconds: float = 20.0):
    """Check *predicate* until it holds or the deadline passes; return its last value."""
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while not (value := predicate()) and time.monotonic() < deadline:
        pause.wait(0.02)
    return value


def read_events(response, count: int) -> list[str]:
    """The first *count* events of a Server-Sent Events response, then close it."""
    events, buffer = [], ""
    stream = iter(response.response)
    try:
        while len(events) < count:
            chunk = next(stream)
            buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
            *complete, buffer = buffer.split("\n\n")
            events.extend(complete)
    finally:
        response.close()
    return events[:count]

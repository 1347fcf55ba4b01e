"""Running a coroutine to completion from a test, whatever event loop the thread has.

Browser tests (Playwright's sync API) leave an asyncio loop running on pytest's main thread
for the rest of the session, where ``asyncio.run`` refuses to start. A thread of its own
always has no loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run(make: Callable[[], Awaitable[T]], timeout: float = 120.0) -> T:
    """Run the coroutine ``make()`` in a fresh thread and loop; return or raise its outcome."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:  # handed back to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="test-asyncio", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"the coroutine did not finish within {timeout} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]

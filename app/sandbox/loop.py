"""An asyncio event loop on a thread of its own, for synchronous callers (web, CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.loop is not None:
                return
            self.loop = asyncio.new_event_loop()
            self.thread = threading.Thread(
                target=self.loop.run_forever, name=self.name, daemon=True
            )
            self.thread.start()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run *coroutine* on the loop and wait for its result."""
        self.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self, grace: float = 10.0) -> None:
        """Cancel what still runs on the loop, give it *grace* seconds to clean up (a run
        shuts its kernel down), then stop the loop.

        Whoever waits in :meth:`call` meanwhile gets ``CancelledError`` rather than waiting
        for ever: a process ending must not hang on a run nobody will read (a reference
        computed ahead of time, a learner's cell).
        """
        with self.lock:
            if self.loop is None:
                return
            if self.loop.is_running():
                with contextlib.suppress(Exception):
                    wind_down = asyncio.run_coroutine_threadsafe(_cancel_all(grace), self.loop)
                    wind_down.result(grace + 5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            if not self.loop.is_running():
                self.loop.close()
            self.loop = None


async def _cancel_all(grace: float) -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=grace)

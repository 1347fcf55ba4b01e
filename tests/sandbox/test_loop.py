"""The event loop thread the kernels run on: stopping it never leaves a caller waiting."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

from app.sandbox.loop import LoopThread
from tests.waiting import poll


def test_stopping_the_loop_cancels_a_run_in_progress_and_lets_it_clean_up():
    runner = LoopThread("test-loop")
    started, cleaned, outcome = threading.Event(), threading.Event(), {}

    async def long_run():
        started.set()
        try:
            await asyncio.Event().wait()  # a reference nobody will read, still running
        finally:
            cleaned.set()  # where a run shuts its kernel down

    def caller():
        try:
            outcome["value"] = runner.call(long_run())
        except concurrent.futures.CancelledError:
            outcome["cancelled"] = True

    waiting = threading.Thread(target=caller, daemon=True)
    waiting.start()
    assert started.wait(10)
    runner.stop()
    waiting.join(10)
    assert not waiting.is_alive() and outcome == {"cancelled": True}
    assert cleaned.is_set()
    assert poll(lambda: runner.loop is None)

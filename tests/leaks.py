"""Collecting what an app's shut-down event loops left behind, at a place of our choosing."""

from __future__ import annotations

import gc
import warnings


def collect_abandoned_kernels() -> None:
    """Garbage-collect kernels abandoned mid-run, here rather than in some later test.

    Known gap: a run still going when a test's app stops its event loops is never shut down
    itself; the garbage collector closes its sockets and log file later, and the
    ResourceWarnings it raises then would fail whichever test happens to be running.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()

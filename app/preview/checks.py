"""'Check this lab' in the preview: ``flask labs check --seeds 1 <id>`` in a background thread.

The pass itself (reference solution full marks, learner version zero, every pitfall loses
points) is the one ``flask labs check`` runs; the command that starts the preview hands it
in as *run* (``app.cli.preview``), so this module knows nothing of kernels. One check runs
at a time, whatever the lab: each costs two to six sandboxed notebook runs, and an author's
machine is also running the preview.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.content.labs import Lab
from app.errors import Conflict

logger = logging.getLogger(__name__)

# run(lab, progress) -> (passed, the report's text); progress() after each notebook graded.
CheckRun = Callable[[Lab, Callable[[], None]], tuple[bool, str]]


@dataclass(frozen=True)
class CheckState:
    lab_id: str
    version: str  # the lab's content hash when the check started
    total: int  # notebooks to grade: the reference, the learner version, each pitfall
    done: int = 0
    running: bool = True
    passed: bool | None = None
    text: str = ""
    started: float = 0.0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "lab": self.lab_id,
            "running": self.running,
            "done": self.done,
            "total": self.total,
            "passed": self.passed,
            "text": self.text,
            "seconds": round(self.seconds, 1),
        }


class LabChecks:
    def __init__(self, run: CheckRun, clock: Callable[[], float] = time.monotonic) -> None:
        self._run = run
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, CheckState] = {}
        self._thread: threading.Thread | None = None

    def status(self, lab_id: str) -> CheckState | None:
        return self._states.get(lab_id)

    def start(self, lab: Lab) -> CheckState:
        """Start checking *lab* on seed 1; Conflict while a check (of any lab) runs."""
        with self._lock:
            busy = next((s for s in self._states.values() if s.running), None)
            if busy is not None:
                raise Conflict(f"The check of {busy.lab_id} is still running; wait for it.")
            state = CheckState(lab.id, lab.version, 2 + len(lab.pitfalls), started=self._clock())
            self._states[lab.id] = state
            self._thread = threading.Thread(
                target=self._work, args=(lab,), name=f"preview-check-{lab.id}", daemon=True
            )
            self._thread.start()
        return state

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running check's thread (tests, and the command's shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _work(self, lab: Lab) -> None:
        try:
            passed, text = self._run(lab, lambda: self._update(lab.id, done=1))
        except Exception as exc:  # the top of a background job: report, never crash silently
            logger.exception("checking %s failed", lab.id)
            passed, text = False, f"The check could not run ({type(exc).__name__}: {exc})."
        self._update(lab.id, running=False, passed=passed, text=text)

    def _update(self, lab_id: str, *, done: int = 0, **changes) -> None:
        with self._lock:
            state = self._states[lab_id]
            self._states[lab_id] = replace(
                state,
                done=min(state.total, state.done + done),
                seconds=self._clock() - state.started,
                **changes,
            )

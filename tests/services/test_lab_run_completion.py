"""Completion and help in a workspace come from its kernel, through the session manager."""

from __future__ import annotations

from app.engine.events import EventLog
from app.engine.runs import CellRuns
from app.sandbox.sessions import FakeSessions


def test_completion_and_help_ask_the_workspaces_own_kernel():
    sessions = FakeSessions()
    runs = CellRuns(sessions, EventLog(), lambda *args: None)
    try:
        assert runs.complete(3, "ma", 2) == {
            "matches": [],
            "cursor_start": 2,
            "cursor_end": 2,
            "reason": "no-kernel",
        }
        assert runs.inspect(3, "len(", 4) == {"found": False, "text": "", "reason": "no-kernel"}
        assert sessions.kernels == {}  # asking started nothing
        sessions.start(CellRuns.key(3))
        assert runs.complete(3, "x = 1\nma", 8) == {
            "matches": ["math", "max"],
            "cursor_start": 6,
            "cursor_end": 8,
        }
        assert runs.complete(4, "ma", 2)["reason"] == "no-kernel"  # another workspace's
        help_ = runs.inspect(3, "n = len(", 8)
        assert help_["found"] and "Return the number of items" in help_["text"]
        assert runs.inspect(3, "n = zip(", 8) == {"found": False, "text": ""}
    finally:
        runs.close()

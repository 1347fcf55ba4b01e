"""A learner's cells run in their own seeded kernel; outputs stream and are saved."""

from __future__ import annotations

import threading

import pytest

from app.engine.events import EventLog
from app.engine.runs import CellRuns
from app.errors import Conflict
from app.sandbox.sessions import SessionManager


@pytest.fixture
def runs(executor):
    saved: dict = {}
    done = threading.Event()

    def save(workspace_id, cell_id, outputs, status, execution_count):
        saved[(workspace_id, cell_id)] = (outputs, status)
        done.set()

    sessions = SessionManager(executor.config(), idle_seconds=60)
    log = EventLog()
    cell_runs = CellRuns(sessions, log, save)
    cell_runs.saved, cell_runs.done, cell_runs.log = saved, done, log
    yield cell_runs
    cell_runs.close()
    sessions.close()


def event_where(runs, workspace_id: int, predicate) -> dict:
    """The first event of the workspace matching *predicate*, waiting up to 30 s for it."""
    after = 0
    while True:
        batch = runs.log.since(CellRuns.key(workspace_id), after, wait=30)
        assert batch, "the event did not come"
        for number, event in batch:
            if predicate(event):
                return event
            after = number


def events_until_done(runs, workspace_id: int, cell: str) -> list[dict]:
    """The workspace's events up to the "done" of *cell*, waiting up to 30 s for each."""
    events: list[dict] = []

    def collect(event: dict) -> bool:
        events.append(event)
        return event["type"] == "done" and event.get("cell") == cell

    event_where(runs, workspace_id, collect)
    return events


def first_output(runs, workspace_id: int, cell: str) -> str:
    return event_where(runs, workspace_id, lambda e: e["type"] == "output" and e["cell"] == cell)[
        "output"
    ]["text"]


def run_and_wait(runs, workspace_id, seed, cell_id, code):
    runs.done.clear()
    runs.run(workspace_id, seed, [(cell_id, code)])
    assert runs.done.wait(60), "the cell did not finish"
    return runs.saved[(workspace_id, cell_id)]


def test_the_learners_seed_is_set_and_outputs_are_saved(runs):
    outputs, status = run_and_wait(runs, 7, 4242, "a", "print(SHOPFLOOR_SEED)")
    assert status == "ok"
    assert outputs == [{"type": "stream", "name": "stdout", "text": "4242\n"}]
    kinds = [e["type"] for _, e in runs.log.since(CellRuns.key(7), 0)]
    assert kinds == ["queued", "running", "output", "done"]


def test_html_outputs_reach_the_page_sanitised(runs):
    code = (
        "from IPython.display import HTML\n"
        "HTML('<table><tr><td onclick=\"x()\">1</td></tr></table><script>alert(1)</script>')"
    )
    outputs, _ = run_and_wait(runs, 8, 1, "b", code)
    [html] = [o for o in outputs if o.get("mime") == "text/html"]
    assert "<td>1</td>" in html["data"]
    assert "script" not in html["data"] and "onclick" not in html["data"]


def test_one_cell_at_a_time_per_workspace(runs):
    runs.run(9, 1, [("slow", "import time\nprint('started', flush=True)\ntime.sleep(60)")])
    with pytest.raises(Conflict, match="still running"):
        runs.run(9, 1, [("other", "1")])
    assert first_output(runs, 9, "slow") == "started\n"
    runs.interrupt(9)
    assert runs.done.wait(60)
    assert runs.saved[(9, "slow")][1] == "error"  # KeyboardInterrupt: the kernel lives on
    outputs, status = run_and_wait(runs, 9, 1, "other", "print('after')")
    assert status == "ok" and outputs[0]["text"] == "after\n"


def test_a_restart_starts_clean_and_seeds_again(runs):
    run_and_wait(runs, 10, 5, "a", "x = 1")
    runs.restart(10, 5)
    outputs, status = run_and_wait(runs, 10, 5, "b", "print(SHOPFLOOR_SEED, 'x' in dir())")
    assert outputs[0]["text"] == "5 False\n"


def test_run_all_stops_at_the_first_cell_that_fails(runs):
    runs.done.clear()
    runs.run(11, 1, [("a", "x = 2"), ("b", "1 / 0"), ("c", "print('never')")])
    events = events_until_done(runs, 11, "c")
    done = {e["cell"]: e["status"] for e in events if e["type"] == "done"}
    assert done == {"a": "ok", "b": "error", "c": "skipped"}
    assert (11, "c") not in runs.saved  # a skipped cell keeps the outputs it had


def test_an_interrupt_also_cancels_the_cells_still_queued(runs):
    runs.run(12, 1, [("slow", "import time\nprint('go', flush=True)\ntime.sleep(60)"),
                     ("next", "print('should not run')")])  # fmt: skip
    assert first_output(runs, 12, "slow") == "go\n"
    runs.interrupt(12)
    events = events_until_done(runs, 12, "next")
    assert [e["status"] for e in events if e["type"] == "done"] == ["error", "skipped"]
    assert runs.status(12) == "idle"  # the kernel survived the interrupt


def test_a_page_loaded_during_a_run_replays_that_run(runs):
    run_and_wait(runs, 13, 1, "a", "print('earlier')")
    assert runs.follow_from(13) == runs.log.last(CellRuns.key(13))  # idle: only new events
    before = runs.log.last(CellRuns.key(13))
    runs.run(13, 1, [("slow", "import time\nprint('go', flush=True)\ntime.sleep(60)")])
    assert first_output(runs, 13, "slow") == "go\n"
    assert runs.follow_from(13) == before  # a reload now sees the run from its start
    runs.interrupt(13)


def test_a_run_the_event_log_refused_leaves_the_workspace_free():
    """Review finding: an event log away (Redis) at the start of a run locked the workspace."""
    from app.sandbox.sessions import FakeSessions

    class Away(EventLog):
        def publish(self, key, event):
            raise ConnectionError("the event log is away")

    runs = CellRuns(FakeSessions(), Away(), lambda *args: None)
    try:
        with pytest.raises(ConnectionError):
            runs.run(7, 1, [("a", "1")])
        runs.events = EventLog()  # back again: the learner can run
        runs.run(7, 1, [("a", "1")])
    finally:
        runs.close()

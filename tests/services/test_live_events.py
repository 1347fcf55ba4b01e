"""Pages following a kernel or a grade get every event once, in order, or a reload."""

from __future__ import annotations

import threading

from app.services.live_events import RELOAD, EventLog


def test_readers_get_what_came_after_their_last_number():
    log = EventLog()
    for n in range(3):
        log.publish("k", {"n": n})
    assert [e["n"] for _, e in log.since("k", 0)] == [0, 1, 2]
    assert [number for number, _ in log.since("k", 2)] == [3]
    assert log.since("k", 3) == [] and log.since("other", 0) == []


def test_a_waiting_reader_wakes_when_an_event_is_published():
    log = EventLog()
    got = []
    reader = threading.Thread(target=lambda: got.extend(log.since("k", 0, wait=30)))
    reader.start()
    log.publish("k", {"type": "stream", "text": "hello"})
    reader.join(30)
    assert got == [(1, {"type": "stream", "text": "hello"})]


def test_a_reader_that_fell_behind_is_told_to_reload():
    log = EventLog(keep=3)
    for n in range(10):
        log.publish("k", {"n": n})
    assert log.since("k", 2) == [(10, RELOAD)]
    assert [e["n"] for _, e in log.since("k", 7)] == [7, 8, 9]


def test_keys_are_separate_streams():
    log = EventLog()
    log.publish("alice", {"x": 1})
    log.publish("bob", {"x": 2})
    assert log.since("alice", 0) == [(1, {"x": 1})]
    assert log.last("bob") == 1
    log.forget("bob")
    assert log.since("bob", 0) == []


def test_a_reader_from_before_a_server_restart_is_told_to_reload():
    old = EventLog()
    for n in range(5):
        old.publish("k", {"n": n})
    restarted = EventLog()  # the process restarted: a new, empty log
    assert restarted.since("k", old.last("k"), wait=5) == [(0, RELOAD)]  # no waiting
    restarted.publish("k", {"n": 0})
    assert restarted.since("k", old.last("k")) == [(0, RELOAD)]
    assert restarted.since("k", 0) == [(1, {"n": 0})]  # after reloading, it follows again


def test_a_run_is_over_before_its_last_done_event_goes_out():
    """A page may run the next cell as soon as it hears "done": it must not get a 409."""
    from app.sandbox.sessions import FakeSessions
    from app.services.lab_runs import CellRuns

    busy_at_done: list[bool] = []
    finished = threading.Event()

    class Watching(EventLog):
        def publish(self, key, event):
            if event["type"] == "done":
                busy_at_done.append(key in runs.running)
                if event["cell"] == "c":
                    finished.set()
            return super().publish(key, event)

    runs = CellRuns(FakeSessions(), Watching(), lambda *args: None)
    try:
        runs.run(1, 7, [("a", "1"), ("b", "2"), ("c", "3")])
        assert finished.wait(20)
        assert busy_at_done == [True, True, False]  # only the last one frees the workspace
        runs.run(1, 7, [("a", "1")])  # at once, no Conflict
    finally:
        runs.close()

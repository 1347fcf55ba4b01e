"""Pages following a kernel or a grade get every event once, in order, or a reload.

The behaviour is the same whether the log lives in this process (embedded) or in Redis
Streams (distributed, on the suite's Redis under a key prefix of the test's own).
"""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import redis

from app.engine.events import RELOAD, EventLog, RedisEventLog


@pytest.fixture
def redis_log(redis_url):
    """Make Redis-backed logs that share one prefix (as processes of one site do)."""
    client = redis.Redis.from_url(redis_url)
    prefix = f"shopfloor-test-{uuid.uuid4().hex[:10]}:"
    yield lambda **options: RedisEventLog(client, prefix=prefix, **options)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def make_log(request):
    if request.param == "memory":
        return EventLog
    return request.getfixturevalue("redis_log")


def test_readers_get_what_came_after_their_last_number(make_log):
    log = make_log()
    for n in range(3):
        log.publish("k", {"n": n})
    assert [e["n"] for _, e in log.since("k", 0)] == [0, 1, 2]
    assert [number for number, _ in log.since("k", 2)] == [3]
    assert log.since("k", 3) == [] and log.since("other", 0) == []


def test_a_waiting_reader_wakes_when_an_event_is_published(make_log):
    log = make_log()
    got = []
    reader = threading.Thread(target=lambda: got.extend(log.since("k", 0, wait=30)))
    reader.start()
    log.publish("k", {"type": "stream", "text": "hello"})
    reader.join(30)
    assert got == [(1, {"type": "stream", "text": "hello"})]


def test_a_reader_that_fell_behind_is_told_to_reload(make_log):
    log = make_log(keep=3)
    for n in range(10):
        log.publish("k", {"n": n})
    assert log.since("k", 2) == [(10, RELOAD)]
    assert [e["n"] for _, e in log.since("k", 7)] == [7, 8, 9]


def test_keys_are_separate_streams(make_log):
    log = make_log()
    log.publish("alice", {"x": 1})
    log.publish("bob", {"x": 2})
    assert log.since("alice", 0) == [(1, {"x": 1})]
    assert log.last("bob") == 1
    log.forget("bob")
    assert log.since("bob", 0) == []


def test_a_reader_resumes_from_its_last_number_on_another_web_process(redis_log):
    """Distributed: the browser's reconnect lands on another process, which has the events."""
    first, second = redis_log(), redis_log()
    for n in range(4):
        first.publish("k", {"n": n})
    assert [(number, e["n"]) for number, e in second.since("k", 2)] == [(3, 2), (4, 3)]
    second.publish("k", {"n": 4})  # either process publishes: one numbering
    assert first.last("k") == 5


def test_numbers_stay_in_order_when_processes_publish_at_once(redis_log):
    logs = [redis_log() for _ in range(4)]
    threads = [
        threading.Thread(target=lambda log=log: [log.publish("k", {}) for _ in range(50)])
        for log in logs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [number for number, _ in logs[0].since("k", 0)] == list(range(1, 201))


def test_a_reader_after_redis_lost_its_data_is_told_to_reload(redis_log):
    log = redis_log()
    for n in range(3):
        log.publish("k", {"n": n})
    log.forget("k")  # what a Redis restart without persistence leaves
    assert log.since("k", 3, wait=5) == [(0, RELOAD)]  # at once, no waiting


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
    from app.engine.runs import CellRuns
    from app.sandbox.sessions import FakeSessions

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


def test_a_key_keeps_only_the_newest_events_within_its_byte_budget(make_log):
    """A page printing in a loop: the log keeps the newest events that fit its budget,
    never more; a reader at an event that was dropped reloads, one that kept up reads on."""
    log = make_log(budget=10_000)
    events = [{"n": n, "text": "x" * 990} for n in range(50)]
    for event in events:
        log.publish("k", event)
    fit = 10_000 // len(json.dumps(events[-1]))  # 9 events of ~1 kB
    oldest_kept = 50 - fit + 1  # events are numbered from 1
    kept = log.since("k", oldest_kept - 1)
    assert [e["n"] for _, e in kept] == list(range(50 - fit, 50))
    assert log.since("k", oldest_kept - 2) == [(50, RELOAD)]
    assert log.since("k", 1) == [(50, RELOAD)]


def test_an_event_bigger_than_the_budget_is_still_delivered(make_log):
    log = make_log(budget=1_000)
    log.publish("k", {"n": 0})
    log.publish("k", {"n": 1, "text": "y" * 5_000})
    assert [e["n"] for _, e in log.since("k", 1)] == [1]

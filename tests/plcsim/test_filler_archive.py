"""Two hours of the filler as a historian holds them (lab-historian-queries): events stored
as the lab says, and a window and query times on which each of the lab's traps shows."""

from __future__ import annotations

from bisect import bisect_right

import pytest

from plcsim import filler_archive as fa
from plcsim.packml import State

SEEDS = range(1, 7)


@pytest.fixture(scope="module")
def runs():
    return {seed: fa.simulate(seed) for seed in SEEDS}


def filler(line, column: str) -> list:
    table = line.historian.columns
    return [v for unit, v in zip(table["unit"], table[column], strict=True) if unit == "Filler"]


def at(events: dict, t: float):
    """The value in force at *t*: the last event at or before it."""
    return events["value"][bisect_right(events["time_s"], t) - 1]


def around(events: dict, t: float) -> tuple:
    i = bisect_right(events["time_s"], t) - 1
    return events["time_s"][i], events["value"][i], events["time_s"][i + 1], events["value"][i + 1]


def test_the_same_seed_gives_the_same_archive_and_seeds_differ(runs):
    assert fa.filler_archive(1) == runs[1][1]
    assert runs[1][1]["product_temp"] != runs[2][1]["product_temp"]
    assert runs[1][1]["window"] != runs[2][1]["window"] or (
        runs[1][1]["query_times"] != runs[2][1]["query_times"]
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_tags_are_stored_as_the_lab_says(runs, seed):
    line, archive = runs[seed]
    temp = archive["product_temp"]
    assert temp["time_s"] == [float(t) for t in range(fa.ARCHIVE_S)]
    assert all(isinstance(v, float) and 15 < v < 30 for v in temp["value"])
    times = filler(line, "time_s")
    for name, column in (("speed", "speed"), ("state", "state")):
        events = archive[name]
        values = events["value"]
        assert events["time_s"][0] == 0.0
        assert all(a != b for a, b in zip(values, values[1:], strict=False)), "on change"
        # Read back as steps, the events give every scan's value.
        assert [at(events, t) for t in times] == filler(line, column)
    count = archive["count"]
    assert all(t % fa.COUNT_POLL_S == 0 for t in count["time_s"])
    polls = {t: c for t, c in zip(times, filler(line, "produced_count"), strict=True)}
    assert all(at(count, t) == polls[t] for t in range(0, fa.ARCHIVE_S, fa.COUNT_POLL_S))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_filler_is_changed_over_and_its_counter_rolls_over(runs, seed):
    line, archive = runs[seed]
    start, minutes = fa.changeover(seed)
    assert 35 * 60 <= start <= 75 * 60 and 10 <= minutes <= 20
    states = archive["state"]["value"]
    assert int(State.STOPPED) in states and int(State.EXECUTE) in states
    counts = archive["count"]["value"]
    assert 2400 <= fa.MODULUS - counts[0] <= 3600
    assert sum(b < a for a, b in zip(counts, counts[1:], strict=False)) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_the_window_starts_in_execute_and_holds_the_rollover(runs, seed):
    line, archive = runs[seed]
    start, end = archive["window"]
    assert end - start == 3600 and start % 60 == 0 and 0 < start < end < fa.ARCHIVE_S
    state = archive["state"]
    assert at(state, start) == fa.EXECUTE
    # The first event inside the hour comes a minute or more after its start, so a query
    # that forgets the value in force at the start loses Execute time.
    assert all(not start - 60 < t < start + 60 for t in state["time_s"])
    count = archive["count"]
    before, after = at(count, start), at(count, end)
    assert after < before, "the counter rolls over within the hour"
    # The difference modulo 65,536 is what the filler really made between the two polls.
    total = dict(zip(filler(line, "time_s"), filler(line, "produced_total"), strict=True))
    assert (after - before) % fa.MODULUS == total[end] - total[start]


@pytest.mark.parametrize("seed", SEEDS)
def test_step_and_linear_read_backs_differ_at_every_query_time(runs, seed):
    line, archive = runs[seed]
    times = archive["query_times"]
    assert len(times) == fa.QUERIES and times == sorted(times)
    assert all(b - a >= fa.QUERY_GAP_S for a, b in zip(times, times[1:], strict=False))
    for t in times:
        assert t == int(t) and t % fa.COUNT_POLL_S
        for name in ("state", "speed", "count"):
            t0, v0, t1, v1 = around(archive[name], t)
            assert t0 < t < t1 and v0 != v1, (name, t)
        t0, _, t1, _ = around(archive["state"], t)
        assert t - t0 >= 20 and t1 - t >= 20


def test_an_unfit_run_is_drawn_again(monkeypatch):
    real, tried = fa.archive, []

    def archive(line, seed, attempt=0):
        tried.append(attempt)
        if attempt == 0:
            raise fa.Unfit("made unfit for the test")
        return real(line, seed, attempt)

    monkeypatch.setattr(fa, "archive", archive)
    line, data = fa.simulate(3)
    assert tried == [0, 1]
    assert data["count"]["value"][0] == fa.counter_start(3, 1) != fa.counter_start(3, 0)


def test_a_seed_that_never_fits_is_refused(monkeypatch):
    def unfit(line, seed, attempt=0):
        raise fa.Unfit("never")

    monkeypatch.setattr(fa, "run", lambda seed, attempt=0: None)
    monkeypatch.setattr(fa, "archive", unfit)
    with pytest.raises(RuntimeError, match=f"no fit archive in {fa.ATTEMPTS} attempts"):
        fa.simulate(1)

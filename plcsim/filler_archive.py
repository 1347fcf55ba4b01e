"""Two hours of the Riverbend filler as a historian holds them (``lab-historian-queries``).

``filler_archive(seed)`` runs the packaging line (``scenario("packaging-line", seed)``) for
the first two hours of a day shift, 06:00-08:00 in Chicago (12:00-14:00 UTC, Monday
16 November 2026), and returns what a historian would hold of the Filler:

- ``product_temp``: the raw one-second readings of ``Filler/ProductTemp`` (7,200 of them),
  before any exception reporting or compression, for the learner to filter;
- ``speed`` and ``state``: ``Status/CurMachSpeed`` and ``Status/StateCurrent`` stored on
  change (exception deviation 0), so they hold until the next event;
- ``count``: ``Admin/ProdProcessedCount``, the 16-bit counter, polled every
  ``COUNT_POLL_S`` seconds and stored when it changed;
- ``window``: a lot's hour (start and end in seconds, on whole minutes) that begins in the
  middle of a spell in Execute (no state change within a minute of its start) and in which
  the counter rolls over;
- ``query_times``: four instants at least five minutes apart (whole seconds, off the
  counter's polls, no state change within 20 s), each between two state events, two speed
  events and two counter events of different values, so that step and linear read-backs
  of the state, the speed and the counter differ there.

Times are seconds from the start of the archive; ``START`` is that instant in UTC. Between
35 and 75 minutes in, the Filler is changed over to another product for 10 to 20 minutes.
Its counter starts where earlier shifts left it, as with ``carry_counters=True``, but
2,400-3,600 bottles short of the rollover, so that it rolls over within these two hours
(an 8-hour shift would cost the labs' kernels four times the simulation). In the rare seed
whose two hours cannot give such a window or such query times (the filler down too long),
the changeover time and the counter's start are drawn again, up to ``ATTEMPTS`` times.
Each seed gives its own data; the line is the one of the other labs, so the data are its
behaviour, not made for the lab. Standard library only.
"""

from __future__ import annotations

import random
from bisect import bisect_right

from plcsim.packml import State
from plcsim.scenarios import scenario

ARCHIVE_S = 2 * 3600
START = "2026-11-16T12:00:00+00:00"  # 06:00 in Chicago (CST, UTC-6)
COUNT_POLL_S = 10
WINDOW_S = 3600
QUERIES = 4
QUERY_GAP_S = 300  # query times at least five minutes apart
EXECUTE = int(State.EXECUTE)
TEMP_TAG = "Filler/ProductTemp"
MODULUS = 2**16
ATTEMPTS = 20


class Unfit(Exception):
    """A run whose two hours cannot give the lab's window or query times."""


def counter_start(seed: int, attempt: int = 0) -> int:
    """Where the Filler's counter stands at 06:00: 2,400-3,600 bottles short of rollover."""
    rng = random.Random(f"plcsim:{seed}:archive-counter:{attempt}")  # noqa: S311 - simulation
    return MODULUS - rng.randrange(2400, 3601)


def changeover(seed: int, attempt: int = 0) -> tuple[int, float]:
    """When the Filler's changeover starts (seconds, 35-75 minutes in) and how many minutes
    it takes (10-20)."""
    rng = random.Random(f"plcsim:{seed}:archive-changeover:{attempt}")  # noqa: S311
    return rng.randrange(35 * 60, 75 * 60 + 1), round(rng.uniform(10.0, 20.0), 1)


def run(seed: int, attempt: int = 0):
    """The packaging line after the archive's two hours."""
    start = counter_start(seed, attempt)
    line = scenario("packaging-line", seed, counter_start={"Filler": start})
    at, minutes = changeover(seed, attempt)
    line.changeover(at, "Filler", minutes, product="sparkling")
    line.run(ARCHIVE_S)
    return line


def _on_change(times: list[float], values: list) -> dict[str, list]:
    kept_t, kept_v = [], []
    for t, v in zip(times, values, strict=True):
        if not kept_v or v != kept_v[-1]:
            kept_t.append(t)
            kept_v.append(v)
    return {"time_s": kept_t, "value": kept_v}


def _before(events: dict[str, list], t: float) -> int:
    """Index of the last event at or before *t*."""
    i = bisect_right(events["time_s"], t) - 1
    if i < 0:
        raise ValueError(f"no event at or before {t} s")
    return i


def _differs_around(events: dict[str, list], t: float) -> bool:
    """True when *t* lies strictly between two events with different values."""
    i = _before(events, t)
    times, values = events["time_s"], events["value"]
    return times[i] < t and i + 1 < len(times) and values[i + 1] != values[i]


def _steady(state: dict[str, list], t: float, margin: float) -> bool:
    """No state change within *margin* seconds either side of *t*."""
    i = _before(state, t)
    times = state["time_s"]
    following = times[i + 1] if i + 1 < len(times) else ARCHIVE_S
    return times[i] <= t - margin and following >= t + margin


def _executing(state: dict[str, list], t: float, margin: float) -> bool:
    """In Execute at *t*, with no state change within *margin* seconds either side."""
    return state["value"][_before(state, t)] == EXECUTE and _steady(state, t, margin)


def filler_archive(seed: int) -> dict:
    """The Filler's two hours as a historian holds them; see the module's docstring."""
    return simulate(seed)[1]


def simulate(seed: int):
    """The line after its two hours and its archive (for tests that need both)."""
    for attempt in range(ATTEMPTS):
        line = run(seed, attempt)
        try:
            return line, archive(line, seed, attempt)
        except Unfit:
            continue
    raise RuntimeError(f"seed {seed}: no fit archive in {ATTEMPTS} attempts")


def archive(line, seed: int, attempt: int = 0) -> dict:
    """The archive of *line*, already run by ``run(seed, attempt)``; Unfit if it has no
    window or query times that fit the lab."""
    columns = line.historian.columns
    rows = [i for i, unit in enumerate(columns["unit"]) if unit == "Filler"]
    times = [columns["time_s"][i] for i in rows]
    speed = _on_change(times, [columns["speed"][i] for i in rows])
    state = _on_change(times, [columns["state"][i] for i in rows])
    polls = [i for i, t in enumerate(times) if round(t) % COUNT_POLL_S == 0]
    count = _on_change(
        [times[i] for i in polls], [columns["produced_count"][rows[i]] for i in polls]
    )

    log = line.sensor_log.columns
    temp = [i for i, tag in enumerate(log["tag"]) if tag == TEMP_TAG]
    product_temp = {
        "time_s": [log["time_s"][i] for i in temp],
        "value": [log["value"][i] for i in temp],
    }

    rng = random.Random(f"plcsim:{seed}:archive-window:{attempt}")  # noqa: S311 - simulation
    values = count["value"]
    drops = [count["time_s"][i] for i in range(1, len(values)) if values[i] < values[i - 1]]
    if not drops:
        raise Unfit("the counter does not roll over")
    rollover = drops[0]
    starts = [
        t
        for t in range(60, ARCHIVE_S - WINDOW_S, 60)  # ends before the export does
        if rollover - 45 * 60 <= t <= rollover - 5 * 60 and _executing(state, t, 60)
    ]
    if not starts:
        raise Unfit("no whole minute in Execute before the rollover")
    window_start = rng.choice(starts)

    last_change = state["time_s"][-1]
    candidates = [
        t
        for t in range(60, int(last_change) - 20)
        if t % COUNT_POLL_S
        and _steady(state, t, 20)
        and _differs_around(speed, t)
        and _differs_around(count, t)
    ]
    rng.shuffle(candidates)
    query_times: list[float] = []
    for t in candidates:
        if all(abs(t - other) >= QUERY_GAP_S for other in query_times):
            query_times.append(float(t))
            if len(query_times) == QUERIES:
                break
    else:
        raise Unfit(f"fewer than {QUERIES} query times")
    query_times.sort()

    return {
        "start": START,
        "product_temp": product_temp,
        "speed": speed,
        "state": state,
        "count": count,
        "window": [float(window_start), float(window_start + WINDOW_S)],
        "query_times": query_times,
    }

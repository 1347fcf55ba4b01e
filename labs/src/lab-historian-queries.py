"""Writes labs/lab-historian-queries.ipynb: compression and time-series queries on the filler.

Run from the repository root:  .venv/bin/python labs/src/lab-historian-queries.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-historian-queries"


INTRO = r"""
# Historian queries on a shift of Riverbend data

**Competency:** SM.IDQ.1 *Store and query historian data* · about 70 minutes.

Monday, 16 November 2026, day shift on Riverbend's line 1. The first two hours, 06:00 to
08:00 in Chicago (12:00 to 14:00 UTC: the historian stores UTC), are exported for you from
the plant's collector and historian. Somewhere between about 06:35 and 07:15 the Filler
was changed over from still to sparkling water. The export holds:

| Variable | Tag | How the historian holds it |
| --- | --- | --- |
| `temp` | `Filler/ProductTemp`, °C | **raw**: every one-second reading, before any exception or compression (you will apply them) |
| `speed` | `Filler/Status/CurMachSpeed`, bottles/min | stored on change |
| `state` | `Filler/Status/StateCurrent`, PackML state number (6 = Execute) | stored on change |
| `count` | `Filler/Admin/ProdProcessedCount`, 16-bit counter | polled every 10 s, stored when it changed |

Each is a pandas Series indexed by UTC timestamps. A stored event holds from its time to
the next event; the export ends at `END` (08:00 local).

By the end of this lab you can:

1. apply an **exception deadband** and a **swinging-door compression** to the product
   temperature, count what each keeps and measure how far the read-back strays;
2. read values back at given times, **step or linear** as each tag needs;
3. compute, for the hour QA asks about, the **time-weighted average** speed, the
   **total**, the **time in Execute** with the value in force at the window's start, and
   the **production across the counter rollover**;
4. compute half-hourly time-weighted averages without the `resample().mean()` trap.

The lessons *What a historian stores, and what it throws away* and *Querying time series*
show each idea; *Counters, states and time* shows the rollover and time in state. Your data come from your own seed
(`SHOPFLOOR_SEED`). Run the cells in order, write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import numpy as np
import pandas as pd

from plcsim.filler_archive import filler_archive

archive = filler_archive(SHOPFLOOR_SEED)
START = pd.Timestamp(archive["start"])     # 12:00 UTC = 06:00 in Chicago
END = START + pd.Timedelta(hours=2)        # the export ends here (08:00 local)


def series(events, name):
    index = pd.DatetimeIndex(START + pd.to_timedelta(events["time_s"], unit="s"), name="time")
    return pd.Series(events["value"], index=index, name=name)


def seconds(times):
    # Seconds after START: a float for one timestamp, an array for several.
    if isinstance(times, pd.Timestamp):
        return (times - START).total_seconds()
    return (pd.DatetimeIndex(times) - START).total_seconds().to_numpy()


temp = series(archive["product_temp"], "ProductTemp")        # degC, raw, one a second
speed = series(archive["speed"], "CurMachSpeed")              # bottles/min, on change
state = series(archive["state"], "StateCurrent")              # PackML state, on change
count = series(archive["count"], "ProdProcessedCount")        # 16-bit, polled every 10 s
temp_s, temp_v = seconds(temp.index), temp.to_numpy()          # the readings as two arrays

EXECUTE = 6
LOT_START, LOT_END = (START + pd.Timedelta(seconds=s) for s in archive["window"])
QUERY_TIMES = START + pd.to_timedelta(archive["query_times"], unit="s")

print(f"{len(temp):,} temperature readings; stored events: {len(speed):,} speed, "
      f"{len(state)} state, {len(count)} counter")
print(f"QA's hour (UTC): {LOT_START:%H:%M} to {LOT_END:%H:%M}; "
      f"query times: {', '.join(f'{t:%H:%M:%S}' for t in QUERY_TIMES)}")
state.head(8)
"""

TASK_EXCEPTION = r"""
## 1. Exception reporting: a deadband on the raw readings

The collector's exception test, as the lesson defines it: the **first** reading passes; each
later reading passes when it differs from the **last passed value** by **more than** the
deviation (equal is not more). Nothing else passes (this collector has no exception maximum
time). A historian reads a deadbanded tag back as steps: each passed value holds until the
next one.

Write `exception_filter(t, v, deviation)`: `t` the reading times in seconds, `v` the values
(arrays or lists of the same length), returning a **list of the positions** of the readings
that pass. Then, for your `temp_s` and `temp_v` and each deviation 0.1, 0.2 and 0.3 °C:

- `exception_kept[deviation]`: how many readings pass;
- `exception_error[deviation]`: the largest difference, over all 7,200 readings, between a
  reading and the value read back at its time as steps (the last passed value at or before
  it), in °C.
"""

ANSWER_EXCEPTION = r"""
# exception_filter(t, v, deviation) -> list of positions; exception_kept, exception_error
### BEGIN SOLUTION
def exception_filter(t, v, deviation):
    kept = [0]
    for i in range(1, len(v)):
        if abs(v[i] - v[kept[-1]]) > deviation:
            kept.append(i)
    return kept


def read_back_steps(t_kept, v_kept, t):
    i = np.searchsorted(t_kept, t, side="right") - 1  # the last kept reading at or before t
    return np.asarray(v_kept)[i]


exception_kept, exception_error = {}, {}
for deviation in (0.1, 0.2, 0.3):
    kept = exception_filter(temp_s, temp_v, deviation)
    exception_kept[deviation] = len(kept)
    back = read_back_steps(temp_s[kept], temp_v[kept], temp_s)
    exception_error[deviation] = float(np.max(np.abs(temp_v - back)))
### END SOLUTION
for deviation in (0.1, 0.2, 0.3):
    print(f"deadband {deviation} degC: {exception_kept[deviation]:5,} of {len(temp_v):,} kept "
          f"({len(temp_v) / exception_kept[deviation]:.1f} : 1), "
          f"largest step error {exception_error[deviation]:.4f} degC")
"""

TEST_EXCEPTION = r"""
# Self-check: the lesson's exercise (0.3 degC from 20.80) passes 21.12 and 20.70.
assert exception_filter([0, 1, 2, 3, 4, 5], [20.80, 20.95, 21.05, 21.12, 20.90, 20.70], 0.3) == [0, 3, 5]
assert exception_filter([0, 1, 2], [1.0, 1.5, 2.0], 0.5) == [0, 2], "equal to the deviation is not more"
assert all(exception_error[d] <= d for d in exception_error), "a step read-back strays at most the deviation"
print("Your exception filter behaves as the lesson's.")
"""

TASK_DOOR = r"""
## 2. Swinging-door compression, made exact

The archive compresses what the collector passed. The lesson describes the swinging door
with its two doors; this lab writes its test out exactly, in the terms AVEVA uses for the
PI Data Archive's compression test (the last archived value, the snapshot and the new
value; see its page
[Compression testing](https://docs.aveva.com/bundle/pi-server-s-da-admin/page/1021696.html)):

- The first value is stored; call the last stored value **A**. The value held but not yet
  stored is the **snapshot**.
- Values arrive in time order. When a **new** value N arrives, draw the straight line
  from A to N. If **every** value after A and before N lies within the deviation of that
  line (|value − line| ≤ deviation at its time), the snapshot is discarded for good and N
  becomes the snapshot.
- Otherwise the snapshot (the value just before N) is stored and becomes A; then N is
  tested against the new A (with nothing in between, it always fits) and becomes the
  snapshot.
- The last value is stored at the end.
- Count a value as within when |value − line| ≤ deviation + 1e-9. The readings have four
  decimals, so now and then one lies exactly at the deviation from a line, and rounding in
  the last binary digit must not decide whether it is stored.

Read back **linearly** between stored values, every discarded value then lies within the
deviation of the stored line: that is the property that makes the archive trustworthy.

You may test each new value against all the values since A (fine for these data), or keep
the two **doors**: the line from A through value i fits it exactly when its slope lies between
(vᵢ − v_A − deviation)/(tᵢ − t_A) and (vᵢ − v_A + deviation)/(tᵢ − t_A), so keep the
largest lower and the smallest upper limit over the values since A, and test the slope from A
to N against them. **Do not** store only when the doors cross (the lower limit above the
upper one, N's own limits included): that proves that *some* line from A fits, but the
archive draws the line to the stored value, which can miss a discarded value by up to
twice the deviation.

Write `swinging_door(t, v, deviation)`, returning the list of the stored positions. Then
run the plant's chain on `temp`: exception at 0.1 °C (`passed`, positions in `temp`),
then the swinging door at 0.3 °C on the passed values, and set

- `stored`: the positions **in `temp`** of the values the archive stores, and
  `temp_archive = temp.iloc[stored]`;
- `archive_kept`: how many values the archive stores;
- `door_error`: the largest difference between a **passed** value and the linear read-back
  of the archive at its time (at most 0.3 °C if your door is right);
- `archive_error`: the same over **all** the raw readings. It can exceed 0.1 + 0.3 °C: a
  reading the exception filter held back was within 0.1 °C of the value passed before it,
  but by the reading's time the stored line may have moved on from that value.

Use `np.interp(times, stored times, stored values)` for the linear read-back.
"""

ANSWER_DOOR = r"""
# swinging_door(t, v, deviation) -> list of positions; passed, stored, temp_archive,
# archive_kept, door_error, archive_error
### BEGIN SOLUTION
def swinging_door(t, v, deviation):
    n = len(v)
    if n <= 2:
        return list(range(n))
    deviation = deviation + 1e-9  # a value exactly at the deviation is within it
    kept, a = [0], 0
    low, high = -np.inf, np.inf  # the doors: limits on the slope of a line from A
    for j in range(1, n):
        span = t[j] - t[a]
        slope = (v[j] - v[a]) / span
        if not low <= slope <= high:  # the line from A to the new value misses one between
            a = j - 1  # store the snapshot and start again from it
            kept.append(a)
            low, high = -np.inf, np.inf
            span = t[j] - t[a]
            slope = (v[j] - v[a]) / span
        low = max(low, slope - deviation / span)
        high = min(high, slope + deviation / span)
    kept.append(n - 1)
    return kept


passed = exception_filter(temp_s, temp_v, 0.1)
door = swinging_door(temp_s[passed], temp_v[passed], 0.3)
stored = [passed[i] for i in door]
temp_archive = temp.iloc[stored]
archive_kept = len(stored)


def read_back_error(positions):
    line = np.interp(temp_s[positions], temp_s[stored], temp_v[stored])
    return float(np.max(np.abs(temp_v[positions] - line)))


door_error = read_back_error(passed)
archive_error = read_back_error(np.arange(len(temp_v)))
### END SOLUTION
print(f"{len(temp_v):,} readings -> {len(passed):,} passed exception (0.1 degC) -> "
      f"{archive_kept} stored by the door (0.3 degC): {len(temp_v) / archive_kept:.0f} : 1")
print(f"largest error of the linear read-back: {door_error:.4f} degC against the passed "
      f"values, {archive_error:.4f} degC against the raw readings")
"""

TEST_DOOR = r"""
# Self-check: a ramp needs its two ends; one value off the line by more than the deviation is
# kept; the property holds on your data.
assert swinging_door(list(range(10)), [2.0 * i for i in range(10)], 0.1) == [0, 9]
assert swinging_door([0, 1, 2, 3, 4], [0.0, 0.0, 1.2, 0.0, 0.0], 0.5) == [0, 1, 2, 3, 4]
assert swinging_door([0, 1, 2, 3, 4], [0.0, 0.0, 0.4, 0.0, 0.0], 0.5) == [0, 4]
assert door_error <= 0.3 + 1e-9, "a discarded value lies farther than 0.3 degC from the stored line"
print("Your swinging door keeps every discarded value within its deviation.")
"""

TASK_READ = r"""
## 3. Reading back: step or linear

Write `value_at(events, times, how)`: `events` a Series of stored events (like `speed`),
`times` timestamps (like `QUERY_TIMES`), `how` either `"step"` (the last event at or before
each time holds) or `"linear"` (a straight line between the events either side); return an
array of floats.

Then set `READ_AS`, a dict from each tag name to `"step"` or `"linear"`, as the lesson says
each must be read back (a compressed analog value; values stored on change; a state; a
counter), and `at_query`, a dict from the same names to the values at `QUERY_TIMES`: the
temperature from **your archive** `temp_archive`, the others from `speed`, `state` and
`count`. A state of 5.5 or a counter of 12,345.6 does not exist.
"""

ANSWER_READ = r"""
# value_at(events, times, how) -> array; READ_AS; at_query
### BEGIN SOLUTION
def value_at(events, times, how):
    t_events, t = seconds(events.index), seconds(times)
    values = events.to_numpy(dtype=float)
    if how == "linear":
        return np.interp(t, t_events, values)
    return values[np.searchsorted(t_events, t, side="right") - 1]  # last event at or before


READ_AS = {"ProductTemp": "linear", "CurMachSpeed": "step", "StateCurrent": "step", "ProdProcessedCount": "step"}
tags = {"ProductTemp": temp_archive, "CurMachSpeed": speed, "StateCurrent": state, "ProdProcessedCount": count}
at_query = {name: value_at(tags[name], QUERY_TIMES, READ_AS[name]) for name in READ_AS}
### END SOLUTION
pd.DataFrame(at_query, index=QUERY_TIMES.strftime("%H:%M:%S"))
"""

TASK_WINDOW = r"""
## 4. The hour QA asks about

QA is holding the bottles filled from `LOT_START` to `LOT_END` and asks four questions.
Each needs the value **in force at `LOT_START`**: the last event at or before it, moved to
`LOT_START`, because the first event inside the hour is usually some time after it.

1. Write `in_window(events, start, end)`: a Series that starts with the value in force at
   `start`, stamped `start`, followed by the events after `start` and before `end`. Each
   value then holds until the next one, the last until `end`.
2. Write `time_weighted_mean(events, start, end)` for a tag read as steps: each value
   weighted by the seconds it held within the window. Set `avg_speed` to the Filler's
   time-weighted average speed over the hour, in bottles/min. The plain mean of the stored
   events is wrong: a stop and a restart store many events, a steady run hardly any.
3. `total_bottles`: the total of the speed over the hour, the area under the steps, in
   bottles (bottles/min × minutes: mind the seconds).
4. `minutes_in_state`: a dict from each PackML state number to its minutes in the hour
   (they add up to 60), and `execute_min`, the minutes in Execute.
5. `production`: bottles counted in the hour, an `int`, from the counter read back as
   steps at `LOT_START` and `LOT_END`. The counter rolls over from 65,535 to 0 within this
   hour: take the difference modulo 65,536.
"""

ANSWER_WINDOW = r"""
# in_window, time_weighted_mean; avg_speed, total_bottles, minutes_in_state, execute_min, production
### BEGIN SOLUTION
def in_window(events, start, end):
    prior = events[events.index <= start]
    inside = events[(events.index > start) & (events.index < end)]
    head = pd.Series([prior.iloc[-1]], index=pd.DatetimeIndex([start]))  # in force at start
    return pd.concat([head, inside])


def held_seconds(events, end):
    # Seconds each event holds: until the next one, the last until end.
    return np.diff(np.append(seconds(events.index), seconds(end)))


def time_weighted_mean(events, start, end):
    window = in_window(events, start, end)
    held = held_seconds(window, end)
    return float(np.sum(window.to_numpy() * held) / np.sum(held))


avg_speed = time_weighted_mean(speed, LOT_START, LOT_END)
lot_speed = in_window(speed, LOT_START, LOT_END)
total_bottles = float(np.sum(lot_speed.to_numpy() * held_seconds(lot_speed, LOT_END)) / 60)

lot_state = in_window(state, LOT_START, LOT_END)
minutes = pd.Series(held_seconds(lot_state, LOT_END) / 60, index=lot_state.to_numpy())
minutes_in_state = {int(s): float(m) for s, m in minutes.groupby(level=0).sum().items()}
execute_min = minutes_in_state.get(EXECUTE, 0.0)

c_start, c_end = value_at(count, [LOT_START, LOT_END], READ_AS["ProdProcessedCount"])
production = int((c_end - c_start) % 65536)
### END SOLUTION
print(f"time-weighted average {avg_speed:.2f} bottles/min, total {total_bottles:,.0f} bottles")
print(f"minutes in each state: { {s: round(m, 2) for s, m in minutes_in_state.items()} }")
print(f"Execute {execute_min:.2f} min; counter {c_start:,.0f} -> {c_end:,.0f}: {production:,} bottles")
"""

TEST_WINDOW = r"""
# Self-check: the hour is accounted for, and the counter agrees with the speed's total.
assert abs(sum(minutes_in_state.values()) - 60) < 1e-6, "the states must fill the whole hour"
assert production > 0, "production cannot be negative"
assert abs(production - total_bottles) < 0.02 * total_bottles, "counter and speed total disagree"
print(f"The hour adds up, and the counter and the speed total agree within "
      f"{abs(production - total_bottles) / total_bottles:.2%}.")
"""

TASK_HALF = r"""
## 5. Half-hourly averages

The shift report wants the Filler's time-weighted average speed for each half hour of the
export: 06:00-06:30, 06:30-07:00, 07:00-07:30 and 07:30-08:00 local. Set `half_hourly` to the
four values, in order, in bottles/min. `speed.resample("30min").mean()` looks right and is
not: it takes the plain mean of the events stored in each half hour.
"""

ANSWER_HALF = r"""
# half_hourly: four time-weighted averages, in bottles/min
### BEGIN SOLUTION
edges = pd.date_range(START, END, freq="30min")
half_hourly = [time_weighted_mean(speed, a, b) for a, b in zip(edges[:-1], edges[1:])]
### END SOLUTION
naive = speed.resample("30min").mean()
print("time-weighted:       ", [round(v, 2) for v in half_hourly])
print("resample().mean():   ", [round(v, 2) for v in naive])
"""

TEST_HALF = r"""
# Self-check: four half hours whose mean is the two hours' time-weighted average.
assert len(half_hourly) == 4
assert abs(np.mean(half_hourly) - time_weighted_mean(speed, START, END)) < 1e-6
print("Your half hours add up to the two hours.")
"""

HIDDEN = r"""
__exception_cases = [
    exception_filter([0, 1, 2, 3, 4, 5], [20.80, 20.95, 21.05, 21.12, 20.90, 20.70], 0.3),
    exception_filter([0, 1, 2, 3], [5.0, 5.0, 5.0, 5.0], 0.0),
    exception_filter([0, 1, 2, 3, 4], [0.0, 0.2, 0.4, 0.6, 0.8], 0.25),
    exception_filter(temp_s[:900], temp_v[:900], 0.15),
]
__door_cases = [
    swinging_door([0, 2, 3, 4], [0.0, 0.0, 2.4, 100.0], 1.0),
    swinging_door([0, 1, 2, 3, 4, 5, 6], [0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0], 0.1),
    swinging_door(list(temp_s[:900]), list(temp_v[:900]), 0.15),
    swinging_door(list(temp_s[:900]), list(temp_v[:900]), 0.05),
]
__exception_cases = [[int(i) for i in case] for case in __exception_cases]
__door_cases = [[int(i) for i in case] for case in __door_cases]
"""

WRAP = r"""
## Wrap-up

- A deadband near the noise stores the noise; read a deadbanded tag back as steps and it
  strays at most the deviation.
- The swinging door, read back linearly, keeps every discarded value within its deviation
  only if it tests the line the archive will draw, from the last stored value to the new
  one, against every value in between; doors that have not crossed are not enough.
- Chained as a historian runs them, exception and compression stored about one reading in
  forty here, and the read-back strays from the raw readings by more than either deviation
  alone: state both settings when you say what an archive can resolve.
- Read each tag as what it is: compressed analog values linearly; states, counters and
  values stored on change as steps.
- Every window needs the value in force at its start and the last value held to its end;
  weight each value by the time it held; difference a counter modulo its range; and never
  take `resample().mean()` of irregular events.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "exception-kept",
        "points": 2,
        "description": "readings passed by the exception deadband at 0.1, 0.2 and 0.3 degC",
        "observe": "[int(exception_kept[d]) for d in (0.1, 0.2, 0.3)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "The first reading passes; a reading passes when it differs from the last "
        "PASSED value (not the previous reading) by more than the deviation.",
    },
    {
        "id": "exception-error",
        "points": 1,
        "visible": False,
        "description": "largest step read-back error of each deadband",
        "observe": "[float(exception_error[d]) for d in (0.1, 0.2, 0.3)]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Read each reading's time back as the last passed value at or before it, and "
        "take the largest absolute difference over all 7,200 readings.",
    },
    {
        "id": "exception-function",
        "points": 1,
        "visible": False,
        "description": "exception_filter() on worked cases",
        "observe": "__exception_cases",
        "compare": "equal",
        "hint": "Return the positions (ints) of the passed readings, the first included; "
        "compare with the last passed value, and pass only a difference above the deviation.",
    },
    {
        "id": "archive-kept",
        "points": 2,
        "description": "values passed by exception (0.1 degC) and stored by the swinging door (0.3 degC)",
        "observe": "[len(passed), int(archive_kept)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "Store the snapshot when the line from the last stored value to the NEW value "
        "misses a value in between by more than the deviation; store the first and the last.",
    },
    {
        "id": "archive-error",
        "points": 2,
        "visible": False,
        "description": "largest linear read-back error of the archive, against the passed values and the raw readings",
        "observe": "[float(door_error), float(archive_error)]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "np.interp at the readings' times through the stored values; the first is at "
        "most 0.3 degC only if the door tests the line the archive will draw.",
    },
    {
        "id": "door-function",
        "points": 2,
        "visible": False,
        "description": "swinging_door() on worked cases and on parts of your data",
        "observe": "__door_cases",
        "compare": "equal",
        "hint": "Test the slope from the last stored value to the new one against the "
        "limits of every value since; 'the doors have crossed' is not the same test.",
    },
    {
        "id": "read-back-steps",
        "points": 2,
        "description": "speed, state and counter at the query times",
        "observe": "[[float(x) for x in at_query[k]] for k in ('CurMachSpeed', 'StateCurrent', 'ProdProcessedCount')]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "States, counters and values stored on change hold until the next event: "
        "read them as steps (the last event at or before the time).",
    },
    {
        "id": "read-back-linear",
        "points": 1,
        "visible": False,
        "description": "product temperature at the query times, from your archive",
        "observe": "[float(x) for x in at_query['ProductTemp']]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "A compressed analog tag is read back linearly between the stored values of "
        "temp_archive.",
    },
    {
        "id": "average-speed",
        "points": 2,
        "description": "time-weighted average speed over QA's hour",
        "observe": "float(avg_speed)",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Start with the speed in force at LOT_START; weight each value by the "
        "seconds it held, the last until LOT_END; divide by 3,600 s.",
    },
    {
        "id": "total",
        "points": 1,
        "visible": False,
        "description": "total of the speed over QA's hour, in bottles",
        "observe": "float(total_bottles)",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Sum speed x seconds held over the hour and divide by 60 (bottles/min x s).",
    },
    {
        "id": "time-in-execute",
        "points": 2,
        "description": "minutes in Execute in QA's hour",
        "observe": "float(execute_min)",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "The hour starts in the middle of a spell: count the state in force at "
        "LOT_START from LOT_START, and the last state until LOT_END.",
    },
    {
        "id": "minutes-in-state",
        "points": 1,
        "visible": False,
        "description": "minutes in each PackML state in QA's hour",
        "observe": "{str(int(k)): float(v) for k, v in minutes_in_state.items()}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Each state lasts until the next event; the one in force at LOT_START counts "
        "from LOT_START; keys are the state numbers.",
    },
    {
        "id": "production",
        "points": 2,
        "description": "bottles counted in QA's hour",
        "observe": "int(production)",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "(count at LOT_END - count at LOT_START) % 65536, each read as steps.",
    },
    {
        "id": "half-hourly",
        "points": 2,
        "visible": False,
        "description": "time-weighted average speed of each half hour",
        "observe": "[float(v) for v in half_hourly]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Apply your time-weighted mean to each half hour, with its own value in "
        "force at the start; resample().mean() weights every event alike.",
    },
]

PITFALLS = [
    Pitfall(
        "doors-crossed",
        "Stores the snapshot only when the swinging doors cross: some line from the last "
        "stored value fits, but not always the line the archive draws, so a discarded value "
        "can lie up to twice the deviation from the stored line.",
        {
            "answer-door": swap(
                ANSWER_DOOR,
                "if not low <= slope <= high:  # the line from A to the new value misses one between",
                "if max(low, slope - deviation / span) > min(high, slope + deviation / span):  # the doors crossed",
            )
        },
    ),
    Pitfall(
        "linear-state-counter",
        "Reads the PackML state and the production counter back linearly between events, "
        "inventing states and fractional counts that never existed.",
        {
            "answer-read": swap(
                ANSWER_READ,
                '"StateCurrent": "step", "ProdProcessedCount": "step"}',
                '"StateCurrent": "linear", "ProdProcessedCount": "linear"}',
            )
        },
    ),
    Pitfall(
        "no-prior-value",
        "Takes only the events stored inside the window, losing the value in force at its "
        "start (the first minutes of the hour vanish from the average and the time in state).",
        {
            "answer-window": swap(
                ANSWER_WINDOW,
                "    return pd.concat([head, inside])",
                "    return events[(events.index >= start) & (events.index < end)]",
            )
        },
    ),
    Pitfall(
        "plain-mean",
        "Averages the speed events stored in the hour with equal weight instead of weighting "
        "each by the time it held.",
        {
            "answer-window": swap(
                ANSWER_WINDOW,
                "avg_speed = time_weighted_mean(speed, LOT_START, LOT_END)",
                "avg_speed = float(speed[(speed.index >= LOT_START) & (speed.index < LOT_END)].mean())",
            )
        },
    ),
    Pitfall(
        "negative-counter-delta",
        "Subtracts the counter's reading at the start from the one at the end without the "
        "modulo: negative once the 16-bit counter rolls over.",
        {
            "answer-window": swap(
                ANSWER_WINDOW,
                "production = int((c_end - c_start) % 65536)",
                "production = int(c_end - c_start)",
            )
        },
    ),
    Pitfall(
        "resample-mean",
        "Takes speed.resample('30min').mean() of the irregular stored events: the plain "
        "mean of each half hour's events, not a time-weighted average.",
        {
            "answer-half": swap(
                ANSWER_HALF,
                "half_hourly = [time_weighted_mean(speed, a, b) for a, b in zip(edges[:-1], edges[1:])]",
                'half_hourly = [float(v) for v in speed.resample("30min").mean()]',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Historian queries on a shift of Riverbend data",
        competencies=["SM.IDQ.1"],
        minutes=70,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-exception", TASK_EXCEPTION),
            code("answer-exception", "answer", ANSWER_EXCEPTION),
            code("test-exception", "test", TEST_EXCEPTION),
            md("task-door", TASK_DOOR),
            code("answer-door", "answer", ANSWER_DOOR),
            code("test-door", "test", TEST_DOOR),
            md("task-read", TASK_READ),
            code("answer-read", "answer", ANSWER_READ),
            md("task-window", TASK_WINDOW),
            code("answer-window", "answer", ANSWER_WINDOW),
            code("test-window", "test", TEST_WINDOW),
            md("task-half", TASK_HALF),
            code("answer-half", "answer", ANSWER_HALF),
            code("test-half", "test", TEST_HALF),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

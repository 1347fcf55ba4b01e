"""Writes labs/lab-tags-scan-cycle.ipynb: reading tags and the scan cycle.

Run from the repository root:  .venv/bin/python labs/src/lab-tags-scan-cycle.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-tags-scan-cycle"


INTRO = r"""
# Reading tags and the scan cycle

**Competencies:** SM.CTRL.1 *Explain the PLC scan cycle* · SM.CTRL.2 *Read I/O, tags and
engineering units* · about 45 minutes.

You are the technician on the night shift of the Riverbend bottling line: Infeed → Filler →
Capper → Labeler → CasePacker. Every unit is a PackML machine whose PLC serves its data as
**tags**, named by their place in the ISA-95 equipment hierarchy:

```text
Riverbend / Packaging / Line1 / Filler / Admin / ProdProcessedCount
  site        area      line    unit    PackTag group   tag
```

The simulated line below ran for a whole day (three 8-hour shifts). An HMI took a snapshot of
every tag at 08:00 and at 16:00, and the historian recorded every unit once per PLC scan.

By the end of this lab you can:

1. find a tag by its ISA-95 path and read its value, unit, timestamp and quality;
2. compute the units produced between two readings of a **16-bit counter that rolls over**,
   with modulo arithmetic;
3. count rollovers in a historian and rebuild the true total;
4. explain why a PLC with a slow scan misses short pulses, and compute the worst-case
   response time.

Your data comes from your own seed (`SHOPFLOOR_SEED`), so your numbers differ from your
neighbour's. Run the cells in order; write your code between the comments where it says
`# YOUR CODE HERE`, and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.packml import State
from plcsim.scenarios import scenario

line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
line.run(8 * 3600)        # shift 1: 00:00-08:00
tags_0800 = line.tags()   # a snapshot of every tag, as an HMI or an OPC UA client reads them
line.run(8 * 3600)        # shift 2: 08:00-16:00
tags_1600 = line.tags()
line.run(8 * 3600)        # shift 3: 16:00-24:00
history = line.historian.to_dataframe()  # one row per unit per scan

print(f"Line path: {line.path}   units: {', '.join(line.units)}")
print(f"{len(tags_1600)} tags at 16:00. The Filler's tags:")
for name, tag in tags_1600.items():
    if "/Filler/" in name:
        print(f"  {name:55} {tag.value!r:>12} {tag.unit:10} "
              f"t={tag.timestamp:>7.0f} s  {tag.quality}")
"""

TASK_READ = r"""
## 1. Find a tag by its path

`tags_0800` and `tags_1600` are dictionaries from the full tag path to a `Tag` object with the
attributes `name`, `value`, `timestamp` (seconds since the start of the day), `quality` and
`unit` (the engineering unit). A unit's tags sit below `f"{line.path}/{unit}"`, for example
`Status/StateCurrent` (the PackML state number), `Status/CurMachSpeed`,
`Admin/ProdProcessedCount` or `Energy/kWh`.

Write a function `tag_value(tags, unit, name)` that returns the value of tag `name`
(such as `"Status/StateCurrent"`) of `unit` (such as `"Filler"`) in the snapshot `tags`.
Build the path from `line.path`; do not type `Riverbend/...` by hand.

Then make `states_1600`: a dictionary from each unit name (`line.units`) to the **name** of
the PackML state it was in at 16:00, e.g. `{"Infeed": "EXECUTE", ...}`.
`State(6).name` gives `"EXECUTE"`.
"""

ANSWER_READ = r"""
# tag_value(tags, unit, name) -> the tag's value; then states_1600 = {unit: state name}
### BEGIN SOLUTION
def tag_value(tags, unit, name):
    return tags[f"{line.path}/{unit}/{name}"].value


states_1600 = {
    unit: State(tag_value(tags_1600, unit, "Status/StateCurrent")).name for unit in line.units
}
### END SOLUTION
states_1600
"""

TEST_READ = r"""
# Self-check: run me. These asserts check the shape of your answer, not the values.
design = tag_value(tags_1600, "Filler", "Admin/MachDesignSpeed")
assert design == 120, f"the Filler's design speed is 120, not {design!r}"
assert set(states_1600) == set(line.units), "one entry per unit"
assert all(name in State.__members__ for name in states_1600.values()), "use State(...).name"
print("The shape looks right.")
"""

TASK_DELTA = r"""
## 2. Units produced between two readings

`Admin/ProdProcessedCount` is a **16-bit unsigned counter** (UINT): it counts 0, 1, …, 65,535
and then wraps to 0, as PLC counters do. At 120 bottles a minute that happens about every
nine hours, so most shifts see a rollover somewhere on the line.

The plain difference `count_1600 - count_0800` is wrong whenever the counter wrapped in
between (it comes out negative). Modulo arithmetic gives the right answer as long as the
counter wrapped at most once:

$$\Delta = (\text{after} - \text{before}) \bmod 65\,536$$

Make `produced_between`: a dictionary from each unit name to the number of units (bottles,
or cases for the CasePacker) it processed between the 08:00 and 16:00 snapshots, as an `int`.
"""

ANSWER_DELTA = r"""
# produced_between = {unit: units processed between 08:00 and 16:00}
### BEGIN SOLUTION
produced_between = {
    unit: (
        tag_value(tags_1600, unit, "Admin/ProdProcessedCount")
        - tag_value(tags_0800, unit, "Admin/ProdProcessedCount")
    )
    % 2**16
    for unit in line.units
}
### END SOLUTION
naive = {
    unit: tag_value(tags_1600, unit, "Admin/ProdProcessedCount")
    - tag_value(tags_0800, unit, "Admin/ProdProcessedCount")
    for unit in line.units
}
print("plain difference:", naive)
print("with modulo:     ", produced_between)
"""

TASK_ROLLOVER = r"""
## 3. Rollovers in the historian

The historian (`history`) holds one row per unit per scan, with the 16-bit `produced_count`
exactly as the PLC shows it. Over 24 hours the bottle counters wrap more than once, so the
last value alone says little.

For each unit, count the **rollovers**: the scans where `produced_count` is lower than in the
unit's previous row (a counter that only counts up can only go down by wrapping). Then rebuild
the true number processed over the day: every rollover is worth 65,536 units, and the counter
started the day at 0.

Make two dictionaries keyed by unit name, with `int` values: `rollovers` and `totals_24h`.
Then plot the Filler's `produced_count` and your rebuilt running total against time (in
hours) on one chart.
"""

ANSWER_ROLLOVER = r"""
# rollovers = {unit: number of wraps}; totals_24h = {unit: true units processed in 24 h}; plot
### BEGIN SOLUTION
rollovers, totals_24h = {}, {}
for unit, rows in history.groupby("unit", sort=False):
    counts = rows["produced_count"].to_numpy()
    wraps = np.diff(counts) < 0
    rollovers[unit] = int(wraps.sum())
    totals_24h[unit] = int(rollovers[unit] * 2**16 + counts[-1])

filler = history[history["unit"] == "Filler"]
running = filler["produced_count"] + 2**16 * (filler["produced_count"].diff() < 0).cumsum()
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(filler["time_s"] / 3600, filler["produced_count"], label="ProdProcessedCount (16-bit)")
ax.plot(filler["time_s"] / 3600, running, label="rebuilt running total")
ax.axhline(2**16, color="grey", linestyle=":", label="65,536")
ax.set_xlabel("time of day (h)")
ax.set_ylabel("bottles")
ax.set_title("Filler counter: the 16-bit tag wraps, the rebuilt total does not")
ax.legend()
plt.show()
### END SOLUTION
print("rollovers:", rollovers)
print("24 h totals:", totals_24h)
"""

TEST_ROLLOVER = r"""
# Self-check for parts 2 and 3. A delta of a 16-bit counter is always between 0 and 65,535.
assert all(isinstance(v, (int, np.integer)) and 0 <= v < 2**16 for v in produced_between.values())
assert produced_between["Filler"] > 20_000, "the Filler runs at up to 120 bottles a minute for 8 h"
# The rebuilt total, checked against the historian's true total
# (a real PLC would not give you that column).
true_filler = int(history.loc[history["unit"] == "Filler", "produced_total"].iloc[-1])
assert totals_24h["Filler"] == true_filler, f"rebuilt {totals_24h['Filler']}, true {true_filler}"
print("The Filler's rebuilt total matches.")
"""

TASK_SCAN = r"""
## 4. Scan time: pulses the PLC can miss

The PLC reads its inputs once per scan, at $0, T, 2T, 3T, \dots$ ms for a scan time $T$.
A photo-eye at the Filler infeed is blocked by each bottle neck for a few tens of
milliseconds. The cell below records 600 of those pulses as `(on_ms, off_ms)` pairs: the beam
is blocked from `on_ms` (included) until `off_ms` (excluded). A fast input module is assumed,
so there is no input filter.

The PLC **sees** a pulse when at least one input scan falls inside it, that is when some
whole number $k$ has $\text{on} \le kT < \text{off}$.

1. Write `count_seen(pulses, scan_ms)`: how many pulses a PLC with scan time `scan_ms` sees.
2. Make `missed`: a dictionary from each scan time in `SCAN_TIMES` to the number of the 600
   bottles the PLC does **not** count.
3. Set `longest_safe_scan_ms` to the longest scan time (ms, a float) that is **guaranteed**
   to see every pulse of this record, however the scans happen to line up with the pulses.
   (Any interval at least $T$ long contains a multiple of $T$; a shorter one may not.)
4. Write `worst_case_ms(filter_ms, scan_ms, output_ms)`: the worst-case time from an input
   changing to the output changing, from the lesson: $t_{filter} + 2\,t_{scan} + t_{out}$.

Plot the share of bottles missed against the scan time.
"""

PULSES = r"""
import random

rng = random.Random(f"photo-eye:{SHOPFLOOR_SEED}")
belt_m_per_s = round(rng.uniform(0.8, 1.2), 2)  # conveyor speed
pulses, t = [], 0.0
for _ in range(600):
    t += rng.uniform(350, 650)                 # gap between two bottles, ms
    neck_mm = rng.uniform(18, 40)              # width of the neck that blocks the beam
    length = neck_mm / belt_m_per_s            # mm / (m/s) = ms
    on = round(round(t, 1) + 0.05, 2)          # times kept off whole milliseconds
    pulses.append((on, round(round(on + length, 1) + 0.05, 2)))
    t += length
SCAN_TIMES = [5, 10, 15, 20, 25, 30, 40, 50]  # ms
lengths = [off - on for on, off in pulses]
print(f"belt {belt_m_per_s} m/s; {len(pulses)} pulses of {min(lengths):.1f} to "
      f"{max(lengths):.1f} ms; the first two: {pulses[:2]}")
"""

ANSWER_SCAN = r"""
# count_seen(pulses, scan_ms); missed = {scan_ms: bottles not counted};
# longest_safe_scan_ms; worst_case_ms(filter_ms, scan_ms, output_ms); then the plot
### BEGIN SOLUTION
def count_seen(pulses, scan_ms):
    # The first scan at or after `on` must come before `off`.
    return sum(1 for on, off in pulses if math.ceil(on / scan_ms) * scan_ms < off)


missed = {scan: len(pulses) - count_seen(pulses, scan) for scan in SCAN_TIMES}
longest_safe_scan_ms = float(min(off - on for on, off in pulses))


def worst_case_ms(filter_ms, scan_ms, output_ms):
    return filter_ms + 2 * scan_ms + output_ms


fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(SCAN_TIMES, [100 * missed[s] / len(pulses) for s in SCAN_TIMES], marker="o")
ax.axvline(longest_safe_scan_ms, color="grey", linestyle=":", label="shortest pulse")
ax.set_xlabel("scan time (ms)")
ax.set_ylabel("bottles missed (%)")
ax.set_title("Short pulses fall between input scans")
ax.legend()
plt.show()
### END SOLUTION
print("missed:", missed)
"""

TEST_SCAN = r"""
# Self-check on a tiny example you can do by hand.
two = [(0.5, 3.5), (10.2, 10.9)]
assert count_seen(two, 1) == 1, "(0.5, 3.5) holds the scans at 1, 2, 3; (10.2, 10.9) none"
assert count_seen(two, 4) == 0, "scans at 0, 4, 8, 12: neither pulse holds one"
assert set(missed) == set(SCAN_TIMES)
assert worst_case_ms(3, 12, 1) == 28, "the lesson's reject-gate example"
print("The small cases pass.")
"""

HIDDEN = r"""
def __try(function, *args):
    # One case: its result, or the error it raised (so one bad case spoils only itself).
    try:
        return function(*args)
    except Exception as error:
        return f"{type(error).__name__}: {error}"


__scan_cases = [__try(worst_case_ms, *args) for args in ((5, 20, 2), (0, 7.5, 0.5), (1, 1, 1))]
__three = [(0.05, 9.95), (20.05, 20.95), (31.0, 41.0)]
__pulse_cases = [__try(count_seen, __three, s) for s in (1, 3, 10)]
"""

WRAP = r"""
## Wrap-up

- A tag is more than a value: its **path** says which asset it belongs to, and its
  **timestamp** and **quality** say whether to trust it. Build paths from the hierarchy
  instead of typing them.
- PLC counters are fixed-width integers. A delta is `(after - before) % 2**16` for a UINT,
  which stays right across **one** rollover; poll more often than the counter can wrap.
  Keep totals in wider types (DINT, LREAL) or rebuild them, as you did from the historian.
- The program sees the world only at input scans. A pulse shorter than the scan time can
  fall between two scans and be lost at random; use a high-speed counter, a faster task or a
  longer pulse. The worst-case response is about $t_{filter} + 2\,t_{scan} + t_{out}$.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "states-1600",
        "points": 2,
        "description": "PackML state name of every unit at 16:00 (states_1600)",
        "observe": "states_1600",
        "compare": "equal",
        "hint": "Read f'{line.path}/{unit}/Status/StateCurrent' from tags_1600 and convert "
        "the number with State(number).name.",
    },
    {
        "id": "tag-value",
        "points": 1,
        "visible": False,
        "description": "tag_value() reads other tags from other snapshots",
        "observe": "[tag_value(tags_0800, u, 'Admin/ProdProcessedCount') "
        "for u in sorted(line.units)] + [tag_value(tags_1600, 'Capper', 'Energy/kWh'), "
        "tag_value(tags_0800, 'Labeler', 'Status/CurMachSpeed')]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "tag_value must use its tags, unit and name arguments, not fixed values.",
    },
    {
        "id": "produced-between",
        "points": 2,
        "description": "units processed between 08:00 and 16:00 (produced_between)",
        "observe": "{u: int(v) for u, v in produced_between.items()}",
        "compare": "equal",
        "hint": "Take the later ProdProcessedCount minus the earlier one, modulo 65,536 "
        "(2**16), so a counter that wrapped still gives a positive count.",
    },
    {
        "id": "rollovers",
        "points": 1,
        "description": "16-bit rollovers of each unit's counter in 24 h (rollovers)",
        "observe": "{u: int(v) for u, v in rollovers.items()}",
        "compare": "equal",
        "hint": "Group the historian by unit and count the rows where produced_count is "
        "smaller than in the unit's previous row.",
    },
    {
        "id": "totals-24h",
        "points": 2,
        "visible": False,
        "description": "true units processed in 24 h, rebuilt from the 16-bit counter (totals_24h)",
        "observe": "{u: int(v) for u, v in totals_24h.items()}",
        "compare": "equal",
        "hint": "Each rollover is worth 65,536 units; add the unit's last produced_count.",
    },
    {
        "id": "missed-pulses",
        "points": 2,
        "description": "bottles missed at each scan time (missed)",
        "observe": "{str(k): int(v) for k, v in missed.items()}",
        "compare": "equal",
        "hint": "A pulse is seen when the first scan at or after on_ms, ceil(on/T)*T, comes "
        "before off_ms. missed = 600 minus the pulses seen.",
    },
    {
        "id": "scan-rules",
        "points": 2,
        "visible": False,
        "description": "longest safe scan time, worst_case_ms() and count_seen() on more cases",
        "observe": "[float(longest_safe_scan_ms)] + __scan_cases + __pulse_cases",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "The longest safe scan time is the shortest pulse (off_ms - on_ms); the worst "
        "case is filter + 2 x scan + output.",
    },
]

PITFALLS = [
    Pitfall(
        "plain-counter-difference",
        "Takes the later counter reading minus the earlier one without modulo 65,536: "
        "negative whenever the counter rolled over in between.",
        {"answer-counter-delta": swap(ANSWER_DELTA, "    )\n    % 2**16\n", "    )\n")},
    ),
    Pitfall(
        "pulse-longer-than-scan",
        "Believes a pulse is seen exactly when it lasts at least one scan time, so it "
        "miscounts the short pulses that an input scan happens to catch.",
        {
            "answer-scan": swap(
                ANSWER_SCAN,
                "math.ceil(on / scan_ms) * scan_ms < off)",
                "off - on >= scan_ms)",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Reading tags and the scan cycle",
        competencies=["SM.CTRL.1", "SM.CTRL.2"],
        minutes=45,
        # The setup cell simulates the whole day (three shifts, 432,000 unit-scans): 8-12 s
        # on a quiet core, and over 30 s, the default per-cell limit, on a grading server
        # busy with a class (CI timed it out at load 8). CPU time stays capped at the default.
        limits={"cell_seconds": 90},
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-read", TASK_READ),
            code("answer-read-tags", "answer", ANSWER_READ),
            code("test-read-tags", "test", TEST_READ),
            md("task-delta", TASK_DELTA),
            code("answer-counter-delta", "answer", ANSWER_DELTA),
            md("task-rollover", TASK_ROLLOVER),
            code("answer-rollovers", "answer", ANSWER_ROLLOVER),
            code("test-rollovers", "test", TEST_ROLLOVER),
            md("task-scan", TASK_SCAN),
            code("pulses", "readonly", PULSES),
            code("answer-scan", "answer", ANSWER_SCAN),
            code("test-scan", "test", TEST_SCAN),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

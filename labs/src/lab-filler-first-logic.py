"""Writes labs/lab-filler-first-logic.ipynb: first logic on the simulated filler.

Run from the repository root:  .venv/bin/python labs/src/lab-filler-first-logic.py
"""

# ruff: noqa: E501 - markdown tables and ladder drawings in the notebook text are one line per row

from __future__ import annotations

import re

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-filler-first-logic"
TITLE = "First logic on the filler – run latch, lamps and the fill valve"


INTRO = r"""
# First logic on the filler – run latch, lamps and the fill valve

**Competency:** SM.PLC.1 *Structure IEC 61131-3 control programs* · about 70 minutes.

The Riverbend Filler station fills one bottle at a time to weight. Its program is yours to
write, and the simulated filler (plcsim) runs it: it calls your function
`logic(io, mem, fb)` once every **10 ms scan**, as lesson 1.2 showed, and the machine does
what your outputs tell it.

In this lab you will:

1. translate three rungs of ladder (the run latch, the running lamp and the fill valve with
   its permissives) into the course's Python logic, and run them;
2. read from the I/O historian how many scans each output lagged the input that caused it,
   and see a one-scan delay appear when two rungs swap places;
3. find and repair two faults in a colleague's logic: a second write to one output and an
   IF that latches.

**The operator's script.** Every run lasts 45 simulated seconds (4,500 scans). The
operator presses Start at 0.5 s; opens the guard door in the middle of a fill, shuts it
and presses Start; presses Stop; holds Reset for a lamp test; presses **Start and Stop
together**; presses Start again; and later the infeed pauses, so no bottle comes for a few
seconds. The setup cell prints your seed's timings.

Your filler and your timings come from your own seed (`SHOPFLOOR_SEED`). When you submit,
your logic functions are run again on fresh scripts of your seed, and on a filler whose
bowl runs low, and judged on what the machine did. Run the cells in order; write your code
where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SCENARIO = r"""
def operator_script(seed, variant=0):
    # The operator's timings for one run, in seconds, drawn from the seed.
    rng = random.Random(f"lab-filler-first-logic:{seed}:{variant}")
    script = {"start_s": 0.5}
    script["door_from_s"] = round(rng.uniform(5.0, 7.0), 2)
    script["door_open_s"] = round(rng.uniform(1.5, 2.5), 2)
    script["door_start_s"] = round(rng.uniform(1.0, 1.5), 2)
    script["stop_s"] = round(rng.uniform(14.0, 16.0), 2)
    script["lamp_test_s"] = round(script["stop_s"] + rng.uniform(1.0, 1.5), 2)
    script["both_s"] = round(script["stop_s"] + rng.uniform(2.5, 3.5), 2)
    script["restart_s"] = round(script["both_s"] + rng.uniform(1.5, 2.5), 2)
    script["no_bottles_from_s"] = round(script["restart_s"] + rng.uniform(3.0, 5.0), 2)
    script["no_bottles_s"] = round(rng.uniform(4.0, 6.0), 2)
    return script


def new_filler(seed, variant=0):
    # A fresh filler with the operator's script scheduled on it (plcsim's scenario hooks).
    script = operator_script(seed, variant)
    filler = machine("filler", seed if variant == 0 else f"{seed}-{variant}")  # Start at 0.5 s

    def open_door():  # at the next scan
        open_s = round(filler.clock + filler.scan_s, 2)
        shut_s = round(open_s + script["door_open_s"], 2)
        filler.operate(open_s, guard_closed=False)
        filler.operate(shut_s, guard_closed=True)
        filler.press(round(shut_s + script["door_start_s"], 2), "start_pb")

    def mid_fill():
        return filler.io.fill_valve and filler.io.weight < 300.0

    filler.when(mid_fill, open_door, not_before=script["door_from_s"], timeout=6.0,
                on_timeout=open_door)
    filler.press(script["stop_s"], "stop_pb")
    filler.press(script["lamp_test_s"], "reset_pb", hold_s=0.5)
    filler.press(script["both_s"], "start_pb", hold_s=0.3)
    filler.press(script["both_s"], "stop_pb", hold_s=0.3)
    filler.press(script["restart_s"], "start_pb")
    filler.when(lambda: filler.bottle is None,
                lambda: filler.remove_bottle(away_s=script["no_bottles_s"]),
                not_before=script["no_bottles_from_s"])
    return filler
"""

SETUP = (
    r"""
import random

import matplotlib.pyplot as plt
import pandas as pd

from plcsim.machines import machine

SCAN_S = 0.01     # the filler's scan: 10 ms
CUTOFF_G = 464.0  # the valve output goes off here: about 36 g is still on its way down
RUN_S = 45.0      # every run: 45 simulated seconds
"""
    + SCENARIO
    + r"""

def filler_run(logic):
    # Your seed's filler, running `logic` through the operator's script for RUN_S seconds.
    filler = new_filler(SHOPFLOOR_SEED)
    filler.run(RUN_S, logic)
    return filler


DIGITAL = ("start_pb", "stop_pb", "reset_pb", "guard_closed", "bottle_present",
           "running_lamp", "fill_valve", "release")


def plot_io(filler, title, points=DIGITAL, start_s=0.0, end_s=RUN_S):
    # The historian's digital points as stacked traces (high = True) and the weight below.
    history = filler.historian
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    for row, name in enumerate(reversed(points)):
        changes = history.series(name) + [(end_s, history.value_at(name, end_s))]
        times = [t for t, _ in changes]
        levels = [row * 1.5 + (0.9 if value else 0.0) for _, value in changes]
        top.step(times, levels, where="post", lw=1.1)
    top.set_yticks([row * 1.5 + 0.45 for row in range(len(points))])
    top.set_yticklabels(list(reversed(points)))
    weight = history.series("weight")
    bottom.plot([t for t, _ in weight], [w for _, w in weight], lw=0.8)
    bottom.axhline(CUTOFF_G, color="grey", lw=0.6, ls=":")
    bottom.set_ylabel("weight (g)")
    bottom.set_xlabel("time (s)")
    bottom.set_xlim(start_s, end_s)
    top.set_title(title)
    plt.tight_layout()
    plt.show()


SCRIPT = operator_script(SHOPFLOOR_SEED)
s = SCRIPT
print(f"Seed {SHOPFLOOR_SEED}: the operator's script")
print(f"  {s['start_s']:6.2f} s  Start pressed")
print(f"  from {s['door_from_s']:.2f} s  the guard door is opened during the next fill, shut "
      f"{s['door_open_s']:.2f} s later, and Start is pressed {s['door_start_s']:.2f} s after that")
print(f"  {s['stop_s']:6.2f} s  Stop pressed")
print(f"  {s['lamp_test_s']:6.2f} s  Reset held for 0.5 s (lamp test)")
print(f"  {s['both_s']:6.2f} s  Start and Stop pressed together, held 0.3 s")
print(f"  {s['restart_s']:6.2f} s  Start pressed")
print(f"  from {s['no_bottles_from_s']:.2f} s  the infeed pauses: once the head is empty, "
      f"no bottle arrives for {s['no_bottles_s']:.2f} s")
print("Buttons are held 0.2 s unless stated.")
"""
)

TASK_RUNGS = r"""
## 1. Three rungs in Python

Here are the filler's first three rungs, as a ladder editor would show them. `running` is an
internal bit, kept from scan to scan: in Python, `mem.running`.

```text
Rung 1  Run latch
        start_pb         stop_pb                                               running
   |--+----] [----+--------]/[---------------------------------------------------( )---|
      |           |
      |  running  |
      +----] [----+

Rung 2  Running lamp (green)
      running                                                               running_lamp
   |----] [----------------------------------------------------------------------( )---|

Rung 3  Fill valve XV-301 with its permissives
      running   bottle_present   filling   guard_closed   bowl_low           fill_valve
   |----] [-----------] [----------] [----------] [----------]/[-----------------( )---|
```

Read rung 1 carefully. The normally closed Stop contact is in series **after** the branch
of Start and the seal-in: with both buttons pressed the rung is broken, so Stop wins. That
is a **reset-dominant** latch (the `RS` block of the next module behaves the same way).

Write `first_logic(io, mem, fb)` with the three rungs. The lines around your code are given:

- `mem.init(running=False)` declares the run bit (`VAR Running : BOOL := FALSE; END_VAR`).
  Keep the latch in `mem.running`: the gate's line reads it;
- `filling` is TRUE while the load cell reads less than the cut-off, `CUTOFF_G` = 464 g.
  The valve output goes off there and about 36 g more lands (module 2 works out that lead
  properly). **With no bottle under the head the load cell reads about 0 g, so `filling`
  is TRUE then too**: keeping the valve shut is `bottle_present`'s job;
- the discharge gate opens (`release`) while running, once a bottle has stood at or above
  the cut-off for 0.5 s (a TON, next module).

Rules from the lessons: write each output **once** a scan, as one assignment of the whole
rung (no `if` that only writes `True`), with `True` and `False`, never `1` and `0`. Keep
the rungs in the order shown.
"""

ANSWER_FIRST = r"""
def first_logic(io, mem, fb):
    mem.init(running=False)
    filling = io.weight < CUTOFF_G  # given: the load cell reads below the cut-off
    settled = fb.TON("settle", IN=io.bottle_present and not filling, PT=0.5).Q  # given
    # Rungs 1, 2 and 3
    ### BEGIN SOLUTION
    mem.running = (io.start_pb or mem.running) and not io.stop_pb
    io.running_lamp = mem.running
    io.fill_valve = (
        mem.running and io.bottle_present and filling and io.guard_closed and not io.bowl_low
    )
    ### END SOLUTION
    io.release = mem.running and settled  # given: the discharge gate
"""

RUN_FIRST = r"""
run = filler_run(first_logic)
history = run.historian.to_dataframe()
report = run.report()
print(f"{report['bottles']} bottles left the filler, {report['overflows']} overflowed, "
      f"{report['spilled_g']:.0f} g spilled")
plot_io(run, "first_logic on your seed's script")
"""

TEST_FIRST = r"""
# Self-check on your seed's script (your logic is run again on fresh scripts when you submit).
at = run.historian.value_at  # a point's recorded value at a time
assert at("running_lamp", 1.0), "the green lamp is not on 0.5 s after Start"
assert not at("running_lamp", SCRIPT["stop_s"] + 0.1), "the green lamp stays on after Stop"
assert not at("running_lamp", SCRIPT["both_s"] + 0.1), (
    "Start and Stop pressed together started the filler: Stop must win")
assert at("running_lamp", SCRIPT["restart_s"] + 0.5), "the lamp is off after the last Start"
assert report["bottles"] >= 3 and report["overflows"] == 0, (
    "the filler should fill and release at least 3 bottles without an overflow")
print("first_logic passes the self-check")
"""

TASK_HISTORIAN = r"""
Look at the plot: the guard door, the Stop, the lamp test (Reset), Start and Stop together,
and the pause of the infeed, and what the lamp and the valve did each time.

## 2. How many scans did each output lag its input?

`history` is the run's I/O historian as a table: one row (`time_s`, `name`, `value`) for
every point at the first scan and then each time it changed (the weight once it has moved
by more than 0.5 g). plcsim records a scan's inputs and outputs together, **after** your
logic has run, so an output your logic changed in the same scan as its input carries the
same time stamp: a lag of **0 scans**. One scan is `SCAN_S` = 0.01 s.

Write `first_change(history, name, after_s, value=None)`: the time (s) of the first row of
point `name` at or after `after_s`, only among rows whose value is `value` when one is
given, or `None` when there is none.
"""

ANSWER_FIRST_CHANGE = r"""
def first_change(history, name, after_s, value=None):
    ### BEGIN SOLUTION
    rows = history[(history["name"] == name) & (history["time_s"] >= after_s - 1e-9)]
    if value is not None:
        rows = rows[rows["value"] == value]
    return float(rows["time_s"].iloc[0]) if len(rows) else None
    ### END SOLUTION
"""

TEST_FIRST_CHANGE = r"""
# Self-check of first_change on the Start press at 0.5 s.
assert first_change(history, "start_pb", 0.0, True) == 0.5, "Start was pressed at 0.5 s"
assert first_change(history, "start_pb", 0.6) == 0.7, "Start was released at 0.7 s"
assert first_change(history, "start_pb", 40.0, True) is None, "no Start press after 40 s"
print("first_change passes the self-check")
"""

TASK_LAGS = r"""
Now use it on `history` (your `first_logic`). Give every lag as a whole number of scans
(`round((effect_s - cause_s) / SCAN_S)`):

- `lamp_on_lag`: from the first Start press (`start_pb` True) to `running_lamp` coming on;
- `lamp_off_lag`: from the first Stop press (`stop_pb` True, the scripted Stop) to
  `running_lamp` going off;
- `guard_opened_s`: when the guard door opened (`guard_closed` False), in s, and
  `valve_guard_lag`: from then to `fill_valve` going off.
"""

ANSWER_LAGS = r"""
# lamp_on_lag, lamp_off_lag, valve_guard_lag (scans) and guard_opened_s (s)
### BEGIN SOLUTION
start_s = first_change(history, "start_pb", 0.0, True)
lamp_on_lag = round((first_change(history, "running_lamp", start_s, True) - start_s) / SCAN_S)
stop_s = first_change(history, "stop_pb", 0.0, True)
lamp_off_lag = round((first_change(history, "running_lamp", stop_s, False) - stop_s) / SCAN_S)
guard_opened_s = first_change(history, "guard_closed", 0.0, False)
valve_off_s = first_change(history, "fill_valve", guard_opened_s, False)
valve_guard_lag = round((valve_off_s - guard_opened_s) / SCAN_S)
### END SOLUTION
print(f"lamp on {lamp_on_lag} scans after Start, off {lamp_off_lag} scans after Stop")
print(f"door opened at {guard_opened_s:.2f} s, valve output off {valve_guard_lag} scans later")
"""

TASK_LAMP_FIRST = r"""
Your logic answers in the scan it sees the input. That depends on the order of the rungs.
Lesson 1.2's one-scan delay: a bit written in a rung is read by the rungs *above* it only on
the next scan.

Write `lamp_first(io, mem, fb)`: your `first_logic` with **rung 2 moved above rung 1**
(the lamp written from `mem.running` before the latch is worked out), nothing else changed.
Then, from the run below (`late_history`), work out `late_on_lag` and `late_off_lag`, the
same two lamp lags as before.
"""

ANSWER_LAMP_FIRST = r"""
def lamp_first(io, mem, fb):
    ### BEGIN SOLUTION
    mem.init(running=False)
    filling = io.weight < CUTOFF_G
    settled = fb.TON("settle", IN=io.bottle_present and not filling, PT=0.5).Q
    io.running_lamp = mem.running  # rung 2, now above rung 1: last scan's latch
    mem.running = (io.start_pb or mem.running) and not io.stop_pb
    io.fill_valve = (
        mem.running and io.bottle_present and filling and io.guard_closed and not io.bowl_low
    )
    io.release = mem.running and settled
    ### END SOLUTION
"""

ANSWER_LATE_LAGS = r"""
late_history = filler_run(lamp_first).historian.to_dataframe()
# late_on_lag and late_off_lag (scans), measured as before
### BEGIN SOLUTION
late_start_s = first_change(late_history, "start_pb", 0.0, True)
late_on_s = first_change(late_history, "running_lamp", late_start_s, True)
late_on_lag = round((late_on_s - late_start_s) / SCAN_S)
late_stop_s = first_change(late_history, "stop_pb", 0.0, True)
late_off_s = first_change(late_history, "running_lamp", late_stop_s, False)
late_off_lag = round((late_off_s - late_stop_s) / SCAN_S)
### END SOLUTION
print(f"rung 2 above rung 1: lamp on {late_on_lag} scans after Start, "
      f"off {late_off_lag} scans after Stop")
"""

TASK_WEIGHT_LAG = r"""
A scan is 10 ms, so one scan of delay is harmless for a lamp. The machine itself is much
slower than the logic. Back in `history`, find:

- `valve_on_s`: when `fill_valve` first came on (the first bottle), in s;
- `weight_lag`: the scans from then to the first historian reading of `weight` at or above
  **5 g** at or after `valve_on_s`.

That lag is the valve opening (about 0.05 s after its output), the product falling into
the bottle (0.1 s) and a few scans of flow. Delays of the same kind act when the valve
shuts (it takes about 0.2 s, and the product in the air still lands): that is why the
cut-off sits 36 g below the 500 g target.
"""

ANSWER_WEIGHT_LAG = r"""
# valve_on_s (s) and weight_lag (scans)
### BEGIN SOLUTION
valve_on_s = first_change(history, "fill_valve", 0.0, True)
weights = history[(history["name"] == "weight") & (history["time_s"] >= valve_on_s)]
weight_seen_s = float(weights[weights["value"] >= 5.0]["time_s"].iloc[0])
weight_lag = round((weight_seen_s - valve_on_s) / SCAN_S)
### END SOLUTION
print(f"valve output on at {valve_on_s:.2f} s; the load cell read 5 g {weight_lag} scans later")
"""

TASK_REPAIR = r"""
## 3. Repair a colleague's logic

A colleague wrote the logic below for the filler during commissioning. It goes further
than yours: a **healthy** bit for the guard door, the E-stop circuit and the bowl; a run
latch that also drops when the machine stops being healthy (so it needs Start again); the
red fault lamp; and a **lamp test**: while Reset is held, both lamps light, so the operator
can see that no bulb is dead. Run it and watch what it does.

It has **two faults** that the lessons warn about: a second write to one output, and an IF
that latches. Nothing else in it is wrong.
"""

COLLEAGUE = r"""
def colleague_logic(io, mem, fb):
    mem.init(running=False)
    healthy = io.guard_closed and io.estop_ok and not io.bowl_low
    # Run latch: Start sets it while healthy; Stop, or a permissive lost, resets it
    mem.running = ((io.start_pb and healthy) or mem.running) and not io.stop_pb and healthy
    filling = io.weight < CUTOFF_G
    settled = fb.TON("settle", IN=io.bottle_present and not filling, PT=0.5).Q
    io.fill_valve = mem.running and io.bottle_present and filling and healthy
    # Discharge gate: let the bottle go once it has settled at or above the cut-off
    if mem.running and settled:
        io.release = True
    io.running_lamp = mem.running
    io.fault_lamp = not healthy or io.reset_pb  # holding Reset tests the red lamp
    # Added at commissioning: holding Reset tests the green lamp too
    io.running_lamp = io.reset_pb


colleague = filler_run(colleague_logic)
print({key: colleague.report()[key] for key in ("bottles", "underfilled", "empty", "spilled_g")})
plot_io(colleague, "colleague_logic on your seed's script",
        points=DIGITAL + ("fault_lamp",))
"""

TASK_REPAIRED = r"""
Find both faults in the plot and the code. Then write `repaired_logic(io, mem, fb)`: a
copy of `colleague_logic` with the two faults repaired and **everything else as it was**.
What each line was meant to do must still happen: the gate opens for a settled bottle
while running and shuts otherwise, and holding Reset still lights both lamps. (Lesson 1.2
shows how to repair a second write without losing what it was added for.)
"""

ANSWER_REPAIRED = r"""
def repaired_logic(io, mem, fb):
    ### BEGIN SOLUTION
    mem.init(running=False)
    healthy = io.guard_closed and io.estop_ok and not io.bowl_low
    mem.running = ((io.start_pb and healthy) or mem.running) and not io.stop_pb and healthy
    filling = io.weight < CUTOFF_G
    settled = fb.TON("settle", IN=io.bottle_present and not filling, PT=0.5).Q
    io.fill_valve = mem.running and io.bottle_present and filling and healthy
    io.release = mem.running and settled  # written every scan, True or False
    io.running_lamp = mem.running or io.reset_pb  # one write, with the lamp test in it
    io.fault_lamp = not healthy or io.reset_pb
    ### END SOLUTION
"""

TEST_REPAIRED = r"""
# Self-check on your seed's script (your logic is run again on fresh scripts when you submit).
repaired = filler_run(repaired_logic)
rep = repaired.report()
at = repaired.historian.value_at
short = [b for b in rep["fills"] if b["status"] != "removed" and b["weight_g"] < CUTOFF_G]
assert not short and rep["overflows"] == 0, (
    f"{len(short)} bottles left below the cut-off and {rep['overflows']} overflowed")
assert at("running_lamp", SCRIPT["restart_s"] + 0.5), "the green lamp is off while running"
assert at("running_lamp", SCRIPT["lamp_test_s"] + 0.1), "the lamp test no longer lights the lamp"
print(f"{rep['bottles']} bottles left, all filled to the cut-off or more, none overflowed")
plot_io(repaired, "repaired_logic on your seed's script", points=DIGITAL + ("fault_lamp",))
"""

WRAP = r"""
## Wrap-up

- A rung with the Stop contact in series after the Start-and-seal-in branch is a
  reset-dominant latch: Start and Stop together leave the machine stopped. Written the other
  way round, `start or (running and not stop)`, Start wins: Start and Stop pressed together
  start the filler, and it runs on once both are released.
- An output is written once, every scan, as one expression of everything that may drive it.
  An `if` that only ever writes `True` is a set coil: the output keeps its last value. A
  second write later in the scan wins over the first, whatever the first said.
- Permissives in the output line act in the scan the input changes (0 scans); rung order can
  add a scan; the machine's own response (valve, falling product) takes about 20 scans
  (19 to 22 on seeds 1 to 20).
- Your filler closes the valve when the guard opens and fills on when the door is shut again.
  Module 4 makes that a **trip**: the run latch drops, as in your colleague's logic, and a
  latched fault must be reset before Start works again.

When every self-check passes, submit the notebook for grading.
"""

# Hidden tests: the learner's logic functions run on fresh scripts of the seed (variants 1
# and 2) and on plcsim's bowl-low fault case, every scan recorded; verdicts from the records.

_PRIVATE = ("operator_script", "new_filler", "random", "machine")


def _private(source: str) -> str:
    """*source* with the names in `_PRIVATE` prefixed by two underscores, so that the hidden
    tests use their own copies, whatever the learner's kernel rebinds."""
    for name in _PRIVATE:
        source, found = re.subn(rf"(?<![\w.]){name}\b", f"__{name}", source)
        if not found:
            raise ValueError(f"{name} is not in the scenario code")
    return source


HIDDEN_RUNS = (
    r"""
import random as __random

from plcsim.interlocks import fault_scenario as __fault_scenario
from plcsim.machines import machine as __machine
"""
    + _private(SCENARIO)
    + r"""

__FIELDS = ("start_pb", "stop_pb", "reset_pb", "bottle_present", "guard_closed", "estop_ok",
            "bowl_low", "weight", "fill_valve", "release", "running_lamp", "fault_lamp")


def __graded_runs(name):
    # The learner's logic `name` on two fresh scripts and on the bowl-low fault case: per run
    # a record of every scan's I/O and the filler's report; None if it fails or is missing.
    logic = globals().get(name)
    if not callable(logic):
        return None
    runs = []
    for variant in (1, 2, "bowl_low"):
        if variant == "bowl_low":
            filler = __fault_scenario(SHOPFLOOR_SEED, "bowl_low")
        else:
            filler = __new_filler(SHOPFLOOR_SEED, variant)
        rows = []

        def recorded(io, mem, fb, rows=rows):
            logic(io, mem, fb)
            rows.append(tuple(getattr(io, point) for point in __FIELDS))

        try:
            filler.run(45.0, recorded)
            runs.append({"rows": [dict(zip(__FIELDS, row)) for row in rows],
                         "report": filler.report()})
        except Exception:
            return None
    return runs


__first_runs = __graded_runs("first_logic")
__repaired_runs = __graded_runs("repaired_logic")
"""
)

HIDDEN_VERDICTS = r"""
__CUTOFF = 464.0


def __latch(rows, trips):
    # The run latch the rungs ask for, scan by scan: reset dominant (Stop wins); with
    # `trips`, it also needs and keeps the healthy bit (the colleague's latch).
    running, out = False, []
    for r in rows:
        healthy = r["guard_closed"] and r["estop_ok"] and not r["bowl_low"] if trips else True
        running = ((r["start_pb"] and healthy) or running) and not r["stop_pb"] and healthy
        out.append(running)
    return out


def __stop_wins(run):
    # From every scan with Stop held to the next Start pressed without Stop: lamp and valve off.
    stopped, lit = False, False
    for r in run["rows"]:
        if r["stop_pb"]:
            stopped = True
        elif r["start_pb"]:
            stopped = False
        if stopped and (r["running_lamp"] or r["fill_valve"]):
            return False
        lit = lit or r["running_lamp"]
    return lit


def __filled(run):
    # At least 3 bottles left, each at or above the cut-off, none overflowed.
    report = run["report"]
    left = [b for b in report["fills"] if b["status"] != "removed" and not b["interrupted"]]
    return (report["overflows"] == 0 and len(left) >= 3
            and all(b["weight_g"] >= __CUTOFF for b in left))


def __permissive(r):
    return r["bottle_present"] and r["guard_closed"] and not r["bowl_low"]


def __first_verdicts(runs):
    if runs is None:
        return dict.fromkeys(("stop_wins", "permissives", "fills", "lamp"), False)
    latches = [__latch(run["rows"], trips=False) for run in runs]
    pairs = [(r, e) for run, latch in zip(runs, latches) for r, e in zip(run["rows"], latch)]
    return {
        "stop_wins": all(__stop_wins(run) for run in runs),
        "permissives": all(__permissive(r) for r, _ in pairs if r["fill_valve"])
        and any(r["fill_valve"] for r, _ in pairs),
        "fills": all(e and r["weight"] < __CUTOFF for r, e in pairs if r["fill_valve"])
        and all(__filled(run) for run in runs[:2]),
        "lamp": all(r["running_lamp"] == e for r, e in pairs),
    }


def __repaired_verdicts(runs):
    if runs is None:
        return {"outputs": False, "lamps": False}
    outputs, lamps = True, True
    for run in runs:
        for r, e in zip(run["rows"], __latch(run["rows"], trips=True)):
            healthy = r["guard_closed"] and r["estop_ok"] and not r["bowl_low"]
            if r["fill_valve"] and not (e and __permissive(r) and r["weight"] < __CUTOFF):
                outputs = False
            if r["release"] and not (e and r["bottle_present"] and r["weight"] >= __CUTOFF):
                outputs = False
            if r["running_lamp"] != (e or r["reset_pb"]):
                lamps = False
            if r["fault_lamp"] != ((not healthy) or r["reset_pb"]):
                lamps = False
    return {"outputs": outputs and all(__filled(run) for run in runs[:2]), "lamps": lamps}


__first = __first_verdicts(__first_runs)
__repaired = __repaired_verdicts(__repaired_runs)
"""

CHECKS = [
    {
        "id": "lags",
        "points": 1,
        "description": "from your run's historian: when the guard door opened (s) and the lags "
        "of the lamp after Start and Stop and of the valve after the door, in scans "
        "([guard_opened_s, lamp_on_lag, lamp_off_lag, valve_guard_lag])",
        "observe": "[float(guard_opened_s), float(lamp_on_lag), float(lamp_off_lag), "
        "float(valve_guard_lag)]",
        "compare": "close",
        "tolerance": 0.001,
        "hint": "Use first_change: e.g. the time running_lamp became False at or after the "
        "first stop_pb True row, minus that row's time, divided by SCAN_S and rounded. With "
        "the rungs in order every lag is 0 scans.",
    },
    {
        "id": "late-lags",
        "points": 1,
        "description": "the lamp's lags after Start and Stop with rung 2 above rung 1 "
        "([late_on_lag, late_off_lag])",
        "observe": "[float(late_on_lag), float(late_off_lag)]",
        "compare": "close",
        "tolerance": 0.001,
        "hint": "In lamp_first the lamp line comes before the latch line and reads last "
        "scan's mem.running; measure on late_history exactly as before.",
    },
    {
        "id": "weight-lag",
        "points": 1,
        "description": "when the valve output first came on (s) and the scans until the load "
        "cell read 5 g ([valve_on_s, weight_lag])",
        "observe": "[float(valve_on_s), float(weight_lag)]",
        "compare": "close",
        "tolerance": 0.001,
        "hint": "Take the weight rows at or after valve_on_s and the first of them whose value "
        "is at least 5.0.",
    },
    {
        "id": "stop-wins",
        "points": 2,
        "visible": False,
        "description": "first_logic: Stop wins over Start (lamp and valve off from every Stop "
        "press until Start is pressed alone) on fresh scripts",
        "observe": "__first['stop_wins']",
        "compare": "equal",
        "hint": "Put NOT stop_pb in series after (start_pb OR running): Stop must break the "
        "rung even while Start is held.",
    },
    {
        "id": "valve-permissives",
        "points": 2,
        "visible": False,
        "description": "first_logic: the fill valve never opens without a bottle, with the "
        "guard door open or with the bowl low (fresh scripts and a low bowl)",
        "observe": "__first['permissives']",
        "compare": "equal",
        "hint": "Every contact of rung 3 goes into one assignment of io.fill_valve, written "
        "every scan: no if, no second write.",
    },
    {
        "id": "valve-fills",
        "points": 1,
        "visible": False,
        "description": "first_logic: the valve is open only while running and below the "
        "cut-off, and the bottles are filled without overflowing",
        "observe": "__first['fills']",
        "compare": "equal",
        "hint": "fill_valve needs mem.running and filling in series with the permissives.",
    },
    {
        "id": "lamp-follows-latch",
        "points": 1,
        "visible": False,
        "description": "first_logic: the green lamp follows the reset-dominant run latch in "
        "every scan",
        "observe": "__first['lamp']",
        "compare": "equal",
        "hint": "Rung 2 is io.running_lamp = mem.running, written after rung 1.",
    },
    {
        "id": "repaired-outputs",
        "points": 2,
        "visible": False,
        "description": "repaired_logic: valve and gate open only when they should, and every "
        "bottle leaves filled (fresh scripts and a low bowl)",
        "observe": "__repaired['outputs']",
        "compare": "equal",
        "hint": "An if that only writes True leaves the output True for good: assign the "
        "condition itself.",
    },
    {
        "id": "repaired-lamps",
        "points": 2,
        "visible": False,
        "description": "repaired_logic: the green lamp shows the run latch, the red lamp a "
        "missing permissive, and holding Reset lights both",
        "observe": "__repaired['lamps']",
        "compare": "equal",
        "hint": "Write each lamp once, with the lamp test in the same expression (OR).",
    },
]

PITFALLS = [
    Pitfall(
        "if-without-else-valve",
        "Writes the fill valve as IF all contacts THEN fill_valve := TRUE with no ELSE: a set "
        "coil, so the valve never closes again (it stays open with no bottle and with the "
        "guard open, and the bottle overflows).",
        {
            "answer-first-logic": swap(
                ANSWER_FIRST,
                "    io.fill_valve = (\n"
                "        mem.running and io.bottle_present and filling and io.guard_closed and not io.bowl_low\n"
                "    )\n",
                "    if mem.running and io.bottle_present and filling and io.guard_closed and not io.bowl_low:\n"
                "        io.fill_valve = True\n",
            )
        },
    ),
    Pitfall(
        "second-write-valve",
        "Splits rung 3 into two assignments of fill_valve, the run conditions first and the "
        "permissives second: the second write wins, so the valve opens whenever the door is "
        "shut and the bowl not low, with no bottle and while stopped.",
        {
            "answer-first-logic": swap(
                ANSWER_FIRST,
                "    io.fill_valve = (\n"
                "        mem.running and io.bottle_present and filling and io.guard_closed and not io.bowl_low\n"
                "    )\n",
                "    io.fill_valve = mem.running and io.bottle_present and filling\n"
                "    io.fill_valve = io.guard_closed and not io.bowl_low\n",
            )
        },
    ),
    Pitfall(
        "ones-and-zeros",
        "Writes the running lamp as 1 or 0 instead of True or False: a digital output takes "
        "only True or False, so the run stops with a LogicError in the first scan.",
        {
            "answer-first-logic": swap(
                ANSWER_FIRST,
                "io.running_lamp = mem.running",
                "io.running_lamp = 1 if mem.running else 0",
            )
        },
    ),
    Pitfall(
        "set-dominant-latch",
        "Writes the run latch as start OR (running AND NOT stop): set dominant, so Start and "
        "Stop pressed together start the filler and it runs on after both are released.",
        {
            "answer-first-logic": swap(
                ANSWER_FIRST,
                "mem.running = (io.start_pb or mem.running) and not io.stop_pb",
                "mem.running = io.start_pb or (mem.running and not io.stop_pb)",
            )
        },
    ),
    Pitfall(
        "lamp-test-deleted",
        "Repairs the second write to the green lamp by deleting the lamp-test line instead of "
        "combining it into the one write: holding Reset no longer lights the green lamp.",
        {
            "answer-repaired-logic": swap(
                ANSWER_REPAIRED,
                "io.running_lamp = mem.running or io.reset_pb",
                "io.running_lamp = mem.running",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title=TITLE,
        competencies=["SM.PLC.1"],
        minutes=70,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-rungs", TASK_RUNGS),
            code("answer-first-logic", "answer", ANSWER_FIRST),
            code("run-first-logic", "readonly", RUN_FIRST),
            code("test-first-logic", "test", TEST_FIRST),
            md("task-historian", TASK_HISTORIAN),
            code("answer-first-change", "answer", ANSWER_FIRST_CHANGE),
            code("test-first-change", "test", TEST_FIRST_CHANGE),
            md("task-lags", TASK_LAGS),
            code("answer-lags", "answer", ANSWER_LAGS),
            md("task-lamp-first", TASK_LAMP_FIRST),
            code("answer-lamp-first", "answer", ANSWER_LAMP_FIRST),
            code("answer-late-lags", "answer", ANSWER_LATE_LAGS),
            md("task-weight-lag", TASK_WEIGHT_LAG),
            code("answer-weight-lag", "answer", ANSWER_WEIGHT_LAG),
            md("task-repair", TASK_REPAIR),
            code("colleague-logic", "readonly", COLLEAGUE),
            md("task-repaired", TASK_REPAIRED),
            code("answer-repaired-logic", "answer", ANSWER_REPAIRED),
            code("test-repaired-logic", "test", TEST_REPAIRED),
            code("hidden-runs", "hidden-test", HIDDEN_RUNS),
            code("hidden-verdicts", "hidden-test", HIDDEN_VERDICTS),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

"""Writes labs/lab-indexer-sequence.ipynb: the step chain of the simulated fill-and-cap indexer.

Run from the repository root:  .venv/bin/python labs/src/lab-indexer-sequence.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

import re

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-indexer-sequence"
TITLE = "Step chain for the simulated fill-and-cap indexer"


INTRO = r"""
# Step chain for the simulated fill-and-cap indexer

**Competency:** SM.PLC.3 *Program machine sequences as step chains and SFC* · about 90
minutes.

This lab is module 3 on a machine of your own. You write the sequence of the Riverbend
fill-and-cap indexer as a step chain, the Python function `logic(io, mem, fb)` that the
simulated PLC calls once every **10 ms scan**, and then make it survive a jammed conveyor
and a sticking capper. You will:

1. program lesson 2's design: infeed, index on the cam switch, then fill and cap **at the
   same time** in a simultaneous branch, with every output decoded from the steps;
2. measure your machine's index time, capper stroke and cycle time from the I/O historian;
3. add step watchdogs, a jam latch with reset, a check that the capper stays down while it
   screws the cap on, and a fill time that survives a stop (lesson 3), and run it through
   three jams.

**The machine.** An indexing conveyor carries bottles through four stations, one pitch per
index: infeed, fill, cap and outfeed (the next index pushes the bottle off the machine).

| I/O point | Direction | Meaning |
| --- | --- | --- |
| `infeed_eye`, `fill_eye`, `cap_eye` | inputs | photo-eyes: a bottle at the infeed, fill or cap station; **on only while the indexer is home** |
| `index_home` | input | cam switch: the conveyor is at a pitch position (goes off as an index starts, back on one pitch later) |
| `capper_up`, `capper_down` | inputs | limit switches: capper head fully up, fully down |
| `start_pb`, `stop_pb`, `reset_pb` | inputs | pushbuttons, True while pressed (the operator presses Start at 0.5 s) |
| `estop_ok` | input | E-stop circuit healthy (stays True in this lab) |
| `infeed_gate` | output | open: lets a waiting bottle onto the infeed station (0.4 s) |
| `index_motor` | output | run the indexing conveyor (about 0.8 s a pitch) |
| `fill_valve` | output | open: fill the bottle at the fill station (recipe 1.5 s; good within ± 5 %, 1.425 to 1.575 s) |
| `capper_extend` | output | extend the capper cylinder: head down (about 0.3 s); hold it down 0.4 s to screw the cap on |
| `running_lamp`, `fault_lamp` | outputs | green lamp: running; red lamp: a jam needs reset |

Bottles arrive at the infeed every 1 to 3 s (at most four wait there). The machine
**records** its sequence errors rather than preventing them: filling with no bottle or while
indexing (the product is spilled), capping with no bottle or twice, indexing with the gate
open or with the capper down (the bottle under it is crushed).

**Your indexer** comes from your own seed (`SHOPFLOOR_SEED`): its pitch is up to 10 % away
from 0.8 s and its capper stroke up to 15 % away from 0.3 s. When you submit, your logic
functions are run again on fresh indexers, your own and others you have not seen, and
judged on what the machines did: sequence errors, rejected bottles, throughput and how
each jam was handled. Printing the right numbers earns nothing; the machine's record does.

Run the cells in order; write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SCENARIO = r"""
JAM_UNDER_WAY = {  # the motion a jam strikes, under way (plcsim's jam monitor then strikes
    # at the next scan, in the middle of the motion, never on its last scan)
    "index": lambda v: v["index_motor"] and not v["index_home"],
    "capper": lambda v: v["capper_extend"] and not v["capper_up"] and not v["capper_down"],
    "dwell": lambda v: v["capper_extend"] and v["capper_down"],
}


def add_jam(indexer, case, after_s):
    # One jam, at the first start of the motion `case` after `after_s`: "index", the conveyor
    # stops dead in the middle of an index; "capper", the head sticks half way on its way
    # down; "dwell", the head is pushed back half way just after it has reached the bottom.
    under_way = JAM_UNDER_WAY[case]

    def strike():
        kind = "index" if case == "index" else "capper"
        indexer.jams.append(JamMonitor(indexer, kind, indexer.clock))

    def arm():
        indexer.when(lambda: under_way(indexer.values), strike)

    indexer.when(lambda: not under_way(indexer.values), arm, not_before=after_s)


def jammed_indexer(seed, variant=0):
    # The indexer of `seed` with three jams at times drawn from the seed and the variant: the
    # conveyor at 10-14 s, the capper on its way down at 25-29 s, in its dwell at 40-44 s.
    rng = random.Random(f"lab-indexer-sequence:{seed}:{variant}")
    indexer = machine("indexer", seed)
    for case, earliest_s in (("index", 10.0), ("capper", 25.0), ("dwell", 40.0)):
        add_jam(indexer, case, round(earliest_s + rng.uniform(0.0, 4.0), 2))
    return indexer
"""

SETUP = (
    r"""
import random

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.indexer import JamMonitor
from plcsim.machines import machine

SCAN_S = 0.01      # the indexer's scan: 10 ms
FILL_S = 1.5       # the recipe's fill time: a good bottle is filled 1.425-1.575 s
DWELL_S = 0.4      # the capper held down to screw a cap on
RUN_S = 120.0      # part 1: two simulated minutes
JAM_RUN_S = 60.0   # part 3: three jams, the operator's resets and restarts
"""
    + SCENARIO
    + r"""

def run_indexer(logic, seconds, jams=False):
    # A fresh indexer of your seed running `logic` for `seconds` of simulated time. The
    # operator presses Start at 0.5 s. With jams=True it jams three times (jammed_indexer);
    # 2-4 s after the machine has stopped, the operator clears the jam, presses Reset 1 s
    # later and Start 0.6 s after that.
    indexer = jammed_indexer(SHOPFLOOR_SEED) if jams else machine("indexer", SHOPFLOOR_SEED)
    indexer.run(seconds, logic)
    return indexer


def summary(indexer, label):
    # The machine's record: bottles, rejects, sequence errors and jams.
    report = indexer.report()
    rejects = {reason: n for reason, n in report["rejects"].items() if n}
    print(f"{label}: {report['produced']} bottles left the indexer, {report['good']} good "
          f"({report['good_per_min']:.1f} a minute); rejects: {rejects or 'none'}; "
          f"{len(report['sequence_errors'])} sequence errors")
    for error in report["sequence_errors"][:5]:
        print(f"  {error['time_s']:7.2f} s  {error.get('message', error['error'])}")
    for jam in report["jams"]:
        if jam["struck_s"] is None:
            print(f"  {jam['kind']} jam: never struck")
            continue
        stopped = jam["stopped_after_s"]
        print(f"  {jam['kind']} jam at {jam['struck_s']:.2f} s: "
              + ("never stopped" if stopped is None else f"every motion off after {stopped:.2f} s")
              + (", moved again before Reset" if jam["restarted_without_reset"] else "")
              + ("" if jam["resumed_s"] is None else f", running again at {jam['resumed_s']:.2f} s")
              + (": passed" if jam["passed"] else ": FAILED"))
    return report


def changes(history, name, value):
    # The times (s) at which point `name` became `value`, from the historian table (which
    # also holds every point's value at the first scan, t = 0).
    rows = history[(history["name"] == name) & (history["value"] == value)]
    return rows["time_s"].to_numpy()


TRACES = ("infeed_gate", "infeed_eye", "index_motor", "index_home", "fill_valve",
          "capper_extend", "capper_down", "capper_up")


def plot_chain(indexer, title, start_s, end_s, points=TRACES):
    # The historian's digital points as stacked traces (high = True); red dotted lines mark
    # jams and sequence errors.
    history = indexer.historian
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(points) + 1.3))
    for row, name in enumerate(reversed(points)):
        steps = history.series(name) + [(end_s, history.value_at(name, end_s))]
        ax.step([t for t, _ in steps], [row * 1.5 + (0.9 if v else 0.0) for _, v in steps],
                where="post", lw=1.1)
    for event in indexer.events:
        if event.kind in ("jam", "sequence-error") and start_s <= event.time_s <= end_s:
            ax.axvline(event.time_s, color="red", lw=0.8, ls=":")
    ax.set_yticks([row * 1.5 + 0.45 for row in range(len(points))])
    ax.set_yticklabels(list(reversed(points)))
    ax.set_xlim(start_s, end_s)
    ax.set_xlabel("time (s)")
    ax.set_title(title)
    plt.tight_layout()
    plt.show()
"""
)

TASK_CHAIN = r"""
## 1. The step chain, filling and capping at once

Write `chain_logic(io, mem, fb)`, lesson 2's design in the labs' Python:

- **The main chain**, one step variable (`mem.step`, numbered in tens): step 0 idle; step 10
  infeed, gate open until `infeed_eye`; step 20 index, motor on until the cam switch
  `index_home` has gone **off and come back on** (it is still on as the index starts); step
  30, the simultaneous branch; then back to step 10 while running, or to step 0.
- **The fill path**, its own step variable: step 31 fill, `fill_valve` open until a TON of
  `FILL_S` (1.5 s) is done, then step 39 filled. With no bottle at the fill station
  (`fill_eye` off when the index ends) the path starts in step 39.
- **The cap path**, its own step variable: step 41 down, `capper_extend` until
  `capper_down`; step 42 dwell, still extended, for `DWELL_S` (0.4 s); step 43 up, until
  `capper_up`; step 49 capped. With no bottle at the cap station the path starts in step 49.
- **The join**: step 30 ends only when **both** paths are in their last steps. The next
  index must wait for the fill to finish and for the capper head to be up.
- **Run latch**: a reset-dominant `RS` of `start_pb` and `stop_pb`, shown on `running_lamp`.

Rules from the lessons: a transition that waits for a **motion** waits for its sensor,
never for a time; every timer is called before the step logic, every scan; every output
is written once, after the step logic, decoded from the active steps.
"""

ANSWER_CHAIN = r"""
def chain_logic(io, mem, fb):
    ### BEGIN SOLUTION
    mem.init(step=0, fill_step=0, cap_step=0, last_step=-1, left_home=False)
    run = fb.RS("run", S=io.start_pb, R1=io.stop_pb).Q1
    entry = mem.step != mem.last_step  # first scan of a new step
    mem.last_step = mem.step
    fill_time = fb.TON("fill_time", IN=mem.fill_step == 31, PT=FILL_S)  # timers first
    dwell = fb.TON("dwell", IN=mem.cap_step == 42, PT=DWELL_S)

    if mem.step == 0:  # idle
        if run:
            mem.step = 10
    elif mem.step == 10:  # infeed gate open until a bottle is on the infeed station
        if io.infeed_eye:
            mem.step = 20
    elif mem.step == 20:  # index until the cam switch has gone off and come back
        if entry:
            mem.left_home = False
        if not io.index_home:
            mem.left_home = True
        if mem.left_home and io.index_home:  # diverge: start both paths
            mem.step = 30
            mem.fill_step = 31 if io.fill_eye else 39
            mem.cap_step = 41 if io.cap_eye else 49
    elif mem.step == 30:  # fill and cap at the same time
        if mem.fill_step == 31 and fill_time.Q:
            mem.fill_step = 39
        if mem.cap_step == 41 and io.capper_down:
            mem.cap_step = 42
        elif mem.cap_step == 42 and dwell.Q:
            mem.cap_step = 43
        elif mem.cap_step == 43 and io.capper_up:
            mem.cap_step = 49
        if mem.fill_step == 39 and mem.cap_step == 49:  # join: both paths done
            mem.step = 10 if run else 0

    io.infeed_gate = mem.step == 10  # outputs decoded from the steps, each written once
    io.index_motor = mem.step == 20
    io.fill_valve = mem.fill_step == 31
    io.capper_extend = mem.cap_step in (41, 42)
    io.running_lamp = run
    ### END SOLUTION
"""

RUN_CHAIN = r"""
chain_run = run_indexer(chain_logic, RUN_S)
history = chain_run.historian.to_dataframe()
chain_report = summary(chain_run, "chain_logic")
plot_chain(chain_run, "chain_logic: the first cycles", 0.0, 12.0)
"""

TEST_CHAIN = r"""
# Self-check on your seed (your logic is run again on fresh indexers when you submit).
assert chain_report["sequence_errors"] == [], "the indexer recorded sequence errors: see above"
assert chain_report["produced"] >= 20, "fewer than 20 bottles left the indexer in two minutes"
assert chain_report["good"] == chain_report["produced"], "bottles were rejected: see above"
assert chain_report["good_per_min"] >= 18.5, (
    f"{chain_report['good_per_min']:.1f} good bottles a minute: do fill and cap run at the "
    "same time?")
print("chain_logic passes the self-check")
"""

TASK_TIMINGS = r"""
Look at the plot: the gate opens until the infeed eye sees a bottle, the motor runs until the
cam switch is back, and from the second cycle on the valve and the capper work at the same
time. Note that the eyes go off while the conveyor moves.

## 2. Your machine's timings, from the historian

`history` is the run's I/O historian as a table: one row (`time_s`, `name`, `value`) for
every point at the first scan and then each time it changed. `changes(history, name, value)`
(from the setup cell) gives the times at which a point became `value`. From `history`, work
out, each as the **median** over the run, in seconds:

- `index_s`: how long `index_motor` stays on, from each time it came on to the next time it
  went off;
- `stroke_s`: from each time `capper_extend` came on to the next time `capper_down` came on
  (the head's stroke, down);
- `cycle_s`: the time between successive starts of the index motor (one machine cycle).

These are the numbers lesson 3 sets the step watchdogs from.
"""

ANSWER_TIMINGS = r"""
# index_s, stroke_s and cycle_s (s), medians over the run
### BEGIN SOLUTION
motor_on = changes(history, "index_motor", True)
motor_off = changes(history, "index_motor", False)
index_s = float(np.median([motor_off[motor_off > t][0] - t for t in motor_on
                           if (motor_off > t).any()]))
down = changes(history, "capper_down", True)
stroke_s = float(np.median([down[down > t][0] - t for t in changes(history, "capper_extend", True)
                            if (down > t).any()]))
cycle_s = float(np.median(np.diff(motor_on)))
### END SOLUTION
print(f"index {index_s:.2f} s, capper stroke {stroke_s:.2f} s, cycle {cycle_s:.2f} s "
      f"({60 / cycle_s:.1f} cycles a minute)")
"""

TASK_JAMS = r"""
Your cycle should be close to gate + index + fill: about 0.4 + 0.8 + 1.5 = 2.7 s, because
the capping (down, dwell and up, about 1 s) now happens during the fill. The indexers of
other seeds index in 0.72 to 0.88 s and stroke the capper in 0.255 to 0.345 s: a watchdog set
just above *your* machine's time could trip on theirs.

## 3. When the indexer jams

Now the indexer jams, three times in a run (`run_indexer(..., jams=True)`, from
`jammed_indexer` in the setup cell): the conveyor stops dead in the middle of an index
(10-14 s); the capper head sticks half way on its way down (25-29 s); and the head is pushed
back half way just after it has reached the bottom, while it should be holding a cap down
(40-44 s). plcsim's jam monitor grades each jam as lesson 3 asks: **every motion output**
(`infeed_gate`, `index_motor`, `fill_valve`, `capper_extend`) **off within 3 s** of the jam;
nothing moving again until the operator has cleared the jam and pressed **Reset**; running
again after **Start**.

Write `jam_logic(io, mem, fb)`: a copy of your `chain_logic`, with

1. **step watchdogs**: a TON for each step that waits for a motion's sensor (index,
   capper down, capper up), running while its step is active and its motion is driven.
   Choose each limit above the slowest **healthy** motion of any indexer (pitch up to
   0.88 s, stroke up to 0.345 s) with a margin, and short enough that every motion is off
   well within 3 s. The infeed step waits for bottles: it is starved, not jammed, and gets
   no watchdog;
2. **a lost confirmation check** in the dwell: the head must stay on `capper_down` for the
   whole 0.4 s. If it lifts while the capper is driven down, that is a jam; and whenever it
   has lifted, the cap path goes back to step 41, so that after the restart the head is
   pressed down again and the dwell is timed in full;
3. **a set-dominant jam latch** (`SR`): set by any watchdog or the lost confirmation, reset
   by `reset_pb`, shown on `fault_lamp`. The run latch drops with the jam and Start sets it
   only while no jam is latched, so the machine needs Reset **and** Start;
4. **an immediate stop that keeps the step**: every output is `run and` its steps. The
   chain does not jump to step 0; after the restart it carries on where it stopped. (Stop
   now stops at once too; the operator does not press it in this lab, and a real machine
   would finish the cycle on Stop, as lesson 3 describes);
5. **a retentive fill time**: a capper jam can stop the valve part way through a fill.
   Accumulate the time the fill step is active while running (`mem.filled += fb.scan.dt`),
   set it to 0 when a fill starts, and end the fill at `FILL_S` of **total** fill, so the
   bottle gets the rest of its fill after the restart, not 1.5 s more.

Reading an output in the logic (`io.index_motor`) gives the value your logic wrote in the
last scan, as a PLC's output image does: a watchdog whose IN includes it runs only while the
motion is really driven.
"""

ANSWER_JAM = r"""
def jam_logic(io, mem, fb):
    ### BEGIN SOLUTION
    mem.init(step=0, fill_step=0, cap_step=0, last_step=-1, left_home=False, filled=0.0)
    # Step watchdogs: each runs while its step drives its motion (a healthy index takes at
    # most 0.88 s, a stroke 0.345 s), so each trips well within the 3 s allowed
    index_wd = fb.TON("index_wd", IN=mem.step == 20 and io.index_motor, PT=1.2)
    down_wd = fb.TON("down_wd", IN=mem.cap_step == 41 and io.capper_extend, PT=1.0)
    up_wd = fb.TON("up_wd", IN=mem.cap_step == 43 and not io.capper_up, PT=1.0)
    lost = mem.cap_step == 42 and io.capper_extend and not io.capper_down  # lifted in the dwell
    jam = fb.SR("jam", S1=index_wd.Q or down_wd.Q or up_wd.Q or lost, R=io.reset_pb).Q1
    run = fb.RS("run", S=io.start_pb and not jam, R1=io.stop_pb or jam).Q1
    entry = mem.step != mem.last_step
    mem.last_step = mem.step
    dwell = fb.TON("dwell", IN=run and mem.cap_step == 42, PT=DWELL_S)

    if mem.step == 0:  # idle
        if run:
            mem.step = 10
    elif mem.step == 10:  # infeed gate open until a bottle is on the infeed station
        if io.infeed_eye:
            mem.step = 20
    elif mem.step == 20:  # index until the cam switch has gone off and come back
        if entry:
            mem.left_home = False
        if not io.index_home:
            mem.left_home = True
        if mem.left_home and io.index_home:  # diverge: start both paths
            mem.step = 30
            mem.fill_step = 31 if io.fill_eye else 39
            mem.cap_step = 41 if io.cap_eye else 49
            mem.filled = 0.0
    elif mem.step == 30:  # fill and cap at the same time
        if mem.fill_step == 31 and run:  # retentive: the fill time so far survives a stop
            mem.filled += fb.scan.dt
            if mem.filled >= FILL_S - 1e-9:  # the tolerance avoids a REAL equality
                mem.fill_step = 39
        if mem.cap_step == 41 and io.capper_down:
            mem.cap_step = 42
        elif mem.cap_step == 42 and not io.capper_down:  # head lifted: press down again
            mem.cap_step = 41
        elif mem.cap_step == 42 and dwell.Q:
            mem.cap_step = 43
        elif mem.cap_step == 43 and io.capper_up:
            mem.cap_step = 49
        if mem.fill_step == 39 and mem.cap_step == 49:  # join: both paths done
            mem.step = 10 if run else 0

    io.infeed_gate = run and mem.step == 10  # immediate stop: every output is run AND steps
    io.index_motor = run and mem.step == 20
    io.fill_valve = run and mem.fill_step == 31
    io.capper_extend = run and mem.cap_step in (41, 42)
    io.running_lamp = run
    io.fault_lamp = jam
    ### END SOLUTION
"""

RUN_JAM = r"""
jam_run = run_indexer(jam_logic, JAM_RUN_S, jams=True)
jam_report = summary(jam_run, "jam_logic with jams")
if len(jam_report["jams"]) == 3:  # the third jam: the head pushed up in the dwell
    struck_s = jam_report["jams"][2]["struck_s"]
    plot_chain(jam_run, "jam_logic: the capper head lifts in the dwell", struck_s - 2.0,
               struck_s + 9.0, points=TRACES + ("fault_lamp", "reset_pb", "start_pb"))
"""

TEST_JAM = r"""
# Self-check on your seed (your logic is run again on fresh indexers when you submit).
assert len(jam_report["jams"]) == 3, (
    "not every jam struck: the machine stopped moving (a jam never stopped, or no restart)")
for jam, case in zip(jam_report["jams"], ("conveyor", "capper on its way down", "dwell")):
    assert jam["stopped_in_time"], f"the {case} jam: the motion outputs were not off within 3 s"
    assert not jam["restarted_without_reset"], f"the {case} jam: the machine moved before Reset"
    assert jam["resumed_s"] is not None, f"the {case} jam: the machine did not run after Start"
assert jam_report["sequence_errors"] == [], "the indexer recorded sequence errors: see above"
assert jam_report["produced"] >= 8 and jam_report["good"] == jam_report["produced"], (
    "bottles were rejected (or fewer than 8 left): see above")
print("jam_logic passes the self-check")
"""

WRAP = r"""
## Wrap-up

- A step chain keeps one step variable per path; the main chain waits in its branch step
  until **every** path is done. On the indexer that join is what keeps the valve shut during
  an index and the capper up before the conveyor moves.
- A motion ends on its sensor. Time is for process steps whose duration is the
  specification (the fill, the dwell), never for where a mechanism has got to: a timed index
  stops short or overshoots on every machine whose pitch is not exactly the time you chose.
- A step that waits for a sensor needs a watchdog, set from the slowest healthy motion with
  a margin. A step that waits for a time still watches that its confirmation stays made.
- The watchdog detects, the set-dominant latch remembers, and only Reset, then Start, moves
  the machine again. The chain keeps its step, and a timed step that was interrupted
  finishes the time it still owes.

The reset in this lab is a monitoring reset: clearing a real jam inside a guard is work under
the site's lockout/tagout procedure, and the guard and the emergency stop are safety
functions (module 4).

When every self-check passes, submit the notebook for grading.
"""

# Hidden tests: the learner's two logic functions run on fresh indexers: chain_logic on the
# learner's machine and on one the learner has not seen; jam_logic on both, with the three
# jams at other times. The scenario code is copied in with private names, so that the hidden
# tests use their own copies whatever the learner's kernel rebinds.

_PRIVATE = ("JAM_UNDER_WAY", "add_jam", "jammed_indexer", "JamMonitor", "random", "machine")


def _private(source: str) -> str:
    """*source* with the names in `_PRIVATE` prefixed by two underscores."""
    for name in _PRIVATE:
        source, found = re.subn(rf"(?<![\w.]){name}\b", f"__{name}", source)
        if not found:
            raise ValueError(f"{name} is not in the scenario code")
    return source


HIDDEN_RUNS = (
    r"""
import random as __random

from plcsim.indexer import JamMonitor as __JamMonitor
from plcsim.machines import machine as __machine
"""
    + _private(SCENARIO)
    + r"""

def __graded(name, build, seconds):
    # The report of the learner's logic `name` on the indexer `build()` makes, run for
    # `seconds`; None if the logic is missing or fails.
    logic = globals().get(name)
    if not callable(logic):
        return None
    try:
        indexer = build()
        indexer.run(seconds, logic)
        return indexer.report()
    except Exception:
        return None


__unseen = f"{SHOPFLOOR_SEED}-unseen"
__chain_runs = [__graded("chain_logic", lambda s=s: __machine("indexer", s), 120.0)
                for s in (SHOPFLOOR_SEED, __unseen)]
__jam_runs = [__graded("jam_logic", lambda s=s, v=v: __jammed_indexer(s, v), 60.0)
              for s, v in ((SHOPFLOOR_SEED, 1), (__unseen, 2))]
"""
)

HIDDEN_VERDICTS = r"""
def __made(report, bottles):
    return report is not None and report["produced"] >= bottles


def __clean(report, bottles):
    return __made(report, bottles) and report["sequence_errors"] == []


def __all_good(report, bottles):
    return __made(report, bottles) and report["good"] == report["produced"]


__jam_list = [jam for report in __jam_runs if report is not None for jam in report["jams"]]
__struck = (None not in __jam_runs and all(len(report["jams"]) == 3 for report in __jam_runs)
            and all(jam["struck_s"] is not None for jam in __jam_list))
__verdicts = {
    "chain_clean": all(__clean(r, 20) for r in __chain_runs),
    "chain_good": all(__all_good(r, 20) for r in __chain_runs),
    "chain_rate": all(r is not None and r["good_per_min"] >= 18.5 for r in __chain_runs),
    "jam_stopped": __struck and all(jam["stopped_in_time"] for jam in __jam_list),
    "jam_reset": __struck and all(not jam["restarted_without_reset"]
                                  and jam["resumed_s"] is not None for jam in __jam_list),
    "jam_product": all(__clean(r, n) and __all_good(r, n)
                       for r, n in zip(__jam_runs, (8, 8))),
}
"""

CHECKS = [
    {
        "id": "timings",
        "points": 1,
        "visible": True,
        "description": "from your run's historian: the medians of the index time and of the "
        "capper's down stroke, in s ([index_s, stroke_s])",
        "observe": "[float(index_s), float(stroke_s)]",
        "compare": "close",
        "tolerance": 0.03,
        "hint": "For each time index_motor came on, take the first time it went off after it; "
        "for each time capper_extend came on, the first time capper_down came on after it. "
        "np.median of the differences.",
    },
    {
        "id": "cycle",
        "points": 1,
        "visible": True,
        "description": "from your run's historian: the median time between successive starts "
        "of the index motor, in s (cycle_s)",
        "observe": "float(cycle_s)",
        "compare": "close",
        "tolerance": 0.05,
        "hint": "np.diff of the times index_motor came on, then np.median. With fill and cap "
        "in parallel a cycle is about gate + index + fill, 2.7 s.",
    },
    {
        "id": "chain-no-sequence-errors",
        "points": 2,
        "visible": False,
        "description": "chain_logic on fresh indexers (yours and one you have not seen, 2 min "
        "each): no sequence error, at least 20 bottles out",
        "observe": "__verdicts['chain_clean']",
        "expected": "True",
        "compare": "equal",
        "hint": "End the index on the cam switch coming back, never on a time, and let the "
        "join wait for both paths: the fill done and the capper head up.",
    },
    {
        "id": "chain-every-bottle-good",
        "points": 1,
        "visible": False,
        "description": "chain_logic on fresh indexers: every bottle filled 1.425-1.575 s and "
        "capped, at least 20 bottles out",
        "observe": "__verdicts['chain_good']",
        "expected": "True",
        "compare": "equal",
        "hint": "The fill TON is called before the step logic with IN = fill step active; "
        "the capper holds down for the full dwell on capper_down.",
    },
    {
        "id": "chain-throughput",
        "points": 2,
        "visible": False,
        "description": "chain_logic on fresh indexers: at least 18.5 good bottles a minute "
        "(fill and cap in parallel make 20-21 in these runs, one after the other 14-15)",
        "observe": "__verdicts['chain_rate']",
        "expected": "True",
        "compare": "equal",
        "hint": "Start the fill path and the cap path together when the index ends, each with "
        "its own step variable.",
    },
    {
        "id": "jams-stopped",
        "points": 2,
        "visible": False,
        "description": "jam_logic on fresh indexers (yours and one you have not seen, with "
        "the three jams at other times): every motion output off within 3 s of each jam",
        "observe": "__verdicts['jam_stopped']",
        "expected": "True",
        "compare": "equal",
        "hint": "A watchdog TON on every step that waits for a motion, and a check that "
        "capper_down stays made during the dwell; any of them sets the jam latch, which "
        "drops the run latch, and every output is run AND its steps.",
    },
    {
        "id": "jams-reset-and-start",
        "points": 2,
        "visible": False,
        "description": "jam_logic on fresh indexers with jams: after each jam nothing moves "
        "before the operator's Reset, and the machine runs again after Start",
        "observe": "__verdicts['jam_reset']",
        "expected": "True",
        "compare": "equal",
        "hint": "A watchdog resets as soon as its motion output is off: latch the jam in a "
        "set-dominant SR that only reset_pb clears, and let Start set the run latch only "
        "while no jam is latched.",
    },
    {
        "id": "jams-every-bottle-good",
        "points": 2,
        "visible": False,
        "description": "jam_logic on fresh indexers with jams: no sequence error and every "
        "bottle good, the ones a jam interrupted included, at least 8 bottles out",
        "observe": "__verdicts['jam_product']",
        "expected": "True",
        "compare": "equal",
        "hint": "Keep the step through the stop; accumulate the fill time only while filling "
        "and end the fill at 1.5 s in total; when the head lifts in the dwell, go back to the "
        "down step so the dwell is timed in full after the restart.",
    },
]

# The lesson 3.1 chain (fill, then cap), as a learner who kept it would write it.
SEQUENTIAL = r"""
    mem.init(step=0, last_step=-1, left_home=False)
    run = fb.RS("run", S=io.start_pb, R1=io.stop_pb).Q1
    entry = mem.step != mem.last_step  # first scan of a new step
    mem.last_step = mem.step
    fill_time = fb.TON("fill_time", IN=mem.step == 30, PT=FILL_S)  # timers first
    dwell = fb.TON("dwell", IN=mem.step == 50, PT=DWELL_S)

    if mem.step == 0:  # idle
        if run:
            mem.step = 10
    elif mem.step == 10:  # infeed gate open until a bottle is on the infeed station
        if io.infeed_eye:
            mem.step = 20
    elif mem.step == 20:  # index until the cam switch has gone off and come back
        if entry:
            mem.left_home = False
        if not io.index_home:
            mem.left_home = True
        if mem.left_home and io.index_home:
            mem.step = 30 if io.fill_eye else 40
    elif mem.step == 30:  # fill for the recipe time
        if fill_time.Q:
            mem.step = 40
    elif mem.step == 40:  # capper down, if there is a bottle to cap
        if not io.cap_eye:
            mem.step = 10 if run else 0
        elif io.capper_down:
            mem.step = 50
    elif mem.step == 50:  # hold down to screw the cap on
        if dwell.Q:
            mem.step = 60
    elif mem.step == 60:  # capper up
        if io.capper_up:
            mem.step = 10 if run else 0

    io.infeed_gate = mem.step == 10  # outputs decoded from the steps, each written once
    io.index_motor = mem.step == 20
    io.fill_valve = mem.step == 30
    io.capper_extend = mem.step in (40, 50)
    io.running_lamp = run
"""

LEFT_HOME = (
    "        if entry:\n"
    "            mem.left_home = False\n"
    "        if not io.index_home:\n"
    "            mem.left_home = True\n"
    "        if mem.left_home and io.index_home:  # diverge: start both paths\n"
)
TIMED_INDEX = "        if index_time.Q:  # the nominal pitch has passed: diverge\n"
JOIN = "        if mem.fill_step == 39 and mem.cap_step == 49:  # join: both paths done\n"
CAP_ONLY_JOIN = "        if mem.cap_step == 49:  # join: the capper is up; the fill times itself\n"


def timed_index(source: str, timers_before: str) -> str:
    """*source* with the index step ended by a 0.8 s TON (called before the step logic)."""
    source = swap(source, LEFT_HOME, TIMED_INDEX)
    return swap(
        source,
        timers_before,
        timers_before + '    index_time = fb.TON("index_time", IN=mem.step == 20, PT=0.8)\n',
    )


CHAIN_TIMERS = '    dwell = fb.TON("dwell", IN=mem.cap_step == 42, PT=DWELL_S)\n'
JAM_TIMERS = '    dwell = fb.TON("dwell", IN=run and mem.cap_step == 42, PT=DWELL_S)\n'

JAM_LATCH = (
    '    jam = fb.SR("jam", S1=index_wd.Q or down_wd.Q or up_wd.Q or lost, R=io.reset_pb).Q1\n'
    '    run = fb.RS("run", S=io.start_pb and not jam, R1=io.stop_pb or jam).Q1\n'
)

WATCHDOGS = (
    "    # Step watchdogs: each runs while its step drives its motion (a healthy index takes at\n"
    "    # most 0.88 s, a stroke 0.345 s), so each trips well within the 3 s allowed\n"
    '    index_wd = fb.TON("index_wd", IN=mem.step == 20 and io.index_motor, PT=1.2)\n'
    '    down_wd = fb.TON("down_wd", IN=mem.cap_step == 41 and io.capper_extend, PT=1.0)\n'
    '    up_wd = fb.TON("up_wd", IN=mem.cap_step == 43 and not io.capper_up, PT=1.0)\n'
)

RETENTIVE_FILL = (
    "        if mem.fill_step == 31 and run:  # retentive: the fill time so far survives a stop\n"
    "            mem.filled += fb.scan.dt\n"
    "            if mem.filled >= FILL_S - 1e-9:  # the tolerance avoids a REAL equality\n"
    "                mem.fill_step = 39\n"
)


def no_dwell_check(source: str) -> str:
    """*source* whose dwell step watches only its timer: no lost confirmation, no step back."""
    source = swap(
        source,
        "    lost = mem.cap_step == 42 and io.capper_extend and not io.capper_down  # lifted in the dwell\n",
        "",
    )
    source = swap(source, "or up_wd.Q or lost, R=", "or up_wd.Q, R=")
    return swap(
        source,
        "        elif mem.cap_step == 42 and not io.capper_down:  # head lifted: press down again\n"
        "            mem.cap_step = 41\n",
        "",
    )


PITFALLS = [
    Pitfall(
        "sequential-chain",
        "Keeps lesson 1's chain, filling and then capping one after the other: no sequence "
        "error and every bottle good, but the cycle is about a second longer (14-15 good "
        "bottles a minute in 2 minutes against 20-21).",
        {
            "answer-chain": swap(
                ANSWER_CHAIN,
                ANSWER_CHAIN.split("### BEGIN SOLUTION\n")[1].split("    ### END SOLUTION")[0],
                SEQUENTIAL.lstrip("\n"),
            )
        },
    ),
    Pitfall(
        "timed-index",
        "Ends the index step on a 0.8 s TON instead of the cam switch coming back: the "
        "conveyor stops short of home or overshoots, the errors add up, the gate opens while "
        "the conveyor is off its pitch (a sequence error) and the chain waits for an infeed "
        "eye that no longer sees bottles.",
        {
            "answer-chain": timed_index(ANSWER_CHAIN, CHAIN_TIMERS),
            "answer-jam": timed_index(ANSWER_JAM, JAM_TIMERS),
        },
    ),
    Pitfall(
        "join-without-fill",
        "Lets the join wait for the cap path only, as if the fill would time itself out: the "
        "fill valve stays open through the infeed step and into the next index (product "
        "spilled while indexing, a sequence error).",
        {
            "answer-chain": swap(ANSWER_CHAIN, JOIN, CAP_ONLY_JOIN),
            "answer-jam": swap(ANSWER_JAM, JOIN, CAP_ONLY_JOIN),
        },
    ),
    Pitfall(
        "no-step-watchdog",
        "Adds the jam latch and the dwell check but no step watchdogs: the jammed conveyor "
        "is driven for ever, so the first jam is never stopped.",
        {
            "answer-jam": swap(
                swap(ANSWER_JAM, WATCHDOGS, ""),
                "S1=index_wd.Q or down_wd.Q or up_wd.Q or lost,",
                "S1=lost,",
            )
        },
    ),
    Pitfall(
        "no-dwell-check",
        "Times the dwell without watching capper_down: a head pushed back up while it holds a "
        "cap down finishes its 'dwell' in the air, the bottle leaves uncapped, and the jam is "
        "only found on the next down stroke, more than 3 s later.",
        {"answer-jam": no_dwell_check(ANSWER_JAM)},
    ),
    Pitfall(
        "fill-ton-restarts",
        "Times the fill with a TON whose IN drops when the machine stops: after a capper jam "
        "the interrupted bottle gets a full 1.5 s more, and leaves overfilled.",
        {
            "answer-jam": swap(
                swap(
                    ANSWER_JAM,
                    RETENTIVE_FILL,
                    "        if mem.fill_step == 31 and fill_time.Q:\n"
                    "            mem.fill_step = 39\n",
                ),
                JAM_TIMERS,
                '    fill_time = fb.TON("fill_time", IN=run and mem.fill_step == 31, PT=FILL_S)\n'
                + JAM_TIMERS,
            )
        },
    ),
    Pitfall(
        "restart-without-reset",
        "Stops on the watchdog trip itself instead of latching the jam (run = run latch AND "
        "NOT trip): the watchdog resets as soon as its motion output is off, so the machine "
        "starts again by itself, into the jam, before the operator's Reset.",
        {
            "answer-jam": swap(
                ANSWER_JAM,
                JAM_LATCH,
                "    jam = index_wd.Q or down_wd.Q or up_wd.Q or lost  # the trip itself, not latched\n"
                '    run = fb.RS("run", S=io.start_pb, R1=io.stop_pb).Q1 and not jam\n',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title=TITLE,
        competencies=["SM.PLC.3"],
        minutes=90,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-chain", TASK_CHAIN),
            code("answer-chain", "answer", ANSWER_CHAIN),
            code("run-chain", "readonly", RUN_CHAIN),
            code("test-chain", "test", TEST_CHAIN),
            md("task-timings", TASK_TIMINGS),
            code("answer-timings", "answer", ANSWER_TIMINGS),
            md("task-jams", TASK_JAMS),
            code("answer-jam", "answer", ANSWER_JAM),
            code("run-jam", "readonly", RUN_JAM),
            code("test-jam", "test", TEST_JAM),
            code("hidden-runs", "hidden-test", HIDDEN_RUNS),
            code("hidden-verdicts", "hidden-test", HIDDEN_VERDICTS),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

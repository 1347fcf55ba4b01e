"""Writes labs/lab-filler-interlocks.ipynb: interlocks, fault latches and reset on the filler.

Run from the repository root:  .venv/bin/python labs/src/lab-filler-interlocks.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-filler-interlocks"
TITLE = "Interlocks, fault latches and reset on the simulated filler"


INTRO = r"""
# Interlocks, fault latches and reset on the simulated filler

**Competencies:** SM.PLC.4 *Program interlocks, permissives and safe states*, SM.PLC.2 ·
about 80 minutes.

The filler of module 2 fills well on a healthy machine. This lab makes it a machine
program: you take its outputs to their safe state when something goes wrong, keep them
there until the fault has gone **and** the operator has pressed Reset, refuse to run again
before Start, show the operator the first fault, and notice a load cell whose reading
freezes. The simulator grades what the machine did, with `plcsim.interlocks`: six fault
cases, one fresh filler each, exactly as lesson 4.2 describes them.

| Case | What happens | How the logic can see it |
| --- | --- | --- |
| `guard_open` | the guard door opens | `guard_closed` False |
| `estop` | an E-stop is pressed | `estop_ok` False |
| `bottle_removed` | an operator takes the bottle away | `bottle_present` False while filling |
| `bowl_low` | the bowl runs low (the flow halves) | `bowl_low` True |
| `loadcell_failed` | the load-cell module fails | `weight_ok` False, weight 0 g |
| `loadcell_stuck` | the reading freezes; the module still says healthy | only from the weight itself |

Each fault strikes in the middle of a fill. While it is still there the operator presses
**Reset** (not for the stuck load cell, which nobody can see); the fault clears; 1 to 2 s
later the operator presses **Reset**, and 0.6 s after that **Start**. A case passes when
`fill_valve` and `release` are both off within **2 scans** of the fault (**1 s** for the
stuck load cell), stay off until that last Reset, and the valve opens again within 8 s of
Start.

You will:

1. measure what two earlier logics do in these cases: a permissive tested only at Start,
   and lesson 4.1's trip without latches;
2. write `interlock_logic(io, mem, fb)`: set-dominant fault latches, a run latch that drops
   on every fault and needs Start, a first-out record and a frozen-reading check;
3. check the frozen-reading test the other way: that a healthy reading never trips it.

Your fault cases' timings come from your seed (`SHOPFLOOR_SEED`). When you submit, your
`interlock_logic` runs through the six cases **of a seed you have not seen**, and through
two minutes of a healthy filler, and is judged on what the machine did.

**Safety.** These interlocks are monitoring functions, not safety functions. On a real filler the
guard interlock and the emergency stop are safety functions built with safety-rated devices
(ISO 13849-1 or IEC 62061) that remove power whatever this program does (lesson 4.3).
Nothing in this lab is a procedure for working on a machine: that is your site's
lockout/tagout procedure (OSHA 29 CFR 1910.147 in the USA).

Run the cells in order; write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import pandas as pd

from plcsim.interlocks import FAULTS, check_interlocks, fault_scenario
from plcsim.machines import machine

SCAN_S = 0.01     # the filler's task: 10 ms
TARGET_G = 500.0  # a good fill is 500 +/- 5 g
LEAD_S = 0.31     # module 2's lead: valve closing delay, fall and one scan

# What mem.first_out must say for each case's fault ("" while no fault is latched).
FAULT_NAMES = {
    "guard_open": "guard open",
    "estop": "E-stop",
    "bottle_removed": "bottle lost",
    "bowl_low": "bowl low",
    "loadcell_failed": "load cell failed",
    "loadcell_stuck": "load cell stuck",
}


def fill_to_weight(io, mem, fb):
    # Module 2's fill to weight, as a function your logic calls once a scan, at its top.
    # A new bottle starts a fill (mem.filling = True); the flow is measured between 100 g
    # and 300 g (the stopwatch runs only while the valve output is on, so a fault that
    # stops a fill does not spoil it); the fill ends at TARGET_G - rate * LEAD_S. Returns
    # `settled`: the bottle has stood 0.5 s since its fill ended. It writes no output.
    mem.init(filling=False, have_w1=False, t1=0.0, w1=0.0, rate=120.0)
    if fb.R_TRIG("arrived", CLK=io.bottle_present).Q:
        mem.filling, mem.have_w1 = True, False
    clock = fb.TON("clock", IN=mem.filling and io.fill_valve, PT=30.0)
    if mem.filling and not mem.have_w1 and io.weight >= 100.0:
        mem.t1, mem.w1, mem.have_w1 = clock.ET, io.weight, True
    elif mem.filling and mem.have_w1 and io.weight >= 300.0 and clock.ET > mem.t1:
        mem.rate = (io.weight - mem.w1) / (clock.ET - mem.t1)
    if io.weight >= TARGET_G - mem.rate * LEAD_S:
        mem.filling = False
    return fb.TON("settle", IN=io.bottle_present and not mem.filling, PT=0.5).Q


def run_case(logic, kind, seed=None):
    # One fault case (a kind from FAULTS) of your seed under `logic`, run as check_interlocks
    # runs it: until the valve is open again after Start, or given up on. Returns the filler:
    # .historian for the I/O, .report()["interlock"] for the case's result.
    filler = fault_scenario(SHOPFLOOR_SEED if seed is None else seed, kind)
    while not filler.monitor.done and filler.clock < 90.0:
        filler.run(1.0, logic)
    return filler


def healthy_run(logic, seconds=120.0):
    # A healthy filler of your seed (no fault; Start pressed at 0.5 s) running `logic`.
    filler = machine("filler", SHOPFLOOR_SEED)
    filler.run(seconds, logic)
    return filler


COLUMNS = ["kind", "passed", "safe_after_scans", "allowed_scans", "held_until_reset",
           "left_while_active", "restarted_without_reset", "resumed_s"]


def cases_table(results):
    # check_interlocks(...)'s result as a table, one row per case.
    return pd.DataFrame(results["cases"])[COLUMNS]


TRACES = ("guard_closed", "estop_ok", "bottle_present", "bowl_low", "weight_ok", "reset_pb",
          "start_pb", "fill_valve", "release", "running_lamp", "fault_lamp")


def plot_case(filler, title, before_s=2.0, after_s=3.0):
    # The case's digital I/O as stacked traces (high = True) and the weight below, from
    # `before_s` before the fault to `after_s` after the valve opened again.
    result = filler.report()["interlock"]
    start_s = max(0.0, result["struck_s"] - before_s)
    end_s = min(filler.clock, (result["resumed_s"] or filler.clock) + after_s)
    history = filler.historian
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    for row, name in enumerate(reversed(TRACES)):
        changes = history.series(name) + [(end_s, history.value_at(name, end_s))]
        levels = [row * 1.5 + (0.9 if value else 0.0) for _, value in changes]
        top.step([t for t, _ in changes], levels, where="post", lw=1.1)
    top.set_yticks([row * 1.5 + 0.45 for row in range(len(TRACES))])
    top.set_yticklabels(list(reversed(TRACES)))
    for t, label in ((result["struck_s"], "fault"), (result["cleared_s"], "cleared"),
                     (result["reset_s"], "reset")):
        if t is not None:
            top.axvline(t, color="grey", lw=0.7, ls=":")
            top.text(t, len(TRACES) * 1.5, label, fontsize=8, ha="center")
    weight = history.series("weight")
    bottom.plot([t for t, _ in weight], [w for _, w in weight], lw=0.8)
    bottom.set_ylabel("weight (g)")
    bottom.set_xlabel("time (s)")
    bottom.set_xlim(start_s, end_s)
    top.set_title(title)
    plt.tight_layout()
    plt.show()
"""

TASK_START_ONLY = r"""
## 1. What the earlier logics do

### A permissive tested only at Start

Lesson 4.1 began with this logic: every condition is tested where the run latch is set, and
nowhere else. `fill_to_weight` (in the setup cell) is module 2's fill; every logic in this
lab calls it first. The cell runs your seed's `guard_open` case with it and plots it.
"""

START_ONLY = r"""
def start_only_logic(io, mem, fb):
    settled = fill_to_weight(io, mem, fb)
    ok = io.guard_closed and io.estop_ok and not io.bowl_low and io.weight_ok
    running = fb.RS("run", S=io.start_pb and ok, R1=io.stop_pb).Q1  # checked at Start only
    io.fill_valve = running and mem.filling and io.bottle_present
    io.release = running and settled
    io.running_lamp = running


guard_case = run_case(start_only_logic, "guard_open")
guard_history = guard_case.historian.to_dataframe()
print(guard_case.report()["interlock"])
plot_case(guard_case, "start_only_logic, guard_open case of your seed")
"""

TASK_VALVE_LATE = r"""
`guard_history` is the case's I/O historian: one row (`time_s`, `name`, `value`) for every
point at the first scan and then whenever it changed. Work out `valve_late_s`: the time from
the guard door opening (the first row of `guard_closed` with the value False) to the fill
valve output going off (the first row of `fill_valve` with the value False at or after
it), in seconds. The case allows 2 scans, 0.02 s.
"""

ANSWER_VALVE_LATE = r"""
# valve_late_s (s): from the door opening to the fill valve output off
### BEGIN SOLUTION
rows = guard_history
door_s = rows[(rows["name"] == "guard_closed") & (rows["value"] == False)]["time_s"].iloc[0]  # noqa: E712
valve = rows[(rows["name"] == "fill_valve") & (rows["value"] == False)]
valve_late_s = float(valve[valve["time_s"] >= door_s - 1e-9]["time_s"].iloc[0] - door_s)
### END SOLUTION
print(f"the valve output stayed on {valve_late_s:.2f} s after the door opened")
"""

TASK_TRIP = r"""
### Lesson 4.1's trip, without latches

Lesson 4.1 then put the faults in the Start condition, in the run latch's reset and in the
output lines. The cell runs all six cases of your seed with it, through `check_interlocks`,
the function that will grade your own logic.
"""

TRIP = r"""
def trip_logic(io, mem, fb):
    settled = fill_to_weight(io, mem, fb)
    fault = not io.guard_closed or not io.estop_ok or io.bowl_low or not io.weight_ok
    running = fb.RS("run", S=io.start_pb and not fault, R1=io.stop_pb or fault).Q1
    io.fill_valve = running and not fault and mem.filling and io.bottle_present
    io.release = running and not fault and settled
    io.running_lamp = running
    io.fault_lamp = fault


results_41 = check_interlocks(trip_logic, SHOPFLOOR_SEED)
cases_table(results_41)
"""

TASK_FAILED = r"""
Set `failed_41` to the list of the cases (their `kind`, as in `FAULTS`) that `trip_logic`
failed, taken from `results_41["cases"]`, not typed in. Then look at the table: for each
failed case, which check did it fail, and why? (Lesson 4.1 says; `run_case(trip_logic,
kind)` and `plot_case` show it.)
"""

ANSWER_FAILED = r"""
# failed_41: the kinds of the cases trip_logic failed
### BEGIN SOLUTION
failed_41 = [case["kind"] for case in results_41["cases"] if not case["passed"]]
### END SOLUTION
print(failed_41)
"""

TASK_LOGIC = r"""
## 2. Fault latches, reset, first-out and a frozen reading

Write `interlock_logic(io, mem, fb)`. It calls `fill_to_weight` first (given), then:

- **Causes.** One Boolean per fault, named as in `FAULT_NAMES`: the guard open, the E-stop,
  the bottle lost (`mem.filling` and no bottle: a missing bottle between fills is no fault),
  the bowl low, the load cell failed, and the load cell stuck (below).
- **A frozen reading.** The load cell's noise (about 0.3 g, in 0.1 g steps) moves a live
  reading almost every scan; a frozen one is exactly constant. Count how long `io.weight`
  has been exactly equal to the last scan's reading (`fb.scan.dt` a scan, in `mem`), and
  call the load cell stuck once that reaches `STILL_S`. The case allows 1 s.
- **Fault latches.** One **set-dominant** latch per cause, `fb.SR(name, S1=cause,
  R=io.reset_pb)`, so that Reset does nothing while the cause is there. `fault` is True
  while any latch is set.
- **First-out.** `mem.first_out` holds the name (from `FAULT_NAMES`) of the fault that
  latched when none was latched before, and `""` once no fault is latched. The HMI shows it.
- **Run latch.** Reset dominant, `fb.RS("run", S=..., R1=...)`: Start sets it only while no
  fault is latched; Stop **or any latched fault** resets it, so the machine never restarts
  by itself.
- **Bottle lost.** When the bottle is lost, end its fill (`mem.filling = False`): the next
  bottle starts a fresh one, after Reset and Start.
- **Outputs**, each written once: `fill_valve` and `release` with `not fault` in their own
  line (the interlock acts in the scan the fault appears, whatever the run latch does),
  `running_lamp` from the run latch and `fault_lamp` while a fault is latched.

Lesson 4.2 builds this logic step by step. Keep everything the logic remembers in `mem` or
in function blocks, never in global variables: your function runs on several fresh fillers.
"""

ANSWER_LOGIC = r"""
STILL_S = 0.3  # s: a live reading never stands still this long


def interlock_logic(io, mem, fb):
    settled = fill_to_weight(io, mem, fb)  # given: module 2's fill (sets mem.filling)
    ### BEGIN SOLUTION
    mem.init(first_out="", last_w=-1.0, still_s=0.0)
    if io.weight == mem.last_w:  # a live reading moves by a digit or two every scan
        mem.still_s += fb.scan.dt
    else:
        mem.still_s = 0.0
    mem.last_w = io.weight
    stuck = mem.still_s >= STILL_S

    causes = {
        "guard open": not io.guard_closed,
        "E-stop": not io.estop_ok,
        "bottle lost": mem.filling and not io.bottle_present,
        "bowl low": io.bowl_low,
        "load cell failed": not io.weight_ok,
        "load cell stuck": stuck,
    }
    any_before = mem.first_out != ""
    fault = False
    for name, cause in causes.items():
        latched = fb.SR(name, S1=cause, R=io.reset_pb).Q1  # set dominant: Reset waits
        if latched and not any_before and mem.first_out == "":
            mem.first_out = name
        fault = fault or latched
    if not fault:
        mem.first_out = ""

    running = fb.RS("run", S=io.start_pb and not fault, R1=io.stop_pb or fault).Q1
    if causes["bottle lost"]:
        mem.filling = False  # the next bottle starts a new fill, after Reset and Start
    io.fill_valve = running and not fault and mem.filling and io.bottle_present
    io.release = running and not fault and settled
    io.running_lamp = running
    io.fault_lamp = fault
    ### END SOLUTION
"""

TEST_LOGIC = r"""
# Self-check: the six cases of your seed, and two minutes of a healthy filler.
mine = check_interlocks(interlock_logic, SHOPFLOOR_SEED)
display(cases_table(mine))
healthy = healthy_run(interlock_logic)
report = healthy.report()
print(f"healthy filler, 120 s: {report['bottles']} bottles, {report['in_tolerance']} in "
      f"tolerance, {report['overflows']} overflowed")
for case in mine["cases"]:
    assert case["safe_in_time"], (
        f"{case['kind']}: outputs not safe within {case['allowed_scans']} scans of the fault")
    assert case["held_until_reset"], (
        f"{case['kind']}: the valve or the gate came on again before the Reset after the clear")
    assert case["resumed_s"] is not None, f"{case['kind']}: no fill after Reset and Start"
assert not any(value for _, value in healthy.historian.series("fault_lamp")), (
    "the healthy filler tripped: a cause is true on a healthy machine")
assert report["bottles"] >= 15 and report["in_tolerance"] == report["bottles"], (
    "the healthy filler should fill every bottle within 500 +/- 5 g")
print("all six cases pass on your seed, and the healthy filler never tripped")
"""

TASK_PLOT = r"""
Look at one case in detail: the cell plots your logic's `guard_open` case (change the kind
to see another). Find the fault, the early Reset that is ignored, the clear, the Reset that
counts, and Start.
"""

PLOT = r"""
plot_case(run_case(interlock_logic, "guard_open"), "interlock_logic, guard_open case")
"""

TASK_STILL = r"""
## 3. The frozen-reading check, the other way round

A plausibility check must catch the fault in time **and never trip a healthy machine**.
Check the second half from data: the cell records `io.weight` at every scan of two minutes
of the healthy filler (under `trip_logic`, which has no stuck check of its own), bottles
filling, standing and absent alike. The historian cannot do this: it stores the weight
only when it moves by more than 0.5 g.

Work out `longest_still_scans`: the largest number of **consecutive scans with exactly the
same reading** in `readings` (a reading that differs from both its neighbours is a run of
1). Compare it with `STILL_S / SCAN_S`, the scans your check waits.
"""

STILL = r"""
readings = []


def recording(io, mem, fb):
    trip_logic(io, mem, fb)
    readings.append(io.weight)


healthy_run(recording)
print(f"{len(readings)} readings, {len(set(readings))} different values")
"""

ANSWER_STILL = r"""
# longest_still_scans: the longest run of identical consecutive readings, in scans
### BEGIN SOLUTION
longest_still_scans, run = 1, 1
for before, after in zip(readings, readings[1:]):
    run = run + 1 if after == before else 1
    longest_still_scans = max(longest_still_scans, run)
### END SOLUTION
print(f"the longest still run: {longest_still_scans} scans; your check waits "
      f"{STILL_S / SCAN_S:.0f} scans")
"""

TASK_THINK = r"""
## 4. Explain it

These questions are not graded, but a commissioning engineer will ask them:

- Your longest still run on a healthy machine against the 30 scans of the check: how much
  margin is that? What would happen to the margin if the load cell's reading were filtered
  heavily, or rounded to 1 g? Which check is safe then (lesson 4.2)?
- In the `loadcell_failed` case the reading is exactly 0 g for seconds, so your stuck check
  latches too. What does `mem.first_out` show, and why is that the right answer?
- In the `bottle_removed` case the early Reset clears the "bottle lost" latch, because its
  cause lasted one scan. Why does the valve still stay shut until the Reset after the new
  bottle arrives, and Start?
- The guard door and the E-stop are handled here by a standard PLC. What must protect the
  operator on the real filler, and which standards govern it (lesson 4.3)?
"""

WRAP = r"""
## Wrap-up

- A condition tested only where the run latch is set is a permissive: checked once, at Start.
  An interlock is in the output line and acts in the scan the fault appears; a trip also
  drops the run latch.
- Each fault sets a **set-dominant** latch that only a Reset after the cause has gone clears.
  A reset-dominant latch lets a Reset pressed during the fault clear it.
- The run latch drops on every fault and Start is refused while a fault is latched: a Reset
  acknowledges, it never restarts the machine.
- First-out keeps the cause, not its consequences.
- A plausibility check finds the fault no input announces. Check it both ways: in time on the
  fault, never on a healthy machine.
- None of this is a safety function: on the real machine, safety-rated devices stop the
  hazard whatever the program does.

When every self-check passes, submit the notebook for grading.
"""

HIDDEN_RUNS = r"""
from plcsim.interlocks import FAULTS as __FAULTS
from plcsim.interlocks import check_interlocks as __check_interlocks
from plcsim.machines import machine as __machine

__NAMES = {
    "guard_open": "guard open",
    "estop": "E-stop",
    "bottle_removed": "bottle lost",
    "bowl_low": "bowl low",
    "loadcell_failed": "load cell failed",
    "loadcell_stuck": "load cell stuck",
}
__SEED = f"{SHOPFLOOR_SEED}/graded"  # a seed the learner has not seen


def __graded_cases():
    # The learner's interlock_logic through the six cases of the graded seed, recording
    # mem.first_out at every scan of each case: (results, first-out records) or None.
    logic = globals().get("interlock_logic")
    if not callable(logic):
        return None
    records = []

    def recorded(io, mem, fb):
        if fb.scan.first:
            records.append([])
        logic(io, mem, fb)
        try:
            first_out = mem.first_out
        except Exception:
            first_out = None
        records[-1].append((fb.scan.time, first_out if isinstance(first_out, str) else None))

    try:
        results = __check_interlocks(recorded, __SEED)
    except Exception:
        return None
    if len(records) != len(__FAULTS):
        return None
    return results, records


def __graded_healthy():
    # The learner's interlock_logic on a healthy filler of the graded seed for 120 s.
    logic = globals().get("interlock_logic")
    if not callable(logic):
        return None
    try:
        filler = __machine("filler", __SEED)
        filler.run(120.0, logic)
        report = filler.report()
        lamps = filler.historian
        return {
            "report": {k: report[k] for k in ("bottles", "in_tolerance", "overflows")},
            "tripped": any(v for _, v in lamps.series("fault_lamp"))
            or any(v is False for t, v in lamps.series("running_lamp") if t >= 0.7),
            "running": bool(lamps.value_at("running_lamp", 1.0)),
        }
    except Exception:
        return None


__cases = __graded_cases()
__healthy = __graded_healthy()
"""

HIDDEN_VERDICTS = r"""
def __first_out_right(case, record):
    # First-out names the case's fault from the trip until the Reset after the clear (or
    # is "" after an earlier Reset cleared every latch), never another fault; "" once the
    # valve is open again.
    if case["struck_s"] is None or case["reset_s"] is None or case["resumed_s"] is None:
        return False
    want = __NAMES[case["kind"]]
    during = [v for t, v in record if case["struck_s"] - 1e-9 <= t < case["reset_s"] - 1e-9]
    named = [v for v in during if v != ""]
    after = [v for t, v in record if abs(t - case["resumed_s"]) < 1e-9]
    return bool(named) and named[0] == want and set(named) == {want} and after == [""]


def __verdicts_of(graded, healthy):
    verdicts = dict.fromkeys(
        ("safe-in-time", "stuck-detected", "held", "resumed", "first-out", "healthy"), False
    )
    if graded is not None:
        results, records = graded
        cases = {case["kind"]: case for case in results["cases"]}
        inputs = [cases[kind] for kind in __FAULTS if kind != "loadcell_stuck"]
        verdicts["safe-in-time"] = all(c["mid_fill"] and c["safe_in_time"] for c in inputs)
        stuck = cases["loadcell_stuck"]
        verdicts["stuck-detected"] = bool(stuck["mid_fill"] and stuck["safe_in_time"])
        verdicts["held"] = all(c["held_until_reset"] for c in cases.values())
        verdicts["resumed"] = all(c["resumed_s"] is not None for c in cases.values())
        verdicts["first-out"] = all(
            __first_out_right(case, record) for case, record in zip(results["cases"], records)
        )
    if healthy is not None:
        report = healthy["report"]
        verdicts["healthy"] = (
            healthy["running"]
            and not healthy["tripped"]
            and report["bottles"] >= 15
            and report["overflows"] == 0
            and report["in_tolerance"] == report["bottles"]
        )
    return verdicts


__verdicts = __verdicts_of(__cases, __healthy)
"""


def _hidden(check_id: str, points: int, description: str, hint: str) -> dict:
    return {
        "id": check_id,
        "points": points,
        "visible": False,
        "description": description,
        "observe": f"__verdicts['{check_id}']",
        "expected": "True",
        "compare": "equal",
        "hint": hint,
    }


CHECKS = [
    {
        "id": "valve-late",
        "points": 1,
        "description": "start_only_logic, guard_open case: seconds from the door opening to "
        "the fill valve output off (valve_late_s)",
        "observe": "float(valve_late_s)",
        "compare": "close",
        "tolerance": 0.005,
        "hint": "Take the first guard_closed row with the value False, then the first "
        "fill_valve row with the value False at or after that time, and subtract.",
    },
    {
        "id": "failed-41",
        "points": 1,
        "description": "the cases lesson 4.1's trip_logic fails (failed_41)",
        "observe": "[str(kind) for kind in failed_41]",
        "compare": "set",
        "hint": "Keep the kind of every case in results_41['cases'] whose 'passed' is False.",
    },
    {
        "id": "still-scans",
        "points": 1,
        "description": "the longest run of identical consecutive weight readings on the healthy "
        "filler, in scans (longest_still_scans)",
        "observe": "float(longest_still_scans)",
        "compare": "close",
        "tolerance": 0.001,
        "hint": "Walk through readings once: add 1 to the current run when a reading equals the "
        "one before, start again at 1 when it differs, and keep the largest run.",
    },
    _hidden(
        "safe-in-time",
        2,
        "interlock_logic, the five faults the inputs show, on a seed you have not seen: "
        "fill_valve and release off within 2 scans",
        "Put not fault in the fill_valve and release lines themselves: the run latch acts a "
        "scan late, and a permissive at Start not at all.",
    ),
    _hidden(
        "stuck-detected",
        2,
        "interlock_logic, loadcell_stuck on a seed you have not seen: fill_valve and release "
        "off within 1 s of the reading freezing",
        "Count the time io.weight has been exactly equal to the last scan's reading, and "
        "latch a 'load cell stuck' fault once it reaches STILL_S.",
    ),
    _hidden(
        "held",
        2,
        "interlock_logic, all six cases: the outputs stay safe until the Reset after the "
        "fault cleared (no Reset during the fault, no automatic restart)",
        "Latch each fault with fb.SR (set dominant), drop the run latch on any latched fault "
        "and refuse Start while one is latched.",
    ),
    _hidden(
        "resumed",
        1,
        "interlock_logic, all six cases: the valve opens again after the Reset and Start",
        "After the fault has cleared, Reset must clear its latch and Start set the run "
        "latch; end a lost bottle's fill so that the next bottle starts a fresh one.",
    ),
    _hidden(
        "first-out",
        1,
        "interlock_logic, all six cases: mem.first_out names the case's fault (as in "
        "FAULT_NAMES) while it is latched, never a later one, and is '' once running again",
        "Write mem.first_out only when a latch is set and no fault was latched before this "
        "scan; clear it when no latch is set.",
    ),
    _hidden(
        "healthy",
        2,
        "interlock_logic on a healthy filler for 120 s: running from Start on, never "
        "tripped, every bottle within 500 +/- 5 g",
        "A cause must be false on a healthy machine: a missing bottle between fills is no "
        "fault, and a live reading moves almost every scan.",
    ),
]

RUN_KEPT = (
    '    running = fb.RS("run", S=io.start_pb and not fault, R1=io.stop_pb or fault).Q1\n',
    '    running = fb.RS("run", S=io.start_pb and not fault, R1=io.stop_pb).Q1\n',
)
SR_LINE = "        latched = fb.SR(name, S1=cause, R=io.reset_pb).Q1  # set dominant: Reset waits\n"


def _edits(*pairs: tuple[str, str]) -> str:
    source = ANSWER_LOGIC
    for old, new in pairs:
        source = swap(source, old, new)
    return source


PITFALLS = [
    Pitfall(
        "start-only",
        "Tests the faults only where the run latch is set: the run latch does not drop on a "
        "fault and the valve and gate lines have no interlock, so the fill carries on.",
        {
            "answer-interlock-logic": _edits(
                RUN_KEPT,
                ("io.fill_valve = running and not fault and", "io.fill_valve = running and"),
                ("io.release = running and not fault and", "io.release = running and"),
            )
        },
    ),
    Pitfall(
        "reset-dominant-fault-latch",
        "Latches each fault with a reset-dominant RS in a logic whose run latch does not drop "
        "on faults: the early Reset clears the latch while the fault is still there, and the "
        "valve opens again.",
        {
            "answer-interlock-logic": _edits(
                RUN_KEPT,
                (
                    SR_LINE,
                    "        latched = fb.RS(name, S=cause, R1=io.reset_pb).Q1  # reset dominant\n",
                ),
            )
        },
    ),
    Pitfall(
        "automatic-restart",
        "Uses the raw fault conditions with no latches and leaves the run latch alone: the "
        "filler restarts by itself as soon as each fault clears, with no Reset and no Start.",
        {
            "answer-interlock-logic": _edits(
                RUN_KEPT, (SR_LINE, "        latched = cause  # no latch\n")
            )
        },
    ),
    Pitfall(
        "no-stuck-check",
        "Has no check for a frozen load-cell reading: the fill never reaches its cut-off and "
        "the valve stays open until the load cell is repaired.",
        {
            "answer-interlock-logic": _edits(('        "load cell stuck": stuck,\n', "")),
        },
    ),
    Pitfall(
        "first-out-overwritten",
        "Writes mem.first_out from every cause that is present, so it shows the last fault to "
        "appear (the stuck reading of a failed load cell), not the first.",
        {
            "answer-interlock-logic": _edits(
                (
                    '        if latched and not any_before and mem.first_out == "":\n',
                    "        if cause:\n",
                ),
            ),
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title=TITLE,
        competencies=["SM.PLC.4", "SM.PLC.2"],
        minutes=80,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-start-only", TASK_START_ONLY),
            code("start-only", "readonly", START_ONLY),
            md("task-valve-late", TASK_VALVE_LATE),
            code("answer-valve-late", "answer", ANSWER_VALVE_LATE),
            md("task-trip", TASK_TRIP),
            code("trip", "readonly", TRIP),
            md("task-failed", TASK_FAILED),
            code("answer-failed", "answer", ANSWER_FAILED),
            md("task-logic", TASK_LOGIC),
            code("answer-interlock-logic", "answer", ANSWER_LOGIC),
            code("test-interlock-logic", "test", TEST_LOGIC),
            md("task-plot", TASK_PLOT),
            code("plot-case", "readonly", PLOT),
            md("task-still", TASK_STILL),
            code("still", "readonly", STILL),
            code("answer-still", "answer", ANSWER_STILL),
            md("task-think", TASK_THINK),
            code("hidden-runs", "hidden-test", HIDDEN_RUNS),
            code("hidden-verdicts", "hidden-test", HIDDEN_VERDICTS),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

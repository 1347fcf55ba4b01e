"""Writes labs/lab-filler-fill-to-weight.ipynb: fill-to-weight logic for the simulated filler.

Run from the repository root:  .venv/bin/python labs/src/lab-filler-fill-to-weight.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-filler-fill-to-weight"


INTRO = r"""
# Fill to weight on the simulated filler

**Competency:** SM.PLC.2 *Program timers, counters, edges and latches* · about 90 minutes.

This lab is the worked design of the lesson *Worked design: filling to weight*, on a
machine of your own. You write the control logic of the Riverbend Filler's fill head: a
Python function `logic(io, mem, fb)` that the simulated PLC calls once every scan, as the
lessons taught (module 1, lesson 3). You will:

1. measure your filler's flow and the product still in flight when the valve output goes
   off, from a timed test fill;
2. write fill-to-weight logic that measures the flow on every bottle and closes the valve
   early by a **lead time**, so that the product in flight finishes the fill;
3. let the logic **learn a correction** from each bottle's settled weight, and show that it
   keeps the fills centred on a worn valve;
4. run your logic in a 50 ms task instead of 10 ms, and explain what you see.

**The machine.** A bottle arrives under the fill head (photo-eye PE-301, `bottle_present`)
and waits on the load cell WT-301 (`weight`, net grams) until the discharge gate
(`release`) lets it go: the gate must stay open 0.3 s, and the next bottle arrives 0.6 to
1.2 s after the last one left. The fill valve XV-301 (`fill_valve`) opens about 0.05 s
after its output turns on and **shuts about 0.2 s after it turns off**; the product then
still falls for 0.1 s. A good fill is **500 ± 5 g**; a bottle holds 520 g to the brim.

| I/O point | Direction | Meaning |
| --- | --- | --- |
| `bottle_present` | input | PE-301: a bottle is under the fill head |
| `weight` | input | WT-301: net weight in g (noise about 0.3 g, 0.1 g steps) |
| `weight_ok`, `guard_closed`, `estop_ok` | inputs | load cell healthy, guard door closed, E-stop circuit healthy |
| `bowl_low` | input | LSL-101: the product bowl is low |
| `start_pb`, `stop_pb` | inputs | pushbuttons, True while pressed (the operator presses Start at 0.5 s) |
| `fill_valve`, `release`, `running_lamp` | outputs | XV-301 open, discharge gate open, green lamp |

**Your filler** comes from your own seed (`SHOPFLOOR_SEED`): its flow is up to 15 % away
from the nominal 120 g/s and its valve's closing delay up to 5 % away from 0.2 s, and each
bottle's flow varies by about 1 %. That is why you measure instead of copying the lesson's
numbers. When you submit, your logic functions are run again on fresh fillers and judged on
what the machine did with them: the bottles' weights, never the numbers you print.

Run the cells in order; write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.blocks import TOF
from plcsim.machines import machine

TARGET_G = 500.0    # a good fill is 500 +/- 5 g
TOLERANCE_G = 5.0
BRIM_G = 520.0      # a bottle holds 520 g; more overflows onto the machine


def run_filler(logic, seconds, scan_s=0.01):
    # A fresh filler of your seed running `logic` for `seconds` of simulated time, one call
    # of logic(io, mem, fb) every `scan_s` seconds. The operator presses Start at 0.5 s.
    filler = machine("filler", SHOPFLOOR_SEED, scan_s=scan_s)
    filler.run(seconds, logic)
    return filler


def worn(logic, extra_s=0.04):
    # `logic` driving a worn fill valve that shuts `extra_s` later than it did when you
    # measured it: an off-delay (TOF) between your output and the valve. Opening is not
    # delayed, and your logic reads back the output it wrote.
    kept = {"command": False, "delay": None}

    def on_worn_valve(io, mem, fb):
        if kept["delay"] is None:
            kept["delay"] = TOF(fb.scan, PT=extra_s)
        io.fill_valve = kept["command"]
        logic(io, mem, fb)
        kept["command"] = io.fill_valve
        io.fill_valve = kept["delay"](IN=kept["command"]).Q

    return on_worn_valve


def points(filler, name):
    # One I/O point from the filler's historian: time_s and value, a row at the first scan
    # and whenever the point changed (the weight when it moved by more than 0.5 g).
    return pd.DataFrame(filler.historian.series(name), columns=["time_s", "value"])


def fills(filler):
    # One row per bottle that left the station, weighed by the checkweigher downstream.
    columns = ["number", "arrived_s", "left_s", "weight_g", "status"]
    table = pd.DataFrame(filler.report()["fills"], columns=columns)
    table["error_g"] = table["weight_g"] - TARGET_G
    return table


def summary(filler, label):
    report = filler.report()
    mean, worst = report["mean_error_g"], report["max_abs_error_g"]
    print(
        f"{label}: {report['bottles']} bottles, {report['in_tolerance']} in tolerance, "
        f"{report['overflows']} overflowed; mean error "
        + ("-" if mean is None else f"{mean:+.2f} g, worst {worst:.1f} g")
    )


def plot_errors(runs, title):
    # Each bottle's error (weight - 500 g) in the order filled, for {label: filler}.
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for label, filler in runs.items():
        table = fills(filler)
        ax.plot(table["number"], table["error_g"], ".", ms=4, label=label)
    ax.axhspan(-TOLERANCE_G, TOLERANCE_G, color="tab:green", alpha=0.1, label="500 +/- 5 g")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("bottle")
    ax.set_ylabel("weight - 500 g")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    plt.tight_layout()
    plt.show()
"""

TASK_MEASURE = r"""
## 1. Measure your filler

Before writing the fill logic, measure the two numbers it depends on. The cell below runs a
**timed test fill**: `test_fill` opens the valve for exactly 3.2 s when the first bottle
arrives (a TP pulse timer) and never releases the bottle, so the weight can settle. Its
historian gives you every change of the weight and of the valve output (`weight` and
`valve`: DataFrames of `time_s` and `value`).
"""

PROBE = r"""
def test_fill(io, mem, fb):
    # A timed test fill: the valve output on for exactly 3.2 s from the bottle's arrival.
    io.fill_valve = fb.TP("open", IN=io.bottle_present, PT=3.2).Q


probe = run_filler(test_fill, 8.0)
weight = points(probe, "weight")
valve = points(probe, "fill_valve")
print(valve)

fig, ax = plt.subplots(figsize=(10, 3.5))
ax.plot(weight["time_s"], weight["value"], ".-", ms=2, lw=0.6, label="weight (g)")
for t in valve["time_s"].iloc[1:]:
    ax.axvline(t, color="tab:red", lw=0.8, ls=":")
ax.set_xlabel("time (s)")
ax.set_ylabel("g")
ax.set_title("Timed test fill (red: the valve output switching)")
ax.legend(loc="lower right")
plt.tight_layout()
plt.show()
"""

TASK_MEASURE_ANSWER = r"""
From `weight` and `valve`, work out:

- `off_s`: when the valve output went off (the time of the last `valve` row).
- `flow_g_s`: the flow in **g/s**. While the valve is open the weight rises in a straight
  line, so fit one through the readings **from 100 g up to `off_s`**:
  `np.polyfit(times, weights, 1)` returns its slope (the flow) and its intercept. Start at
  100 g, not at the valve opening: the opening delay and the fall add time but no weight.
- `in_flight_g`: the product that landed **after the output went off**, in g: the settled
  weight (the mean of the readings from 1 s after `off_s` on) minus the weight at `off_s`.
  Take the weight at `off_s` from your line (slope times `off_s` plus intercept): it is the
  weight the logic saw in that scan, without the noise of a single reading.
- `in_flight_s`: `in_flight_g` divided by `flow_g_s`, in seconds. This is the lead your
  logic needs: it holds the valve's closing delay, the fall, and the way the PLC sees the
  weight once per scan.
"""

ANSWER_MEASURE = r"""
# off_s (s), flow_g_s (g/s), in_flight_g (g) and in_flight_s (s) from the test fill
### BEGIN SOLUTION
off_s = float(valve["time_s"].iloc[-1])  # the output's last change: off
steady = weight[(weight["value"] >= 100) & (weight["time_s"] <= off_s)]
slope, intercept = np.polyfit(steady["time_s"], steady["value"], 1)
flow_g_s = float(slope)
settled_g = weight[weight["time_s"] >= off_s + 1.0]["value"].mean()
in_flight_g = float(settled_g - (slope * off_s + intercept))
in_flight_s = in_flight_g / flow_g_s
### END SOLUTION
print(f"flow {flow_g_s:.1f} g/s; {in_flight_g:.1f} g in flight, {in_flight_s:.3f} s of flow")
"""

TEST_MEASURE = r"""
# Self-check: plausible for this filler (the lesson: 120 g/s +/- 15 %, about 0.3 s in flight).
assert 95 < flow_g_s < 145, f"{flow_g_s:.1f} g/s is not a plausible flow for this filler"
assert 0.25 < in_flight_s < 0.36, f"{in_flight_s:.3f} s in flight: check in_flight_g"
print("plausible: now use them in your logic")
"""

TASK_FILL = r"""
## 2. Fill to weight

Write `fill_logic(io, mem, fb)`, called once per 10 ms scan. It follows the lesson's design:

- **Run latch.** A reset-dominant latch `fb.RS("run", S=..., R1=...)`: set by `start_pb`
  while the permissives (`guard_closed`, `estop_ok`, not `bowl_low`, `weight_ok`) hold,
  reset by `stop_pb` or a lost permissive. `running_lamp` shows it.
- **Start a fill** on the rising edge of `bottle_present` (`fb.R_TRIG`).
- **Measure the flow on every bottle**, as the lesson does: between the first reading at or
  above 100 g and the first at or above 300 g (weight difference over time difference; a
  PLC needs no line fit). A `fb.TON` used as a stopwatch (`IN` true while filling, a long
  `PT`, read `.ET`) or `fb.scan.time` gives the times.
- **Close early.** End the fill once the weight reaches the cut-off
  `TARGET_G - rate * LEAD_S`, with `LEAD_S = in_flight_s` from part 1. Compare with `>=`,
  never `==`: the weight is a REAL.
- **Settle, then release.** Open the gate (`release`) only when the weight has settled, 0.5 s
  after the fill ended (a TON whose `IN` is "bottle here and not filling"). Once the bottle
  has left, `bottle_present` drops and the timer resets, which closes the gate again.

Call every function block once on every scan, at the top level of the function, never inside
an `if`, and write each output in one place. `mem.init(...)` declares your variables with
their starting values (ST's `VAR ... END_VAR`); keep everything the logic remembers in
`mem`, never in global variables, because your function is run on several fresh fillers.
The run below should put every bottle of
10 simulated minutes inside 500 ± 5 g, with none overflowing. Expect the fills to average
a little over 500 g (the reference solution: +0.5 to +0.8 g on seeds 1 to 20): the weight
passes the cut-off between two scans, and the logic only sees it at the next one. Part 3
takes care of that too.

When you submit, `fill_logic` also runs on two other fillers of the plant with the same
valve as yours, one slow and one fast, with your `LEAD_S`: a logic that measures the flow
fills them as well as yours.
"""

ANSWER_FILL = r"""
LEAD_S = in_flight_s  # s: the valve's closing delay, the fall and the scan, as you measured them


def fill_logic(io, mem, fb):
    ### BEGIN SOLUTION
    mem.init(filling=False, have_w1=False, have_rate=False, t1=0.0, w1=0.0, rate=120.0)
    ok = io.guard_closed and io.estop_ok and not io.bowl_low and io.weight_ok
    run = fb.RS("run", S=io.start_pb and ok, R1=io.stop_pb or not ok).Q1

    if fb.R_TRIG("arrived", CLK=io.bottle_present).Q:  # a new bottle: start its fill
        mem.filling, mem.have_w1, mem.have_rate = True, False, False
    clock = fb.TON("clock", IN=mem.filling, PT=30.0)  # stopwatch: ET = time into this fill
    if mem.filling and not mem.have_w1 and io.weight >= 100.0:
        mem.t1, mem.w1, mem.have_w1 = clock.ET, io.weight, True
    elif mem.filling and mem.have_w1 and not mem.have_rate and io.weight >= 300.0:
        mem.rate = (io.weight - mem.w1) / (clock.ET - mem.t1)  # g/s
        mem.have_rate = True

    cut_off = TARGET_G - mem.rate * LEAD_S
    if mem.filling and io.weight >= cut_off:
        mem.filling = False

    settled = fb.TON("settle", IN=io.bottle_present and not mem.filling, PT=0.5).Q
    io.fill_valve = run and mem.filling and io.bottle_present
    io.release = run and settled
    io.running_lamp = run
    ### END SOLUTION
"""

TEST_FILL = r"""
# Self-check: 10 simulated minutes of your logic on your filler.
filled = run_filler(fill_logic, 600)
summary(filled, "fill_logic")
plot_errors({"fill_logic": filled}, "fill_logic on your filler, 10 minutes")
report = filled.report()
assert report["bottles"] >= 60, f"only {report['bottles']} bottles left in 10 minutes"
assert report["overflows"] == 0, f"{report['overflows']} bottles overflowed"
assert report["in_tolerance"] == report["bottles"], "some bottles are outside 500 +/- 5 g"
"""

TASK_LEARN = r"""
## 3. Learn a correction from the settled weight

Your logic trusts `LEAD_S`, measured once. Valves wear, seals swell and products change, and
the flow measurement cannot see any of it: the product in flight is only ever weighed after
the fill. The cell below runs `fill_logic` on your filler **after its valve has worn** and
now shuts 0.04 s later than when you measured it (`worn(logic)` puts an off-delay between
your output and the valve).
"""

WORN_DEMO = r"""
worn_fill = run_filler(worn(fill_logic), 120)
summary(worn_fill, "fill_logic, worn valve")
"""

TASK_LEARN_ANSWER = r"""
Every bottle now comes out about 5 g heavy (0.04 s more flow), at or past the top of the
tolerance. Each bottle's **settled weight** tells you how far off the cut-off was. Write
`learning_logic(io, mem, fb)`: a copy of `fill_logic` that also learns a correction.

1. Keep a correction in grams in `mem` (starting at 0). The cut-off becomes
   `TARGET_G - rate * LEAD_S - correction`.
2. Once per bottle, when the weight has settled (the scan in which the settle timer's `Q`
   rises: an `R_TRIG` on it), move the correction by half the error:
   `correction += GAIN * (weight - TARGET_G)` with `GAIN = 0.5`. A heavy bottle raises the
   correction and so lowers the next cut-off.
3. Take that weight only after the settle time: before it, product is still landing and the
   reading is low.

The self-check runs it on the worn valve for 5 minutes: after the first few bottles the
fills should be centred on 500 g again.
"""

ANSWER_LEARN = r"""
GAIN = 0.5  # the share of each bottle's error the correction takes up


def learning_logic(io, mem, fb):
    ### BEGIN SOLUTION
    mem.init(filling=False, have_w1=False, have_rate=False, t1=0.0, w1=0.0, rate=120.0)
    mem.init(correction=0.0)  # g, learnt from the settled weights
    ok = io.guard_closed and io.estop_ok and not io.bowl_low and io.weight_ok
    run = fb.RS("run", S=io.start_pb and ok, R1=io.stop_pb or not ok).Q1

    if fb.R_TRIG("arrived", CLK=io.bottle_present).Q:  # a new bottle: start its fill
        mem.filling, mem.have_w1, mem.have_rate = True, False, False
    clock = fb.TON("clock", IN=mem.filling, PT=30.0)  # stopwatch: ET = time into this fill
    if mem.filling and not mem.have_w1 and io.weight >= 100.0:
        mem.t1, mem.w1, mem.have_w1 = clock.ET, io.weight, True
    elif mem.filling and mem.have_w1 and not mem.have_rate and io.weight >= 300.0:
        mem.rate = (io.weight - mem.w1) / (clock.ET - mem.t1)  # g/s
        mem.have_rate = True

    cut_off = TARGET_G - mem.rate * LEAD_S - mem.correction
    if mem.filling and io.weight >= cut_off:
        mem.filling = False

    settled = fb.TON("settle", IN=io.bottle_present and not mem.filling, PT=0.5).Q
    if fb.R_TRIG("weighed", CLK=settled).Q:  # once per bottle, on the settled weight
        mem.correction += GAIN * (io.weight - TARGET_G)
    io.fill_valve = run and mem.filling and io.bottle_present
    io.release = run and settled
    io.running_lamp = run
    ### END SOLUTION
"""

TEST_LEARN = r"""
# Self-check: learning_logic on the worn valve, 5 simulated minutes.
learnt = run_filler(worn(learning_logic), 300)
summary(learnt, "learning_logic, worn valve")
plot_errors(
    {"fill_logic": worn_fill, "learning_logic": learnt}, "On the worn valve (0.04 s slower)"
)
after_ten = fills(learnt)["error_g"].iloc[10:]
assert len(after_ten) >= 20, f"only {len(after_ten) + 10} bottles left in 5 minutes"
assert learnt.report()["overflows"] == 0, "bottles overflowed"
assert abs(after_ten.mean()) < 1.0, (
    f"after the first ten bottles the fills average {after_ten.mean():+.2f} g: "
    "the correction does not centre them"
)
"""

TASK_SCAN = r"""
## 4. The same logic in a 50 ms task

A controls engineer wants to move the filler's program from the 10 ms task into the PLC's
50 ms task, to make room for other work. Before you say yes, try it: the cell below runs
`fill_logic` and `learning_logic` with a **50 ms scan** for 5 simulated minutes each
(`slow_fill` and `slow_learn`; `slow_fills` has one row per bottle of `slow_fill`).

Work out, for **`fill_logic`** in the 50 ms task:

- `share_out_50ms`: the share of its bottles outside 500 ± 5 g, as a fraction from 0 to 1;
- `mean_error_50ms_g`: the mean of their errors (weight − 500 g), in g;

and `window_g`: how many grams the weight rises between two scans of the 50 ms task on your
filler (your flow times the scan time).
"""

ANSWER_SCAN = r"""
slow_fill = run_filler(fill_logic, 300, scan_s=0.05)
slow_learn = run_filler(learning_logic, 300, scan_s=0.05)
summary(slow_fill, "fill_logic, 50 ms scan")
summary(slow_learn, "learning_logic, 50 ms scan")
slow_fills = fills(slow_fill)
# share_out_50ms (0-1) and mean_error_50ms_g (g) of fill_logic at 50 ms; window_g (g)
### BEGIN SOLUTION
share_out_50ms = float((slow_fills["error_g"].abs() > TOLERANCE_G).mean())
mean_error_50ms_g = float(slow_fills["error_g"].mean())
window_g = flow_g_s * 0.05
### END SOLUTION
print(
    f"fill_logic at 50 ms: {share_out_50ms:.0%} out of tolerance, mean "
    f"{mean_error_50ms_g:+.2f} g; the weight rises {window_g:.1f} g between two scans"
)
"""

PLOT_SCAN = r"""
plot_errors(
    {"fill_logic, 10 ms": filled, "fill_logic, 50 ms": slow_fill, "learning_logic, 50 ms": slow_learn},
    "The 10 ms and the 50 ms task",
)
"""

TASK_THINK = r"""
## 5. Explain it

Your numbers above are graded. These questions are not, but they are what the controls
engineer will ask you:

- `fill_logic` fills heavier in the 50 ms task, for two reasons. First, the logic sees the
  weight once a scan, so when it first finds the weight at or above the cut-off, the weight
  has passed it by anything up to one scan's rise: on average half of it. How many grams is
  that at 10 ms, and at 50 ms (`window_g`)? Second, your lead was measured in the 10 ms task.
  Measure it again in the 50 ms task (`run_filler(test_fill, 8, scan_s=0.05)` and your part 1
  code): how much has the product in flight changed? Do the two add up to your
  `mean_error_50ms_g`?
- `learning_logic` brings the mean back near 0 g. Why can the correction take up both
  effects, and why can it not narrow the spread of the fills, about `window_g` wide?
- How much of the ±5 g tolerance is left once the fills spread over `window_g`? What would a
  100 ms task do?
- What would you tell the controls engineer? Name two ways to keep the fills within ±5 g if
  the program must move.
- Your correction is learnt from the settled weight. What would go wrong if it took the
  weight 0.1 s after the fill ended, or if the settle timer were called only inside
  `if io.bottle_present and not mem.filling:`?
"""

HIDDEN_SETUP = r"""
import math as __math

from plcsim.blocks import TOF as __TOF
from plcsim.machines import machine as __machine


def __on_worn_valve(logic, extra_s):
    kept = {"command": False, "delay": None}

    def wrapped(io, mem, fb):
        if kept["delay"] is None:
            kept["delay"] = __TOF(fb.scan, PT=extra_s)
        io.fill_valve = kept["command"]
        logic(io, mem, fb)
        kept["command"] = io.fill_valve
        io.fill_valve = kept["delay"](IN=kept["command"]).Q

    return wrapped


def __graded_run(name, seconds, *, seed, scan_s=0.01, worn_s=0.0):
    # A fresh filler of `seed` running the learner's function `name`: its report, or None
    # if there is no such function, no such filler or the run stopped with an error.
    logic = globals().get(name)
    if not callable(logic) or seed is None:
        return None
    if worn_s:
        logic = __on_worn_valve(logic, worn_s)
    try:
        filler = __machine("filler", seed, scan_s=scan_s)
        filler.run(seconds, logic)
        report = filler.report()
    except Exception:
        return None
    keep = ("bottles", "in_tolerance", "overflows", "mean_error_g")
    return {key: report[key] for key in keep}


def __shut_scans(truth):
    # 10 ms scans from the valve output going off to the valve shut.
    return __math.ceil(round(truth.close_lag_s / 0.01, 6))


def __other_filler(fits):
    # Another filler of the plant with the same valve as this learner's (it shuts in as
    # many 10 ms scans), whose numbers `fits`: the first of its seeds, or None.
    own = __shut_scans(__machine("filler", SHOPFLOOR_SEED).truth())
    for number in range(2, 5000):
        seed = f"{SHOPFLOOR_SEED}/filler-{number}"
        truth = __machine("filler", seed).truth()
        if __shut_scans(truth) == own and fits(truth):
            return seed
    return None


def __fast(truth):  # 40.5 g or more in flight: a fixed cut-off set for 120 g/s overfills
    return truth.flow_g_s * (__shut_scans(truth) * 0.01 + truth.fall_s) >= 40.5


def __slow(truth):
    return truth.flow_g_s <= 106.0


def __filled_well(report, minutes, *, mean_within=None):
    return (
        report is not None
        and report["bottles"] >= 6 * minutes
        and report["overflows"] == 0
        and report["in_tolerance"] == report["bottles"]
        and (
            mean_within is None
            or (report["mean_error_g"] is not None and abs(report["mean_error_g"]) < mean_within)
        )
    )
"""

HIDDEN_FILL = r"""
__fill_own = __graded_run("fill_logic", 600, seed=SHOPFLOOR_SEED)
__fill_fast = __graded_run("fill_logic", 180, seed=__other_filler(__fast))
__fill_slow = __graded_run("fill_logic", 180, seed=__other_filler(__slow))
"""

HIDDEN_LEARN = r"""
__learn_own = __graded_run("learning_logic", 300, seed=SHOPFLOOR_SEED)
__learn_worn = __graded_run("learning_logic", 300, seed=SHOPFLOOR_SEED, worn_s=0.04)
__learn_50ms = __graded_run("learning_logic", 300, seed=SHOPFLOOR_SEED, scan_s=0.05)
__fill_50ms = __graded_run("fill_logic", 300, seed=SHOPFLOOR_SEED, scan_s=0.05)
"""

HIDDEN_VERDICTS = r"""
def __centred(report, within):
    return report is not None and report["mean_error_g"] is not None and (
        abs(report["mean_error_g"]) < within
    )


def __reported_50ms():
    # The learner's share and mean at 50 ms, against a fresh run of their fill_logic.
    run = __fill_50ms
    if run is None or not run["bottles"] or run["mean_error_g"] is None:
        return False
    try:
        share = float(share_out_50ms)
        mean = float(mean_error_50ms_g)
    except Exception:
        return False
    fresh_share = 1 - run["in_tolerance"] / run["bottles"]
    return abs(share - fresh_share) < 0.005 and abs(mean - run["mean_error_g"]) < 0.01


__verdicts = {
    "fill-own": __filled_well(__fill_own, 10),
    "fill-other": __filled_well(__fill_fast, 3) and __filled_well(__fill_slow, 3),
    "fill-centred": __centred(__fill_fast, 2.0),
    "learn-own": __filled_well(__learn_own, 5, mean_within=1.0),
    "learn-worn": __learn_worn is not None
    and __learn_worn["bottles"] >= 30
    and __learn_worn["overflows"] == 0
    and __centred(__learn_worn, 1.0),
    "learn-50ms": __learn_50ms is not None
    and __learn_50ms["overflows"] == 0
    and __centred(__learn_50ms, 1.0),
    "reported-50ms": __reported_50ms(),
}
"""

WRAP = r"""
## Wrap-up

- Product keeps arriving after the valve output goes off: about 0.3 s of flow here. Closing
  at the target overflows every bottle; closing at a cut-off of target minus flow times lead
  fills to weight.
- The flow differs from machine to machine and product to product, so measure it on every
  bottle, between two weights while it is steady, not from the bottle's arrival.
- The settled weight tells you how far off the last cut-off was. A correction learnt from it
  follows what the flow measurement cannot see, such as a valve that shuts more slowly as it
  wears. Take that weight only after the settle time.
- The scan sets the resolution: the logic sees the weight once a scan, so the cut-off is
  caught somewhere within one scan's worth of flow. A correction removes the average error,
  not that scatter. Dosing belongs in a fast task or a weighing controller.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "flow",
        "points": 1,
        "description": "your filler's flow from the test fill (flow_g_s, g/s)",
        "observe": "float(flow_g_s)",
        "compare": "close",
        "tolerance": 1.5,
        "hint": "Fit a straight line through the weight readings from 100 g up to the time the "
        "valve output went off (np.polyfit(times, weights, 1)): its slope is the flow.",
    },
    {
        "id": "in-flight",
        "points": 1,
        "description": "the product in flight after the valve output went off (in_flight_g, g)",
        "observe": "float(in_flight_g)",
        "compare": "close",
        "tolerance": 1.0,
        "hint": "Take the mean of the readings from 1 s after the output went off, and subtract "
        "your line's value at the time the output went off (slope times off_s plus intercept).",
    },
    {
        "id": "window-50ms",
        "points": 1,
        "description": "grams the weight rises between two scans of a 50 ms task (window_g)",
        "observe": "float(window_g)",
        "compare": "close",
        "tolerance": 0.3,
        "hint": "Flow times scan time: your flow_g_s times 0.05 s.",
    },
    {
        "id": "mean-50ms",
        "points": 1,
        "description": "the mean error of fill_logic in the 50 ms task (mean_error_50ms_g, g)",
        "observe": "float(mean_error_50ms_g)",
        "compare": "close",
        "tolerance": 1.0,
        "hint": "Take the mean of slow_fills['error_g'], the run of fill_logic (not "
        "learning_logic) with scan_s=0.05.",
    },
    {
        "id": "fill-own",
        "points": 2,
        "visible": False,
        "description": "fill_logic on a fresh run of your filler, 10 minutes: every bottle "
        "within 500 +/- 5 g, none overflowing, at least 6 bottles a minute",
        "observe": "__verdicts['fill-own']",
        "expected": "True",
        "compare": "equal",
        "hint": "Close the valve at the cut-off TARGET_G - rate * LEAD_S, with the rate "
        "measured on each bottle between 100 g and 300 g, and release only after the weight "
        "has settled.",
    },
    {
        "id": "fill-other",
        "points": 2,
        "visible": False,
        "description": "fill_logic on two other fillers of the plant with the same valve, one "
        "slow (106 g/s or less) and one fast (about 41 g in flight), 3 minutes each: every "
        "bottle within 500 +/- 5 g, none overflowing",
        "observe": "__verdicts['fill-other']",
        "expected": "True",
        "compare": "equal",
        "hint": "The product in flight is the flow times the lead time. A fixed number of grams "
        "fits one flow only: measure the flow on every bottle and multiply by LEAD_S.",
    },
    {
        "id": "fill-centred",
        "points": 1,
        "visible": False,
        "description": "fill_logic on the fast filler: mean error within 2 g",
        "observe": "__verdicts['fill-centred']",
        "expected": "True",
        "compare": "equal",
        "hint": "Measure the flow between the first readings at or above 100 g and 300 g: "
        "timed from the bottle's arrival, the valve's opening delay and the fall make the "
        "rate low, the lead short and every bottle heavy.",
    },
    {
        "id": "learn-own",
        "points": 1,
        "visible": False,
        "description": "learning_logic on a fresh run of your filler, 5 minutes: every bottle "
        "within 500 +/- 5 g, none overflowing, mean error within 1 g",
        "observe": "__verdicts['learn-own']",
        "expected": "True",
        "compare": "equal",
        "hint": "Learn from the weight only once the settle timer is done, once per bottle, "
        "and call the settle timer on every scan with its condition in IN.",
    },
    {
        "id": "learn-worn",
        "points": 2,
        "visible": False,
        "description": "learning_logic on your filler with the valve worn 0.04 s slower, "
        "5 minutes: mean error within 1 g, none overflowing",
        "observe": "__verdicts['learn-worn']",
        "expected": "True",
        "compare": "equal",
        "hint": "After the settle time, add GAIN * (weight - TARGET_G) to the correction and "
        "subtract the correction from the cut-off.",
    },
    {
        "id": "learn-50ms",
        "points": 1,
        "visible": False,
        "description": "learning_logic on your filler in a 50 ms task, 5 minutes: mean error "
        "within 1 g, none overflowing",
        "observe": "__verdicts['learn-50ms']",
        "expected": "True",
        "compare": "equal",
        "hint": "The correction must take up whatever the cut-off is off by, whatever the "
        "scan: learn from every bottle's settled weight.",
    },
    {
        "id": "reported-50ms",
        "points": 1,
        "visible": False,
        "description": "share_out_50ms and mean_error_50ms_g match a fresh 5-minute run of "
        "your fill_logic in a 50 ms task",
        "observe": "__verdicts['reported-50ms']",
        "expected": "True",
        "compare": "equal",
        "hint": "Count the bottles of slow_fills with an error of more than 5 g either way and "
        "divide by the number of bottles (a fraction, not a percentage).",
    },
]


FILL_CELLS = ("answer-fill-logic", "answer-learning-logic")
SOURCES = {"answer-fill-logic": ANSWER_FILL, "answer-learning-logic": ANSWER_LEARN}


def both(old: str, new: str) -> dict[str, str]:
    """The same mistake in fill_logic and in learning_logic (its copy, as a learner makes it)."""
    return {cell: swap(SOURCES[cell], old, new) for cell in FILL_CELLS}


SETTLE = '    settled = fb.TON("settle", IN=io.bottle_present and not mem.filling, PT=0.5).Q\n'

PITFALLS = [
    Pitfall(
        "close-at-target",
        "Closes the valve when the load cell reads 500 g, with no lead: the product in "
        "flight overflows every bottle.",
        both(" - mem.rate * LEAD_S", ""),
    ),
    Pitfall(
        "fixed-lead",
        "Closes at a fixed 36 g before the target (a cut-off of 464 g, right for 120 g/s): "
        "under or over on fillers whose flow is far from 120 g/s.",
        both(" - mem.rate * LEAD_S", " - 36.0"),
    ),
    Pitfall(
        "flow-from-arrival",
        "Measures the flow from the bottle's arrival (0 s, 0 g) to 300 g: the valve's opening "
        "delay and the fall make the rate low, the lead short and every bottle heavy.",
        both(
            "        mem.filling, mem.have_w1, mem.have_rate = True, False, False\n",
            "        mem.filling, mem.have_rate = True, False\n"
            "        mem.t1, mem.w1, mem.have_w1 = 0.0, 0.0, True  # timed from the arrival\n",
        ),
    ),
    Pitfall(
        "settle-timer-in-if",
        "Calls the settle timer only inside an if (bottle here and not filling): it never "
        "sees IN false, so from the second bottle on it is done as soon as a fill ends, and "
        "the weight is taken with product still in flight.",
        both(
            SETTLE,
            "    settled = False\n    if io.bottle_present and not mem.filling:\n    " + SETTLE,
        ),
    ),
    Pitfall(
        "release-before-settled",
        "Releases the bottle and takes its weight 0.1 s after the fill ends, before the "
        "product in flight has landed: the correction learns from a weight that is too low.",
        both("not mem.filling, PT=0.5)", "not mem.filling, PT=0.1)"),
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Fill to weight on the simulated filler",
        competencies=["SM.PLC.2"],
        minutes=90,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-measure", TASK_MEASURE),
            code("probe", "readonly", PROBE),
            md("task-measure-answer", TASK_MEASURE_ANSWER),
            code("answer-measure", "answer", ANSWER_MEASURE),
            code("test-measure", "test", TEST_MEASURE),
            md("task-fill", TASK_FILL),
            code("answer-fill-logic", "answer", ANSWER_FILL),
            code("test-fill-logic", "test", TEST_FILL),
            md("task-learn", TASK_LEARN),
            code("worn-demo", "readonly", WORN_DEMO),
            md("task-learn-answer", TASK_LEARN_ANSWER),
            code("answer-learning-logic", "answer", ANSWER_LEARN),
            code("test-learning-logic", "test", TEST_LEARN),
            md("task-scan", TASK_SCAN),
            code("answer-scan", "answer", ANSWER_SCAN),
            code("plot-scan", "readonly", PLOT_SCAN),
            md("task-think", TASK_THINK),
            code("hidden-setup", "hidden-test", HIDDEN_SETUP),
            code("hidden-fill", "hidden-test", HIDDEN_FILL),
            code("hidden-learn", "hidden-test", HIDDEN_LEARN),
            code("hidden-verdicts", "hidden-test", HIDDEN_VERDICTS),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

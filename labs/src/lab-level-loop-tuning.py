"""Writes labs/lab-level-loop-tuning.ipynb: SIMC tuning of the filler bowl level loop LIC-101.

Run from the repository root:  .venv/bin/python labs/src/lab-level-loop-tuning.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-level-loop-tuning"

# The commissioning test, written once for the learner's set-up cell (public names) and
# once for the hidden test (names the learner's code cannot reach): a fresh, noise-free
# copy of the learner's bowl, in auto at the setpoint, and the filler drawing 40 L/min more.
TEST_RUN = r"""
def {name}(block):
    # The commissioning test on the simulator's copy of your bowl, without the level's
    # sloshing and the wandering draw: the block takes over in auto at the setpoint (60 %),
    # the filler draws 40 L/min more from 60 s (the level would fall 10 %/min), until 1260 s.
    run = {loop}("bowl-lic101", seed=SHOPFLOOR_SEED, noise=False)
    run.schedule(0.0, mode="auto")
    run.schedule(60.0, disturbance=-40.0 / 400.0 * 100.0)
    run.run(1260.0, block)
    return run
"""


INTRO = r"""
# Tuning the filler bowl level loop

**Competency:** SM.PC.5 *Tune PID loops* · about 60 minutes.

Since the filler's new speed recipes went in, the operators have a complaint about
**LIC-101**, the filler bowl's level controller: after every change in line speed the level
dips, overshoots the setpoint by a few percent and swings back, slowly, with a period of
about ten minutes. The as-found settings are $K_c$ = 1.0 and $T_i$ = 1.0 min per repeat,
the kind of setting that works on a flow loop. The control engineer has asked you to
retune it with **Skogestad's SIMC rule for integrating processes**, as in the lesson
*Model-based tuning*:

1. bump the output in manual and measure the bowl's **integrating gain** $K'$, in
   **%/min per % of output**;
2. choose the allowed swing, compute $K_c$ and $T_i$ with the SIMC rule, and enter them in
   the PID block **in the block's units**, with the right action;
3. run the commissioning test in the simulator and measure the response.

**The loop.** LT-101 measures the bowl's level, 0–100 % of span = 400 L, so 1 % of level
is 4 L. The controller's output goes to the inlet valve **LV-101**, which is **air-to-open
and fails closed**: valve opening = output. The filler draws about 100 L/min, which LV-101
matches at about 50 % open; the draw wanders by a few L/min with line speed, and the level
reading bounces by about 0.4 % with sloshing. The lesson's setpoint is 60 %, the LO alarm
(LAL-101) is at 40 %. Take the dead time, from the valve's stroke and the transmitter, as
the lesson does: about **2 s**.

**The PID block** (`plcsim.pid.PID`, the same block as on the plant's faceplate):

| Setting | Meaning | Unit |
| --- | --- | --- |
| `kc` | controller gain, ideal (ISA) form, on the error in % of the PV span | % of output per % of span (a plain number, always positive) |
| `ti_min` | integral time | **minutes per repeat** |
| `action` | `"reverse"` (output falls as the PV rises) or `"direct"` | |

It is bumpless (it starts from the output the valve has) and has anti-windup. You create
it as `PID(kc=..., ti_min=..., action=...)` and pass it to a loop's `run` as the controller.

**The targets** agreed with the process engineer, for the largest upset they expect: the
filler speeding up and drawing **40 L/min more** (worth a level fall of 10 %/min if nothing
answers it).

| What | Target |
| --- | --- |
| Allowed swing | the level stays within **±10 %** of the setpoint (60 %): well above the LO alarm |
| No oscillation | after the dip the level passes back beyond the setpoint **at most once** (counted outside a ±0.5 % band) |
| Recovery | back within **±1 %** of the setpoint, for good, within **15 min** of the upset |
| The rule | $K_c\,K'\,T_i \ge 4$, so the two integrators (the bowl and the controller) cannot swing against each other |

Your bowl comes from your own seed (`SHOPFLOOR_SEED`): its $K'$ and dead time are each up to
10 % away from the lesson's numbers, and its sloshing and wandering draw are its own. When
you submit, your $K'$ is compared with your bowl's true one, and the settings in your PID
block are run again on a fresh copy of your bowl. Run the cells in order; write your code
where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = (
    r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.pid import PID
from plcsim.process import loop

SCAN_S = 0.1            # the loop is scanned, and the historian logs a row, every 0.1 s
VOLUME_L = 400.0        # LT-101: 0-100 % of span = 400 L
THETA_S = 2.0           # dead time: LV-101's stroke and the transmitter (the lesson's 2 s)
NORMAL_OP = 50.0        # LV-101 matches the normal draw (about 100 L/min) at about 50 % open
HIGH_OP, LOW_OP = 70.0, 30.0   # the bump test's two outputs, 20 % either side of normal
FIRST_BUMP_S = 60.0     # the first bump up, at 60 s
BUMP_S = 30.0           # each bump lasts 30 s ...
BUMPS = 4               # ... 4 times up, each followed by one down
END_S = 360.0           # back to 50 % at 300 s, record until 360 s
SKIP_S = 5.0            # leave out the first 5 s of each bump (the dead time and the valve)
UPSET_L_PER_MIN = 40.0  # the largest upset: the filler draws 40 L/min more
UPSET_S, TEST_END_S = 60.0, 1260.0   # the commissioning test: upset at 1 min, 20 min after it
AS_FOUND = PID(kc=1.0, ti_min=1.0, action="reverse")  # LIC-101's block before the retune
"""
    + TEST_RUN.format(name="commissioning_test", loop="loop")
    + r"""

bowl = loop("bowl-lic101", seed=SHOPFLOOR_SEED)
print(f"{bowl.tag}: mode {bowl.mode}, output {bowl.output:.0f} %, setpoint {bowl.setpoint:g} {bowl.unit}")
print("as found:", AS_FOUND)
"""
)

TASK_RUN = r"""
## 1. The bump test

A level does not settle after a step, so you cannot leave the output somewhere else and
wait: the bowl would fill or empty. The operator has agreed a test that keeps the level
near 60 %: starting at 60 s (`FIRST_BUMP_S`), the output goes to **70 %** for 30 s and then
to **30 %** for 30 s, four times (`BUMPS`), and back to **50 %** at 300 s; record every scan
until 360 s (`END_S`). Each bump up raises the level about 5 % and each bump down takes it
back, so the level saw-tooths between about 60 and 65 %, plus whatever the wandering draw
adds.

`bowl.schedule(at, output=...)` sets the operator's output (%) at `at` seconds, and
`bowl.run(seconds)` scans the loop. Schedule the nine changes (use the constants of the
set-up cell) and run the loop until `END_S`.
"""

ANSWER_RUN = r"""
# A fresh loop every time this cell runs: manual, output 50 %, level 60 %
bowl = loop("bowl-lic101", seed=SHOPFLOOR_SEED)
# Schedule the bumps and the return to NORMAL_OP, then run until END_S
### BEGIN SOLUTION
for i in range(BUMPS):
    up_at = FIRST_BUMP_S + 2 * i * BUMP_S
    bowl.schedule(up_at, output=HIGH_OP)
    bowl.schedule(up_at + BUMP_S, output=LOW_OP)
bowl.schedule(FIRST_BUMP_S + 2 * BUMPS * BUMP_S, output=NORMAL_OP)
bowl.run(END_S)
### END SOLUTION
history = bowl.historian.to_dataframe()
print(f"{len(history):,} rows, from {history['time_s'].iloc[0]} s to {history['time_s'].iloc[-1]} s")
"""

TEST_RUN_CHECK = r"""
# Self-check: the test as agreed with the operator.
assert len(history) == 3600, f"run from 0 to 360 s: 3,600 scans, not {len(history):,}"
assert set(history["mode"]) == {"manual"}, "the whole test runs in manual"
ops = history["op"].to_numpy()
expected = np.full(3600, NORMAL_OP)
for i in range(BUMPS):
    start = 600 + 600 * i
    expected[start:start + 300] = HIGH_OP
    expected[start + 300:start + 600] = LOW_OP
wrong = np.flatnonzero(ops != expected)
assert not len(wrong), f"at {wrong[0] * SCAN_S:g} s the output is {ops[wrong[0]]:g} %, not {expected[wrong[0]]:g} %"
assert history["pv"].between(45, 80).all(), "the level left 45-80 %: look at the outputs again"
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
top.plot(history["time_s"], history["pv"], lw=0.6, label="level (LT-101)")
top.set_ylabel("% of span")
top.legend(loc="upper right")
bottom.plot(history["time_s"], history["op"], label="controller output (op) = LV-101 opening")
bottom.set_ylabel("%")
bottom.set_xlabel("time (s)")
bottom.legend(loc="upper right")
top.set_title(f"{bowl.tag} bump test in manual")
plt.tight_layout()
plt.show()
"""

TASK_FIT = r"""
## 2. The integrating gain, in the units the rule needs

An integrating process answers an output change with a change of **slope**: the level's
rate of change moves by $K'$ %/min for each % of output. The wandering draw adds a slope of
its own that you do not know, but it is about the same in a bump up and the bump down just
after it, so it cancels in the difference:

1. For each of the eight bumps, take the scans from 5 s after the bump starts (`SKIP_S`:
   the dead time and a margin) to its end, and fit a straight line to the **level in % of
   span** against the **time in minutes** (`np.polyfit(t_min, level, 1)[0]` is its slope,
   in %/min).
2. $K' = \dfrac{\overline{s}_{70} - \overline{s}_{30}}{70\ \% - 30\ \%}$: the mean slope of
   the bumps at 70 % minus the mean slope of the bumps at 30 %, divided by the output
   difference (`HIGH_OP - LOW_OP`).

Make `slopes`, a list of eight `(output, slope)` pairs in the order of the bumps, and
`kprime`, in **%/min per % of output**. The lesson's nominal bowl has $K'$ = 0.5 (+10 %
valve = +20 L/min = +5 %/min); yours is within 10 % of that. Mind the units: the tuning rule
needs the level in % of span per minute, not litres per minute, and not per second.
"""

ANSWER_FIT = r"""
# slopes: [(output %, level slope %/min), ...] for the 8 bumps; kprime in %/min per %
### BEGIN SOLUTION
slopes = []
for i in range(2 * BUMPS):
    start = FIRST_BUMP_S + i * BUMP_S
    output = HIGH_OP if i % 2 == 0 else LOW_OP
    bump = history[(history["time_s"] >= start + SKIP_S) & (history["time_s"] < start + BUMP_S)]
    slope = np.polyfit(bump["time_s"] / 60, bump["pv"], 1)[0]  # % of span per minute
    slopes.append((output, float(slope)))
up = np.mean([s for u, s in slopes if u == HIGH_OP])
down = np.mean([s for u, s in slopes if u == LOW_OP])
kprime = float((up - down) / (HIGH_OP - LOW_OP))
### END SOLUTION
for output, slope in slopes:
    print(f"output {output:4.0f} %: level {slope:+6.2f} %/min")
print(f"K' = {kprime:.3f} %/min per %")
"""

TEST_FIT = r"""
# Self-check of the shape only (the value is checked when you submit), and your K' drawn
# over the data: the common slope of all the bumps is the wandering draw's, and the model
# adds K' times (output - 50 %) to it.
assert len(slopes) == 2 * BUMPS, f"one slope per bump: {2 * BUMPS}, not {len(slopes)}"
assert np.isfinite(float(kprime)) and float(kprime) > 0, "K' is a positive number"
t = history["time_s"].to_numpy()
u = history["op"].to_numpy()
bumps = (t >= FIRST_BUMP_S) & (t < FIRST_BUMP_S + 2 * BUMPS * BUMP_S)
drift = np.polyfit(t[bumps] / 60, history["pv"].to_numpy()[bumps], 1)[0]  # %/min at 50 % on average
delayed = np.interp(t - THETA_S, t, u, left=u[0])
rate = (float(kprime) * (delayed - NORMAL_OP) + drift * bumps) / 60 * SCAN_S  # % per scan
start_level = history.loc[history["time_s"] < FIRST_BUMP_S, "pv"].mean()
predicted = start_level + np.concatenate([[0.0], np.cumsum(rate)[:-1]])
fig, ax = plt.subplots(figsize=(10, 3.2))
ax.plot(t, history["pv"], lw=0.5, color="tab:grey", label="measured level")
ax.plot(t, predicted, color="tab:red", label="your K', plus the draw's common slope")
ax.set_xlabel("time (s)")
ax.set_ylabel("% of span")
ax.set_title(f"K' = {float(kprime):.3f} %/min per %")
ax.legend()
plt.show()
"""

TASK_TUNE = r"""
## 3. SIMC settings, entered in the block's units

Follow the lesson's worked example for LIC-101, with your own $K'$:

1. **The upset as a level rate.** 40 L/min more draw, from a 400 L bowl, makes the level
   fall at $40 / 400 \times 100$ = 10 %/min (`upset_pct_per_min`).
2. **The output change that meets it**, $\Delta u$ (`du_pct`): the % of output whose
   $K'$ times it gives the same rate.
3. **Choose the allowed swing** $\Delta y_{\max}$ (`ALLOWED_SWING_PCT`, % of span): at most
   the 10 % the targets allow, and not below 5 %. A smaller swing means a higher gain,
   which passes more of the level's 0.4 % sloshing to the valve, and it wastes the bowl,
   whose job is to absorb changes in draw.
4. **Gain from the swing** (Skogestad's minimum gain): $K_c = \Delta u / \Delta y_{\max}$.
5. **Back out the closed-loop time** from the integrating rule
   $K_c = 1 / (K'(\tau_c + \theta))$: $\tau_c + \theta = 1 / (K' K_c)$, in minutes because
   $K'$ is per minute. Work it out in seconds (`closed_loop_s`), and the closed-loop time
   constant `tau_c_s` $= (\tau_c + \theta) - \theta$ with `THETA_S`.
6. **Integral time**: $T_i = 4\,(\tau_c + \theta)$, entered in **minutes per repeat**
   (`ti_min`).
7. **Action**: a **reverse**-acting controller lowers its output when the PV rises; it is
   needed when a rising output makes the PV rise. A direct-acting one is needed when a
   rising output makes the PV fall. Look at your bump test.

Set the variables; the last lines of the cell enter them in the block `lic101`.
"""

ANSWER_TUNE = r"""
# upset_pct_per_min, du_pct, ALLOWED_SWING_PCT, kc, closed_loop_s, tau_c_s, ti_min, action
### BEGIN SOLUTION
upset_pct_per_min = UPSET_L_PER_MIN / VOLUME_L * 100  # 10 %/min
du_pct = upset_pct_per_min / kprime  # the extra opening that meets the upset, about 20 %
ALLOWED_SWING_PCT = 10.0  # the agreed +/-10 %: the smoothest tuning the targets allow
kc = du_pct / ALLOWED_SWING_PCT
closed_loop_s = 60 / (kprime * kc)  # tau_c + theta: 1 / (K' Kc) minutes, in seconds
tau_c_s = closed_loop_s - THETA_S
ti_min = 4 * closed_loop_s / 60  # the block takes minutes per repeat
action = "reverse" if kprime > 0 else "direct"
### END SOLUTION
lic101 = PID(kc=kc, ti_min=ti_min, action=action)
print(lic101)
"""

TEST_TUNE = r"""
# Self-check of the entry, and the two numbers to compare with the commissioning test.
assert isinstance(lic101, PID), "lic101 is the PID block, PID(kc=..., ti_min=..., action=...)"
assert 5 <= ALLOWED_SWING_PCT <= 10, "choose an allowed swing between 5 and 10 %"
product = lic101.kc * float(kprime) * lic101.ti_min
print(f"As left: ideal form, Kc {lic101.kc:.2f} (PB {100 / lic101.kc:.0f} %), "
      f"Ti {lic101.ti_min:.2f} min/repeat ({lic101.ti_min * 60:.0f} s), {lic101.action} acting")
print(f"tau_c = {tau_c_s:.0f} s; Kc K' Ti = {product:.2f} (damping ratio about {0.5 * product ** 0.5:.2f}); "
      f"as found: {AS_FOUND.kc * float(kprime) * AS_FOUND.ti_min:.2f}")
print(f"The valve moves about Kc x 0.4 % = {lic101.kc * 0.4:.1f} % with the level's sloshing.")
"""

TASK_MEASURE = r"""
## 4. The commissioning test

`commissioning_test(block)` runs the test on the simulator's copy of your bowl, without the
sloshing and the wandering draw (so that the numbers measure the tuning, not the noise):
the block takes over in auto at the setpoint (60 %), the filler starts drawing 40 L/min
more at 60 s (`UPSET_S`), and the run ends at 1260 s (`TEST_END_S`), 20 minutes later.

Write `measures(run)`, which returns a dictionary from `run.historian.to_dataframe()`
(columns `time_s`, `sp`, `pv`, …), every measure over `UPSET_S` ≤ t < `TEST_END_S`:

| Key | What |
| --- | --- |
| `"peak_pct"` | the largest $\lvert SP - PV \rvert$, in % of span |
| `"overshoot_pct"` | how far the level goes **above** the setpoint, in % of span; 0 if it never does |
| `"crossings"` | how many times the error $SP - PV$ goes from beyond +0.5 % to beyond −0.5 %, or back (an int): a swing inside the band does not count |
| `"recovery_min"` | minutes from `UPSET_S` to the end of the last scan (its time plus `SCAN_S`) at which $\lvert SP - PV \rvert$ is more than 1 %; 0 if none |

For the crossings, walk through the errors and remember the side of the band the error was
last beyond. `run.performance(UPSET_S, band=0.5).oscillations` counts them the same way
(the lesson *What good tuning means* explains it): use it to check your count.

The cell then runs the test with `lic101` and measures it (`results`).
"""

ANSWER_MEASURE = r"""
# measures(run) -> {"peak_pct", "overshoot_pct", "crossings", "recovery_min"}
### BEGIN SOLUTION
def measures(run):
    data = run.historian.to_dataframe()
    after = data[(data["time_s"] >= UPSET_S) & (data["time_s"] < TEST_END_S)]
    error = (after["sp"] - after["pv"]).to_numpy()
    crossings, side = 0, 0
    for e in error:
        now = 1 if e > 0.5 else -1 if e < -0.5 else 0
        if now and side and now != side:
            crossings += 1
        side = now or side
    outside = after["time_s"].to_numpy()[np.abs(error) > 1.0]
    recovery_s = outside[-1] + SCAN_S - UPSET_S if len(outside) else 0.0
    return {
        "peak_pct": float(np.abs(error).max()),
        "overshoot_pct": float(max(-error.min(), 0.0)),
        "crossings": int(crossings),
        "recovery_min": float(recovery_s / 60),
    }
### END SOLUTION

run = commissioning_test(lic101)
results = measures(run)
print(", ".join(f"{key} {value:.2f}" for key, value in results.items()))
"""

TEST_TARGETS = r"""
# Self-check against the targets (your settings are run again when you submit).
fig, axes = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
for label, test in {"yours": run, "as found": commissioning_test(AS_FOUND)}.items():
    data = test.historian.to_dataframe().iloc[::10]  # every second is enough to draw
    axes[0].plot(data["time_s"] / 60, data["pv"], lw=0.9, label=label)
    axes[1].plot(data["time_s"] / 60, data["op"], lw=0.9, label=label)
axes[0].plot(data["time_s"] / 60, data["sp"], "k--", lw=0.7, label="SP")
axes[0].axhspan(50, 70, color="tab:green", alpha=0.08, label="allowed swing")
axes[0].axhline(40, color="tab:red", lw=0.7, label="LO alarm")
axes[0].set_ylabel("level, %")
axes[1].set_ylabel("LV-101, % open")
axes[1].set_xlabel("time (min)")
axes[0].legend(fontsize=8, ncol=3)
axes[0].set_title("Commissioning test: the filler draws 40 L/min more from 1 min")
plt.tight_layout()
plt.show()
assert results["peak_pct"] <= 10, f"the level moved {results['peak_pct']:.1f} %: more than the 10 % allowed"
assert results["crossings"] <= 1, f"{results['crossings']} crossings: the level swings about the setpoint"
assert results["recovery_min"] <= 15, f"back within 1 % only after {results['recovery_min']:.1f} min"
assert lic101.kc * float(kprime) * lic101.ti_min >= 3.99, "Kc K' Ti is below 4"
print("Your tuning meets the targets.")
"""

TASK_THINK = r"""
## 5. Before you submit

Not graded, but worth a minute each:

- The as-found tuning has $K_c K' T_i$ of about 0.5. An operator suggests halving its gain
  "to calm it down". What would the product be, and what would the level do? What should
  change instead?
- A colleague took $K'$ as 2, from "+10 % valve = +20 L/min". Which $K_c$ and $T_i$ would
  the same steps have given them, and what would $K_c K' T_i$ really be on the bowl?
- Your loop answers the upset by opening LV-101 about 20 % more. Where did the valve
  settle, and why does the level need integral action to get back to 60 %?
- Would you choose a smaller swing if the LO alarm were at 55 %? What would it cost?
"""

HIDDEN = (
    r"""
import math as __math

from plcsim.pid import PID as __PID
from plcsim.process import loop as __loop
"""
    + TEST_RUN.format(name="__test_run", loop="__loop")
    + r"""

def __snap(value, truth, tolerance):
    # The true value when the estimate is within the relative tolerance, else the estimate
    # itself (or why it is no number): only the true K' of this seed earns the points.
    try:
        number = float(value)
    except Exception as error:
        return f"{type(error).__name__}"
    if not __math.isfinite(number):
        return "not a finite number"
    return round(truth, 6) if abs(number - truth) <= tolerance * abs(truth) else round(number, 6)


def __entry(mapping, key):
    try:
        return mapping[key]
    except Exception as error:
        return f"{type(error).__name__}"


def __number(value):
    try:
        number = float(value)
    except Exception:
        return __math.nan
    return number if __math.isfinite(number) else __math.nan


def __close(value, target, tolerance):
    number = __number(value)
    return __math.isfinite(number) and abs(number - target) <= tolerance


def __measures(run):
    # The lab's measures, from the historian's columns.
    columns = run.historian.columns
    rows = [
        (t, sp - pv)
        for t, sp, pv in zip(columns["time_s"], columns["sp"], columns["pv"])
        if 60.0 - 1e-9 <= t < 1260.0 - 1e-9
    ]
    crossings, side = 0, 0
    for _, e in rows:
        now = 1 if e > 0.5 else -1 if e < -0.5 else 0
        if now and side and now != side:
            crossings += 1
        side = now or side
    outside = [t for t, e in rows if abs(e) > 1.0]
    return {
        "peak_pct": max(abs(e) for _, e in rows),
        "overshoot_pct": max(max(-e for _, e in rows), 0.0),
        "crossings": crossings,
        "recovery_min": (outside[-1] + 0.1 - 60.0) / 60 if outside else 0.0,
    }


__truth = __loop("bowl-lic101", SHOPFLOOR_SEED).truth()
__kprime = __truth.gain  # %/min per % of output: span 0-100 %, LV-101 fails closed
__upset = 40.0 / 400.0 * 100.0  # %/min
__learner_kprime = __number(globals().get("kprime"))
__model = {"kprime": __snap(globals().get("kprime"), __kprime, 0.08)}

# The settings in the learner's block, entered in a fresh block of our own.
__entered = globals().get("lic101")
try:
    __block = __PID(kc=__entered.kc, ti_min=__entered.ti_min, action=__entered.action)
except Exception:
    __block = None
__swing = __number(globals().get("ALLOWED_SWING_PCT"))
__tuning = {"kc": False, "ti": False, "damping": False}
if __block is not None and __block.ti_min is not None:
    if 5.0 <= __swing <= 10.0:  # the SIMC gain for the learner's swing, on the true K'
        __tuning["kc"] = __close(__block.kc / (__upset / __kprime / __swing), 1.0, 0.10)
    # SIMC's integral time for the gain entered: 4 (tau_c + theta) = 4 / (K' Kc) minutes
    __tuning["ti"] = __close(__block.ti_min / (4.0 / (__kprime * __block.kc)), 1.0, 0.10)
    # Kc K' Ti >= 4 on the learner's K' if it is right (within 8 %), else on the true one
    __k = __learner_kprime if abs(__learner_kprime - __kprime) <= 0.08 * __kprime else __kprime
    __tuning["damping"] = __block.kc * __k * __block.ti_min >= 3.99


def __graded():
    # The commissioning test of the learner's settings in our own block: its measures.
    if __block is None:
        return None
    try:
        return __measures(__test_run(__block))
    except Exception:
        return None


__found = __graded()
__tolerances = {"peak_pct": 0.01, "overshoot_pct": 0.01, "crossings": 0, "recovery_min": 0.01}
__reported = globals().get("results")
__verdicts = {
    "measures": __found is not None
    and all(
        __close(__entry(__reported, key), __found[key], tolerance)
        for key, tolerance in __tolerances.items()
    ),
    "swing": __found is not None and __found["peak_pct"] <= 10.0,
    "oscillation": __found is not None and __found["crossings"] <= 1,
    "recovery": __found is not None and __found["recovery_min"] <= 15.0,
}
"""
)

WRAP = r"""
## Wrap-up

- An integrating process needs its gain in the rule's units: the change of the level's
  **slope**, in % of span per minute, per % of output. Measure it from bumps up and down,
  so that an unknown draw cancels.
- SIMC for an integrating process: choose the gain from the largest upset and the swing
  you can allow, $K_c = \Delta u / \Delta y_{\max}$; then $\tau_c + \theta = 1/(K' K_c)$ and
  $T_i = 4(\tau_c + \theta)$, entered in minutes per repeat.
- Check $K_c K' T_i \ge 4$. A level loop that swings slowly needs a **longer** integral
  time, not a lower gain: cutting the gain makes the product smaller and the swinging worse.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "bump-test",
        "points": 1,
        "description": "the bump test as agreed: the output at the bumps' starts and ends, scans and modes",
        "observe": "[float(v) for v in history['op'].to_numpy()[[599, 600, 899, 900, 2999, 3000]]] "
        "+ [len(history), sorted(str(m) for m in set(history['mode']))]",
        "compare": "equal",
        "hint": "Four times: HIGH_OP at 60 + 60 i s and LOW_OP 30 s later; NORMAL_OP at 300 s; "
        "then run the fresh loop for END_S seconds.",
    },
    {
        "id": "action",
        "points": 1,
        "description": "the action entered in the PID block (lic101.action)",
        "observe": "lic101.action",
        "compare": "equal",
        "hint": "LV-101 is air-to-open: a rising output lets more product in and the level "
        "rises. Such a process needs a controller that lowers its output as the level rises.",
    },
    {
        "id": "integrating-gain",
        "points": 2,
        "visible": False,
        "description": "the integrating gain of your bowl in %/min per % of output (kprime, within 8 %)",
        "observe": "__model['kprime']",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Fit the level in % of span against the time in minutes for each bump, and "
        "divide the difference of the mean slopes at 70 % and at 30 % by 40 %.",
    },
    {
        "id": "controller-gain",
        "points": 2,
        "visible": False,
        "description": "the block's gain is the SIMC gain for your allowed swing (5 to 10 %) "
        "on your bowl, Kc = du / swing (within 10 %)",
        "observe": "__tuning['kc']",
        "compare": "equal",
        "hint": "The upset is 10 %/min of level; the output change that meets it is that rate "
        "divided by K'; the gain is that change divided by the allowed swing.",
    },
    {
        "id": "integral-time",
        "points": 2,
        "visible": False,
        "description": "the block's integral time is 4 (tau_c + theta) = 4 / (K' Kc) for its gain, "
        "in minutes per repeat (within 10 %)",
        "observe": "__tuning['ti']",
        "compare": "equal",
        "hint": "tau_c + theta = 1 / (K' Kc) is in minutes when K' is per minute; Ti is four "
        "times that, and the block takes minutes per repeat.",
    },
    {
        "id": "damping",
        "points": 2,
        "visible": False,
        "description": "Kc K' Ti is at least 4 for your block's settings on your bowl",
        "observe": "__tuning['damping']",
        "compare": "equal",
        "hint": "Below 4 the bowl and the controller's integral swing against each other: "
        "lengthen Ti rather than lowering the gain.",
    },
    {
        "id": "measures",
        "points": 2,
        "visible": False,
        "description": "your measures of the commissioning test (results) match a run of your "
        "block's settings",
        "observe": "__verdicts['measures']",
        "compare": "equal",
        "hint": "All over UPSET_S <= t < TEST_END_S: the peak and the overshoot in % of span, "
        "crossings with a +/-0.5 % band, recovery to the end of the last scan outside +/-1 %.",
    },
    {
        "id": "allowed-swing",
        "points": 2,
        "visible": False,
        "description": "your settings keep the level within +/-10 % of the setpoint after the "
        "40 L/min upset",
        "observe": "__verdicts['swing']",
        "compare": "equal",
        "hint": "Check the action and the units of K' first: the gain that holds the swing is "
        "the output change the upset needs divided by the swing.",
    },
    {
        "id": "no-oscillation",
        "points": 2,
        "visible": False,
        "description": "after the upset the level passes back beyond the setpoint at most once",
        "observe": "__verdicts['oscillation']",
        "compare": "equal",
        "hint": "A level that swings about the setpoint has Kc K' Ti well below 4: the "
        "integral time is too short for the gain.",
    },
    {
        "id": "recovery",
        "points": 1,
        "visible": False,
        "description": "the level is back within +/-1 % of the setpoint within 15 min of the upset",
        "observe": "__verdicts['recovery']",
        "compare": "equal",
        "hint": "Without enough integral action the level stays low: check that Ti is in "
        "minutes per repeat.",
    },
]

PITFALLS = [
    Pitfall(
        "self-regulating-habits",
        "Treats the slow swinging as too much gain, as on a self-regulating loop: halves the "
        "as-found gain (to 0.5) and keeps its short integral time (1 min), so Kc K' Ti is "
        "about 0.25, far below 4; the level dips past the allowed swing and oscillates slowly "
        "about the setpoint.",
        {
            "answer-tuning": swap(
                swap(
                    ANSWER_TUNE,
                    "kc = du_pct / ALLOWED_SWING_PCT",
                    "kc = AS_FOUND.kc / 2  # calm the swinging: halve the gain, as on a flow loop",
                ),
                "ti_min = 4 * closed_loop_s / 60  # the block takes minutes per repeat",
                "ti_min = AS_FOUND.ti_min  # keep the short integral time",
            )
        },
    ),
    Pitfall(
        "kprime-in-litres",
        "Measures K' in litres per minute per % of output (about 2, from the bowl's volume) "
        "instead of % of span per minute per % (about 0.5): the gain comes out a quarter of "
        "SIMC's and Kc K' Ti about 1, so the level dips far past the allowed swing.",
        {
            "answer-fit": swap(
                ANSWER_FIT,
                'np.polyfit(bump["time_s"] / 60, bump["pv"], 1)[0]  # % of span per minute',
                'np.polyfit(bump["time_s"] / 60, bump["pv"] * VOLUME_L / 100, 1)[0]  # litres per minute',
            )
        },
    ),
    Pitfall(
        "ti-in-seconds",
        "Types the integral time in seconds (4 (tau_c + theta), about 240) into the block's "
        "field in minutes per repeat: the integral action is 60 times too weak and the level "
        "stays about 10 % low for many minutes.",
        {
            "answer-tuning": swap(
                ANSWER_TUNE,
                "ti_min = 4 * closed_loop_s / 60  # the block takes minutes per repeat",
                "ti_min = 4 * closed_loop_s  # 4 (tau_c + theta)",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Tuning the filler bowl level loop",
        competencies=["SM.PC.5"],
        minutes=60,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-bump-test", TASK_RUN),
            code("answer-bump-test", "answer", ANSWER_RUN),
            code("test-bump-test", "test", TEST_RUN_CHECK),
            md("task-fit", TASK_FIT),
            code("answer-fit", "answer", ANSWER_FIT),
            code("test-fit", "test", TEST_FIT),
            md("task-tuning", TASK_TUNE),
            code("answer-tuning", "answer", ANSWER_TUNE),
            code("test-tuning", "test", TEST_TUNE),
            md("task-measures", TASK_MEASURE),
            code("answer-measures", "answer", ANSWER_MEASURE),
            code("test-targets", "test", TEST_TARGETS),
            md("task-think", TASK_THINK),
            code("hidden-verdicts", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

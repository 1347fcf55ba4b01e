"""Writes labs/lab-pid-tuning-lambda.ipynb: lambda tuning of the chiller loop TIC-201.

Run from the repository root:  .venv/bin/python labs/src/lab-pid-tuning-lambda.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-pid-tuning-lambda"

# The commissioning test, written once for the learner's set-up cell (public names) and
# once for the hidden test (names the learner's code cannot reach): a fresh, noise-free
# copy of the learner's chiller, or the same chiller at low line speed, run with a block.
TEST_RUN = r"""
def {name}(block, low_speed=False):
    # The commissioning test on the simulator's copy of your chiller, without measurement
    # noise: in auto at the PV (21.0 degC), the setpoint down to 20.5 degC at 60 s, the
    # glycol upset at 400 s, until 800 s. low_speed=True: the same chiller at low line
    # speed, with its gain and dead time 25 % higher (and still 21.0 degC at 40 % open).
    run = {loop}("chiller-tic201", seed=SHOPFLOOR_SEED, noise=False)
    if low_speed:
        plant = run.truth()
        slow = {replace}(
            plant,
            gain=plant.gain * {margin},
            dead_time_s=plant.dead_time_s * {margin},
            bias=plant.bias - ({margin} - 1) * plant.gain * 40.0,
        )
        run = {Loop}(slow, setpoint=20.5, output=60.0, valve={Valve}(fail="open"), span=(0.0, 50.0))
    run.schedule(0.0, mode="auto", setpoint=21.0)
    run.schedule(60.0, setpoint=20.5)
    run.schedule(400.0, disturbance=1.2)
    run.run(800.0, block)
    return run
"""

MARGIN = 1.25  # the low-speed chiller: gain and dead time 25 % higher


INTRO = r"""
# Lambda tuning of the chiller loop

**Competency:** SM.PC.5 *Tune PID loops* · about 70 minutes.

The chiller's temperature loop **TIC-201** rings after every recipe change. The as-found
settings are close to Ziegler–Nichols ($K_c$ = 14, $T_i$ = 0.67 min per repeat), and the
control engineer has asked you to retune it with **lambda tuning**, as in the lessons
*Model-based tuning* and *Tuning in practice*:

1. run a step test in manual (module 3) and fit the loop's first-order-plus-dead-time model,
   with the gain **in % of span per % of output**;
2. choose $\lambda$, compute $K_c$ and $T_i$ with the lambda rule, and enter them in the
   PID block **in the block's units**;
3. run the commissioning test in the simulator and measure the response;
4. show that the tuning still holds when the process moves away from your model.

**The loop.** TT-201 measures the product temperature leaving chiller E-201 (range
0–50 °C, so 1 % of span is 0.5 °C). The controller's output goes to the glycol valve
**TV-201**, which **fails open** (air-to-close): valve opening = 100 % − output. The
historian logs the output in the column `op` and the opening in `valve`.

**The PID block** (`plcsim.pid.PID`, the same block as on the plant's faceplate):

| Setting | Meaning | Unit |
| --- | --- | --- |
| `kc` | controller gain, ideal (ISA) form, on the error in % of the PV span | % of output per % of span (a plain number, always positive) |
| `ti_min` | integral time | **minutes per repeat** |
| `action` | `"reverse"` (output falls as the PV rises) or `"direct"` | |

It is bumpless (it starts from the output the valve has) and has anti-windup. You create
it as `PID(kc=..., ti_min=..., action=...)` and pass it to a loop's `run` as the controller.

**The targets** the commissioning test must meet, agreed with the process engineer:

| Test | Target |
| --- | --- |
| Your loop: setpoint 21.0 → 20.5 °C at 60 s | overshoot at most **5 %** of the change |
| Your loop: glycol upset at 400 s (worth +1.2 °C uncorrected) | IAE from 400 to 800 s at most **55 °C·s** |
| The same loop at low line speed: gain **and** dead time both **25 % higher** | overshoot at most **20 %**, and settled within ±5 % of the change within **240 s** of it |

Your loop comes from your own seed (`SHOPFLOOR_SEED`): its $K$, $\theta$ and $\tau$ are each
up to 10 % away from the lesson's numbers, and its noise is its own. When you submit, your
model is compared with your loop's true one, and the settings in your PID block are run
again on fresh copies of your loop. Run the cells in order; write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = (
    r"""
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.pid import PID
from plcsim.process import Loop, Valve, loop

SCAN_S = 0.1        # the loop is scanned, and the historian logs a row, every 0.1 s
SPAN_C = 50.0       # TT-201's span, 0-50 degC
STEP_AT_S = 60.0    # the agreed step test: output 60 % -> 50 % at 60 s ...
BACK_AT_S = 460.0   # ... and back to 60 % at 460 s
END_S = 860.0       # record until 860 s
SP_STEP_S, UPSET_S, TEST_END_S = 60.0, 400.0, 800.0  # the commissioning test
SP_FROM_C, SP_TO_C = 21.0, 20.5                        # its setpoint change
AS_FOUND = PID(kc=14.0, ti_min=0.67, action="reverse")  # TIC-201's block before the retune
"""
    + TEST_RUN.format(
        name="commissioning_test",
        loop="loop",
        replace="replace",
        Loop="Loop",
        Valve="Valve",
        margin=MARGIN,
    )
    + r"""

chiller = loop("chiller-tic201", seed=SHOPFLOOR_SEED)
print(f"{chiller.tag}: mode {chiller.mode}, output {chiller.output:.0f} %, "
      f"PV range {chiller.span[0]:g}-{chiller.span[1]:g} {chiller.unit}")
print("as found:", AS_FOUND)
"""
)

TASK_RUN = r"""
## 1. The step test

The operator has agreed the same test as in module 3: the loop in manual at 60 % output
(TV-201 40 % open, PV steady at 21.0 °C); at 60 s the output goes to **50 %**, at 460 s back
to **60 %**; record every scan until 860 s. The PV stays well inside the stop limits
(19.5–22.0 °C).

`chiller.schedule(at, output=...)` sets the operator's output (%) at `at` seconds, and
`chiller.run(seconds)` scans the loop. Schedule the two changes (use `STEP_AT_S`,
`BACK_AT_S` and `END_S`) and run the loop until `END_S`.
"""

ANSWER_RUN = r"""
# A fresh loop every time this cell runs: manual, output 60 %, PV 21.0 degC
chiller = loop("chiller-tic201", seed=SHOPFLOOR_SEED)
# Schedule the step and the step back, then run until END_S
### BEGIN SOLUTION
chiller.schedule(STEP_AT_S, output=50.0)
chiller.schedule(BACK_AT_S, output=60.0)
chiller.run(END_S)
### END SOLUTION
history = chiller.historian.to_dataframe()
print(f"{len(history):,} rows, from {history['time_s'].iloc[0]} s to {history['time_s'].iloc[-1]} s")
"""

TEST_RUN_CHECK = r"""
# Self-check: the test as agreed with the operator.
assert len(history) == 8600, f"run from 0 to 860 s: 8,600 scans, not {len(history):,}"
assert set(history["mode"]) == {"manual"}, "the whole test runs in manual"
ops = history["op"].to_numpy()
assert ops[599] == 60 and ops[600] == 50, "output 60 % until 59.9 s, 50 % from 60 s"
assert ops[4599] == 50 and ops[4600] == 60, "output 50 % until 459.9 s, back to 60 % from 460 s"
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
top.plot(history["time_s"], history["pv"], lw=0.6, label="PV: product temperature (TT-201)")
top.set_ylabel("degC")
top.legend(loc="upper right")
bottom.plot(history["time_s"], history["op"], label="controller output (op)")
bottom.plot(history["time_s"], history["valve"], "--", label="TV-201 opening (valve)")
bottom.set_ylabel("%")
bottom.set_xlabel("time (s)")
bottom.legend(loc="center right")
top.set_title(f"{chiller.tag} step test in manual")
plt.tight_layout()
plt.show()
"""

TASK_FIT = r"""
## 2. The model, in the units the tuning rule needs

Write `fit_step(history, t_step, t_end)` for one step made at `t_step` (s) whose response
lasted until `t_end` (s). It returns `{"K_percent": ..., "theta_s": ..., "tau_s": ...}`:

1. **Output change** $\Delta u$: `op` just after the step minus just before it (% of output).
2. **PV change** $\Delta PV$: the mean PV over the last 60 s before `t_end` minus the mean PV
   over the 60 s before `t_step` (°C).
3. **Gain in % of span per % of output**: the lambda rule needs the PV change as a
   percentage of TT-201's span (`SPAN_C`, 50 °C), so
   $K = (\Delta PV / 50\ °C \times 100\ \%) / \Delta u$, with its sign. It is **not**
   $\Delta PV / \Delta u$ in °C per %.
4. Smooth the PV after the step with a centred rolling mean over 10 s,
   `pv.rolling(101, center=True, min_periods=1).mean()`, and find $t_{28.3}$ and
   $t_{63.2}$, the first times **in seconds after the step** at which the fraction of the
   change made, $(PV_{smooth} - PV_{before}) / \Delta PV$, reaches 0.283 and 0.632.
5. **Dead time**: $\theta = t_{63.2} - 1.5\,(t_{63.2} - t_{28.3})$.
6. **Time constant**, from the **end of the dead time**: $\tau = t_{63.2} - \theta$.

Then fit both steps (down at `STEP_AT_S`, up at `BACK_AT_S`) and make `model`, the
dictionary of the two fits' averages, with the same three keys.
"""

ANSWER_FIT = r"""
# fit_step(history, t_step, t_end) -> {"K_percent": %/%, "theta_s": s, "tau_s": s}; model
### BEGIN SOLUTION
def fit_step(history, t_step, t_end):
    time = history["time_s"]
    before = history[(time >= t_step - 60) & (time < t_step)]
    response = history[(time >= t_step) & (time < t_end)]
    settled = history[(time >= t_end - 60) & (time < t_end)]
    du = response["op"].iloc[0] - before["op"].iloc[-1]  # % of output
    pv_before = before["pv"].mean()
    dpv = settled["pv"].mean() - pv_before  # degC
    gain = (dpv / SPAN_C * 100) / du  # % of span per % of output
    smooth = response["pv"].rolling(101, center=True, min_periods=1).mean()
    fraction = (smooth - pv_before) / dpv  # 0 before the response, 1 once settled
    since = response["time_s"] - t_step  # seconds after the step
    t28 = since[fraction >= 0.283].iloc[0]
    t63 = since[fraction >= 0.632].iloc[0]
    theta = t63 - 1.5 * (t63 - t28)
    tau = t63 - theta  # from the end of the dead time
    return {"K_percent": float(gain), "theta_s": float(theta), "tau_s": float(tau)}


fits = [fit_step(history, STEP_AT_S, BACK_AT_S), fit_step(history, BACK_AT_S, END_S)]
model = {key: (fits[0][key] + fits[1][key]) / 2 for key in ("K_percent", "theta_s", "tau_s")}
### END SOLUTION
print("model:", {k: round(v, 3) for k, v in model.items()})
"""

TEST_FIT = r"""
# Self-check of the shape only (the values are checked when you submit), and the model
# drawn over the data: if the curves do not lie on each other, look again.
assert set(model) == {"K_percent", "theta_s", "tau_s"}, set(model)
assert all(np.isfinite(float(v)) for v in model.values()), model
assert model["theta_s"] > 0 and model["tau_s"] > 0, "dead time and time constant are positive"
t = history["time_s"].to_numpy()
u = history["op"].to_numpy()
pv0 = history.loc[history["time_s"] < STEP_AT_S, "pv"].mean()
delayed = np.interp(t - model["theta_s"], t, u, left=u[0])  # the output, theta_s later
gain_c = model["K_percent"] * SPAN_C / 100  # back to degC per % of output, for the plot
predicted = np.empty_like(t)
predicted[0] = pv0
alpha = 1 - np.exp(-SCAN_S / model["tau_s"])
for i in range(1, len(t)):
    predicted[i] = predicted[i - 1] + alpha * (pv0 + gain_c * (delayed[i - 1] - u[0]) - predicted[i - 1])
fig, ax = plt.subplots(figsize=(10, 3.2))
ax.plot(t, history["pv"], lw=0.5, color="tab:grey", label="measured PV")
ax.plot(t, predicted, color="tab:red", label="your FOPDT model")
ax.set_xlabel("time (s)")
ax.set_ylabel("degC")
ax.set_title(f"K = {model['K_percent']:+.3f} %/%, theta = {model['theta_s']:.1f} s, "
             f"tau = {model['tau_s']:.1f} s")
ax.legend()
plt.show()
"""

TASK_TUNE = r"""
## 3. Lambda settings, entered in the block's units

1. **Choose $\lambda$** (`LAMBDA_S`, in seconds). The lesson's table for the nominal chiller
   runs from $\lambda = \theta$ (tight, gain margin 3.1) to $\lambda = 2\tau$ (smooth); the
   retune in *Tuning in practice* chose $\lambda = 2\theta$ = 24 s. Your choice must meet
   all three targets in the introduction: too small and the low-speed loop rings, too large
   and the glycol upset's IAE is too big. You may come back and change it.
2. **Compute** the lambda (IMC) PI settings from your model, in one time unit (seconds):
   $$K_c = \frac{\tau}{|K|\,(\lambda + \theta)} \qquad T_i = \tau$$
   The block takes the gain's size; the action sets its sign.
3. **Convert** for the block: `kc` is $K_c$ as computed (the error is in % of span, and so
   is your $K$); `ti_min` is $T_i$ in **minutes per repeat**.
4. **Action**: a **reverse**-acting controller lowers its output when the PV rises; it is
   needed when a rising output makes the PV rise (a positive $K$ per % of output). A
   direct-acting one is needed when a rising output makes the PV fall.

Set `LAMBDA_S`, `kc`, `ti_min` and `action`; the last line of the cell enters them in the
block `tic201`.
"""

ANSWER_TUNE = r"""
# LAMBDA_S (s), kc (%/%), ti_min (min per repeat), action ("reverse" or "direct")
### BEGIN SOLUTION
LAMBDA_S = 24.0  # 2 theta, the retune's choice: between tight and smooth
kc = model["tau_s"] / (abs(model["K_percent"]) * (LAMBDA_S + model["theta_s"]))
ti_min = model["tau_s"] / 60  # the block takes minutes per repeat
action = "reverse" if model["K_percent"] > 0 else "direct"
### END SOLUTION
tic201 = PID(kc=kc, ti_min=ti_min, action=action)
print(tic201)
"""

TEST_TUNE = r"""
# Self-check of the entry, and the prediction to compare with the commissioning test.
assert isinstance(tic201, PID), "tic201 is the PID block, PID(kc=..., ti_min=..., action=...)"
print(f"As left: ideal form, Kc {tic201.kc:.2f} (PB {100 / tic201.kc:.1f} %), "
      f"Ti {tic201.ti_min:.3f} min/repeat ({tic201.ti_min * 60:.1f} s), {tic201.action} acting")
print(f"Prediction: 63 % of a setpoint change about theta + lambda = "
      f"{model['theta_s'] + LAMBDA_S:.0f} s after the step, with little or no overshoot.")
"""

TASK_MEASURE = r"""
## 4. The commissioning test

`commissioning_test(block)` runs the test on the simulator's copy of your chiller, without
measurement noise (so that the numbers measure the tuning, not the noise): the block takes
over in auto at the PV (21.0 °C), the setpoint goes down to 20.5 °C at 60 s, the glycol
header upset (worth +1.2 °C uncorrected) comes at 400 s, and the run ends at 800 s.
`commissioning_test(block, low_speed=True)` runs the same test on the chiller at low line
speed, with gain and dead time 25 % higher than your loop's.

Write `measures(run)`, which returns a dictionary of four floats from
`run.historian.to_dataframe()` (columns `time_s`, `sp`, `pv`, …), as the lesson *What good
tuning means* defines them:

| Key | Over | What |
| --- | --- | --- |
| `"overshoot_pct"` | `SP_STEP_S` ≤ t < `UPSET_S` | how far the PV goes **below** the new setpoint (`SP_TO_C`), in % of the change (`SP_FROM_C` − `SP_TO_C` = 0.5 °C); 0 if it never does |
| `"settling_s"` | the same | from `SP_STEP_S` to the last scan at which the PV is more than 5 % of the change (0.025 °C) from the setpoint, plus one scan (`SCAN_S`); 0 if none |
| `"peak_c"` | `UPSET_S` ≤ t < `TEST_END_S` | the largest $\lvert SP - PV \rvert$, in °C |
| `"iae"` | the same | $\sum \lvert SP - PV \rvert \times$ `SCAN_S`, in °C·s |

The cell then runs both tests with `tic201` and measures them (`results`). You may use
`run.performance(start, end)` from plcsim to check your numbers, but mind its defaults: its
settling band is ±2 % of the change, not ±5 %.
"""

ANSWER_MEASURE = r"""
# measures(run) -> {"overshoot_pct", "settling_s", "peak_c", "iae"}
### BEGIN SOLUTION
def measures(run):
    data = run.historian.to_dataframe()
    servo = data[(data["time_s"] >= SP_STEP_S) & (data["time_s"] < UPSET_S)]
    upset = data[(data["time_s"] >= UPSET_S) & (data["time_s"] < TEST_END_S)]
    change = SP_FROM_C - SP_TO_C
    below = (SP_TO_C - servo["pv"]).max()  # how far the PV went past the new setpoint
    outside = servo[(servo["pv"] - servo["sp"]).abs() > 0.05 * change]
    settling = outside["time_s"].max() + SCAN_S - SP_STEP_S if len(outside) else 0.0
    error = (upset["sp"] - upset["pv"]).abs()
    return {
        "overshoot_pct": float(max(below, 0.0) / change * 100),
        "settling_s": float(settling),
        "peak_c": float(error.max()),
        "iae": float(error.sum() * SCAN_S),
    }
### END SOLUTION

own = commissioning_test(tic201)
low_speed = commissioning_test(tic201, low_speed=True)
results = {"own": measures(own), "low_speed": measures(low_speed)}
for name, found in results.items():
    print(f"{name:>9}: " + ", ".join(f"{k} {v:.2f}" for k, v in found.items()))
"""

TEST_TARGETS = r"""
# Self-check against the targets (your settings are run again when you submit).
mine, slow = results["own"], results["low_speed"]
fig, axes = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
for label, run in {"yours": own, "yours, low speed": low_speed,
                   "as found": commissioning_test(AS_FOUND)}.items():
    data = run.historian.to_dataframe()
    axes[0].plot(data["time_s"], data["pv"], lw=0.9, label=label)
    axes[1].plot(data["time_s"], data["op"], lw=0.9, label=label)
axes[0].plot(data["time_s"], data["sp"], "k--", lw=0.7, label="SP")
axes[0].set_ylabel("degC")
axes[1].set_ylabel("% output")
axes[1].set_xlabel("time (s)")
axes[0].legend(fontsize=8)
axes[0].set_title("Commissioning test: setpoint change at 60 s, glycol upset at 400 s")
plt.tight_layout()
plt.show()
assert mine["overshoot_pct"] <= 5, f"overshoot {mine['overshoot_pct']:.1f} % on your loop: more than 5 %"
assert mine["iae"] <= 55, f"IAE {mine['iae']:.1f} degC s after the upset: more than 55"
assert slow["overshoot_pct"] <= 20, f"overshoot {slow['overshoot_pct']:.1f} % at low speed: more than 20 %"
assert slow["settling_s"] <= 240, f"settled only after {slow['settling_s']:.0f} s at low speed"
print("Your tuning meets the targets on your loop and at low line speed.")
"""

TASK_THINK = r"""
## 5. Before you submit

Not graded, but worth a minute each:

- Did the PV reach 63 % of the setpoint change about $\theta + \lambda$ after the step, as
  predicted? On the plant, that comparison is how you catch a wrong model or a wrong entry.
- Look at the as-found tuning in the plot. What does its response say about its margin?
  Try it at low line speed: `commissioning_test(AS_FOUND, low_speed=True)`.
- A colleague computed $K$ as 0.12 instead of 0.24. Which $\lambda$ did their loop really
  get? And if they had typed $T_i$ = 45 into the block, how long would the upset's error
  take to clear?
- Your model came from one step test at one throughput. Would you choose a larger or a
  smaller $\lambda$ for a model you trust less?
"""

HIDDEN = (
    r"""
import math as __math
from dataclasses import replace as __replace

from plcsim.pid import PID as __PID
from plcsim.process import Loop as __Loop
from plcsim.process import Valve as __Valve
from plcsim.process import loop as __loop
"""
    + TEST_RUN.format(
        name="__test_run",
        loop="__loop",
        replace="__replace",
        Loop="__Loop",
        Valve="__Valve",
        margin=MARGIN,
    )
    + r"""

def __snap(value, truth, tolerance, relative=True):
    # The true value when the estimate is within the tolerance, else the estimate itself
    # (or why it is no number): only the true model of this seed earns the points.
    try:
        number = float(value)
    except Exception as error:
        return f"{type(error).__name__}"
    if not __math.isfinite(number):
        return "not a finite number"
    limit = tolerance * abs(truth) if relative else tolerance
    return round(truth, 6) if abs(number - truth) <= limit else round(number, 6)


def __entry(mapping, key):
    try:
        return mapping[key]
    except Exception as error:
        return f"{type(error).__name__}"


def __close(value, target, tolerance):
    try:
        number = float(value)
    except Exception:
        return False
    return __math.isfinite(number) and abs(number - target) <= tolerance


def __measures(run):
    # The lesson's measures, as the lab defines them, from the historian's columns.
    columns = run.historian.columns
    rows = list(zip(columns["time_s"], columns["sp"], columns["pv"]))
    servo = [(t, sp, pv) for t, sp, pv in rows if 60.0 <= t < 400.0]
    upset = [abs(sp - pv) for t, sp, pv in rows if 400.0 <= t < 800.0]
    below = max(20.5 - pv for _, _, pv in servo)
    outside = [t for t, sp, pv in servo if abs(pv - sp) > 0.05 * 0.5]
    return {
        "overshoot_pct": max(below, 0.0) / 0.5 * 100,
        "settling_s": outside[-1] + 0.1 - 60.0 if outside else 0.0,
        "peak_c": max(upset),
        "iae": sum(upset) * 0.1,
    }


__truth = __loop("chiller-tic201", SHOPFLOOR_SEED).truth()
__gain = -__truth.gain * 100 / 50  # % of span per % of output: TV-201 fails open
__model = globals().get("model")
__seed = {
    "gain": __snap(__entry(__model, "K_percent"), __gain, 0.05),
    "theta": __snap(__entry(__model, "theta_s"), __truth.dead_time_s, 3.0, relative=False),
    "tau": __snap(__entry(__model, "tau_s"), __truth.tau_s, 0.12),
}

# The settings in the learner's block, entered in a fresh block of our own.
__entered = globals().get("tic201")
try:
    __block = __PID(kc=__entered.kc, ti_min=__entered.ti_min, action=__entered.action)
except Exception:
    __block = None
try:
    __lambda = float(globals().get("LAMBDA_S"))
except Exception:
    __lambda = __math.nan
try:  # the lambda rule on the true model, for the learner's lambda
    __rule_kc = __truth.tau_s / (__gain * (__lambda + __truth.dead_time_s))
except ZeroDivisionError:
    __rule_kc = __math.nan
__tuning = {
    "kc": __block is not None and __rule_kc > 0 and __close(__block.kc / __rule_kc, 1.0, 0.15),
    "ti": __block is not None
    and __block.ti_min is not None
    and __close(__block.ti_min, __truth.tau_s / 60, 0.12 * __truth.tau_s / 60),
}



def __graded(low_speed):
    # The commissioning test of the learner's settings in our own block: its measures.
    if __block is None:
        return None
    try:
        return __measures(__test_run(__block, low_speed=low_speed))
    except Exception:
        return None


__own, __low = __graded(False), __graded(True)
__tolerances = {"overshoot_pct": 0.5, "settling_s": 1.0, "peak_c": 0.005, "iae": 0.5}


def __reported(name, found):
    reported = __entry(globals().get("results"), name)
    return found is not None and all(
        __close(__entry(reported, key), found[key], tolerance)
        for key, tolerance in __tolerances.items()
    )


__verdicts = {
    "measures": __reported("own", __own) and __reported("low_speed", __low),
    "targets": __own is not None and __own["overshoot_pct"] <= 5 and __own["iae"] <= 55,
    "robust": __low is not None
    and __low["overshoot_pct"] <= 20
    and __low["settling_s"] <= 240,
}
"""
)

WRAP = r"""
## Wrap-up

- Lambda tuning takes one decision, $\lambda$, and a model in the rule's units: the gain in
  % of span per % of output, the time constant from the end of the dead time, all times in
  one unit. Then $K_c = \tau / (|K|(\lambda + \theta))$ and $T_i = \tau$.
- Enter the settings in the block's form and units ($T_i$ in minutes per repeat here), set
  the action from the sign of the gain per % of output, and write the as-left record.
- Check the result against a prediction (63 % at about $\theta + \lambda$) and against the
  targets, on the model you measured **and** on the process it may become: a tuning that
  only works on today's model is not finished.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "step-test",
        "points": 1,
        "description": "the step test as agreed: output at 59.9, 60, 459.9 and 460 s, scans and modes",
        "observe": "[float(v) for v in history['op'].to_numpy()[[599, 600, 4599, 4600]]] "
        "+ [len(history), sorted(str(m) for m in set(history['mode']))]",
        "compare": "equal",
        "hint": "Schedule output=50.0 at STEP_AT_S and output=60.0 at BACK_AT_S on the fresh "
        "loop, then run it for END_S seconds.",
    },
    {
        "id": "action",
        "points": 1,
        "description": "the action entered in the PID block (tic201.action)",
        "observe": "tic201.action",
        "compare": "equal",
        "hint": "A rising output closes TV-201 and warms the product: the PV rises with the "
        "output, and such a process needs a controller that lowers its output as the PV rises.",
    },
    {
        "id": "gain",
        "points": 2,
        "visible": False,
        "description": "the process gain in % of span per % of output (model['K_percent'])",
        "observe": "__seed['gain']",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Divide the settled PV change (degC) by the 50 degC span and multiply by 100 "
        "before dividing by the output change: the rule wants % of span per % of output.",
    },
    {
        "id": "dead-time",
        "points": 1,
        "visible": False,
        "description": "the dead time of your loop (model['theta_s'])",
        "observe": "__seed['theta']",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Two-point method on the smoothed PV, times in seconds after the step: "
        "theta = t63.2 - 1.5 (t63.2 - t28.3). Average both steps.",
    },
    {
        "id": "time-constant",
        "points": 2,
        "visible": False,
        "description": "the time constant of your loop (model['tau_s'])",
        "observe": "__seed['tau']",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "The 63.2 % point comes one time constant after the end of the dead time, "
        "not after the step.",
    },
    {
        "id": "controller-gain",
        "points": 2,
        "visible": False,
        "description": "the block's gain is the lambda rule's for your LAMBDA_S on your loop "
        "(within 15 %)",
        "observe": "__tuning['kc']",
        "compare": "equal",
        "hint": "Kc = tau / (|K| (lambda + theta)), with K in % of span per % of output and "
        "tau, theta and lambda all in seconds.",
    },
    {
        "id": "integral-time",
        "points": 2,
        "visible": False,
        "description": "the block's integral time is your loop's time constant, in the "
        "block's unit (within 12 %)",
        "observe": "__tuning['ti']",
        "compare": "equal",
        "hint": "Ti = tau, and the block takes minutes per repeat: divide seconds by 60.",
    },
    {
        "id": "measures",
        "points": 2,
        "visible": False,
        "description": "your measures of both commissioning tests (results) match the runs of "
        "your block's settings",
        "observe": "__verdicts['measures']",
        "compare": "equal",
        "hint": "Overshoot and settling over 60-400 s (band 5 % of the 0.5 degC change, "
        "0.025 degC), peak and IAE over 400-800 s, IAE as the sum of |SP - PV| times SCAN_S.",
    },
    {
        "id": "targets",
        "points": 2,
        "visible": False,
        "description": "your settings meet the targets on your loop: overshoot at most 5 %, "
        "IAE after the upset at most 55 degC s",
        "observe": "__verdicts['targets']",
        "compare": "equal",
        "hint": "Check the action and the units of the settings first; then lambda: a larger "
        "one gives less overshoot, a smaller one a smaller IAE.",
    },
    {
        "id": "robustness",
        "points": 2,
        "visible": False,
        "description": "your settings hold at low line speed (gain and dead time 25 % higher): "
        "overshoot at most 20 %, settled within 240 s",
        "observe": "__verdicts['robust']",
        "compare": "equal",
        "hint": "A loop that rings when the process gain and dead time grow has too little "
        "margin: check the gain's units, then choose a larger lambda.",
    },
]

PITFALLS = [
    Pitfall(
        "gain-in-engineering-units",
        "Uses the gain in engineering units (0.12 degC per % of output) where the lambda rule "
        "needs % of span per % (0.24): Kc doubles and the loop rings at low line speed.",
        {"answer-fit": swap(ANSWER_FIT, "gain = (dpv / SPAN_C * 100) / du", "gain = dpv / du")},
    ),
    Pitfall(
        "tau-from-step",
        "Measures the time constant from the step instead of from the end of the dead time, "
        "so Ti (and Kc) come out about a quarter too large.",
        {"answer-fit": swap(ANSWER_FIT, "tau = t63 - theta", "tau = t63")},
    ),
    Pitfall(
        "ti-in-seconds",
        "Types the integral time in seconds (tau, about 45) into the block's field in "
        "minutes per repeat: the integral action is 60 times too weak and the upset never "
        "clears.",
        {
            "answer-tuning": swap(
                ANSWER_TUNE, 'ti_min = model["tau_s"] / 60', 'ti_min = model["tau_s"]'
            )
        },
    ),
    Pitfall(
        "action-named-after-process",
        "Names the controller's action after the process's: the PV rises with the output, so "
        "'direct'. A process that rises with the output needs a reverse-acting controller; "
        "the loop runs away.",
        {
            "answer-tuning": swap(
                ANSWER_TUNE,
                'action = "reverse" if model["K_percent"] > 0 else "direct"',
                'action = "direct" if model["K_percent"] > 0 else "reverse"',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Lambda tuning of the chiller loop",
        competencies=["SM.PC.5"],
        minutes=70,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-step-test", TASK_RUN),
            code("answer-step-test", "answer", ANSWER_RUN),
            code("test-step-test", "test", TEST_RUN_CHECK),
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

"""Writes labs/lab-step-test-fopdt.ipynb: a process model from a step test on the chiller loop.

Run from the repository root:  .venv/bin/python labs/src/lab-step-test-fopdt.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-step-test-fopdt"


INTRO = r"""
# Identify a process from a step test

**Competency:** SM.PC.3 *Describe feedback loops and process dynamics* · about 75 minutes.

Before the chiller's temperature loop **TIC-201** is tuned (the next module), the control
engineer wants its process model: the gain $K$, the dead time $\theta$ and the time constant
$\tau$ of a first-order-plus-dead-time (FOPDT) model. You will run a step test on the
simulated loop, read the historian and work the three numbers out, as in the lesson
*Process dynamics and step tests*.

**The loop.** TT-201 measures the product temperature leaving chiller E-201 (range
0–50 °C). The controller's output goes to the glycol valve **TV-201**, which **fails open**
(air-to-close): with no air the valve is fully open, so

$$\text{valve opening (\% open)} = 100\ \% - \text{controller output (\%)}$$

More glycol means colder product. The historian logs the controller output in the column
`op` and the valve opening in the column `valve`; keep them apart.

**The agreed test.** The operator has agreed the test with you:

| Item | Agreed value |
| --- | --- |
| Mode | manual (the loop is already in manual, output 60 % = TV-201 40 % open, PV steady at 21.0 °C) |
| Stop limits | stop if the product leaves 19.5–22.0 °C (the high alarm is at 22.5 °C) |
| Step | at $t$ = 60 s, output from 60 % to **50 %** (TV-201 opens from 40 % to 50 %) |
| Step back | at $t$ = 460 s, output back to 60 % |
| Recording | every scan (0.1 s) until $t$ = 860 s |

A step of −10 % of output moves the PV by about 1.2 °C, well clear of the transmitter's
noise (about ±0.1 °C) and inside the stop limits. 400 s per step is enough for the PV to
settle: about $\theta + 5\tau$ is needed, and this loop's numbers are near the lesson's
($\theta \approx 12$ s, $\tau \approx 45$ s).

You will:

1. run the step test on the simulator and look at it;
2. write a function that fits $K$, $\theta$ and $\tau$ to one step;
3. fit both steps (down and back up), combine them into the loop's model, with the gain
   in three forms (per % of output, per % open, and in % of span per % of output), and
   say which action the controller needs;
4. judge how hard the loop will be to control.

Your loop comes from your own seed (`SHOPFLOOR_SEED`): its $K$, $\theta$ and $\tau$ are each
up to 10 % away from the lesson's numbers, and its noise is its own. Your answers are
checked against your loop's true model, with tolerances that a careful analysis of noisy
data meets. Run the cells in order; write your code where it says `# YOUR CODE HERE` and
delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.process import loop

SCAN_S = 0.1        # the loop is scanned, and the historian logs a row, every 0.1 s
STEP_AT_S = 60.0    # the agreed step: output 60 % -> 50 % at 60 s ...
BACK_AT_S = 460.0   # ... and back to 60 % at 460 s
END_S = 860.0       # record until 860 s

chiller = loop("chiller-tic201", seed=SHOPFLOOR_SEED)
print(f"{chiller.tag}: mode {chiller.mode}, output {chiller.output:.0f} %, "
      f"PV range {chiller.span[0]:g}-{chiller.span[1]:g} {chiller.unit}")
"""

TASK_RUN = r"""
## 1. Run the step test

The loop object `chiller` works like this (see also the plcsim README):

- `chiller.schedule(at, output=...)` sets the operator's output (in %) at `at` seconds from
  the start. The loop is in manual, so the valve follows the output at once.
- `chiller.run(seconds)` scans the loop for that many simulated seconds from where it is.
- `chiller.historian.to_dataframe()` gives one row per scan with the columns `time_s`
  (s), `sp` and `pv` (°C), `op` (controller output, %), `valve` (% open), `mode`, …

In the cell below, schedule the two agreed changes of the output (use `STEP_AT_S`,
`BACK_AT_S` and `END_S`) and run the loop until `END_S`. The cell makes a fresh loop each
time you run it, so you can run it again safely.
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

TEST_RUN = r"""
# Self-check: the test as agreed with the operator.
assert len(history) == 8600, f"run from 0 to 860 s: 8,600 scans, not {len(history):,}"
assert set(history["mode"]) == {"manual"}, "the whole test runs in manual"
ops = history["op"].to_numpy()
assert ops[599] == 60 and ops[600] == 50, "output 60 % until 59.9 s, 50 % from 60 s"
assert ops[4599] == 50 and ops[4600] == 60, "output 50 % until 459.9 s, back to 60 % from 460 s"
trend = history["pv"].rolling(100).mean()  # the operator watches the trend, not single readings
low, high = trend.min(), trend.max()
assert 19.5 <= low and high <= 22.0, f"the PV left the agreed limits: {low:.2f}-{high:.2f} degC"
print(f"The test ran as agreed; the PV trend stayed within {low:.2f}-{high:.2f} degC.")
"""

PLOT_RUN = r"""
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
top.plot(history["time_s"], history["pv"], lw=0.6, label="PV: product temperature (TT-201)")
top.axhspan(19.5, 22.0, color="tab:green", alpha=0.08, label="agreed stop limits")
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
## 2. Fit one step

Look at the plot before you code. When the output went **down** by 10 %, the valve opened
**more** and the temperature went **down**. Which sign does the gain per % of output have?

Write `fit_step(history, t_step, t_end)` for one step made at `t_step` (s) whose response
lasted until `t_end` (s), with at least 60 s of steady PV before the step. It returns a
dictionary `{"K": ..., "theta_s": ..., "tau_s": ...}` of floats:

1. **Output change** $\Delta u$: the output `op` just after the step minus just before it, in
   % of output (−10 % for the first step).
2. **PV change** $\Delta PV$: the mean PV over the **last 60 s before** `t_end` (settled) minus
   the mean PV over the 60 s before `t_step`, in °C. Averaging a minute of scans removes
   most of the noise; a single reading would not.
3. **Gain** `K` $= \Delta PV / \Delta u$, in °C per % of **output**, with its sign.
4. **Smooth** the PV after the step before you look for times in it: a centred rolling mean
   over 10 s (101 scans), `pv.rolling(101, center=True, min_periods=1).mean()`. With raw,
   noisy readings the PV crosses a line too early.
5. Work with the **fraction of the change** made, $(PV_{smooth} - PV_{before}) / \Delta PV$: it
   goes from 0 to 1 whichever way the PV moves. Find $t_{28.3}$ and $t_{63.2}$, the first
   times (**in seconds after the step**) at which it reaches 0.283 and 0.632.
6. **Dead time** by the two-point method:
   $\theta = t_{63.2} - 1.5\,(t_{63.2} - t_{28.3})$.
7. **Time constant**: the 63.2 % point is one time constant after the **end of the dead
   time**, not after the step: $\tau = t_{63.2} - \theta$.

Units: `K` in °C per % of output, `theta_s` and `tau_s` in seconds. The function must use
only its arguments (it is also tried on other loops' data), and it must not change
`history`.
"""

ANSWER_FIT = r"""
# fit_step(history, t_step, t_end) -> {"K": degC per % output, "theta_s": s, "tau_s": s}
### BEGIN SOLUTION
def fit_step(history, t_step, t_end):
    time = history["time_s"]
    before = history[(time >= t_step - 60) & (time < t_step)]
    response = history[(time >= t_step) & (time < t_end)]
    settled = history[(time >= t_end - 60) & (time < t_end)]
    du = response["op"].iloc[0] - before["op"].iloc[-1]  # % of output
    pv_before = before["pv"].mean()
    dpv = settled["pv"].mean() - pv_before  # degC
    gain = dpv / du  # degC per % of output
    smooth = response["pv"].rolling(101, center=True, min_periods=1).mean()
    fraction = (smooth - pv_before) / dpv  # 0 before the response, 1 once settled
    since = response["time_s"] - t_step  # seconds after the step
    t28 = since[fraction >= 0.283].iloc[0]
    t63 = since[fraction >= 0.632].iloc[0]
    theta = t63 - 1.5 * (t63 - t28)
    tau = t63 - theta
    return {"K": float(gain), "theta_s": float(theta), "tau_s": float(tau)}
### END SOLUTION


fit_down = fit_step(history, STEP_AT_S, BACK_AT_S)
print("step down:", {k: round(v, 4) for k, v in fit_down.items()})
"""

TEST_FIT = r"""
# Self-check of the shape only: the values are checked when you submit.
assert isinstance(fit_down, dict) and set(fit_down) == {"K", "theta_s", "tau_s"}, fit_down
assert all(isinstance(v, float) and np.isfinite(v) for v in fit_down.values()), fit_down
assert fit_down["theta_s"] > 0 and fit_down["tau_s"] > 0, "dead time and time constant are positive"
assert len(history) == 8600 and history["op"].iloc[600] == 50, "fit_step must not change history"
print("fit_step returns three numbers. Are they plausible? Compare them with the plot.")
"""

TASK_MODEL = r"""
## 3. The loop's model, from both steps

Fit the step back up too (from `BACK_AT_S` to `END_S`) as `fit_up`. Compare the two fits: a
good test gives nearly the same numbers both ways. A big difference would mean a valve or
process that behaves differently up and down, or a disturbance during the test.

Then make the dictionary `model` with the averages of the two fits:

| Key | Meaning | Unit |
| --- | --- | --- |
| `"K_output"` | gain per % of **controller output**, with its sign | °C per % of output |
| `"K_open"` | gain per % of **valve opening**, with its sign (the lesson quotes this one) | °C per % open |
| `"K_percent"` | gain in **% of the PV span** per % of output (TT-201's span is 50 °C), for tuning | % per % (no unit) |
| `"theta_s"` | dead time | s |
| `"tau_s"` | time constant | s |

Finally set `action` to `"reverse"` or `"direct"`: the action the controller needs.
A **reverse**-acting controller lowers its output when the PV rises; it is needed when a
rising output makes the PV rise.
"""

ANSWER_MODEL = r"""
# fit_up; model = {"K_output", "K_open", "K_percent", "theta_s", "tau_s"}; action
SPAN_C = chiller.span[1] - chiller.span[0]  # 50 degC
### BEGIN SOLUTION
fit_up = fit_step(history, BACK_AT_S, END_S)
k_output = (fit_down["K"] + fit_up["K"]) / 2
model = {
    "K_output": k_output,
    "K_open": -k_output,  # TV-201 fails open: +1 % of output is 1 % less open
    "K_percent": k_output * 100 / SPAN_C,
    "theta_s": (fit_down["theta_s"] + fit_up["theta_s"]) / 2,
    "tau_s": (fit_down["tau_s"] + fit_up["tau_s"]) / 2,
}
action = "reverse" if model["K_output"] > 0 else "direct"
### END SOLUTION
print("step up:  ", {k: round(v, 4) for k, v in fit_up.items()})
print("model:    ", {k: round(v, 4) for k, v in model.items()})
print("action:   ", action)
"""

TEST_MODEL = r"""
# Self-check of the shape only.
assert set(model) == {"K_output", "K_open", "K_percent", "theta_s", "tau_s"}, set(model)
assert all(np.isfinite(float(v)) for v in model.values()), model
assert action in ("reverse", "direct"), "action is 'reverse' or 'direct'"
print("The model has the five numbers. The plot below shows how well it fits.")
"""

PLOT_MODEL = r"""
# Your model over the data: if the curves do not lie on each other, look again.
t = history["time_s"].to_numpy()
u = history["op"].to_numpy()
pv0 = history.loc[history["time_s"] < STEP_AT_S, "pv"].mean()
delayed = np.interp(t - model["theta_s"], t, u, left=u[0])  # the output, theta_s later
predicted = np.empty_like(t)
predicted[0] = pv0
alpha = 1 - np.exp(-SCAN_S / model["tau_s"])
for i in range(1, len(t)):  # first order lag towards pv0 + K * (u - 60)
    target = pv0 + model["K_output"] * (delayed[i - 1] - u[0])
    predicted[i] = predicted[i - 1] + alpha * (target - predicted[i - 1])
fig, ax = plt.subplots(figsize=(10, 3.5))
ax.plot(t, history["pv"], lw=0.5, color="tab:grey", label="measured PV")
ax.plot(t, predicted, color="tab:red", label="your FOPDT model")
ax.set_xlabel("time (s)")
ax.set_ylabel("degC")
ax.set_title(f"K = {model['K_output']:+.3f} degC/% output, theta = {model['theta_s']:.1f} s, "
             f"tau = {model['tau_s']:.1f} s")
ax.legend()
plt.show()
"""

TASK_JUDGE = r"""
## 4. How hard is this loop?

The ratio $\theta / \tau$ says how hard a loop is to control: below about 0.2 easy, about
0.2–1 moderate, above about 1 dead-time dominant. The cell below works it out from your
model. Compare it with the lesson's chiller (12 / 45 = 0.27), and think about what would
make the loop easier without touching the controller (the lesson names three things).
"""

JUDGE = r"""
ratio = model["theta_s"] / model["tau_s"]
kind = "easy" if ratio < 0.2 else "moderate" if ratio <= 1 else "dead-time dominant"
print(f"theta / tau = {model['theta_s']:.1f} s / {model['tau_s']:.1f} s = {ratio:.2f}: {kind}")
print(f"settled after about theta + 4 tau = {model['theta_s'] + 4 * model['tau_s']:.0f} s")
"""

HIDDEN = r"""
import math as __math

from plcsim.dynamics import Valve as __Valve
from plcsim.dynamics import fopdt as __fopdt
from plcsim.loops import Loop as __Loop
from plcsim.process import loop as __loop


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


__truth = __loop("chiller-tic201", SHOPFLOOR_SEED).truth()  # gain per % open
__model = globals().get("model")
__seed = {
    "gain": [
        __snap(__entry(__model, "K_output"), -__truth.gain, 0.05),  # fails open
        __snap(__entry(__model, "K_open"), __truth.gain, 0.05),
    ],
    "gain_percent": __snap(__entry(__model, "K_percent"), -__truth.gain * 2, 0.05),
    "theta": __snap(__entry(__model, "theta_s"), __truth.dead_time_s, 3.0, relative=False),
    "tau": __snap(__entry(__model, "tau_s"), __truth.tau_s, 0.12),
}


def __other_loop(gain, tau_s, dead_time_s, bias, fail, before, after):
    # A clean step test on another loop: (history, gain per % output, dead time, tau).
    process = __Loop(
        __fopdt(gain, tau_s, dead_time_s, bias),
        setpoint=0.0,
        output=before,
        valve=__Valve(fail=fail),
        span=(0.0, 100.0),
    )
    process.schedule(60.0, output=after)
    process.run(860.0)
    sign = 1 if fail == "closed" else -1
    return process.historian.to_dataframe(), gain * sign, process.truth().dead_time_s, tau_s


def __fit_other(case):
    frame, gain, dead_time, tau = case
    try:
        fit = fit_step(frame.copy(), 60.0, 860.0)
        return [
            __snap(__entry(fit, "K"), gain, 0.02),
            __snap(__entry(fit, "theta_s"), dead_time, 1.5, relative=False),
            __snap(__entry(fit, "tau_s"), tau, 0.05),
        ]
    except Exception as error:
        return [f"{type(error).__name__}"] * 3


__fits = __fit_other(__other_loop(0.6, 90.0, 20.0, 15.0, "closed", 30.0, 40.0)) + __fit_other(
    __other_loop(-0.3, 30.0, 6.5, 40.0, "open", 50.0, 42.0)
)
"""

WRAP = r"""
## Wrap-up

- A step test in manual gives a self-regulating loop's FOPDT model: the gain from the
  settled change, the dead time and the time constant from the shape of the response.
- State the gain with its **sign and units**, and say per what: per % of controller output
  (what the controller sees, which decides its action), per % open (the valve's physics),
  or in % of span per % (what tuning rules use). On a fail-open valve the first two have
  opposite signs.
- Read the final value only once the PV has settled ($\theta + 4\tau$ or more), and average
  over it; measure $\tau$ from the end of the dead time; smooth noisy data before you look
  for crossing times, and repeat the test the other way.

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
        "description": "the controller action TIC-201 needs (action)",
        "observe": "action",
        "compare": "equal",
        "hint": "Look at the sign of K_output: does a rising output make the product warmer "
        "or colder?",
    },
    {
        "id": "gain",
        "points": 2,
        "visible": False,
        "description": "the process gain per % of output and per % open, with signs "
        "(model['K_output'], model['K_open'])",
        "observe": "__seed['gain']",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "K = (settled PV - PV before) / (output after - output before), from the "
        "op column, with the PV averaged over a settled minute. The output fell, and so did "
        "the temperature. Per % open the sign flips: open = 100 - output.",
    },
    {
        "id": "gain-percent",
        "points": 1,
        "visible": False,
        "description": "the gain in % of span per % of output (model['K_percent'])",
        "observe": "__seed['gain_percent']",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Divide the gain in degC per % of output by the 50 degC span and multiply by 100.",
    },
    {
        "id": "dead-time",
        "points": 2,
        "visible": False,
        "description": "the dead time of your loop (model['theta_s'])",
        "observe": "__seed['theta']",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Use the two-point method on the smoothed PV, times in seconds after the step: "
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
        "not after the step. Read it against the settled change.",
    },
    {
        "id": "fit-step",
        "points": 3,
        "visible": False,
        "description": "fit_step() on clean step tests of two other loops",
        "observe": "__fits",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "fit_step must work from its arguments alone: the output change from the op "
        "column, the PV averaged over the 60 s before the step and the last 60 s before "
        "t_end, and times measured from t_step.",
    },
]

PITFALLS = [
    Pitfall(
        "tau-from-step",
        "Measures the time constant from the step to the 63.2 % point, so the dead time is "
        "counted in it twice.",
        {"answer-fit-step": swap(ANSWER_FIT, "tau = t63 - theta", "tau = t63")},
    ),
    Pitfall(
        "gain-per-valve-open",
        "Takes the output change from the valve position (% open) instead of the controller "
        "output: on the fail-open TV-201 the gain per % of output gets the wrong sign.",
        {
            "answer-fit-step": swap(
                ANSWER_FIT,
                'du = response["op"].iloc[0] - before["op"].iloc[-1]',
                'du = response["valve"].iloc[0] - before["valve"].iloc[-1]',
            )
        },
    ),
    Pitfall(
        "gain-over-output-value",
        "Divides the PV change by the new output value instead of by the change of the output.",
        {
            "answer-fit-step": swap(
                ANSWER_FIT, "gain = dpv / du", 'gain = dpv / response["op"].iloc[0]'
            )
        },
    ),
    Pitfall(
        "final-value-too-early",
        "Reads the final value about one time constant after the step, before the response "
        "has settled.",
        {
            "answer-fit-step": swap(
                ANSWER_FIT,
                "settled = history[(time >= t_end - 60) & (time < t_end)]",
                "settled = history[(time >= t_step + 50) & (time < t_step + 60)]",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Identify a process from a step test",
        competencies=["SM.PC.3"],
        minutes=75,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-run", TASK_RUN),
            code("answer-step-test", "answer", ANSWER_RUN),
            code("test-step-test", "test", TEST_RUN),
            code("plot-step-test", "readonly", PLOT_RUN),
            md("task-fit", TASK_FIT),
            code("answer-fit-step", "answer", ANSWER_FIT),
            code("test-fit-step", "test", TEST_FIT),
            md("task-model", TASK_MODEL),
            code("answer-model", "answer", ANSWER_MODEL),
            code("test-model", "test", TEST_MODEL),
            code("plot-model", "readonly", PLOT_MODEL),
            md("task-judge", TASK_JUDGE),
            code("judge", "readonly", JUDGE),
            code("hidden-truth", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

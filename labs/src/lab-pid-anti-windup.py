"""Writes labs/lab-pid-anti-windup.ipynb: a PI controller with anti-windup and bumpless transfer.

Run from the repository root:  .venv/bin/python labs/src/lab-pid-anti-windup.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-pid-anti-windup"


INTRO = r"""
# A PI controller with anti-windup and bumpless transfer

**Competency:** SM.PC.4 *Explain and operate PID control* · about 75 minutes.

At the start of every CIP (clean-in-place) cycle, **TIC-401** heats the caustic from about
20 °C to its setpoint of **75 °C** with a steam valve. The valve is small for the job: it
sits at 100 % open for minutes while the caustic heats. That is exactly when a textbook PI
controller **winds up** and overshoots, as in the lesson *PID in a real controller*.

You will write the controller yourself, as the function the simulated PLC calls every scan,
and make it behave like an industrial PID block:

1. write the textbook PI and watch it wind up on the heat-up;
2. add **anti-windup** and a **bumpless** start, and show that the overshoot is gone;
3. switch the loop from manual to automatic without a bump;
4. think about what the anti-windup needs from the real plant.

**The loop.** TIC-401 measures the caustic supply temperature (TT-401, range 0–100 °C).
The steam valve **fails closed** (air-to-open): 0 % output is shut, 100 % fully open, and
more steam makes the caustic hotter. The simulator scans the loop every **0.1 s**; the
process is slow (about 10 minutes to respond), so a heat-up takes about half an hour.

**The tuning** (ideal form, as the lesson's worked example):

| Parameter | Value | Unit |
| --- | --- | --- |
| Controller gain $K_c$ | 4 | % of output per % of span of error (the span is 100 °C, so also % per °C) |
| Integral time $T_i$ | 4 | **minutes** per repeat |
| Output limits | 0–100 | % (the loop clamps the output to them) |

Your loop comes from your own seed (`SHOPFLOOR_SEED`): its gain, time constant and dead time
are each up to 10 % away from the lesson's, and its noise is its own. When you submit, your
controller functions are run again on fresh loops of your seed and judged on what they do.
Run the cells in order; write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.process import loop

KC = 4.0        # controller gain, % of output per % of span (span 0-100 degC: also per degC)
TI_MIN = 4.0    # integral time, minutes per repeat
SP_C = 75.0     # the caustic supply setpoint, degC
SCAN_S = 0.1    # the loop calls the controller every 0.1 s


def heat_up(controller, minutes=45):
    # The CIP heat-up: the sequence puts TIC-401 in auto with the setpoint at the caustic's
    # own 20 degC, and one minute later the recipe raises the setpoint to 75 degC.
    run = loop("cip-heatup-tic401", seed=SHOPFLOOR_SEED)
    run.schedule(0, mode="auto", setpoint=20.0)
    run.schedule(60, setpoint=SP_C)
    run.run(60 + minutes * 60, controller)
    return run


def transfer(controller, manual_output=40.0, switch_s=900.0, minutes=45):
    # The operator warms the caustic in manual at `manual_output` %, then switches to auto
    # at `switch_s` seconds (the setpoint is 75 degC throughout).
    run = loop("cip-heatup-tic401", seed=SHOPFLOOR_SEED)
    run.schedule(0, output=manual_output)
    run.schedule(switch_s, mode="auto")
    run.run(switch_s + minutes * 60, controller)
    return run


def plot_run(runs, title, mark_s=None):
    # PV and SP (top) and output (bottom) of one or more runs: {label: run}.
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
    for label, run in runs.items():
        data = run.historian.to_dataframe()
        minutes = data["time_s"] / 60
        top.plot(minutes, data["pv"], lw=0.7, label=f"PV, {label}")
        bottom.plot(minutes, data["op"], lw=0.9, label=f"output, {label}")
    top.plot(minutes, data["sp"], "k--", lw=0.8, label="SP")
    if mark_s is not None:
        for axis in (top, bottom):
            axis.axvline(mark_s / 60, color="grey", lw=0.6, ls=":")
    top.set_ylabel("degC")
    bottom.set_ylabel("% output")
    bottom.set_xlabel("time (min)")
    top.legend(loc="lower right", fontsize=8)
    bottom.legend(loc="upper right", fontsize=8)
    top.set_title(title)
    plt.tight_layout()
    plt.show()


print(loop("cip-heatup-tic401", seed=SHOPFLOOR_SEED).scenario.description)
"""

TASK_PLAIN = r"""
## 1. The textbook PI, and how it winds up

The simulated PLC calls your controller once every scan, in automatic only:

```python
output = controller(pv, sp, dt, state)
```

- `pv` and `sp`: the measured temperature and the setpoint, in °C;
- `dt`: the time since the last call, in **seconds** (0.1);
- `state`: a dictionary the loop keeps for you from scan to scan. Store what your controller
  must remember in it (the integral, for example), never in global variables: when you
  submit, your function is run on several fresh loops. Before each call the loop fills in
  `state["first_scan"]` (True on the first scan in auto), `state["output"]` (the output the
  valve got at the last scan, in %, after the limits), `state["limits"]` (the output limits,
  `(0.0, 100.0)`) and `state["time"]` (s);
- it returns the output, in %. The loop clamps it to the limits; a result that is not a
  finite number stops the run with a `ControllerError`.

Write `pi_plain(pv, sp, dt, state)`, the textbook PI in ideal form:

$$e = SP - PV \qquad \text{output} = K_c\,e + \underbrace{\frac{K_c}{T_i}\int e\,dt}_{\text{integral term}}$$

1. The error is $SP - PV$: the caustic is too cold when the error is positive, and then the
   controller must open the steam valve further (a **reverse**-acting controller: its output
   falls when the PV rises).
2. On the first scan, start the integral term at 0 (in `state`).
3. Each scan, add $K_c\,e\,\Delta t / T_i$ to it. $\Delta t$ is in **seconds** and $T_i$ in
   **minutes**: convert one of them.
4. Return $K_c\,e$ plus the integral term. Do not limit anything yourself: the textbook
   controller knows nothing about the valve's limits.
"""

ANSWER_PLAIN = r"""
# pi_plain(pv, sp, dt, state) -> output, in %
### BEGIN SOLUTION
def pi_plain(pv, sp, dt, state):
    error = sp - pv  # degC = % of span
    if state["first_scan"]:
        state["integral"] = 0.0
    state["integral"] += KC * error * dt / (TI_MIN * 60)  # dt in s, Ti in min
    return KC * error + state["integral"]
### END SOLUTION
"""

TEST_PLAIN = r"""
# Self-check of the interface: a few calls with a state as the loop fills it in.
state = {"first_scan": True, "output": 0.0, "limits": (0.0, 100.0), "time": 0.0}
outputs = []
for scan in range(3):
    out = pi_plain(60.0, 75.0, 0.1, state)
    assert isinstance(out, (int, float)) and np.isfinite(out), f"returned {out!r}, not a number"
    outputs.append(float(out))
    state.update(first_scan=False, output=min(max(out, 0.0), 100.0), time=0.1 * (scan + 1))
print("pi_plain returns numbers:", [round(o, 3) for o in outputs])
"""

TASK_PLAIN_RUN = r"""
Now run the heat-up with your controller: `heat_up(pi_plain)` puts the loop in auto with the
setpoint at 20 °C, raises it to 75 °C after one minute, and runs 45 minutes more. From its
historian (`plain_history`), work out:

- `plain_peak_c`: the highest PV of the run, in °C;
- `plain_saturated_min`: how long the output was at **100 %**, in **minutes** (count the
  scans with `op` at 100 and multiply by `SCAN_S`).
"""

ANSWER_PLAIN_RUN = r"""
plain = heat_up(pi_plain)
plain_history = plain.historian.to_dataframe()
# plain_peak_c (degC) and plain_saturated_min (minutes at 100 % output)
### BEGIN SOLUTION
plain_peak_c = float(plain_history["pv"].max())
plain_saturated_min = float((plain_history["op"] >= 100).sum() * SCAN_S / 60)
### END SOLUTION
print(f"peak {plain_peak_c:.1f} degC ({plain_peak_c - SP_C:+.1f} degC over the setpoint), "
      f"output at 100 % for {plain_saturated_min:.1f} min")
"""

PLOT_PLAIN = r"""
plot_run({"pi_plain": plain}, "Heat-up with the textbook PI")
"""

TASK_AW = r"""
Look at the plot. The output stays at 100 % long after the PV has passed 75 °C: while the
valve could open no further, the integral term kept growing (it **wound up**), and it must
unwind before the output can come down. That is the overshoot.

## 2. Anti-windup and a bumpless start

Write `pi_anti_windup(pv, sp, dt, state)`: the same PI, the same tuning, but built like an
industrial PID block.

1. **Bumpless start.** On the first scan in auto, do not start the integral term at 0.
   Start it so that this scan's output equals the output the valve already has,
   `state["output"]`: the integral term is then `state["output"]` minus the proportional
   term $K_c\,e$.
2. **Anti-windup.** Stop the integral term from growing while the output is at a limit.
   Use either method from the lesson:
   - *conditional integration*: work out the output the controller wants this scan; if it
     is at or above the high limit while the error pushes it higher (or at or below the low
     limit while the error pushes it lower), do not integrate this scan;
   - *back-calculation*: after working out the output, clamp it to the limits and move the
     integral term by the difference, so that it tracks what the valve really does.

   Take the limits from `state["limits"]`, never as fixed numbers: the output limits are
   where the valve really acts, and they can be changed.
3. Everything else as in `pi_plain`: error $SP - PV$, $\Delta t$ in seconds, $T_i$ in
   minutes.

Then run the heat-up with it (`aw`) and work out, from `aw_history`:

- `aw_peak_c`: the highest PV, in °C;
- `aw_settling_min`: the time from the setpoint change (at 60 s) until the PV stays for good
  within **±1 °C** of the setpoint, in **minutes**. (Find the last scan outside the band.)

**Targets:** the PV stays below 78 °C (at most 3 °C of overshoot) and settles within
35 minutes.
"""

ANSWER_AW = r"""
# pi_anti_windup(pv, sp, dt, state) -> output, in %: bumpless start and anti-windup
### BEGIN SOLUTION
def pi_anti_windup(pv, sp, dt, state):
    error = sp - pv
    low, high = state["limits"]
    if state["first_scan"]:  # bumpless: this scan's output is the valve's output
        state["integral"] = state["output"] - KC * error
    wanted = state["integral"] + KC * error
    pushing_further = (wanted >= high and error > 0) or (wanted <= low and error < 0)
    if not pushing_further:  # conditional integration
        state["integral"] += KC * error * dt / (TI_MIN * 60)
    return state["integral"] + KC * error
### END SOLUTION
"""

ANSWER_AW_RUN = r"""
aw = heat_up(pi_anti_windup)
aw_history = aw.historian.to_dataframe()
# aw_peak_c (degC) and aw_settling_min (minutes from the setpoint change at 60 s)
### BEGIN SOLUTION
aw_peak_c = float(aw_history["pv"].max())
after_step = aw_history[aw_history["time_s"] >= 60]
outside = after_step[(after_step["pv"] - after_step["sp"]).abs() > 1.0]
aw_settling_min = float((outside["time_s"].max() + SCAN_S - 60) / 60)
### END SOLUTION
print(f"peak {aw_peak_c:.1f} degC ({aw_peak_c - SP_C:+.1f} degC), "
      f"settled within +/-1 degC after {aw_settling_min:.1f} min")
"""

TEST_AW = r"""
# Self-check against the targets on your own run (your functions are run again when you submit).
assert aw_peak_c < 78.0, f"the PV peaked at {aw_peak_c:.1f} degC: more than 3 degC of overshoot"
assert aw_settling_min < 35, f"settled only after {aw_settling_min:.1f} min"
assert plain_peak_c > aw_peak_c + 5, "the textbook PI should overshoot far more: check pi_plain"
plot_run({"pi_plain": plain, "pi_anti_windup": aw}, "Heat-up with and without anti-windup")
"""

TASK_TRANSFER = r"""
## 3. Manual to automatic without a bump

The operator often warms the caustic in manual first. `transfer(controller)` holds the
output at 40 % in manual for 15 minutes (until 900 s), then switches TIC-401 to auto; the
setpoint is 75 °C all along, so the error at the switch is about 30 °C.

Run it with `pi_anti_windup` (`xfer`) and compute the **bump**: `bump_pct`, the change of
the output between the last manual scan (899.9 s) and the first automatic scan (900.0 s),
as a positive number, in %. **Target:** below 1 %.

The cell also runs the transfer with `pi_plain`, to show what a controller that starts its
integral at 0 does to the valve at the switch.
"""

ANSWER_TRANSFER = r"""
xfer = transfer(pi_anti_windup)
xfer_history = xfer.historian.to_dataframe()
# bump_pct: |output at 900.0 s - output at 899.9 s|, in %
### BEGIN SOLUTION
op = xfer_history["op"].to_numpy()
switch = int(round(900.0 / SCAN_S))  # the row of the first automatic scan
bump_pct = float(abs(op[switch] - op[switch - 1]))
### END SOLUTION
textbook = transfer(pi_plain).historian.to_dataframe()["op"].to_numpy()
print(f"pi_anti_windup: bump {bump_pct:.2f} %")
print(f"pi_plain:       output {textbook[8999]:.1f} % -> {textbook[9000]:.1f} % at the switch")
"""

TEST_TRANSFER = r"""
# Self-check against the target.
assert bump_pct < 1.0, f"the output jumped {bump_pct:.1f} % at the switch to auto"
plot_run({"pi_anti_windup": xfer}, "Manual (40 %) to auto at 15 min", mark_s=900.0)
"""

TASK_THINK = r"""
## 4. What the anti-windup needs from the plant

Your anti-windup only works if `state["limits"]` are where the valve really stops acting.
Think about these before you submit (they are not graded):

- If the steam valve's positioner were badly set, so that the valve is already fully open
  at 80 % output, what would happen between 80 and 100 % output on the heat-up, and what
  would you change?
- Your controller is reverse acting. What would a direct-acting one do on the heat-up?
- A colleague typed $T_i$ = 4 into a block that expects seconds per repeat. How would the
  loop behave?
"""

HIDDEN_RUNS = r"""
import math as __math
import numbers as __numbers

from plcsim.process import loop as __loop


def __graded_run(name, *, manual_output=None, switch_s=0.0, sp_step_s=None, minutes=45.0):
    # A fresh loop of this seed running the learner's controller `name`, as the simulator
    # runs it (outputs that are no finite number stop it): its PV and output, or None.
    controller = globals().get(name)
    if not (callable(controller) or hasattr(controller, "scan")):
        return None
    try:
        run = __loop("cip-heatup-tic401", SHOPFLOOR_SEED)
        if manual_output is not None:
            run.schedule(0, output=manual_output)
        if sp_step_s is None:
            run.schedule(switch_s, mode="auto")
            start = switch_s
        else:
            run.schedule(switch_s, mode="auto", setpoint=20.0)
            run.schedule(sp_step_s, setpoint=75.0)
            start = sp_step_s
        run.run(start + minutes * 60, controller)
    except Exception:
        return None
    columns = run.historian.columns
    return {"pv": list(columns["pv"]), "op": list(columns["op"]), "start": start}


__plain_run = __graded_run("pi_plain", sp_step_s=60.0)
__heat_run = __graded_run("pi_anti_windup", sp_step_s=60.0)
"""

HIDDEN_TRANSFERS = r"""
__transfer_40 = __graded_run("pi_anti_windup", manual_output=40.0, switch_s=900.0)
__transfer_55 = __graded_run(
    "pi_anti_windup", manual_output=55.0, switch_s=1200.0, minutes=1.0
)
"""

HIDDEN_VERDICTS = r"""
def __peak(run):
    first = round(run["start"] / 0.1)
    return max(pv for pv in run["pv"][first:] if not __math.isnan(pv))


def __settling_s(run, band=1.0):
    # Seconds from the start until the PV stays within +/-band of 75 degC for good.
    first = round(run["start"] / 0.1)
    outside = [i for i, pv in enumerate(run["pv"][first:]) if not abs(pv - 75.0) <= band]
    return (outside[-1] + 1) * 0.1 if outside else 0.0


def __bump(run):
    switch = round(run["start"] / 0.1)
    return abs(run["op"][switch] - run["op"][switch - 1])


def __action():
    # Two scans with the PV rising 2 degC towards the setpoint: a reverse-acting controller
    # lowers its output. Each output is checked as the loop checks it.
    controller = globals().get("pi_anti_windup")
    state = {"first_scan": True, "output": 50.0, "limits": (0.0, 100.0), "time": 0.0}
    outputs = []
    try:
        for scan, pv in enumerate((70.0, 72.0)):
            state.update(first_scan=scan == 0, output=state["output"], time=0.1 * scan)
            out = controller(pv, 75.0, 0.1, state)
            if isinstance(out, bool) or not isinstance(out, __numbers.Real):
                return "no number"
            if not __math.isfinite(float(out)):
                return "not finite"
            outputs.append(float(out))
            state["output"] = min(max(float(out), 0.0), 100.0)
    except Exception as error:
        return f"{type(error).__name__}"
    return "reverse" if outputs[1] < outputs[0] else "direct"


__plain_peak = __peak(__plain_run) if __plain_run else "no run"
__action_found = __action()
__runs = (__heat_run, __transfer_40)
__verdicts = {
    "overshoot": all(run is not None and __peak(run) < 78.0 for run in __runs),
    "settling": all(run is not None and __settling_s(run) < 35 * 60 for run in __runs),
    "bumpless": all(
        run is not None and __bump(run) < 1.0 for run in (__transfer_40, __transfer_55)
    ),
}
"""

WRAP = r"""
## Wrap-up

- The textbook PI winds up whenever the output sits at a limit: the integral grows with
  nothing to show for it, and the PV overshoots while it unwinds. Anti-windup (conditional
  integration or back-calculation) stops that, and it needs the real limits of the valve.
- A bumpless transfer initialises the integral from the output the valve already has, so
  the first automatic output equals the last manual one.
- The error's sign sets the controller's action, and every time in the integral must be in
  the same unit: $T_i$ in minutes with $\Delta t$ in seconds is off by a factor of 60.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "plain-run",
        "points": 1,
        "description": "the textbook PI's heat-up: peak PV (degC) and minutes at 100 % output "
        "([plain_peak_c, plain_saturated_min])",
        "observe": "[float(plain_peak_c), float(plain_saturated_min)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "The peak is the largest pv of plain_history; the time at 100 % is the number "
        "of scans with op at 100, times SCAN_S, divided by 60.",
    },
    {
        "id": "transfer-bump",
        "points": 1,
        "description": "the output change at the switch to auto with pi_anti_windup (bump_pct)",
        "observe": "float(bump_pct)",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "Take op at row 9000 (900.0 s) minus op at row 8999 (899.9 s), as a positive "
        "number. A bumpless start makes it nearly 0.",
    },
    {
        "id": "plain-windup",
        "points": 1,
        "visible": False,
        "description": "pi_plain on a fresh heat-up winds up as the textbook PI does",
        "observe": "__plain_peak",
        "compare": "close",
        "tolerance": 1.0,
        "hint": "pi_plain: error SP - PV, integral term starting at 0 on the first scan, "
        "growing by Kc e dt / Ti with dt in seconds and Ti in minutes, output Kc e plus the "
        "integral term.",
    },
    {
        "id": "action",
        "points": 1,
        "visible": False,
        "description": "pi_anti_windup acts in the right direction (reverse acting)",
        "observe": "__action_found",
        "compare": "equal",
        "hint": "A rising temperature must lower the steam valve's output: take the error as "
        "SP - PV with a positive gain.",
    },
    {
        "id": "anti-windup",
        "points": 2,
        "visible": False,
        "description": "pi_anti_windup keeps the PV below 78 degC on the heat-up and after "
        "the transfer",
        "observe": "__verdicts['overshoot']",
        "compare": "equal",
        "hint": "Do not integrate while the output is at a limit of state['limits'] and the "
        "error pushes it further (or let the integral track the clamped output).",
    },
    {
        "id": "settling",
        "points": 2,
        "visible": False,
        "description": "pi_anti_windup settles within +/-1 degC within 35 minutes on the "
        "heat-up and after the transfer",
        "observe": "__verdicts['settling']",
        "compare": "equal",
        "hint": "Check the action (error SP - PV) and the units of the integral: dt is in "
        "seconds, Ti in minutes.",
    },
    {
        "id": "bumpless",
        "points": 2,
        "visible": False,
        "description": "pi_anti_windup moves the output less than 1 % at switches to auto "
        "from 40 % and from 55 %",
        "observe": "__verdicts['bumpless']",
        "compare": "equal",
        "hint": "On the first scan in auto set the integral term to state['output'] minus "
        "Kc e, so the first output equals the valve's output.",
    },
]

PITFALLS = [
    Pitfall(
        "no-anti-windup",
        "Adds the bumpless start but integrates on every scan, also while the output is at "
        "its limit: the heat-up still winds up and overshoots.",
        {
            "answer-pi-anti-windup": swap(
                ANSWER_AW,
                "    if not pushing_further:  # conditional integration\n"
                '        state["integral"] +=',
                '    state["integral"] +=',
            )
        },
    ),
    Pitfall(
        "integral-reset-at-transfer",
        "Starts the integral term at 0 on the first scan in auto instead of from the output "
        "the valve has: the output jumps at the switch from manual.",
        {
            "answer-pi-anti-windup": swap(
                ANSWER_AW,
                'state["integral"] = state["output"] - KC * error',
                'state["integral"] = 0.0',
            )
        },
    ),
    Pitfall(
        "direct-action",
        "Takes the error as PV - SP with a positive gain: a direct-acting controller, which "
        "closes the steam valve when the caustic is too cold.",
        {"answer-pi-anti-windup": swap(ANSWER_AW, "error = sp - pv", "error = pv - sp")},
    ),
    Pitfall(
        "ti-minutes-dt-seconds",
        "Divides dt in seconds by Ti in minutes: the integral acts 60 times too fast and the "
        "loop cycles.",
        {
            "answer-pi-anti-windup": swap(
                ANSWER_AW,
                "KC * error * dt / (TI_MIN * 60)",
                "KC * error * dt / TI_MIN",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="A PI controller with anti-windup and bumpless transfer",
        competencies=["SM.PC.4"],
        minutes=75,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-pi-plain", TASK_PLAIN),
            code("answer-pi-plain", "answer", ANSWER_PLAIN),
            code("test-pi-plain", "test", TEST_PLAIN),
            md("task-plain-run", TASK_PLAIN_RUN),
            code("answer-plain-run", "answer", ANSWER_PLAIN_RUN),
            code("plot-plain-run", "readonly", PLOT_PLAIN),
            md("task-pi-anti-windup", TASK_AW),
            code("answer-pi-anti-windup", "answer", ANSWER_AW),
            code("answer-aw-run", "answer", ANSWER_AW_RUN),
            code("test-aw-run", "test", TEST_AW),
            md("task-transfer", TASK_TRANSFER),
            code("answer-transfer", "answer", ANSWER_TRANSFER),
            code("test-transfer", "test", TEST_TRANSFER),
            md("task-think", TASK_THINK),
            code("hidden-runs", "hidden-test", HIDDEN_RUNS),
            code("hidden-transfers", "hidden-test", HIDDEN_TRANSFERS),
            code("hidden-verdicts", "hidden-test", HIDDEN_VERDICTS),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

"""Writes labs/lab-valve-characteristic.ipynb: a control valve's installed characteristic.

Run from the repository root:  .venv/bin/python labs/src/lab-valve-characteristic.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-valve-characteristic"

INTRO = r"""
# Installed characteristic of a control valve

**Competency:** SM.PC.8 *Apply and check final control elements* · about 60 minutes.

You will test two Riverbend valves in their installations, as in the lessons *Control
valves: bodies, trim and flow characteristics* and *Sizing a valve, cavitation and
flashing, and the variable-speed pump*:

| Rig | Valve | System | Liquid | Flow transmitter |
| --- | --- | --- | --- | --- |
| `rig202` | FV-202, globe, data sheet $K_v$ 7.3 | glycol header, about 2.0 bar across the branch; E-201 and its piping in series | glycol, relative density **1.03** | FT-202, 0–10 m³/h |
| `rig401` | the proposed replacement for FV-401, data sheet $K_v$ 63 | P-401's pump curve against the CIP circuit's system curve | caustic at 75 °C, relative density **0.99** | FT-401, 0–30 m³/h |

Each loop is in **manual**: you set the output, the valve moves, and when everything has
settled the rig gives one steady reading: the output (%), the stem travel the positioner
reads back (%), the flow (m³/h) and the pressure drop **across the valve** (bar). The
valves are real ones, not the data sheet's: your seed (`SHOPFLOOR_SEED`) gives each its own
$K_v$, its own resistance in series and its own positioner deadband.

You will:

1. step both valves across their travel, up and down;
2. compute $K_v$ at every reading and the deadband;
3. identify each valve's inherent characteristic;
4. work out the installed characteristic and gain in %/% of span, and plot them;
5. judge whether the Kv 63 valve is the right size, and what its installed rangeability is.

Write your code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()`
line. Run the cells in order.
"""

SETUP = r"""
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.valve_test import valve_test

rig202 = valve_test("fv202-glycol", SHOPFLOOR_SEED)
rig401 = valve_test("fv401-kv63", SHOPFLOOR_SEED)
for rig in (rig202, rig401):
    print(rig.info)
"""

TASK_STEPS = r"""
## 1. Step the valves, up and down

A valve test starts closed (output 0 %). Make `steps`, the list of outputs (%) to step
through in order: **up from 0 to 100 % in steps of 10 %, then back down to 0 % in steps of
10 %**, one reading after each step. The next cell runs the same steps on both rigs.

Why down as well as up? A positioner with deadband leaves the stem a little short of the
output on the way up and a little past it on the way down. Stepping one way only, you would
never see it.
"""

ANSWER_STEPS = r"""
### BEGIN SOLUTION
steps = list(range(0, 101, 10)) + list(range(90, -1, -10))
### END SOLUTION
print(steps)
"""

RUN_STEPS = r"""
t202 = pd.DataFrame(rig202.step_test(steps))
t401 = pd.DataFrame(rig401.step_test(steps))
print("FV-202 on the glycol header"); print(t202.to_string(index=False))
print("\nKv 63 valve on P-401's circuit"); print(t401.to_string(index=False))
"""

TASK_KV = r"""
## 2. Flow coefficient and deadband

The basic liquid sizing equation (lesson 2) gives the flow coefficient at each reading:

$$K_v = Q\sqrt{\frac{SG}{\Delta p}}$$

with $Q$ in m³/h, $\Delta p$ across the valve in bar and $SG$ the liquid's relative density.

- Add a column `kv` to `t202` and to `t401`: $K_v$ at every reading (0 where the flow is 0).
- `rated_kv_202`, `rated_kv_401`: each valve's measured $K_v$ wide open (travel 100 %).
- `deadband_202`, `deadband_401`: the positioner's deadband, in % of travel: for every output
  between 0 and 100 % (not the ends, where the positioner drives the stem to its stops)
  that you stepped to in both directions, the travel reached on the way **down** minus the
  travel reached on the way **up**; the mean of those differences.
"""

ANSWER_KV = r"""
SG_GLYCOL = 1.03   # relative density of the glycol
SG_CAUSTIC = 0.99  # relative density of the CIP caustic at 75 degC

### BEGIN SOLUTION
def add_kv(table, sg):
    table["kv"] = table["flow_m3h"] * np.sqrt(sg / table["dp_bar"])


def deadband(table):
    middle = table[(table["output_pct"] > 0) & (table["output_pct"] < 100)]
    up = middle[middle["direction"] == "up"].groupby("output_pct")["travel_pct"].mean()
    down = middle[middle["direction"] == "down"].groupby("output_pct")["travel_pct"].mean()
    return float((down - up).dropna().mean())


add_kv(t202, SG_GLYCOL)
add_kv(t401, SG_CAUSTIC)
rated_kv_202 = float(t202.loc[t202["travel_pct"] == 100, "kv"].mean())
rated_kv_401 = float(t401.loc[t401["travel_pct"] == 100, "kv"].mean())
deadband_202, deadband_401 = deadband(t202), deadband(t401)
### END SOLUTION
print(f"FV-202: Kv {rated_kv_202:.2f} wide open, deadband {deadband_202:.2f} %")
print(f"Kv 63 valve: Kv {rated_kv_401:.1f} wide open, deadband {deadband_401:.2f} %")
"""

TEST_KV = r"""
assert {"kv"} <= set(t202.columns) and {"kv"} <= set(t401.columns), "add a kv column to both tables"
assert 5 < rated_kv_202 < 10 and 45 < rated_kv_401 < 80, "a rated Kv near the data sheet's (7.3 and 63)"
assert 0 < deadband_202 < 3 and 0 < deadband_401 < 3, "the deadband is a small positive percentage"
print("Flow coefficients and deadbands look plausible.")
"""

TASK_CHARACTERISTIC = r"""
## 3. The inherent characteristic

The two directions reach slightly different travels at the same output (the deadband), so
average them: make
`curve_202` and `curve_401`, one row per output (0, 10, …, 100 %, ascending), each column
the mean of that output's readings (`travel_pct`, `flow_m3h`, `dp_bar`, `kv`).

The inherent characteristic is $\Phi = K_v/K_{v,\max}$ against travel, at **constant
pressure drop**: here, the flow coefficient you computed, not the flow (the drop across the
valve changes as it opens). Compute

- `phi50_202`, `phi50_401`: $\Phi$ at 50 % travel (interpolate in the curve), and
- `characteristic_202`, `characteristic_401`: `"linear"` or `"equal percentage"`. A linear
  valve has $\Phi = 0.5$ at half travel; an equal-percentage one with $R = 50$ has
  $50^{-0.5} = 0.14$.
"""

ANSWER_CHARACTERISTIC = r"""
### BEGIN SOLUTION
def average_curve(table):
    columns = ["travel_pct", "flow_m3h", "dp_bar", "kv"]
    return table.groupby("output_pct")[columns].mean().sort_index()


def relative_kv_at(curve, travel):
    return float(np.interp(travel, curve["travel_pct"], curve["kv"]) / curve["kv"].max())


def name_characteristic(phi50):
    return "linear" if phi50 > 0.3 else "equal percentage"


curve_202, curve_401 = average_curve(t202), average_curve(t401)
phi50_202, phi50_401 = relative_kv_at(curve_202, 50), relative_kv_at(curve_401, 50)
characteristic_202 = name_characteristic(phi50_202)
characteristic_401 = name_characteristic(phi50_401)
### END SOLUTION
print(f"FV-202: phi(50 %) = {phi50_202:.3f}, {characteristic_202}")
print(f"Kv 63 valve: phi(50 %) = {phi50_401:.3f}, {characteristic_401}")
"""

TEST_CHARACTERISTIC = r"""
assert list(curve_202.index) == list(range(0, 101, 10)), "one row per output, 0 to 100 %"
assert {characteristic_202, characteristic_401} <= {"linear", "equal percentage"}
print("Curves and characteristics have the right shape.")
"""

TASK_GAIN = r"""
## 4. Installed characteristic and gain

The **installed characteristic** is the flow against travel in the plant: your averaged
curves. Its slope is the loop's process gain, and a controller is tuned in **% of output
per % of PV span**, so express the gain the same way: % of the flow transmitter's span per
% of travel (FT-202 spans 10 m³/h, FT-401 30 m³/h).

- `gain_202`, `gain_401`: numpy arrays, the installed gain in %/% at each row of the curve
  (`np.gradient` of flow against travel, then into % of span).
- `normal_gain_202`, `normal_gain_401`: the gain at the normal flow (interpolate against the
  flow): 4.42 m³/h for FIC-202, 24 m³/h for FIC-401.

The next cell plots both.
"""

ANSWER_GAIN = r"""
SPAN_202, SPAN_401 = 10.0, 30.0         # flow transmitter spans, m3/h
NORMAL_202, NORMAL_401 = 4.42, 24.0     # normal flows, m3/h

### BEGIN SOLUTION
def installed_gain(curve, span):
    slope = np.gradient(curve["flow_m3h"].to_numpy(), curve["travel_pct"].to_numpy())
    return slope * 100.0 / span


gain_202 = installed_gain(curve_202, SPAN_202)
gain_401 = installed_gain(curve_401, SPAN_401)
normal_gain_202 = float(np.interp(NORMAL_202, curve_202["flow_m3h"], gain_202))
normal_gain_401 = float(np.interp(NORMAL_401, curve_401["flow_m3h"], gain_401))
### END SOLUTION
print(f"FIC-202 at {NORMAL_202} m3/h: {normal_gain_202:.2f} %/%")
print(f"FIC-401 at {NORMAL_401} m3/h: {normal_gain_401:.2f} %/%")
"""

PLOT = r"""
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for curve, gain, span, label in ((curve_202, gain_202, SPAN_202, "FV-202"), (curve_401, gain_401, SPAN_401, "Kv 63 valve")):
    axes[0].plot(curve["travel_pct"], curve["flow_m3h"] / span * 100, marker="o", label=label)
    axes[1].plot(curve["travel_pct"], gain, marker="o", label=label)
axes[0].plot([0, 100], [0, 100], "k:", linewidth=1)
axes[0].set(xlabel="travel, %", ylabel="flow, % of span", title="Installed characteristic")
axes[1].set(xlabel="travel, %", ylabel="gain, %/%", title="Installed gain")
for ax in axes:
    ax.grid(True)
    ax.legend()
plt.tight_layout()
plt.show()
"""

TASK_SIZE = r"""
## 5. Size and rangeability of the Kv 63 valve

FIC-401's recipe runs 16 to 26 m³/h, normally 24. A valve is well sized when its minimum,
normal and maximum flows all land between **20 and 80 %** travel.

- `duty_travels_401`: the travels (%) at 16, 24 and 26 m³/h, interpolated in the installed
  curve (travel against flow). If a flow is beyond the wide-open flow, use 100.
- `size_verdict_401`: `"fits"` if all three lie within 20–80 %, `"too small"` if the
  maximum flow needs more than 80 %, `"too large"` if the minimum flow needs less than 20 %.
- `installed_rangeability_401`: the flow wide open divided by the flow at 10 % travel
  (below about 10 % a valve close to its seat no longer follows its characteristic). The
  catalogue's inherent rangeability is 50:1; what does the valve give **in this circuit**?
"""

ANSWER_SIZE = r"""
DUTY_401 = [16.0, 24.0, 26.0]  # min, normal, max, m3/h

### BEGIN SOLUTION
flows, travels = curve_401["flow_m3h"], curve_401["travel_pct"]
duty_travels_401 = [float(np.interp(q, flows, travels)) if q <= flows.max() else 100.0 for q in DUTY_401]
if duty_travels_401[-1] > 80:
    size_verdict_401 = "too small"
elif duty_travels_401[0] < 20:
    size_verdict_401 = "too large"
else:
    size_verdict_401 = "fits"
installed_rangeability_401 = float(flows.max() / np.interp(10, travels, flows))
### END SOLUTION
print("travels at 16, 24, 26 m3/h:", [round(t, 1) for t in duty_travels_401], "->", size_verdict_401)
print(f"installed rangeability {installed_rangeability_401:.1f}:1")
"""

TEST_SIZE = r"""
assert len(duty_travels_401) == 3, "one travel for each duty flow"
assert size_verdict_401 in {"fits", "too small", "too large"}
assert installed_rangeability_401 > 1, "wide open passes more than 10 % travel"
print("The sizing answers have the right shape.")
"""

WRAP = r"""
## Wrap-up

- $K_v$ needs the pressure drop **across the valve** and the relative density: leaving out
  1.03 makes FV-202 look 1.5 % smaller than it is.
- The inherent characteristic is $K_v$ against travel. Flow against travel is the installed
  characteristic: on P-401's circuit the equal-percentage valve's flow curve looks nearly
  linear, which is exactly why equal percentage was chosen for it.
- A gain in m³/h per % means nothing to the controller; in %/% of span FV-202 gives about
  1 at its normal flow, and the Kv 63 valve between about 0.7 and 1 at 24 m³/h, depending
  on the valve and circuit your seed gave you.
- Step both ways: the deadband only shows after a reversal.
- The catalogue's 50:1 is measured at constant pressure drop. Installed, the pump curve and
  the circuit take it down to about 6:1 on this lab's measure. Check that your duty flows sit on the usable
  travel, and size from real flows and pressures.

When every self-check passes, submit the notebook for grading.
"""


def _check(check_id, points, description, observe, tolerance, hint, compare="close"):
    check = {
        "id": check_id,
        "points": points,
        "visible": True,
        "description": description,
        "observe": observe,
        "compare": compare,
        "hint": hint,
    }
    if compare == "close":
        check["tolerance"] = tolerance
    return check


CHECKS = [
    _check(
        "kv-readings",
        2,
        "Kv at every reading of both valves",
        "[[round(float(x), 3) for x in t202['kv']], [round(float(x), 3) for x in t401['kv']]]",
        0.01,
        "Kv = Q x sqrt(SG / dp), with dp across the valve in bar and SG 1.03 (glycol) or 0.99 (caustic).",
    ),
    _check(
        "rated-kv",
        1,
        "FV-202's measured Kv wide open",
        "rated_kv_202",
        0.03,
        "Use the reading at 100 % travel and the glycol's relative density.",
    ),
    _check(
        "deadband",
        2,
        "the positioner deadband of each valve, in % of travel",
        "[deadband_202, deadband_401]",
        0.1,
        "Compare the travel at the same output on the way down and on the way up.",
    ),
    _check(
        "phi50",
        2,
        "relative flow coefficient at 50 % travel, both valves",
        "[phi50_202, phi50_401]",
        0.02,
        "The inherent characteristic is Kv / Kv wide open, not flow / maximum flow.",
    ),
    _check(
        "characteristics",
        2,
        "the inherent characteristic of each valve",
        "[characteristic_202, characteristic_401]",
        None,
        "Identify the characteristic from Kv, which the changing pressure drop does not bend.",
        compare="equal",
    ),
    _check(
        "normal-gain",
        3,
        "installed gain at the normal flow, in %/% of span, both loops",
        "[normal_gain_202, normal_gain_401]",
        0.08,
        "Divide the slope in m3/h per % by the transmitter's span and multiply by 100.",
    ),
    _check(
        "duty-travels",
        2,
        "travel of the Kv 63 valve at 16, 24 and 26 m3/h",
        "duty_travels_401",
        2.0,
        "Interpolate travel against flow in the averaged installed curve.",
    ),
    _check(
        "size-verdict",
        1,
        "is the Kv 63 valve's size right for 16-26 m3/h?",
        "size_verdict_401",
        None,
        "All three flows between 20 and 80 % travel: fits.",
        compare="equal",
    ),
    _check(
        "installed-rangeability",
        2,
        "installed rangeability of the Kv 63 valve on P-401's circuit",
        "installed_rangeability_401",
        0.3,
        "The flow wide open over the flow at 10 % travel, from your own curve.",
    ),
]

PITFALLS = [
    Pitfall(
        "one-direction",
        "Steps the valve up only (0 to 100 %): the deadband never shows.",
        {
            "answer-steps": swap(
                ANSWER_STEPS,
                "steps = list(range(0, 101, 10)) + list(range(90, -1, -10))",
                "steps = list(range(0, 101, 10))",
            )
        },
    ),
    Pitfall(
        "no-relative-density",
        "Computes Kv as Q x sqrt(1 / dp), forgetting the liquid's relative density.",
        {
            "answer-kv": swap(
                ANSWER_KV,
                'table["kv"] = table["flow_m3h"] * np.sqrt(sg / table["dp_bar"])',
                'table["kv"] = table["flow_m3h"] * np.sqrt(1 / table["dp_bar"])',
            )
        },
    ),
    Pitfall(
        "inherent-from-flows",
        "Reads the inherent characteristic from the installed flows (flow / maximum flow), "
        "without correcting for the changing pressure drop across the valve.",
        {
            "answer-characteristic": swap(
                ANSWER_CHARACTERISTIC,
                'return float(np.interp(travel, curve["travel_pct"], curve["kv"]) / curve["kv"].max())',
                'return float(np.interp(travel, curve["travel_pct"], curve["flow_m3h"]) / curve["flow_m3h"].max())',
            )
        },
    ),
    Pitfall(
        "gain-in-engineering-units",
        "Gives the installed gain in m3/h per % of travel instead of %/% of the transmitter's span.",
        {
            "answer-gain": swap(
                ANSWER_GAIN,
                "return slope * 100.0 / span",
                "return slope",
            )
        },
    ),
    Pitfall(
        "catalogue-rangeability",
        "Takes the catalogue's inherent rangeability (50:1) as the valve's rangeability in service.",
        {
            "answer-size": swap(
                ANSWER_SIZE,
                "installed_rangeability_401 = float(flows.max() / np.interp(10, travels, flows))",
                "installed_rangeability_401 = 50.0",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Installed characteristic of a control valve",
        competencies=["SM.PC.8"],
        minutes=60,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-steps", TASK_STEPS),
            code("answer-steps", "answer", ANSWER_STEPS),
            code("run-steps", "readonly", RUN_STEPS),
            md("task-kv", TASK_KV),
            code("answer-kv", "answer", ANSWER_KV),
            code("test-kv", "test", TEST_KV),
            md("task-characteristic", TASK_CHARACTERISTIC),
            code("answer-characteristic", "answer", ANSWER_CHARACTERISTIC),
            code("test-characteristic", "test", TEST_CHARACTERISTIC),
            md("task-gain", TASK_GAIN),
            code("answer-gain", "answer", ANSWER_GAIN),
            code("plot", "readonly", PLOT),
            md("task-size", TASK_SIZE),
            code("answer-size", "answer", ANSWER_SIZE),
            code("test-size", "test", TEST_SIZE),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

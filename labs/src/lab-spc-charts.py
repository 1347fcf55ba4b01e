"""Writes labs/lab-spc-charts.ipynb: an individuals/moving-range chart with Western Electric rules.

Run from the repository root:  .venv/bin/python labs/src/lab-spc-charts.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-spc-charts"


INTRO = r"""
# SPC control charts with Western Electric rules

**Competencies:** SM.QUAL.1 *Build and read control charts* · SM.QUAL.2 *Apply run rules
and capability* · about 55 minutes.

On the Riverbend bottling line the product in the filler bowl must stay cool. A chiller holds
it on a slow programme, the **recipe**: the setpoint swings between about 19.7 °C and 21.3 °C
over four hours. The transmitter `Filler/ProductTemp` is read once a second, and the
historian logs the recipe's setpoint beside every reading, in the `setpoint` column (the PLC
serves it as the tag `Filler/Recipe/ProductTemp`).

Because the setpoint moves on purpose, a control chart of the temperature itself would signal
all day long: the recipe is not common-cause variation. What should be nothing but noise is
the **control error**, the reading minus the recipe. That is what you chart.

By the end of this lab you can:

1. turn one-second readings into one-minute means of the deviation from the recipe;
2. compute the limits of an **individuals and moving range (I-MR)** chart from a Phase I
   baseline: the first 30 minutes of the shift, which the quality engineer signed off as
   stable;
3. say whether the baseline is **capable** ($C_p$, $C_{pk}$);
4. code **Western Electric rules 1 and 2** and find the later points that break them;
5. see how much earlier the chart warned than the high-temperature alarm.

Something happens during the shift. Your data comes from your own seed (`SHOPFLOOR_SEED`),
so it happens at another time than for your neighbour. Run the cells in
order, write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.alarms import to_dataframe as alarm_dataframe
from plcsim.scenarios import scenario

line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
line.run(8 * 3600)                                  # one 8-hour shift
raw = line.sensor_log.to_dataframe()                # time_s, tag, value, quality, setpoint
temp = raw[raw["tag"] == "Filler/ProductTemp"].reset_index(drop=True)
alarms = alarm_dataframe(line.alarm_log)            # the alarm journal of the shift

BASELINE_MINUTES = 30   # Phase I: minutes 0-29
SPEC = 0.05             # degC: a one-minute mean may deviate from the recipe by at most this


fig, ax = plt.subplots(figsize=(10, 3))
ax.plot(temp["time_s"] / 3600, temp["value"], lw=0.3, label="Filler/ProductTemp")
ax.plot(temp["time_s"] / 3600, temp["setpoint"], color="k", lw=1, label="recipe setpoint")
ax.set_xlabel("time (h)")
ax.set_ylabel("degC")
ax.legend()
plt.show()
"""

TASK_MEANS = r"""
## 1. One-minute means of the deviation

1. Keep the readings of `temp` whose quality is `"good"`.
2. Compute each reading's **deviation** from the recipe: `value - setpoint`.
3. Group by minute, `minute = time_s // 60` (an `int`, 0 to 479: the first reading is at
   0 s), and take the mean deviation. Keep only minutes with **at least 45** good readings
   (a minute the transmitter misreported for most of its readings tells you little).

Make `x`: a pandas Series of those one-minute mean deviations, indexed by the minute number,
in time order. These are the individuals you chart.

*If you prefer `resample`:* put the readings on a `DatetimeIndex`,
`pd.to_datetime(time_s, unit="s")`, whose bins start on whole minutes.
"""

ANSWER_MEANS = r"""
# x: one-minute mean deviation from the recipe, indexed by minute
### BEGIN SOLUTION
good = temp[temp["quality"] == "good"].copy()
good["deviation"] = good["value"] - good["setpoint"]
good["minute"] = (good["time_s"] // 60).astype(int)
per_minute = good.groupby("minute")["deviation"].agg(["mean", "count"])
x = per_minute.loc[per_minute["count"] >= 45, "mean"]
### END SOLUTION
print(f"{len(x)} minutes, from minute {x.index.min()} to {x.index.max()}")
x.head()
"""

TASK_LIMITS = r"""
## 2. Phase I: the limits of the I-MR chart

Use only the baseline, the minutes before `BASELINE_MINUTES`:

- the **centre line** is the mean of the baseline points, $\bar{x}$;
- the **moving ranges** are $\mathrm{MR}_i = |x_i - x_{i-1}|$ between consecutive baseline
  points (29 of them), and $\overline{\mathrm{MR}}$ is their mean;
- the process sigma is estimated as $\hat\sigma = \overline{\mathrm{MR}} / d_2$ with
  $d_2 = 1.128$ (for ranges of two points);
- the individuals chart has $\mathrm{UCL} = \bar{x} + 3\hat\sigma$ and
  $\mathrm{LCL} = \bar{x} - 3\hat\sigma$ (that is $\bar{x} \pm 2.66\,\overline{\mathrm{MR}}$);
- the moving-range chart has $\mathrm{UCL}_{MR} = 3.267\,\overline{\mathrm{MR}}$ and a lower
  limit of 0.

Set the floats `center`, `mr_bar`, `sigma`, `ucl`, `lcl` and `ucl_mr`. These limits are
now **frozen**: the rest of the shift is judged against them.

While the baseline is in control you may also ask whether it is **capable**. The quality plan
says each one-minute mean must stay within `SPEC` = ±0.05 °C of the recipe (LSL = −0.05,
USL = +0.05). With the same $\hat\sigma$, set

$$C_p = \frac{\mathrm{USL} - \mathrm{LSL}}{6\hat\sigma} \qquad
C_{pk} = \min\left(\frac{\mathrm{USL} - \bar{x}}{3\hat\sigma},\
\frac{\bar{x} - \mathrm{LSL}}{3\hat\sigma}\right)$$

as the floats `cp` and `cpk`. Many customers ask for $C_{pk} \ge 1.33$.
"""

ANSWER_LIMITS = r"""
# center, mr_bar, sigma, ucl, lcl, ucl_mr from the first BASELINE_MINUTES points; cp, cpk
### BEGIN SOLUTION
baseline = x[x.index < BASELINE_MINUTES]
center = float(baseline.mean())
mr_bar = float(baseline.diff().abs().mean())
sigma = mr_bar / 1.128
ucl = center + 3 * sigma
lcl = center - 3 * sigma
ucl_mr = 3.267 * mr_bar
cp = (2 * SPEC) / (6 * sigma)
cpk = min(SPEC - center, center + SPEC) / (3 * sigma)
### END SOLUTION
print(f"centre {center:+.4f} degC, sigma {sigma:.4f}, limits {lcl:+.4f} .. {ucl:+.4f}; "
      f"MR-bar {mr_bar:.4f}, UCL(MR) {ucl_mr:.4f}")
print(f"Cp {cp:.2f}, Cpk {cpk:.2f}")
"""

TASK_RULES = r"""
## 3. Western Electric rules 1 and 2

Write a function `we_rules(x, center, sigma)`. `x` is a Series of individuals in time order.
Return a DataFrame with the same index as `x` and two boolean columns:

- `rule1`: the point is **beyond 3 sigma**: above $\bar{x} + 3\sigma$ or below
  $\bar{x} - 3\sigma$;
- `rule2`: **two of three** consecutive points beyond 2 sigma on the same side. Count a point
  when it is itself beyond 2 sigma (above $\bar{x} + 2\sigma$, or below
  $\bar{x} - 2\sigma$) **and** at least one of the two points before it in the series is
  beyond 2 sigma on the **same** side. (A point beyond 3 sigma is also beyond 2 sigma.)

Apply it to the whole series `x` with your frozen limits. Then make `rule1_minutes` and
`rule2_minutes`: sorted lists of the minutes (`int`s) **from `BASELINE_MINUTES` on** whose
point breaks rule 1, and rule 2.
"""

ANSWER_RULES = r"""
# we_rules(x, center, sigma) -> DataFrame(rule1, rule2); rule1_minutes, rule2_minutes
### BEGIN SOLUTION
def we_rules(x, center, sigma):
    x = pd.Series(x, dtype=float)
    rule1 = (x > center + 3 * sigma) | (x < center - 3 * sigma)
    rule2 = pd.Series(False, index=x.index)
    for beyond in (x > center + 2 * sigma, x < center - 2 * sigma):
        before = beyond.shift(1, fill_value=False) | beyond.shift(2, fill_value=False)
        rule2 |= beyond & before
    return pd.DataFrame({"rule1": rule1, "rule2": rule2})


flags = we_rules(x, center, sigma)
later = flags[flags.index >= BASELINE_MINUTES]
rule1_minutes = [int(m) for m in later.index[later["rule1"]]]
rule2_minutes = [int(m) for m in later.index[later["rule2"]]]
### END SOLUTION
print(f"rule 1: {len(rule1_minutes)} points, first {rule1_minutes[:8]}")
print(f"rule 2: {len(rule2_minutes)} points, first {rule2_minutes[:8]}")
"""

TASK_DRIFT = r"""
## 4. What happened, and when did you know?

A single point beyond the limits now and then is the price of any chart (about one in 370
points for rule 1 alone). A long, unbroken stretch of signals is not chance.

1. Make `drift_run = [first, last]`: the first and last minute of the **longest run of
   consecutive minutes** in `rule1_minutes` (minutes that follow each other: 200, 201, 202,
   …).
2. The alarm system has its own view: `Filler.ProductTemp.HI` activates (its `after` state
   becomes `"unacknowledged"`) at 22.5 °C. Set `alarm_minute` to the minute
   (`int(time_s // 60)`) of its **first** activation in `alarms`.
3. Set `lead_minutes = alarm_minute - drift_run[0]`: how many minutes before the alarm the
   chart signalled.

Look at the chart in the next step: is this a process change or a measurement problem? The
lesson's out-of-control action plan starts with *check the measurement*.
"""

ANSWER_DRIFT = r"""
# drift_run = [first, last]; alarm_minute; lead_minutes
### BEGIN SOLUTION
minutes = pd.Series(rule1_minutes)
run_id = (minutes.diff() != 1).cumsum()
runs = minutes.groupby(run_id).agg(["first", "last", "size"])
longest = runs.loc[runs["size"].idxmax()]
drift_run = [int(longest["first"]), int(longest["last"])]
hi = alarms[(alarms["alarm"] == "Filler.ProductTemp.HI") & (alarms["after"] == "unacknowledged")]
alarm_minute = int(hi["time_s"].min() // 60)
lead_minutes = alarm_minute - drift_run[0]
### END SOLUTION
print(f"signals from minute {drift_run[0]} to {drift_run[1]}; "
      f"alarm at minute {alarm_minute}: the chart was {lead_minutes} min earlier")
"""

TEST = r"""
# Self-check: run me. These asserts check the shape of your answers, not the values.
assert isinstance(x, pd.Series) and x.index.is_monotonic_increasing
assert lcl < center < ucl and ucl_mr > mr_bar > 0
assert 0 < cpk <= cp
demo = we_rules(pd.Series([0.0, 3.5, 2.5, 0.0]), 0.0, 1.0)
assert list(demo.columns) == ["rule1", "rule2"], "columns rule1 and rule2"
assert demo["rule1"].tolist() == [False, True, False, False]
assert demo["rule2"].tolist() == [False, False, True, False], "3.5 then 2.5: two of three > 2 sigma"
assert all(m >= BASELINE_MINUTES for m in rule1_minutes + rule2_minutes)
assert drift_run[0] <= drift_run[1]
print("The shapes look right.")
"""

TASK_PLOT = r"""
## 5. Draw the chart

Draw the I-MR chart in three panels sharing the minute axis. The signal runs far beyond the
limits, so the individuals appear twice:

- **top:** the individuals `x` over the whole shift;
- **middle:** the same, zoomed to about $\pm 6\sigma$, with the centre line, the control
  limits and dashed lines at $\pm 1\sigma$ and $\pm 2\sigma$ (the zone boundaries); mark
  the rule 1 and rule 2 points in different colours, shade the baseline and mark the alarm;
- **bottom:** the moving ranges $|x_i - x_{i-1}|$ with $\overline{\mathrm{MR}}$ and
  $\mathrm{UCL}_{MR}$.

Read the MR chart too: during the signal, do the ranges change much, or mainly the level?
"""

ANSWER_PLOT = r"""
# figure: individuals (whole shift and zoomed, with limits, zones and signals) and moving ranges
### BEGIN SOLUTION
fig, (whole, top, bottom) = plt.subplots(
    3, 1, figsize=(11, 9), sharex=True, gridspec_kw={"height_ratios": [1.2, 3, 1.4]}
)
whole.plot(x.index, x, lw=0.8, color="tab:blue")
whole.set_ylabel("degC")
whole.set_title("Filler/ProductTemp minus recipe: the whole shift, then zoomed to the limits")

top.axvspan(0, BASELINE_MINUTES - 1, color="0.9", label="Phase I baseline")
top.plot(x.index, x, lw=0.8, marker=".", ms=3, color="tab:blue", label="1-min mean deviation")
top.axhline(center, color="k", lw=1)
for k in (-3, 3):
    top.axhline(center + k * sigma, color="tab:red", lw=1)
for k in (-2, -1, 1, 2):
    top.axhline(center + k * sigma, color="0.5", lw=0.6, ls="--")
top.scatter(rule1_minutes, x.loc[rule1_minutes], color="tab:red", s=22, zorder=3,
            label="rule 1")
top.scatter(rule2_minutes, x.loc[rule2_minutes], facecolors="none", edgecolors="tab:orange",
            s=60, zorder=4, label="rule 2")
top.axvline(alarm_minute, color="tab:purple", ls=":", label="HI alarm")
top.set_ylim(center - 6 * sigma, center + 6 * sigma)   # the drift runs far off the top
top.set_ylabel("deviation (degC)")
top.legend(loc="upper left", fontsize=8, ncol=3)

moving_range = x.diff().abs()
bottom.plot(moving_range.index, moving_range, lw=0.7, color="tab:green")
bottom.axhline(mr_bar, color="k", lw=1)
bottom.axhline(ucl_mr, color="tab:red", lw=1)
bottom.set_ylim(0, 3 * ucl_mr)
bottom.set_ylabel("moving range (degC)")
bottom.set_xlabel("minute of the shift")
plt.tight_layout()
plt.show()
### END SOLUTION
"""

HIDDEN = r"""
__we_case = we_rules(pd.Series([0.0, 2.5, 0.5, 2.2, -3.2, -2.5, 0.1, -2.1, 1.0, -2.4]), 0.0, 1.0)
__we_case = [[bool(v) for v in __we_case["rule1"]], [bool(v) for v in __we_case["rule2"]]]
"""

WRAP = r"""
## Wrap-up

- An I-MR chart suits one value at a time; $\overline{\mathrm{MR}}/1.128$ estimates the
  short-term sigma, so the limits describe the process's own noise, not the specification.
- $C_p$ and $C_{pk}$ mean something only for a process in control, here the baseline. No
  capability index computed over the drifting stretch would describe any real process.
- The limits came from a **stable baseline** and stayed frozen. Recomputing them over the
  whole shift would have widened them around the fault and hidden it.
- Rule 2 adds sensitivity to shifts that rule 1 catches later; every extra rule also adds
  false alarms. Most of the isolated signals outside the long run are such false alarms, and
  a short baseline adds more: 30 points estimate sigma only to within about ±25 %. Collect
  20 to 25 points at the very least, more where you can.
- The signal lasted about an hour and a half: a steady ramp (every minute higher than the
  one before, which also lifts the moving ranges) and then one jump straight back to
  normal. A bowl of product does not cool by 3 °C in a minute; a transmitter that
  **drifts** and then recovers does. So the first step of the action plan, *check the
  measurement*, comes before anyone touches the chiller.
- The chart warned long before the 22.5 °C alarm, which is the point of SPC: react to a
  change early, whether it is in the process or in the measurement.
"""

CHECKS = [
    {
        "id": "minute-means",
        "points": 1,
        "description": "number of one-minute points and the largest mean deviation (x)",
        "observe": "[int(len(x)), round(float(x.max()), 4)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Keep good readings, subtract the setpoint, group by time_s // 60 and keep "
        "minutes with at least 45 readings.",
    },
    {
        "id": "limits",
        "points": 2,
        "description": "centre line, control limits, MR-bar and UCL of the moving ranges",
        "observe": "[round(float(v), 6) for v in (center, ucl, lcl, mr_bar, ucl_mr)]",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "Use only minutes 0-29. MR-bar is the mean of abs(x.diff()) there; sigma is "
        "MR-bar / 1.128, the limits are the centre plus and minus 3 sigma, UCL(MR) = 3.267 x "
        "MR-bar.",
    },
    {
        "id": "capability",
        "points": 1,
        "description": "Cp and Cpk of the baseline against the +/-0.05 degC specification",
        "observe": "[round(float(cp), 4), round(float(cpk), 4)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Cp = 0.1 / (6 sigma); Cpk = min(0.05 - centre, centre + 0.05) / (3 sigma).",
    },
    {
        "id": "rule1",
        "points": 2,
        "description": "minutes from 30 on that break rule 1 (rule1_minutes)",
        "observe": "[int(m) for m in rule1_minutes]",
        "compare": "set",
        "hint": "A point breaks rule 1 when it is above UCL or below LCL. Report only minutes "
        "from BASELINE_MINUTES on.",
    },
    {
        "id": "rule2",
        "points": 2,
        "visible": False,
        "description": "minutes from 30 on that break rule 2 (rule2_minutes)",
        "observe": "[int(m) for m in rule2_minutes]",
        "compare": "set",
        "hint": "A point breaks rule 2 when it is beyond 2 sigma and one of the two points "
        "before it is beyond 2 sigma on the same side.",
    },
    {
        "id": "we-function",
        "points": 2,
        "visible": False,
        "description": "we_rules() on a short series with signals on both sides",
        "observe": "__we_case",
        "compare": "equal",
        "hint": "Treat the upper and the lower side separately for rule 2, and do not count a "
        "point that is not itself beyond 2 sigma.",
    },
    {
        "id": "drift",
        "points": 2,
        "description": "longest run of rule 1 signals, first HI alarm and the lead time",
        "observe": "[int(drift_run[0]), int(drift_run[1]), int(alarm_minute), int(lead_minutes)]",
        "compare": "equal",
        "hint": "Split rule1_minutes where the difference to the previous minute is not 1 and "
        "take the longest piece; the alarm minute is the first HI activation's time_s // 60.",
    },
]

PITFALLS = [
    Pitfall(
        "limits-from-whole-shift",
        "Computes the control limits over the whole shift instead of the Phase I baseline, "
        "so the drift widens them and hides itself.",
        {
            "answer-limits": swap(
                ANSWER_LIMITS, "baseline = x[x.index < BASELINE_MINUTES]", "baseline = x"
            )
        },
    ),
    Pitfall(
        "sigma-from-std",
        "Estimates sigma with the baseline's standard deviation instead of MR-bar / 1.128.",
        {
            "answer-limits": swap(
                ANSWER_LIMITS, "sigma = mr_bar / 1.128", "sigma = float(baseline.std())"
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="SPC control charts with Western Electric rules",
        competencies=["SM.QUAL.1", "SM.QUAL.2"],
        minutes=55,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-means", TASK_MEANS),
            code("answer-means", "answer", ANSWER_MEANS),
            md("task-limits", TASK_LIMITS),
            code("answer-limits", "answer", ANSWER_LIMITS),
            md("task-rules", TASK_RULES),
            code("answer-rules", "answer", ANSWER_RULES),
            md("task-drift", TASK_DRIFT),
            code("answer-drift", "answer", ANSWER_DRIFT),
            code("test-shapes", "test", TEST),
            md("task-plot", TASK_PLOT),
            code("answer-plot", "answer", ANSWER_PLOT),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

"""Writes labs/lab-capability.ipynb: capability and performance of the filler's fill weights.

Run from the repository root:  .venv/bin/python labs/src/lab-capability.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-capability"

# The lesson's 25 subgroups (lesson 4, "A shift of Riverbend fill weights"), for the
# self-check and for the hidden check of the verdict on an out-of-control process.
LESSON_DATA = """np.array([
    [500.8, 502.3, 500.8, 500.3, 501.5], [501.9, 501.3, 501.0, 499.6, 500.9],
    [501.6, 501.2, 502.3, 501.7, 502.1], [501.9, 500.9, 500.9, 500.3, 500.8],
    [501.3, 501.9, 500.6, 501.5, 500.0], [500.1, 501.5, 502.6, 501.9, 500.6],
    [501.6, 501.0, 500.2, 499.8, 500.9], [500.3, 499.0, 500.8, 499.2, 500.2],
    [501.2, 499.5, 501.4, 501.0, 499.2], [501.6, 500.0, 499.8, 500.9, 501.9],
    [500.8, 500.3, 500.7, 500.9, 502.3], [500.2, 499.7, 500.7, 499.0, 500.7],
    [502.1, 499.3, 500.9, 500.9, 499.0], [498.4, 503.1, 498.5, 501.8, 502.1],
    [499.2, 499.8, 498.5, 499.7, 497.8], [502.9, 499.8, 500.2, 498.6, 501.4],
    [501.6, 502.2, 501.4, 501.0, 501.1], [502.9, 501.7, 500.2, 501.5, 501.4],
    [501.1, 501.7, 500.8, 502.6, 502.5], [500.0, 500.1, 502.4, 502.7, 499.4],
    [502.4, 502.1, 502.6, 501.8, 503.3], [502.0, 501.9, 501.8, 499.9, 501.6],
    [503.0, 502.3, 500.2, 501.9, 501.4], [499.4, 500.3, 499.1, 501.8, 500.5],
    [499.2, 500.6, 500.4, 499.6, 501.3],
])"""

INTRO = r"""
# Capability of the Riverbend filler's fill weights

**Competency:** SM.IDQ.5 · about 60 minutes.

The quality engineer wants a capability statement for the Line 1 filler: can it hold the
net fill to **500 ± 5 g**? During one day shift the QC technician weighed five consecutive
bottles every 19 minutes on the bench scale: 25 subgroups, 125 net fill weights in grams, to
the scale's 0.1 g. The scale's gauge R&R standard deviation is known from a gauge study.

By the end of this lab you can:

1. draw the **X-bar and R chart** of the subgroups and say whether the process was in
   statistical control;
2. estimate the **within-subgroup** standard deviation ($\bar{R}/d_2$ and $\bar{s}/c_4$) and
   the **overall** one, and compute $C_p$, $C_{pk}$, $P_p$ and $P_{pk}$ with **Bissell's
   95 % intervals**;
3. check **normality** with a probability plot, the Shapiro–Wilk and the Anderson–Darling
   tests;
4. take the **gauge's variance** out of the overall spread;
5. write a **capability statement** that names the estimates, the sample size and the
   state of control.

The lesson *Process capability: within, overall, and how sure you can be* works one shift's
weights through in code; its code is a good start. Your shift comes from your own seed
(`SHOPFLOOR_SEED`): your filler's centre, spread and what moved it during the shift are not
your neighbour's. The data are simulated for teaching, from a model of the filler (not a
run of the plcsim filler). Run the cells in order, write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from plcsim.capability import capability_study

study = capability_study(SHOPFLOOR_SEED)
weights = pd.DataFrame(study["weights"])  # subgroup, time, bottle (1-5 in order), weight_g
LSL, USL = study["spec"]         # g, net fill
SIGMA_GRR = study["gauge_sd_g"]  # g, the bench scale's gauge R&R standard deviation

# Constants for subgroups of five (the AIAG SPC manual's; lesson 4 and the foundations course)
D2, C4 = 2.326, 0.9400           # sigma_within = R-bar / d2, or s-bar / c4
A2, D3, D4 = 0.577, 0.0, 2.114   # X-bar limits centre +/- A2 R-bar; R limits D3 R-bar, D4 R-bar

print(f"{len(weights)} weights in {weights['subgroup'].nunique()} subgroups, "
      f"{weights['time'].iloc[0]} to {weights['time'].iloc[-1]}; "
      f"specification {LSL:.0f}-{USL:.0f} g; gauge R&R sigma {SIGMA_GRR:.3f} g")
weights.head(10)
"""

TASK_ARRAY = r"""
## 1. The subgroups as an array

Make `x`, a numpy array of floats of shape (25, 5) with `x[k, j]` the weight of bottle
`j + 1` in subgroup `k + 1`: one row per subgroup, in time order.
"""

ANSWER_ARRAY = r"""
# x: shape (subgroups, 5), floats
### BEGIN SOLUTION
ordered = weights.sort_values(["subgroup", "bottle"])
x = ordered["weight_g"].to_numpy(float).reshape(weights["subgroup"].nunique(), -1)
### END SOLUTION
print(x.shape)
pd.DataFrame(x, index=range(1, len(x) + 1), columns=[f"b{j}" for j in range(1, 6)]).head()
"""

TASK_CHART = r"""
## 2. Was the process in control?

A capability index predicts only for a process in statistical control, so chart first.
Write `xbar_r_chart(x)` for subgroups of five that returns a dict with the keys

- `centre`: the grand mean $\bar{\bar{x}}$ (the centre line of the X-bar chart);
- `r_bar`: $\bar{R}$, the mean of the subgroup ranges;
- `lcl`, `ucl`: the X-bar chart's limits, $\bar{\bar{x}} \mp A_2\bar{R}$, three standard
  deviations **of a subgroup mean** ($3\,\sigma_{\text{within}}/\sqrt{5}$);
- `lcl_r`, `ucl_r`: the R chart's limits, $D_3\bar{R}$ and $D_4\bar{R}$;
- `out_xbar`, `out_r`: the subgroup numbers (1-25, `int`s, ascending) whose mean is
  outside the X-bar limits, and whose range is above the R chart's upper limit.

Set `chart = xbar_r_chart(x)` and `in_control`, `True` if no subgroup is outside either
chart's limits. (The foundations course's run rules would find more; this lab uses points
outside the limits only.)
"""

ANSWER_CHART = r"""
# xbar_r_chart(x) -> dict; chart; in_control (bool)
### BEGIN SOLUTION
def xbar_r_chart(x):
    means, ranges = x.mean(axis=1), np.ptp(x, axis=1)
    centre, r_bar = means.mean(), ranges.mean()
    half = A2 * r_bar  # 3 sigma_within / sqrt(5): the spread of a subgroup mean
    lcl, ucl, ucl_r = centre - half, centre + half, D4 * r_bar
    return {
        "centre": float(centre), "r_bar": float(r_bar), "lcl": float(lcl), "ucl": float(ucl),
        "lcl_r": float(D3 * r_bar), "ucl_r": float(ucl_r),
        "out_xbar": [int(k) + 1 for k in np.flatnonzero((means < lcl) | (means > ucl))],
        "out_r": [int(k) + 1 for k in np.flatnonzero(ranges > ucl_r)],
    }


chart = xbar_r_chart(x)
in_control = not chart["out_xbar"] and not chart["out_r"]
### END SOLUTION
print(f"X-bar: centre {chart['centre']:.3f} g, limits {chart['lcl']:.2f}-{chart['ucl']:.2f} g,"
      f" outside: {chart['out_xbar']}")
print(f"R: R-bar {chart['r_bar']:.3f} g, UCL {chart['ucl_r']:.2f} g, above: {chart['out_r']}")
print("in control" if in_control else "NOT in control")
"""

PLOT_CHART = r"""
# The X-bar and R charts (run me)
k = np.arange(1, len(x) + 1)
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
ax1.plot(k, x.mean(axis=1), "o-", ms=4)
ax1.axhline(chart["centre"], color="k", lw=1)
ax1.axhline(chart["lcl"], color="k", ls="--", lw=1)
ax1.axhline(chart["ucl"], color="k", ls="--", lw=1)
ax1.set_ylabel("subgroup mean (g)")
ax2.plot(k, np.ptp(x, axis=1), "o-", ms=4)
ax2.axhline(chart["r_bar"], color="k", lw=1)
ax2.axhline(chart["ucl_r"], color="k", ls="--", lw=1)
ax2.set_ylabel("range (g)")
ax2.set_xlabel("subgroup")
plt.show()
"""

TASK_INDICES = r"""
## 3. Two standard deviations, four indices, two intervals

Write `capability(x, lsl, usl)` for subgroups `x` (one row each) that returns a dict with

- `mean`: the mean of all readings; `n`: the number of readings (an `int`);
- `sigma_within`: $\bar{R}/d_2$, the estimate this lab reports;
- `sigma_within_s`: $\bar{s}/c_4$, the mean of the subgroups' standard deviations over
  $c_4$, for comparison;
- `sigma_overall`: the sample standard deviation $s$ of all readings together ($n - 1$);
- `cp`, `cpk` from $\sigma_{\text{within}}$ and `pp`, `ppk` from
  $\sigma_{\text{overall}}$, by the lesson's formulas.

Write `bissell(index, n)`: the approximate 95 % interval of an index estimated from `n`
readings, $\hat C \pm 1.96\sqrt{1/(9n) + \hat C^2/(2(n-1))}$, as a tuple `(low, high)`.

Set `cap = capability(x, LSL, USL)` and `intervals`, a dict with the keys `"cpk"` and
`"ppk"` and their intervals, with $n$ the number of readings the index was computed from.
"""

ANSWER_INDICES = r"""
# capability(x, lsl, usl) -> dict; bissell(index, n) -> (low, high); cap; intervals
### BEGIN SOLUTION
def capability(x, lsl, usl):
    mean = x.mean()
    sigma_within = np.ptp(x, axis=1).mean() / D2  # R-bar / d2
    sigma_within_s = x.std(axis=1, ddof=1).mean() / C4  # s-bar / c4
    sigma_overall = x.std(ddof=1)  # all readings, n - 1

    def indices(sigma):
        return (usl - lsl) / (6 * sigma), min(usl - mean, mean - lsl) / (3 * sigma)

    cp, cpk = indices(sigma_within)
    pp, ppk = indices(sigma_overall)
    return {
        "mean": float(mean), "n": int(x.size), "sigma_within": float(sigma_within),
        "sigma_within_s": float(sigma_within_s), "sigma_overall": float(sigma_overall),
        "cp": float(cp), "cpk": float(cpk), "pp": float(pp), "ppk": float(ppk),
    }


def bissell(index, n):
    half = 1.96 * np.sqrt(1 / (9 * n) + index**2 / (2 * (n - 1)))
    return float(index - half), float(index + half)


cap = capability(x, LSL, USL)
n_readings = x.size  # every reading, not the number of subgroups
intervals = {name: bissell(cap[name], n_readings) for name in ("cpk", "ppk")}
### END SOLUTION
print(f"mean {cap['mean']:.3f} g; sigma within {cap['sigma_within']:.3f} g (R-bar/d2), "
      f"{cap['sigma_within_s']:.3f} g (s-bar/c4); overall {cap['sigma_overall']:.3f} g")
print(f"Cp {cap['cp']:.2f}, Cpk {cap['cpk']:.2f} "
      f"(95 % {intervals['cpk'][0]:.2f} to {intervals['cpk'][1]:.2f})")
print(f"Pp {cap['pp']:.2f}, Ppk {cap['ppk']:.2f} "
      f"(95 % {intervals['ppk'][0]:.2f} to {intervals['ppk'][1]:.2f})")
"""

TEST = rf"""
# Self-check: run me. Your functions on the lesson's shift (25 subgroups of 5).
LESSON = {LESSON_DATA}
lesson_chart, lesson_cap = xbar_r_chart(LESSON), capability(LESSON, 495.0, 505.0)
assert np.allclose([lesson_chart["centre"], lesson_chart["lcl"], lesson_chart["ucl"]],
                   [500.909, 499.587, 502.231], atol=0.001), "the lesson's X-bar limits"
assert lesson_chart["out_xbar"] == [15, 21] and lesson_chart["out_r"] == []
assert np.allclose([lesson_cap[k] for k in ("sigma_within", "sigma_within_s", "sigma_overall")],
                   [0.985, 0.996, 1.155], atol=0.001), "the lesson's three sigmas"
assert np.allclose([lesson_cap[k] for k in ("cp", "cpk", "pp", "ppk")],
                   [1.69, 1.38, 1.44, 1.18], atol=0.005), "the lesson's four indices"
assert np.allclose(bissell(lesson_cap["ppk"], lesson_cap["n"]), (1.02, 1.34), atol=0.005)
assert set(intervals) == {{"cpk", "ppk"}} and x.shape == (25, 5)
print("Your functions reproduce the lesson's shift.")
"""

TASK_NORMAL = r"""
## 4. Is it normal?

Every index and every parts-per-million figure assumes a normal distribution. Look at the
probability plot the cell draws, then test all the readings together:

- `shapiro_w`, `shapiro_p`: the Shapiro–Wilk statistic and p value (`stats.shapiro`);
- `ad_stat`, `ad_crit_5`: the Anderson–Darling statistic $A^2$ and its 5 % critical value
  (`stats.anderson(..., dist="norm")`, whose critical values are for 15, 10, 5, 2.5 and
  1 %);
- `normality_rejected`: `True` if either test rejects normality at the 5 % level.

A p value above 0.05 is not proof of normality; it says only that these 125 readings give
no evidence against it.
"""

ANSWER_NORMAL = r"""
# shapiro_w, shapiro_p, ad_stat, ad_crit_5 (floats); normality_rejected (bool)
### BEGIN SOLUTION
sw = stats.shapiro(x.ravel())
ad = stats.anderson(x.ravel(), dist="norm")
shapiro_w, shapiro_p = float(sw.statistic), float(sw.pvalue)
ad_stat, ad_crit_5 = float(ad.statistic), float(ad.critical_values[2])
normality_rejected = shapiro_p < 0.05 or ad_stat > ad_crit_5
### END SOLUTION
print(f"Shapiro-Wilk W = {shapiro_w:.3f}, p = {shapiro_p:.3f}; "
      f"Anderson-Darling A2 = {ad_stat:.3f} (5 % critical {ad_crit_5:.3f})")
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.5))
ax1.hist(x.ravel(), bins=20)
ax1.axvline(LSL, color="r")
ax1.axvline(USL, color="r")
ax1.set_xlabel("net fill (g); specification limits in red")
stats.probplot(x.ravel(), dist="norm", plot=ax2)
ax2.set_title("Normal probability plot")
plt.show()
"""

TASK_GAUGE = r"""
## 5. The gauge inside the index

Every reading came through the bench scale, whose gauge R&R standard deviation is
`SIGMA_GRR`. Variances add, so take the gauge's **variance** out of the overall one:

- `sigma_fill`: the standard deviation of the fills themselves, in g;
- `pp_fill`, `ppk_fill`: Pp and Ppk from `sigma_fill` (the mean does not change);
- `grr_share`: the gauge's standard deviation as a fraction of the overall one (not in %).
"""

ANSWER_GAUGE = r"""
# sigma_fill, pp_fill, ppk_fill, grr_share (floats)
### BEGIN SOLUTION
sigma_fill = float(np.sqrt(cap["sigma_overall"] ** 2 - SIGMA_GRR**2))  # variances subtract
pp_fill = (USL - LSL) / (6 * sigma_fill)
ppk_fill = min(USL - cap["mean"], cap["mean"] - LSL) / (3 * sigma_fill)
grr_share = SIGMA_GRR / cap["sigma_overall"]
### END SOLUTION
print(f"fills {sigma_fill:.3f} g against {cap['sigma_overall']:.3f} g observed: "
      f"Pp {pp_fill:.2f}, Ppk {ppk_fill:.2f} (observed {cap['ppk']:.2f}); "
      f"the gauge is {100 * grr_share:.0f} % of the overall sigma")
"""

TASK_VERDICT = r"""
## 6. The capability statement

Write `verdict(chart, cap)`, which takes the dicts of your two functions for any set of
subgroups and returns

1. `"not in control"` if any subgroup is outside the X-bar or R limits: the process is not
   in statistical control, Cpk is what the filler *could* do if the cause were found, and
   only Ppk describes the bottles made;
2. otherwise `"capable"` if the **lower end** of Cpk's 95 % interval (computed from
   `cap["n"]` readings) is at least 1.33;
3. otherwise `"not shown capable"`.

Set `label = verdict(chart, cap)` and write `statement`, a few sentences to the quality
engineer: the index you stand behind with its interval and $n$, the estimate of σ it used
($\bar{R}/d_2$ or the overall $s$), whether the process was in control (and which subgroups
were not), what normality checks said, and how much of the spread is the scale.
"""

ANSWER_VERDICT = r"""
# verdict(chart, cap) -> str; label; statement (str)
### BEGIN SOLUTION
def verdict(chart, cap):
    if chart["out_xbar"] or chart["out_r"]:
        return "not in control"
    low, _ = bissell(cap["cpk"], cap["n"])
    return "capable" if low >= 1.33 else "not shown capable"


label = verdict(chart, cap)
ppk_low, ppk_high = intervals["ppk"]
cpk_low, cpk_high = intervals["cpk"]
if label == "not in control":
    control = (f"The process was not in statistical control (subgroups {chart['out_xbar']} "
               f"outside the X-bar limits, {chart['out_r']} above the R limit), so Cpk "
               f"{cap['cpk']:.2f} (R-bar/d2) is only what the filler could do once the cause "
               f"is found; the shift's bottles are described by Ppk {cap['ppk']:.2f} "
               f"(overall s, 95 % {ppk_low:.2f} to {ppk_high:.2f}, n = {cap['n']}).")
else:
    control = (f"The process was in statistical control; Cpk {cap['cpk']:.2f} (R-bar/d2, "
               f"95 % {cpk_low:.2f} to {cpk_high:.2f}, n = {cap['n']}): {label} at 1.33. "
               f"Ppk {cap['ppk']:.2f} (overall s) describes this shift's bottles.")
statement = (
    control
    + (" Shapiro-Wilk and Anderson-Darling reject normality: find out why before trusting "
       "the indices." if normality_rejected else
       f" Neither normality test rejects (Shapiro-Wilk p = {shapiro_p:.2f}), which is not "
       "proof of normality.")
    + f" The scale's gauge R&R is {100 * grr_share:.0f} % of the overall sigma; without it "
    f"Ppk would be {ppk_fill:.2f}."
)
### END SOLUTION
print(label)
print(statement)
"""

HIDDEN = rf"""
from plcsim.capability import readings as __readings

# The lesson's shift (not in control), and two shifts in control: seed 6's, whose Cpk is
# above 1.33 with a lower bound below it, and seed 16's
__sets = [{LESSON_DATA}, np.array(__readings(6), float), np.array(__readings(16), float)]
__verdicts = [str(verdict(xbar_r_chart(__s), capability(__s, 495.0, 505.0))) for __s in __sets]
"""

WRAP = r"""
## Wrap-up

- **Two standard deviations.** Cp and Cpk use the within-subgroup σ ($\bar{R}/d_2$), Pp and
  Ppk the overall $s$ of every reading with $n - 1$. Name the estimate in the report: the
  within estimates differ a little by method.
- **Chart before you compute.** A gap between Cpk and Ppk means the mean moved between
  subgroups; the X-bar chart shows whether it moved beyond chance. For a process out of
  control, Cpk is a potential, not a prediction: report Ppk for the bottles made, and say so.
- **An index without an interval is half a number.** With 125 readings Bissell's interval is
  about ±0.2 wide at 1.5; the interval uses the number of readings, not of subgroups.
- **Normality:** look at the plot, then test; "not rejected" is not "proven".
- **Variances add, standard deviations do not.** The gauge comes out as
  $\sqrt{s^2 - \sigma_{GRR}^2}$; a good scale hides only a little of the index.
"""

CHECKS = [
    {
        "id": "subgroups",
        "points": 1,
        "description": "the shape of x and the sum of each subgroup",
        "observe": "[list(x.shape), [round(float(v), 3) for v in x.sum(axis=1)]]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Sort by subgroup and bottle, then reshape to (25, 5).",
    },
    {
        "id": "chart-limits",
        "points": 2,
        "description": "centre line, R-bar and the limits of the X-bar and R charts, in g",
        "observe": "[round(float(chart[k]), 5) for k in ('centre', 'r_bar', 'lcl', 'ucl', "
        "'lcl_r', 'ucl_r')]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The X-bar limits are three standard deviations of a subgroup mean: "
        "centre ± A2·R-bar.",
    },
    {
        "id": "chart-signals",
        "points": 2,
        "visible": False,
        "description": "the subgroups outside the X-bar limits and above the R limit",
        "observe": "[[int(k) for k in chart['out_xbar']], [int(k) for k in chart['out_r']]]",
        "compare": "equal",
        "hint": "Subgroup numbers start at 1; compare each subgroup mean with both limits.",
    },
    {
        "id": "sigmas",
        "points": 2,
        "description": "sigma within (R-bar/d2 and s-bar/c4) and sigma overall, in g",
        "observe": "[round(float(cap[k]), 5) for k in ('sigma_within', 'sigma_within_s', "
        "'sigma_overall')]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The overall sigma is the sample standard deviation of all 125 readings, "
        "with n - 1 (numpy's std divides by n unless told ddof=1).",
    },
    {
        "id": "indices",
        "points": 2,
        "visible": False,
        "description": "Cp, Cpk, Pp and Ppk",
        "observe": "[round(float(cap[k]), 5) for k in ('cp', 'cpk', 'pp', 'ppk')]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Capability indices from the within sigma, performance indices from the "
        "overall sigma.",
    },
    {
        "id": "intervals",
        "points": 2,
        "visible": False,
        "description": "Bissell's 95 % intervals of Cpk and Ppk",
        "observe": "[round(float(v), 5) for k in ('cpk', 'ppk') for v in intervals[k]]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "n is the number of readings the index was computed from.",
    },
    {
        "id": "normality",
        "points": 1,
        "visible": False,
        "description": "Shapiro-Wilk W and p, Anderson-Darling A² and its 5 % critical value",
        "observe": "[round(float(v), 5) for v in (shapiro_w, shapiro_p, ad_stat, ad_crit_5)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Test all 125 readings together; the 5 % critical value is the third.",
    },
    {
        "id": "gauge-removed",
        "points": 2,
        "visible": False,
        "description": "sigma of the fills without the gauge, Pp and Ppk from it, and the "
        "gauge's share of the overall sigma",
        "observe": "[round(float(v), 5) for v in (sigma_fill, pp_fill, ppk_fill, grr_share)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Variances add: subtract the gauge's variance, then take the root.",
    },
    {
        "id": "verdict",
        "points": 2,
        "visible": False,
        "description": "in control, normality rejected, and the verdict for your shift",
        "observe": "[bool(in_control), bool(normality_rejected), str(label)]",
        "compare": "equal",
        "hint": "Chart first: a Cpk from a process out of control is no prediction.",
    },
    {
        "id": "verdict-other-shifts",
        "points": 2,
        "visible": False,
        "description": "verdict() on three other shifts: the lesson's and two in control",
        "observe": "__verdicts",
        "compare": "equal",
        "hint": "Look at the control chart before the index, and judge the index by the lower "
        "end of its interval.",
    },
]

PITFALLS = [
    Pitfall(
        "cpk-with-overall-sigma",
        "Computes all four indices from one standard deviation, the overall s of the "
        "readings, so Cpk equals Ppk and the gap that shows the mean moving is lost.",
        {
            "answer-indices": swap(
                ANSWER_INDICES,
                "cp, cpk = indices(sigma_within)",
                "cp, cpk = indices(sigma_overall)",
            )
        },
    ),
    Pitfall(
        "std-ddof-0",
        "Takes the overall standard deviation with numpy's default ddof=0 (dividing by n, "
        "not n - 1).",
        {
            "answer-indices": swap(
                ANSWER_INDICES,
                "sigma_overall = x.std(ddof=1)  # all readings, n - 1",
                "sigma_overall = x.std()  # all readings",
            )
        },
    ),
    Pitfall(
        "bissell-n-subgroups",
        "Puts the number of subgroups (25) into Bissell's interval instead of the number "
        "of readings (125), so the interval comes out more than twice as wide.",
        {
            "answer-indices": swap(
                ANSWER_INDICES,
                "n_readings = x.size  # every reading, not the number of subgroups",
                "n_readings = len(x)  # subgroups",
            )
        },
    ),
    Pitfall(
        "xbar-limits-of-single-bottles",
        "Sets the X-bar limits at three standard deviations of a single bottle "
        "(3 R-bar/d2) instead of a subgroup mean (A2 R-bar = 3 R-bar/(d2 √5)), so the "
        "chart hides the subgroups that moved.",
        {
            "answer-chart": swap(
                ANSWER_CHART,
                "half = A2 * r_bar  # 3 sigma_within / sqrt(5): the spread of a subgroup mean",
                "half = 3 * r_bar / D2  # 3 sigma_within",
            )
        },
    ),
    Pitfall(
        "gauge-sd-subtracted",
        "Removes the gauge by subtracting its standard deviation from the overall one "
        "instead of subtracting variances.",
        {
            "answer-gauge": swap(
                ANSWER_GAUGE,
                'sigma_fill = float(np.sqrt(cap["sigma_overall"] ** 2 - SIGMA_GRR**2))'
                "  # variances subtract",
                'sigma_fill = float(cap["sigma_overall"] - SIGMA_GRR)',
            )
        },
    ),
    Pitfall(
        "out-of-control-cpk-reported",
        "Judges capability from Cpk whatever the control chart shows, so a process out of "
        "statistical control is reported capable (or not) as if Cpk predicted anything.",
        {
            "answer-verdict": swap(
                ANSWER_VERDICT,
                """    if chart["out_xbar"] or chart["out_r"]:
        return "not in control"
""",
                "",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Capability of the Riverbend filler's fill weights",
        competencies=["SM.IDQ.5"],
        minutes=60,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-array", TASK_ARRAY),
            code("answer-array", "answer", ANSWER_ARRAY),
            md("task-chart", TASK_CHART),
            code("answer-chart", "answer", ANSWER_CHART),
            code("plot-chart", "readonly", PLOT_CHART),
            md("task-indices", TASK_INDICES),
            code("answer-indices", "answer", ANSWER_INDICES),
            code("test-lesson", "test", TEST),
            md("task-normal", TASK_NORMAL),
            code("answer-normal", "answer", ANSWER_NORMAL),
            md("task-gauge", TASK_GAUGE),
            code("answer-gauge", "answer", ANSWER_GAUGE),
            md("task-verdict", TASK_VERDICT),
            code("answer-verdict", "answer", ANSWER_VERDICT),
            code("hidden-other-shifts", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

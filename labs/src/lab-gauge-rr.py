"""Writes labs/lab-gauge-rr.ipynb: a crossed gauge R&R study of the QC bench scale.

Run from the repository root:  .venv/bin/python labs/src/lab-gauge-rr.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-gauge-rr"


INTRO = r"""
# A gauge R&R study of the Riverbend QC scale

**Competency:** SM.IDQ.5 · about 60 minutes.

The QC bench scale weighs sample bottles against the fill tolerance of **500 ± 5 g** net.
Before its readings are used to accept product or to chart the filler, the quality engineer
wants to know how much of what it shows is the scale and the people using it. Technicians
A, B and C each weighed the same ten capped bottles, picked over a week from normal
production, two or three times, in a fresh random order each round and without seeing their
earlier readings. Each reading is the net fill in grams, to the scale's 0.1 g.

By the end of this lab you can:

1. arrange a crossed study as `y[bottle, operator, trial]` and check its ranges against
   $D_4\bar{\bar{R}}$;
2. compute EV, AV, GRR, PV and TV by the **average-and-range method**, %GRR of the total
   variation and of the tolerance, and the number of distinct categories;
3. compute the same study by **two-way ANOVA with interaction**: the F tests, the variance
   components and the same percentages;
4. name the dominant source of measurement variation and say whether the scale is fit for
   product acceptance and for SPC.

The lessons *A crossed gauge R&R study: the average-and-range method* and *Gauge R&R by
ANOVA* work one study through by hand and in code; their code is a good start. Your study
comes from your own seed (`SHOPFLOOR_SEED`): your scale, your technicians and your bottles
are not your neighbour's, and you may have two or three trials. The data are simulated for
teaching. Run the cells in order, write your code where it says `# YOUR CODE HERE` and delete
the `raise NotImplementedError()` line.
"""

SETUP = r"""
import numpy as np
import pandas as pd
from scipy import stats

from plcsim.gauges import TOLERANCE, gauge_study

study = pd.DataFrame(gauge_study(SHOPFLOOR_SEED))
LSL, USL = TOLERANCE  # g, net fill
OPERATORS = ["A", "B", "C"]

# The AIAG constants, by the size of the range they divide (lesson 2)
K1 = {2: 0.8862, 3: 0.5908}  # by the number of trials
K2 = {2: 0.7071, 3: 0.5231}  # by the number of operators
K3 = {10: 0.3146}            # by the number of parts
D4 = {2: 3.267, 3: 2.574}    # R chart upper limit factor, by the number of trials

print(f"{len(study)} readings: {study['bottle'].nunique()} bottles, "
      f"{study['operator'].nunique()} operators, {study['trial'].nunique()} trials")
study.head(12)
"""

TASK_CUBE = r"""
## 1. The study as an array

`study` lists the readings in the order they were taken (`run`), with the `trial` (round),
`operator`, `bottle` (1-10) and `reading_g`. Make `y`, a numpy array of floats with
`y[i, j, l]` the reading of bottle `i + 1` by operator `OPERATORS[j]` in trial `l + 1`, and
set `n, k, r = y.shape`.
"""

ANSWER_CUBE = r"""
# y[bottle, operator, trial] (floats); n, k, r = y.shape
### BEGIN SOLUTION
ordered = study.sort_values(["bottle", "operator", "trial"])
n, k, r = study["bottle"].nunique(), len(OPERATORS), study["trial"].nunique()
y = ordered["reading_g"].to_numpy(float).reshape(n, k, r)
### END SOLUTION
print(f"n = {n} bottles, k = {k} operators, r = {r} trials")
pd.DataFrame(y.reshape(n, k * r), index=range(1, n + 1),
             columns=[f"{o}{t}" for o in OPERATORS for t in range(1, r + 1)])
"""

TASK_AR = r"""
## 2. The average-and-range method

Write `average_range(y, tolerance)` for any crossed study `y[part, operator, trial]` of 10
parts, 2 or 3 operators and 2 or 3 trials, and a tolerance width `tolerance` (USL − LSL, in
g). It returns a dict with the keys

- `r_bar`: $\bar{\bar{R}}$, the mean of the operators' average ranges;
- `range_limit`: $D_4\bar{\bar{R}}$ for this number of trials;
- `ranges_over`: how many part-and-operator ranges are above the limit (an `int`);
- `ev`: $\bar{\bar{R}} K_1$;
- `av`: $\sqrt{(\bar{X}_{diff} K_2)^2 - EV^2/(n r)}$, or 0 if the root's argument is
  negative;
- `grr`, `pv`, `tv`: $\sqrt{EV^2 + AV^2}$, $R_p K_3$, $\sqrt{GRR^2 + PV^2}$;
- `pct_tv`, `pct_tol`: %GRR of the total variation, and of the tolerance (its sixth, see
  the lesson);
- `ndc`: the number of distinct categories, $1.41\,PV/GRR$ as the lesson gives it (an
  `int`).

Pick each constant from the dicts of the set-up cell by the size of what it divides. Set
`ar = average_range(y, USL - LSL)`. A range above the limit would send you back to the
bench to find out why before you trust anything else; note it if yours has one.
"""

ANSWER_AR = r"""
# average_range(y, tolerance) -> dict; ar
### BEGIN SOLUTION
def average_range(y, tolerance):
    n, k, r = y.shape
    ranges = y.max(axis=2) - y.min(axis=2)  # one range per part and operator
    r_bar = ranges.mean(axis=0).mean()  # mean of the operators' average ranges
    range_limit = D4[r] * r_bar
    x_diff = np.ptp(y.mean(axis=(0, 2)))  # largest minus smallest operator average
    r_p = np.ptp(y.mean(axis=(1, 2)))  # range of the part averages
    ev = r_bar * K1[r]
    av = np.sqrt(max((x_diff * K2[k]) ** 2 - ev**2 / (n * r), 0.0))
    grr = np.hypot(ev, av)
    pv = r_p * K3[n]
    tv = np.hypot(grr, pv)
    return {
        "r_bar": float(r_bar), "range_limit": float(range_limit),
        "ranges_over": int((ranges > range_limit).sum()),
        "ev": float(ev), "av": float(av), "grr": float(grr), "pv": float(pv), "tv": float(tv),
        "pct_tv": float(100 * grr / tv), "pct_tol": float(100 * grr / (tolerance / 6)),
        "ndc": int(np.floor(1.41 * pv / grr)),
    }


ar = average_range(y, USL - LSL)
### END SOLUTION
for key, value in ar.items():
    print(f"{key:12s} {value:8.3f}")
"""

TASK_ANOVA = r"""
## 3. Two-way ANOVA with interaction

Write `anova_gauge(y, tolerance)` for the same kind of study. Keep the interaction in the
model (no pooling), and return a dict with the keys

- `f_part`, `f_operator`, `f_interaction`: the F ratios of the random-effects model with
  interaction: parts and operators over the **interaction** mean square, the interaction
  over the repeatability mean square;
- `p_interaction`: the p value of the interaction's F test;
- `var`: a dict of the variance components in g², `repeatability`, `operator`,
  `interaction` and `part`, each estimate below 0 set to 0;
- `repeatability`, `reproducibility`, `grr`, `part`, `tv`: standard deviations in g,
  reproducibility from operator plus interaction, GRR from all three, TV from GRR and part;
- `pct_tv`, `pct_tol`, `ndc`: as in part 2, from these standard deviations.

Set `an = anova_gauge(y, USL - LSL)`.
"""

ANSWER_ANOVA = r"""
# anova_gauge(y, tolerance) -> dict; an
### BEGIN SOLUTION
def anova_gauge(y, tolerance):
    n, k, r = y.shape
    grand, cell = y.mean(), y.mean(axis=2)
    part, oper = y.mean(axis=(1, 2)), y.mean(axis=(0, 2))
    ms_part = k * r * ((part - grand) ** 2).sum() / (n - 1)
    ms_oper = n * r * ((oper - grand) ** 2).sum() / (k - 1)
    df_inter, df_rep = (n - 1) * (k - 1), n * k * (r - 1)
    ms_inter = r * ((cell - part[:, None] - oper[None, :] + grand) ** 2).sum() / df_inter
    ms_rep = ((y - cell[:, :, None]) ** 2).sum() / df_rep
    f_part, f_oper = ms_part / ms_inter, ms_oper / ms_inter  # random effects: over MS_PO
    f_inter = ms_inter / ms_rep
    var = {
        "repeatability": ms_rep,
        "operator": max((ms_oper - ms_inter) / (n * r), 0.0),
        "interaction": max((ms_inter - ms_rep) / r, 0.0),
        "part": max((ms_part - ms_inter) / (k * r), 0.0),
    }
    var = {name: float(v) for name, v in var.items()}
    var_grr = var["repeatability"] + var["operator"] + var["interaction"]
    var_total = var_grr + var["part"]
    grr, pv, tv = np.sqrt(var_grr), np.sqrt(var["part"]), np.sqrt(var_total)
    return {
        "f_part": float(f_part), "f_operator": float(f_oper), "f_interaction": float(f_inter),
        "p_interaction": float(stats.f.sf(f_inter, df_inter, df_rep)),
        "var": var,
        "repeatability": float(np.sqrt(var["repeatability"])),
        "reproducibility": float(np.sqrt(var["operator"] + var["interaction"])),
        "grr": float(grr), "part": float(pv), "tv": float(tv),
        "pct_tv": float(100 * grr / tv),  # a ratio of standard deviations
        "pct_tol": float(100 * grr / (tolerance / 6)),
        "ndc": int(np.floor(1.41 * pv / grr)),
    }


an = anova_gauge(y, USL - LSL)
### END SOLUTION
print(f"F: parts {an['f_part']:.1f}, operators {an['f_operator']:.2f}, "
      f"interaction {an['f_interaction']:.2f} (p = {an['p_interaction']:.3f})")
print(f"{'':16s}{'avg & range':>12s}{'ANOVA':>8s}")
for label, a, b in [("repeatability", ar["ev"], an["repeatability"]),
                    ("reproducibility", ar["av"], an["reproducibility"]),
                    ("gauge R&R", ar["grr"], an["grr"]), ("part", ar["pv"], an["part"]),
                    ("%GRR of TV", ar["pct_tv"], an["pct_tv"]),
                    ("%GRR of tol.", ar["pct_tol"], an["pct_tol"]),
                    ("ndc", ar["ndc"], an["ndc"])]:
    print(f"{label:16s}{a:12.3f}{b:8.3f}")
"""

TEST = r"""
# Self-check: run me. Your functions on the lessons' study (10 bottles x 3 x 3 trials).
LESSON = np.array([
    [[501.7, 501.7, 501.4], [501.7, 501.9, 502.1], [501.5, 501.7, 501.4]],
    [[498.9, 498.9, 498.5], [499.2, 499.1, 499.1], [498.6, 498.6, 498.9]],
    [[500.5, 500.0, 500.3], [500.4, 500.8, 500.7], [500.2, 500.2, 500.4]],
    [[503.2, 503.0, 503.2], [503.0, 503.1, 503.5], [502.9, 502.8, 502.6]],
    [[499.6, 499.7, 499.6], [500.4, 500.3, 500.0], [499.4, 499.7, 499.8]],
    [[501.0, 500.9, 501.2], [501.2, 501.1, 501.3], [500.9, 500.8, 500.6]],
    [[497.9, 497.9, 498.2], [498.3, 498.1, 498.5], [498.0, 497.7, 497.7]],
    [[501.5, 501.2, 501.0], [502.0, 501.4, 501.6], [501.1, 501.5, 501.3]],
    [[503.3, 503.2, 503.1], [503.9, 503.9, 503.7], [503.3, 503.5, 503.8]],
    [[499.1, 499.5, 499.0], [499.5, 499.5, 499.1], [499.0, 498.9, 499.1]],
])
assert y.shape == (10, 3, r) and r in (2, 3)
lesson_ar, lesson_an = average_range(LESSON, 10.0), anova_gauge(LESSON, 10.0)
assert np.allclose([lesson_ar[key] for key in ("ev", "av", "grr", "pv")],
                   [0.199, 0.215, 0.293, 1.727], atol=0.001), "lesson 2's EV, AV, GRR, PV"
assert lesson_ar["ranges_over"] == 0 and lesson_ar["ndc"] == 8
assert np.allclose([lesson_an["repeatability"], lesson_an["grr"], lesson_an["part"]],
                   [0.189, 0.291, 1.780], atol=0.001), "lesson 3's ANOVA"
assert set(an["var"]) == {"repeatability", "operator", "interaction", "part"}
print("Your functions reproduce the lessons' study.")
"""

TASK_DECIDE = r"""
## 4. What the study says

Use the **ANOVA** results (they use every reading and see an interaction):

1. `interaction_significant`: `True` if the interaction's p value is below 0.05.
2. `dominant`: `"repeatability"` if the repeatability variance is larger than the
   reproducibility variance (operator plus interaction), else `"reproducibility"`.
3. `acceptance`, the scale's fitness to accept or reject bottles against 500 ± 5 g, judged on
   %GRR of the tolerance: `"acceptable"` under 10 %, `"marginal"` from 10 to 30 %,
   `"unacceptable"` over 30 %.
4. `spc`, its fitness for charting the filler and for capability studies, judged on %GRR of
   the total variation in the same bands, except that an ndc below 5 makes it
   `"unacceptable"` whatever the percentage.
5. `recommendation`: a few sentences to the quality engineer: the two numbers you judged,
   what to improve (the scale and its setting, or the method and the technicians; if there
   is an interaction, which operator on which bottles, from the cell averages) and whether
   the two methods told the same story. The AIAG bands are guidance, not a law: say so
   where your verdict is "marginal".
"""

ANSWER_DECIDE = r"""
# interaction_significant (bool), dominant, acceptance, spc (str), recommendation (str)
### BEGIN SOLUTION
def band(percent):
    return "acceptable" if percent < 10 else "marginal" if percent <= 30 else "unacceptable"


interaction_significant = bool(an["p_interaction"] < 0.05)
repro_var = an["var"]["operator"] + an["var"]["interaction"]
dominant = "repeatability" if an["var"]["repeatability"] > repro_var else "reproducibility"
acceptance = band(an["pct_tol"])
spc = "unacceptable" if an["ndc"] < 5 else band(an["pct_tv"])

cells = pd.DataFrame(y.mean(axis=2), index=range(1, n + 1), columns=OPERATORS)
effects = cells.sub(cells.mean(axis=1), axis=0).sub(cells.mean(axis=0) - cells.values.mean())
worst = effects.abs().stack().idxmax()
fix = ("the scale and its setting (draughts, vibration, the pan, the stable sign): training "
       "will not help" if dominant == "repeatability"
       else "the method: how each technician zeroes, places and reads; tighten the procedure")
recommendation = (
    f"%GRR is {an['pct_tol']:.1f} % of the tolerance (product acceptance: {acceptance}) and "
    f"{an['pct_tv']:.1f} % of the total variation with ndc {an['ndc']} (SPC: {spc}), by ANOVA; "
    f"the average-and-range method gives {ar['pct_tol']:.1f} % and {ar['pct_tv']:.1f} %. "
    f"{dominant.capitalize()} dominates, so improve {fix}. "
    + (f"The interaction is significant (p = {an['p_interaction']:.3f}): operator {worst[1]} "
       f"reads bottle {worst[0]} {effects.loc[worst]:+.2f} g off; find out why before the "
       "next study. " if interaction_significant else "There is no sign of an interaction. ")
    + ("Marginal bands are guidance: weigh the importance of the use and the cost of "
       "improving." if "marginal" in (acceptance, spc) else "")
)
### END SOLUTION
print(recommendation)
"""

HIDDEN = r"""
from plcsim.gauges import gauge_study as __gauge_study

# Another technician team's 2-trial study (seed 8's), where two ANOVA estimates are negative
__other = pd.DataFrame(__gauge_study(8)).sort_values(["bottle", "operator", "trial"])
__other = __other["reading_g"].to_numpy(float).reshape(10, 3, 2)
__other_ar = average_range(__other, 10.0)
__other_ar = [round(float(__other_ar[key]), 5) for key in ("ev", "av", "grr", "pv", "tv")]
__other_an = anova_gauge(__other, 10.0)["var"]
__other_an = [round(float(__other_an[key]), 6)
              for key in ("repeatability", "operator", "interaction", "part")]
"""

WRAP = r"""
## Wrap-up

- **Two yardsticks, two uses.** % of the tolerance (with the tolerance's sixth, 6 σ) judges a
  gauge that accepts or rejects product; % of the total variation and ndc judge one that
  charts the process. One scale can pass one and fail the other.
- **Standard deviations, not variances.** The 10 and 30 % guidance is for ratios of standard
  deviations. % contribution (the share of variance) is the square of it and would make a
  poor gauge look good; the percentages do not add up to 100 either.
- **The constants follow the range.** K1 by the number of trials, K2 by the number of
  operators, K3 by the number of parts; and AV loses the share of the operators' differences
  that repeatability alone explains, EV²/(nr).
- **ANOVA sees what ranges cannot**: an operator who reads some bottles differently. With the
  interaction in the model, parts and operators are tested against it, not against
  repeatability, and a negative variance estimate means "about zero", not a negative spread.
- The numbers are estimates from 60 or 90 readings of ten bottles: a %GRR of 28 and one of
  32 are not different gauges. Report the method, the multiplier (6) and which total
  variation you used.
"""

CHECKS = [
    {
        "id": "study-array",
        "points": 1,
        "description": "the shape of y and the sum of its readings in each operator's column",
        "observe": "[list(y.shape), [round(float(v), 3) for v in y.sum(axis=(0, 2))]]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Sort by bottle, operator and trial, then reshape to (10, 3, trials).",
    },
    {
        "id": "range-check",
        "points": 2,
        "description": "R-double-bar, the D4 limit and the number of ranges above it",
        "observe": "[round(float(ar['r_bar']), 5), round(float(ar['range_limit']), 5), "
        "int(ar['ranges_over'])]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "One range per bottle and operator over the trials; D4 for ranges of r readings.",
    },
    {
        "id": "average-range",
        "points": 2,
        "description": "EV, AV, GRR, PV and TV by the average-and-range method, in g",
        "observe": "[round(float(ar[key]), 5) for key in ('ev', 'av', 'grr', 'pv', 'tv')]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "K1 by the number of trials, K2 by the number of operators, and subtract "
        "EV²/(n r) under AV's root.",
    },
    {
        "id": "average-range-percent",
        "points": 2,
        "description": "%GRR of the total variation and of the tolerance, and ndc "
        "(average and range)",
        "observe": "[round(float(ar['pct_tv']), 6), round(float(ar['pct_tol']), 6), "
        "round(float(ar['ndc']), 6)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The tolerance yardstick is (USL - LSL) / 6; ndc = 1.41 PV / GRR rounded down.",
    },
    {
        "id": "other-study",
        "points": 1,
        "visible": False,
        "description": "average_range() on another team's 2-trial study: EV, AV, GRR, PV, TV",
        "observe": "__other_ar",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Look the constants up by the study's own numbers of trials and operators.",
    },
    {
        "id": "anova-tests",
        "points": 2,
        "visible": False,
        "description": "the F ratios of parts, operators and interaction, and the "
        "interaction's p value",
        "observe": "[round(float(an[key]), 3) for key in ('f_part', 'f_operator', "
        "'f_interaction')] + [round(float(an['p_interaction']), 4)]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "With the interaction in the model, parts and operators are tested against "
        "the interaction mean square.",
    },
    {
        "id": "anova-components",
        "points": 2,
        "visible": False,
        "description": "repeatability, reproducibility, GRR and part standard deviations by "
        "ANOVA, in g",
        "observe": "[round(float(an[key]), 5) for key in ('repeatability', 'reproducibility', "
        "'grr', 'part')]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "sigma² repeat = MS_E; operator (MS_O - MS_PO)/(n r); interaction "
        "(MS_PO - MS_E)/r; part (MS_P - MS_PO)/(k r); negatives to 0.",
    },
    {
        "id": "anova-percent",
        "points": 1,
        "visible": False,
        "description": "%GRR of the total variation and of the tolerance, and ndc (ANOVA)",
        "observe": "[round(float(an['pct_tv']), 6), round(float(an['pct_tol']), 6), "
        "round(float(an['ndc']), 6)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Ratios of standard deviations, not of variances.",
    },
    {
        "id": "other-anova",
        "points": 1,
        "visible": False,
        "description": "anova_gauge() variance components on another team's study whose "
        "operator and interaction estimates come out below 0",
        "observe": "__other_an",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "A negative variance estimate is set to 0.",
    },
    {
        "id": "verdicts",
        "points": 2,
        "visible": False,
        "description": "interaction significant, dominant source, fitness for product "
        "acceptance and for SPC",
        "observe": "[bool(interaction_significant), str(dominant), str(acceptance), str(spc)]",
        "compare": "equal",
        "hint": "Judge acceptance on % of tolerance, SPC on % of total variation and ndc, "
        "both from ANOVA.",
    },
]

PITFALLS = [
    Pitfall(
        "av-without-correction",
        "Leaves the EV²/(nr) term out of AV, so the operators' differences that repeatability "
        "alone would cause are counted as reproducibility.",
        {
            "answer-average-range": swap(
                ANSWER_AR,
                "av = np.sqrt(max((x_diff * K2[k]) ** 2 - ev**2 / (n * r), 0.0))",
                "av = x_diff * K2[k]",
            )
        },
    ),
    Pitfall(
        "k1-from-the-lesson",
        "Uses the lesson's K1 for three trials (0.5908) whatever the number of trials.",
        {"answer-average-range": swap(ANSWER_AR, "ev = r_bar * K1[r]", "ev = r_bar * 0.5908")},
    ),
    Pitfall(
        "tolerance-not-sixth",
        "Divides GRR by the whole tolerance (USL - LSL) instead of its sixth for %GRR of "
        "tolerance.",
        {
            "answer-average-range": swap(
                ANSWER_AR,
                '"pct_tol": float(100 * grr / (tolerance / 6))',
                '"pct_tol": float(100 * grr / tolerance)',
            )
        },
    ),
    Pitfall(
        "ndc-not-rounded-down",
        "Reports ndc as 1.41 PV/GRR without rounding it down to a whole number.",
        {
            "answer-average-range": swap(
                ANSWER_AR,
                '"ndc": int(np.floor(1.41 * pv / grr))',
                '"ndc": float(1.41 * pv / grr)',
            )
        },
    ),
    Pitfall(
        "contribution-as-study-variation",
        "Takes %GRR as the share of the total variance (% contribution) and judges it "
        "against the 10/30 % guidance, which is for ratios of standard deviations.",
        {
            "answer-anova": swap(
                ANSWER_ANOVA,
                '"pct_tv": float(100 * grr / tv),  # a ratio of standard deviations',
                '"pct_tv": float(100 * var_grr / var_total),  # % contribution',
            )
        },
    ),
    Pitfall(
        "f-tests-against-error",
        "Tests parts and operators against the repeatability mean square while the "
        "interaction is kept in the model (the fixed-effects tests in a random-effects study).",
        {
            "answer-anova": swap(
                ANSWER_ANOVA,
                "f_part, f_oper = ms_part / ms_inter, ms_oper / ms_inter",
                "f_part, f_oper = ms_part / ms_rep, ms_oper / ms_rep",
            )
        },
    ),
    Pitfall(
        "negative-components-kept",
        "Keeps negative variance component estimates instead of setting them to 0.",
        {
            "answer-anova": swap(
                ANSWER_ANOVA,
                """        "operator": max((ms_oper - ms_inter) / (n * r), 0.0),
        "interaction": max((ms_inter - ms_rep) / r, 0.0),
        "part": max((ms_part - ms_inter) / (k * r), 0.0),""",
                """        "operator": (ms_oper - ms_inter) / (n * r),
        "interaction": (ms_inter - ms_rep) / r,
        "part": (ms_part - ms_inter) / (k * r),""",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="A gauge R&R study of the Riverbend QC scale",
        competencies=["SM.IDQ.5"],
        minutes=60,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-cube", TASK_CUBE),
            code("answer-cube", "answer", ANSWER_CUBE),
            md("task-average-range", TASK_AR),
            code("answer-average-range", "answer", ANSWER_AR),
            md("task-anova", TASK_ANOVA),
            code("answer-anova", "answer", ANSWER_ANOVA),
            code("test-lessons", "test", TEST),
            md("task-decide", TASK_DECIDE),
            code("answer-decide", "answer", ANSWER_DECIDE),
            code("hidden-other-study", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

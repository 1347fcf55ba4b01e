"""Writes labs/lab-weibull.ipynb: a Weibull analysis of a seeded CMMS export of gearmotors.

Run from the repository root:  .venv/bin/python labs/src/lab-weibull.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-weibull"


INTRO = r"""
# Weibull analysis of a CMMS export

**Competency:** SM.IDQ.7 *Analyse vibration and equipment reliability data* · about 75
minutes.

Riverbend's bottle and case conveyors on Lines 1, 2 and 3 are driven by identical
gearmotors. From 2018 every drive position was changed over to this gearmotor model, so each
unit's whole life is in the records. The reliability engineer exported the history of every
unit from the CMMS on 30 June 2026 and asks you one question: **do the output-shaft
bearings fail with age, so that replacing the gearmotors on a schedule would pay?**

The export `export` has one row per removal work order, and one row for each unit still in
service:

| Column | Meaning |
| --- | --- |
| `position` | conveyor drive position: Line 1 runs three shifts, Line 2 two, Line 3 one |
| `serial` | the gearmotor's serial number |
| `installed`, `removed` | the dates it was fitted and removed (`None`: still in service) |
| `meter_start_h`, `meter_end_h` | the **position's** run-hour meter, see below |
| `work_order`, `work_type` | the work order that removed it: `CM` corrective, `PM` planned |
| `failure_code` | `BRG-OUT` output-shaft bearing, `SEAL-OIL` output oil seal leak |
| `remarks` | what the technician wrote |

The PLC counts each drive position's running hours from the day its conveyor was
commissioned. `meter_start_h` is that meter when the unit was fitted, `meter_end_h` when it
was removed or, for a unit still in service, on the export date. An empty `failure_code`
means no failure was recorded.

By the end of this lab you can:

1. turn the export into one age per gearmotor, in running hours, and say for each whether it
   **failed by the mode under study** or is a **suspension**;
2. compute Johnson's **adjusted ranks** and Benard's **median ranks**;
3. fit β and η by **rank regression** (ln t on y, x on y) and by **maximum likelihood** with
   the suspensions, and show what leaving out the suspensions or mixing the two failure
   modes does to the answer;
4. compute the **B10 life** and the risk that a unit of a given age fails within the next
   4,000 running hours (about a year on two shifts);
5. recommend whether age-based replacement is worth considering.

The lesson *Reliability terms and Weibull analysis* shows every method on twelve gearmotors;
its code is a good start. The data are simulated for teaching, and your export comes from
your own seed (`SHOPFLOOR_SEED`): your fleet is not your neighbour's, and its bearings may
wear out or may fail young. Run the cells in order, write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from plcsim.reliability import gearmotor_export

export = pd.DataFrame(gearmotor_export(SHOPFLOOR_SEED))
MODE = "BRG-OUT"   # the failure mode under study: the output-shaft bearing
NEXT_H = 4000      # running hours in the next year, on two shifts

print(f"{len(export)} rows, {export['serial'].nunique()} gearmotors")
export
"""

TASK_LIVES = r"""
## 1. One age per gearmotor

Read the export before you compute: it holds the kinds of records the lesson warned about.
Make `lives`, a DataFrame with **one row per gearmotor**, sorted by age, with at least the
columns

- `serial`, `position` and `failure_code` from the export;
- `hours`: the running hours the gearmotor did (an `int`). The meter belongs to the
  position, not to the unit;
- `failed`: `True` if the unit failed by `MODE`, whatever the work order's type says, and
  `False` for every other unit, which is a **suspension** at its age;
- `running`: `True` for a unit still in service on the export date.

Check the remarks of the `PM` work orders, and whether any removal was booked twice.
"""

ANSWER_LIVES = r"""
# lives: one row per gearmotor with serial, position, failure_code, hours, failed, running
### BEGIN SOLUTION
lives = export.drop_duplicates("serial").copy()  # a follow-up work order repeats a removal
lives["hours"] = lives["meter_end_h"] - lives["meter_start_h"]  # the position's meter
lives["failed"] = lives["failure_code"] == MODE  # the code decides, not the work type
lives["running"] = lives["removed"].isna()
lives = lives.sort_values("hours").reset_index(drop=True)
### END SOLUTION
print(f"{len(lives)} gearmotors: {int(lives['failed'].sum())} failed by {MODE}, "
      f"{int((~lives['failed']).sum())} suspensions ({int(lives['running'].sum())} still running)")
lives[["serial", "position", "hours", "failure_code", "failed", "running"]]
"""

TASK_RANKS = r"""
## 2. Adjusted ranks and median ranks

Write a function `rank_table(hours, failed)` that takes the ages of **all** units (in any
order) and whether each failed, and returns a DataFrame with one row per failure, in age
order, and the columns `hours`, `adjusted_rank` and `median_rank`:

- sort the units by age; for each failure, the **reverse rank** is the number of units at or
  beyond its age, itself included;
- the **adjusted rank** is (reverse rank × previous adjusted rank + n + 1) / (reverse rank +
  1), where n counts every unit, failed or not, and the previous adjusted rank starts at 0;
- the **median rank** is Benard's (adjusted rank − 0.3) / (n + 0.4).

Make `ranks = rank_table(lives["hours"], lives["failed"])`. With no suspension the adjusted
ranks are just 1, 2, 3, …; each suspension pushes the ranks of the later failures up by a
share of a unit.
"""

ANSWER_RANKS = r"""
# rank_table(hours, failed) -> DataFrame(hours, adjusted_rank, median_rank); ranks
### BEGIN SOLUTION
def rank_table(hours, failed):
    hours = np.asarray(hours, dtype=float)
    failed = np.asarray(failed, dtype=bool)
    order = np.argsort(hours, kind="stable")
    n, adjusted, rows = len(hours), 0.0, []
    for i, (h, f) in enumerate(zip(hours[order], failed[order])):
        if f:
            reverse = n - i  # units at or beyond this age, this one included
            adjusted = (reverse * adjusted + n + 1) / (reverse + 1)
            rows.append((h, adjusted, (adjusted - 0.3) / (n + 0.4)))
    return pd.DataFrame(rows, columns=["hours", "adjusted_rank", "median_rank"])


ranks = rank_table(lives["hours"], lives["failed"])
### END SOLUTION
ranks.round({"adjusted_rank": 2, "median_rank": 3})
"""

TASK_FIT = r"""
## 3. Rank regression

On Weibull paper, $x = \ln t$ and $y = \ln[-\ln(1 - F)]$, and Weibull data lie on the line
$x = \ln\eta + y/\beta$. Write `rank_regression(hours, failed)` that returns `(beta, eta)`
(two floats, η in hours) from the median ranks of `rank_table`, fitting the line by least
squares with $\ln t$ regressed **on** $y$ (x on y), as the lesson does.

Make `beta_rr, eta_rr = rank_regression(lives["hours"], lives["failed"])`.
"""

ANSWER_FIT = r"""
# rank_regression(hours, failed) -> (beta, eta); beta_rr, eta_rr
### BEGIN SOLUTION
def rank_regression(hours, failed):
    table = rank_table(hours, failed)
    x = np.log(table["hours"])
    y = np.log(-np.log(1 - table["median_rank"]))
    slope, intercept = np.polyfit(y, x, 1)  # x on y: ln t = ln eta + y / beta
    beta, eta = 1 / slope, np.exp(intercept)
    return float(beta), float(eta)


beta_rr, eta_rr = rank_regression(lives["hours"], lives["failed"])
### END SOLUTION
print(f"rank regression: beta {beta_rr:.2f}, eta {eta_rr:,.0f} h")
"""

TASK_WHAT_IF = r"""
## 4. What if?

Two shortcuts are common. Fit each with your `rank_regression` and compare with part 3:

- `beta_nosusp, eta_nosusp`: the suspensions **left out**, only the units that failed by
  `MODE` (so n is the number of failures);
- `beta_mixed, eta_mixed`: the two failure modes **mixed**, every unit with any failure code
  counted as failed, the rest suspended.

Which way does η move when the survivors are forgotten, and why?
"""

ANSWER_WHAT_IF = r"""
# beta_nosusp, eta_nosusp (failures only); beta_mixed, eta_mixed (both modes as failures)
### BEGIN SOLUTION
failures = lives[lives["failed"]]
beta_nosusp, eta_nosusp = rank_regression(failures["hours"], failures["failed"])
beta_mixed, eta_mixed = rank_regression(lives["hours"], lives["failure_code"].notna())
### END SOLUTION
print(f"suspensions left out: beta {beta_nosusp:.2f}, eta {eta_nosusp:,.0f} h")
print(f"failure modes mixed:  beta {beta_mixed:.2f}, eta {eta_mixed:,.0f} h")
"""

TASK_MLE = r"""
## 5. Maximum likelihood

Maximum likelihood uses each suspension's exact age: a failure at $t$ adds the density
$f(t)$ to the likelihood, a suspension at $t$ adds the chance of surviving that long,
$R(t)$. SciPy fits it when it is told which ages are censored: build
`stats.CensoredData(uncensored=..., right=...)` from the failures' and the suspensions'
hours, and fit `stats.weibull_min` to it with `floc=0` (a two-parameter Weibull: without it
SciPy also fits a location). It returns `(shape, location, scale)`.

Set `beta_ml` and `eta_ml`. Does the maximum-likelihood fit tell the same story as the rank
regression?
"""

ANSWER_MLE = r"""
# beta_ml, eta_ml
### BEGIN SOLUTION
data = stats.CensoredData(
    uncensored=lives.loc[lives["failed"], "hours"].to_numpy(float),
    right=lives.loc[~lives["failed"], "hours"].to_numpy(float),
)
beta_ml, _, eta_ml = stats.weibull_min.fit(data, floc=0)
### END SOLUTION
print(f"maximum likelihood: beta {beta_ml:.2f}, eta {eta_ml:,.0f} h")
"""

TASK_RISK = r"""
## 6. B10 life and the risk at a given age

With the **rank-regression** fit (`beta_rr`, `eta_rr`):

1. Write `b10(beta, eta)`, the age by which 10 % are expected to have failed,
   $B_{10} = \eta\,(-\ln 0.9)^{1/\beta}$, and set `b10_rr`.
2. Write `risk_next(age, beta, eta)`: the probability that a unit which has run `age` hours
   without failing fails within the next `NEXT_H` hours, $1 - R(t + N)/R(t)$ with
   $R(t) = \exp[-(t/\eta)^\beta]$.
3. Set `oldest_running_h`, the age (`int`) of the oldest gearmotor still in service, and
   `risk_new = risk_next(0, beta_rr, eta_rr)` (a new unit from stores) and `risk_oldest`
   for the oldest one.

Is the old unit more or less likely than a new one to fail next year?
"""

ANSWER_RISK = r"""
# b10(beta, eta), b10_rr; risk_next(age, beta, eta); oldest_running_h, risk_new, risk_oldest
### BEGIN SOLUTION
def b10(beta, eta):
    return eta * (-np.log(0.9)) ** (1 / beta)


def risk_next(age, beta, eta):
    def survival(t):
        return np.exp(-((t / eta) ** beta))

    return 1 - survival(age + NEXT_H) / survival(age)  # given it survived to age


b10_rr = float(b10(beta_rr, eta_rr))
oldest_running_h = int(lives.loc[lives["running"], "hours"].max())
risk_new = float(risk_next(0, beta_rr, eta_rr))
risk_oldest = float(risk_next(oldest_running_h, beta_rr, eta_rr))
### END SOLUTION
print(f"B10 {b10_rr:,.0f} h (maximum likelihood: {b10(beta_ml, eta_ml):,.0f} h)")
print(f"risk of failing in the next {NEXT_H:,} h: new {risk_new:.1%}, "
      f"oldest running unit ({oldest_running_h:,} h) {risk_oldest:.1%}")
"""

TEST = r"""
# Self-check: run me. These asserts check the shape of your answers, not the values.
assert lives["serial"].is_unique, "one row per gearmotor"
assert lives["hours"].is_monotonic_increasing and (lives["hours"] > 0).all()
assert lives["failed"].dtype == bool and lives["running"].dtype == bool
demo = rank_table([300, 100, 200], [True, True, True])
assert demo["hours"].tolist() == [100, 200, 300], "one row per failure, in age order"
assert np.allclose(demo["adjusted_rank"], [1, 2, 3]), "no suspension: ranks 1, 2, 3"
assert np.allclose(demo["median_rank"], [0.7 / 3.4, 1.7 / 3.4, 2.7 / 3.4]), "Benard"
assert len(ranks) == lives["failed"].sum() and ranks["median_rank"].between(0, 1).all()
assert beta_rr > 0 and eta_rr > 0 and beta_ml > 0 and eta_ml > 0
assert b10_rr < eta_rr, "10 % fail before 63.2 % do"
assert 0 < risk_new < 1 and 0 < risk_oldest < 1
print("The shapes look right.")
"""

TASK_DECIDE = r"""
## 7. Plot and recommend

1. Draw the Weibull plot: the failures at their median ranks (hours on a log axis,
   $\ln[-\ln(1 - F)]$ upwards, labelled in percent), both fitted lines, and the suspensions
   marked along the time axis.
2. Set `replace_by_age` to `True` if the rank-regression β says the risk of a bearing failure
   **rises** with age (β > 1), so an age-based task (a replacement, or a condition check
   timed by age) can pay, and `False` if it does not.
3. Write your recommendation to the maintenance manager in `recommendation` (a few
   sentences): what β and B10 say, which fit you used and how far few failures can be
   trusted, and the task you propose: replace or inspect by age, monitor the condition, or
   find out what goes wrong at installation and start-up.
"""

ANSWER_DECIDE = r"""
# the Weibull plot; replace_by_age (bool); recommendation (str)
### BEGIN SOLUTION
fig, ax = plt.subplots(figsize=(9, 5.5))
ax.scatter(ranks["hours"], np.log(-np.log(1 - ranks["median_rank"])), zorder=3,
           label=f"failures by {MODE}, median ranks")
t = np.geomspace(lives["hours"].min() / 2, lives["hours"].max() * 2, 200)
for beta, eta, label in ((beta_rr, eta_rr, "rank regression"),
                         (beta_ml, eta_ml, "maximum likelihood")):
    ax.plot(t, beta * np.log(t / eta), label=f"{label}: beta {beta:.2f}, eta {eta:,.0f} h")
percent = np.array([1, 5, 10, 20, 40, 63.2, 90, 99])
ax.set_yticks(np.log(-np.log(1 - percent / 100)), [f"{p:g} %" for p in percent])
bottom = np.log(-np.log(1 - 0.005))
ax.set_ylim(bottom, np.log(-np.log(1 - 0.995)))
suspended = lives.loc[~lives["failed"], "hours"]
ax.plot(suspended, np.full(len(suspended), bottom), "^", color="0.5", clip_on=False,
        label="suspensions")
ax.axhline(np.log(-np.log(0.9)), color="0.6", ls=":", lw=1)
ax.axvline(b10_rr, color="0.6", ls=":", lw=1)
ax.set_xscale("log")
ax.set_xlabel("running hours")
ax.set_ylabel("failed (Weibull scale)")
ax.set_title("Conveyor gearmotors, output-shaft bearing")
ax.legend(loc="upper left", fontsize=8)
plt.show()

replace_by_age = bool(beta_rr > 1)
if replace_by_age:
    recommendation = (
        f"The bearings wear out (beta {beta_rr:.1f} by rank regression, {beta_ml:.1f} by "
        f"maximum likelihood): one unit in ten fails by about {b10_rr:,.0f} running hours, "
        f"and the oldest running unit has a {risk_oldest:.0%} chance of failing next year "
        f"against {risk_new:.0%} for a new one. An age-based task can pay: a vibration check "
        "timed by running hours, or a planned change before B10 where a failure costs much "
        f"more than the job. {int(lives['failed'].sum())} failures are few: beta is known "
        "to be above 1, not how steep."
    )
else:
    recommendation = (
        f"The bearings fail young (beta {beta_rr:.1f} by rank regression, {beta_ml:.1f} by "
        f"maximum likelihood): a new unit has a {risk_new:.0%} chance of failing in its first "
        f"year, the oldest running one {risk_oldest:.0%}. Replacing by age would add "
        "failures, because every new unit starts in the risky period. Look at installation "
        "and start-up instead (alignment, coupling, belt tension, the spare's storage), and "
        "run the gearmotors to failure or on condition meanwhile."
    )
### END SOLUTION
print(recommendation)
"""

HIDDEN = r"""
__quiz_ranks = rank_table([2600, 1000, 4000, 1500, 3100, 2000],
                          [True, True, True, False, False, True])
__quiz_ranks = [round(float(v), 5) for v in __quiz_ranks["adjusted_rank"]]
__lesson_fit = rank_regression(
    [13000, 8700, 27200, 11700, 8900, 21800, 11000, 17100, 13800, 24000, 15000, 18800],
    [False, True, False, True, False, False, True, True, True, True, False, True],
)
__lesson_fit = [round(float(__lesson_fit[0]), 5), round(float(__lesson_fit[1]) / 1000, 5)]
"""

WRAP = r"""
## Wrap-up

- **The records decide the numbers.** One removal booked twice, a position's meter read as
  a unit's age, or a seal leak counted as a bearing failure each changes β and η before any
  statistics start. The failure code decides whether a unit failed by the mode, not the work
  order's type: a failure found on a PM is a failure, a unit removed unfailed on a PM is a
  suspension.
- **Suspensions are information.** Leaving them out pretends the survivors never existed:
  η and B10 come out too short, and an age-based task would be set too early on every unit.
- **x on y, and say so.** Regressing y on x gives another β whenever the points do not lie
  exactly on a line; maximum likelihood gives a third. With ten or so failures they differ by
  more than their rounding, and none is exact: report the method with the number.
- **β decides the task.** Above 1 the risk climbs with age, so a task timed by running
  hours can pay; below 1 a new unit is the riskiest one, so replacing by age only adds
  failures, and the fix is in installation, start-up or the parts' quality.
- The data were simulated from a model with a known β and η. Ten failures recover β only
  roughly: enough to tell wear-out from infant mortality, not to set an interval to the week.
"""

CHECKS = [
    {
        "id": "lives",
        "points": 2,
        "description": "gearmotors, failures by the mode, their total hours, the suspensions' "
        "total hours, and the units still running (lives)",
        "observe": "[int(len(lives)), int(lives['failed'].sum()), "
        "int(lives.loc[lives['failed'], 'hours'].sum()), "
        "int(lives.loc[~lives['failed'], 'hours'].sum()), int(lives['running'].sum())]",
        "compare": "equal",
        "hint": "One row per serial; hours = meter_end_h - meter_start_h; failed only where "
        "failure_code is MODE; still running where removed is empty.",
    },
    {
        "id": "ranks",
        "points": 2,
        "description": "adjusted ranks and median ranks of your failures (ranks)",
        "observe": "[[round(float(v), 5) for v in ranks['adjusted_rank']], "
        "[round(float(v), 5) for v in ranks['median_rank']]]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "n counts every unit; the reverse rank of the i-th unit in age order (from 0) "
        "is n - i; Benard's median rank is (adjusted rank - 0.3) / (n + 0.4).",
    },
    {
        "id": "rank-table-function",
        "points": 1,
        "visible": False,
        "description": "rank_table() on six units with two suspensions, given out of order",
        "observe": "__quiz_ranks",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Sort the units by age inside the function, and count suspensions in n and in "
        "the reverse ranks.",
    },
    {
        "id": "rank-regression",
        "points": 2,
        "description": "beta and eta (in thousands of hours) by rank regression, x on y",
        "observe": "[round(float(beta_rr), 5), round(float(eta_rr) / 1000, 5)]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "Regress ln t on y = ln(-ln(1 - median rank)): np.polyfit(y, x, 1) gives "
        "1/beta as the slope and ln eta as the intercept.",
    },
    {
        "id": "lesson-fit",
        "points": 1,
        "visible": False,
        "description": "rank_regression() on the lesson's twelve gearmotors, given out of order",
        "observe": "__lesson_fit",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "The lesson's own data give beta 3.09 and eta 20,093 h.",
    },
    {
        "id": "what-if",
        "points": 1,
        "visible": False,
        "description": "beta and eta (thousands of hours) with the suspensions left out, and "
        "with both failure modes counted",
        "observe": "[round(float(v), 5) for v in (beta_nosusp, eta_nosusp / 1000, beta_mixed, "
        "eta_mixed / 1000)]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "Without suspensions, fit only the units that failed by MODE; mixed, count "
        "every unit with a failure code as failed.",
    },
    {
        "id": "maximum-likelihood",
        "points": 2,
        "visible": False,
        "description": "beta and ln eta by maximum likelihood with the suspensions",
        "observe": "[round(float(beta_ml), 4), round(float(np.log(eta_ml)), 4)]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "stats.weibull_min.fit(stats.CensoredData(uncensored=failed hours, "
        "right=suspended hours), floc=0) returns (beta, 0, eta).",
    },
    {
        "id": "b10",
        "points": 1,
        "description": "B10 life by rank regression, in hours (b10_rr)",
        "observe": "round(float(b10_rr), 2)",
        "compare": "close",
        "tolerance": 1.0,
        "hint": "B10 = eta * (-ln 0.9) ** (1 / beta).",
    },
    {
        "id": "risk",
        "points": 2,
        "visible": False,
        "description": "age of the oldest running unit, and the risk of failing in the next "
        "4,000 h for a new unit and for it",
        "observe": "[int(oldest_running_h), round(float(risk_new), 6), "
        "round(float(risk_oldest), 6)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The risk is conditional on having survived: 1 - R(t + 4000) / R(t).",
    },
    {
        "id": "decision",
        "points": 1,
        "visible": False,
        "description": "whether age-based replacement can pay (replace_by_age)",
        "observe": "bool(replace_by_age)",
        "compare": "equal",
        "hint": "Only a failure rate that rises with age (beta above 1) makes an age-based "
        "task worth considering.",
    },
]

PITFALLS = [
    Pitfall(
        "failure-modes-mixed",
        "Counts every unit with a failure code as a bearing failure, so the seal leaks "
        "(another failure mode, suspensions for this one) are mixed into the fit.",
        {
            "answer-lives": swap(
                ANSWER_LIVES,
                'lives["failed"] = lives["failure_code"] == MODE',
                'lives["failed"] = lives["failure_code"].notna()',
            )
        },
    ),
    Pitfall(
        "position-meter-as-age",
        "Takes the position's run-hour meter at the removal as the gearmotor's age, without "
        "subtracting the reading when the unit was fitted.",
        {
            "answer-lives": swap(
                ANSWER_LIVES,
                'lives["hours"] = lives["meter_end_h"] - lives["meter_start_h"]',
                'lives["hours"] = lives["meter_end_h"]',
            )
        },
    ),
    Pitfall(
        "suspensions-dropped",
        "Fits β and η to the failures alone, leaving out the units still running, removed "
        "unfailed or failed by the other mode.",
        {
            "answer-fit": swap(
                ANSWER_FIT,
                'beta_rr, eta_rr = rank_regression(lives["hours"], lives["failed"])',
                'failed_only = lives[lives["failed"]]\n'
                'beta_rr, eta_rr = rank_regression(failed_only["hours"], failed_only["failed"])',
            )
        },
    ),
    Pitfall(
        "failure-order-ranks",
        "Puts Benard's median rank on each failure's order among the failures, with n all "
        "units, instead of on Johnson's adjusted rank: the suspensions' place is ignored.",
        {
            "answer-ranks": swap(
                ANSWER_RANKS,
                "adjusted = (reverse * adjusted + n + 1) / (reverse + 1)",
                "adjusted = adjusted + 1  # the failure's order",
            )
        },
    ),
    Pitfall(
        "regression-y-on-x",
        "Regresses y on ln t (y on x) and reports its β and η as the lesson's rank "
        "regression (x on y).",
        {
            "answer-fit": swap(
                ANSWER_FIT,
                "slope, intercept = np.polyfit(y, x, 1)  # x on y: ln t = ln eta + y / beta\n"
                "    beta, eta = 1 / slope, np.exp(intercept)",
                "slope, intercept = np.polyfit(x, y, 1)  # y on x: y = beta ln t - beta ln eta\n"
                "    beta, eta = slope, np.exp(-intercept / slope)",
            )
        },
    ),
    Pitfall(
        "mle-without-suspensions",
        "Fits the maximum-likelihood Weibull to the failures only, without the suspensions' "
        "survival term.",
        {
            "answer-mle": swap(
                ANSWER_MLE,
                "beta_ml, _, eta_ml = stats.weibull_min.fit(data, floc=0)",
                'beta_ml, _, eta_ml = stats.weibull_min.fit(lives.loc[lives["failed"], "hours"], '
                "floc=0)",
            )
        },
    ),
    Pitfall(
        "b10-as-tenth-of-eta",
        "Reads B10 as 10 % of η instead of the age by which 10 % have failed.",
        {
            "answer-risk": swap(
                ANSWER_RISK,
                "return eta * (-np.log(0.9)) ** (1 / beta)",
                "return 0.1 * eta",
            )
        },
    ),
    Pitfall(
        "risk-not-conditional",
        "Takes the risk of failing next year at a given age as F(t + N) - F(t), without "
        "dividing by the chance of having survived to t.",
        {
            "answer-risk": swap(
                ANSWER_RISK,
                "return 1 - survival(age + NEXT_H) / survival(age)  # given it survived to age",
                "return survival(age) - survival(age + NEXT_H)",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Weibull analysis of a CMMS export",
        competencies=["SM.IDQ.7"],
        minutes=75,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-lives", TASK_LIVES),
            code("answer-lives", "answer", ANSWER_LIVES),
            md("task-ranks", TASK_RANKS),
            code("answer-ranks", "answer", ANSWER_RANKS),
            md("task-fit", TASK_FIT),
            code("answer-fit", "answer", ANSWER_FIT),
            md("task-what-if", TASK_WHAT_IF),
            code("answer-what-if", "answer", ANSWER_WHAT_IF),
            md("task-mle", TASK_MLE),
            code("answer-mle", "answer", ANSWER_MLE),
            md("task-risk", TASK_RISK),
            code("answer-risk", "answer", ANSWER_RISK),
            code("test-shapes", "test", TEST),
            md("task-decide", TASK_DECIDE),
            code("answer-decide", "answer", ANSWER_DECIDE),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

"""Writes labs/lab-root-cause-pareto.ipynb: Paretos, a hidden cause and a fix in a stop log.

Run from the repository root:  .venv/bin/python labs/src/lab-root-cause-pareto.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-root-cause-pareto"


INTRO = r"""
# Find the hidden cause in a stop log

**Competency:** SM.IDQ.6 · about 60 minutes.

The Line 1 filler's own stops (reasons 101-107) were logged over four weeks before a fix,
60 shifts of 480 minutes, and over the shifts after it. Each shift filled still or sparkling
product on bottles from supplier A or B; the exposure table gives the bottles each shift
filled of each product on each supplier's bottles. Somewhere in your log one stratum jams
faster than the rest. At the first shift of week 5 a fix aimed at it was fitted.

By the end of this lab you can:

1. build Pareto tables of the four weeks by count, minutes and cost, with the cost
   assumptions stated, and re-rank them at a second price of a minute;
2. find the stratum that raises the jam rate with **rates per 10,000 bottles**, summing jams
   and bottles before dividing, and check it within the strata of the other factors;
3. judge the fix from rates before and after, with the exact conditional test and a
   **control stratum**.

The lesson *Pareto by count, time and cost; stratifying; proving the fix* works the same
steps on one log; its code is a good start. Your log comes from your own seed
(`SHOPFLOOR_SEED`): your cause, and what happened after the fix, are not your neighbour's.
The data are simulated for teaching. Run the cells in order, write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import pandas as pd
from scipy.stats import binomtest

from plcsim.stop_log import stop_log

log = stop_log(SHOPFLOOR_SEED)
stops = pd.DataFrame(log["stops"])        # one row per stop, weeks 1-4 and after the fix
exposure = pd.DataFrame(log["exposure"])  # bottles per shift_no, product and supplier
MINUTE_VALUE = log["costs"]["minute_values"]  # dollars a lost minute: "sold out", "overtime"
DIRECT = log["costs"]["direct_per_stop"]      # dollars per stop, by reason code
FIX = log["fix"]                              # the fix's first shift_no and start
FACTORS = ["shift", "product", "supplier"]
JAM = 102

print(f"{len(stops)} stops in {exposure['shift_no'].nunique()} shifts; "
      f"fix from shift {FIX['shift_no']} ({FIX['start']}), {FIX['after_shifts']} shifts after it")
print("Minute values ($):", MINUTE_VALUE)
print("Direct cost per stop ($):", DIRECT)
stops.head()
"""

TASK_PARETO = r"""
## 1. One log, three Paretos

Use the four weeks before the fix (`shift_no` below `FIX["shift_no"]`). Make `pareto`, a
DataFrame indexed by reason `code` with the columns

- `reason`, `stops` (how many) and `minutes` (their sum);
- `direct`: the direct cost of those stops in dollars (`DIRECT` per stop);
- `cost_18` and `cost_4`: minutes at the "sold out" price (\$18 a minute) and at the
  "overtime" price (\$4 a minute), **each plus the direct cost**.

Then `rank_18` and `rank_4`: the reason codes in falling order of `cost_18` and of
`cost_4`. Write the two assumptions under any chart you would show: a cost Pareto without
its minute price and its direct costs answers nobody's question.
"""

ANSWER_PARETO = r"""
# pareto (index code; reason, stops, minutes, direct, cost_18, cost_4); rank_18, rank_4
### BEGIN SOLUTION
weeks_1_4 = stops[stops["shift_no"] < FIX["shift_no"]]
pareto = weeks_1_4.groupby("code").agg(
    reason=("reason", "first"), stops=("minutes", "size"), minutes=("minutes", "sum")
)
pareto["direct"] = pareto["stops"] * pareto.index.map(DIRECT)


def cost(price):
    return pareto["minutes"] * price + pareto["direct"]


pareto["cost_18"] = cost(MINUTE_VALUE["sold out"])
pareto["cost_4"] = cost(MINUTE_VALUE["overtime"])
rank_18 = list(pareto["cost_18"].sort_values(ascending=False).index)
rank_4 = list(pareto["cost_4"].sort_values(ascending=False).index)
### END SOLUTION
shares = pareto[["stops", "minutes", "cost_18", "cost_4"]] / pareto[
    ["stops", "minutes", "cost_18", "cost_4"]].sum() * 100
print("Shares of the four weeks' total, %:")
print(shares.round(1).assign(reason=pareto["reason"]).sort_values("cost_18", ascending=False))
print("by cost at $18:", rank_18, " at $4:", rank_4)
"""

TASK_RATES = r"""
## 2. Stratify the jams: rates, not counts

Make `cells`: the exposure rows of weeks 1-4 with a column `jams`, the number of jams
(code `JAM`) in that shift on that product and supplier (0 where there were none).

Write `rates(df, by)` as the lesson does: group by `by` (a column name or a list), **sum**
`jams` and `bottles`, and add `per_10k`, jams per 10,000 bottles. Set `one_way`, a dict
from each factor in `FACTORS` to the Series `rates(cells, factor)["per_10k"]`.
"""

ANSWER_RATES = r"""
# cells (exposure rows of weeks 1-4 plus jams); rates(df, by); one_way
### BEGIN SOLUTION
keys = ["shift_no", "shift", "product", "supplier"]
before = stops[(stops["shift_no"] < FIX["shift_no"]) & (stops["code"] == JAM)]
jams = before.groupby(keys).size().rename("jams").reset_index()
cells = exposure[exposure["shift_no"] < FIX["shift_no"]].merge(jams, on=keys, how="left")
cells["jams"] = cells["jams"].fillna(0).astype(int)


def rates(df, by):
    out = df.groupby(by)[["jams", "bottles"]].sum()
    out["per_10k"] = 10_000 * out["jams"] / out["bottles"]  # sum, then divide
    return out


one_way = {factor: rates(cells, factor)["per_10k"] for factor in FACTORS}
### END SOLUTION
print(f"{cells['jams'].sum()} jams in {cells['bottles'].sum():,} bottles")
for factor, table in one_way.items():
    print(factor, table.round(2).to_dict())
"""

TASK_CAUSE = r"""
Now find the cause and check it within strata:

- `within`: for each factor, the smallest, over every stratum of each **other** factor, of
  the factor's highest rate divided by its lowest rate within that stratum. A real cause
  keeps its gap in every stratum; a factor that only rides along with it does not.
- `cause_factor`: the factor with the largest `within`; `cause_stratum`: its stratum with
  the highest one-way rate.
- `cause_ratios`: a dict with a key `"<factor>=<stratum>"` for every stratum of every other
  factor, and as value the cause stratum's rate over the other stratum's rate of
  `cause_factor` within it.
- `confounder`: the other factor with the larger one-way spread (highest over lowest rate)
  if that spread is above 1.2, else `None`. It shows a gap one way and none within strata:
  name it in your report, so nobody goes after it.
"""

ANSWER_CAUSE = r"""
# within (dict), cause_factor, cause_stratum, cause_ratios (dict), confounder
### BEGIN SOLUTION
measure = "per_10k"  # rates, not counts


def spread(table):
    return table.max() / table.min()


within = {
    factor: min(
        spread(rates(cells[cells[other] == level], factor)[measure])
        for other in FACTORS if other != factor for level in cells[other].unique()
    )
    for factor in FACTORS
}
cause_factor = max(within, key=within.get)
cause_stratum = rates(cells, cause_factor)[measure].idxmax()

cause_ratios = {}
for other in FACTORS:
    if other == cause_factor:
        continue
    for level in sorted(cells[other].unique()):
        table = rates(cells[cells[other] == level], cause_factor)["per_10k"]
        cause_ratios[f"{other}={level}"] = float(
            table[cause_stratum] / table.drop(cause_stratum).iloc[0])

one_way_spread = {f: spread(one_way[f]) for f in FACTORS if f != cause_factor}
confounder = max(one_way_spread, key=one_way_spread.get)
confounder = confounder if one_way_spread[confounder] > 1.2 else None
### END SOLUTION
print("within:", {f: round(float(v), 2) for f, v in within.items()})
print(f"cause: {cause_factor} = {cause_stratum}; confounder: {confounder}")
print("ratios within strata:", {k: round(v, 2) for k, v in cause_ratios.items()})
other = confounder or next(f for f in FACTORS if f != cause_factor)
print(rates(cells, [cause_factor, other])["per_10k"].unstack().round(2))
"""

TASK_FIX = r"""
## 3. Did the fix work?

The fix targets your cause stratum; the other stratum of `cause_factor` is the control,
which the fix should not change. Write `totals(in_target, after)`: the jams and bottles
(two ints) of the target stratum (`in_target=True`) or the control, before the fix (weeks
1-4) or after it (`shift_no` from `FIX["shift_no"]` on).

Write `fix_test(before, after)` for two such pairs, as the lesson does: the one-sided
p value of `binomtest(jams_after, jams_before + jams_after, share, alternative="less")`,
where `share` is the after period's share of the bottles, and the 95 % interval of the
rate ratio from the exact interval of the share. Return a dict with `p`, `low`, `high` and
`ratio` (the rate after over the rate before). Set `target` and `control` to its results.

Then `effect`, the target's rate ratio over the control's (the change the fix can claim),
and `verdict`, decided in this order:

1. `"general change"` if the control's p is below 0.05: the control fell too, so the
   credit belongs to something else that changed in the same weeks;
2. `"works"` if the target's p is below 0.05;
3. `"no effect"` if the interval's lower end is above 0.5: even a halving is ruled out;
4. otherwise `"too little data"`: keep collecting, to the amount planned before the fix.
"""

ANSWER_FIX = r"""
# totals(in_target, after); fix_test(before, after) -> dict; target, control, effect, verdict
### BEGIN SOLUTION
def totals(in_target, after):
    def keep(df):
        return (((df["shift_no"] >= FIX["shift_no"]) == after)
                & ((df[cause_factor] == cause_stratum) == in_target))

    jams = stops[(stops["code"] == JAM) & keep(stops)]
    return len(jams), int(exposure.loc[keep(exposure), "bottles"].sum())


def fix_test(before, after):
    (jams_0, bottles_0), (jams_1, bottles_1) = before, after
    n, share = jams_0 + jams_1, bottles_1 / (bottles_0 + bottles_1)
    p = binomtest(jams_1, n, share, alternative="less").pvalue
    ci = binomtest(jams_1, n, share).proportion_ci(method="exact")
    low, high = (q / (1 - q) * bottles_0 / bottles_1 for q in (ci.low, ci.high))
    ratio = (jams_1 / bottles_1) / (jams_0 / bottles_0)
    return {"p": float(p), "low": float(low), "high": float(high), "ratio": float(ratio)}


target = fix_test(totals(True, False), totals(True, True))
control = fix_test(totals(False, False), totals(False, True))
effect = target["ratio"] / control["ratio"]  # against the control
general = control["p"] < 0.05  # the control fell too
if general:
    verdict = "general change"
elif target["p"] < 0.05:
    verdict = "works"
elif target["low"] > 0.5:
    verdict = "no effect"
else:
    verdict = "too little data"
### END SOLUTION
for name, result in (("target", target), ("control", control)):
    print(f"{name:8s} p = {result['p']:.3g}, rate ratio {result['ratio']:.2f} "
          f"(95 % {result['low']:.2f} to {result['high']:.2f})")
print(f"effect against the control {effect:.2f}: {verdict}")
"""

TEST = r"""
# Self-check: run me. Your functions on the lesson's numbers.
LESSON = pd.DataFrame({"product": ["still", "still", "sparkling", "sparkling"],
                       "supplier": ["A", "B", "A", "B"], "jams": [134, 111, 66, 99],
                       "bottles": [1_100_000, 420_000, 540_000, 370_000]})
assert rates(LESSON, ["product", "supplier"])["per_10k"].round(2).tolist() == [
    1.22, 2.68, 1.22, 2.64], "the lesson's two-way rates"
two_days = fix_test((210, 790_000), (12, 70_000))
assert abs(two_days["p"] - 0.080) < 0.001 and abs(two_days["high"] - 1.15) < 0.01
assert set(pareto.columns) >= {"stops", "minutes", "direct", "cost_18", "cost_4"}
assert cause_factor in FACTORS and verdict in (
    "works", "no effect", "general change", "too little data")
print("Your functions reproduce the lesson's numbers.")
"""

WRAP = r"""
## Wrap-up

- **Three Paretos, three questions.** Count is how often someone intervenes, minutes are
  lost capacity, cost adds parts and scrap. The cost ranking rests on the minute price and
  the direct costs: state them, and show what a second price does to the ranking.
- **Rates, not counts.** The stratum with the raised rate ran fewer bottles, so it had
  fewer jams than its neighbour: counts pointed the other way. Sum events and exposure,
  then divide; an average of per-shift rates weights a short run like a long one.
- **Check within strata.** A factor that runs more often with the cause shows a gap one way
  and none within the cause's strata.
- **A fix is judged against a control.** If the control stratum fell too, the fix cannot
  claim the fall; if the interval still includes a halving and no change, the answer is
  "not yet", not "failed". Also check that the stops did not move to another reason, such
  as "Guard door opened", and keep a u chart of jams per 10,000 bottles running.
- Stratification points; it does not prove. Reproduce the cause (a run of the suspect
  bottles alone) before the fix, as lesson 1's tests of a cause ask.
"""

CHECKS = [
    {
        "id": "pareto-count-minutes",
        "points": 2,
        "description": "stops and minutes of each reason code over weeks 1-4",
        "observe": "[[int(c), int(pareto.loc[c, 'stops']), round(float(pareto.loc[c, 'minutes']), "
        "1)] for c in sorted(pareto.index)]",
        "compare": "close",
        "tolerance": 0.05,
        "hint": "Keep the shifts before FIX['shift_no']; group by code, count and sum minutes.",
    },
    {
        "id": "pareto-cost",
        "points": 2,
        "visible": False,
        "description": "cost of each reason code at 18 and at 4 dollars a minute, in dollars",
        "observe": "[round(float(pareto.loc[c, k]), 2) for k in ('cost_18', 'cost_4') "
        "for c in sorted(pareto.index)]",
        "compare": "close",
        "tolerance": 0.05,
        "hint": "Cost is minutes times the minute price plus the direct cost of the stops.",
    },
    {
        "id": "re-rank",
        "points": 1,
        "visible": False,
        "description": "the reason codes by cost at 18 and at 4 dollars a minute",
        "observe": "[[int(c) for c in rank_18], [int(c) for c in rank_4]]",
        "compare": "equal",
        "hint": "Sort each cost column from the largest down.",
    },
    {
        "id": "one-way-rates",
        "points": 2,
        "description": "jams per 10,000 bottles by shift, product and supplier (weeks 1-4)",
        "observe": "[[round(float(v), 4) for v in one_way[f].sort_index()] for f in FACTORS]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "Sum the jams and the bottles of each stratum, then divide.",
    },
    {
        "id": "cause",
        "points": 2,
        "visible": False,
        "description": "the factor and stratum of the hidden cause",
        "observe": "[str(cause_factor), str(cause_stratum)]",
        "compare": "equal",
        "hint": "Compare rates, not counts: a small stratum can have fewer jams at a higher rate.",
    },
    {
        "id": "cause-within-strata",
        "points": 2,
        "visible": False,
        "description": "the cause stratum's rate over the other's within each stratum of the "
        "other factors",
        "observe": "[round(float(cause_ratios[k]), 4) for k in sorted(cause_ratios)]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "Within each stratum, rate of the cause stratum over the rate of the other one.",
    },
    {
        "id": "confounder",
        "points": 1,
        "visible": False,
        "description": "the factor confounded with the cause, or None",
        "observe": "str(confounder)",
        "compare": "equal",
        "hint": "A one-way spread above 1.2 that the within-strata check does not confirm.",
    },
    {
        "id": "fix-totals",
        "points": 1,
        "description": "jams and bottles of the target and the control, before and after the fix",
        "observe": "[list(map(int, totals(t, a))) for t in (True, False) for a in (False, True)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "Weeks 1-4 before, shift_no from FIX['shift_no'] on after; jams are code 102.",
    },
    {
        "id": "fix-tests",
        "points": 2,
        "visible": False,
        "description": "p, interval and rate ratio of the target and of the control",
        "observe": "[round(float(r[k]), 4) for r in (target, control) "
        "for k in ('p', 'low', 'high', 'ratio')]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "binomtest(jams after, all jams, after's share of bottles, alternative='less').",
    },
    {
        "id": "effect",
        "points": 1,
        "visible": False,
        "description": "the target's rate ratio over the control's",
        "observe": "round(float(effect), 4)",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "The fix can claim only the change beyond the control's.",
    },
    {
        "id": "verdict",
        "points": 2,
        "visible": False,
        "description": "did the fix work?",
        "observe": "str(verdict)",
        "compare": "equal",
        "hint": "Look at the control first, then the target's p, then its interval.",
    },
]

PITFALLS = [
    Pitfall(
        "counts-not-rates",
        "Compares jam counts between strata instead of jams per 10,000 bottles, so a "
        "stratum that ran fewer bottles at a higher rate looks harmless.",
        {"answer-cause": swap(ANSWER_CAUSE, 'measure = "per_10k"', 'measure = "jams"')},
    ),
    Pitfall(
        "rates-averaged",
        "Averages per-shift rates within a stratum instead of summing jams and bottles and "
        "then dividing, weighting a short run like a long one.",
        {
            "answer-rates": swap(
                ANSWER_RATES,
                'out["per_10k"] = 10_000 * out["jams"] / out["bottles"]  # sum, then divide',
                'out["per_10k"] = df.assign(r=10_000 * df["jams"] / df["bottles"])'
                '.groupby(by)["r"].mean()',
            )
        },
    ),
    Pitfall(
        "cost-minutes-only",
        "Builds the cost Pareto from minutes times the minute price only, leaving out the "
        "direct costs (the spare drive, technician hours, scrap).",
        {
            "answer-pareto": swap(
                ANSWER_PARETO,
                'return pareto["minutes"] * price + pareto["direct"]',
                'return pareto["minutes"] * price',
            )
        },
    ),
    Pitfall(
        "control-ignored",
        "Judges the fix on the target stratum alone: the control stratum's change is "
        "neither looked at nor taken out of the effect.",
        {
            "answer-fix": swap(
                swap(
                    ANSWER_FIX,
                    'effect = target["ratio"] / control["ratio"]  # against the control',
                    'effect = target["ratio"]',
                ),
                'general = control["p"] < 0.05  # the control fell too',
                "general = False",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Find the hidden cause in a stop log",
        competencies=["SM.IDQ.6"],
        minutes=60,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-pareto", TASK_PARETO),
            code("answer-pareto", "answer", ANSWER_PARETO),
            md("task-rates", TASK_RATES),
            code("answer-rates", "answer", ANSWER_RATES),
            md("task-cause", TASK_CAUSE),
            code("answer-cause", "answer", ANSWER_CAUSE),
            md("task-fix", TASK_FIX),
            code("answer-fix", "answer", ANSWER_FIX),
            code("test-lesson", "test", TEST),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

"""Writes labs/lab-failure-prediction.ipynb: a failure model on a gearmotor fleet, judged honestly.

Run from the repository root:  .venv/bin/python labs/src/lab-failure-prediction.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-failure-prediction"


INTRO = r"""
# Failure prediction on a gearmotor fleet

**Competency:** SM.IDQ.8 · about 75 minutes.

Every Monday at 06:00 Riverbend's maintenance planner sends a technician to the conveyor
gearmotors on a list. You build that list and judge it as the module *Models on plant data*
does: 48 gearmotors (GM-01 to GM-24 on Line 1, GM-25 to GM-48 on Line 2), one row per motor
per running day from 6 January 2025 to 30 October 2026, and the CMMS work orders
(lubrication PMs `PM`, bearing failures `CM`). A false alert costs **\$100**, a missed
failure **\$3,000**; the label is a bearing failure within **28 days** of the Monday.

By the end of this lab you can:

1. build motor-week features and the 28-day label with only what was known at Monday
   06:00, and find the columns of the data team's export that leak;
2. split by time with a 4-week gap and count the failures in each set;
3. compare never alert, two threshold rules, a logistic regression and a depth-3 tree at a
   threshold chosen on the validation months from the costs, counting failures caught
   **per failure**, and judge a forecast in mm/s;
4. run the drift check on the live weeks of October 2026, find the line that moved, and
   re-baseline it.

The lessons' code (lessons 1-3 of the module) is a good start: the tables below have the
columns of lesson 1's `simulate_gearmotors`. Your fleet comes from your own seed
(`SHOPFLOOR_SEED`): its failures, and what happened in October, are not your neighbour's.
The data are simulated for teaching, with a failure rate set high on purpose. Run the cells
in order, write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import confusion_matrix, mean_absolute_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from plcsim.gearmotors import gearmotor_export



def frame(table):
    # a DataFrame of one of the export's tables, dates as pandas timestamps (ns)
    df = pd.DataFrame(table)
    for column in df.columns[df.dtypes.map(pd.api.types.is_datetime64_any_dtype)]:
        df[column] = df[column].astype("datetime64[ns]")
    return df


export = gearmotor_export(SHOPFLOOR_SEED)
daily = frame(export["daily"])              # historian extract, one row a motor-day
work_orders = frame(export["work_orders"])  # motor, date, type: PM or CM
monthly_report = frame(export["monthly_report"])  # failures per motor and month
asset_register = frame(export["asset_register"])  # exported 30 October 2026
FALSE_ALERT, MISSED = 100, 3000  # USD: an inspection that finds nothing; a failure missed

print(f"{len(daily):,} motor-days, {daily['motor'].nunique()} motors, "
      f"{daily['date'].min():%d %b %Y} to {daily['date'].max():%d %b %Y}; "
      f"{(work_orders['type'] == 'CM').sum()} bearing failures")
daily.head()
"""

TASK_WEEKS = r"""
## 1. Motor-weeks and the label

Write `motor_weeks(daily, work_orders, restarts=None)` returning the lesson-1 table, one row
per motor and Monday, with the columns `motor`, `fitted`, `monday`, `vib_base`, `vib_mean`,
`vib_ratio`, `vib_change`, `temp_excess`, `days_since_lube`, `next_failure` and `fail_28d`:

- a bearing's baseline is the median of its first 10 running days; a new bearing starts
  after each failure (`CM`), and also after each event in `restarts` (a DataFrame with
  `motor` and `date`, or `None`; you need it in part 4);
- features from the week (Monday to Friday) **before** the Monday; days since the last work
  order of any kind strictly before the Monday;
- `fail_28d`: 1 if the next bearing failure on or after the week's start is less than 28
  days after the Monday; a motor whose bearing failed **during** the week is under repair on
  Monday, so that week is **not a row**;
- keep only rows after the bearing's baseline is complete and with a week before it.

Then set `weeks = motor_weeks(daily, work_orders)`.
"""

ANSWER_WEEKS = r"""
# motor_weeks(daily, work_orders, restarts=None) -> DataFrame; weeks
### BEGIN SOLUTION
def motor_weeks(daily, work_orders, restarts=None):
    failures = work_orders.loc[work_orders["type"] == "CM", ["motor", "date"]]
    failures = failures.sort_values("date")
    starts = failures
    if restarts is not None:  # other baseline restarts, such as a sensor change
        starts = pd.concat([failures, restarts[["motor", "date"]]])
    d = daily.sort_values("date").copy()
    d["temp_rise"] = d["bearing_c"] - d["ambient_c"]
    d = pd.merge_asof(d, starts.sort_values("date").rename(columns={"date": "fitted"}),
                      left_on="date", right_on="fitted", by="motor", allow_exact_matches=False)
    d["fitted"] = d["fitted"].fillna(pd.Timestamp("2025-01-01"))
    d["week"] = d["date"] - pd.to_timedelta(d["date"].dt.dayofweek, unit="D")
    d = d.sort_values(["motor", "date"])
    base = (d.groupby(["motor", "fitted"]).head(10).groupby(["motor", "fitted"])
            .agg(vib_base=("vib_mm_s", "median"), temp_base=("temp_rise", "median"),
                 base_until=("date", "max")))
    w = (d.groupby(["motor", "fitted", "week"])
         .agg(vib_mean=("vib_mm_s", "mean"), temp_rise=("temp_rise", "mean"))
         .reset_index().join(base, on=["motor", "fitted"]))
    w["vib_ratio"] = w["vib_mean"] / w["vib_base"]
    w["vib_change"] = w.groupby(["motor", "fitted"])["vib_mean"].diff()
    w["temp_excess"] = w["temp_rise"] - w["temp_base"]
    w["monday"] = w["week"] + pd.Timedelta(days=7)
    w = w.sort_values("monday")
    greased = work_orders[["motor", "date"]].rename(columns={"date": "greased"})
    w = pd.merge_asof(w, greased.sort_values("greased"), left_on="monday",
                      right_on="greased", by="motor", allow_exact_matches=False)
    w["days_since_lube"] = (w["monday"] - w["greased"]).dt.days
    w = pd.merge_asof(w, failures.rename(columns={"date": "next_failure"}),
                      left_on="week", right_on="next_failure", by="motor",
                      direction="forward")
    w = w[~(w["next_failure"] < w["monday"])]  # failed that week: under repair on Monday
    w["fail_28d"] = ((w["next_failure"] - w["monday"]).dt.days < 28).astype(int)
    w = w[(w["monday"] > w["base_until"]) & w["vib_change"].notna()]
    return w.reset_index(drop=True)


weeks = motor_weeks(daily, work_orders)
### END SOLUTION
n_failures = int((work_orders["type"] == "CM").sum())
print(f"{len(weeks):,} motor-weeks, {weeks['fail_28d'].sum()} within 28 days of a failure, "
      f"{n_failures} failures")
weeks.head()
"""

EXPORT_COLUMNS = r"""
# The data team's export adds three more columns to each motor-week. Read how each is built.
def add_export_columns(weeks):
    w = weeks.copy()
    # the monthly maintenance report, joined by the Monday's calendar month
    report = monthly_report.set_index(["motor", "month"])["bearing_failures"]
    key = pd.MultiIndex.from_arrays([w["motor"], w["monday"].dt.strftime("%Y-%m")])
    w["month_failures"] = report.reindex(key).fillna(0).to_numpy()
    # the asset register as exported on 30 October 2026: repairs to date
    w = w.merge(asset_register[["motor", "repairs_to_date"]], on="motor", how="left")
    # the historian's 7-day rolling mean (centred) on the last running day before Monday
    smooth = daily[["motor", "date", "vib_7d_mm_s"]].sort_values("date")
    w = pd.merge_asof(w.sort_values("monday"), smooth, left_on="monday", right_on="date",
                      by="motor", allow_exact_matches=False).drop(columns="date")
    w["vib_7d_ratio"] = w["vib_7d_mm_s"] / w["vib_base"]
    return w.drop(columns="vib_7d_mm_s").sort_values(["monday", "motor"]).reset_index(drop=True)


weeks = add_export_columns(weeks)
CANDIDATES = ["vib_ratio", "vib_change", "temp_excess", "days_since_lube",
              "month_failures", "repairs_to_date", "vib_7d_ratio"]
weeks[["motor", "monday", *CANDIDATES, "fail_28d"]].tail()
"""

TASK_AUDIT = r"""
## 2. The column audit and the split

For each column in `CANDIDATES` ask when it becomes known, as lesson 2's table does. Set
`LEAKY`, the set of candidate columns that are **not** known at Monday 06:00, and
`FEATURES`, the others in the order of `CANDIDATES`.
"""

ANSWER_AUDIT = r"""
# LEAKY (set), FEATURES (list)
### BEGIN SOLUTION
LEAKY = {"month_failures", "repairs_to_date", "vib_7d_ratio"}
### END SOLUTION
FEATURES = [c for c in CANDIDATES if c not in LEAKY]
print("features:", FEATURES)
"""

TASK_SPLIT = r"""
Add a column `period` to `weeks`: `"train"` for Mondays up to 1 September 2025,
`"valid"` from 6 October 2025 to 2 March 2026, `"test"` from 6 April to 28 September 2026,
`"live"` from 5 October 2026, and `"gap"` for the rest. Then `split`: a DataFrame indexed by
`"train"`, `"valid"`, `"test"` with the columns `motor_weeks`, `positive` (label 1) and
`failures` (distinct failures with a labelled week in the set).
"""

ANSWER_SPLIT = r"""
# weeks["period"]; split (index train, valid, test; motor_weeks, positive, failures)
### BEGIN SOLUTION
monday = weeks["monday"]
VALID, TEST = ("2025-10-06", "2026-03-02"), ("2026-04-06", "2026-09-28")
weeks["period"] = np.select(
    [monday <= "2025-09-01", monday.between(*VALID), monday.between(*TEST),
     monday >= "2026-10-05"],
    ["train", "valid", "test", "live"], default="gap")
ahead = weeks[weeks["fail_28d"] == 1].drop_duplicates(["period", "motor", "next_failure"])
split = weeks.groupby("period").agg(motor_weeks=("fail_28d", "size"),
                                    positive=("fail_28d", "sum"))
split["failures"] = ahead.groupby("period").size()
split = split.loc[["train", "valid", "test"]]
### END SOLUTION
train, valid, test = (weeks[weeks["period"] == p] for p in ("train", "valid", "test"))
split
"""

TASK_BASELINES = r"""
## 3. Baselines, models and the threshold

Write `judge(rows, alert)` as lesson 3 does, returning a dict with `alerts`, `false` (alerts
on weeks with label 0), `caught` and `failures` (failures with at least one alert among their
labelled weeks, and all failures with a labelled week in `rows`), `recall` (**per failure**,
caught / failures) and `cost` (\$100 a false alert, \$3,000 a missed failure). Then
`results`, a dict of those dicts on the **test** weeks for `"never alert"`, `"2x baseline"`
(`vib_ratio > 2`) and `"two signals"` (`vib_ratio > 2` or `temp_excess > 3`).
"""

ANSWER_BASELINES = r"""
# judge(rows, alert) -> dict; results (dict of dicts)
### BEGIN SOLUTION
def judge(rows, alert):
    alert = pd.Series(np.asarray(alert, bool), index=rows.index)
    false = int((alert & (rows["fail_28d"] == 0)).sum())
    ahead = rows[rows["fail_28d"] == 1]
    failures = len(ahead.groupby(["motor", "next_failure"]))
    caught = len(ahead[alert[ahead.index]].groupby(["motor", "next_failure"]))
    return {"alerts": int(alert.sum()), "false": false, "caught": caught,
            "failures": failures, "recall": round(caught / failures, 4),
            "cost": FALSE_ALERT * false + MISSED * (failures - caught)}


results = {"never alert": judge(test, np.zeros(len(test), bool)),
           "2x baseline": judge(test, test["vib_ratio"] > 2),
           "two signals": judge(test, (test["vib_ratio"] > 2) | (test["temp_excess"] > 3))}
### END SOLUTION
pd.DataFrame(results).T
"""

TASK_MODELS = r"""
Fit `models["logistic regression"]` (a `StandardScaler` and a `LogisticRegression` in a
pipeline) and `models["decision tree"]` (`max_depth=3, min_samples_leaf=20,
random_state=0`) on the training weeks with `FEATURES`. For each, choose the threshold on the
**validation** weeks: the lowest score (among the model's distinct validation scores) with the
lowest validation cost. Set `thresholds` (model name → threshold), `flat`: the lowest and the
highest logistic-regression threshold with that lowest validation cost (the flat bottom of
the cost curve), and add each model's test result to `results` under its name. Finally
`tp, fp, fn, tn`: the logistic regression's confusion matrix on the test motor-weeks.
"""

ANSWER_MODELS = r"""
# models, thresholds, flat (low, high); results[name] for both models; tp, fp, fn, tn
### BEGIN SOLUTION
def costs(rows, score):
    # the cost on rows of alerting at score >= t, for each distinct score t
    score = pd.Series(np.asarray(score, float), index=rows.index)
    label = rows["fail_28d"] == 1
    negative = np.sort(score[~label].to_numpy())
    best = np.sort(score[label].groupby([rows.loc[label, "motor"],
                                         rows.loc[label, "next_failure"]]).max().to_numpy())
    t = np.unique(score)
    false = len(negative) - np.searchsorted(negative, t)  # scores at or above t
    caught = len(best) - np.searchsorted(best, t)  # failures with a week at or above t
    return pd.Series(FALSE_ALERT * false + MISSED * (len(best) - caught), index=t)


def cheapest(rows, score):
    return costs(rows, score).idxmin()  # the lowest threshold if tied


models = {"logistic regression": make_pipeline(StandardScaler(), LogisticRegression()),
          "decision tree": DecisionTreeClassifier(max_depth=3, min_samples_leaf=20,
                                                  random_state=0)}
thresholds = {}
for name, model in models.items():
    model.fit(train[FEATURES], train["fail_28d"])
    score_valid = model.predict_proba(valid[FEATURES])[:, 1]
    thresholds[name] = float(cheapest(valid, score_valid))
    results[name] = judge(test, model.predict_proba(test[FEATURES])[:, 1] >= thresholds[name])

score_valid = models["logistic regression"].predict_proba(valid[FEATURES])[:, 1]
curve = costs(valid, score_valid)
bottom = curve.index[curve == curve.min()]
flat = (float(bottom.min()), float(bottom.max()))
alert = (models["logistic regression"].predict_proba(test[FEATURES])[:, 1]
         >= thresholds["logistic regression"])
tn, fp, fn, tp = (int(v) for v in confusion_matrix(test["fail_28d"], alert).ravel())
### END SOLUTION
print("thresholds:", {k: round(v, 3) for k, v in thresholds.items()},
      f"flat validation cost from {flat[0]:.3f} to {flat[1]:.3f}")
print(f"logistic regression, test motor-weeks: TP {tp}, FP {fp}, FN {fn}, TN {tn}")
pd.DataFrame(results).T
"""

TASK_FORECAST = r"""
A number instead of a yes or no: next week's mean vibration of the same bearing. Pair each
week with the next Monday's `vib_mean` of the same `motor` and `fitted` (`vib_next`), fit a
`LinearRegression` of `vib_next` on `vib_mean` and `vib_change` on the training pairs, and
set `mae`, a dict with the mean absolute errors in mm/s on the test pairs:
`"persistence all"`, `"regression all"`, `"persistence last 4"`, `"regression last 4"`
(the last four: pairs with `fail_28d == 1`).
"""

ANSWER_FORECAST = r"""
# mae: dict of four mean absolute errors, mm/s
### BEGIN SOLUTION
later = weeks[["motor", "fitted", "monday", "vib_mean"]].rename(columns={"vib_mean": "vib_next"})
later["monday"] -= pd.Timedelta(days=7)
pairs = weeks.merge(later, on=["motor", "fitted", "monday"])
fit, check = (pairs[pairs["period"] == p] for p in ("train", "test"))
inputs = ["vib_mean", "vib_change"]
regression = LinearRegression().fit(fit[inputs], fit["vib_next"])
mae = {}
for name, rows in {"all": check, "last 4": check[check["fail_28d"] == 1]}.items():
    mae[f"persistence {name}"] = mean_absolute_error(rows["vib_next"], rows["vib_mean"])
    mae[f"regression {name}"] = mean_absolute_error(rows["vib_next"],
                                                    regression.predict(rows[inputs]))
### END SOLUTION
{k: round(float(v), 3) for k, v in mae.items()}
"""

TASK_DRIFT = r"""
## 4. Before anyone acts: the drift check

The logistic regression now scores every Monday from 5 October 2026. Add `alert` (its score
at or above its threshold) and `line` (`"Line 1"` for GM-01 to GM-24) to `weeks`. Compare
the Mondays from 19 October 2026 on with the training and validation weeks, **by line**: set
`ks`, a dict keyed `"<line> <feature>"` (for `vib_ratio` and `temp_excess`) of the two-sample
KS statistics, and `flagged`, the sorted list of keys whose statistic is above 0.5.
"""

ANSWER_DRIFT = r"""
# weeks["alert"], weeks["line"]; ks (dict); flagged (sorted list)
### BEGIN SOLUTION
def score_weeks(w):
    w = w.copy()
    model = models["logistic regression"]
    w["alert"] = model.predict_proba(w[FEATURES])[:, 1] >= thresholds["logistic regression"]
    w["line"] = np.where(w["motor"] <= "GM-24", "Line 1", "Line 2")
    return w


weeks = score_weeks(weeks)
reference = weeks[weeks["period"].isin(["train", "valid"])]
recent = weeks[weeks["monday"] >= "2026-10-19"]
ks = {f"{line} {feature}": float(ks_2samp(reference[feature], rows[feature]).statistic)
      for line, rows in recent.groupby("line") for feature in ("vib_ratio", "temp_excess")}
flagged = sorted(key for key, value in ks.items() if value > 0.5)
### END SOLUTION
print(weeks[weeks["monday"] >= "2026-09-14"].pivot_table(
    index="monday", columns="line", values="alert", aggfunc="sum"))
print({k: round(v, 2) for k, v in ks.items()}, "flagged:", flagged)
"""

TASK_REBASELINE = r"""
The CMMS's instrument work orders, `sensor_changes` below, say what happened. Rebuild the
motor-weeks with each sensor change as a baseline restart (your `motor_weeks`'s `restarts`;
like a bearing change, the new baseline starts the day after), add `alert` and `line` as in
the drift check (same model, same threshold), and set `live`: a DataFrame indexed by line with
the columns `rows` and `alerts` over the Mondays from 19 October 2026 on. The model itself
is not retrained.
"""

SENSOR_CHANGES = r"""
sensor_changes = frame(export["sensor_changes"])  # motor, date, note
sensor_changes.drop_duplicates(["date", "note"])
"""

ANSWER_REBASELINE = r"""
# rebuilt (motor-weeks with the restarts, scored); live (index line; rows, alerts)
### BEGIN SOLUTION
rebuilt = score_weeks(motor_weeks(daily, work_orders, restarts=sensor_changes))
later_weeks = rebuilt[rebuilt["monday"] >= "2026-10-19"]
live = later_weeks.groupby("line").agg(rows=("alert", "size"), alerts=("alert", "sum"))
### END SOLUTION
live
"""

TEST = r"""
# Self-check: run me. Your judge() on a made-up week list, and shapes.
toy = pd.DataFrame({"motor": ["GM-01"] * 4 + ["GM-02"] * 2, "fail_28d": [0, 1, 1, 1, 0, 0],
                    "next_failure": pd.to_datetime(["2026-05-01"] * 4 + ["2026-09-01"] * 2)})
got = judge(toy, [True, False, True, False, True, False])
assert (got["false"], got["caught"], got["failures"], got["cost"]) == (2, 1, 1, 200), got
assert got["recall"] == 1.0, "one alert among a failure's weeks catches it: recall per failure"
assert set(split.index) == {"train", "valid", "test"}
assert not LEAKY & set(FEATURES) and flat[0] <= thresholds["logistic regression"] <= flat[1]
print("judge() counts per failure; the split and the threshold have the right shape.")
"""

WRAP = r"""
## Wrap-up

- **The split decides what the number means.** A random split shows the model weeks of a
  failure it is then asked about; a split without a gap labels one failure on both sides.
- **Audit every column against the prediction time.** The monthly report, the register's
  repairs to date and the centred mean all separate the classes, and none exists at 06:00.
- **Count what the plant pays for.** Accuracy rewards never alerting; the planner feels
  failures caught, per failure, and false alerts. Choose the threshold on validation, where
  a wide flat bottom says how little a few failures can tell; use the test set once.
- **Check inputs before the list goes out.** A whole line moving in one signal, in one week,
  is a measurement change: record it as an event and start new baselines, as after a bearing
  change.
"""

CHECKS = [
    {
        "id": "labels",
        "points": 2,
        "description": "motor-weeks, weeks labelled 1, and bearing failures in the record",
        "observe": "[int(len(weeks)), int(weeks['fail_28d'].sum()), int(n_failures)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "A week in which the bearing failed is not a row: the motor is under repair.",
    },
    {
        "id": "leaky-columns",
        "points": 2,
        "visible": False,
        "description": "the candidate columns not known at Monday 06:00",
        "observe": "sorted(LEAKY)",
        "compare": "set",
        "hint": "Ask of each column when it becomes known, and in which system.",
    },
    {
        "id": "split-failures",
        "points": 3,
        "visible": False,
        "description": "motor-weeks, positive weeks and failures in train, valid and test",
        "observe": "[[int(split.loc[p, c]) for c in ('motor_weeks', 'positive', 'failures')] "
        "for p in ('train', 'valid', 'test')]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "Split by Monday, in time order, with 4 weeks left out between the sets.",
    },
    {
        "id": "baseline-costs",
        "points": 2,
        "description": "alerts, false alerts, failures caught, failures and cost of the "
        "three baselines on the test weeks",
        "observe": "[[int(results[k][c]) for c in ('alerts', 'false', 'caught', 'failures', "
        "'cost')] for k in ('never alert', '2x baseline', 'two signals')]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "A failure is caught if any of its labelled weeks has an alert.",
    },
    {
        "id": "recall-per-failure",
        "points": 1,
        "visible": False,
        "description": "recall per failure of the baselines and the two models on the test weeks",
        "observe": "[round(float(results[k]['recall']), 3) for k in ('2x baseline', "
        "'two signals', 'logistic regression', 'decision tree')]",
        "compare": "close",
        "tolerance": 0.002,
        "hint": "Caught failures over failures, not alerted weeks over labelled weeks.",
    },
    {
        "id": "threshold-flat-region",
        "points": 2,
        "visible": False,
        "description": "the flat bottom of the logistic regression's validation cost, and the "
        "threshold chosen in it",
        "observe": "[round(float(flat[0]), 4), round(float(flat[1]), 4), "
        "round(float(thresholds['logistic regression']), 4)]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "Price every distinct validation score as a threshold; take the lowest cheapest.",
    },
    {
        "id": "model-costs",
        "points": 3,
        "visible": False,
        "description": "alerts, false alerts, failures caught, failures and cost of the two "
        "models on the test weeks, and the tree's threshold",
        "observe": "[[int(results[k][c]) for c in ('alerts', 'false', 'caught', 'failures', "
        "'cost')] for k in ('logistic regression', 'decision tree')] + "
        "[[round(float(thresholds['decision tree']), 3)]]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "Fit on train, choose the threshold on valid, apply it once to test.",
    },
    {
        "id": "confusion",
        "points": 1,
        "description": "TP, FP, FN and TN of the logistic regression on the test motor-weeks",
        "observe": "[int(tp), int(fp), int(fn), int(tn)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "confusion_matrix(y, alert).ravel() gives tn, fp, fn, tp.",
    },
    {
        "id": "forecast-mae",
        "points": 1,
        "visible": False,
        "description": "mean absolute errors of persistence and the regression, mm/s",
        "observe": "[round(float(mae[k]), 4) for k in ('persistence all', 'regression all', "
        "'persistence last 4', 'regression last 4')]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "Pairs of the same motor and bearing, one Monday apart; fit on train pairs.",
    },
    {
        "id": "drift-flagged",
        "points": 2,
        "visible": False,
        "description": "the line and input flagged by the drift check",
        "observe": "list(flagged)",
        "compare": "equal",
        "hint": "Compare each line's inputs of the last three Mondays with train and valid.",
    },
    {
        "id": "re-baselined",
        "points": 2,
        "visible": False,
        "description": "rows and alerts of each line from 19 October 2026, after the re-baseline",
        "observe": "[[int(live.loc[line, 'rows']), int(live.loc[line, 'alerts'])] "
        "for line in ('Line 1', 'Line 2')]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "A sensor change starts a new baseline, as a bearing change does.",
    },
]

PITFALLS = [
    Pitfall(
        "random-split",
        "Splits the motor-weeks at random (train_test_split) instead of by time, so the "
        "test asks about failures whose other weeks were in training.",
        {
            "answer-split": swap(
                ANSWER_SPLIT,
                """weeks["period"] = np.select(
    [monday <= "2025-09-01", monday.between(*VALID), monday.between(*TEST),
     monday >= "2026-10-05"],
    ["train", "valid", "test", "live"], default="gap")""",
                """weeks["period"] = np.where(monday >= "2026-10-05", "live", "train")
known = weeks.index[monday <= "2026-09-28"]
fit_rows, rest = train_test_split(known, test_size=0.6, random_state=0)
valid_rows, test_rows = train_test_split(rest, test_size=0.5, random_state=0)
weeks.loc[valid_rows, "period"] = "valid"
weeks.loc[test_rows, "period"] = "test"  # shuffled""",
            )
        },
    ),
    Pitfall(
        "no-gap",
        "Splits by time but with no gap between the sets, so a failure's 28-day label "
        "falls on both sides of a boundary.",
        {
            "answer-split": swap(
                ANSWER_SPLIT,
                'VALID, TEST = ("2025-10-06", "2026-03-02"), ("2026-04-06", "2026-09-28")',
                'VALID, TEST = ("2025-09-02", "2026-04-05"), ("2026-04-06", "2026-09-28")',
            )
        },
    ),
    Pitfall(
        "leaky-column",
        "Keeps the centred 7-day rolling mean as a feature: it averages days after the Monday.",
        {
            "answer-audit": swap(
                ANSWER_AUDIT,
                'LEAKY = {"month_failures", "repairs_to_date", "vib_7d_ratio"}',
                'LEAKY = {"month_failures", "repairs_to_date"}',
            )
        },
    ),
    Pitfall(
        "accuracy",
        "Alerts where model.predict() does (p >= 0.5, the threshold for accuracy) instead of "
        "at the threshold with the lowest validation cost.",
        {
            "answer-models": swap(
                ANSWER_MODELS,
                "thresholds[name] = float(cheapest(valid, score_valid))",
                "thresholds[name] = 0.5  # as model.predict() alerts: the accuracy default",
            )
        },
    ),
    Pitfall(
        "tuned-on-test",
        "Chooses the threshold on the test weeks, then reports the test result as if unseen.",
        {
            "answer-models": swap(
                ANSWER_MODELS,
                "thresholds[name] = float(cheapest(valid, score_valid))",
                "thresholds[name] = float(cheapest(test, model.predict_proba("
                "test[FEATURES])[:, 1]))",
            )
        },
    ),
    Pitfall(
        "per-week-recall",
        "Reports recall per motor-week (alerted labelled weeks over labelled weeks) as the "
        "recall per failure.",
        {
            "answer-baselines": swap(
                ANSWER_BASELINES,
                '"recall": round(caught / failures, 4)',
                '"recall": round(int(alert[ahead.index].sum()) / len(ahead), 4)',
            )
        },
    ),
    Pitfall(
        "rows-after-failure",
        "Keeps the week in which the bearing failed as a row (labelled 1), though the motor "
        "is under repair on that Monday.",
        {
            "answer-weeks": swap(
                ANSWER_WEEKS,
                '    w = w[~(w["next_failure"] < w["monday"])]  # failed that week: under repair'
                " on Monday\n",
                "",
            )
        },
    ),
    Pitfall(
        "no-rebaseline",
        "Scores the live weeks after the sensor change against the old sensors' baselines.",
        {
            "answer-rebaseline": swap(
                ANSWER_REBASELINE,
                "motor_weeks(daily, work_orders, restarts=sensor_changes)",
                "motor_weeks(daily, work_orders)",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Failure prediction on a gearmotor fleet",
        competencies=["SM.IDQ.8"],
        minutes=75,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-weeks", TASK_WEEKS),
            code("answer-weeks", "answer", ANSWER_WEEKS),
            code("export-columns", "readonly", EXPORT_COLUMNS),
            md("task-audit", TASK_AUDIT),
            code("answer-audit", "answer", ANSWER_AUDIT),
            md("task-split", TASK_SPLIT),
            code("answer-split", "answer", ANSWER_SPLIT),
            md("task-baselines", TASK_BASELINES),
            code("answer-baselines", "answer", ANSWER_BASELINES),
            md("task-models", TASK_MODELS),
            code("answer-models", "answer", ANSWER_MODELS),
            md("task-forecast", TASK_FORECAST),
            code("answer-forecast", "answer", ANSWER_FORECAST),
            md("task-drift", TASK_DRIFT),
            code("answer-drift", "answer", ANSWER_DRIFT),
            md("task-rebaseline", TASK_REBASELINE),
            code("sensor-changes", "readonly", SENSOR_CHANGES),
            code("answer-rebaseline", "answer", ANSWER_REBASELINE),
            code("test-judge", "test", TEST),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

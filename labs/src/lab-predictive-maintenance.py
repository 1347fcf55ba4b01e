"""Writes labs/lab-predictive-maintenance.ipynb: failure signatures and a simple failure predictor.

Run from the repository root:  .venv/bin/python labs/src/lab-predictive-maintenance.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-predictive-maintenance"


INTRO = r"""
# Predictive maintenance on a machining cell

**Competencies:** SM.MAINT.2 *Recognise failure signatures* · SM.MAINT.3 *Evaluate a simple
failure predictor* · about 55 minutes.

Riverbend's machining cell mills parts in three quality grades: `L` (low, 60 % of the
orders), `M` (medium) and `H` (high). For every cycle the CNC and its sensors log:

| Column | Meaning |
| --- | --- |
| `cycle` | cycle number, in time order |
| `product_type` | `L`, `M` or `H` |
| `air_temp_k`, `process_temp_k` | air and process temperature, K (logged to 0.1 K) |
| `speed_rpm`, `torque_nm` | spindle speed and torque |
| `tool_wear_min` | minutes the current tool has been cutting |
| `machine_failure` | 1 if the cycle ended in a failure |
| `twf`, `hdf`, `pwf`, `osf`, `rnf` | the failure mode (see below) |

The failure modes are tool wear (TWF), heat dissipation (HDF), power (PWF), overstrain (OSF)
and random (RNF) failures.

The data follow the rules of the public **AI4I 2020** data set (Matzka, UCI), with your own
random numbers. The failure-mode columns are written *because* a failure happened: they
explain failures, and they must never be inputs of a predictor (that would be **leakage**).

By the end of this lab you can:

1. compare failure rates by product type and failure mode;
2. build the physical features **mechanical power** and **temperature rise**;
3. recover the heat-dissipation and power failure rules from the data;
4. train a decision tree on older cycles, judge it on later ones by **precision and recall**,
   and price its mistakes.

Your data comes from your own seed (`SHOPFLOOR_SEED`). Run the cells in order, write your
code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix
from sklearn.tree import DecisionTreeClassifier

from plcsim.machining import machining_cell

cycles = pd.DataFrame(machining_cell(SHOPFLOOR_SEED, 10000))
MODES = ["twf", "hdf", "pwf", "osf", "rnf"]
RAW_FEATURES = ["air_temp_k", "process_temp_k", "speed_rpm", "torque_nm", "tool_wear_min"]
FEATURES = RAW_FEATURES + ["power_w", "temp_diff_k"]   # the last two you make in part 2
TRAIN_CYCLES = 7000                                    # train on cycles 1-7000, test on the rest
FALSE_ALARM_USD, MISSED_FAILURE_USD = 60, 1500

print(f"{len(cycles):,} cycles, {cycles['machine_failure'].sum()} failures")
cycles.head()
"""

TASK_RATES = r"""
## 1. How often, and how?

Make:

- `failure_rate`: the share of all cycles that ended in a failure;
- `rate_by_type`: a dictionary from product type (`"L"`, `"M"`, `"H"`) to its failure rate;
- `mode_counts`: a dictionary from each failure mode in `MODES` to the number of cycles
  flagged with it (`int`).

Does the sum of `mode_counts` equal the number of failures? Why not?
"""

ANSWER_RATES = r"""
# failure_rate, rate_by_type = {type: rate}, mode_counts = {mode: n}
### BEGIN SOLUTION
failure_rate = float(cycles["machine_failure"].mean())
by_type = cycles.groupby("product_type")["machine_failure"].mean()
rate_by_type = {kind: float(rate) for kind, rate in by_type.items()}
mode_counts = {mode: int(cycles[mode].sum()) for mode in MODES}
### END SOLUTION
print(f"failure rate {failure_rate:.2%}; by type", {t: f"{r:.2%}" for t, r in rate_by_type.items()})
print("by mode:", mode_counts, "sum", sum(mode_counts.values()),
      "failures", int(cycles["machine_failure"].sum()))
"""

TASK_FEATURES = r"""
## 2. Physical features

Single readings are weak signals; combinations with a physical meaning are strong. Add two
columns to `cycles`:

- `power_w`: the mechanical power at the spindle, $P = T\,\omega$ with the torque $T$ in N·m
  and $\omega = 2\pi n / 60$ in rad/s for the speed $n$ in rpm. The result is in watts.
- `temp_diff_k`: the temperature rise of the process over the air, `process_temp_k -
  air_temp_k`, **rounded to 0.1 K**. Both temperatures are logged to 0.1 K; without rounding
  the subtraction leaves float dust such as `8.600000000000023`.
"""

ANSWER_FEATURES = r"""
# cycles["power_w"], cycles["temp_diff_k"]
### BEGIN SOLUTION
cycles["power_w"] = cycles["torque_nm"] * cycles["speed_rpm"] * 2 * np.pi / 60
cycles["temp_diff_k"] = (cycles["process_temp_k"] - cycles["air_temp_k"]).round(1)
### END SOLUTION
cycles[["torque_nm", "speed_rpm", "power_w", "temp_diff_k"]].describe().round(1)
"""

TASK_RULES = r"""
## 3. Recover the failure rules

The AI4I documentation says a **heat-dissipation failure** (HDF) happens when the
temperature rise is below 8.6 K *and* the speed below 1,380 rpm, and a **power failure**
(PWF) when the power is below 3,500 W or above 9,000 W. Check that against your data:

1. `hdf_limits = [largest temp_diff_k, largest speed_rpm]` among the cycles with `hdf == 1`:
   the data never show an HDF beyond these.
2. `pwf_band = [smallest power_w, largest power_w]` among the cycles **without** a power
   failure (`pwf == 0`): the band in which the spindle never failed for power.
3. `rule_agreement`: a dictionary with keys `"hdf"` and `"pwf"`, the share of all cycles
   where the documented rule (with exactly the thresholds above, `<` and `>`) agrees with the
   label.
4. Plot the evidence: torque against speed, coloured by `pwf`, with the curves of constant
   power 3,500 W and 9,000 W; and temperature rise against speed, coloured by `hdf`, with the
   two HDF thresholds.

Why is the agreement not exactly 100 %, although the labels were generated from these very
rules? (Look at how the columns were logged.)
"""

ANSWER_RULES = r"""
# hdf_limits, pwf_band, rule_agreement = {"hdf": share, "pwf": share}, and the plot
### BEGIN SOLUTION
hdf_cycles = cycles[cycles["hdf"] == 1]
hdf_limits = [float(hdf_cycles["temp_diff_k"].max()), float(hdf_cycles["speed_rpm"].max())]
no_pwf = cycles[cycles["pwf"] == 0]
pwf_band = [float(no_pwf["power_w"].min()), float(no_pwf["power_w"].max())]
hdf_rule = (cycles["temp_diff_k"] < 8.6) & (cycles["speed_rpm"] < 1380)
pwf_rule = (cycles["power_w"] < 3500) | (cycles["power_w"] > 9000)
rule_agreement = {
    "hdf": float((hdf_rule == (cycles["hdf"] == 1)).mean()),
    "pwf": float((pwf_rule == (cycles["pwf"] == 1)).mean()),
}

fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
for flag, colour, label in ((0, "0.75", "no PWF"), (1, "tab:red", "PWF")):
    part = cycles[cycles["pwf"] == flag]
    left.scatter(part["speed_rpm"], part["torque_nm"], s=4, color=colour, label=label)
speeds = np.linspace(cycles["speed_rpm"].min(), cycles["speed_rpm"].max(), 200)
for watts in (3500, 9000):
    left.plot(speeds, watts * 60 / (2 * np.pi * speeds), "k--", lw=1)
left.set_ylim(0, cycles["torque_nm"].max() + 5)
left.set_xlabel("speed (rpm)")
left.set_ylabel("torque (N m)")
left.set_title("Power failures lie outside 3,500-9,000 W")
left.legend(markerscale=4)
for flag, colour, label in ((0, "0.75", "no HDF"), (1, "tab:red", "HDF")):
    part = cycles[cycles["hdf"] == flag]
    right.scatter(part["speed_rpm"], part["temp_diff_k"], s=4, color=colour, label=label)
right.axhline(8.6, color="k", ls="--", lw=1)
right.axvline(1380, color="k", ls="--", lw=1)
right.set_xlabel("speed (rpm)")
right.set_ylabel("process - air temperature (K)")
right.set_title("Heat dissipation: small rise and low speed")
right.legend(markerscale=4)
plt.tight_layout()
plt.show()
### END SOLUTION
print("HDF seen up to", hdf_limits, "; no power failure within", [round(p) for p in pwf_band], "W")
print("rules agree with the labels:", rule_agreement)
"""

TASK_MODEL = r"""
## 4. A failure predictor, tested honestly

Neighbouring cycles share the same tool and the same air temperature, so a random split
would test the model on near-copies of its training data. Split **by time** instead:

1. `train` = the first `TRAIN_CYCLES` rows of `cycles` (in cycle order), `test` = the rest.
2. Fit `model = DecisionTreeClassifier(max_depth=6, random_state=0)` on `train[FEATURES]`
   (the columns in exactly that order) with the target `machine_failure`. No failure-mode
   column may be an input.
3. Predict `test[FEATURES]` and count the confusion matrix: make `confusion = [tp, fp, fn,
   tn]` (`int`s), then `precision = tp / (tp + fp)` and `recall = tp / (tp + fn)`.
4. Do the same with a second tree of the same settings, `raw_model`, trained on
   `RAW_FEATURES` only, and set `precision_raw` and `recall_raw`. Did the physical features
   help?
"""

ANSWER_MODEL = r"""
# train, test, model, confusion = [tp, fp, fn, tn], precision, recall
# raw_model, precision_raw, recall_raw
### BEGIN SOLUTION
train = cycles.iloc[:TRAIN_CYCLES]
test = cycles.iloc[TRAIN_CYCLES:]


def judge(features):
    tree = DecisionTreeClassifier(max_depth=6, random_state=0)
    tree.fit(train[features], train["machine_failure"])
    predicted = tree.predict(test[features])
    tn, fp, fn, tp = confusion_matrix(test["machine_failure"], predicted, labels=[0, 1]).ravel()
    return tree, [int(tp), int(fp), int(fn), int(tn)]


model, confusion = judge(FEATURES)
tp, fp, fn, tn = confusion
precision = tp / (tp + fp)
recall = tp / (tp + fn)
raw_model, raw_confusion = judge(RAW_FEATURES)
precision_raw = raw_confusion[0] / (raw_confusion[0] + raw_confusion[1])
recall_raw = raw_confusion[0] / (raw_confusion[0] + raw_confusion[2])
### END SOLUTION
print(f"test cycles: {len(test)}, failures: {int(test['machine_failure'].sum())}")
print(f"with power and temperature rise: precision {precision:.1%}, recall {recall:.1%}")
print(f"raw readings only:               precision {precision_raw:.1%}, recall {recall_raw:.1%}")
print("confusion [tp, fp, fn, tn]:", confusion)
"""

TASK_COST = r"""
## 5. What do the mistakes cost?

A false alarm costs `FALSE_ALARM_USD` (a technician and a stopped spindle), a missed failure
`MISSED_FAILURE_USD` (a broken tool, a scrapped part, an unplanned stop). On the test cycles,
set:

- `cost_model`: the cost of the model's mistakes, $60 \cdot FP + 1500 \cdot FN$;
- `cost_never`: the cost of never flagging anything (every failure missed).

Plot the importances of the model's features (`model.feature_importances_`) as a bar chart.
Which inputs does the tree rely on?
"""

ANSWER_COST = r"""
# cost_model, cost_never, and a bar chart of model.feature_importances_
### BEGIN SOLUTION
cost_model = FALSE_ALARM_USD * fp + MISSED_FAILURE_USD * fn
cost_never = MISSED_FAILURE_USD * (tp + fn)

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh(FEATURES, model.feature_importances_, color="tab:green")
ax.set_xlabel("importance in the decision tree")
ax.set_title("What the failure predictor looks at")
plt.tight_layout()
plt.show()
### END SOLUTION
print(f"cost of mistakes: model ${cost_model:,}, never flagging ${cost_never:,}")
"""

TEST = r"""
# Self-check: run me. These asserts check the shape of your answers, not the values.
assert set(rate_by_type) == {"L", "M", "H"} and 0 < failure_rate < 1
assert set(mode_counts) == set(MODES)
assert {"power_w", "temp_diff_k"} <= set(cycles.columns)
row = cycles.iloc[0]
omega = row["speed_rpm"] * 2 * np.pi / 60
assert abs(row["power_w"] - row["torque_nm"] * omega) < 1e-6, "P = T * omega, omega = 2 pi n / 60"
assert len(train) == TRAIN_CYCLES, "the first 7000 cycles"
assert train["cycle"].iloc[-1] < test["cycle"].iloc[0], "split by time: test after train"
assert sum(confusion) == len(test), "the confusion matrix covers every test cycle"
assert 0 <= precision <= 1 and 0 <= recall <= 1
print("The shapes look right.")
"""

WRAP = r"""
## Wrap-up

- Failures are rare, so **accuracy is useless** here: never flagging is right about 96 % of
  the time. Precision (how often a flag is real) and recall (how many failures were caught)
  tell you what the technicians will experience.
- Physics usually beats raw readings: power and temperature rise turn two-column rules into
  one threshold each, and the tree uses them first. On real machines the rules are never
  this clean; here the labels were *generated* from them, and only the logging (to 0.1 K,
  0.1 N·m and whole rpm) kept the agreement below 100 %.
- The test was **honest**: later cycles, never seen in training, and no failure-mode column
  as an input. Tool-wear failures (TWF) and random failures (RNF) stay hard to catch: a tool
  is changed at a random wear between 200 and 240 min and only some changes end in a
  failure, and random failures are random by design.
- The threshold is a business decision: with these costs, compare the model's bill with the
  cost of never flagging, and agree what a technician does when a flag comes.
"""

CHECKS = [
    {
        "id": "rates",
        "points": 1,
        "description": "failure rate by product type (rate_by_type)",
        "observe": "{str(k): round(float(v), 5) for k, v in rate_by_type.items()}",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "cycles.groupby('product_type')['machine_failure'].mean()",
    },
    {
        "id": "features",
        "points": 1,
        "description": "mean mechanical power (W) and mean temperature rise (K)",
        "observe": "[round(float(cycles['power_w'].mean()), 2), "
        "round(float(cycles['temp_diff_k'].mean()), 4)]",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "power_w = torque_nm * speed_rpm * 2 * pi / 60; temp_diff_k = (process_temp_k - "
        "air_temp_k).round(1).",
    },
    {
        "id": "hdf-limits",
        "points": 2,
        "description": "largest temperature rise and speed among HDF cycles (hdf_limits)",
        "observe": "[round(float(v), 1) for v in hdf_limits]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Select the rows with hdf == 1 and take the max of temp_diff_k and speed_rpm.",
    },
    {
        "id": "rules",
        "points": 2,
        "visible": False,
        "description": "power band without PWF and the rules' agreement with the labels",
        "observe": "[round(float(v), 1) for v in pwf_band] + "
        "[round(float(rule_agreement['hdf']), 4), round(float(rule_agreement['pwf']), 4)]",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "pwf_band comes from the rows with pwf == 0. The HDF rule is temp_diff_k < 8.6 "
        "and speed_rpm < 1380; the PWF rule power_w < 3500 or > 9000.",
    },
    {
        "id": "model",
        "points": 3,
        "description": "precision and recall of the decision tree on the later cycles",
        "observe": "[round(float(precision), 4), round(float(recall), 4)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Train on cycles.iloc[:7000] with FEATURES in their given order, "
        "DecisionTreeClassifier(max_depth=6, random_state=0); test on the rest.",
    },
    {
        "id": "confusion-cost",
        "points": 2,
        "visible": False,
        "description": "confusion matrix and the cost of the model's mistakes",
        "observe": "[int(v) for v in confusion] + [int(cost_model), int(cost_never)]",
        "compare": "equal",
        "hint": "confusion = [tp, fp, fn, tn]; cost_model = 60 * fp + 1500 * fn; "
        "cost_never = 1500 * (tp + fn).",
    },
    {
        "id": "raw-model",
        "points": 1,
        "visible": False,
        "description": "precision and recall of the tree on the raw readings only",
        "observe": "[round(float(precision_raw), 4), round(float(recall_raw), 4)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Same tree settings and split, with RAW_FEATURES as the inputs.",
    },
]

PITFALLS = [
    Pitfall(
        "failure-modes-as-inputs",
        "Gives the predictor the failure-mode columns as inputs: leakage, they are written "
        "because a failure happened.",
        {
            "answer-model": swap(
                ANSWER_MODEL,
                "model, confusion = judge(FEATURES)",
                "model, confusion = judge(FEATURES + MODES)",
            )
        },
    ),
    Pitfall(
        "random-split",
        "Splits train and test cycles at random instead of by time, so the model is tested "
        "on near-copies of its training data.",
        {
            "answer-model": swap(
                ANSWER_MODEL,
                "train = cycles.iloc[:TRAIN_CYCLES]\ntest = cycles.iloc[TRAIN_CYCLES:]",
                "train = cycles.sample(n=TRAIN_CYCLES, random_state=0)\n"
                "test = cycles.drop(train.index)",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Predictive maintenance on a machining cell",
        competencies=["SM.MAINT.2", "SM.MAINT.3"],
        minutes=55,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-rates", TASK_RATES),
            code("answer-rates", "answer", ANSWER_RATES),
            md("task-features", TASK_FEATURES),
            code("answer-features", "answer", ANSWER_FEATURES),
            md("task-rules", TASK_RULES),
            code("answer-rules", "answer", ANSWER_RULES),
            md("task-model", TASK_MODEL),
            code("answer-model", "answer", ANSWER_MODEL),
            md("task-cost", TASK_COST),
            code("answer-cost", "answer", ANSWER_COST),
            code("test-shapes", "test", TEST),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

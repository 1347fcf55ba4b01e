"""Writes labs/lab-downtime-pareto.ipynb: a downtime Pareto from stop reasons.

Run from the repository root:  .venv/bin/python labs/src/lab-downtime-pareto.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-downtime-pareto"


INTRO = r"""
# Downtime Pareto from stop reasons

**Competency:** SM.KPI.2 *Analyse losses* · about 40 minutes.

The OEE of the Riverbend bottling line says *how much* time the shift lost; the continuous
improvement meeting tomorrow needs to know *where* it went, and which one or two problems to
attack first. Every unit of the line is a PackML machine that records why it stopped in the
PackTag `Admin.StopReason`, and the historian sampled it on every scan.

You will:

1. turn the historian into a list of **stop events**, each with its unit, duration and reason;
2. build a **Pareto** of downtime by reason, with event counts and a cumulative percentage,
   and draw the Pareto chart;
3. pick the "vital few" reasons that make up 80 % of the downtime;
4. sort the stops into the **six big losses** with a minor-stop threshold.

In this lab a unit is **down** whenever its PackML state is not EXECUTE. Your data comes from
your own seed (`SHOPFLOOR_SEED`).
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.line import STOP_REASONS
from plcsim.scenarios import scenario

line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
line.run(8 * 3600)
history = line.historian.to_dataframe()
SCAN_S = line.resolution  # each row stands for the scan from time_s to time_s + SCAN_S

# The line's stop-reason list: Admin.StopReason ids and their names.
REASONS = dict(STOP_REASONS)
print(REASONS)
down = history[history["state_name"] != "EXECUTE"]
print(f"{len(down):,} of {len(history):,} unit-scans were not in EXECUTE")
print(down[["time_s", "unit", "state_name", "stop_reason"]].head(8))
"""

TASK_STOPS = r"""
## 1. Stop events

A **stop** is a run of consecutive scans of one unit that are not in EXECUTE: it starts when
the unit leaves EXECUTE and ends when it is back. The reason is the `stop_reason` on the
**first** scan of the stop: that is what stopped the unit. (The PLC sets it when the stop
begins and holds it until the unit is back in EXECUTE, where it reads 0, so every scan of
a stop shows the same reason.)

Build `stops`, a DataFrame with one row per stop and the columns

| column | meaning |
| --- | --- |
| `unit` | unit name |
| `start_s` | the first down scan's `time_s` |
| `end_s` | the last down scan's `time_s` plus `SCAN_S` (when the unit was back) |
| `seconds` | `end_s - start_s` |
| `reason` | the stop reason id (int) on the first down scan |
| `reason_name` | `REASONS[reason]` |

Hint: sort by unit and time, flag the down rows, start a new group whenever the unit or the
flag changes from the previous row, and aggregate the down groups.
"""

ANSWER_STOPS = r"""
# stops: DataFrame(unit, start_s, end_s, seconds, reason, reason_name), one row per stop
### BEGIN SOLUTION
log = history.sort_values(["unit", "time_s"], kind="stable")
is_down = log["state_name"] != "EXECUTE"
group = ((log["unit"] != log["unit"].shift()) | (is_down != is_down.shift())).cumsum()
stops = (
    log[is_down]
    .groupby(group[is_down])
    .agg(unit=("unit", "first"), start_s=("time_s", "first"), last_s=("time_s", "last"),
         reason=("stop_reason", "first"))
    .reset_index(drop=True)
)
stops["end_s"] = stops.pop("last_s") + SCAN_S
stops["seconds"] = stops["end_s"] - stops["start_s"]
stops["reason"] = stops["reason"].astype(int)
stops["reason_name"] = stops["reason"].map(REASONS)
stops = stops[["unit", "start_s", "end_s", "seconds", "reason", "reason_name"]]
### END SOLUTION
print(stops.groupby("unit").size().rename("stops"))
stops.sort_values("seconds", ascending=False).head()
"""

TEST_STOPS = r"""
# Self-check: the stops must account for every down scan, once.
assert stops["seconds"].sum() == len(down) * SCAN_S, (stops["seconds"].sum(), len(down) * SCAN_S)
assert stops["reason_name"].notna().all(), "every reason id should have a name in REASONS"
assert (stops.sort_values(["unit", "start_s"]).groupby("unit")["start_s"].diff().dropna() > 0).all()
print(f"{len(stops)} stops, {stops['seconds'].sum() / 60:.1f} unit-minutes of downtime.")
"""

TASK_PARETO = r"""
## 2. The Pareto table and chart

Make `pareto`, a DataFrame **indexed by `reason_name`**, with one row per reason that occurred
and the columns

- `reason`: the reason id,
- `minutes`: total downtime of that reason over all units, in minutes,
- `events`: number of stops,
- `cum_pct`: cumulative share of all downtime minutes, in percent (the last row is 100),

sorted by `minutes` from largest to smallest (if two reasons tie, the lower reason id first).

Then draw the Pareto chart: bars of minutes per reason in that order, and the cumulative
percentage as a line on a second y axis (`ax.twinx()`), with a dotted line at 80 %.
"""

ANSWER_PARETO = r"""
# pareto: index reason_name; columns reason, minutes, events, cum_pct; then the Pareto chart
### BEGIN SOLUTION
pareto = (
    stops.groupby("reason_name")
    .agg(reason=("reason", "first"), minutes=("seconds", "sum"), events=("seconds", "size"))
    .assign(minutes=lambda t: t["minutes"] / 60)
    .sort_values(["minutes", "reason"], ascending=[False, True])
)
pareto["cum_pct"] = 100 * pareto["minutes"].cumsum() / pareto["minutes"].sum()

fig, ax = plt.subplots(figsize=(10, 4.5))
ax.bar(pareto.index, pareto["minutes"], color="tab:blue")
for x, (minutes, events) in enumerate(zip(pareto["minutes"], pareto["events"])):
    ax.text(x, minutes, f"{events} stops", ha="center", va="bottom", fontsize=8)
ax.set_ylabel("downtime (minutes, all units)")
ax.tick_params(axis="x", labelrotation=30)
plt.setp(ax.get_xticklabels(), ha="right")
cum = ax.twinx()
cum.plot(pareto.index, pareto["cum_pct"], color="tab:red", marker="o")
cum.axhline(80, color="grey", linestyle=":")
cum.set_ylim(0, 105)
cum.set_ylabel("cumulative %")
ax.set_title("Downtime Pareto by stop reason, one shift")
plt.tight_layout()
plt.show()
### END SOLUTION
pareto.round(2)
"""

TASK_VITAL = r"""
## 3. The vital few

The Pareto principle says a few causes usually make most of the effect. Make `vital_few`: the
list of reason names, in Pareto order, from the top **down to and including the first reason
whose `cum_pct` reaches 80 %**. Those are the candidates for tomorrow's improvement work.

Look at the `events` column too: a reason can lead on minutes with a few long stops, or on
events with many short ones. They need different fixes.
"""

ANSWER_VITAL = r"""
# vital_few = [reason names up to and including the first with cum_pct >= 80]
### BEGIN SOLUTION
first_over = int(np.argmax(pareto["cum_pct"].to_numpy() >= 80))
vital_few = list(pareto.index[: first_over + 1])
### END SOLUTION
print("vital few:", vital_few)
print("most events:", pareto["events"].idxmax(), "| most minutes:", pareto.index[0])
"""

TASK_LOSSES = r"""
## 4. Six big losses

The plant's rule: a stop **shorter than 5 minutes (300 s)** is a *minor stop* (loss 3,
idling and minor stops, a performance loss); a stop of 300 s or more is a *breakdown* (loss 1,
equipment failure, an availability loss). The start-up at the beginning of the shift
(reason 0) and a changeover are *setup and adjustment* (loss 2) whatever their length.
This shift has no changeover.

Make `loss_minutes`: a dictionary with the keys `"Equipment failure"`,
`"Setup and adjustment"` and `"Idling and minor stops"`, each the total minutes of the stops in
that class (0.0 if none). Which faults end up as minor stops under this rule?
"""

ANSWER_LOSSES = r"""
# loss_minutes = {"Equipment failure": minutes, "Setup and adjustment": minutes,
#                 "Idling and minor stops": minutes}
### BEGIN SOLUTION
def big_loss(stop):
    if stop["reason"] == 0:
        return "Setup and adjustment"
    return "Idling and minor stops" if stop["seconds"] < 300 else "Equipment failure"


classes = stops.apply(big_loss, axis=1)
loss_minutes = {
    name: float(stops.loc[classes == name, "seconds"].sum() / 60)
    for name in ("Equipment failure", "Setup and adjustment", "Idling and minor stops")
}
### END SOLUTION
print({name: round(minutes, 1) for name, minutes in loss_minutes.items()})
short_faults = stops[(stops["reason"] > 100) & (stops["seconds"] < 300)]
print(f"{len(short_faults)} fault stop(s) under 5 minutes count as minor stops:",
      short_faults[["unit", "reason_name", "seconds"]].to_dict("records"))
"""

WRAP = r"""
## Wrap-up

- Stop events come from the state log: group the consecutive non-running scans, and charge
  each stop to the reason that **started** it.
- A Pareto sorts reasons by lost minutes with a cumulative line; the reasons up to about 80 %
  are where improvement hours pay back first.
- Read minutes **and** events: starved, blocked and material-change stops are many and
  short (minor stops that nobody writes down), faults are few and long (breakdowns). A
  duration threshold, written down and applied everywhere, decides which is which.
- Starved and blocked are symptoms: the cause sits upstream or downstream of the unit that
  reported them. A long starved stop of the Capper is usually a Filler fault that emptied the
  conveyor between them: follow them along the line before you assign the work order.
- One shift is a small sample: re-run the Pareto over a week before committing a project.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "stops-per-unit",
        "points": 1,
        "description": "number of stops of each unit (stops)",
        "observe": "{str(u): int(n) for u, n in stops.groupby('unit').size().items()}",
        "compare": "equal",
        "hint": "A stop is a run of consecutive non-EXECUTE scans of one unit; the shift's "
        "start-up is each unit's first stop.",
    },
    {
        "id": "pareto-minutes",
        "points": 2,
        "description": "downtime minutes per reason (pareto['minutes'])",
        "observe": "{str(k): float(v) for k, v in pareto['minutes'].items()}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Index the table by reason_name; minutes = the stops' seconds summed per "
        "reason over all units, divided by 60. Each stop is charged to its first scan's reason.",
    },
    {
        "id": "pareto-order",
        "points": 1,
        "description": "Pareto order of the reasons and their event counts",
        "observe": "[[str(k) for k in pareto.index], [int(e) for e in pareto['events']]]",
        "compare": "equal",
        "hint": "Sort by minutes, largest first (ties: lower reason id first); events counts "
        "the stops of each reason.",
    },
    {
        "id": "cum-pct",
        "points": 1,
        "visible": False,
        "description": "cumulative percentage column (pareto['cum_pct'])",
        "observe": "[float(x) for x in pareto['cum_pct']]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "100 x cumulative sum of minutes / total minutes, in Pareto order; the last "
        "value is 100.",
    },
    {
        "id": "vital-few",
        "points": 2,
        "description": "the vital few reasons that reach 80 % of downtime (vital_few)",
        "observe": "[str(x) for x in vital_few]",
        "compare": "set",
        "hint": "Walk down the Pareto and stop at the first reason whose cum_pct is 80 or more, "
        "including it.",
    },
    {
        "id": "loss-minutes",
        "points": 2,
        "visible": False,
        "description": "minutes in each of the three big losses (loss_minutes)",
        "observe": "{str(k): float(v) for k, v in loss_minutes.items()}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Reason 0 is setup; otherwise under 300 s is a minor stop and 300 s or more is "
        "equipment failure. Minutes, not seconds.",
    },
]

PITFALLS = [
    Pitfall(
        "pareto-by-events",
        "Ranks the reasons by how many stops they caused instead of the minutes they cost.",
        {
            "answer-pareto": swap(
                ANSWER_PARETO,
                '.sort_values(["minutes", "reason"], ascending=[False, True])',
                '.sort_values(["events", "reason"], ascending=[False, True])',
            )
        },
    ),
    Pitfall(
        "vital-few-below-80",
        "Stops the vital few before the reason that takes the cumulative share to 80 %.",
        {
            "answer-vital-few": swap(
                ANSWER_VITAL,
                'first_over = int(np.argmax(pareto["cum_pct"].to_numpy() >= 80))\n'
                "vital_few = list(pareto.index[: first_over + 1])",
                'vital_few = list(pareto.index[pareto["cum_pct"] < 80])',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Downtime Pareto from stop reasons",
        competencies=["SM.KPI.2"],
        minutes=40,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-stops", TASK_STOPS),
            code("answer-stops", "answer", ANSWER_STOPS),
            code("test-stops", "test", TEST_STOPS),
            md("task-pareto", TASK_PARETO),
            code("answer-pareto", "answer", ANSWER_PARETO),
            md("task-vital-few", TASK_VITAL),
            code("answer-vital-few", "answer", ANSWER_VITAL),
            md("task-losses", TASK_LOSSES),
            code("answer-losses", "answer", ANSWER_LOSSES),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

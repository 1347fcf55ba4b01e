"""Writes labs/lab-oee-historian.ipynb: OEE from the line historian.

Run from the repository root:  .venv/bin/python labs/src/lab-oee-historian.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-oee-historian"


INTRO = r"""
# OEE from the line historian

**Competency:** SM.KPI.1 *Calculate OEE* · about 45 minutes.

The Riverbend bottling line has just finished an 8-hour shift and the plant manager wants
the Filler's **OEE** on her desk with its three factors, not a single number. Nobody typed
anything into a spreadsheet: everything you need is in the line historian, which recorded
every unit's PackML state, speed and counters on every PLC scan.

You will:

1. write an OEE function and test it on the lesson's worked example;
2. take the inputs (planned time, run time, counts) from the historian, reading the
   16-bit production counter safely;
3. compute availability, performance, quality and OEE for the Filler and show where the
   shift's time went;
4. spot a performance above 100 % and say what is wrong with it;
5. compare the OEE of all five units.

**Definitions for this lab** (write them down: OEE numbers are only comparable with the same
definitions):

| Input | Definition here |
| --- | --- |
| Planned production time | the whole shift: every scan in the historian (no breaks were planned) |
| Run time | time the unit spent in the PackML state **EXECUTE**; every other state, short suspensions included, is downtime |
| Ideal rate | the unit's design speed, `line.units[name].spec.design_speed` (PackTag `Admin.MachDesignSpeed`), units per minute |
| Total count | units processed in the shift (`produced_count`, a 16-bit counter the PLC never resets) |
| Good count | total count minus rejects (`defective_total`) |

Your data comes from your own seed (`SHOPFLOOR_SEED`).
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.scenarios import scenario

# The PLC never resets its counters: they start the shift where the last shift left them.
line = scenario("packaging-line", seed=SHOPFLOOR_SEED, carry_counters=True)
line.run(8 * 3600)
history = line.historian.to_dataframe()
SCAN_S = line.resolution  # each historian row stands for one scan of this many seconds
filler = history[history["unit"] == "Filler"].reset_index(drop=True)
DESIGN_SPEED = line.units["Filler"].spec.design_speed  # units per minute
print(f"Filler design speed {DESIGN_SPEED} bottles/min, {len(filler):,} scans of {SCAN_S} s")
print(filler[["time_s", "state_name", "speed", "produced_count", "defective_total"]].tail())
"""

TASK_FUNCTION = r"""
## 1. An OEE function

$$A = \frac{\text{run time}}{\text{planned time}} \qquad
P = \frac{\text{ideal cycle time} \times \text{total count}}{\text{run time}} \qquad
Q = \frac{\text{good count}}{\text{total count}} \qquad \text{OEE} = A \times P \times Q$$

The ideal cycle time is `60 / ideal_rate_per_min` seconds per unit.

Write `oee_factors(planned_s, run_s, ideal_rate_per_min, total, defective)` returning a
dictionary with the keys `"availability"`, `"performance"`, `"quality"` and `"oee"`, each a
fraction (0.874, not 87.4). Times are in **seconds**, the rate in units per **minute**.
"""

ANSWER_FUNCTION = r"""
# oee_factors(planned_s, run_s, ideal_rate_per_min, total, defective) -> dict of four fractions
### BEGIN SOLUTION
def oee_factors(planned_s, run_s, ideal_rate_per_min, total, defective):
    availability = run_s / planned_s
    performance = total * (60 / ideal_rate_per_min) / run_s
    quality = (total - defective) / total
    return {
        "availability": availability,
        "performance": performance,
        "quality": quality,
        "oee": availability * performance * quality,
    }
### END SOLUTION
"""

TEST_FUNCTION = r"""
# Self-check: the lesson's worked filler shift (450 min planned, 393 min run, 200 bpm,
# 70,740 bottles, 1,061 rejects) gives A 0.873, P 0.900, Q 0.985, OEE 0.774.
example = oee_factors(450 * 60, 393 * 60, 200, 70_740, 1_061)
assert set(example) == {"availability", "performance", "quality", "oee"}, example
rounded = [round(example[k], 3) for k in ("availability", "performance", "quality", "oee")]
assert rounded == [0.873, 0.9, 0.985, 0.774], example
print("The worked example checks out:", {k: round(v, 3) for k, v in example.items()})
"""

TASK_INPUTS = r"""
## 2. Inputs from the historian

From the Filler's rows (`filler`), compute:

- `planned_s`: planned production time in seconds (number of scans × `SCAN_S`);
- `run_s`: seconds in EXECUTE;
- `total_count`: bottles processed in the shift, as an `int`. Use the PLC's 16-bit
  `produced_count`, not `produced_total` (a real PLC has no such column). The PLC never
  resets the counter: the first row holds whatever it read when the shift began, and it
  rolls over from 65,535 to 0 somewhere in the shift. Add up the differences between
  consecutive rows modulo 65,536 (`diff() % 65536`); nothing was made in the first scan,
  while the units were still resetting. A counter that wraps or is reset is the classic
  source of wrong OEE;
- `defective_count`: bottles rejected in the shift, as an `int` (`defective_total` started
  at 0 too).
"""

ANSWER_INPUTS = r"""
# planned_s, run_s, total_count, defective_count
### BEGIN SOLUTION
planned_s = float(len(filler) * SCAN_S)
run_s = float((filler["state_name"] == "EXECUTE").sum() * SCAN_S)
counts = filler["produced_count"]
total_count = int((counts.diff().dropna() % 2**16).sum())
defective_count = int(filler["defective_total"].iloc[-1])
### END SOLUTION
print(f"planned {planned_s / 60:.1f} min, run {run_s / 60:.1f} min, "
      f"total {total_count:,} bottles, rejects {defective_count:,}")
"""

TEST_INPUTS = r"""
# Self-check against the simulator's true total (a real PLC only gives you the 16-bit counter).
assert planned_s == 8 * 3600, "the shift has 28,800 one-second scans"
assert 0 < run_s <= planned_s
assert total_count == filler["produced_total"].iloc[-1], "total_count differs from the true count"
print("The inputs look right.")
"""

TASK_FACTORS = r"""
## 3. The Filler's OEE and where the time went

1. Set `filler_oee = oee_factors(...)` for the Filler with `DESIGN_SPEED` as the ideal rate.
2. Make `time_losses_min`, a dictionary of minutes with the keys
   - `"downtime"`: planned time − run time,
   - `"speed loss"`: run time − net run time, where net run time = total count × ideal cycle time,
   - `"quality loss"`: net run time − fully productive time, where fully productive time =
     good count × ideal cycle time,
   - `"fully productive"`: fully productive time.

   The four add up to the planned time, and fully productive ÷ planned = OEE.
3. Draw the losses as a chart, for example one horizontal bar per item or a stacked bar.
"""

ANSWER_FACTORS = r"""
# filler_oee = oee_factors(...); time_losses_min = {...}; a chart
### BEGIN SOLUTION
filler_oee = oee_factors(planned_s, run_s, DESIGN_SPEED, total_count, defective_count)
ideal_s = 60 / DESIGN_SPEED
net_s = total_count * ideal_s
productive_s = (total_count - defective_count) * ideal_s
time_losses_min = {
    "downtime": (planned_s - run_s) / 60,
    "speed loss": (run_s - net_s) / 60,
    "quality loss": (net_s - productive_s) / 60,
    "fully productive": productive_s / 60,
}

levels = {"planned": planned_s / 60, "run": run_s / 60, "net run": net_s / 60,
          "fully productive": productive_s / 60}
fig, ax = plt.subplots(figsize=(8, 3))
colours = ["tab:green", "tab:olive", "tab:orange", "tab:grey"]
ax.barh(list(levels)[::-1], list(levels.values())[::-1], color=colours)
for y, value in enumerate(list(levels.values())[::-1]):
    ax.text(value + 3, y, f"{value:.1f} min", va="center")
ax.set_xlim(0, planned_s / 60 * 1.15)
ax.set_xlabel("minutes")
ax.set_title(f"Filler: OEE {filler_oee['oee']:.1%} (A {filler_oee['availability']:.1%}, "
             f"P {filler_oee['performance']:.1%}, Q {filler_oee['quality']:.1%})")
plt.tight_layout()
plt.show()
### END SOLUTION
print({k: round(v, 4) for k, v in filler_oee.items()})
print({k: round(v, 1) for k, v in time_losses_min.items()})
"""

COLLEAGUE = r"""
# A colleague's spreadsheet used the planners' standard rate, 90 bottles/min, as the ideal rate.
theirs = oee_factors(planned_s, run_s, 90, total_count, defective_count)
print(f"colleague: performance {theirs['performance']:.1%}, OEE {theirs['oee']:.1%}")
print(f"yours:     performance {filler_oee['performance']:.1%}, OEE {filler_oee['oee']:.1%}")
"""

TASK_LINE = r"""
## 4. Performance above 100 % and the whole line

The cell above shows a colleague's performance **above 100 %**. A machine cannot beat its own
design speed, so that number means an input is wrong: here the ideal rate is the planners'
standard rate, which is lower than the design speed, so the ideal cycle time is too long.
Fix the input; never cap the result at 100 %.

Now compare the units. Make `line_oee`: a dictionary from each of the five unit names to its
OEE (a fraction), each with **its own** design speed (`line.units[unit].spec.design_speed`)
and the same definitions as above. The CasePacker counts cases, and its design speed is in
cases per minute, so the units match. Plot A, P, Q and OEE per unit as a grouped bar chart.
"""

ANSWER_LINE = r"""
# line_oee = {unit: OEE}; grouped bar chart of the four factors per unit
### BEGIN SOLUTION
factors = {}
for unit, rows in history.groupby("unit", sort=False):
    counts = rows["produced_count"]
    factors[unit] = oee_factors(
        float(len(rows) * SCAN_S),
        float((rows["state_name"] == "EXECUTE").sum() * SCAN_S),
        line.units[unit].spec.design_speed,
        int((counts.diff().dropna() % 2**16).sum()),
        int(rows["defective_total"].iloc[-1]),
    )
line_oee = {unit: f["oee"] for unit, f in factors.items()}

table = pd.DataFrame(factors).T
table.plot.bar(figsize=(9, 4), ylim=(max(0, table.to_numpy().min() - 0.05), 1.02), rot=0,
               title="OEE factors by unit")
plt.ylabel("fraction")
plt.legend(loc="lower right", ncol=4)
plt.tight_layout()
plt.show()
### END SOLUTION
print({unit: round(value, 4) for unit, value in line_oee.items()})
"""

HIDDEN = r"""
def __try(*args):
    try:
        result = oee_factors(*args)
        return [float(result[k]) for k in ("availability", "performance", "quality", "oee")]
    except Exception as error:
        return f"{type(error).__name__}: {error}"


__oee_cases = [
    __try(450 * 60, 393 * 60, 200, 70_740, 1_061),
    __try(27_000, 23_400, 60 / 90, 230, 6),
    __try(3_600, 3_000, 120, 5_400, 0),
    __try(28_800, 28_800, 11, 5_000, 25),
    __try(3_600, 3_000, 100, 5_400, 54),  # performance 1.08: a data error, never capped
]
"""

WRAP = r"""
## Wrap-up

- OEE = A × P × Q, and the short form good count × ideal cycle time ÷ planned time gives
  the same number: a quick check of any calculation.
- Take the inputs from machine data, and write down the definitions: what counts as
  planned time, whether short suspensions are downtime (here they are) or performance loss
  (with a minor-stop threshold), and which design speed is ideal.
- Read production counters as deltas modulo the counter size, so a wrap or a 16-bit counter
  never produces a negative or a missing shift.
- A performance above 100 % is a data error (usually a too-low ideal rate). Look at the three
  factors, not only OEE: here availability is the big lever on every unit, so the next step
  is a downtime Pareto (next lab).

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "oee-function",
        "points": 2,
        "visible": False,
        "description": "oee_factors() on worked examples",
        "observe": "__oee_cases",
        "compare": "close",
        "tolerance": 1e-9,
        "hint": "Return fractions: run/planned, total x (60 / rate) / run, good/total and their "
        "product, under the keys availability, performance, quality and oee. Never cap a "
        "factor at 1: a performance above 100 % must stay visible.",
    },
    {
        "id": "inputs",
        "points": 2,
        "description": "planned time, run time, total count and rejects of the Filler",
        "observe": "[float(planned_s), float(run_s), int(total_count), int(defective_count)]",
        "compare": "close",
        "tolerance": 1e-9,
        "hint": "Seconds: scans x SCAN_S, and the EXECUTE scans x SCAN_S. Total: the sum of "
        "produced_count.diff() % 65536, which stays right across the rollover. Rejects: the "
        "last defective_total.",
    },
    {
        "id": "filler-factors",
        "points": 2,
        "description": "the Filler's availability, performance, quality and OEE (filler_oee)",
        "observe": "{k: float(filler_oee[k]) "
        "for k in ('availability', 'performance', 'quality', 'oee')}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Call oee_factors with planned_s, run_s, DESIGN_SPEED (120), total_count and "
        "defective_count.",
    },
    {
        "id": "time-losses",
        "points": 1,
        "visible": False,
        "description": "the Filler's time losses in minutes (time_losses_min)",
        "observe": "{k: float(v) for k, v in time_losses_min.items()}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Minutes, not seconds: downtime = (planned_s - run_s)/60; net run time = "
        "total x 0.5 s; fully productive = good x 0.5 s. The four add up to 480.",
    },
    {
        "id": "line-oee",
        "points": 2,
        "visible": False,
        "description": "OEE of every unit of the line (line_oee)",
        "observe": "{str(u): float(v) for u, v in line_oee.items()}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Repeat the Filler's calculation for each unit with that unit's own design "
        "speed and counters; keys are the five unit names.",
    },
]

PITFALLS = [
    Pitfall(
        "counter-last-minus-first",
        "Counts the shift's bottles as the 16-bit counter's last reading minus its first: "
        "65,536 short (negative) once the counter rolls over.",
        {
            "answer-inputs": swap(
                ANSWER_INPUTS,
                "int((counts.diff().dropna() % 2**16).sum())",
                "int(counts.iloc[-1] - counts.iloc[0])",
            ),
            "answer-line-oee": swap(
                ANSWER_LINE,
                "int((counts.diff().dropna() % 2**16).sum())",
                "int(counts.iloc[-1] - counts.iloc[0])",
            ),
        },
    ),
    Pitfall(
        "capped-performance",
        "Caps performance at 100 % instead of finding the wrong input behind a performance "
        "above 100 %.",
        {
            "answer-oee-function": swap(
                ANSWER_FUNCTION,
                "performance = total * (60 / ideal_rate_per_min) / run_s",
                "performance = min(1.0, total * (60 / ideal_rate_per_min) / run_s)",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="OEE from the line historian",
        competencies=["SM.KPI.1"],
        minutes=45,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-function", TASK_FUNCTION),
            code("answer-oee-function", "answer", ANSWER_FUNCTION),
            code("test-oee-function", "test", TEST_FUNCTION),
            md("task-inputs", TASK_INPUTS),
            code("answer-inputs", "answer", ANSWER_INPUTS),
            code("test-inputs", "test", TEST_INPUTS),
            md("task-factors", TASK_FACTORS),
            code("answer-filler-oee", "answer", ANSWER_FACTORS),
            code("colleague", "readonly", COLLEAGUE),
            md("task-line", TASK_LINE),
            code("answer-line-oee", "answer", ANSWER_LINE),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

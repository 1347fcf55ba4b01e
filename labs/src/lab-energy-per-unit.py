"""Writes labs/lab-energy-per-unit.ipynb: energy per unit, emissions and the non-producing share.

Run from the repository root:  .venv/bin/python labs/src/lab-energy-per-unit.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-energy-per-unit"


INTRO = r"""
# Energy per unit and emissions

**Competencies:** SM.ENRG.1 *Measure energy use* · SM.ENRG.2 *Calculate energy and emissions
per unit* · about 40 minutes.

A customer of the Riverbend bottling line asks for "the carbon footprint of our bottles", and
the plant manager wants an energy number to track every week. Each of the five units
(Infeed → Filler → Capper → Labeler → CasePacker) has a submeter whose cumulative **kWh
register** the historian logs every second, next to the unit's **PackML state** and its
production counters.

The shift you analyse is an ordinary one:

- production starts at 0:00;
- from 4:00 to 4:30 the crew is at lunch and the HMI **holds** every unit (PackML `HELD`);
- production ends at 7:30; the line is **stopped** (`STOPPED`) but stays powered until the
  end of the shift at 8:00;
- in between, units stop briefly when starved or blocked (`SUSPENDED`), hold while the
  labels or case blanks are changed (`HELD`) and now and then fault and wait for a repair
  (`ABORTED`).

By the end of this lab you can:

1. read each unit's energy for the shift from its kWh register and divide it by the unit's
   **good** output;
2. compute the line's **kWh per good bottle** and **kg CO2e per 1,000 bottles** with a
   location-based grid emission factor (Scope 2);
3. split the energy by PackML state from the register's increments, and find the share used
   while the units were **not producing** (not in `EXECUTE`);
4. read the power a unit draws in each state, and price a simple saving.

Your data comes from your own seed (`SHOPFLOOR_SEED`). Run the cells in order, write your
code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.scenarios import scenario

HOUR = 3600
line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
# Production 0:00-7:30 with lunch 4:00-4:30: the HMI holds every unit for the break (a unit
# busy with a stop or a repair is held as soon as it runs again) and stops the line at 7:30
# (stop reason 20, end of production).
line.shift_pattern(shifts=[(0, 7.5 * HOUR)], breaks=[(4 * HOUR, 4.5 * HOUR)])
line.run(8 * HOUR)                      # one 8-hour shift
hist = line.historian.to_dataframe()    # one row per unit per second
UNITS = list(line.units)                # Infeed, Filler, Capper, Labeler, CasePacker
GRID_KG_PER_KWH = line.grid_kg_per_kwh  # location-based grid factor, kg CO2e per kWh

print("grid factor:", GRID_KG_PER_KWH, "kg CO2e/kWh")
print(hist.groupby("unit", sort=False)[["produced_total", "defective_total", "energy_kwh"]].last())
hist.head()
"""

TASK_UNITS = r"""
## 1. Energy per good unit, for each unit

The register `energy_kwh` counts up from 0 kWh at the start of the shift, and
`produced_total` and `defective_total` count the units made and rejected (bottles; cases
for the CasePacker). Make three dictionaries keyed by unit name (all of `UNITS`):

- `unit_kwh`: the energy each unit used in the shift (its last register reading);
- `good`: the good units it made, `produced_total - defective_total` at the end (`int`);
- `kwh_per_good`: energy per good unit, `unit_kwh / good`.

Per bottle these are small numbers: think in **Wh** (1 kWh = 1,000 Wh) when you read them.
"""

ANSWER_UNITS = r"""
# unit_kwh, good, kwh_per_good: dictionaries keyed by unit name
### BEGIN SOLUTION
last = hist.groupby("unit").last()
unit_kwh = {unit: float(last.loc[unit, "energy_kwh"]) for unit in UNITS}
good = {
    unit: int(last.loc[unit, "produced_total"] - last.loc[unit, "defective_total"])
    for unit in UNITS
}
kwh_per_good = {unit: unit_kwh[unit] / good[unit] for unit in UNITS}
### END SOLUTION
for unit in UNITS:
    print(f"{unit:11} {unit_kwh[unit]:7.2f} kWh  {good[unit]:7,} good  "
          f"{1000 * kwh_per_good[unit]:6.3f} Wh per good unit")
"""

TASK_LINE = r"""
## 2. The line: kWh per good bottle and CO2e per 1,000 bottles

The line's output is counted at the **Filler**, its bottleneck: a bottle counts once it is
filled and passes the filler's own check. (In this simulation the units do not hand bottles
to each other, so each unit's counter would give a different answer; the plant's convention
is the filler.)

1. `line_kwh`: the energy of all five units together.
2. `good_bottles`: the Filler's good bottles.
3. `line_kwh_per_bottle`: `line_kwh / good_bottles`.
4. `co2e_per_1000`: kg CO2e per 1,000 good bottles, with `GRID_KG_PER_KWH`.
"""

ANSWER_LINE = r"""
# line_kwh, good_bottles, line_kwh_per_bottle, co2e_per_1000
### BEGIN SOLUTION
line_kwh = sum(unit_kwh.values())
good_bottles = good["Filler"]
line_kwh_per_bottle = line_kwh / good_bottles
co2e_per_1000 = 1000 * line_kwh_per_bottle * GRID_KG_PER_KWH
### END SOLUTION
print(f"{line_kwh:.1f} kWh for {good_bottles:,} good bottles: "
      f"{1000 * line_kwh_per_bottle:.2f} Wh per bottle, {co2e_per_1000:.3f} kg CO2e per 1,000")
"""

TASK_STATES = r"""
## 3. Energy by state: what did not make product?

The register only grows, so the energy used **in** one second is the **increment** from the
unit's previous row; the first row's increment is its own reading (the register started at
0). Each increment belongs to the state in the same row (`state_name`): the historian
records the state the unit was in while it used that energy.

1. Compute the increments per unit (`diff()` within each unit, not across units).
2. `energy_by_state`: a dictionary from each PackML state name that occurs to the kWh used in
   it, summed over all five units.
3. `non_execute_share`: the share of the line's energy used outside `EXECUTE` (idle,
   suspended, aborted, starting, …).
4. `non_execute_by_unit`: a dictionary from each unit to the share of **its** energy used
   outside `EXECUTE`.

Check: the increments of a unit must add up to its `unit_kwh`.
"""

ANSWER_STATES = r"""
# energy_by_state = {state: kWh}, non_execute_share, non_execute_by_unit = {unit: share}
### BEGIN SOLUTION
hist["kwh_step"] = hist.groupby("unit")["energy_kwh"].diff().fillna(hist["energy_kwh"])
by_state = hist.groupby("state_name")["kwh_step"].sum()
energy_by_state = {state: float(kwh) for state, kwh in by_state.items()}
producing = hist["state_name"] == "EXECUTE"
non_execute_share = float(hist.loc[~producing, "kwh_step"].sum() / hist["kwh_step"].sum())
per_unit = hist.groupby(["unit", producing])["kwh_step"].sum().unstack(fill_value=0.0)
non_execute_by_unit = {
    unit: float(per_unit.loc[unit, False] / per_unit.loc[unit].sum()) for unit in UNITS
}
### END SOLUTION
print({state: round(kwh, 3) for state, kwh in sorted(energy_by_state.items(), key=lambda s: -s[1])})
print(f"not producing: {non_execute_share:.1%} of the line's energy")
print({unit: f"{share:.1%}" for unit, share in non_execute_by_unit.items()})
"""

TASK_POWER = r"""
## 4. Power by state, and a cheap saving

Energy divided by time is average power. For the **Filler**, make `filler_kw`: a dictionary
from each state it was in for at least 60 s (that is, at least 60 rows) to its average power
in kW in that state, the state's kWh divided by the hours the Filler spent in it (each
historian row is one second).

Then a what-if: had the crew **stopped** the units instead of holding them, every held unit
would have drawn its stopped power instead. Every unit's stopped-to-held power ratio is the
same as the Filler's. Set `lunch_saving_kwh` to the energy the shift would have saved on all
its `HELD` time (most of it is the lunch break; the rest are the label and blank changes),
and `lunch_saving_kg` to the kg CO2e that saving is worth.
"""

ANSWER_POWER = r"""
# filler_kw = {state: kW}, lunch_saving_kwh, lunch_saving_kg
### BEGIN SOLUTION
filler = hist[hist["unit"] == "Filler"]
per_state = filler.groupby("state_name")["kwh_step"].agg(["sum", "size"])
per_state = per_state[per_state["size"] >= 60]
filler_kw = {state: float(row["sum"] / (row["size"] / 3600)) for state, row in per_state.iterrows()}
lunch_saving_kwh = energy_by_state["HELD"] * (1 - filler_kw["STOPPED"] / filler_kw["HELD"])
lunch_saving_kg = lunch_saving_kwh * GRID_KG_PER_KWH
### END SOLUTION
print({state: round(kw, 2) for state, kw in filler_kw.items()})
print(f"stopping instead of holding at lunch would save {lunch_saving_kwh:.2f} kWh "
      f"and {lunch_saving_kg:.2f} kg CO2e per shift")
"""

TASK_PLOT = r"""
## 5. Show it

Draw one horizontal bar per unit, split into the energy used in `EXECUTE` and the energy
used in every other state (stacked), in kWh, and write each unit's Wh per good unit next to
its bar. Which unit should you look at first to cut the non-producing energy, and which to
cut the energy per bottle?
"""

ANSWER_PLOT = r"""
# figure: stacked bars per unit (EXECUTE / all other states) with Wh per good unit
### BEGIN SOLUTION
producing_kwh = [per_unit.loc[unit, True] for unit in UNITS]
other_kwh = [per_unit.loc[unit, False] for unit in UNITS]
fig, ax = plt.subplots(figsize=(9, 4))
ax.barh(UNITS, producing_kwh, color="tab:green", label="EXECUTE")
ax.barh(UNITS, other_kwh, left=producing_kwh, color="tab:orange", label="all other states")
for y, unit in enumerate(UNITS):
    ax.text(unit_kwh[unit] + 0.5, y, f"{1000 * kwh_per_good[unit]:.2f} Wh/unit", va="center")
ax.invert_yaxis()
ax.set_xlim(0, max(unit_kwh.values()) * 1.3)
ax.set_xlabel("energy in the shift (kWh)")
ax.set_title(f"Line: {1000 * line_kwh_per_bottle:.2f} Wh per good bottle, "
             f"{co2e_per_1000:.2f} kg CO2e per 1,000; {non_execute_share:.1%} not producing")
ax.legend(loc="lower right")
plt.tight_layout()
plt.show()
### END SOLUTION
"""

TEST = r"""
# Self-check: run me. These asserts check the shape of your answers, not the values.
assert set(unit_kwh) == set(UNITS) and set(good) == set(UNITS) and set(kwh_per_good) == set(UNITS)
assert abs(unit_kwh["Filler"] - line.units["Filler"].energy_kwh) < 1e-5, "the last register value"
assert abs(line_kwh - sum(u.energy_kwh for u in line.units.values())) < 1e-4
assert abs(sum(energy_by_state.values()) - line_kwh) < 1e-4, "the increments add up to the energy"
assert 0 < non_execute_share < 1 and set(non_execute_by_unit) == set(UNITS)
print("The shapes look right.")
"""

WRAP = r"""
## Wrap-up

- Energy per unit is an **energy performance indicator**: a fixed boundary (here the five
  submeters), a fixed period and the **good** output. Divide by good units so the energy
  spent on rejects counts against the good product.
- Emissions follow by one multiplication, but state the factor and its source: this lab used
  a round 0.4 kg CO2e/kWh (location-based, Scope 2). The same shift on a cleaner or dirtier
  grid gives a different footprint with the same kWh.
- The state split comes from the **increments** of the register, attributed to the state in
  which they were used. Half an hour of lunch in `HELD` shows up plainly in the split. On
  real lines, changeovers, nights and weekends often push the
  non-producing share to a quarter or a third of the energy, and that part is the easiest
  to cut: stop instead of hold, switch auxiliaries off after a set idle time.
- Per-unit numbers depend on how much was made: fixed loads spread over fewer bottles in a
  slow shift. Compare shifts against a baseline normalised for volume, not raw ratios.
"""

CHECKS = [
    {
        "id": "wh-per-good",
        "points": 2,
        "description": "energy per good unit of each unit, in Wh (kwh_per_good x 1000)",
        "observe": "{str(k): round(float(v) * 1000, 5) for k, v in kwh_per_good.items()}",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Take each unit's last energy_kwh, produced_total and defective_total in the "
        "historian; divide the energy by produced minus defective.",
    },
    {
        "id": "line",
        "points": 2,
        "description": "line energy (kWh), the Filler's good bottles and Wh per good bottle",
        "observe": "[round(float(line_kwh), 4), int(good_bottles), "
        "round(float(line_kwh_per_bottle) * 1000, 5)]",
        "compare": "close",
        "tolerance": 2e-4,
        "hint": "Add the five units' energy, and divide by the Filler's produced_total minus "
        "defective_total.",
    },
    {
        "id": "co2e",
        "points": 1,
        "description": "kg CO2e per 1,000 good bottles (co2e_per_1000)",
        "observe": "round(float(co2e_per_1000), 5)",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "1000 x kWh per bottle x GRID_KG_PER_KWH gives kg per 1,000 bottles.",
    },
    {
        "id": "by-state",
        "points": 2,
        "visible": False,
        "description": "kWh used in each PackML state, all units together (energy_by_state)",
        "observe": "{str(k): round(float(v), 6) for k, v in energy_by_state.items()}",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "Increments are groupby('unit')['energy_kwh'].diff(), with the first row of each "
        "unit taking its own reading; sum them by state_name.",
    },
    {
        "id": "non-execute",
        "points": 2,
        "description": "share of the line's energy used outside EXECUTE (non_execute_share)",
        "observe": "round(float(non_execute_share), 6)",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "Sum the increments of every row whose state_name is not EXECUTE and divide by "
        "the sum of all increments.",
    },
    {
        "id": "power-saving",
        "points": 2,
        "visible": False,
        "description": "the Filler's power by state and the lunch-break what-if",
        "observe": "[{str(k): round(float(v), 4) for k, v in filler_kw.items()}, "
        "round(float(lunch_saving_kwh), 4), round(float(lunch_saving_kg), 4)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "kW = kWh / hours, with one historian row per second. The saving is the HELD "
        "energy times (1 - stopped kW / held kW).",
    },
    {
        "id": "non-execute-by-unit",
        "points": 1,
        "visible": False,
        "description": "each unit's share of its energy used outside EXECUTE",
        "observe": "{str(k): round(float(v), 6) for k, v in non_execute_by_unit.items()}",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "Do the same split within each unit: its non-EXECUTE increments over all its "
        "increments.",
    },
]

PITFALLS = [
    Pitfall(
        "per-unit-made",
        "Divides each unit's energy by everything it made, rejects included, instead of its "
        "good output.",
        {
            "answer-units": swap(
                ANSWER_UNITS,
                "kwh_per_good = {unit: unit_kwh[unit] / good[unit] for unit in UNITS}",
                'kwh_per_good = {unit: unit_kwh[unit] / last.loc[unit, "produced_total"] '
                "for unit in UNITS}",
            )
        },
    ),
    Pitfall(
        "diff-across-units",
        "Takes the register's increments down the whole table, across units, instead of "
        "within each unit.",
        {
            "answer-states": swap(
                ANSWER_STATES,
                'hist.groupby("unit")["energy_kwh"].diff()',
                'hist["energy_kwh"].diff()',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Energy per unit and emissions",
        competencies=["SM.ENRG.1", "SM.ENRG.2"],
        minutes=40,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-units", TASK_UNITS),
            code("answer-units", "answer", ANSWER_UNITS),
            md("task-line", TASK_LINE),
            code("answer-line", "answer", ANSWER_LINE),
            md("task-states", TASK_STATES),
            code("answer-states", "answer", ANSWER_STATES),
            md("task-power", TASK_POWER),
            code("answer-power", "answer", ANSWER_POWER),
            md("task-plot", TASK_PLOT),
            code("answer-plot", "answer", ANSWER_PLOT),
            code("test-shapes", "test", TEST),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

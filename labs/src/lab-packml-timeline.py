"""Writes labs/lab-packml-timeline.ipynb: PackML state timelines and time in state.

Run from the repository root:  .venv/bin/python labs/src/lab-packml-timeline.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-packml-timeline"


INTRO = r"""
# PackML state timelines and time in state

**Competencies:** SM.PACK.1 *Identify PackML states and commands* · SM.PACK.3 *Build a state
timeline* · about 45 minutes.

Every unit of the Riverbend bottling line (Infeed, Filler, Capper, Labeler, CasePacker) is a
PackML machine that reports its state in the PackTag `Status.StateCurrent`. The line's
historian sampled that tag for every unit on every PLC scan of one 8-hour shift. Before
anyone can talk about availability or a downtime Pareto, that log has to become **state
episodes** and **time in state**.

You will:

1. classify the PackML states as wait, acting or dual states;
2. turn the scan-by-scan log into episodes (one row per stay in a state) and list the state
   transitions the Filler made;
3. compute time in state for the shift and for a window inside it;
4. count the SUSPENDED episodes of each unit;
5. draw a state timeline of the line.

The historian `history` has one row per unit per scan: `time_s` (seconds since the start of
the shift), `unit`, `state` (the `StateCurrent` number), `state_name` and more. A row stamped
`time_s` describes the scan that **started** at `time_s` (the first row is at 0), so it
stands for the interval from `time_s` to `time_s + SCAN_S`. Your data comes from your own seed.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.packml import State, is_legal
from plcsim.scenarios import scenario

line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
line.run(8 * 3600)                      # one 8-hour shift
history = line.historian.to_dataframe()
SCAN_S = line.resolution                # seconds per scan: every row stands for this long
SHIFT_S = 8 * 3600
print(f"{len(history):,} rows, scan {SCAN_S} s, units {list(line.units)}")
columns = ["time_s", "unit", "state", "state_name", "speed"]
print(history[history["unit"] == "Filler"].head(12)[columns])
"""

TASK_KINDS = r"""
## 1. Wait, acting and dual states

In the PackML state model an **acting** state does something and ends by itself with *state
complete* (SC); a **wait** state waits for a command; **Execute** is the one **dual** state.
`State` lists the seventeen states with their PackTags numbers (`State.EXECUTE.value == 6`,
`State(5).name == "SUSPENDED"`); ignore `UNDEFINED` (0).

Write `kind(state_name)` that returns `"wait"`, `"acting"` or `"dual"` for a state name such
as `"SUSPENDING"`. Then list `filler_acting_seen`: the names of the **acting** states that
occur in the Filler's log this shift.
"""

ANSWER_KINDS = r"""
# kind(state_name) -> "wait" | "acting" | "dual"; filler_acting_seen = [acting state names]
### BEGIN SOLUTION
WAIT = {"STOPPED", "IDLE", "SUSPENDED", "ABORTED", "HELD", "COMPLETE"}


def kind(state_name):
    if state_name == "EXECUTE":
        return "dual"
    return "wait" if state_name in WAIT else "acting"


filler_names = history.loc[history["unit"] == "Filler", "state_name"].unique()
filler_acting_seen = sorted(name for name in filler_names if kind(name) == "acting")
### END SOLUTION
print({s.name: kind(s.name) for s in State if s is not State.UNDEFINED})
print("acting states the Filler went through:", filler_acting_seen)
"""

TASK_EPISODES = r"""
## 2. From scans to episodes

An **episode** is a stay in one state: consecutive rows of the same unit with the same
state. Build `episodes`, a DataFrame with one row per episode and the columns

| column | meaning |
| --- | --- |
| `unit` | unit name |
| `state_name` | the state |
| `start_s` | when the episode began: the first row's `time_s` |
| `end_s` | when it ended: the last row's `time_s` plus `SCAN_S` |
| `duration_s` | `end_s - start_s` (the number of rows times `SCAN_S`) |

Hint: sort by unit and time, mark the rows where the unit or the state differs from the
previous row (`shift()`), number the episodes with `cumsum()`, then `groupby` that number.

Then make `filler_transitions`: the set of transitions the Filler made, as strings
`"FROM->TO"` such as `"EXECUTE->SUSPENDING"`.
"""

ANSWER_EPISODES = r"""
# episodes: DataFrame(unit, state_name, start_s, end_s, duration_s)
# filler_transitions = {"FROM->TO", ...}
### BEGIN SOLUTION
log = history.sort_values(["unit", "time_s"], kind="stable")
new_episode = (log["unit"] != log["unit"].shift()) | (log["state"] != log["state"].shift())
episodes = (
    log.assign(episode=new_episode.cumsum())
    .groupby("episode")
    .agg(unit=("unit", "first"), state_name=("state_name", "first"),
         start_s=("time_s", "first"), last_s=("time_s", "last"))
    .reset_index(drop=True)
)
episodes["end_s"] = episodes.pop("last_s") + SCAN_S
episodes["duration_s"] = episodes["end_s"] - episodes["start_s"]
episodes = episodes[["unit", "state_name", "start_s", "end_s", "duration_s"]]

filler = episodes[episodes["unit"] == "Filler"]["state_name"].tolist()
filler_transitions = {f"{a}->{b}" for a, b in zip(filler, filler[1:])}
### END SOLUTION
print(episodes.groupby("unit").size().rename("episodes"))
print(sorted(filler_transitions))
"""

TEST_EPISODES = r"""
# Self-check: episodes must tile each unit's shift exactly, and PackML allows every transition.
covered = episodes.groupby("unit")["duration_s"].sum()
assert (covered == SHIFT_S).all(), f"each unit's episodes should add up to {SHIFT_S} s:\n{covered}"
assert (episodes["duration_s"] > 0).all()
for step in filler_transitions:
    before, after = step.split("->")
    assert before != after, f"{step}: consecutive episodes must differ"
    assert is_legal(State[before], State[after]), f"{step} is not a PackML transition"
print("Episodes cover the shift and every Filler transition is legal PackML.")
"""

TASK_TIME = r"""
## 3. Time in state

1. Make `filler_time_in_state`: a dictionary from each state name that occurs in the Filler's
   log to the seconds the Filler spent in it over the whole shift. The values must add up to
   28,800 s.
2. The production manager asks about the Capper between **02:00 and 06:00**
   (`time_s` 7,200 to 21,600). Make `capper_window`: state name → seconds inside that window,
   only for states with more than 0 s. Follow the lesson's rules: an episode that started
   before 02:00 counts only from 02:00 (carry the state in), one still running at 06:00 counts
   only until 06:00, and the values add up to 14,400 s. (`clip()` does both.)
"""

ANSWER_TIME = r"""
# filler_time_in_state = {state: seconds}; capper_window = {state: seconds in 02:00-06:00}
### BEGIN SOLUTION
filler_time_in_state = (
    episodes[episodes["unit"] == "Filler"].groupby("state_name")["duration_s"].sum().to_dict()
)

WINDOW = (2 * 3600, 6 * 3600)
capper = episodes[episodes["unit"] == "Capper"]
inside = capper["end_s"].clip(upper=WINDOW[1]) - capper["start_s"].clip(lower=WINDOW[0])
capper_window = (
    capper.assign(seconds=inside)[inside > 0].groupby("state_name")["seconds"].sum().to_dict()
)
### END SOLUTION
table = pd.DataFrame({"Filler, shift (s)": pd.Series(filler_time_in_state),
                      "Capper, 02:00-06:00 (s)": pd.Series(capper_window)}).fillna(0)
print(table.sort_values("Filler, shift (s)", ascending=False))
print("totals:", sum(filler_time_in_state.values()), sum(capper_window.values()))
"""

TASK_SUSPENDED = r"""
## 4. Suspended episodes

SUSPENDED is the state for conditions **outside** the unit: starved (nothing arriving) or
blocked (no room downstream). Each suspension is a short stop that operators rarely write
down, but the state log has every one.

Make `suspended_episodes`: a dictionary from every unit name (all five, with 0 if a unit
never suspended) to its number of SUSPENDED episodes in the shift, and
`filler_longest_suspended_s`: the length in seconds of the Filler's longest SUSPENDED episode.
"""

ANSWER_SUSPENDED = r"""
# suspended_episodes = {unit: count}; filler_longest_suspended_s
### BEGIN SOLUTION
suspended = episodes[episodes["state_name"] == "SUSPENDED"]
suspended_episodes = {unit: int((suspended["unit"] == unit).sum()) for unit in line.units}
filler_longest_suspended_s = float(suspended.loc[suspended["unit"] == "Filler", "duration_s"].max())
### END SOLUTION
print(suspended_episodes, "longest Filler suspension:", filler_longest_suspended_s, "s")
"""

TASK_PLOT = r"""
## 5. The timeline

Draw a state timeline of the whole line: one horizontal lane per unit, time of the shift in
hours on the x axis, and a bar for every episode coloured by its state (for example with
`ax.broken_barh`). Use one colour per state and a legend; EXECUTE in green, SUSPENDED in
orange and ABORTED in red read naturally. Look for the long red blocks: those are faults,
and the next lab turns them into OEE.
"""

ANSWER_PLOT = r"""
### BEGIN SOLUTION
COLOURS = {"EXECUTE": "tab:green", "SUSPENDED": "tab:orange", "ABORTED": "tab:red"}
units = list(line.units)
fig, ax = plt.subplots(figsize=(11, 3.8))
for lane, unit in enumerate(units):
    mine = episodes[episodes["unit"] == unit]
    for state, group in mine.groupby("state_name"):
        colour = COLOURS.get(state, "tab:blue" if kind(state) == "acting" else "tab:grey")
        spans = list(zip(group["start_s"] / 3600, group["duration_s"] / 3600))
        ax.broken_barh(spans, (lane - 0.4, 0.8), color=colour, label=state)
handles = {label: h for h, label in zip(*ax.get_legend_handles_labels())}
ax.legend(handles.values(), handles.keys(), loc="upper center", bbox_to_anchor=(0.5, -0.18),
          ncol=6, fontsize=8)
ax.set_yticks(range(len(units)), units)
ax.set_xlabel("hours into the shift")
ax.set_xlim(0, SHIFT_S / 3600)
ax.set_title("PackML state timeline")
plt.tight_layout()
plt.show()
### END SOLUTION
"""

WRAP = r"""
## Wrap-up

- A scan-by-scan (or change-by-change) state log becomes **episodes** by grouping
  consecutive rows of the same state; the durations then give **time in state**.
- Always check that time in state adds up to the window: a gap or an overlap means the
  episodes are wrong.
- For a window inside the log, **carry in** the state at the window start and **close out**
  the state still running at its end.
- Acting states are short and end by themselves; wait states last until a command or, in this
  simulator, until the outside condition clears (Suspended) or a repair is done (Aborted).
  Every transition in a clean log is one the PackML model allows.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "state-kinds",
        "points": 1,
        "description": "kind() of every PackML state, and the acting states the Filler "
        "went through",
        "observe": "[kind(s.name) for s in State if s is not State.UNDEFINED] + "
        "[sorted(filler_acting_seen)]",
        "compare": "equal",
        "hint": "Wait states: STOPPED, IDLE, SUSPENDED, ABORTED, HELD, COMPLETE. EXECUTE is the "
        "dual state; every other state (the -ING states and CLEARING) is acting.",
    },
    {
        "id": "episodes-per-unit",
        "points": 2,
        "description": "number of state episodes of each unit (episodes)",
        "observe": "{str(u): int(n) for u, n in episodes.groupby('unit').size().items()}",
        "compare": "equal",
        "hint": "A new episode starts on every row whose unit or state differs from the row "
        "before it, after sorting by unit and time_s.",
    },
    {
        "id": "filler-transitions",
        "points": 1,
        "visible": False,
        "description": "the Filler's state transitions (filler_transitions)",
        "observe": "sorted(filler_transitions)",
        "compare": "set",
        "hint": "Take the Filler's episodes in time order and pair each state with the next "
        "one: 'EXECUTE->SUSPENDING', 'SUSPENDING->SUSPENDED', ...",
    },
    {
        "id": "filler-time-in-state",
        "points": 2,
        "description": "seconds the Filler spent in each state (filler_time_in_state)",
        "observe": "{str(k): float(v) for k, v in filler_time_in_state.items()}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Sum duration_s of the Filler's episodes by state_name; the total is 28,800 s. "
        "An episode of n rows lasts n x SCAN_S, so end_s is the last row's time_s + SCAN_S.",
    },
    {
        "id": "capper-window",
        "points": 2,
        "visible": False,
        "description": "seconds the Capper spent in each state between 02:00 and 06:00 "
        "(capper_window)",
        "observe": "{str(k): float(v) for k, v in capper_window.items() if v > 0}",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Clip each Capper episode to the window: start at max(start_s, 7200), end at "
        "min(end_s, 21600), keep the positive parts. The total is 14,400 s.",
    },
    {
        "id": "suspended-episodes",
        "points": 2,
        "description": "SUSPENDED episodes per unit and the Filler's longest one",
        "observe": "[{str(u): int(n) for u, n in suspended_episodes.items()}, "
        "float(filler_longest_suspended_s)]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Count the episodes whose state_name is 'SUSPENDED' for each unit (0 when none);"
        " the longest is the largest duration_s among the Filler's (rows x SCAN_S).",
    },
]

PITFALLS = [
    Pitfall(
        "episode-end-fencepost",
        "Ends each episode at its last row's time_s, forgetting that the row stands for a "
        "whole scan: every episode one scan short.",
        {
            "answer-episodes": swap(
                ANSWER_EPISODES,
                'episodes["end_s"] = episodes.pop("last_s") + SCAN_S',
                'episodes["end_s"] = episodes.pop("last_s")',
            )
        },
    ),
    Pitfall(
        "window-not-clipped",
        "Counts the whole episodes that start between 02:00 and 06:00: the state carried in "
        "at 02:00 is lost, and the one still running at 06:00 counts past it.",
        {
            "answer-time-in-state": swap(
                ANSWER_TIME,
                'inside = capper["end_s"].clip(upper=WINDOW[1]) - '
                'capper["start_s"].clip(lower=WINDOW[0])',
                'started = capper["start_s"].between(WINDOW[0], WINDOW[1], inclusive="left")\n'
                'inside = capper["duration_s"].where(started, 0)',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="PackML state timelines and time in state",
        competencies=["SM.PACK.1", "SM.PACK.3"],
        minutes=45,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-kinds", TASK_KINDS),
            code("answer-kinds", "answer", ANSWER_KINDS),
            md("task-episodes", TASK_EPISODES),
            code("answer-episodes", "answer", ANSWER_EPISODES),
            code("test-episodes", "test", TEST_EPISODES),
            md("task-time", TASK_TIME),
            code("answer-time-in-state", "answer", ANSWER_TIME),
            md("task-suspended", TASK_SUSPENDED),
            code("answer-suspended", "answer", ANSWER_SUSPENDED),
            md("task-timeline", TASK_PLOT),
            code("answer-timeline", "answer", ANSWER_PLOT),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

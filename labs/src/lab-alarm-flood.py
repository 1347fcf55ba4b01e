"""Writes labs/lab-alarm-flood.ipynb: alarm rates, floods, bad actors and chattering.

Run from the repository root:  .venv/bin/python labs/src/lab-alarm-flood.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-alarm-flood"


INTRO = r"""
# Alarm flood analysis

**Competencies:** SM.ALM.1 *Explain the alarm lifecycle and states* · SM.ALM.2 *Analyse
alarm performance* · about 50 minutes.

The operators of the Riverbend bottling line say the alarm banner "never stops". Before
anyone changes a setpoint, you measure: the HMI's alarm journal for one 8-hour shift, one
operator console. Every row is one **state change** of one alarm, in the ISA-18.2 state
model:

| `before` → `after` | Meaning |
| --- | --- |
| `normal` → `unacknowledged` | the alarm **activates** (annunciated: horn and banner) |
| `unacknowledged` → `acknowledged` | the operator acknowledges it; it is still active |
| `unacknowledged` → `rtn_unacknowledged` | it returns to normal before anyone acknowledged it |
| `rtn_unacknowledged` → `unacknowledged` | it **activates again** before it was acknowledged |
| `acknowledged` → `normal`, `rtn_unacknowledged` → `normal` | it is over |

An **activation** is every entry whose `after` is `"unacknowledged"`: that is what the
operator hears. You will compare the shift with the ISA-18.2 performance targets:

| Metric | Target |
| --- | --- |
| Activations per 10 minutes | about 1 very likely acceptable, about 2 the most manageable |
| Share of 10-minute windows in **flood** (more than 10 activations) | under about 1 % |
| Share of all activations from the most frequent alarms | a few per cent at most |
| Chattering alarms | zero |

By the end of this lab you can count activations per 10-minute window, find the flood
windows and the bad actors, detect chattering and consequential alarms, and test a fix.
Your data comes from your own seed (`SHOPFLOOR_SEED`). Run the cells in order, write your
code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.alarms import to_dataframe as alarm_dataframe
from plcsim.scenarios import scenario

SHIFT_S = 8 * 3600
WINDOWS = SHIFT_S // 600          # 48 ten-minute windows

line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
line.run(SHIFT_S)
log = alarm_dataframe(line.alarm_log)   # time_s, alarm, before, after, value, priority, message

print("Configured alarms:")
for alarm in line.alarms:
    print(f"  {alarm.id:26} {alarm.kind:4} at {alarm.setpoint:5} on {alarm.tag:20} "
          f"priority {alarm.priority:6} deadband {alarm.deadband:3}  on-delay {alarm.on_delay:3} s")
print(f"\n{len(log):,} journal entries in the shift")
print(log.groupby(["before", "after"]).size().to_string())
log.head(8)
"""

TASK_WINDOWS = r"""
## 1. Activations per 10 minutes

1. Make `act`: the rows of `log` that are activations (`after == "unacknowledged"`).
2. Give each activation its window, `window = time_s // 600` as an `int`, 0 to 47. The
   first scan is at 0 s and the last at 28,799 s, so window 0 is 0-599 s and window 47 is
   28,200-28,799 s.
3. Make `per_window`: a list of 48 `int`s, the number of activations in windows 0 to 47,
   **including the windows with none**.
4. Set `rate_per_10min`: the average number of activations per 10 minutes over the shift.
5. Set `unacked_reactivations` to the number of activations that came straight from
   `rtn_unacknowledged`: the alarm cleared and came back before anyone had acknowledged it.

Then the floods: set `flood_windows` to the number of windows with **more than 10**
activations and `flood_share` to their share of the 48 windows.

*If you prefer `resample("10min")`:* use a `DatetimeIndex`, `pd.to_datetime(time_s,
unit="s")`, so the bins start at 0 s, and make sure all 48 windows are there, the empty ones
too.
"""

ANSWER_WINDOWS = r"""
# act, per_window (48 ints), rate_per_10min, unacked_reactivations, flood_windows, flood_share
### BEGIN SOLUTION
act = log[log["after"] == "unacknowledged"].copy()
act["window"] = (act["time_s"] // 600).astype(int)
per_window = [int(n) for n in act.groupby("window").size().reindex(range(WINDOWS), fill_value=0)]
rate_per_10min = len(act) / WINDOWS
unacked_reactivations = int((act["before"] == "rtn_unacknowledged").sum())
flood_windows = sum(1 for n in per_window if n > 10)
flood_share = flood_windows / WINDOWS
### END SOLUTION
print(f"{len(act)} activations: {rate_per_10min:.1f} per 10 min (target about 1, at most 2)")
print(f"{unacked_reactivations} came back before anyone acknowledged them")
print(f"flood windows: {flood_windows} of {WINDOWS} = {flood_share:.0%} (target under 1 %)")
"""

TASK_ACTORS = r"""
## 2. Bad actors

1. Make `counts`: a dictionary from each alarm id that activated to its number of
   activations (`int`).
2. Set `top_alarm` to the id of the alarm with the most activations and `top_share` to its
   share of all activations (a fraction between 0 and 1).
3. Draw a figure with two panels: the activations per window as bars with the flood
   threshold of 10 as a line, and the activations per alarm as horizontal bars (a log scale
   helps when one alarm dwarfs the rest).
"""

ANSWER_ACTORS = r"""
# counts = {alarm: n}, top_alarm, top_share, and the two bar charts
### BEGIN SOLUTION
ranked = act["alarm"].value_counts()
counts = {alarm: int(n) for alarm, n in ranked.items()}
top_alarm = ranked.index[0]
top_share = ranked.iloc[0] / len(act)

fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [3, 2]})
colours = ["tab:red" if n > 10 else "tab:blue" for n in per_window]
left.bar(np.arange(WINDOWS) / 6, per_window, width=1 / 6, align="edge", color=colours)
left.axhline(10, color="k", ls="--", lw=1, label="flood: more than 10")
left.set_xlabel("time (h)")
left.set_ylabel("activations per 10 min")
left.set_title(f"{flood_windows} of {WINDOWS} windows in flood")
left.legend()
right.barh(ranked.index[::-1], ranked.values[::-1], color="tab:orange")
right.set_xscale("log")
right.set_xlabel("activations in the shift (log scale)")
right.set_title(f"Bad actors: {top_alarm} makes {top_share:.0%}")
plt.tight_layout()
plt.show()
### END SOLUTION
print(counts)
"""

TASK_CHATTER = r"""
## 3. Chattering and consequential alarms

A **chattering** alarm activates and clears again and again in a short time. Two measures,
per alarm (sort `act` by time first):

- `repeats`: a dictionary from **every** alarm id in `counts` to the number of its
  activations that came **at most 60 s** after that same alarm's previous activation (0 if
  none);
- `chattering`: a sorted list of the alarm ids that activated **three or more times within
  60 s**, that is, with at least one activation at most 60 s after the activation *two
  before it* of the same alarm (the lesson's working test).

A **consequential** alarm is the result of something the operator already knows. The
product supply to the filler bowl is interlocked with the infeed, so the bowl level drops
whenever the infeed is not running. Check whether
`Filler.BowlLevel.LO` is such an alarm: make `lo_by_infeed_state`, a dictionary from the
**Infeed's** PackML state name (`state_name` in `line.historian.to_dataframe()`, at the same
`time_s`) to the number of `Filler.BowlLevel.LO` activations that happened in that state.
"""

ANSWER_CHATTER = r"""
# repeats = {alarm: n}, chattering = sorted ids, lo_by_infeed_state = {state name: n}
### BEGIN SOLUTION
ordered = act.sort_values("time_s")
by_alarm = ordered.groupby("alarm")["time_s"]
gap = ordered["time_s"] - by_alarm.shift(1)
span3 = ordered["time_s"] - by_alarm.shift(2)
repeats = {alarm: int((gap[ordered["alarm"] == alarm] <= 60).sum()) for alarm in counts}
chattering = sorted(ordered.loc[span3 <= 60, "alarm"].unique())

history = line.historian.to_dataframe()
infeed_state = history[history["unit"] == "Infeed"].set_index("time_s")["state_name"]
lo_times = act.loc[act["alarm"] == "Filler.BowlLevel.LO", "time_s"]
lo_by_infeed_state = {
    state: int(n) for state, n in infeed_state.reindex(lo_times).value_counts().items()
}
### END SOLUTION
print("repeats within 60 s:", repeats)
print("chattering:", chattering)
print("Filler.BowlLevel.LO activations by Infeed state:", lo_by_infeed_state)
"""

TASK_FIX = r"""
## 4. Test a fix

`Infeed.MotorCurrent.HI` alarms at 10.0 A with no deadband and no delay, while the motor
normally draws about 9.4 A with some noise. Rationalisation proposes a **deadband of
0.5 A** and an **on-delay of 5 s**, so the alarm needs the current above 10 A for 5 s to
activate and below 9.5 A to clear.

Test the proposal on the same shift: build a new line with the **same seed**, change that
alarm's `deadband` and `on_delay` (find it in `new_line.alarms` by its `id`) **before** you
run it, run it for `SHIFT_S` and analyse its alarm journal as in part 1. The process and the
sensor readings are the same; only the alarm changes.

Make `fixed`, a dictionary with the keys `"activations"`, `"per_window"` (the 48 counts,
as in part 1: after the fix many windows have none), `"flood_windows"` and
`"rate_per_10min"` for the changed shift.
"""

ANSWER_FIX = r"""
# fixed = {"activations": ..., "flood_windows": ..., "rate_per_10min": ...}
### BEGIN SOLUTION
new_line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
for alarm in new_line.alarms:
    if alarm.id == "Infeed.MotorCurrent.HI":
        alarm.deadband = 0.5
        alarm.on_delay = 5
new_line.run(SHIFT_S)
new_log = alarm_dataframe(new_line.alarm_log)
new_act = new_log[new_log["after"] == "unacknowledged"]
new_window = (new_act["time_s"] // 600).astype(int)
new_per_window = new_act.groupby(new_window).size().reindex(range(WINDOWS), fill_value=0)
fixed = {
    "activations": int(len(new_act)),
    "per_window": [int(n) for n in new_per_window],
    "flood_windows": int((new_per_window > 10).sum()),
    "rate_per_10min": len(new_act) / WINDOWS,
}
### END SOLUTION
print("before:", {"activations": len(act), "flood_windows": flood_windows,
                  "rate_per_10min": round(rate_per_10min, 2)})
print("after: ", {key: value for key, value in fixed.items() if key != "per_window"})
"""

TEST = r"""
# Self-check: run me. These asserts check the shape of your answers, not the values.
assert len(per_window) == WINDOWS, "one count per window, the empty ones too"
assert sum(per_window) == len(act), "every activation in exactly one window"
assert 0 <= flood_windows <= WINDOWS and abs(flood_share - flood_windows / WINDOWS) < 1e-9
assert top_alarm in counts and 0 < top_share <= 1
assert set(repeats) == set(counts), "one entry per alarm that activated"
assert chattering == sorted(chattering) and set(chattering) <= set(counts)
assert set(fixed) == {"activations", "per_window", "flood_windows", "rate_per_10min"}
assert len(fixed["per_window"]) == WINDOWS, "one count per window after the fix, the empty ones too"
print("The shapes look right.")
"""

WRAP = r"""
## Wrap-up

Put your numbers next to the targets:

- The shift ran at many times the ISA-18.2 rate, and nearly every window was a flood. One
  alarm made almost all of it: a textbook **bad actor**, and a **chattering** one. Its
  setpoint sits just above the normal running current, so noise alone crosses it, and the
  spikes you may have cleaned in the sensor lab add more.
- A deadband and an on-delay, made through **management of change**, remove it without
  hiding anything the operator could act on. After the fix the rate falls to well under one
  activation per 10 minutes and the floods disappear. Check the next month's numbers to
  confirm it, and ask whether an alarm that never needs an operator action should exist at
  all.
- The new top alarm, `Filler.BowlLevel.LO`, fires almost only while the Infeed is not
  executing: a **consequential** alarm. State-based suppression (no bowl-level alarm while
  the infeed is suspended or stopped) or first-out logic removes it; shelving would only hide
  it.
- Look at the priorities too: with three priorities ISA-18.2 suggests about 80 % low, 15 %
  medium and 5 % high. What would this shift's distribution look like after the fixes?
"""

CHECKS = [
    {
        "id": "per-window",
        "points": 2,
        "description": "activations in each of the 48 ten-minute windows (per_window)",
        "observe": "[int(n) for n in per_window]",
        "compare": "equal",
        "hint": "Activations are rows with after == 'unacknowledged'. Window = time_s // 600, "
        "0 to 47; reindex so empty windows count 0.",
    },
    {
        "id": "rate-floods",
        "points": 1,
        "description": "activations per 10 minutes, re-activations before acknowledgement, "
        "flood windows and flood share",
        "observe": "[round(float(rate_per_10min), 4), int(unacked_reactivations), "
        "int(flood_windows), round(float(flood_share), 4)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The rate is activations / 48. Re-activations are activations whose before is "
        "'rtn_unacknowledged'. A flood window has more than 10 activations.",
    },
    {
        "id": "bad-actor",
        "points": 2,
        "description": "the most frequent alarm and its share of all activations",
        "observe": "[str(top_alarm), round(float(top_share), 4)]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "act['alarm'].value_counts(): the first entry, divided by the number of "
        "activations.",
    },
    {
        "id": "chattering",
        "points": 2,
        "description": "alarms with three or more activations within 60 s (chattering)",
        "observe": "[str(a) for a in chattering]",
        "compare": "set",
        "hint": "Within each alarm, compare each activation's time with the time of the "
        "activation two before it (groupby('alarm')['time_s'].shift(2)).",
    },
    {
        "id": "repeats",
        "points": 1,
        "visible": False,
        "description": "activations at most 60 s after the same alarm's previous one (repeats)",
        "observe": "{str(k): int(v) for k, v in repeats.items()}",
        "compare": "equal",
        "hint": "Sort by time, take groupby('alarm')['time_s'].diff() and count values <= 60 "
        "per alarm, with 0 for alarms that never repeat.",
    },
    {
        "id": "consequential",
        "points": 2,
        "visible": False,
        "description": "Filler.BowlLevel.LO activations by the Infeed's state (lo_by_infeed_state)",
        "observe": "{str(k): int(v) for k, v in lo_by_infeed_state.items()}",
        "compare": "equal",
        "hint": "Look up the Infeed's state_name in the historian at each activation's exact "
        "time_s, then count the state names.",
    },
    {
        "id": "fix",
        "points": 2,
        "visible": False,
        "description": "activations, activations per window and flood windows after the "
        "deadband and on-delay fix (fixed)",
        "observe": "[int(fixed['activations']), int(fixed['flood_windows'])] + "
        "[int(n) for n in fixed['per_window']]",
        "compare": "equal",
        "hint": "Build a new line with the same seed, set the alarm's deadband = 0.5 and "
        "on_delay = 5 before run(SHIFT_S), and count activations as in part 1: 48 windows, "
        "the empty ones as 0.",
    },
]

PITFALLS = [
    Pitfall(
        "empty-windows-dropped",
        "Counts activations per window with groupby().size() alone, which leaves out the "
        "windows with none: fewer than 48 counts once the floods are fixed.",
        {
            "answer-windows": swap(ANSWER_WINDOWS, ".reindex(range(WINDOWS), fill_value=0)", ""),
            "answer-fix": swap(ANSWER_FIX, ".reindex(range(WINDOWS), fill_value=0)", ""),
        },
    ),
    Pitfall(
        "every-journal-row",
        "Counts every row of the alarm journal (acknowledgements and returns to normal too) "
        "as an activation.",
        {
            "answer-windows": swap(
                ANSWER_WINDOWS,
                'act = log[log["after"] == "unacknowledged"].copy()',
                "act = log.copy()",
            )
        },
    ),
    Pitfall(
        "fix-after-run",
        "Changes the alarm's deadband and on-delay after the test line has run, so its "
        "journal still shows the old alarm.",
        {
            "answer-fix": swap(
                swap(ANSWER_FIX, "new_line.run(SHIFT_S)\n", ""),
                'new_line = scenario("packaging-line", seed=SHOPFLOOR_SEED)\n',
                'new_line = scenario("packaging-line", seed=SHOPFLOOR_SEED)\n'
                "new_line.run(SHIFT_S)\n",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Alarm flood analysis",
        competencies=["SM.ALM.1", "SM.ALM.2"],
        minutes=50,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-windows", TASK_WINDOWS),
            code("answer-windows", "answer", ANSWER_WINDOWS),
            md("task-actors", TASK_ACTORS),
            code("answer-actors", "answer", ANSWER_ACTORS),
            md("task-chatter", TASK_CHATTER),
            code("answer-chatter", "answer", ANSWER_CHATTER),
            md("task-fix", TASK_FIX),
            code("answer-fix", "answer", ANSWER_FIX),
            code("test-shapes", "test", TEST),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

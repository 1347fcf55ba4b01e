"""Writes labs/lab-sensor-cleaning.ipynb: finding and cleaning bad sensor data.

Run from the repository root:  .venv/bin/python labs/src/lab-sensor-cleaning.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-sensor-cleaning"


INTRO = r"""
# Cleaning sensor data

**Competencies:** SM.DATA.2 *Detect bad data* · SM.DATA.3 *Clean and resample time series* ·
about 50 minutes.

The Riverbend bottling line (Infeed → Filler → Capper → Labeler → CasePacker) has four analog
sensors that the historian logs once a second:

| Tag | Unit | What it measures |
| --- | --- | --- |
| `Filler/ProductTemp` | °C | temperature of the product in the filler bowl |
| `Filler/BowlLevel` | % | level in the filler bowl |
| `Infeed/MotorCurrent` | A | current of the infeed conveyor motor |
| `Capper/Vibration` | mm/s | vibration velocity on the capper head |

The process engineer wants one-minute averages of these tags for a report. Before anyone
averages anything, you check the raw data: last shift the maintenance log mentions a
**network dropout** at the capper, a level transmitter that **froze**, and **spikes** on the
infeed motor current while an electrician worked in the panel next to the drive.

By the end of this lab you can:

1. count readings with a bad or uncertain **quality flag** and find a **dropout** (missing values);
2. detect a **stuck** sensor from its values alone: long runs of identical readings;
3. flag **spikes** with a rolling-median filter;
4. **clean** the data and **resample** it to one-minute means without inventing data.

Your data comes from your own seed (`SHOPFLOOR_SEED`): your faults happen at other times than
your neighbour's, so your numbers differ. Run the cells in order, write your code where it
says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.scenarios import scenario

line = scenario("packaging-line", seed=SHOPFLOOR_SEED)
line.run(8 * 3600)                     # one 8-hour shift; every sensor is read once a second
raw = line.sensor_log.to_dataframe()   # columns: time_s, tag, value, quality
TAGS = sorted(raw["tag"].unique())

print(f"{len(raw):,} readings of {len(TAGS)} tags, from t = {raw['time_s'].min():.0f} s "
      f"to {raw['time_s'].max():.0f} s")
print(raw.groupby("tag")["value"].describe().round(2))
raw.head(8)
"""

TASK_QUALITY = r"""
## 1. Quality flags and dropouts

Each reading carries a **quality** of `"good"`, `"uncertain"` or `"bad"`, as an OPC UA
StatusCode would. During a dropout the historian received no number at all: `value` is
missing (`NaN` in pandas).

Make:

- `not_good`: a dictionary from **every** tag in `TAGS` to the number of its readings whose
  quality is not `"good"` (0 if there are none), as `int`s;
- `missing`: the same for readings whose `value` is missing;
- `dropout`: a list `[first, last]` with the `time_s` of the first and the last missing
  reading of `Capper/Vibration`.

Compare `not_good` and `missing`: which tag has readings that are *not* missing but still not
good?
"""

ANSWER_QUALITY = r"""
# not_good = {tag: n}, missing = {tag: n}, dropout = [first time_s, last time_s]
### BEGIN SOLUTION
by_tag = raw.groupby("tag")
not_good = {tag: int((rows["quality"] != "good").sum()) for tag, rows in by_tag}
missing = {tag: int(rows["value"].isna().sum()) for tag, rows in by_tag}
vibration = raw[raw["tag"] == "Capper/Vibration"]
gap_times = vibration.loc[vibration["value"].isna(), "time_s"]
dropout = [float(gap_times.min()), float(gap_times.max())]
### END SOLUTION
print("not good:", not_good)
print("missing: ", missing)
print("dropout: ", dropout)
"""

TASK_STUCK = r"""
## 2. A stuck sensor

A real measurement always jitters a little, so the same value many seconds in a row means the
sensor or its link has frozen. A PLC cannot see a quality flag for that: you have to find it
in the values.

Write a function `stuck_runs(values, min_samples=30)`. `values` is a pandas Series of one
tag's readings in time order, **indexed by `time_s`**. Return a list of `[first, last]`
pairs, the index labels (times) of the first and the last reading of every run of at least
`min_samples` consecutive, identical values, in time order. Missing values (`NaN`) are never
part of a run.

Then make `stuck_by_tag`: a dictionary from every tag in `TAGS` to `stuck_runs` of its
readings (all of them, whatever their quality), with the default `min_samples`.

*Hint:* a new run starts wherever a value differs from the one before it
(`s.ne(s.shift())`); a running sum of those starts numbers the runs.
"""

ANSWER_STUCK = r"""
# stuck_runs(values, min_samples=30) -> [[first, last], ...]; stuck_by_tag = {tag: runs}
### BEGIN SOLUTION
def stuck_runs(values, min_samples=30):
    values = pd.Series(values)
    starts = values.ne(values.shift()) | values.isna()  # NaN never continues a run
    runs = pd.DataFrame(
        {"time": values.index, "run": starts.cumsum().to_numpy(), "ok": values.notna().to_numpy()}
    ).groupby("run").agg(
        first=("time", "first"), last=("time", "last"), n=("time", "size"), ok=("ok", "all")
    )
    runs = runs[(runs["n"] >= min_samples) & runs["ok"]]
    return [[first, last] for first, last in zip(runs["first"], runs["last"])]


stuck_by_tag = {
    tag: stuck_runs(rows.set_index("time_s")["value"]) for tag, rows in raw.groupby("tag")
}
### END SOLUTION
level_flags = raw[(raw["tag"] == "Filler/BowlLevel") & (raw["quality"] != "good")]["time_s"]
print("stuck runs:", stuck_by_tag)
print(f"BowlLevel flagged uncertain from {level_flags.min():.0f} s to {level_flags.max():.0f} s")
"""

TASK_SPIKES = r"""
## 3. Spikes on the motor current

A spike is a single reading far away from its neighbours. A **rolling median** follows the
signal through steps (the motor current jumps from about 0.3 A to 9.4 A when the infeed
starts) but ignores single outliers, which makes it the usual reference for a spike filter
(the Hampel filter of the lesson adds a spread estimate; a fixed threshold is enough here).

For `current`, the motor current indexed by `time_s` (made for you below):

1. compute the **centred** rolling median over **11** readings, with `min_periods=1` so the
   ends of the shift get a median too;
2. make `spikes`: a boolean Series, the same index as `current`, `True` where the reading
   is **more than 3.0 A** away from its rolling median;
3. set `n_spikes` to the number of flagged readings (an `int`) and `spike_hour` to the hour
   of the shift (`int(time_s // 3600)`, 0 to 8) with the most flagged readings; if two hours
   tie, take the earlier one.

Look at the few flags outside the busiest hour, if you have any: what was the infeed doing
then (see the `line.historian` state of the `Infeed`)? A filter flags any very short event,
real or not.
"""

ANSWER_SPIKES = r"""
current = raw[raw["tag"] == "Infeed/MotorCurrent"].set_index("time_s")["value"]
# spikes (bool Series indexed by time_s), n_spikes, spike_hour
### BEGIN SOLUTION
median = current.rolling(11, center=True, min_periods=1).median()
spikes = (current - median).abs() > 3.0
n_spikes = int(spikes.sum())
per_hour = spikes.groupby(spikes.index // 3600).sum()
spike_hour = int(per_hour.idxmax())
### END SOLUTION
print(f"{n_spikes} spikes; most in hour {spike_hour}")
print("flagged times:", list(spikes[spikes].index[:12]), "...")
"""

TASK_RESAMPLE = r"""
## 4. Clean, then resample to one minute

Now build the cleaned data and the one-minute means. Keep `raw` unchanged: work on a copy.

1. A value counts only if its quality is `"good"`; every other value becomes missing.
   (That removes the dropout and, because the historian flagged it uncertain, the stuck
   period.)
2. On `Infeed/MotorCurrent`, the readings you flagged in `spikes` become missing too.
3. Do **not** fill any gap.
4. Group each tag's readings by minute, `minute = time_s // 60` (an `int`, 0 to 479), and
   take the mean of the values that are left. A minute gets a mean **only if at least 45** of
   its readings are left; otherwise its mean is missing. (A mean of 10 readings would look as
   solid on a chart as a mean of 60.)

Make `per_minute`: a DataFrame with one row per minute (index: the minute number) and one
column per tag, holding those means. Then make `valid_minutes`: a dictionary from each tag to
the number of minutes that have a mean.

*If you prefer `resample`:* put the readings on a `DatetimeIndex`,
`pd.to_datetime(time_s, unit="s")`, whose bins start on whole minutes (the first reading is
at 0 s).
"""

ANSWER_RESAMPLE = r"""
# per_minute: DataFrame (index minute 0..479, one column per tag); valid_minutes = {tag: n}
### BEGIN SOLUTION
clean = raw.copy()
clean["value"] = clean["value"].where(clean["quality"] == "good")
is_current = clean["tag"] == "Infeed/MotorCurrent"
clean.loc[is_current, "value"] = clean.loc[is_current, "value"].mask(spikes.to_numpy())
clean["minute"] = (clean["time_s"] // 60).astype(int)
stats = clean.groupby(["tag", "minute"])["value"].agg(["mean", "count"])
per_minute = stats["mean"].where(stats["count"] >= 45).unstack("tag")
valid_minutes = {tag: int(n) for tag, n in per_minute.notna().sum().items()}
### END SOLUTION
print("minutes with a mean:", valid_minutes)
per_minute.describe().round(3)
"""

TEST = r"""
# Self-check: run me. These asserts check the shape of your answers, not the values.
assert set(not_good) == set(TAGS) and set(missing) == set(TAGS), "one entry per tag"
assert len(dropout) == 2 and dropout[0] <= dropout[1]
assert [list(r) for r in stuck_runs(pd.Series([1.0, 1.0, 1.0, 2.0]), 3)] == [[0, 2]], \
    "a run of three 1.0s at index 0..2"
assert set(stuck_by_tag) == set(TAGS)
assert spikes.dtype == bool and len(spikes) == len(current), "one flag per reading"
assert set(per_minute.columns) == set(TAGS), "one column per tag"
assert per_minute.index.min() == 0 and per_minute.index.max() == 479, "minutes 0 to 479"
print("The shapes look right.")
"""

TASK_PLOT = r"""
## 5. Show what you removed

Make a figure with two panels:

- the raw `Infeed/MotorCurrent` during your `spike_hour`, with the flagged readings marked;
- the raw `Filler/BowlLevel` from an hour before to an hour after the stuck run you found
  (thin, light line), with your cleaned one-minute means on top and the stuck run shaded.

A reviewer should see at a glance what was removed and that nothing was filled in.
"""

ANSWER_PLOT = r"""
# figure: motor current in spike_hour with the flags; bowl level around the stuck run
### BEGIN SOLUTION
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7))
hour = current[(current.index // 3600) == spike_hour]
top.plot(hour.index / 3600, hour, lw=0.6, color="tab:blue", label="raw")
flagged = hour[spikes.loc[hour.index]]
top.scatter(flagged.index / 3600, flagged, color="tab:red", s=18, zorder=3, label="flagged spike")
top.set_ylabel("Infeed/MotorCurrent (A)")
top.set_title(f"Hour {spike_hour}: spikes against the rolling median")
top.legend(loc="upper right")

first, last = stuck_by_tag["Filler/BowlLevel"][0]
level = raw[(raw["tag"] == "Filler/BowlLevel") & raw["time_s"].between(first - 3600, last + 3600)]
means = per_minute["Filler/BowlLevel"].loc[(first - 3600) // 60:(last + 3600) // 60]
bottom.plot(level["time_s"] / 3600, level["value"], lw=0.4, color="0.6", label="raw")
bottom.plot(means.index / 60, means, color="tab:green", marker=".", ms=4, lw=1,
            label="cleaned 1-min mean")
bottom.axvspan(first / 3600, last / 3600, color="tab:orange", alpha=0.3, label="stuck")
bottom.set_title("Filler/BowlLevel around the stuck run: no means where no good data")
bottom.set_xlabel("time (h)")
bottom.set_ylabel("Filler/BowlLevel (%)")
bottom.legend(loc="lower right")
plt.tight_layout()
plt.show()
### END SOLUTION
"""

HIDDEN = r"""
__runs_case = [
    list(r)
    for r in stuck_runs(
        pd.Series([5.0, 5.0, 5.0, 1.0, 2.0, 2.0, 2.0, 2.0, np.nan, np.nan, np.nan, 7.0],
                  index=range(100, 112)),
        3,
    )
] + [list(r) for r in stuck_runs(pd.Series([3.0] * 40 + [4.0] * 29, index=range(500, 569)))]
"""

WRAP = r"""
## Wrap-up

- **Quality first.** A value not flagged good does not enter any calculation; a dropout is a
  hole in time, not a zero.
- **Stuck values look calm.** Hundreds of identical readings in a row are a frozen sensor or
  link. Here the historian happened to flag them uncertain; a PLC value over Modbus would
  carry no flag at all, and only the run test would catch it.
- **Spikes** are removed against a robust reference (the rolling median), not against the
  mean, which the spikes themselves would drag. Any filter also flags very short real
  events, so look at what it flagged before you delete anything.
- **Resampling** keeps the sample count: a minute with too few good readings gets no value.
  Nothing was interpolated, so every number in `per_minute` is an average of measurements.

Write down, for the report, what you removed and why: the raw data stays as it was.
"""

CHECKS = [
    {
        "id": "not-good",
        "points": 1,
        "description": "readings per tag whose quality is not good (not_good)",
        "observe": "{str(k): int(v) for k, v in not_good.items()}",
        "compare": "equal",
        "hint": "Group raw by tag and count the rows where quality != 'good'; include every "
        "tag, with 0 where there are none.",
    },
    {
        "id": "dropout",
        "points": 1,
        "description": "first and last missing reading of Capper/Vibration (dropout)",
        "observe": "[float(t) for t in dropout]",
        "compare": "equal",
        "hint": "Select the Capper/Vibration rows whose value isna() and take the smallest and "
        "largest time_s.",
    },
    {
        "id": "stuck-runs",
        "points": 2,
        "description": "runs of 30 or more identical readings, per tag (stuck_by_tag)",
        "observe": "{str(k): [[float(t) for t in r] for r in v] for k, v in stuck_by_tag.items()}",
        "compare": "equal",
        "hint": "Within one tag, a run starts where value != the previous value. Keep runs of "
        "at least 30 readings and report the time_s of their first and last reading.",
    },
    {
        "id": "stuck-function",
        "points": 2,
        "visible": False,
        "description": "stuck_runs() on other series: index labels, min_samples, missing values",
        "observe": "__runs_case",
        "compare": "equal",
        "hint": "Return index labels (not positions), honour min_samples, and never count NaN "
        "readings as a run.",
    },
    {
        "id": "spikes",
        "points": 2,
        "description": "number of spikes and the hour with most of them (n_spikes, spike_hour)",
        "observe": "[int(n_spikes), int(spike_hour)]",
        "compare": "equal",
        "hint": "current.rolling(11, center=True, min_periods=1).median(); flag "
        "abs(current - median) > 3.0. Group the flags by time_s // 3600.",
    },
    {
        "id": "valid-minutes",
        "points": 2,
        "visible": False,
        "description": "minutes with at least 45 good readings, per tag (valid_minutes)",
        "observe": "{str(k): int(v) for k, v in valid_minutes.items()}",
        "compare": "equal",
        "hint": "Use minute = time_s // 60 for minutes 0 to 479, keep only good-quality values, "
        "and give a minute a mean only when 45 or more values are left.",
    },
    {
        "id": "current-means",
        "points": 2,
        "visible": False,
        "description": "cleaned one-minute means of Infeed/MotorCurrent (per_minute)",
        "observe": "[round(float(v), 3) for v in per_minute['Infeed/MotorCurrent'].dropna()]",
        "compare": "close",
        "tolerance": 0.001,
        "hint": "Group by minute = time_s // 60, set the flagged spikes missing before you "
        "average, keep minutes with at least 45 values and do not fill any gap.",
    },
]

PITFALLS = [
    Pitfall(
        "rolling-mean-spikes",
        "Flags spikes against a rolling mean, which the spikes and the motor's starts and "
        "stops drag along, instead of the rolling median.",
        {
            "answer-spikes": swap(
                ANSWER_SPIKES,
                "current.rolling(11, center=True, min_periods=1).median()",
                "current.rolling(11, center=True, min_periods=1).mean()",
            )
        },
    ),
    Pitfall(
        "gaps-filled",
        "Fills the gaps (forward fill) before averaging, so the minutes of the dropout, the "
        "stuck sensor and the spikes get means made of invented data.",
        {
            "answer-resample": swap(
                ANSWER_RESAMPLE,
                'clean["minute"] = (clean["time_s"] // 60).astype(int)',
                'clean["value"] = clean.groupby("tag")["value"].ffill()\n'
                'clean["minute"] = (clean["time_s"] // 60).astype(int)',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Cleaning sensor data",
        competencies=["SM.DATA.2", "SM.DATA.3"],
        minutes=50,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-quality", TASK_QUALITY),
            code("answer-quality", "answer", ANSWER_QUALITY),
            md("task-stuck", TASK_STUCK),
            code("answer-stuck", "answer", ANSWER_STUCK),
            md("task-spikes", TASK_SPIKES),
            code("answer-spikes", "answer", ANSWER_SPIKES),
            md("task-resample", TASK_RESAMPLE),
            code("answer-resample", "answer", ANSWER_RESAMPLE),
            code("test-shapes", "test", TEST),
            md("task-plot", TASK_PLOT),
            code("answer-plot", "answer", ANSWER_PLOT),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

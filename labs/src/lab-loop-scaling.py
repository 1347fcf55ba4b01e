"""Writes labs/lab-loop-scaling.ipynb: scaling raw analog inputs and flagging loop faults.

Run from the repository root:  .venv/bin/python labs/src/lab-loop-scaling.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-loop-scaling"

INTRO = r"""
# Scale analog inputs and flag loop faults

**Competency:** SM.PC.1 *Read process measurements and their signals* · about 45 minutes.

Four transmitters on Riverbend's chiller skid are wired to three kinds of input card, and
the historian has logged five minutes of what the cards delivered, one reading a second,
**before** any scaling. You will turn those raw numbers into engineering units, as in the
lesson *The 4–20 mA loop, loop power and scaling*, and keep the loop faults out of the
numbers the operators see.

| Card | What it delivers | At 4 mA | At 20 mA | Notes |
| --- | --- | --- | --- | --- |
| `"s7"` | integer counts | 0 | 27,648 | overrange up to 32,511; 32,767 = overflow or wire break (Siemens's convention, not a standard) |
| `"12bit"` | integer counts, 0–20 mA over 0–4,095 | 819.0 | 4,095 | 0 mA reads 0; nothing reads above 4,095 |
| `"eu"` | the value in engineering units | LRV | URV | scaled straight on, so 0 mA reads LRV − 25 % of span |

The channels (`channels` below) give each tag's card and range (LRV–URV). PT-105 has a
**suppressed zero**: its range starts at 2 bar, not 0; TT-120's starts at −20 °C.

**Faults.** Under NAMUR NE 43 a healthy transmitter stays between 3.8 and 20.5 mA (it
saturates there when the process leaves its range: a real reading, just at the end of the
range), while a failed one drives **≤ 3.6 mA** or **≥ 21 mA**. A broken wire reads 0 mA.
Such readings are **bad**: they are not a low or high value, they are no value at all.

You will:

1. write the scaling functions, counts → mA → % of span → engineering units;
2. write the check that marks a reading bad;
3. scale the whole log and summarise each tag over its good readings only.

Your log comes from your own seed (`SHOPFLOOR_SEED`): your faults come at their own times
and currents. Hidden checks also try your functions on values you have not seen. Run the
cells in order; write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import math

import pandas as pd

from plcsim.analog_cards import CHANNELS, readings

channels = {c.tag: c for c in CHANNELS}
log = pd.DataFrame(readings(SHOPFLOOR_SEED))
for c in CHANNELS:
    print(f"{c.tag}: card {c.card!r:8} range {c.low:g} to {c.high:g} {c.unit:5} {c.description}")
print(f"\n{len(log):,} readings; the first rows:")
print(log.head(8).to_string(index=False))
"""

TASK_SCALING = r"""
## 1. Counts to milliamps to percent to engineering units

Every step is the lesson's straight line through two known points. Write:

- `to_ma(raw, card, low, high)`: the loop current, in mA, behind a card's reading `raw`
  (`low` and `high` are the transmitter's range; only the `"eu"` card needs them). Do not
  treat the `"s7"` card's 32,767 specially here: part 2 does.
- `percent_of_span(ma)`: the current as a percentage of the **span**, 0 % at 4 mA and 100 %
  at 20 mA (it may go below 0 or above 100).
- `to_eu(percent, low, high)`: a percentage of span as a value in engineering units.

Each returns a float. Check yourself with the lesson: 13,824 counts on the S7 card is
12 mA, 50 %, 25.0 °C for TT-201 (0–50 °C).
"""

ANSWER_SCALING = r"""
S7_SPAN = 27648     # counts at 20 mA on the "s7" card (4 mA reads 0)
BIT12_FULL = 4095   # counts at 20 mA on the 0-20 mA "12bit" card

### BEGIN SOLUTION
def to_ma(raw, card, low, high):
    if card == "s7":
        return 4.0 + raw / S7_SPAN * 16.0
    if card == "12bit":
        return raw / BIT12_FULL * 20.0
    if card == "eu":
        return 4.0 + (raw - low) / (high - low) * 16.0
    raise ValueError(f"unknown card {card!r}")


def percent_of_span(ma):
    return (ma - 4.0) / 16.0 * 100.0


def to_eu(percent, low, high):
    return low + percent / 100.0 * (high - low)
### END SOLUTION


print(to_ma(13824, "s7", 0, 50), percent_of_span(12.0), to_eu(50.0, 0, 50))
"""

TEST_SCALING = r"""
# Self-check with the lesson's examples.
assert math.isclose(to_ma(13824, "s7", 0, 50), 12.0), "13,824 counts on the s7 card is 12 mA"
assert math.isclose(percent_of_span(12.0), 50.0), "12 mA is 50 % of span"
assert math.isclose(to_eu(percent_of_span(10.56), 0, 50), 20.5), "10.56 mA is 20.5 degC on 0-50 degC"
assert math.isclose(to_eu(percent_of_span(to_ma(2048, "12bit", 0, 50)), 0, 50), 18.76, abs_tol=0.01), \
    "2,048 counts on the 12-bit card is about 18.8 degC on 0-50 degC"
print("The lesson's examples come out right.")
"""

TASK_QUALITY = r"""
## 2. Bad readings

Write `is_bad(raw, card, low, high)`: `True` when the reading is no measurement, `False`
when it is one. A reading is bad when

- the `"s7"` card reports 32,767 (overflow or wire break), or
- the loop current behind it is a NE 43 failure signal: **at or below 3.6 mA** (this
  includes a broken wire's 0 mA) or **at or above 21 mA**.

A current between 3.6 and 21 mA is a reading, even outside 4–20 mA: a transmitter
saturated at 20.5 mA says "at least the top of my range", which the operator needs to see.
On the 12-bit card nothing reads above 4,095 (20 mA), so an upscale failure there looks
like full scale and `is_bad` cannot catch it: one more reason to prefer a card with
overrange. (Your log's 12-bit tag has no upscale failure.)
"""

ANSWER_QUALITY = r"""
S7_OVERFLOW = 32767  # the s7 card's overflow and wire-break code

### BEGIN SOLUTION
def is_bad(raw, card, low, high):
    if card == "s7" and raw == S7_OVERFLOW:
        return True
    ma = to_ma(raw, card, low, high)
    return ma <= 3.6 or ma >= 21.0
### END SOLUTION


print(is_bad(32767, "s7", 0, 50), is_bad(28512, "s7", 0, 50), is_bad(0, "12bit", -20, 80))
"""

TEST_QUALITY = r"""
# Self-check with a few clear cases.
assert is_bad(32767, "s7", 0, 50), "32,767 on the s7 card is its overflow / wire-break code"
assert is_bad(0, "12bit", -20, 80), "0 counts on the 12-bit card is 0 mA: a broken wire"
assert not is_bad(13824, "s7", 0, 50), "12 mA is a good reading"
print("The clear cases are right; the hidden checks try the edges.")
"""

TASK_SUMMARY = r"""
## 3. Scale the log and summarise each tag

Make `scaled`: a copy of `log` with four more columns,

| Column | Meaning |
| --- | --- |
| `ma` | the loop current (mA) |
| `percent` | % of span |
| `value` | engineering units; **NaN** (`math.nan`) when the reading is bad |
| `good` | `True` for a good reading, `False` for a bad one |

Then make `summary`, a dictionary with one entry per tag (`"TT-201"`, …), each a dictionary
`{"good": ..., "bad": ..., "mean": ..., "min": ..., "max": ...}`: the numbers of good and
bad readings (ints), and the mean, minimum and maximum **value** over the **good readings
only** (floats, in the tag's engineering units).
"""

ANSWER_SUMMARY = r"""
### BEGIN SOLUTION
def scale_row(row):
    c = channels[row["tag"]]
    ma = to_ma(row["raw"], c.card, c.low, c.high)
    percent = percent_of_span(ma)
    bad = is_bad(row["raw"], c.card, c.low, c.high)
    value = math.nan if bad else to_eu(percent, c.low, c.high)
    return pd.Series({"ma": ma, "percent": percent, "value": value, "good": not bad})


scaled = pd.concat([log, log.apply(scale_row, axis=1)], axis=1)
scaled["good"] = scaled["good"].astype(bool)
summary = {}
for tag, rows in scaled.groupby("tag"):
    good = rows.loc[rows["good"], "value"]
    summary[tag] = {
        "good": int(rows["good"].sum()),
        "bad": int((~rows["good"]).sum()),
        "mean": float(good.mean()),
        "min": float(good.min()),
        "max": float(good.max()),
    }
### END SOLUTION
for tag, row in summary.items():
    print(tag, {k: round(v, 3) for k, v in row.items()}, channels[tag].unit)
"""

TEST_SUMMARY = r"""
# Self-check of the shape only: the values are checked when you submit.
assert {"ma", "percent", "value", "good"} <= set(scaled.columns), "scaled needs ma, percent, value and good"
assert len(scaled) == len(log), "one scaled row per reading"
assert set(summary) == set(channels), "one summary entry per tag"
for tag, row in summary.items():
    assert set(row) == {"good", "bad", "mean", "min", "max"}, (tag, set(row))
    assert row["good"] + row["bad"] == 300, (tag, "every tag has 300 readings")
    assert not math.isnan(row["mean"]), (tag, "the mean over good readings is a number")
print("summary has the right shape.")
"""

HIDDEN = r"""
import random as __random

__rng = __random.Random(f"lab-loop-scaling:{SHOPFLOOR_SEED}:fresh")


def __try(function, *args):
    try:
        result = function(*args)
        return round(float(result), 6) if not isinstance(result, bool) else result
    except Exception as error:
        return f"{type(error).__name__}"


def __counts(card, ma):
    if card == "s7":
        return round((ma - 4) / 16 * 27648)
    return min(max(round(ma / 20 * 4095), 0), 4095)  # the 12-bit card stops at 20 mA


def __eu(low, high, ma):
    return round(low + (ma - 4) / 16 * (high - low), 3)


__ranges = [("s7", 2.0, 10.0), ("12bit", -20.0, 80.0), ("eu", -5.0, 45.0), ("s7", 0.0, 50.0)]
__conversions = []
for __card, __low, __high in __ranges:
    for __ma in (4.0, 20.0, __rng.uniform(4.5, 19.5), __rng.uniform(4.5, 19.5)):
        __raw = __eu(__low, __high, __ma) if __card == "eu" else __counts(__card, __ma)
        __m = __try(to_ma, __raw, __card, __low, __high)
        __p = __try(percent_of_span, __m) if isinstance(__m, float) else __m
        __v = __try(to_eu, __p, __low, __high) if isinstance(__p, float) else __p
        __conversions.append([__m, __p, __v])

__flags = []
for __card, __low, __high in __ranges:
    for __ma in (0.0, __rng.uniform(3.3, 3.55), 3.8, 20.5, __rng.uniform(21.2, 22.6), 12.0):
        __raw = __eu(__low, __high, __ma) if __card == "eu" else __counts(__card, __ma)
        if __card == "s7" and __ma == 0.0:
            __raw = 32767  # the card's wire-break code
        __flags.append(__try(is_bad, __raw, __card, __low, __high))

__tags = sorted(channels)
__quality = [[__try(lambda: summary[t][k]) for k in ("good", "bad")] for t in __tags]
__stats = [[__try(lambda: summary[t][k]) for k in ("mean", "min", "max")] for t in __tags]
"""

WRAP = r"""
## Wrap-up

- Every conversion is one straight line through two known points: (4 mA, 0 %), (20 mA,
  100 %), (LRV, URV). Keep the live zero: 4 mA is 0 %, not 20 %.
- The card decides the counts: the S7 convention's full scale is 27,648, not 32,767, and a
  12-bit 0–20 mA card puts 4 mA at 819. Read the card's manual.
- Check the raw reading against NE 43 and the card's codes **before** scaling, and mark a
  failure bad: a clamped or scaled failure current is a believable wrong number.
- Statistics, trends and control use good readings only.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "tags",
        "points": 1,
        "description": "summary has one entry per tag",
        "observe": "sorted(summary)",
        "compare": "equal",
        "hint": "Group the scaled log by tag.",
    },
    {
        "id": "conversions",
        "points": 3,
        "visible": False,
        "description": "to_ma, percent_of_span and to_eu on fresh readings from every card",
        "observe": "__conversions",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "s7: 4 mA is 0 counts and 20 mA 27,648; 12-bit: 0-20 mA over 0-4,095; 0 % of "
        "span is 4 mA; the value is LRV + percent / 100 x (URV - LRV).",
    },
    {
        "id": "flags",
        "points": 3,
        "visible": False,
        "description": "is_bad on fresh readings: wire breaks, failure currents, saturation and good values",
        "observe": "__flags",
        "compare": "equal",
        "hint": "Bad: the s7 code 32,767, or a current at or below 3.6 mA or at or above 21 mA. "
        "3.8 and 20.5 mA are saturated readings, not failures.",
    },
    {
        "id": "quality",
        "points": 2,
        "visible": False,
        "description": "the numbers of good and bad readings of each tag in your log",
        "observe": "__quality",
        "compare": "close",
        "tolerance": 1e-9,
        "hint": "Count the readings is_bad marks, tag by tag.",
    },
    {
        "id": "stats",
        "points": 3,
        "visible": False,
        "description": "mean, minimum and maximum of each tag over its good readings",
        "observe": "__stats",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "Leave bad readings out (NaN values), and scale with the tag's own card and range.",
    },
]

PITFALLS = [
    Pitfall(
        "no-live-zero",
        "Scales 4-20 mA as 0-20 mA: percent of span as mA / 20, forgetting the live zero.",
        {
            "answer-scaling": swap(
                ANSWER_SCALING, "return (ma - 4.0) / 16.0 * 100.0", "return ma / 20.0 * 100.0"
            )
        },
    ),
    Pitfall(
        "s7-full-scale-32767",
        "Takes 32,767 as the S7 card's full scale instead of 27,648.",
        {
            "answer-scaling": swap(
                ANSWER_SCALING,
                "return 4.0 + raw / S7_SPAN * 16.0",
                "return 4.0 + raw / 32767 * 16.0",
            )
        },
    ),
    Pitfall(
        "lrv-ignored",
        "Scales percent to engineering units as a fraction of the span alone, ignoring a "
        "non-zero lower range value (a suppressed zero, a range below zero).",
        {
            "answer-scaling": swap(
                ANSWER_SCALING,
                "return low + percent / 100.0 * (high - low)",
                "return percent / 100.0 * (high - low)",
            )
        },
    ),
    Pitfall(
        "failures-not-flagged",
        "Marks only a dead loop (wire break) as bad, so NE 43 failure currents pass as "
        "readings at the ends of the range.",
        {
            "answer-quality": swap(
                ANSWER_QUALITY, "return ma <= 3.6 or ma >= 21.0", "return ma < 1.0"
            )
        },
    ),
    Pitfall(
        "saturation-flagged",
        "Marks every current outside 4-20 mA as bad, so a transmitter saturated at 20.5 mA "
        "(a valid reading) is thrown away.",
        {
            "answer-quality": swap(
                ANSWER_QUALITY,
                "return ma <= 3.6 or ma >= 21.0",
                "return ma < 4.0 or ma > 20.0",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Scale analog inputs and flag loop faults",
        competencies=["SM.PC.1"],
        minutes=45,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-scaling", TASK_SCALING),
            code("answer-scaling", "answer", ANSWER_SCALING),
            code("test-scaling", "test", TEST_SCALING),
            md("task-quality", TASK_QUALITY),
            code("answer-quality", "answer", ANSWER_QUALITY),
            code("test-quality", "test", TEST_QUALITY),
            md("task-summary", TASK_SUMMARY),
            code("answer-summary", "answer", ANSWER_SUMMARY),
            code("test-summary", "test", TEST_SUMMARY),
            code("hidden-checks", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

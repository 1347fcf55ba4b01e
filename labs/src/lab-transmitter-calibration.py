"""Writes labs/lab-transmitter-calibration.ipynb: as found, as left, on a simulated PT-102.

Run from the repository root:  .venv/bin/python labs/src/lab-transmitter-calibration.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-transmitter-calibration"

INTRO = r"""
# As found, as left: calibrate PT-102

**Competency:** SM.PC.2 *Calibrate a transmitter and record it* · about 50 minutes.

PT-102 measures the CO2 pressure in Riverbend's filler bowl. It is due for calibration, the
operator has agreed the work, and the transmitter is isolated, vented and on your bench (a
simulated one). You will calibrate it as the lesson *The five-point check and the
calibration record* does:

| Work order | |
| --- | --- |
| Tag | PT-102, filler bowl CO2 pressure |
| Range and output | 0–10 bar g, 4–20 mA, linear |
| Tolerance | **±0.5 % of span**, as found and as left |
| Test points | 0, 25, 50, 75 and 100 % of range **rising**, then 75, 50, 25 and 0 % **falling**, one reading at each |
| Adjust | when the worst as-found error is **more than half the tolerance** (Riverbend's rule: a transmitter that uses over half its tolerance is brought back to the centre); zero first, then span |
| Reference | in date on the day of the work, with a test uncertainty ratio (TUR) of at least **4:1** |

You will:

1. choose the reference from the shelf and connect it;
2. write the five-point, up-and-down check, with each error in **percent of span**;
3. run the **as-found** check: worst error, zero, span, linearity and hysteresis, the
   verdict, and which errors are there;
4. adjust the **zero**, then the **span**;
5. run the **as-left** check and give its verdict;
6. fill in the **calibration record**.

**The bench.** `work` (made in the next cell) holds the job. Its transmitter `pt102` has two
adjustments, `pt102.adjust_zero(ma)` and `pt102.adjust_span(ma)` (part 4). The reference you
connect, `cal`, has two operations:

- `cal.apply(bar)` pumps (or vents) to about `bar` bar g from where the pressure is now, and
  returns the pressure **the reference reads**, in bar to 0.001. The hand pump lands close
  to the target, not exactly on it; the reference's reading is the input you record.
- `cal.read_ma()` returns PT-102's output as the calibrator's milliamp input reads it, in mA
  to 0.001. The output settles at once: take **one** reading per point.

Like a real transmitter, PT-102 remembers every adjustment and how the pressure last moved.
If you run a cell a second time, run the whole notebook again from the top (*Restart and
run all*). Your transmitter, its errors and the references on your shelf come from your own
seed (`SHOPFLOOR_SEED`). Run the cells in order; write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
from plcsim.calibration import bench

work = bench(SHOPFLOOR_SEED)
pt102 = work.transmitter
LOW, HIGH = work.low, work.high  # bar g: the calibrated range
TOLERANCE = work.tolerance_pct   # +/- % of span, as found and as left
TODAY = work.date                # the day of the calibration, an ISO date ("2025-06-12")


def show(rows):
    # Print a check's readings as the lesson's table does.
    print(f"{'point':>6} {'dir':>5} {'applied (bar)':>14} {'output (mA)':>12} {'error (% span)':>15}")
    for r in rows:
        print(f"{r['point']:>5}% {r['direction']:>5} {r['applied']:>14.3f} {r['ma']:>12.3f} {r['error']:>+15.3f}")


print(f"{work.tag}, {pt102.description}: {LOW:g}-{HIGH:g} {work.unit}, 4-20 mA, "
      f"tolerance +/-{TOLERANCE} % of span. Today is {TODAY}.")
print("References on the shelf:")
for c in work.calibrators:
    print(f"  {c['id']}: {c['kind']}; certificate {c['certificate']} due {c['due']}; "
          f"uncertainty +/-{c['uncertainty_bar']} bar")
"""

TASK_REFERENCE = r"""
## 1. Choose the reference

A reference is usable only if its certificate is **in date** (its due date is today or
later: the dates are ISO text, so they compare as text) and it is good enough for the
tolerance: the **test uncertainty ratio** is the tolerance divided by the reference's
uncertainty, both in the same unit, and must be at least 4. The tolerance is in % of span;
the certificate's uncertainty is in bar.

Write `tur(tolerance_pct, uncertainty_bar, low, high)`, the ratio for a tolerance of
±`tolerance_pct` % of the span `low`–`high` (bar) and a reference uncertainty of
±`uncertainty_bar` bar. Then set `reference` to the **entry of `work.calibrators`** you
will use (a dict as printed above) and `reference_tur` to its ratio. The cell connects it.
"""

ANSWER_REFERENCE = r"""
# tur(tolerance_pct, uncertainty_bar, low, high) -> float; reference (a dict); reference_tur
### BEGIN SOLUTION
def tur(tolerance_pct, uncertainty_bar, low, high):
    return tolerance_pct / 100 * (high - low) / uncertainty_bar


usable = [c for c in work.calibrators
          if c["due"] >= TODAY and tur(TOLERANCE, c["uncertainty_bar"], LOW, HIGH) >= 4]
reference = usable[0]
reference_tur = tur(TOLERANCE, reference["uncertainty_bar"], LOW, HIGH)
### END SOLUTION
cal = work.connect(reference["id"])  # the reference you chose, on PT-102's port and loop
print(f"Connected {reference['id']}: TUR {reference_tur:.2f}:1, certificate due {reference['due']}")
"""

TEST_REFERENCE = r"""
# Self-check with the lesson's PT-102 numbers.
assert abs(tur(0.5, 0.01, 0, 10) - 5.0) < 1e-9, "+/-0.5 % of 10 bar is 0.05 bar; 0.05 / 0.01 = 5"
assert abs(tur(0.5, 0.025, 0, 10) - 2.0) < 1e-9, "a +/-0.025 bar test gauge gives 2:1"
assert reference in work.calibrators, "reference is one entry of work.calibrators"
assert reference_tur >= 4, "the reference must give at least 4:1"
print("tur() reproduces the lesson. Is your reference's certificate in date?")
"""

TASK_CHECK = r"""
## 2. The five-point check

Write three functions (`low` and `high` are the calibrated range in bar):

- `ideal_ma(bar, low, high)`: the output a perfect transmitter gives at `bar`, in mA.
- `error_pct_span(ma, bar, low, high)`: the error of an output `ma` at the input `bar`, in
  **percent of span**, as the lessons define it:
  $\text{error} = (\text{measured} - \text{ideal}) / \text{span} \times 100$, with the span of
  a 4–20 mA output 16 mA.
- `run_check(cal, low, high)`: the whole up-and-down check with the connected reference
  `cal`: apply the points of the work order **in order** (0, 25, 50, 75, 100 % rising, then
  75, 50, 25, 0 % falling), take one reading at each, and return a list of dicts, one per
  reading, in the order taken:

| Key | Value |
| --- | --- |
| `"point"` | the test point, % of range (an int: 0, 25, …) |
| `"direction"` | `"up"` for the rising points, `"down"` for the falling ones |
| `"applied"` | the pressure the reference read (what `cal.apply` returned), bar |
| `"ma"` | the output read (mA) |
| `"error"` | the error in % of span, against the **applied** pressure |

Go straight from one point to the next, as the pump does: an overshoot and back-off would
hide the hysteresis you are measuring.
"""

ANSWER_CHECK = r"""
POINTS_UP = [0, 25, 50, 75, 100]  # % of range
POINTS_DOWN = [75, 50, 25, 0]

# ideal_ma(bar, low, high) -> mA; error_pct_span(ma, bar, low, high) -> % of span;
# run_check(cal, low, high) -> list of dicts, one per reading, in the order taken
### BEGIN SOLUTION
def ideal_ma(bar, low, high):
    return 4.0 + 16.0 * (bar - low) / (high - low)


def error_pct_span(ma, bar, low, high):
    return (ma - ideal_ma(bar, low, high)) / 16.0 * 100.0


def run_check(cal, low, high):
    rows = []
    for direction, points in (("up", POINTS_UP), ("down", POINTS_DOWN)):
        for point in points:
            target = low + point / 100 * (high - low)
            applied = cal.apply(target)
            ma = cal.read_ma()
            error = error_pct_span(ma, applied, low, high)
            rows.append({"point": point, "direction": direction, "applied": applied,
                         "ma": ma, "error": error})
    return rows
### END SOLUTION
"""

TEST_CHECK = r"""
# Self-check with the lessons' examples.
assert abs(ideal_ma(7.5, 0, 10) - 16.0) < 1e-9, "75 % of 0-10 bar is 16 mA"
assert abs(error_pct_span(16.11, 7.5, 0, 10) - 0.6875) < 1e-9, "16.11 mA at 7.5 bar is +0.69 % of span"
assert abs(error_pct_span(20.19, 10.0, 0, 10) - 1.1875) < 1e-9, "20.19 mA at 10 bar is +1.19 % of span"
assert abs(error_pct_span(4.06, 0.0, 0, 10) - 0.375) < 1e-9, "4.06 mA at 0 bar is +0.38 % of span"
assert abs(ideal_ma(6.0, 2, 10) - 12.0) < 1e-9, "a 2-10 bar range: 6 bar is mid-range, 12 mA"
print("Your error formula reproduces the lessons.")
"""

TASK_AS_FOUND = r"""
## 3. As found

Write `summarize(rows)` for the readings of one check. It returns a dict of five numbers,
each in % of span:

| Key | What it is |
| --- | --- |
| `"zero"` | the error at 0 % rising |
| `"span"` | the error at 100 % minus the error at 0 % (both rising): how far the measured span is off |
| `"linearity"` | at 25, 50 and 75 %, the mean of the rising and falling errors (so hysteresis does not count twice) minus the straight line through the 0 % and 100 % rising errors; the deviation largest in size, with its sign |
| `"hysteresis"` | the largest difference in size between the falling and the rising error at the same point, over the points that have both (0 if none) |
| `"worst"` | the error largest in size over all readings, with its sign |

Then run the as-found check: `as_found = run_check(cal, LOW, HIGH)`, and set

- `found = summarize(as_found)`;
- `as_found_pass`: `True` if every as-found error is within ±`TOLERANCE`;
- `error_types`: the names of the errors PT-102 shows, in the order `"zero"`, `"span"`,
  `"linearity"`, `"hysteresis"`, each listed when its size is **0.1 % of span or more**
  (a fifth of the tolerance; the lesson's "no linearity error worth the name" was 0.06 %).
"""

ANSWER_AS_FOUND = r"""
# summarize(rows) -> dict; as_found, found, as_found_pass, error_types
### BEGIN SOLUTION
def summarize(rows):
    up = {r["point"]: r["error"] for r in rows if r["direction"] == "up"}
    down = {r["point"]: r["error"] for r in rows if r["direction"] == "down"}
    zero = up[0]
    span = up[100] - up[0]
    linearity = 0.0
    for point in (25, 50, 75):
        errors = [side[point] for side in (up, down) if point in side]
        deviation = sum(errors) / len(errors) - (zero + span * point / 100)
        if abs(deviation) > abs(linearity):
            linearity = deviation
    hysteresis = max((abs(down[p] - up[p]) for p in down if p in up), default=0.0)
    worst = max((r["error"] for r in rows), key=abs)
    return {"zero": zero, "span": span, "linearity": linearity,
            "hysteresis": hysteresis, "worst": worst}


as_found = run_check(cal, LOW, HIGH)
found = summarize(as_found)
as_found_pass = abs(found["worst"]) <= TOLERANCE
error_types = [name for name in ("zero", "span", "linearity", "hysteresis")
               if abs(found[name]) >= 0.1]
### END SOLUTION
show(as_found)
print({k: round(v, 3) for k, v in found.items()})
print("as found:", "pass" if as_found_pass else "FAIL", "; errors:", error_types)
"""

TEST_AS_FOUND = r"""
# Self-check: summarize() on the lesson's PT-102 as found (0.38 % zero, 0.81 % span).
LESSON = [(0, "up", 0.0, 4.06), (25, "up", 2.5, 8.09), (50, "up", 5.0, 12.13),
          (75, "up", 7.5, 16.15), (100, "up", 10.0, 20.19), (75, "down", 7.5, 16.16),
          (50, "down", 5.0, 12.14), (25, "down", 2.5, 8.10), (0, "down", 0.0, 4.06)]
lesson = summarize([{"point": p, "direction": d, "applied": b, "ma": ma,
                     "error": error_pct_span(ma, b, 0, 10)} for p, d, b, ma in LESSON])
for key, value in {"zero": 0.375, "span": 0.8125, "linearity": 0.0625,
                   "hysteresis": 0.0625, "worst": 1.1875}.items():
    assert abs(lesson[key] - value) < 1e-6, (key, lesson[key], "expected", value)
assert isinstance(as_found_pass, bool) and isinstance(error_types, list)
print("summarize() reproduces the lesson's as-found results.")
"""

TASK_ADJUST = r"""
## 4. Adjust: zero first, then span

If the worst as-found error is more than half the tolerance, adjust PT-102 as the lesson
does:

1. **Zero.** With the lower range value applied (the check ended there, vented), read the
   output and turn the zero by the correction that brings it to the ideal output:
   `pt102.adjust_zero(zero_correction)`, in mA (+ raises the output). The zero moves the
   output by the same amount at every pressure.
2. **Span.** Then apply the upper range value, read the output again, and turn the span by
   the correction that brings it to the ideal: `pt102.adjust_span(span_correction)`, in mA.
   The span turns the line **about the zero**: it moves the output by the full correction at
   100 %, by none at 0 %, in proportion between.

Compute each correction against the pressure the reference reads, from a reading taken
**after** the adjustments before it. Set `zero_correction` and `span_correction` (mA; both
0.0 if no adjustment is needed).
"""

ANSWER_ADJUST = r"""
# zero_correction, span_correction (mA), applied with pt102.adjust_zero and pt102.adjust_span
### BEGIN SOLUTION
zero_correction = span_correction = 0.0
if abs(found["worst"]) > TOLERANCE / 2:
    applied = cal.apply(LOW)  # zero first, at the lower range value
    zero_correction = ideal_ma(applied, LOW, HIGH) - cal.read_ma()
    pt102.adjust_zero(zero_correction)
    applied = cal.apply(HIGH)  # then the span, at the upper range value
    span_correction = ideal_ma(applied, LOW, HIGH) - cal.read_ma()
    pt102.adjust_span(span_correction)
### END SOLUTION
print(f"zero {zero_correction:+.3f} mA, span {span_correction:+.3f} mA")
"""

TASK_AS_LEFT = r"""
## 5. As left

Repeat the full up-and-down check on the adjusted transmitter: `as_left`, its summary
`left = summarize(as_left)` and `as_left_pass`. Do **not** reuse `as_found`: the as-found
results are evidence of how PT-102 behaved in service, and stay as they were measured.
"""

ANSWER_AS_LEFT = r"""
# as_left, left, as_left_pass
### BEGIN SOLUTION
as_left = run_check(cal, LOW, HIGH)
left = summarize(as_left)
as_left_pass = abs(left["worst"]) <= TOLERANCE
### END SOLUTION
show(as_left)
print({k: round(v, 3) for k, v in left.items()})
print("as left:", "pass" if as_left_pass else "FAIL")
"""

TEST_AS_LEFT = r"""
# Self-check of the shape only: the values are checked when you submit.
assert as_left is not as_found, "the as-left check is a new set of readings"
assert len(as_left) == len(as_found), "the as-left check repeats the as-found points"
assert set(left) == {"zero", "span", "linearity", "hysteresis", "worst"}, set(left)
print("as_left is a separate, full check.")
"""

TASK_RECORD = r"""
## 6. The calibration record

Fill in `record`, a dict that another technician or an auditor can rely on:

| Key | Value |
| --- | --- |
| `"tag"` | `"PT-102"` |
| `"range_bar"` | `[LOW, HIGH]` |
| `"tolerance_pct"` | the tolerance, ± % of span |
| `"date"` | `TODAY` |
| `"reference"` | the reference's entry (the dict from `work.calibrators`) |
| `"tur"` | its test uncertainty ratio |
| `"as_found"` | a dict: `"readings"` (the as-found rows), `"worst_pct"`, `"hysteresis_pct"` and `"verdict"` (`"pass"` or `"fail"`) |
| `"error_types"` | the error types found (part 3) |
| `"adjustments"` | `{"zero_ma": ..., "span_ma": ...}`: the corrections made |
| `"as_left"` | the same four keys as `"as_found"`, for the as-left check |
| `"notify_quality"` | `True` if PT-102 was found out of tolerance: quality reviews the period since its last calibration |
| `"return_to_service"` | `True` if the as-left check passed; hysteresis and non-linearity cannot be adjusted away, so a transmitter that fails as left is repaired or replaced |
"""

ANSWER_RECORD = r"""
# record: a dict with the keys of the table above
### BEGIN SOLUTION
def section(rows, summary, passed):
    return {"readings": rows, "worst_pct": summary["worst"],
            "hysteresis_pct": summary["hysteresis"], "verdict": "pass" if passed else "fail"}


record = {
    "tag": work.tag,
    "range_bar": [LOW, HIGH],
    "tolerance_pct": TOLERANCE,
    "date": TODAY,
    "reference": dict(reference),
    "tur": reference_tur,
    "as_found": section(as_found, found, as_found_pass),
    "error_types": error_types,
    "adjustments": {"zero_ma": zero_correction, "span_ma": span_correction},
    "as_left": section(as_left, left, as_left_pass),
    "notify_quality": not as_found_pass,
    "return_to_service": as_left_pass,
}
### END SOLUTION
for key, value in record.items():
    if key in ("as_found", "as_left"):
        value = {k: v for k, v in value.items() if k != "readings"}
    print(f"{key:18} {value}")
"""

TEST_RECORD = r"""
# Self-check of the shape only.
KEYS = {"tag", "range_bar", "tolerance_pct", "date", "reference", "tur", "as_found",
        "error_types", "adjustments", "as_left", "notify_quality", "return_to_service"}
assert set(record) == KEYS, set(record) ^ KEYS
for part in ("as_found", "as_left"):
    assert set(record[part]) == {"readings", "worst_pct", "hysteresis_pct", "verdict"}, part
    assert record[part]["verdict"] in ("pass", "fail"), part
assert set(record["adjustments"]) == {"zero_ma", "span_ma"}
print("The record has every field.")
"""

HIDDEN = r"""
import random as __random

__rng = __random.Random(f"lab-transmitter-calibration:{SHOPFLOOR_SEED}:fresh")


def __try(function, *args):
    try:
        return round(float(function(*args)), 6)
    except Exception as error:
        return f"{type(error).__name__}"


# error_pct_span on a suppressed-zero range, 2-10 bar, at fresh points
__errors = []
for __i in range(4):
    __bar = round(__rng.uniform(2.0, 10.0), 3)
    __ma = round(4 + 16 * (__bar - 2.0) / 8.0 + __rng.uniform(-0.2, 0.2), 3)
    __errors.append(__try(error_pct_span, __ma, __bar, 2.0, 10.0))

# summarize on a fresh check's readings (errors given, so only summarize is tried)
__rows = []
for __point, __direction in [(0, "up"), (25, "up"), (50, "up"), (75, "up"), (100, "up"),
                             (75, "down"), (50, "down"), (25, "down"), (0, "down")]:
    __rows.append({"point": __point, "direction": __direction, "applied": __point / 10,
                   "ma": 0.0, "error": round(__rng.uniform(-1.2, 1.2), 3)})
__summary = [__try(lambda k=__k: summarize(__rows)[k])
             for __k in ("zero", "span", "linearity", "hysteresis", "worst")]

# the adjustments PT-102 itself received
__trims = [round(float(pt102.zero_trim_ma), 4), round(float(pt102.span_trim_ma), 4)]
"""

WRAP = r"""
## Wrap-up

- **Errors in percent of span.** Divide by the 16 mA span, not by the reading: at 4 mA a
  percent of reading is four times too big, at 20 mA a fifth too small.
- **Up and down.** Only the falling points show hysteresis, and on some transmitters they
  hold the worst error: an upscale-only check can pass an instrument that fails.
- **Record the reference's reading**, not the point you aimed at; and check the reference
  first: in date, 4:1 or better. The most accurate calibrator on the shelf is worthless if
  its certificate has run out.
- **Zero first, then span**: the span turns about the zero, so a span set while the zero is
  still off is wrong again as soon as the zero is put right.
- **As found stays as found.** The as-left check is a new set of readings; the as-found
  results decide whether quality must review the batches PT-102 measured, and whether its
  interval is right. Hysteresis and non-linearity cannot be trimmed away: a transmitter that
  fails as left is repaired or replaced.
- A real job goes on: return to service, compare with the process and the PLC's reading,
  hand back to the operator (the lesson's *Back into service*).

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "reference",
        "points": 2,
        "description": "the reference you chose and its test uncertainty ratio",
        "observe": "[str(reference['id']), round(float(reference_tur), 4)]",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "In date (due on or after today) and a TUR of 4 or more: tolerance in bar "
        "(0.5 % of 10 bar) over the uncertainty in bar.",
    },
    {
        "id": "as-found-readings",
        "points": 2,
        "description": "the as-found readings: points, directions, applied pressures and outputs",
        "observe": "[[r['point'], r['direction'], round(float(r['applied']), 4), "
        "round(float(r['ma']), 4)] for r in as_found]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Nine readings, one at each point: 0 to 100 % rising, then 75 to 0 % falling, "
        "applied with the reference the work order allows.",
    },
    {
        "id": "as-found-errors",
        "points": 2,
        "description": "the as-found errors in % of span",
        "observe": "[round(float(r['error']), 5) for r in as_found]",
        "compare": "close",
        "tolerance": 0.004,
        "hint": "(measured - ideal) / 16 mA x 100, with the ideal output at the pressure the "
        "reference read.",
    },
    {
        "id": "as-found-summary",
        "points": 2,
        "description": "as found: zero, span, linearity, hysteresis and worst error (% of span)",
        "observe": "[round(float(found[k]), 5) for k in ('zero', 'span', 'linearity', "
        "'hysteresis', 'worst')]",
        "compare": "close",
        "tolerance": 0.004,
        "hint": "Hysteresis is falling minus rising at the same point, so it needs the "
        "falling points.",
    },
    {
        "id": "as-found-verdict",
        "points": 2,
        "visible": False,
        "description": "the as-found verdict and the error types PT-102 shows",
        "observe": "[bool(as_found_pass), [str(name) for name in error_types]]",
        "compare": "equal",
        "hint": "Every error within the tolerance to pass; an error type counts from 0.1 % "
        "of span, listed in the order zero, span, linearity, hysteresis.",
    },
    {
        "id": "functions",
        "points": 2,
        "visible": False,
        "description": "error_pct_span on a 2-10 bar range and summarize on fresh readings",
        "observe": "[__errors, __summary]",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The ideal output starts at the lower range value; linearity compares the "
        "mean of rising and falling with the line through the rising end points.",
    },
    {
        "id": "adjustments",
        "points": 2,
        "visible": False,
        "description": "the zero and span adjustments PT-102 received (mA)",
        "observe": "__trims",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Zero at the lower range value first; then the span, from a reading at the "
        "upper range value taken after the zero was put right.",
    },
    {
        "id": "as-left",
        "points": 2,
        "visible": False,
        "description": "the as-left errors, the size of the worst of them and the as-left verdict",
        "observe": "[round(float(r['error']), 4) for r in as_left] + "
        "[round(abs(float(left['worst'])), 4), bool(as_left_pass)]",
        "compare": "close",
        "tolerance": 0.07,
        "hint": "After a zero and span adjustment only non-linearity, hysteresis and a little "
        "noise should be left.",
    },
    {
        "id": "record-as-found",
        "points": 2,
        "visible": False,
        "description": "the record's as-found section: readings, worst error, hysteresis, verdict",
        "observe": "record['as_found']",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The as-found section holds the readings taken before any adjustment.",
    },
    {
        "id": "record",
        "points": 2,
        "visible": False,
        "description": "the record's tag, reference, TUR, error types, adjustments, as-left "
        "verdict and follow-up",
        "observe": "[record['tag'], record['range_bar'], record['tolerance_pct'], record['date'], "
        "record['reference'], round(float(record['tur']), 4), record['error_types'], "
        "record['adjustments'], record['as_left']['verdict'], record['notify_quality'], "
        "record['return_to_service']]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Quality is notified when the transmitter was found out of tolerance; it "
        "returns to service only if it passed as left.",
    },
]

PITFALLS = [
    Pitfall(
        "percent-of-reading",
        "Expresses each error in percent of the reading (the ideal output in mA) instead of "
        "percent of the 16 mA span: four times too big at 0 %, too small at 100 %.",
        {
            "answer-check": swap(
                ANSWER_CHECK,
                "return (ma - ideal_ma(bar, low, high)) / 16.0 * 100.0",
                "ideal = ideal_ma(bar, low, high)\n    return (ma - ideal) / ideal * 100.0",
            )
        },
    ),
    Pitfall(
        "upscale-only",
        "Checks the five points rising only, so the hysteresis is never measured (and a worst "
        "error on a falling point is missed).",
        {
            "answer-check": swap(
                ANSWER_CHECK,
                'for direction, points in (("up", POINTS_UP), ("down", POINTS_DOWN)):',
                'for direction, points in (("up", POINTS_UP),):',
            )
        },
    ),
    Pitfall(
        "nominal-input",
        "Computes each error against the nominal test pressure instead of the pressure the "
        "reference read.",
        {
            "answer-check": swap(
                ANSWER_CHECK,
                "error = error_pct_span(ma, applied, low, high)",
                "error = error_pct_span(ma, target, low, high)",
            )
        },
    ),
    Pitfall(
        "expired-reference",
        "Picks the most accurate calibrator on the shelf without checking its certificate, "
        "which has expired (traceability broken, and it has drifted).",
        {
            "answer-reference": swap(
                ANSWER_REFERENCE,
                "reference = usable[0]",
                "reference = max(work.calibrators,\n"
                '                key=lambda c: tur(TOLERANCE, c["uncertainty_bar"], LOW, HIGH))',
            )
        },
    ),
    Pitfall(
        "span-before-zero",
        "Adjusts the span first, bringing 100 % to 20 mA while the zero is still off, then "
        "the zero, which moves the top again: the zero error ends up at the top of the range.",
        {
            "answer-adjust": swap(
                ANSWER_ADJUST,
                """    applied = cal.apply(LOW)  # zero first, at the lower range value
    zero_correction = ideal_ma(applied, LOW, HIGH) - cal.read_ma()
    pt102.adjust_zero(zero_correction)
    applied = cal.apply(HIGH)  # then the span, at the upper range value
    span_correction = ideal_ma(applied, LOW, HIGH) - cal.read_ma()
    pt102.adjust_span(span_correction)""",
                """    applied = cal.apply(HIGH)  # the span first, at the upper range value
    span_correction = ideal_ma(applied, LOW, HIGH) - cal.read_ma()
    pt102.adjust_span(span_correction)
    applied = cal.apply(LOW)  # then the zero, at the lower range value
    zero_correction = ideal_ma(applied, LOW, HIGH) - cal.read_ma()
    pt102.adjust_zero(zero_correction)""",
            )
        },
    ),
    Pitfall(
        "as-left-recorded-as-found",
        "Records the as-left results in the as-found section, so the evidence of how the "
        "transmitter behaved in service is overwritten by the results after adjustment.",
        {
            "answer-record": swap(
                ANSWER_RECORD,
                '"as_found": section(as_found, found, as_found_pass),',
                '"as_found": section(as_left, left, as_left_pass),',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="As found, as left - calibrating a simulated transmitter",
        competencies=["SM.PC.2"],
        minutes=50,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-reference", TASK_REFERENCE),
            code("answer-reference", "answer", ANSWER_REFERENCE),
            code("test-reference", "test", TEST_REFERENCE),
            md("task-check", TASK_CHECK),
            code("answer-check", "answer", ANSWER_CHECK),
            code("test-check", "test", TEST_CHECK),
            md("task-as-found", TASK_AS_FOUND),
            code("answer-as-found", "answer", ANSWER_AS_FOUND),
            code("test-as-found", "test", TEST_AS_FOUND),
            md("task-adjust", TASK_ADJUST),
            code("answer-adjust", "answer", ANSWER_ADJUST),
            md("task-as-left", TASK_AS_LEFT),
            code("answer-as-left", "answer", ANSWER_AS_LEFT),
            code("test-as-left", "test", TEST_AS_LEFT),
            md("task-record", TASK_RECORD),
            code("answer-record", "answer", ANSWER_RECORD),
            code("test-record", "test", TEST_RECORD),
            code("hidden-checks", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

"""Writes labs/lab-ph-calibration.ipynb: calibrate and judge simulated pH sensors.

Run from the repository root:  .venv/bin/python labs/src/lab-ph-calibration.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-ph-calibration"

INTRO = r"""
# Calibrating and judging simulated pH sensors

**Competency:** SM.PC.9 *Analytical measurements* · about 55 minutes.

This month's pH work at Riverbend has three parts, as the lessons *pH: the glass electrode,
buffer calibration and why pH control is hard* and *Turbidity, dissolved oxygen, and keeping
analysers honest* describe them:

1. **Four buffer calibrations.** Four sensors were calibrated where they work, in the pH 7.00
   buffer and then in 10.01 or 4.01, so the buffers were at the temperature of the place
   (a cold effluent shed, a warm plant room): somewhere between 5 and 40 °C, never 25. You
   have each sensor's millivolts every 5 s for 180 s in each buffer and its temperature
   element's reading. Compute the slope (mV/pH and % of the Nernst slope **at the measured
   temperature**), the offset and the zero point with the buffers' **table values at that
   temperature**, time the response, and judge each sensor:

| Limits | Offset (mV at pH 7) | Slope (% of Nernst) | Response |
| --- | --- | --- | --- |
| Vendor's (the transmitter rejects the calibration outside them) | ±120 | 70–110 | – |
| Riverbend's acceptance | ±30 | 90–102 | stable within 60 s in each buffer |

2. **AT-311's calibration record**, trended to a replacement date.
3. **Three historian traces** (sensors A, B and C, 14 days), classified as ageing, junction
   drift or a ground loop, with a decision for the ground loop.

The data come from `plcsim.ph_sensor`, a teaching model, and from your own seed
(`SHOPFLOOR_SEED`): your sensors are not your neighbour's. Run the cells in order; write your
code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import math

import numpy as np
import pandas as pd

from plcsim.ph_sensor import BUFFER_TABLE, BUFFER_TEMPS, SITE_LIMITS, VENDOR_LIMITS, ph_job

job = ph_job(SHOPFLOOR_SEED)
R, F = 8.314462618, 96485.33212  # J/(mol K), C/mol (CODATA 2018, exact)
TABLE = pd.DataFrame(BUFFER_TABLE, index=pd.Index(BUFFER_TEMPS, name="temp_c"))

readings = pd.DataFrame(job.readings)  # sensor, buffer (nominal), time_s, mv, temp_c
SENSORS = [s["sensor"] for s in job.sensors]  # in the order calibrated
record = pd.DataFrame(job.record)  # AT-311: month, date, slope_pct, offset_mv
historian = pd.DataFrame(job.historian)  # time_h, sensor, ph, pump_running, lab_ph (NaN between grabs)
PROCESS_TEMP = job.process_temp_c  # degC, the traced water

print("Buffer table (pH at each temperature):")
print(TABLE.to_string())
print()
for s in job.sensors:
    print(f"{s['sensor']}: buffers {s['buffers'][0]:.2f} then {s['buffers'][1]:.2f} at {s['temp_c']} degC")
print(f"\nVendor limits {VENDOR_LIMITS}\nSite limits {SITE_LIMITS}")
readings.head()
"""

TASK_FUNCTIONS = r"""
## 1. The Nernst slope and the buffer table

Write two functions:

- `nernst_slope(t_c)`: the ideal slope at `t_c` °C in mV/pH, a positive number,
  $S = R\,T \ln 10 / F$ with $T$ in kelvin (`R` and `F` are set above).
- `buffer_ph(nominal, t_c)`: the pH of the buffer `nominal` (7.00, 10.01 or 4.01, a column
  of `TABLE`) at `t_c` °C, **interpolated linearly** between the table's rows (every 5 °C,
  5–40 °C).
"""

ANSWER_FUNCTIONS = r"""
# nernst_slope(t_c) -> mV/pH; buffer_ph(nominal, t_c) -> pH
### BEGIN SOLUTION
def nernst_slope(t_c):
    return R * (t_c + 273.15) * math.log(10) / F * 1000.0


def buffer_ph(nominal, t_c):
    return float(np.interp(t_c, TABLE.index.to_numpy(float), TABLE[nominal].to_numpy(float)))
### END SOLUTION
"""

TEST_FUNCTIONS = r"""
# Self-check with the lesson's numbers.
assert abs(nernst_slope(25) - 59.16) < 0.005, "59.16 mV/pH at 25 degC"
assert abs(nernst_slope(50) - 64.12) < 0.005, "64.12 mV/pH at 50 degC"
assert abs(buffer_ph(7.00, 25) - 7.00) < 1e-9
assert abs(buffer_ph(10.01, 10) - 10.18) < 1e-9, "the 10.01 buffer is 10.18 at 10 degC"
assert abs(buffer_ph(10.01, 12.5) - 10.15) < 1e-9, "halfway between 10.18 and 10.12"
print("nernst_slope and buffer_ph reproduce the lesson and the table.")
"""

TASK_CALIBRATE = r"""
## 2. Slope, offset, zero point and response time

A sensor gives $E = E_0 - S_{\text{sensor}}\,(\text{pH} - 7)$: its voltage falls by its slope
for each pH unit and is $E_0$, the **offset**, at pH 7. Write
`calibrate(t_c, buffer_2, mv_7, mv_2)` for a sensor read `mv_7` mV in the 7.00 buffer and
`mv_2` mV in the second buffer (nominal `buffer_2`), both at `t_c` °C. It returns a dict:

| Key | Value |
| --- | --- |
| `"slope_mv"` | the sensor's slope, mV/pH, positive: the voltage difference over the difference of the two buffers' **table values at `t_c`** |
| `"slope_pct"` | the slope in % of the Nernst slope **at `t_c`** |
| `"offset_mv"` | $E_0$, the voltage the sensor gives at pH 7.00 exactly (the 7.00 buffer is not exactly pH 7 away from 25 °C), with its sign |
| `"zero_ph"` | the zero point: the pH at which the sensor gives 0 mV |

The lesson's AT-311 at 25 °C: −12 mV in 7.00 and −183 mV in 10.01 give 56.81 mV/pH, 96.0 %,
−12 mV and a zero point of 6.79.

Then, for each sensor in `SENSORS`, take the **last** reading in each buffer as the settled
one and fill `results[sensor]` with `calibrate`'s dict plus `"response_s"`: the longer of
the two buffers' **stable times**. A buffer's stable time is the first time (s) from which
every reading stays within 0.05 pH of its last reading, 0.05 pH being 0.05 × the sensor's
own `slope_mv` in millivolts.
"""

ANSWER_CALIBRATE = r"""
# calibrate(t_c, buffer_2, mv_7, mv_2) -> dict; results = {sensor: dict with response_s}
### BEGIN SOLUTION
def calibrate(t_c, buffer_2, mv_7, mv_2):
    ph_7, ph_2 = buffer_ph(7.00, t_c), buffer_ph(buffer_2, t_c)
    slope = (mv_7 - mv_2) / (ph_2 - ph_7)
    offset = mv_7 + slope * (ph_7 - 7.0)  # E0 = E + S (pH - 7) at the 7.00 buffer
    return {
        "slope_mv": slope,
        "slope_pct": 100.0 * slope / nernst_slope(t_c),
        "offset_mv": offset,
        "zero_ph": 7.0 + offset / slope,
    }


def stable_time(trace, tolerance_mv):
    # trace: readings of one buffer in time order; first time from which all stay close
    mv = trace["mv"].to_numpy(float)
    times = trace["time_s"].to_numpy(float)
    outside = np.nonzero(np.abs(mv - mv[-1]) > tolerance_mv)[0]
    return float(times[outside[-1] + 1]) if len(outside) else float(times[0])


results = {}
for sensor in SENSORS:
    rows = readings[readings["sensor"] == sensor]
    t_c = float(rows["temp_c"].iloc[0])
    buffers = [7.0] + [b for b in rows["buffer"].unique() if b != 7.0]  # 7.00, then the second
    traces = {b: rows[rows["buffer"] == b].sort_values("time_s") for b in buffers}
    result = calibrate(t_c, buffers[1], float(traces[7.0]["mv"].iloc[-1]),
                       float(traces[buffers[1]]["mv"].iloc[-1]))
    tolerance = 0.05 * result["slope_mv"]
    result["response_s"] = max(stable_time(trace, tolerance) for trace in traces.values())
    results[sensor] = result
### END SOLUTION
pd.DataFrame(results).T.round(2)
"""

TEST_CALIBRATE = r"""
# Self-check with the lesson's AT-311 (25 degC) and quiz 2 (+8 mV, +172 mV in 4.01).
at311 = calibrate(25.0, 10.01, -12.0, -183.0)
assert abs(at311["slope_mv"] - 56.81) < 0.005 and abs(at311["slope_pct"] - 96.03) < 0.01, at311
assert abs(at311["offset_mv"] + 12.0) < 1e-9 and abs(at311["zero_ph"] - 6.789) < 0.001, at311
quiz = calibrate(25.0, 4.01, 8.0, 172.0)
assert abs(quiz["slope_pct"] - 92.7) < 0.05 and abs(quiz["offset_mv"] - 8.0) < 1e-9, quiz
assert set(results) == set(SENSORS)
assert all("response_s" in r for r in results.values())
print("calibrate reproduces the lesson. At 25 degC the table and nominal values agree; yours are not at 25 degC.")
"""

TASK_JUDGE = r"""
## 3. Judge each sensor

Write `judge(result)` for one of your `results` entries. It returns a dict:

- `"vendor_ok"`: `True` if the transmitter accepts the calibration (offset within ±120 mV
  and slope within 70–110 %, limits included);
- `"reasons"`: the site criteria the sensor fails, in the order `"offset"` (outside ±30 mV),
  `"slope"` (outside 90–102 %), `"response"` (stable time over 60 s); an empty list if none;
- `"verdict"`: `"rejected"` if the transmitter rejects it, else `"fail"` if it fails any
  site criterion, else `"pass"`.

Then set `verdicts = {sensor: judge(results[sensor]) for sensor in SENSORS}`.
"""

ANSWER_JUDGE = r"""
# judge(result) -> {"vendor_ok": bool, "reasons": [...], "verdict": str}; verdicts
### BEGIN SOLUTION
def judge(result):
    offset, slope = abs(result["offset_mv"]), result["slope_pct"]
    vendor_lo, vendor_hi = VENDOR_LIMITS["slope_pct"]
    site_lo, site_hi = SITE_LIMITS["slope_pct"]
    vendor_ok = offset <= VENDOR_LIMITS["offset_mv"] and vendor_lo <= slope <= vendor_hi
    reasons = []
    if offset > SITE_LIMITS["offset_mv"]:
        reasons.append("offset")
    if not site_lo <= slope <= site_hi:
        reasons.append("slope")
    if result["response_s"] > SITE_LIMITS["stable_s"]:
        reasons.append("response")
    if not vendor_ok:
        verdict = "rejected"
    elif reasons:
        verdict = "fail"
    else:
        verdict = "pass"
    return {"vendor_ok": bool(vendor_ok), "reasons": reasons, "verdict": verdict}


verdicts = {sensor: judge(results[sensor]) for sensor in SENSORS}
### END SOLUTION
pd.DataFrame(verdicts).T
"""

TEST_JUDGE = r"""
# Self-check with the lesson's quiz 3: -41 mV and 94 %, stable in 25 s.
quiz = judge({"slope_mv": 55.6, "slope_pct": 94.0, "offset_mv": -41.0, "zero_ph": 6.26, "response_s": 25.0})
assert quiz["vendor_ok"] is True and quiz["reasons"] == ["offset"], quiz
assert quiz["verdict"] == "fail", "the transmitter accepted it; the site does not"
print("judge agrees with the lesson's quiz 3.")
"""

TASK_RECORD = r"""
## 4. AT-311's record: when to replace the sensor

`record` holds AT-311's slope and offset at its first five calibrations, every two months
since the sensor was fitted (`month` 0 is the day it was fitted). As the lesson does, fit a
straight line by least squares to each against the month, and set:

- `slope_rate`, `offset_rate`: the lines' slopes (% per month and mV per month, with signs);
- `slope_limit_month`: the month at which the slope line reaches 90 %;
- `offset_limit_month`: the month at which the offset line reaches ±30 mV (the side it is
  heading for);
- `replace_month`: the last two-monthly calibration (an even month, an `int`) **before** the
  first of the two limits is reached: fit the new sensor then;
- `replace_date`: that calibration's date, ISO text (`"2025-07-01"`): the fitting date plus
  `replace_month` months.
"""

ANSWER_RECORD = r"""
# slope_rate, offset_rate, slope_limit_month, offset_limit_month, replace_month, replace_date
### BEGIN SOLUTION
months = record["month"].to_numpy(float)
slope_rate, slope_start = np.polyfit(months, record["slope_pct"].to_numpy(float), 1)
offset_rate, offset_start = np.polyfit(months, record["offset_mv"].to_numpy(float), 1)
slope_limit_month = (SITE_LIMITS["slope_pct"][0] - slope_start) / slope_rate
offset_limit_month = (math.copysign(SITE_LIMITS["offset_mv"], offset_rate) - offset_start) / offset_rate
first_limit = min(slope_limit_month, offset_limit_month)
replace_month = int(2 * math.ceil(first_limit / 2) - 2)
fitted = pd.Timestamp(record.loc[record["month"] == 0, "date"].iloc[0])
replace_date = (fitted + pd.DateOffset(months=replace_month)).date().isoformat()
### END SOLUTION
print(f"slope {slope_rate:+.3f} %/month reaches 90 % at {slope_limit_month:.1f} months; "
      f"offset {offset_rate:+.2f} mV/month reaches the limit at {offset_limit_month:.1f} months")
print(f"replace at the month-{replace_month} calibration, {replace_date}")
"""

TEST_RECORD = r"""
# Self-check with the lesson's record: 99.0, 97.6, 96.0, 94.7, 93.2 % at months 0-8.
rate, start = np.polyfit([0, 2, 4, 6, 8], [99.0, 97.6, 96.0, 94.7, 93.2], 1)
assert abs((90 - start) / rate - 12.4) < 0.05, "the lesson's line reaches 90 % at 12.4 months"
assert isinstance(replace_month, int) and replace_month % 2 == 0 and replace_month > 8
assert len(replace_date) == 10 and replace_date[4] == "-"
print("The lesson's line reaches 90 % at 12.4 months; check your own record's two limits.")
"""

TASK_TRACES = r"""
## 5. Three historian traces

`historian` holds 14 days of sensors A, B and C at 10 min: the reading `ph`, the
`pump_running` tag of the pump on that sensor's line, and `lab_ph`, the laboratory's result
for a grab sample taken every 4 h (NaN between grab samples). Each sensor has one fault.
Using **only the rows with a grab sample**, compute for each sensor its error,
reading − lab, and three numbers:

- `"step"`: the mean error while the pump ran minus the mean error while it did not (pH);
- `"drift"`: the least-squares slope of the error against time, in pH per **day**;
- `"gain"`: the least-squares slope of the reading against the lab's pH (1 for a healthy
  sensor; an aged glass electrode's reading is squeezed towards its zero point).

Put them in `features[sensor]` (a dict with those three keys) and classify each sensor in
`faults[sensor]` by this rule, in this order: `"ground loop"` if |step| ≥ 0.1 pH, else
`"junction drift"` if |drift| ≥ 0.01 pH/day, else `"ageing"` if gain < 0.95, else
`"healthy"`.
"""

ANSWER_TRACES = r"""
# features = {sensor: {"step", "drift", "gain"}}; faults = {sensor: str}
### BEGIN SOLUTION
grabs = historian[historian["lab_ph"].notna()]
features, faults = {}, {}
for sensor, g in grabs.groupby("sensor"):
    err = g["ph"] - g["lab_ph"]
    running = g["pump_running"].astype(bool)
    step = float(err[running].mean() - err[~running].mean())
    drift = float(np.polyfit(g["time_h"] / 24.0, err, 1)[0])
    gain = float(np.polyfit(g["lab_ph"], g["ph"], 1)[0])
    features[sensor] = {"step": step, "drift": drift, "gain": gain}
    if abs(step) >= 0.1:
        faults[sensor] = "ground loop"
    elif abs(drift) >= 0.01:
        faults[sensor] = "junction drift"
    elif gain < 0.95:
        faults[sensor] = "ageing"
    else:
        faults[sensor] = "healthy"
### END SOLUTION
print(pd.DataFrame(features).T.round(4))
print(faults)
"""

TASK_GROUND = r"""
## 6. The ground loop: what to do

The night shift suggests a one-point **standardisation** of the ground-loop sensor to the
grab samples: shift its reading by the mean difference so that it "agrees with the lab".
Decide, and set:

- `ground_loop_sensor`: the sensor with the ground loop;
- `ground_loop_mv`: the stray voltage in the measuring circuit while the pump runs, in mV:
  its step in pH times the Nernst slope at the water's temperature `PROCESS_TEMP`;
- `standardise_ph`: the one-point correction you enter in that sensor's transmitter, in pH
  (0.0 for none);
- `pump_off_error`: that sensor's mean error against the grab samples taken while the pump
  was **stopped**, after your correction (the reading plus `standardise_ph`, minus the lab).
"""

ANSWER_GROUND = r"""
# ground_loop_sensor, ground_loop_mv, standardise_ph, pump_off_error
### BEGIN SOLUTION
ground_loop_sensor = next(s for s, fault in faults.items() if fault == "ground loop")
ground_loop_mv = features[ground_loop_sensor]["step"] * nernst_slope(PROCESS_TEMP)
g = grabs[grabs["sensor"] == ground_loop_sensor]
errors = g["ph"] - g["lab_ph"]
standardise_ph = 0.0  # an electrical fault: no transmitter setting cures it
stopped = ~g["pump_running"].astype(bool)
pump_off_error = float((errors + standardise_ph)[stopped].mean())
### END SOLUTION
print(f"{ground_loop_sensor}: {ground_loop_mv:.1f} mV while its pump runs; "
      f"standardise {standardise_ph:+.2f} pH; error with the pump stopped {pump_off_error:+.3f} pH")
"""

HIDDEN = r"""
import random as __random

__rng = __random.Random(f"lab-ph-calibration:{SHOPFLOOR_SEED}:fresh")


def __try(function, *args):
    try:
        return round(float(function(*args)), 5)
    except Exception as error:
        return f"{type(error).__name__}"


__temps = [round(__rng.uniform(5.0, 40.0), 1) for __i in range(3)]
__buffers = [__try(buffer_ph, __b, __t) for __b in (4.01, 7.00, 10.01) for __t in __temps]
__slopes = [__try(nernst_slope, __t) for __t in __temps]
__t = round(__rng.uniform(5.0, 18.0), 1)
__mv7, __mv10 = round(__rng.uniform(-40, 40), 1), round(__rng.uniform(-200, -140), 1)
__cal = [__try(lambda k=__k: calibrate(__t, 10.01, __mv7, __mv10)[k])
         for __k in ("slope_mv", "slope_pct", "offset_mv", "zero_ph")]
"""

WRAP = r"""
## Wrap-up

- **The slope at the measured temperature.** A sensor at 8 °C that gives 52.0 mV/pH has
  93.2 % of the 55.79 mV/pH Nernst slope there, not 87.9 % of 59.16; at 38 °C, 54.5 mV/pH is
  88.3 % of 61.74, not 92.1 %. Judged with the 25 °C slope, a good cold sensor fails and a
  tired warm one passes.
- **The buffer's table value.** Away from 25 °C the "7.00" buffer is not pH 7.00 and the
  "10.01" not 10.01; the transmitter's buffer table must match the bottles.
- **The offset's sign** says where the zero point is: −12 mV puts it at pH 6.79, below 7.
- **The transmitter's acceptance is not the site's.** Its limits catch a wrong buffer or a
  dead sensor; Riverbend's limits and the response time decide whether the sensor goes back.
- **A record is a trend**: fit the slope and the offset, and fit the new sensor at the last
  calibration before a limit, not on the night it fails.
- **A ground loop is electrical.** A one-point standardisation to grab samples moves the
  whole reading: it splits the error between the pump running and stopped and hides the
  fault, which qualified persons find and fix (NFPA 70E, OSHA 29 CFR 1910.333).

When every self-check passes, submit the notebook for grading.
"""


def _rows(keys: tuple[str, ...], digits: int) -> str:
    inner = ", ".join(f"round(float(results[s]['{k}']), {digits})" for k in keys)
    return f"[[{inner}] for s in SENSORS]"


CHECKS = [
    {
        "id": "nernst",
        "points": 1,
        "description": "the Nernst slope at each of your sensors' temperatures (mV/pH)",
        "observe": "[round(float(nernst_slope(s['temp_c'])), 4) for s in job.sensors]",
        "compare": "close",
        "tolerance": 0.002,
        "hint": "R T ln 10 / F, with T in kelvin, times 1,000 for mV.",
    },
    {
        "id": "buffers",
        "points": 2,
        "description": "each sensor's two buffers' pH at its temperature",
        "observe": "[[round(float(buffer_ph(b, s['temp_c'])), 4) for b in s['buffers']] "
        "for s in job.sensors]",
        "compare": "close",
        "tolerance": 0.0005,
        "hint": "Interpolate between the table's two rows around the temperature; the nominal "
        "value holds only at 25 °C.",
    },
    {
        "id": "slopes",
        "points": 2,
        "description": "each sensor's slope in mV/pH and in % of Nernst",
        "observe": _rows(("slope_mv", "slope_pct"), 4),
        "compare": "close",
        "tolerance": 0.02,
        "hint": "Divide by the buffers' table values' difference, and compare with the Nernst "
        "slope at the sensor's own temperature.",
    },
    {
        "id": "offsets",
        "points": 2,
        "description": "each sensor's offset (mV at pH 7) and zero point",
        "observe": _rows(("offset_mv", "zero_ph"), 4),
        "compare": "close",
        "tolerance": 0.02,
        "hint": "E0 is the voltage at pH 7.00 exactly: E + S (pH - 7) at the 7.00 buffer's "
        "table value. The zero point is 7 + E0 / S.",
    },
    {
        "id": "response",
        "points": 2,
        "visible": False,
        "description": "each sensor's response time (s)",
        "observe": _rows(("response_s",), 1),
        "compare": "close",
        "tolerance": 0.01,
        "hint": "The first time from which every reading stays within 0.05 pH (times the "
        "sensor's slope, in mV) of the last one; the longer of the two buffers.",
    },
    {
        "id": "verdicts",
        "points": 3,
        "visible": False,
        "description": "each sensor's vendor acceptance, failed site criteria and verdict",
        "observe": "[[bool(verdicts[s]['vendor_ok']), [str(r) for r in verdicts[s]['reasons']], "
        "str(verdicts[s]['verdict'])] for s in SENSORS]",
        "compare": "equal",
        "hint": "The transmitter's limits decide only 'rejected'; a sensor it accepts still "
        "fails if it is outside any of the site's limits.",
    },
    {
        "id": "functions",
        "points": 2,
        "visible": False,
        "description": "buffer_ph, nernst_slope and calibrate at fresh temperatures",
        "observe": "[__buffers, __slopes, __cal]",
        "compare": "close",
        "tolerance": 0.001,
        "hint": "Linear interpolation in the table; the slope at the given temperature.",
    },
    {
        "id": "record-trend",
        "points": 2,
        "description": "AT-311's slope and offset rates (per month) and the months they "
        "reach the site's limits",
        "observe": "[round(float(v), 4) for v in (slope_rate, offset_rate, slope_limit_month, "
        "offset_limit_month)]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Least-squares lines against the month; the offset heads for +30 or -30 mV "
        "by the sign of its rate.",
    },
    {
        "id": "replacement",
        "points": 2,
        "visible": False,
        "description": "the calibration at which to fit a new AT-311, and its date",
        "observe": "[int(replace_month), str(replace_date)]",
        "compare": "equal",
        "hint": "The first of the two limits decides; the last even month before it.",
    },
    {
        "id": "trace-features",
        "points": 2,
        "description": "step, drift and gain of sensors A, B and C",
        "observe": "[[round(float(features[s][k]), 4) for k in ('step', 'drift', 'gain')] "
        "for s in 'ABC']",
        "compare": "close",
        "tolerance": 0.002,
        "hint": "Grab-sample rows only; drift per day, not per hour.",
    },
    {
        "id": "trace-faults",
        "points": 2,
        "visible": False,
        "description": "the fault of each of sensors A, B and C",
        "observe": "[str(faults[s]) for s in 'ABC']",
        "compare": "equal",
        "hint": "The rule's order matters: the pump step first.",
    },
    {
        "id": "ground-loop",
        "points": 3,
        "visible": False,
        "description": "the ground-loop sensor, its stray voltage, the correction entered and "
        "the error with the pump stopped",
        "observe": "[str(ground_loop_sensor), round(float(ground_loop_mv), 3), "
        "round(float(standardise_ph), 4), round(float(pump_off_error), 4)]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "A sensor that reads right with the pump stopped needs no correction: the fault "
        "is in the wiring, not in the calibration.",
    },
]

PITFALLS = [
    Pitfall(
        "slope-at-25c",
        "Judges the slope against the 25 °C Nernst slope (59.16 mV/pH) whatever the buffers' "
        "temperature, so every sensor's slope % is wrong by the ratio of the two.",
        {
            "answer-calibrate": swap(
                ANSWER_CALIBRATE,
                '"slope_pct": 100.0 * slope / nernst_slope(t_c),',
                '"slope_pct": 100.0 * slope / nernst_slope(25.0),',
            )
        },
    ),
    Pitfall(
        "nominal-buffer-value",
        "Uses the buffers' nominal values (7.00, 10.01, 4.01) instead of their table values at "
        "the measured temperature, which shifts the slope and the offset.",
        {
            "answer-functions": swap(
                ANSWER_FUNCTIONS,
                "return float(np.interp(t_c, TABLE.index.to_numpy(float), TABLE[nominal].to_numpy(float)))",
                "return float(nominal)",
            )
        },
    ),
    Pitfall(
        "offset-sign",
        "Reports the offset as the correction to apply (0 mV minus the sensor's voltage at "
        "pH 7) instead of the voltage itself, which puts the zero point on the wrong side of 7.",
        {
            "answer-calibrate": swap(
                ANSWER_CALIBRATE,
                "offset = mv_7 + slope * (ph_7 - 7.0)",
                "offset = -(mv_7 + slope * (ph_7 - 7.0))",
            )
        },
    ),
    Pitfall(
        "accepted-by-transmitter",
        "Passes every sensor the transmitter accepts, ignoring Riverbend's tighter offset, "
        "slope and response limits.",
        {
            "answer-judge": swap(
                ANSWER_JUDGE,
                '    elif reasons:\n        verdict = "fail"\n',
                "",
            )
        },
    ),
    Pitfall(
        "standardise-ground-loop",
        "Hides the ground loop with a one-point standardisation to the grab samples: the "
        "reading is then wrong whenever the pump is stopped, and the fault stays.",
        {
            "answer-ground": swap(
                ANSWER_GROUND,
                "standardise_ph = 0.0  # an electrical fault: no transmitter setting cures it",
                "standardise_ph = -float(errors.mean())  # agree with the lab",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Calibrating and judging simulated pH sensors",
        competencies=["SM.PC.9"],
        minutes=55,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-functions", TASK_FUNCTIONS),
            code("answer-functions", "answer", ANSWER_FUNCTIONS),
            code("test-functions", "test", TEST_FUNCTIONS),
            md("task-calibrate", TASK_CALIBRATE),
            code("answer-calibrate", "answer", ANSWER_CALIBRATE),
            code("test-calibrate", "test", TEST_CALIBRATE),
            md("task-judge", TASK_JUDGE),
            code("answer-judge", "answer", ANSWER_JUDGE),
            code("test-judge", "test", TEST_JUDGE),
            md("task-record", TASK_RECORD),
            code("answer-record", "answer", ANSWER_RECORD),
            code("test-record", "test", TEST_RECORD),
            md("task-traces", TASK_TRACES),
            code("answer-traces", "answer", ANSWER_TRACES),
            md("task-ground", TASK_GROUND),
            code("answer-ground", "answer", ANSWER_GROUND),
            code("hidden-checks", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

"""Seeded pH sensors in buffers, a calibration record and historian traces: a teaching model.

For `lab-ph-calibration` (process control course, module 9, lesson "pH"). Three parts, each
drawn from the seed:

- **Buffer calibrations** (`sensors`, `readings`): four pH sensors calibrated in the pH 7.00
  buffer and then in 10.01 or 4.01, each where it works, so the buffers sit at 5-18 or
  32-40 degC (never near 25). A sensor gives E = E0 - k S(T) (pH - 7) mV, with S(T) the
  Nernst slope, k its efficiency and E0 its offset (independent of temperature in this
  model), and pH the buffer's value at T from `BUFFER_TABLE`. In each buffer it settles as a
  first-order lag from the liquid it came from, read every 5 s for 180 s to 0.1 mV with
  0.1 mV of noise. The four are, in a seeded order: a good sensor, one with a drifted
  reference (offset 40-90 mV), an aged one (slope 78-87 %, slow) and one the transmitter
  rejects (offset beyond 120 mV or slope below 70 %). Every judged value stays clear of its
  limit (1.5 % of slope, 5 mV of offset, 20 s of response time).
- **A calibration record** (`record`): AT-311's slope and offset at the first five two-monthly
  calibrations of a sensor, falling (slope) and drifting (offset) along straight lines with a
  little scatter, so that one of them reaches the site's limit between 10.3 and 20 months,
  away from a calibration date.
- **Historian traces** (`historian`): 14 days of three sensors A, B and C at 10 min, each with
  its line's pump-running tag and a laboratory grab sample every 4 h. One sensor has aged
  (it reads 7 + g (pH - 7), g 0.80-0.88), one has a fouled junction (its error creeps
  0.015-0.03 pH a day) and one has a ground loop (+0.25-0.40 pH while its pump runs).

`BUFFER_TABLE` holds values typical of vendors' tables for these commercial buffers; a real
calibration uses the table that comes with the buffer in the bottle. The data are simulated
for teaching, not measured. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

GAS_CONSTANT = 8.314462618  # J/(mol K), CODATA 2018, exact
FARADAY = 96485.33212  # C/mol, CODATA 2018, exact
KELVIN = 273.15

BUFFER_TEMPS = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0)  # degC
BUFFER_TABLE = {  # nominal pH at 25 degC -> its pH at each of BUFFER_TEMPS
    4.01: (4.00, 4.00, 4.00, 4.00, 4.01, 4.01, 4.02, 4.03),
    7.00: (7.09, 7.06, 7.04, 7.02, 7.00, 6.99, 6.98, 6.97),
    10.01: (10.25, 10.18, 10.12, 10.06, 10.01, 9.97, 9.93, 9.89),
}
VENDOR_LIMITS = {"offset_mv": 120.0, "slope_pct": (70.0, 110.0)}  # the transmitter rejects
SITE_LIMITS = {  # Riverbend accepts
    "offset_mv": 30.0,
    "slope_pct": (90.0, 102.0),
    "stable_s": 60.0,  # in each buffer
    "stable_ph": 0.05,  # "stable": every later reading within this of the final one
}
READ_EVERY_S = 5
READ_FOR_S = 180
MV_NOISE = 0.1
CASES = ("good", "junction", "aged", "rejected")
FAULTS = ("ageing", "junction drift", "ground loop")
CAL_MONTHS = (0, 2, 4, 6, 8)


def nernst_slope(t_c: float) -> float:
    """The ideal slope at *t_c* degC, in mV per pH unit (positive): R T ln 10 / F."""
    return GAS_CONSTANT * (t_c + KELVIN) * math.log(10) / FARADAY * 1000.0


def buffer_ph(nominal: float, t_c: float) -> float:
    """The buffer's pH at *t_c* degC, interpolated linearly in `BUFFER_TABLE`."""
    values = BUFFER_TABLE[nominal]
    if t_c <= BUFFER_TEMPS[0]:
        return values[0]
    for i in range(1, len(BUFFER_TEMPS)):
        if t_c <= BUFFER_TEMPS[i]:
            t0, t1 = BUFFER_TEMPS[i - 1], BUFFER_TEMPS[i]
            return values[i - 1] + (values[i] - values[i - 1]) * (t_c - t0) / (t1 - t0)
    return values[-1]


def _rng(seed: int | str, what: str) -> random.Random:
    return random.Random(f"plcsim:ph_sensor:{seed}:{what}")  # noqa: S311 - simulation


def _sign(rng: random.Random) -> float:
    return rng.choice((-1.0, 1.0))


@dataclass(frozen=True)
class Sensor:
    """One sensor's calibration (the truth behind its readings)."""

    id: str
    case: str  # one of CASES
    temp_c: float
    second: float  # the second buffer's nominal value: 10.01 or 4.01
    offset_mv: float  # E0, the voltage at pH 7
    efficiency: float  # k, the slope as a fraction of Nernst
    tau_s: float  # first-order settling time constant
    start_ph: float  # the liquid the sensor came from before the 7.00 buffer

    def mv(self, ph: float) -> float:
        """The settled voltage at *ph* (mV)."""
        return self.offset_mv - self.efficiency * nernst_slope(self.temp_c) * (ph - 7.0)


def _draw_sensor(rng: random.Random, sensor_id: str, case: str) -> Sensor:
    cold = rng.random() < 0.5
    temp = round(rng.uniform(5.0, 18.0) if cold else rng.uniform(32.0, 40.0), 1)
    second = rng.choice((10.01, 4.01))
    if case == "good":
        offset, eff, tau = _sign(rng) * rng.uniform(3, 20), rng.uniform(0.925, 0.99), 0
    elif case == "junction":
        offset, eff, tau = _sign(rng) * rng.uniform(40, 90), rng.uniform(0.925, 0.99), 0
    elif case == "aged":
        offset, eff, tau = _sign(rng) * rng.uniform(5, 24), rng.uniform(0.78, 0.87), 1
    elif rng.random() < 0.5:  # rejected: a poisoned reference
        offset, eff, tau = _sign(rng) * rng.uniform(130, 170), rng.uniform(0.9, 0.98), 0
    else:  # rejected: a cracked or dead glass
        offset, eff, tau = _sign(rng) * rng.uniform(3, 25), rng.uniform(0.5, 0.66), 1
    tau_s = rng.uniform(28.0, 40.0) if tau else rng.uniform(3.0, 8.0)
    return Sensor(
        sensor_id,
        case,
        temp,
        second,
        round(offset, 2),
        round(eff, 4),
        round(tau_s, 2),
        round(rng.uniform(7.3, 8.2), 2),
    )


def _trace(sensor: Sensor, seed: int | str, nominal: float, start_mv: float) -> list[float]:
    rng = _rng(seed, f"trace:{sensor.id}:{nominal}")
    final = sensor.mv(buffer_ph(nominal, sensor.temp_c))
    out = []
    for t in range(0, READ_FOR_S + 1, READ_EVERY_S):
        mv = final + (start_mv - final) * math.exp(-t / sensor.tau_s) + rng.gauss(0, MV_NOISE)
        out.append(round(mv, 1))
    return out


def judge(temp_c: float, second: float, mv7: float, mv2: float) -> dict:
    """Slope (mV/pH and %), offset (mV at pH 7) and zero point from two settled readings."""
    ph7, ph2 = buffer_ph(7.0, temp_c), buffer_ph(second, temp_c)
    slope = (mv7 - mv2) / (ph2 - ph7)
    offset = mv7 + slope * (ph7 - 7.0)
    return {
        "slope_mv": slope,
        "slope_pct": 100 * slope / nernst_slope(temp_c),
        "offset_mv": offset,
        "zero_ph": 7.0 + offset / slope,
    }


def stable_time(mvs: list[float], tolerance_mv: float) -> int:
    """The first time (s) from which every reading stays within *tolerance_mv* of the last."""
    final = mvs[-1]
    t = len(mvs) - 1
    while t > 0 and abs(mvs[t - 1] - final) <= tolerance_mv:
        t -= 1
    return t * READ_EVERY_S


def _measure(sensor: Sensor, seed: int | str) -> tuple[dict, dict]:
    start = sensor.mv(sensor.start_ph)
    first = _trace(sensor, seed, 7.0, start)
    second = _trace(sensor, seed, sensor.second, first[-1])
    result = judge(sensor.temp_c, sensor.second, first[-1], second[-1])
    tolerance = SITE_LIMITS["stable_ph"] * result["slope_mv"]
    result["response_s"] = max(stable_time(first, tolerance), stable_time(second, tolerance))
    return {7.0: first, sensor.second: second}, result


def _clear(case: str, r: dict) -> bool:
    """True when the seeded case reads as that case, clear of every limit it is judged by."""
    slope, offset, resp = r["slope_pct"], abs(r["offset_mv"]), r["response_s"]
    lo, hi = SITE_LIMITS["slope_pct"]
    vlo, vhi = VENDOR_LIMITS["slope_pct"]
    if not (resp <= 45 or resp >= 80):
        return False
    if case == "rejected":
        return offset >= VENDOR_LIMITS["offset_mv"] + 5 or slope <= vlo - 3
    if offset >= VENDOR_LIMITS["offset_mv"] - 5 or not vlo + 3 <= slope <= vhi - 3:
        return False
    if abs(offset - SITE_LIMITS["offset_mv"]) < 5 or min(abs(slope - lo), abs(slope - hi)) < 1.5:
        return False
    site_ok = offset < SITE_LIMITS["offset_mv"] and lo < slope < hi and resp <= 45
    return site_ok == (case == "good")


def sensors(seed: int | str) -> list[Sensor]:
    """The seed's four sensors, in the order they were calibrated."""
    rng = _rng(seed, "sensors")
    cases = list(CASES)
    rng.shuffle(cases)
    numbers = rng.sample(range(1000, 9999), len(cases))
    out = []
    for number, case in zip(numbers, cases, strict=True):
        while True:
            sensor = _draw_sensor(rng, f"S/N {number}", case)
            if _clear(case, _measure(sensor, seed)[1]):
                out.append(sensor)
                break
    return out


def readings(seed: int | str) -> list[dict]:
    """Every reading of the seed's calibrations, one dict a reading, in the order taken."""
    rows = []
    for sensor in sensors(seed):
        traces, _ = _measure(sensor, seed)
        for nominal, mvs in traces.items():
            for i, mv in enumerate(mvs):
                rows.append(
                    {
                        "sensor": sensor.id,
                        "buffer": nominal,
                        "time_s": i * READ_EVERY_S,
                        "mv": mv,
                        "temp_c": sensor.temp_c,
                    }
                )
    return rows


def calibration_results(seed: int | str) -> dict[str, dict]:
    """What a correct calibration of each sensor finds (for graders and tests)."""
    return {s.id: _measure(s, seed)[1] for s in sensors(seed)}


# -- the calibration record --------------------------------------------------------------


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return my - b * mx, b


def crossings(rows: list[dict]) -> dict[str, float]:
    """The months at which the record's straight lines reach the site's limits."""
    months = [r["month"] for r in rows]
    a, b = _fit(months, [r["slope_pct"] for r in rows])
    c, d = _fit(months, [r["offset_mv"] for r in rows])
    limit = SITE_LIMITS["offset_mv"]
    return {
        "slope": (SITE_LIMITS["slope_pct"][0] - a) / b if b < 0 else math.inf,
        "offset": (math.copysign(limit, d) - c) / d if d else math.inf,
    }


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, day.day)


def record(seed: int | str) -> list[dict]:
    """AT-311's calibration record: month, date, slope (%) and offset (mV) at each calibration."""
    rng = _rng(seed, "record")
    installed = dt.date(2024, rng.randint(1, 12), 1)
    while True:
        s0, rate = rng.uniform(98.5, 99.8), rng.uniform(0.45, 0.85)
        o0, drift = rng.uniform(-4, 4), _sign(rng) * rng.uniform(1.0, 3.2)
        rows = [
            {
                "month": m,
                "date": _add_months(installed, m).isoformat(),
                "slope_pct": round(s0 - rate * m + rng.uniform(-0.2, 0.2), 1),
                "offset_mv": round(o0 + drift * m + rng.uniform(-1.0, 1.0), 0),
            }
            for m in CAL_MONTHS
        ]
        first = min(crossings(rows).values())
        if 10.3 <= first <= 20.0 and 0.3 <= first % 2 <= 1.7:
            return rows


# -- historian traces ------------------------------------------------------------------


HIST_DAYS = 14
HIST_STEP_MIN = 10
GRAB_EVERY_H = 4


@dataclass(frozen=True)
class Line:
    """One traced sensor's truth."""

    sensor: str  # "A", "B" or "C"
    fault: str  # one of FAULTS
    size: float  # gain (ageing), pH a day (junction drift) or pH (ground loop)


def _pump(rng: random.Random, n: int) -> list[bool]:
    out, running = [], rng.random() < 0.5
    while len(out) < n:
        hours = rng.uniform(2, 10) if running else rng.uniform(3, 12)
        out.extend([running] * max(1, round(hours * 60 / HIST_STEP_MIN)))
        running = not running
    return out[:n]


def _features(rows: list[dict]) -> dict:
    """Error against the grab samples: pump step, drift per day and gain (reading vs lab)."""
    grabs = [r for r in rows if r["lab_ph"] is not None]
    err = [r["ph"] - r["lab_ph"] for r in grabs]
    on = [e for e, r in zip(err, grabs, strict=True) if r["pump_running"]]
    off = [e for e, r in zip(err, grabs, strict=True) if not r["pump_running"]]
    step = sum(on) / len(on) - sum(off) / len(off) if on and off else 0.0
    _, drift = _fit([r["time_h"] / 24 for r in grabs], err)
    _, gain = _fit([r["lab_ph"] for r in grabs], [r["ph"] for r in grabs])
    return {"step": step, "drift": drift, "gain": gain, "on": len(on), "off": len(off)}


def classify(features: dict) -> str:
    """The lab's rule: a pump step first, then a creeping error, then a low gain."""
    if abs(features["step"]) >= 0.1:
        return "ground loop"
    if abs(features["drift"]) >= 0.01:
        return "junction drift"
    if features["gain"] < 0.95:
        return "ageing"
    return "healthy"


def _line_rows(rng: random.Random, line: Line) -> list[dict]:
    n = HIST_DAYS * 24 * 60 // HIST_STEP_MIN
    pump = _pump(rng, n)
    ph0, a1, a2 = rng.uniform(7.45, 7.75), rng.uniform(0.25, 0.4), rng.uniform(0.1, 0.2)
    p1, p2 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    bias = rng.uniform(-0.03, 0.03)
    rows = []
    for i in range(n):
        hours = i * HIST_STEP_MIN / 60
        true = (
            ph0
            + a1 * math.sin(2 * math.pi * hours / 24 + p1)
            + a2 * math.sin(2 * math.pi * hours / 7.3 + p2)
            + rng.gauss(0, 0.02)
        )
        noise = rng.gauss(0, 0.01)
        if line.fault == "ageing":
            reading = 7 + line.size * (true - 7) + bias
        elif line.fault == "junction drift":
            reading = true + bias + line.size * hours / 24
        else:
            on = pump[i]
            reading = true + (line.size if on else 0.0) + (rng.gauss(0, 0.03) if on else 0.0)
        grab = i % (GRAB_EVERY_H * 60 // HIST_STEP_MIN) == 6  # on the hour, one hour in
        rows.append(
            {
                "time_h": round(hours, 4),
                "sensor": line.sensor,
                "ph": round(reading + noise, 2),
                "pump_running": pump[i],
                "lab_ph": round(true + rng.gauss(0, 0.01), 2) if grab else None,
            }
        )
    return rows


def _line_clear(line: Line, f: dict) -> bool:
    if f["on"] < 10 or f["off"] < 10 or classify(f) != line.fault:
        return False
    if line.fault == "ground loop":
        return abs(f["step"]) >= 0.2
    if abs(f["step"]) > 0.05:
        return False
    if line.fault == "junction drift":
        return abs(f["drift"]) >= 0.013
    return abs(f["drift"]) <= 0.006 and f["gain"] <= 0.91


def historian_lines(seed: int | str) -> list[Line]:
    """Which of A, B and C has which fault, and how big (the truth)."""
    rng = _rng(seed, "lines")
    faults = list(FAULTS)
    rng.shuffle(faults)
    sizes = {
        "ageing": rng.uniform(0.80, 0.88),
        "junction drift": _sign(rng) * rng.uniform(0.015, 0.03),
        "ground loop": rng.uniform(0.25, 0.40),
    }
    return [Line(s, f, round(sizes[f], 4)) for s, f in zip("ABC", faults, strict=True)]


def historian(seed: int | str) -> list[dict]:
    """14 days of sensors A, B and C at 10 min: time_h, sensor, ph, pump_running, lab_ph."""
    rows = []
    for line in historian_lines(seed):
        rng = _rng(seed, f"historian:{line.sensor}")
        while True:
            part = _line_rows(rng, line)
            if _line_clear(line, _features(part)):
                rows.extend(part)
                break
    return rows


# -- the job ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PhJob:
    """The lab's data for one seed, as plain lists of dicts (one dict a row)."""

    sensors: list[dict]  # sensor, temp_c, buffers (the two nominal values, 7.00 first)
    readings: list[dict]  # sensor, buffer, time_s, mv, temp_c
    record: list[dict]  # month, date, slope_pct, offset_mv
    historian: list[dict]  # time_h, sensor, ph, pump_running, lab_ph
    process_temp_c: float  # the traced water's temperature


def ph_job(seed: int | str) -> PhJob:
    """Everything the lab needs for *seed*."""
    listed = [
        {"sensor": s.id, "temp_c": s.temp_c, "buffers": [7.0, s.second]} for s in sensors(seed)
    ]
    return PhJob(
        listed,
        readings(seed),
        record(seed),
        historian(seed),
        round(_rng(seed, "water").uniform(10.0, 20.0), 1),
    )

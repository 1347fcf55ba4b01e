"""A seeded compressor-room submeter, weather and production for an energy-baseline lab.

Riverbend's compressor room, 3 March 2025 to 27 September 2026, as lesson 1 of the
industrial data course's module 9 (``riverbend(seed)``) simulates it, with the numbers each
seed draws: daily weather (high and low in °F, Chicago-like, persisting from day to day),
cases packed on working days (none at weekends and on the lesson's 15 shutdown days), and the
room's kWh register read every 15 minutes, time-stamped in UTC at the end of each interval.

The room draws, in every interval,

- a leak load around the clock (``leak_kw``, 3.4-4.6 kW, with a daily wobble);
- production air spread over 06:00-22:30 local time on working days, ``air_kwh_per_case``
  for each case packed (0.011-0.015 kWh, with a daily product-mix factor);
- a weather load: this room's compressors breathe outside air and its refrigerated dryer
  works harder in the heat, ``cooling_kwh_per_degday`` (2-4 kWh a day) for each °F the day's
  NOAA mean, (high + low) / 2, is above ``cooling_base_f`` (50-58 °F);
- noise of 0.6 kW per interval.

The leaks are repaired during March 2026 (the installation period, 2-29 March), cutting the
leak load by ``saving_kw`` (1.5-3.5 kW), except in about one seed in five (``MEASURES``,
``"no saving"``), where the compressors' controls keep them loaded and the repair saves
nothing. Local time is America/Chicago (US daylight-saving rules, computed here): days have
92 or 100 intervals when the clocks change. One weekday of the baseline year loses 1.25-2.75
hours of readings to a comms outage, so one step of the register spans 1.5-3 hours.

Each seed redraws until its data show what its model says, judged as the lab judges it
(weekly OLS on production and CDD at the true base, 90 % interval of the avoided energy):
a saving well outside its interval, or none well inside it. The data are simulated for
teaching; it is a model, not a record of a real plant. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from plcsim.us_time import summer_time_ends, summer_time_starts

FIRST_DAY = dt.date(2025, 3, 3)  # a Monday
DAYS = 574  # to Sunday 27 September 2026
BASELINE_WEEKS = range(0, 52)  # 3 March 2025 to 1 March 2026
INSTALLATION = (dt.date(2026, 3, 2), dt.date(2026, 3, 29))
REPORT_WEEKS = range(56, 82)  # 30 March to 27 September 2026
MEASURES = ("leak repair", "no saving")
SHUTDOWNS = frozenset(dt.date.fromisoformat(d) for d in (
    "2025-05-26", "2025-07-04", "2025-09-01", "2025-11-27", "2025-11-28", "2025-12-24",
    "2025-12-25", "2025-12-26", "2025-12-29", "2025-12-30", "2025-12-31", "2026-01-01",
    "2026-05-25", "2026-07-03", "2026-09-07"))  # fmt: skip
DAILY_COLUMNS = ("date", "t_max", "t_min", "cases")
REGISTER_COLUMNS = ("utc", "kwh")
STEP_S = 900
T90 = 1.677  # Student's t, 95th percentile, 49 degrees of freedom
_EPOCH = dt.datetime(2025, 3, 3, 6, 0, tzinfo=dt.UTC)  # local midnight, 3 March 2025 (CST)


@dataclass(frozen=True)
class EnergyModel:
    """The truth behind one seed's data (never shown in them)."""

    measure: str  # one of MEASURES
    leak_kw: float  # before the repair
    saving_kw: float  # the leak load the repair removes (0 for "no saving")
    air_kwh_per_case: float
    cooling_base_f: float
    cooling_kwh_per_degday: float  # kWh a day per °F of the day's mean above the base
    gap_day: dt.date  # the comms outage
    gap_start_local: int  # minutes after local midnight at which the long step starts
    gap_steps: int  # 15-minute intervals in the long step
    register_start_kwh: float


def energy_model(seed: int) -> EnergyModel:
    """The room, the measure and the outage of *seed*."""
    rng = random.Random(f"plcsim-energy-meter:{seed}")  # noqa: S311 - simulation stream
    block = ["leak repair"] * 4 + ["no saving"]  # every five consecutive seeds, one no saving
    random.Random(f"plcsim-energy-meter:block:{(seed - 1) // 5}").shuffle(block)  # noqa: S311
    measure = block[(seed - 1) % 5]
    saving = round(rng.uniform(1.5, 3.5), 2)
    while True:  # a weekday of the baseline year, not a shutdown, not in March or November
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(7, 357))
        if day.weekday() < 5 and day not in SHUTDOWNS and day.month not in (3, 11):
            break
    return EnergyModel(
        measure=measure,
        leak_kw=round(rng.uniform(3.4, 4.6), 2),
        saving_kw=saving if measure == "leak repair" else 0.0,
        air_kwh_per_case=round(rng.uniform(0.011, 0.015), 4),
        cooling_base_f=round(rng.uniform(50.0, 58.0), 1),
        cooling_kwh_per_degday=round(rng.uniform(2.0, 4.0), 2),
        gap_day=day,
        gap_start_local=15 * rng.randrange(8 * 4, 13 * 4),
        gap_steps=rng.randint(6, 12),
        register_start_kwh=float(rng.randrange(20_000, 90_000)),
    )


def utc_offset_hours(t: dt.datetime) -> int:
    """America/Chicago's offset from UTC at the instant *t* (aware, UTC): -5 in daylight
    time (from 02:00 local on the second Sunday of March to 02:00 on the first Sunday of
    November), else -6."""
    y = t.year
    spring = dt.datetime.combine(summer_time_starts(y), dt.time(8), dt.UTC)
    autumn = dt.datetime.combine(summer_time_ends(y), dt.time(7), dt.UTC)
    return -5 if spring <= t < autumn else -6


def _weather_and_cases(rng: random.Random) -> list[tuple[dt.date, float, float, float]]:
    """(date, t_max, t_min, cases) for every day."""
    rows, wobble = [], 0.0
    for i in range(DAYS):
        day = FIRST_DAY + dt.timedelta(days=i)
        doy = day.timetuple().tm_yday
        if i:
            wobble = 0.7 * wobble + rng.gauss(0.0, 5.0)
        t_mean = 50.5 - 24.5 * math.cos(2 * math.pi * (doy - 20) / 365) + wobble
        half = rng.uniform(7.0, 11.0)
        busy = 1 + 0.10 * math.cos(2 * math.pi * (doy - 196) / 365)
        factor = rng.gauss(1.0, 0.05)
        work = day.weekday() < 5 and day not in SHUTDOWNS
        cases = round(17_000 * busy * factor / 10) * 10 if work else 0
        rows.append((day, float(round(t_mean + half)), float(round(t_mean - half)), float(cases)))
    return rows


def _intervals(model: EnergyModel, days, rng: random.Random):
    """(seconds after the first reading, local day index, kWh) of every 15-minute interval,
    each at the interval's end."""
    day_leak = [rng.gauss(0.0, 0.4) for _ in days]
    mix = [rng.gauss(1.0, 0.08) for _ in days]
    day_kw = []  # (leak and weather kW all day, production kW 06:00-22:30) of each day
    for i, (date, t_max, t_min, cases) in enumerate(days):
        repaired = min(max((date - INSTALLATION[0]).days / 27, 0.0), 1.0)
        cooling = max((t_max + t_min) / 2 - model.cooling_base_f, 0.0)
        day_kw.append(
            (
                model.leak_kw
                - model.saving_kw * repaired
                + day_leak[i]
                + model.cooling_kwh_per_degday / 24 * cooling,
                model.air_kwh_per_case * cases * mix[i] / 16.5,
            )
        )
    daylight = [  # (from, to) in seconds after _EPOCH, UTC
        tuple(
            int((dt.datetime.combine(d, dt.time(h), dt.UTC) - _EPOCH).total_seconds())
            for d, h in ((summer_time_starts(y), 8), (summer_time_ends(y), 7))
        )
        for y in (2025, 2026)
    ]
    end = (DAYS * 24 - 1) * 3600  # 00:00 CDT on 28 September 2026
    out, gauss = [], rng.gauss
    for t in range(0, end, STEP_S):
        local = t + 3600 * any(a <= t < b for a, b in daylight)  # local clock, seconds
        i, minute = divmod(local, 86400)
        always, production = day_kw[i]
        kw = always + (production if 21_600 <= minute < 81_000 else 0.0)  # 06:00-22:30
        out.append((t + STEP_S, i, max(kw + gauss(0.0, 0.6), 0.0) * 0.25))
    return out


def _solve(a: list[list[float]]) -> list[list[float]]:
    """The inverse of a small square matrix (Gauss-Jordan)."""
    n = len(a)
    m = [row[:] + [float(i == j) for j in range(n)] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        m[c] = [v / m[c][c] for v in m[c]]
        for r in range(n):
            if r != c:
                m[r] = [v - m[r][c] * w for v, w in zip(m[r], m[c], strict=True)]
    return [row[n:] for row in m]


def weekly(model: EnergyModel, days, intervals) -> list[tuple[float, float, float]]:
    """(room kWh, thousands of cases, CDD at the model's base) per Monday-Sunday week."""
    kwh = [0.0] * (DAYS // 7)
    for _, i, e in intervals:
        kwh[i // 7] += e
    rows = []
    for w in range(DAYS // 7):
        week = days[7 * w : 7 * w + 7]
        cdd = sum(max((d[1] + d[2]) / 2 - model.cooling_base_f, 0) for d in week)
        rows.append((kwh[w], sum(d[3] for d in week) / 1000, cdd))
    return rows


def avoided(rows) -> tuple[float, float]:
    """Avoided energy over the reporting weeks and its standard error (OLS on the baseline
    weeks: kWh ~ 1 + thousand cases + CDD; independent weeks)."""
    base = [rows[w] for w in BASELINE_WEEKS]
    x = [(1.0, k, c) for _, k, c in base]
    xtx = [[sum(r[i] * r[j] for r in x) for j in range(3)] for i in range(3)]
    inv = _solve(xtx)
    xty = [sum(r[i] * y for r, (y, _, _) in zip(x, base, strict=True)) for i in range(3)]
    beta = [sum(inv[i][j] * xty[j] for j in range(3)) for i in range(3)]
    resid = [
        y - sum(b * v for b, v in zip(beta, r, strict=True))
        for r, (y, _, _) in zip(x, base, strict=True)
    ]
    s2 = sum(e * e for e in resid) / (len(base) - 3)
    rep = [rows[w] for w in REPORT_WEEKS]
    total = [float(len(rep)), sum(k for _, k, _ in rep), sum(c for _, _, c in rep)]
    adjusted = sum(beta[0] + beta[1] * k + beta[2] * c for _, k, c in rep)
    line = sum(total[i] * inv[i][j] * total[j] for i in range(3) for j in range(3))
    return adjusted - sum(y for y, _, _ in rep), math.sqrt(s2 * (len(rep) + line))


def simulate(seed: int):
    """(model, days, intervals) of *seed*, redrawn until the data show the model's outcome."""
    model = energy_model(seed)
    for attempt in range(100):
        rng = random.Random(f"plcsim-energy-meter:{seed}:draw:{attempt}")  # noqa: S311
        days = _weather_and_cases(rng)
        intervals = _intervals(model, days, rng)
        saving, se = avoided(weekly(model, days, intervals))
        if model.measure == "leak repair" and saving > (T90 + 1.5) * se:
            return model, days, intervals
        if model.measure == "no saving" and abs(saving) < (T90 - 0.5) * se:
            return model, days, intervals
    raise RuntimeError(f"seed {seed}: no draw fits its model")  # pragma: no cover


def _iso(seconds: int) -> str:
    """The instant *seconds* after the first reading, as ISO 8601 UTC text."""
    return (_EPOCH + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def energy_meter(seed: int) -> dict:
    """The data of *seed*: ``daily`` (columns DAILY_COLUMNS: ISO date, high and low in °F,
    cases packed) and ``register`` (columns REGISTER_COLUMNS: the UTC time of each reading,
    ISO 8601, and the compressor room's kWh register, to 0.1 kWh), with the outage's
    readings missing."""
    model, days, intervals = simulate(seed)
    local = dt.datetime.combine(model.gap_day, dt.time()) + dt.timedelta(
        minutes=model.gap_start_local
    )
    gap_from = local.replace(tzinfo=dt.UTC) - dt.timedelta(
        hours=utc_offset_hours(local.replace(tzinfo=dt.UTC))
    )
    gap_from = int((gap_from - _EPOCH).total_seconds())
    gap_to = gap_from + STEP_S * model.gap_steps
    utc, kwh = [_iso(0)], [model.register_start_kwh]
    reading = model.register_start_kwh
    for t, _, e in intervals:
        reading += e
        if not gap_from < t < gap_to:
            utc.append(_iso(t))
            kwh.append(round(reading, 1))
    return {
        "daily": {
            "date": [d[0].isoformat() for d in days],
            "t_max": [d[1] for d in days],
            "t_min": [d[2] for d in days],
            "cases": [d[3] for d in days],
        },
        "register": {"utc": utc, "kwh": kwh},
    }

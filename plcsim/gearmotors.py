"""Daily sensor summaries and work orders of Riverbend's conveyor gearmotors, for failure models.

``simulate(seed)`` is the generator printed in lesson 1 of the industrial data course's
module 8 ("Framing a plant question, and features from plant data", ``simulate_gearmotors``),
rewritten without pandas: the same random draws in the same order, so ``simulate(8)`` gives
the lesson's data (22,688 daily rows, 55 bearing failures) with numpy 2.3. 48 gearmotors
(GM-01 to GM-24 on Line 1, GM-25 to GM-48 on Line 2) run on weekdays from 6 January 2025 to
30 October 2026. Bearings fail as spalls (vibration weeks ahead, heat late), dry bearings
after a late lubrication PM (heat first) or at random (no warning); sensor mounts work loose
for a few days; one line's vibration sensors are replaced by a model that reads higher.

``gearmotor_export(seed)`` is what the lab ``lab-failure-prediction`` reads: the simulated
historian extract and CMMS work orders of one seed, with the sensor change on a line, a date
and a gain drawn from the seed, plus three tables that tempt a model with the future (a
monthly maintenance report, an asset-register snapshot, and a centred 7-day rolling mean in
the extract). ``sensor_change(seed)`` holds that seed's change.

Dates are numpy ``datetime64[D]``; tables are dicts of equal-length numpy arrays. The data
are simulated for teaching; the failure rate is set high on purpose. Needs numpy only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

FIRST_DAY, LAST_DAY = np.datetime64("2025-01-06"), np.datetime64("2026-10-30")
MOTORS = 48
LUBE_DAYS = 60  # running days between lubrication PMs
DAILY_COLUMNS = ("motor", "line", "date", "ambient_c", "vib_mm_s", "bearing_c", "current_a")
ORDER_COLUMNS = ("motor", "date", "type")  # type "PM" (lubrication) or "CM" (bearing failure)
EXPORTED = np.datetime64("2026-10-30")  # the day the asset register was exported


@dataclass(frozen=True)
class SensorChange:
    """One line's vibration sensors replaced by a model that reads *gain* times higher."""

    line: str
    date: np.datetime64
    gain: float


LESSON_CHANGE = SensorChange("Line 2", np.datetime64("2026-10-09"), 1.35)


def running_days() -> np.ndarray:
    """The weekdays of the record (two shifts each), as datetime64[D]."""
    days = np.arange(FIRST_DAY, LAST_DAY + 1, dtype="datetime64[D]")
    return days[np.is_busday(days)]


def _day_of_year(days: np.ndarray) -> np.ndarray:
    return (days - days.astype("datetime64[Y]").astype("datetime64[D]")).astype(int) + 1


def simulate(
    seed: int, change: SensorChange = LESSON_CHANGE, motors: int = MOTORS
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Daily rows and work orders of *motors* gearmotors (half on each line) for *seed*."""
    rng = np.random.default_rng(seed)
    days = running_days()
    season = np.sin(2 * np.pi * (_day_of_year(days) - 110) / 365)
    ambient = 24 + 6 * season + rng.normal(0, 1.0, len(days))  # plant air, °C
    rows, orders = [], []
    for m in range(motors):
        motor, line = f"GM-{m + 1:02d}", "Line 1" if m < motors // 2 else "Line 2"
        base, amps = rng.uniform(0.8, 1.8), rng.uniform(3.2, 4.2)  # mm/s, A
        since_lube, lube_due, fault, down, loose = int(rng.integers(0, 60)), LUBE_DAYS, None, 0, 0
        orders.append((motor, days[0] - np.timedelta64(7 * since_lube // 5, "D"), "PM"))
        for d, day in enumerate(days):
            if down:  # waiting for the bearing change after a failure
                down -= 1
                continue
            if since_lube >= lube_due:  # lubrication PM every 60 running days; 1 in 5 late
                orders.append((motor, day, "PM"))
                since_lube = 0
                lube_due = LUBE_DAYS + (int(rng.integers(20, 45)) if rng.random() < 0.2 else 0)
            overdue = max(0, since_lube - LUBE_DAYS) / 15
            if fault is None and rng.random() < 0.0016:  # a spall: vibration first, heat late
                fault = [0, rng.integers(15, 41), rng.uniform(1.5, 4), rng.uniform(3, 8), 0.6]
            elif fault is None and rng.random() < 0.012 * overdue:  # dry bearing: heat first
                fault = [0, rng.integers(15, 41), rng.uniform(0.2, 0.6), rng.uniform(4, 9), 0.0]
            vib, heat = 1.0, 0.0
            if fault:
                fault[0] += 1
                x = fault[0] / fault[1]
                vib = 1 + fault[2] * x**2
                heat = fault[3] * max(0, x - fault[4]) / (1 - fault[4])
            if not loose and rng.random() < 0.0005:  # a sensor mount works loose
                loose = int(rng.integers(5, 16))
            gain = 2.2 if loose else 1.0  # a loose mount reads high until someone refits it
            loose = max(0, loose - 1)
            if line == change.line and day >= change.date:
                gain *= change.gain
            amp = amps * (1 + rng.normal(0, 0.05))
            rows.append((motor, line, day, ambient[d],
                         gain * base * vib * np.exp(rng.normal(0, 0.08)),
                         ambient[d] + 12 + 2.2 * (amp - 3.7) + heat + rng.normal(0, 0.6),
                         amp))  # fmt: skip
            since_lube += 1
            if (fault and fault[0] >= fault[1]) or rng.random() < 0.0004:  # or a random failure
                orders.append((motor, day, "CM"))
                fault, since_lube, down = None, 0, int(rng.integers(1, 4))
                base *= rng.uniform(0.9, 1.1)
    daily = _table(DAILY_COLUMNS, rows)
    for column in ("ambient_c", "vib_mm_s", "bearing_c", "current_a"):
        daily[column] = np.round(daily[column].astype(float), 2)
    return daily, _table(ORDER_COLUMNS, orders)


def _table(columns: tuple[str, ...], rows: list[tuple]) -> dict[str, np.ndarray]:
    values = list(zip(*rows, strict=True))
    table = {c: np.array(v) for c, v in zip(columns, values, strict=True)}
    if "date" in table:
        table["date"] = table["date"].astype("datetime64[D]")
    return table


def sensor_change(seed: int) -> SensorChange:
    """The line, weekday (5-9 October 2026) and gain of *seed*'s new vibration sensors."""
    rng = random.Random(f"plcsim-gearmotors:{seed}")  # noqa: S311 - simulation stream
    line = rng.choice(("Line 1", "Line 2"))
    date = np.datetime64("2026-10-05") + np.timedelta64(rng.randrange(5), "D")
    return SensorChange(line, date, round(rng.uniform(1.30, 1.45), 2))


def _centred_mean(daily: dict[str, np.ndarray], window: int = 7) -> np.ndarray:
    """Each motor's 7-running-day mean vibration, centred on the day (3 days each side)."""
    out = np.empty(len(daily["motor"]))
    for motor in np.unique(daily["motor"]):
        rows = np.flatnonzero(daily["motor"] == motor)
        values = daily["vib_mm_s"][rows]
        sums = np.convolve(values, np.ones(window), mode="same")
        counts = np.convolve(np.ones(len(values)), np.ones(window), mode="same")
        out[rows] = sums / counts
    return np.round(out, 3)


def _monthly_report(orders: dict[str, np.ndarray], motors: list[str]) -> dict[str, np.ndarray]:
    """Bearing failures per motor and calendar month, as the maintenance report counts them."""
    months = np.arange(
        FIRST_DAY.astype("datetime64[M]"), LAST_DAY.astype("datetime64[M]") + 1
    ).astype(str)
    failed = orders["type"] == "CM"
    booked = orders["date"][failed].astype("datetime64[M]").astype(str)
    rows = []
    for motor in motors:
        mine = booked[orders["motor"][failed] == motor]
        rows += [(motor, month, int((mine == month).sum())) for month in months]
    return _table(("motor", "month", "bearing_failures"), rows)


def _asset_register(orders: dict[str, np.ndarray], motors: list[str]) -> dict[str, np.ndarray]:
    """The register as exported on EXPORTED: repairs to date and the current bearing's date."""
    rows = []
    for m, motor in enumerate(motors):
        fixes = orders["date"][(orders["motor"] == motor) & (orders["type"] == "CM")]
        fitted = fixes.max() if len(fixes) else np.datetime64("2024-06-03")  # commissioned
        rows.append((motor, "Line 1" if m < len(motors) // 2 else "Line 2", len(fixes), fitted))
    register = _table(("motor", "line", "repairs_to_date", "bearing_fitted"), rows)
    register["bearing_fitted"] = register["bearing_fitted"].astype("datetime64[D]")
    register["exported"] = np.full(len(motors), EXPORTED)
    return register


def gearmotor_export(seed: int) -> dict:
    """The lab's data for *seed*: the historian extract (with a centred rolling mean), the work
    orders, the monthly maintenance report, an asset-register snapshot and the sensor change
    as the CMMS records it."""
    change = sensor_change(seed)
    daily, orders = simulate(seed, change)
    daily["vib_7d_mm_s"] = _centred_mean(daily)
    motors = sorted(set(daily["motor"].tolist()))
    changed = sorted({m for m, line in zip(daily["motor"], daily["line"], strict=True)
                      if line == change.line})  # fmt: skip
    return {
        "daily": daily,
        "work_orders": orders,
        "monthly_report": _monthly_report(orders, motors),
        "asset_register": _asset_register(orders, motors),
        "sensor_changes": {
            "motor": np.array(changed),
            "date": np.full(len(changed), change.date),
            "note": np.full(len(changed), "vibration sensor replaced (new model)"),
        },
    }

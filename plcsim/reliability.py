"""A seeded CMMS export of a fleet of conveyor gearmotors, for a Weibull analysis.

Riverbend's bottle and case conveyors on Lines 1, 2 and 3 are driven by identical
gearmotors. From 2018 every drive position was changed to this gearmotor model, so each
unit's whole life lies in the record. The export has one row per gearmotor that was fitted
in a position, closed by the work order that removed it, or still in service on the export
date. Each seed draws its own fleet:

- the failure mode under study, the output-shaft bearing (``BRG-OUT``), follows a Weibull
  distribution whose shape is either wear-out (beta 2.0-3.8) or infant mortality
  (beta 0.5-0.8), about one seed in three;
- a second mode, the output oil seal leaking (``SEAL-OIL``), is near-random (beta 0.9-1.3);
- some units are removed unfailed at a conveyor rebuild, and the rest are still running;
- each position has its own duty (one, two or three shifts), so calendar time is not
  running time, and the run-hour meter belongs to the position, not to the gearmotor: a
  unit's age is its meter reading at removal minus the reading when it was fitted.

The export also carries two record defects of the kind a real CMMS has: a follow-up work
order that repeats one bearing failure, and one bearing failure booked on a planned
maintenance (PM) order. A seed's lives are redrawn (deterministically) until they tell the
story the lab needs: enough failures and suspensions of every kind, no two units of the
same age, and a rank-regression shape on the same side of 1 as the true one.

The data are simulated for teaching, not taken from a CMMS. Standard library only, so the
same seed gives the same export in the app's and in the lab's Python.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

MODE = "BRG-OUT"  # output-shaft bearing: the failure mode a Weibull fit studies
OTHER_MODE = "SEAL-OIL"  # output oil seal leaking: another mode, a suspension for MODE
START = date(2018, 3, 1)  # the first gearmotors of this model went in from here
EXPORT = date(2026, 6, 30)  # the day the export was taken
LINES = (("L1", 16.8), ("L2", 11.2), ("L3", 5.6))  # running hours per calendar day
COLUMNS = (
    "position",
    "serial",
    "installed",
    "removed",
    "meter_start_h",
    "meter_end_h",
    "work_order",
    "work_type",
    "failure_code",
    "remarks",
)
_REMARKS = {
    MODE: (
        "Output bearing noisy, then seized; gearmotor changed",
        "Conveyor stopped: output shaft locked; gearmotor changed",
        "Output bearing collapsed, shaft play at the coupling; gearmotor changed",
    ),
    OTHER_MODE: (
        "Oil leaking at the output seal onto the belt; gearmotor changed",
        "Output oil seal leak, oil level low; gearmotor changed",
    ),
    "rebuild": (
        "Conveyor rebuild: gearmotor removed in working order, to stores",
        "Drive section rebuilt; old gearmotor removed unfailed",
    ),
}
_PM_FAILURE = "Found at the monthly PM: output shaft seized, belt not moving; gearmotor changed"


@dataclass(frozen=True)
class Position:
    """A conveyor drive position and its run-hour meter."""

    tag: str
    hours_per_day: float  # running hours per calendar day (its line's shifts)
    meter_h: int  # the position's run-hour meter when its first gearmotor went in
    first_install: date


@dataclass(frozen=True)
class Fleet:
    """The truth behind one seed's export (never shown in it)."""

    case: str  # "wear-out" or "infant-mortality"
    beta: float  # shape of the bearing mode
    eta_h: float  # characteristic life of the bearing mode, running hours
    seal_beta: float
    seal_eta_h: float
    rebuild_mean_h: float  # mean running hours between conveyor rebuilds
    positions: tuple[Position, ...]


@dataclass(frozen=True)
class Life:
    """One gearmotor in one position, from fitting to removal or to the export date."""

    position: str
    serial: str
    installed: date
    removed: date | None  # None: still in service on the export date
    meter_start_h: int
    meter_end_h: int
    ending: str  # MODE, OTHER_MODE, "rebuild" or "running"

    @property
    def hours(self) -> int:
        """Running hours of this gearmotor."""
        return self.meter_end_h - self.meter_start_h


def fleet(seed: int, positions: int | None = None) -> Fleet:
    """The fleet model of *seed*; *positions* overrides its number of drive positions."""
    rng = random.Random(f"plcsim-reliability:{seed}")  # noqa: S311 - simulation stream
    if rng.random() < 0.3:
        case, beta, eta = "infant-mortality", rng.uniform(0.5, 0.8), rng.uniform(40e3, 90e3)
    else:
        case, beta, eta = "wear-out", rng.uniform(2.0, 3.8), rng.uniform(14e3, 28e3)
    seal_beta, seal_eta = rng.uniform(0.9, 1.3), rng.uniform(70e3, 120e3)
    rebuild_mean = rng.uniform(120e3, 200e3)
    short = eta < 20e3  # short lives: fewer positions give as many records
    count = (
        positions if positions is not None else rng.randint(7, 10) if short else rng.randint(9, 13)
    )
    if count < 1:
        raise ValueError("a fleet needs at least one position")
    places = []
    for k in range(count):
        line, hours_per_day = LINES[k % len(LINES)]
        places.append(
            Position(
                tag=f"{line}-CV{k // len(LINES) + 1:02d}",
                hours_per_day=round(hours_per_day * rng.uniform(0.85, 1.0), 2),
                meter_h=rng.randint(3_000, 40_000),
                first_install=START + timedelta(days=rng.randint(0, 540)),
            )
        )
    return Fleet(
        case=case,
        beta=round(beta, 2),
        eta_h=round(eta, -2),
        seal_beta=round(seal_beta, 2),
        seal_eta_h=round(seal_eta, -2),
        rebuild_mean_h=round(rebuild_mean, -3),
        positions=tuple(places),
    )


def simulate(model: Fleet, rng: random.Random) -> list[Life]:
    """Every gearmotor life in every position of *model*, up to the export date.

    A new unit is fitted on the day the old one is removed; each life ends at the first of
    its bearing failure, its seal failure, a conveyor rebuild or the export date.
    """
    lives: list[Life] = []
    serials = rng.sample(range(10_000, 99_999), 4 * len(model.positions) + 40)
    for place in model.positions:
        day, meter = place.first_install, place.meter_h
        while True:
            left = math.floor((EXPORT - day).days * place.hours_per_day)
            if left < 1:
                break  # fitted on the export date: it has not run yet
            ends = {
                MODE: model.eta_h * rng.weibullvariate(1.0, model.beta),
                OTHER_MODE: model.seal_eta_h * rng.weibullvariate(1.0, model.seal_beta),
                "rebuild": rng.expovariate(1.0 / model.rebuild_mean_h),
            }
            ending = min(ends, key=ends.__getitem__)
            hours = max(1, round(ends[ending]))
            if hours >= left:
                ending, hours, removed = "running", left, None
            else:
                removed = day + timedelta(days=max(1, math.ceil(hours / place.hours_per_day)))
            if not serials:
                serials = rng.sample(range(100_000, 999_999), 100)
            serial = f"GM-{serials.pop()}"
            lives.append(Life(place.tag, serial, day, removed, meter, meter + hours, ending))
            if removed is None:
                break
            day, meter = removed, meter + hours
    return lives


def gearmotor_export(seed: int) -> dict[str, list]:
    """The CMMS export of *seed* as columns (see COLUMNS); missing values are None.

    Dates are ISO strings; ``meter_end_h`` is the position's meter at the removal, or on the
    export date for a unit still in service (``removed`` None).
    """
    model = fleet(seed)
    for attempt in range(500):
        rng = random.Random(f"plcsim-reliability:{seed}:lives:{attempt}")  # noqa: S311
        lives = simulate(model, rng)
        if _tells_the_story(model, lives):
            return _export(lives, rng)
    raise RuntimeError(f"seed {seed}: no fleet history fit for the lab in 500 draws")


def _tells_the_story(model: Fleet, lives: list[Life]) -> bool:
    """Enough of every kind of record, no tied ages, and the fit's beta on the true side."""
    endings = [life.ending for life in lives]
    hours = [life.hours for life in lives]
    failed = [e == MODE for e in endings]
    if not 16 <= len(lives) <= 32 or len(set(hours)) != len(hours):
        return False
    if endings.count(MODE) < 8 or len(lives) - endings.count(MODE) < 6:
        return False
    if endings.count(OTHER_MODE) < 1 or endings.count("rebuild") < 1:
        return False
    if endings.count("running") < 2:
        return False
    beta = _rank_regression_beta(hours, failed)
    return beta > 1.5 if model.case == "wear-out" else beta < 0.8


def _rank_regression_beta(hours: list[int], failed: list[bool]) -> float:
    """Shape from Johnson's adjusted ranks, Benard's median ranks and ln t regressed on y."""
    n, adjusted, xs, ys = len(hours), 0.0, [], []
    for i, (h, f) in enumerate(sorted(zip(hours, failed, strict=True))):
        if f:
            reverse = n - i
            adjusted = (reverse * adjusted + n + 1) / (reverse + 1)
            median = (adjusted - 0.3) / (n + 0.4)
            xs.append(math.log(h))
            ys.append(math.log(-math.log(1 - median)))
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (y - my) ** 2 for y in ys
    )
    return 1 / slope


def _export(lives: list[Life], rng: random.Random) -> dict[str, list]:
    """Rows with work orders and remarks, one bearing failure repeated by a follow-up work
    order and another booked on a PM order."""
    bearing = [i for i, life in enumerate(lives) if life.ending == MODE]
    repeated, on_pm = rng.sample(bearing, 2)
    removals = sorted(
        (i for i, life in enumerate(lives) if life.removed is not None),
        key=lambda i: (lives[i].removed, lives[i].position),
    )
    number, orders = 21_000 + rng.randint(0, 900), {}
    for i in removals:
        number += rng.randint(3, 60)  # other work orders fall in between
        orders[i] = number
    rows = []
    for i, life in enumerate(lives):
        row = {
            "position": life.position,
            "serial": life.serial,
            "installed": life.installed.isoformat(),
            "removed": life.removed.isoformat() if life.removed else None,
            "meter_start_h": life.meter_start_h,
            "meter_end_h": life.meter_end_h,
            "work_order": None,
            "work_type": None,
            "failure_code": None,
            "remarks": None,
        }
        if life.removed is not None:
            failed = life.ending in (MODE, OTHER_MODE)
            row["work_order"] = f"WO-{orders[i]}"
            row["work_type"] = "CM" if failed and i != on_pm else "PM"
            row["failure_code"] = life.ending if failed else None
            row["remarks"] = _PM_FAILURE if i == on_pm else rng.choice(_REMARKS[life.ending])
        rows.append(row)
        if i == repeated:
            follow_up = dict(row)
            follow_up["work_order"] = f"WO-{orders[i] + rng.randint(1, 2)}"  # gaps are 3+
            follow_up["remarks"] = f"Follow-up to {row['work_order']}: guard refitted"
            rows.append(follow_up)
    rows.sort(key=lambda r: (r["position"], r["installed"], r["work_order"] or ""))
    return {name: [r[name] for r in rows] for name in COLUMNS}

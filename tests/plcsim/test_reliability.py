"""The gearmotor CMMS export: deterministic per seed, with the records a Weibull lab needs."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest

from plcsim.reliability import (
    COLUMNS,
    EXPORT,
    MODE,
    OTHER_MODE,
    fleet,
    gearmotor_export,
    simulate,
)

SEEDS = range(1, 21)


def weibull_mle(hours: list[float], failed: list[bool]) -> tuple[float, float]:
    """Maximum-likelihood shape and scale with right-censored units (profile likelihood).

    The shape solves sum(t^b ln t) / sum(t^b) - 1/b - mean(ln t over failures) = 0, which
    rises with b, so bisection finds it; the scale follows as (sum(t^b) / failures)^(1/b).
    """
    scale = max(hours)
    t = [h / scale for h in hours]  # keeps t^b small for large b
    logs = [math.log(x) for x in t]
    r = sum(failed)
    mean_log_failed = sum(lg for lg, f in zip(logs, failed, strict=True) if f) / r

    def slope(b: float) -> float:
        powers = [x**b for x in t]
        return (
            sum(p * lg for p, lg in zip(powers, logs, strict=True)) / sum(powers)
            - 1 / b
            - mean_log_failed
        )

    low, high = 0.05, 20.0
    for _ in range(80):
        mid = (low + high) / 2
        low, high = (mid, high) if slope(mid) < 0 else (low, mid)
    b = (low + high) / 2
    return b, scale * (sum(x**b for x in t) / r) ** (1 / b)


def lives_of(columns: dict[str, list]) -> dict[str, dict]:
    """One record per serial, as a learner should build it."""
    rows = [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    return {row["serial"]: row for row in rows}


def test_same_seed_same_export_and_seeds_differ():
    assert gearmotor_export(7) == gearmotor_export(7)
    assert gearmotor_export(7) != gearmotor_export(8)
    assert fleet(7) == fleet(7)


def test_export_columns_and_dates_hang_together():
    export = gearmotor_export(3)
    assert tuple(export) == COLUMNS
    assert len({len(column) for column in export.values()}) == 1
    for row in lives_of(export).values():
        installed = date.fromisoformat(row["installed"])
        removed = date.fromisoformat(row["removed"]) if row["removed"] else EXPORT
        assert installed < removed <= EXPORT
        assert row["meter_start_h"] >= 3_000  # the position's meter, never the unit's age
        assert row["meter_end_h"] > row["meter_start_h"]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_has_every_kind_of_record(seed):
    export = gearmotor_export(seed)
    units = lives_of(export)
    assert 16 <= len(units) <= 32
    assert len(export["serial"]) == len(units) + 1  # one follow-up work order repeats a removal
    codes = [u["failure_code"] for u in units.values()]
    assert codes.count(MODE) >= 8 and codes.count(OTHER_MODE) >= 1
    assert sum(u["removed"] is None for u in units.values()) >= 2  # still running
    unfailed = [u for u in units.values() if u["work_type"] == "PM" and not u["failure_code"]]
    assert unfailed  # removed at a rebuild: a suspension
    booked_on_pm = [u for u in units.values() if u["work_type"] == "PM" and u["failure_code"]]
    assert [u["failure_code"] for u in booked_on_pm] == [MODE]
    ages = [u["meter_end_h"] - u["meter_start_h"] for u in units.values()]
    assert len(set(ages)) == len(ages)  # no ties to rank


def test_seeds_cover_wear_out_and_infant_mortality():
    cases = {fleet(seed).case for seed in SEEDS}
    assert cases == {"wear-out", "infant-mortality"}
    for seed in SEEDS:
        model = fleet(seed)
        assert (model.beta > 1.9) if model.case == "wear-out" else (model.beta < 0.85)


@pytest.mark.parametrize("seed", [1, 4])  # one wear-out and one infant-mortality fleet
def test_a_big_fleet_gives_back_the_true_beta_and_eta(seed):
    model = fleet(seed, positions=900)
    lives = simulate(model, random.Random(f"big:{seed}"))
    hours = [life.hours for life in lives]
    failed = [life.ending == MODE for life in lives]
    assert 0 < sum(failed) < len(lives)  # suspensions too: the fit must use them
    beta, eta = weibull_mle(hours, failed)
    assert beta == pytest.approx(model.beta, rel=0.06)
    assert eta == pytest.approx(model.eta_h, rel=0.08)
    dropped, _ = weibull_mle(
        [h for h, f in zip(hours, failed, strict=True) if f], [True] * sum(failed)
    )
    assert abs(dropped - model.beta) > abs(beta - model.beta)  # leaving them out is worse


def test_suspensions_are_of_every_kind():
    endings = [life.ending for life in simulate(fleet(2, positions=300), random.Random(0))]
    assert {MODE, OTHER_MODE, "rebuild", "running"} <= set(endings)

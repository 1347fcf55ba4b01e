"""The filler's stop log: deterministic per seed, with the hidden cause, confounders and fix
outcomes the lab needs."""

from __future__ import annotations

import pytest

from plcsim.stop_log import (
    EXPOSURE_COLUMNS,
    FACTORS,
    JAM,
    OUTCOMES,
    REASONS,
    SHIFTS_BEFORE,
    STOP_COLUMNS,
    fix_test,
    stop_log,
    stop_model,
)
from plcsim.units import STOP_REASONS

SEEDS = range(1, 21)


def rows(table: dict) -> list[dict]:
    return [dict(zip(table, values, strict=True)) for values in zip(*table.values(), strict=True)]


def rate(log: dict, keep) -> float:
    """Jams per 10,000 bottles over the rows *keep* accepts: events and exposure summed."""
    jams = sum(1 for r in rows(log["stops"]) if r["code"] == JAM and keep(r))
    bottles = sum(r["bottles"] for r in rows(log["exposure"]) if keep(r))
    return 10_000 * jams / bottles


def before(r) -> bool:
    return r["shift_no"] <= SHIFTS_BEFORE


@pytest.fixture(scope="module")
def logs() -> dict[int, dict]:
    return {seed: stop_log(seed) for seed in SEEDS}


def test_same_seed_same_log_and_seeds_differ(logs):
    assert stop_log(7) == logs[7]
    assert logs[7] != logs[8]
    assert stop_model(7) == stop_model(7)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_is_a_well_formed_log(logs, seed):
    log, model = logs[seed], stop_model(seed)
    assert tuple(log["stops"]) == STOP_COLUMNS
    assert tuple(log["exposure"]) == EXPOSURE_COLUMNS
    stops = rows(log["stops"])
    assert {r["code"] for r in stops if before(r)} == set(REASONS)  # every reason before the fix
    assert all(r["reason"] == STOP_REASONS[r["code"]] and r["minutes"] > 0 for r in stops)
    shifts = {r["shift_no"] for r in rows(log["exposure"])}
    assert shifts == set(range(1, SHIFTS_BEFORE + model.after_shifts + 1))
    for r in rows(log["exposure"]):
        assert r["bottles"] > 0
        assert r["shift"] in FACTORS["shift"] and r["product"] in FACTORS["product"]
    assert log["fix"]["shift_no"] == SHIFTS_BEFORE + 1
    assert log["costs"]["minute_values"] == {"sold out": 18.0, "overtime": 4.0}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_hidden_cause_raises_its_strata_rate_and_has_fewer_jams(logs, seed):
    log, model = logs[seed], stop_model(seed)
    factor, level = model.cause
    inside = rate(log, lambda r: before(r) and r[factor] == level)
    outside = rate(log, lambda r: before(r) and r[factor] != level)
    assert inside > 1.6 * outside
    for other in FACTORS:  # and within every stratum of the other factors
        for value in FACTORS[other] if other != factor else ():
            high = rate(log, lambda r, o=other, v=value: before(r) and r[o] == v
                        and r[factor] == level)  # fmt: skip
            low = rate(log, lambda r, o=other, v=value: before(r) and r[o] == v
                       and r[factor] != level)  # fmt: skip
            assert high > 1.5 * low
    jams = [r for r in rows(log["stops"]) if before(r) and r["code"] == JAM]
    assert sum(r[factor] == level for r in jams) < sum(r[factor] != level for r in jams)


def test_confounders_show_in_one_way_rates_only(logs):
    confounded = [seed for seed in SEEDS if stop_model(seed).confounder]
    assert 5 <= len(confounded) <= 15
    for seed in SEEDS:
        model, log = stop_model(seed), logs[seed]
        for factor in FACTORS:
            if factor == model.cause[0]:
                continue
            rates = [rate(log, lambda r, f=factor, v=v: before(r) and r[f] == v)
                     for v in FACTORS[factor]]  # fmt: skip
            if factor == model.confounder:
                assert max(rates) / min(rates) > 1.28
            else:
                assert max(rates) / min(rates) < 1.14


def test_each_fix_outcome_appears_in_seeds_1_to_20(logs):
    seen = set()
    for seed in SEEDS:
        model, log = stop_model(seed), logs[seed]
        factor, level = model.cause

        def totals(target, after, log=log, factor=factor, level=level):
            def keep(r):
                return (r[factor] == level) == target and (r["shift_no"] > SHIFTS_BEFORE) == after

            jams = sum(1 for r in rows(log["stops"]) if r["code"] == JAM and keep(r))
            return jams, sum(r["bottles"] for r in rows(log["exposure"]) if keep(r))

        p_target, low, _ = fix_test(totals(True, False), totals(True, True))
        p_control, _, _ = fix_test(totals(False, False), totals(False, True))
        outcome = {
            "works": p_target < 0.05 and p_control >= 0.05,
            "no effect": p_target >= 0.05 and low > 0.5 and p_control >= 0.05,
            "general change": p_control < 0.05,
            "too little data": p_target >= 0.05 and low <= 0.5 and p_control >= 0.05,
        }
        assert outcome[model.outcome], (seed, model.outcome)
        seen.add(model.outcome)
    assert seen == set(OUTCOMES)


def test_fix_test_matches_the_lesson():
    """The lesson's two-day and two-week numbers, from the standard library."""
    p, low, high = fix_test((210, 790_000), (12, 70_000))
    assert p == pytest.approx(0.080, abs=0.001)
    assert (low, high) == pytest.approx((0.33, 1.15), abs=0.01)
    p, low, high = fix_test((210, 790_000), (38, 400_000))
    assert p == pytest.approx(6.4e-11, rel=0.02)
    assert (low, high) == pytest.approx((0.25, 0.51), abs=0.01)

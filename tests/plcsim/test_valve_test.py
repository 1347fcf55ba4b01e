"""Installed-characteristic test rigs for the valve lab (plcsim.valve_test)."""

from __future__ import annotations

import math

import pytest

from plcsim.valve_test import (
    INSTALLATIONS,
    Truth,
    duty_travel,
    relative_kv,
    steady_flow,
    valve_drop,
    valve_test,
)

SEEDS = range(1, 21)
UP_DOWN = list(range(0, 101, 10)) + list(range(90, -1, -10))


def nominal(name: str) -> Truth:
    i = INSTALLATIONS[name]
    return Truth(i.rated_kv, i.resistance, 0.0, 1.0, 1.0)


def test_inherent_characteristics_follow_the_lesson():
    assert relative_kv("linear", 50) == pytest.approx(0.5)
    assert relative_kv("equal percentage", 50) == pytest.approx(50**-0.5)
    assert relative_kv("equal percentage", 100) == pytest.approx(1.0)
    assert relative_kv("equal percentage", 0) == 0.0  # a real valve shuts off
    with pytest.raises(ValueError):
        relative_kv("quick opening", 50)


def test_fv202_nominal_installed_curve_is_lesson_1s():
    """FV-202 on the 2.0 bar header: 1.02, 5.00, 8.66 and 9.51 m3/h at 10, 50, 90, 100 %."""
    i, t = INSTALLATIONS["fv202-glycol"], nominal("fv202-glycol")
    flows = [round(steady_flow(i, t, h), 2) for h in (10, 50, 90, 100)]
    assert flows == [1.02, 5.00, 8.66, 9.51]
    assert duty_travel(i, t, 4.42) == pytest.approx(44.0, abs=0.2)
    assert valve_drop(i, t, 4.42) == pytest.approx(1.95, abs=0.005)


def test_kv63_nominal_travels_are_lesson_2s():
    """The Kv 63 replacement works at 48, 70 and 80 % open at 16, 24 and 26 m3/h."""
    i, t = INSTALLATIONS["fv401-kv63"], nominal("fv401-kv63")
    travels = [round(duty_travel(i, t, q)) for q in (16, 24, 26)]
    assert travels == [48, 70, 80]
    # At 24 m3/h the valve takes what the pump makes above the circuit: Kv = Q sqrt(SG/dp).
    drop = valve_drop(i, t, 24.0)
    kv = 24.0 * math.sqrt(0.99 / drop)
    assert kv == pytest.approx(63 * relative_kv("equal percentage", duty_travel(i, t, 24.0)))


def test_same_seed_same_readings_other_seed_other_valve():
    first = valve_test("fv202-glycol", 3).step_test(UP_DOWN)
    assert first == valve_test("fv202-glycol", 3).step_test(UP_DOWN)
    assert first != valve_test("fv202-glycol", 4).step_test(UP_DOWN)


@pytest.mark.parametrize("seed", SEEDS)
def test_seeds_vary_kv_resistance_and_deadband_within_bounds(seed):
    for name in INSTALLATIONS:
        truth = valve_test(name, seed).truth()
        assert 0.85 <= truth.kv_factor <= 1.15 and 0.85 <= truth.resistance_factor <= 1.15
        assert 0.6 <= truth.deadband <= 1.4


def test_deadband_shows_only_after_a_reversal():
    """Stepping up the stem lags the output by half the deadband; down, it leads."""
    rig = valve_test("fv202-glycol", 5, noise=False)
    half = rig.truth().deadband / 2
    up = rig.set_output(50)
    assert up["travel_pct"] == pytest.approx(50 - half, abs=0.05)
    rig.set_output(60)
    down = rig.set_output(50)
    assert down["direction"] == "down"
    assert down["travel_pct"] - up["travel_pct"] == pytest.approx(2 * half, abs=0.1)
    assert down["flow_m3h"] > up["flow_m3h"]


def test_ends_of_travel_reach_the_stops():
    rig = valve_test("fv401-kv63", 2)
    assert rig.set_output(100)["travel_pct"] == 100.0
    closed = rig.set_output(0)
    assert closed["travel_pct"] == 0.0 and closed["flow_m3h"] == 0.0
    # Closed, the valve holds the pump's shut-off head above the static head: 56 m of caustic.
    assert closed["dp_bar"] == pytest.approx(56 * 0.99 * 9.80665 / 100, rel=0.005)


def test_output_outside_0_to_100_is_refused():
    rig = valve_test("fv202-glycol", 1)
    with pytest.raises(ValueError):
        rig.set_output(101)
    with pytest.raises(ValueError):
        valve_test("fv999", 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_kv_computed_from_readings_recovers_the_real_valve(seed):
    """Kv = Q sqrt(SG / dp) at 100 % travel is this seed's real Kv, within the noise."""
    for name in INSTALLATIONS:
        rig = valve_test(name, seed)
        reading = rig.step_test([50, 100])[-1]
        sg = INSTALLATIONS[name].relative_density
        kv = reading["flow_m3h"] * math.sqrt(sg / reading["dp_bar"])
        assert kv == pytest.approx(rig.truth().kv, rel=0.006)


@pytest.mark.parametrize("seed", SEEDS)
def test_kv63_duty_travels_stay_clear_of_the_window_edges(seed):
    """Judging the size never hangs on interpolation: 26 m3/h sits 2 % or more from 80 %."""
    i = INSTALLATIONS["fv401-kv63"]
    truth = valve_test("fv401-kv63", seed).truth()
    for flow in i.flows:
        travel = duty_travel(i, truth, flow)
        assert travel is None or min(abs(travel - 20), abs(travel - 80)) >= 2.0


def test_both_size_verdicts_occur_across_seeds():
    i = INSTALLATIONS["fv401-kv63"]
    verdicts = set()
    for seed in SEEDS:
        top = duty_travel(i, valve_test("fv401-kv63", seed).truth(), 26.0)
        verdicts.add("too small" if top is None or top > 80 else "fits")
    assert verdicts == {"fits", "too small"}

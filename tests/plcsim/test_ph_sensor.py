"""pH sensors in buffers, AT-311's record and historian traces (plcsim.ph_sensor)."""

from __future__ import annotations

import pytest

from plcsim.ph_sensor import (
    SITE_LIMITS,
    VENDOR_LIMITS,
    buffer_ph,
    calibration_results,
    classify,
    crossings,
    historian,
    historian_lines,
    judge,
    nernst_slope,
    ph_job,
    readings,
    record,
    sensors,
)

SEEDS = range(1, 21)


def verdict(result: dict) -> str:
    offset, slope = abs(result["offset_mv"]), result["slope_pct"]
    lo, hi = VENDOR_LIMITS["slope_pct"]
    if offset > VENDOR_LIMITS["offset_mv"] or not lo <= slope <= hi:
        return "rejected"
    lo, hi = SITE_LIMITS["slope_pct"]
    site = offset <= SITE_LIMITS["offset_mv"] and lo <= slope <= hi
    return "pass" if site and result["response_s"] <= SITE_LIMITS["stable_s"] else "fail"


def test_nernst_slope_and_buffer_table_match_the_lesson():
    assert nernst_slope(25) == pytest.approx(59.16, abs=0.005)
    assert nernst_slope(50) == pytest.approx(64.12, abs=0.005)
    assert nernst_slope(10) == pytest.approx(56.18, abs=0.005)
    assert buffer_ph(7.0, 25) == 7.0 and buffer_ph(10.01, 25) == 10.01
    assert buffer_ph(10.01, 12.5) == pytest.approx(10.15)
    assert buffer_ph(4.01, 40) == 4.03


def test_judge_reproduces_the_lessons_at311_calibration():
    result = judge(25.0, 10.01, -12.0, -183.0)
    assert result["slope_mv"] == pytest.approx(56.81, abs=0.005)
    assert result["slope_pct"] == pytest.approx(96.0, abs=0.05)
    assert result["offset_mv"] == -12.0
    assert result["zero_ph"] == pytest.approx(6.79, abs=0.005)


def test_same_seed_same_data_other_seed_other_data():
    assert ph_job(4) == ph_job(4)
    assert readings(4) != readings(5)
    assert record(4) != record(5)


@pytest.mark.parametrize("seed", SEEDS)
def test_each_seed_has_one_sensor_of_each_verdict_away_from_25c(seed):
    found = calibration_results(seed)
    cases = {s.id: s.case for s in sensors(seed)}
    expected = {"good": "pass", "junction": "fail", "aged": "fail", "rejected": "rejected"}
    for sensor, result in found.items():
        assert verdict(result) == expected[cases[sensor]]
    assert all(abs(s.temp_c - 25) >= 7 for s in sensors(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_calibration_recovers_the_seeded_sensor(seed):
    for sensor in sensors(seed):
        result = calibration_results(seed)[sensor.id]
        assert result["offset_mv"] == pytest.approx(sensor.offset_mv, abs=1.0)
        assert result["slope_pct"] == pytest.approx(100 * sensor.efficiency, abs=1.0)
        assert (result["response_s"] >= 80) == (sensor.tau_s > 20)


def test_readings_settle_in_each_buffer_at_5_s_steps():
    rows = [r for r in readings(3) if r["sensor"] == sensors(3)[0].id]
    assert [r["time_s"] for r in rows[:3]] == [0, 5, 10]
    assert len(rows) == 2 * 37 and {r["buffer"] for r in rows} == {7.0, sensors(3)[0].second}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_record_reaches_a_limit_between_calibrations(seed):
    first = min(crossings(record(seed)).values())
    assert 10.3 <= first <= 20 and 0.3 <= first % 2 <= 1.7


def test_the_lessons_record_reaches_90_percent_at_12_4_months():
    rows = [
        {"month": m, "slope_pct": s, "offset_mv": 0.0}
        for m, s in zip((0, 2, 4, 6, 8), (99.0, 97.6, 96.0, 94.7, 93.2), strict=True)
    ]
    assert crossings(rows)["slope"] == pytest.approx(12.4, abs=0.05)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_rule_classifies_each_trace_as_its_seeded_fault(seed):
    from plcsim.ph_sensor import _features

    rows = historian(seed)
    for line in historian_lines(seed):
        assert classify(_features([r for r in rows if r["sensor"] == line.sensor])) == line.fault


def test_the_ground_loop_switches_with_its_pump():
    seed = 1
    line = next(x for x in historian_lines(seed) if x.fault == "ground loop")
    rows = [r for r in historian(seed) if r["sensor"] == line.sensor and r["lab_ph"] is not None]
    on = [r["ph"] - r["lab_ph"] for r in rows if r["pump_running"]]
    off = [r["ph"] - r["lab_ph"] for r in rows if not r["pump_running"]]
    assert sum(on) / len(on) == pytest.approx(line.size, abs=0.05)
    assert sum(off) / len(off) == pytest.approx(0.0, abs=0.05)

"""The compressor-room submeter: deterministic per seed, with the clock changes, the comms gap,
the weather load and the measure's outcome a lab needs."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from plcsim.energy_meter import (
    DAILY_COLUMNS,
    DAYS,
    MEASURES,
    REGISTER_COLUMNS,
    SHUTDOWNS,
    T90,
    avoided,
    energy_meter,
    energy_model,
    simulate,
    utc_offset_hours,
    weekly,
)

SEEDS = range(1, 21)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_same_seed_same_data_and_seeds_differ():
    assert energy_meter(7) == energy_meter(7)
    assert energy_meter(7)["register"] != energy_meter(8)["register"]
    assert energy_model(7) == energy_model(7)


def test_chicago_clock_changes():
    assert utc_offset_hours(dt.datetime(2025, 3, 9, 7, 59, tzinfo=dt.UTC)) == -6
    assert utc_offset_hours(dt.datetime(2025, 3, 9, 8, 0, tzinfo=dt.UTC)) == -5
    assert utc_offset_hours(dt.datetime(2025, 11, 2, 6, 59, tzinfo=dt.UTC)) == -5
    assert utc_offset_hours(dt.datetime(2025, 11, 2, 7, 0, tzinfo=dt.UTC)) == -6
    assert utc_offset_hours(dt.datetime(2026, 3, 8, 8, 0, tzinfo=dt.UTC)) == -5


def test_one_seed_in_five_saves_nothing():
    measures = [energy_model(seed).measure for seed in SEEDS]
    assert set(measures) == set(MEASURES)
    for first in range(1, 21, 5):
        assert measures[first - 1 : first + 4].count("no saving") == 1


@pytest.mark.parametrize("seed", [1, 2])
def test_daily_weather_and_cases(seed):
    daily = energy_meter(seed)["daily"]
    assert tuple(daily) == DAILY_COLUMNS
    assert len(daily["date"]) == DAYS
    assert daily["date"][0] == "2025-03-03" and daily["date"][-1] == "2026-09-27"
    for date, high, low, cases in zip(*daily.values(), strict=True):
        day = dt.date.fromisoformat(date)
        assert -30 < low < high < 110
        if day.weekday() >= 5 or day in SHUTDOWNS:
            assert cases == 0
        else:
            assert 12_000 < cases < 23_000 and cases % 10 == 0


@pytest.mark.parametrize("seed", [1, 13])
def test_register_counts_up_every_15_minutes_but_for_one_gap(seed):
    register = energy_meter(seed)["register"]
    model = energy_model(seed)
    assert tuple(register) == REGISTER_COLUMNS
    assert register["utc"][0] == "2025-03-03T06:00:00Z"
    assert register["utc"][-1] == "2026-09-28T05:00:00Z"  # local midnight, 28 September
    times = [_utc(t) for t in register["utc"]]
    steps = Counter((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
    assert steps[900] == len(times) - 2 and steps[900 * model.gap_steps] == 1
    long_step = next(
        b for a, b in zip(times, times[1:], strict=False) if b - a > dt.timedelta(minutes=15)
    )
    local = long_step + dt.timedelta(hours=utc_offset_hours(long_step))
    assert local.date() == model.gap_day and model.gap_day.weekday() < 5
    kwh = register["kwh"]
    assert all(b >= a for a, b in zip(kwh, kwh[1:], strict=False))
    assert all(round(v * 10) == pytest.approx(v * 10, abs=1e-6) for v in kwh)


def test_local_days_are_92_or_100_intervals_when_the_clocks_change():
    _, _, intervals = simulate(4)
    per_day = Counter(i for _, i, _ in intervals)
    first = dt.date(2025, 3, 3)
    odd = {(first + dt.timedelta(days=i)).isoformat(): n for i, n in per_day.items() if n != 96}
    assert odd == {"2025-03-09": 92, "2025-11-02": 100, "2026-03-08": 92}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_data_show_the_measures_outcome(seed):
    model, days, intervals = simulate(seed)
    saving, se = avoided(weekly(model, days, intervals))
    if model.measure == "leak repair":
        assert 1.5 <= model.saving_kw <= 3.5
        assert saving - T90 * se > 0  # shown
        assert saving == pytest.approx(model.saving_kw * 168 * 26, abs=4 * se)
    else:
        assert model.saving_kw == 0 and abs(saving) < T90 * se  # not shown


@pytest.mark.parametrize("seed", [1, 2])
def test_the_weather_drives_the_room(seed):
    model, days, intervals = simulate(seed)
    rows = weekly(model, days, intervals)[:52]
    hot = [kwh for kwh, kcases, cdd in rows if cdd > 100 and kcases > 80]
    cool = [kwh for kwh, kcases, cdd in rows if cdd == 0 and kcases > 80]
    assert 50.0 <= model.cooling_base_f <= 58.0
    # full production weeks: the hot ones use at least 100 °F-days' worth more
    assert min(hot) > max(cool) - 200
    assert sum(hot) / len(hot) - sum(cool) / len(cool) > 100 * model.cooling_kwh_per_degday

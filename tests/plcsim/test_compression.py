"""Exception reporting and swinging-door compression: what they keep and how far the
read-back strays (the historian lessons and lab-historian-queries)."""

from __future__ import annotations

import math
import random

import pytest

from plcsim.compression import (
    TOLERANCE,
    exception_filter,
    max_error,
    reconstruct,
    swinging_door,
)
from plcsim.scenarios import scenario


def walk(seed: int, n: int = 400) -> tuple[list[float], list[float]]:
    """A noisy, drifting signal with ramps and steps, at irregular times, four decimals."""
    rng = random.Random(seed)
    times, values = [], []
    t, level, slope = 0.0, 20.0, 0.0
    for _ in range(n):
        t += rng.choice((1.0, 1.0, 2.0, 0.5, 3.0))
        if rng.random() < 0.02:
            slope = rng.uniform(-0.05, 0.05)
        if rng.random() < 0.01:
            level += rng.uniform(-2, 2)
        level += slope
        times.append(t)
        values.append(round(level + rng.gauss(0, rng.choice((0.0, 0.05, 0.2))), 4))
    return times, values


def line_at(times, values, a: int, b: int, t: float) -> float:
    return values[a] + (values[b] - values[a]) * (times[t] - times[a]) / (times[b] - times[a])


# Exception reporting ------------------------------------------------------------------


def test_exception_compares_with_the_last_passed_value_and_needs_more_than_the_deviation():
    # The lesson's exercise: 0.3 degC from 20.80 passes 21.12, then 20.70.
    assert exception_filter(range(6), [20.80, 20.95, 21.05, 21.12, 20.90, 20.70], 0.3) == [0, 3, 5]
    # A slow drift passes once it has moved more than the deviation from the last passed
    # value, although no reading differs that much from the one before it.
    assert exception_filter(range(5), [0.0, 0.06, 0.12, 0.18, 0.24], 0.1) == [0, 2, 4]
    # Equal to the deviation is not more; a flat signal passes its first reading only.
    assert exception_filter(range(3), [1.0, 1.5, 2.0], 0.5) == [0, 2]
    assert exception_filter(range(4), [5.0] * 4, 0.0) == [0]
    assert exception_filter([], [], 0.1) == []


def test_exception_maximum_time_passes_a_steady_value_now_and_then():
    times = list(range(0, 100, 10))
    assert exception_filter(times, [7.0] * 10, 0.5, max_time=30) == [0, 3, 6, 9]
    # A change restarts the clock.
    values = [7.0, 7.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    assert exception_filter(times, values, 0.5, max_time=30) == [0, 2, 5, 8]


@pytest.mark.parametrize("seed", range(10))
def test_a_deadbanded_tag_read_back_as_steps_strays_at_most_the_deviation(seed):
    times, values = walk(seed)
    for deviation in (0.05, 0.2, 1.0):
        kept = exception_filter(times, values, deviation)
        assert kept[0] == 0
        assert max_error(times, values, kept, how="step") <= deviation
        assert len(kept) < len(values)


def test_the_lessons_deadband_table_for_seed_42():
    # "What a historian stores": 28,800 readings of Filler/ProductTemp over an 8-hour shift.
    line = scenario("packaging-line", seed=42)
    line.run(8 * 3600)
    log = line.sensor_log.columns
    rows = [i for i, tag in enumerate(log["tag"]) if tag == "Filler/ProductTemp"]
    times = [log["time_s"][i] for i in rows]
    values = [log["value"][i] for i in rows]
    assert len(values) == 28_800
    kept = [len(exception_filter(times, values, d)) for d in (0.1, 0.2, 0.3)]
    assert kept == [10_785, 2_255, 358]


# Swinging door ------------------------------------------------------------------------


def test_a_ramp_is_stored_as_its_two_ends_and_a_flat_line_too():
    assert swinging_door(range(10), [2.0 * i for i in range(10)], 0.0) == [0, 9]
    assert swinging_door(range(10), [3.0] * 10, 0.1) == [0, 9]
    assert swinging_door(range(7), [0, 1, 2, 3, 2, 1, 0], 0.1) == [0, 3, 6]
    assert swinging_door([0, 1], [1.0, 5.0], 0.1) == [0, 1]
    assert swinging_door([0], [1.0], 0.1) == [0]
    assert swinging_door([], [], 0.1) == []


def test_values_on_the_line_are_dropped_even_with_no_deviation():
    # PI's example: 1, 2, 3, 4, 5, 5 at one a second keeps 1, 5 and the last 5.
    assert swinging_door(range(6), [1, 2, 3, 4, 5, 5], 0.0) == [0, 4, 5]


def test_a_spike_is_kept_only_when_it_leaves_the_deviation():
    assert swinging_door(range(5), [0.0, 0.0, 1.2, 0.0, 0.0], 0.5) == [0, 1, 2, 3, 4]
    assert swinging_door(range(5), [0.0, 0.0, 0.4, 0.0, 0.0], 0.5) == [0, 4]


def test_the_door_tests_the_line_the_archive_draws_not_only_whether_the_doors_crossed():
    # The doors from (0, 0) with deviation 1 are still open at (3, 2.4): some line from
    # the origin passes within 1 of (2, 0) and (3, 2.4). But the archive would draw the
    # line to (3, 2.4), which passes 1.6 from (2, 0): that value must be stored.
    times, values = [0, 2, 3, 4], [0.0, 0.0, 2.4, 100.0]
    kept = swinging_door(times, values, 1.0)
    assert kept == [0, 1, 2, 3]
    crossed_only = [0, 2, 3]  # what a test of crossing doors alone stores
    assert max_error(times, values, crossed_only) == pytest.approx(1.6)
    assert max_error(times, values, kept) == 0.0


@pytest.mark.parametrize("seed", range(40))
def test_every_discarded_value_lies_within_the_deviation_of_the_stored_line(seed):
    times, values = walk(seed)
    for deviation in (0.0, 0.05, 0.1, 0.3, 1.0):
        kept = swinging_door(times, values, deviation)
        assert kept[0] == 0 and kept[-1] == len(values) - 1
        assert kept == sorted(set(kept))
        for a, b in zip(kept, kept[1:], strict=False):
            for i in range(a + 1, b):
                off = abs(values[i] - line_at(times, values, a, b, i))
                assert off <= deviation + TOLERANCE, (seed, deviation, a, i, b, off)
        assert max_error(times, values, kept) <= deviation + TOLERANCE


@pytest.mark.parametrize("seed", range(40))
def test_every_stored_value_was_needed(seed):
    # Greedy, as the archive runs: the line from a stored value to the value after the
    # next stored one misses a value in between, or the next one would not have been stored.
    times, values = walk(seed)
    for deviation in (0.05, 0.3):
        kept = swinging_door(times, values, deviation)
        for a, b in zip(kept, kept[1:-1], strict=False):
            c = b + 1
            worst = max(abs(values[i] - line_at(times, values, a, c, i)) for i in range(a + 1, c))
            assert worst > deviation + TOLERANCE


def stored_by_testing_every_value(times, values, deviation) -> list[int]:
    """The archive's test written out: each new value's line against every value since A."""
    kept, a = [0], 0
    for new in range(1, len(values)):
        fits = all(
            abs(values[i] - line_at(times, values, a, new, i)) <= deviation + TOLERANCE
            for i in range(a + 1, new)
        )
        if not fits:
            a = new - 1
            kept.append(a)
    return kept + [len(values) - 1] if len(values) > 1 else kept


@pytest.mark.parametrize("seed", range(20))
def test_the_doors_store_what_testing_every_value_stores(seed):
    times, values = walk(seed, n=200)
    for deviation in (0.0, 0.05, 0.3):
        expected = stored_by_testing_every_value(times, values, deviation)
        assert swinging_door(times, values, deviation) == expected


def test_values_exactly_at_the_deviation_count_as_within_it_whatever_the_rounding():
    # The middle value is exactly 0.1 off the line in decimal arithmetic; in binary it
    # comes out a few 1e-15 above or below, which alone would store it in some cases.
    for low, high in ((20.0, 20.4), (0.1, 0.5), (1.0, 1.4), (101.3, 101.7), (3.3, 3.7)):
        values = [low, low + 0.3, high]
        assert swinging_door(range(3), values, 0.1) == [0, 2]
    assert swinging_door(range(3), [20.0, 20.3, 20.4], 0.1, tolerance=0) == [0, 1, 2]


def test_compression_keeps_far_fewer_values_after_exception_on_the_filler_temperature():
    line = scenario("packaging-line", seed=7)
    line.run(3600)
    log = line.sensor_log.columns
    rows = [i for i, tag in enumerate(log["tag"]) if tag == "Filler/ProductTemp"]
    times = [log["time_s"][i] for i in rows]
    values = [log["value"][i] for i in rows]
    passed = exception_filter(times, values, 0.1)
    door = swinging_door([times[i] for i in passed], [values[i] for i in passed], 0.3)
    stored = [passed[i] for i in door]
    assert len(stored) < len(passed) / 5 < len(values) / 10
    assert max_error([times[i] for i in passed], [values[i] for i in passed], door) <= 0.3 + 1e-9


# Read-back and arguments ----------------------------------------------------------------


def test_step_and_linear_read_back():
    times, values = [0.0, 10.0, 20.0], [1.0, 3.0, 2.0]
    assert reconstruct([-5, 0, 5, 10, 15, 25], times, values, "step") == [1, 1, 1, 3, 3, 2]
    assert reconstruct([-5, 0, 5, 10, 15, 25], times, values, "linear") == [1, 1, 2, 3, 2.5, 2]
    with pytest.raises(ValueError, match="'step' or 'linear'"):
        reconstruct([0], times, values, "cubic")
    with pytest.raises(ValueError, match="nothing was stored"):
        reconstruct([0], [], [], "step")


@pytest.mark.parametrize("compress", [exception_filter, swinging_door])
def test_bad_arguments_are_refused(compress):
    with pytest.raises(ValueError, match="increase strictly"):
        compress([0, 1, 1], [1.0, 2.0, 3.0], 0.1)
    with pytest.raises(ValueError, match="2 times but 3 values"):
        compress([0, 1], [1.0, 2.0, 3.0], 0.1)
    with pytest.raises(ValueError, match="0 or more"):
        compress([0, 1], [1.0, 2.0], -0.1)
    with pytest.raises(ValueError, match="0 or more"):
        compress([0, 1], [1.0, 2.0], math.nan)
    with pytest.raises(ValueError, match="finite"):
        compress([0, 1], [1.0, math.nan], 0.1)
    with pytest.raises(ValueError, match="maximum time"):
        exception_filter([0, 1], [1.0, 2.0], 0.1, max_time=0)

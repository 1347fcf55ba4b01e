"""Raw analog readings for the loop-scaling lab (plcsim.analog_cards)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from plcsim.analog_cards import CHANNELS, DURATION_S, faults, readings, truth
from plcsim.transmitter import S7_OVERFLOW, S7_SPAN

SEEDS = range(1, 21)


def test_readings_same_seed_same_log_other_seed_other_log():
    assert readings(7) == readings(7)
    assert readings(7) != readings(8)


def test_readings_one_per_channel_per_second():
    rows = readings(1)
    assert len(rows) == DURATION_S * len(CHANNELS)
    assert [r["tag"] for r in rows[: len(CHANNELS)]] == [c.tag for c in CHANNELS]
    assert rows[-1]["time_s"] == DURATION_S - 1


@pytest.mark.parametrize("seed", SEEDS)
def test_readings_every_seed_has_every_fault_the_lab_grades(seed):
    """Does every seed hold upscale and downscale failures, wire breaks and saturation?"""
    rows, currents = readings(seed), truth(seed)
    by_tag: dict[str, list[tuple[float, float]]] = {}
    for row, current in zip(rows, currents, strict=True):
        by_tag.setdefault(row["tag"], []).append((row["raw"], current["ma"]))
    tt201, pt105, tt120, ft410 = (by_tag[c.tag] for c in CHANNELS)
    assert any(raw == S7_OVERFLOW and ma == 0.0 for raw, ma in tt201)  # wire break code
    assert any(ma >= 21.0 and raw < S7_OVERFLOW for raw, ma in tt201)  # upscale, in overrange
    assert any(0 < ma <= 3.6 and raw < 0 for raw, ma in pt105)  # downscale failure
    assert any(ma == 20.5 and raw == S7_SPAN * 33 // 32 for raw, ma in pt105)  # saturated
    assert any(raw == 0 for raw, ma in tt120)  # 12-bit card: a broken wire reads 0 counts
    assert any(0 < ma <= 3.6 for raw, ma in tt120)
    assert all(ma < 20.0 or ma == 0.0 for raw, ma in tt120 if ma > 3.6)  # no overflow hidden
    assert any(raw == pytest.approx(-30.0) for raw, ma in ft410)  # 0 mA on 0-120 m3/h
    assert any(ma >= 21.0 for raw, ma in ft410)


@pytest.mark.parametrize("seed", SEEDS)
def test_readings_good_values_stay_inside_the_transmitter_range(seed):
    for current in truth(seed):
        assert current["bad"] or 3.8 <= current["ma"] <= 20.5


def test_faults_are_seeded_and_do_not_overlap():
    for channel in CHANNELS:
        found = faults(3, channel.tag)
        assert found == faults(3, channel.tag)
        spans = sorted((f.start, f.end) for f in found)
        assert all(a[1] <= b[0] for a, b in pairwise(spans))
        assert all(f.end <= DURATION_S for f in found)

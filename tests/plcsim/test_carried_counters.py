"""Production counters that carry on from earlier shifts, as a PLC's do (the OEE lab's line)."""

from __future__ import annotations

import pytest

from plcsim.line import Line
from plcsim.scenarios import PACKAGING_UNITS, carried_counters, scenario
from plcsim.tags import Counter


def test_a_counter_starts_where_it_was_left():
    counter = Counter(bits=16, start=65_530)
    counter.add(10)
    assert (counter.count, counter.total) == (4, 10)
    for start in (-1, 65_536):
        with pytest.raises(ValueError, match="starts between 0 and 65535"):
            Counter(start=start)


def counts(line: Line, unit: str, column: str) -> list[int]:
    """One unit's *column* of the historian, scan by scan."""
    table = line.historian.columns
    return [value for name, value in zip(table["unit"], table[column], strict=True) if name == unit]


def steps(values: list[int]) -> list[tuple[int, int]]:
    return list(zip(values, values[1:], strict=False))


def rollovers(values: list[int]) -> int:
    return sum(after < before for before, after in steps(values))


def test_a_line_shows_carried_counts_and_true_totals():
    line = scenario("packaging-line", seed=4, counter_start={"Filler": 65_000})
    line.run(1800)
    shown = counts(line, "Filler", "produced_count")
    assert shown[0] == 65_000  # nothing is made in the first scan
    assert rollovers(shown) == 1
    made = sum(Counter.delta(before, after) for before, after in steps(shown))
    assert made == counts(line, "Filler", "produced_total")[-1] > 0
    assert counts(line, "Capper", "produced_count") == counts(line, "Capper", "produced_total")
    with pytest.raises(ValueError, match="unknown unit 'Bottler'"):
        Line(list(PACKAGING_UNITS), seed=1, counter_start={"Bottler": 1})


def test_carried_counters_roll_over_in_every_units_shift():
    assert carried_counters(7) == carried_counters(7) != carried_counters(8)
    line = scenario("packaging-line", seed=7, carry_counters=True)
    line.run(8 * 3600)
    for name, start in carried_counters(7).items():
        shown = counts(line, name, "produced_count")
        assert shown[0] == start
        assert rollovers(shown) == 1, f"the {name}'s counter did not roll over"

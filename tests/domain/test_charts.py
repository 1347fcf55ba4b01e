"""Bar chart geometry: axes in whole steps, bars in proportion, labels that say the figure."""

from __future__ import annotations

import pytest

from app.domain import charts


@pytest.mark.parametrize(
    "highest,axis",
    [(0, (1, 1)), (3, (3, 1)), (7, (8, 2)), (17, (20, 5)), (31, (40, 10)), (7147, (8000, 2000))],
)
def test_the_value_axis_climbs_in_whole_steps(highest, axis):
    assert charts.axis(highest) == axis


def test_bars_are_as_tall_as_their_values_and_labelled():
    chart = charts.columns(
        ["Q1\n2026", "Q2\n2026"],
        [
            charts.Series("enrolled", (10, 20), "bar-a"),
            charts.Series("completing", (0, 5), "bar-b"),
        ],
    )
    heights = [bar.height for bar in chart.bars]
    assert heights == [charts.PLOT_H / 2, 0, charts.PLOT_H, charts.PLOT_H / 4]
    assert [bar.label for bar in chart.bars][:2] == [
        "Q1 2026, enrolled: 10",
        "Q1 2026, completing: 0",
    ]
    assert [t.text for t in chart.ticks] == ["0", "5", "10", "15", "20"]
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)
    assert chart.width >= charts.MIN_W and not chart.empty


def test_a_chart_of_nothing_says_so():
    chart = charts.columns(["Jan\n2026"], [charts.Series("issued", (0,), "bar-a")])
    assert chart.empty and [t.text for t in chart.ticks] == ["0", "1"]


def test_shares_run_from_none_to_all():
    chart = charts.shares(
        [("A.1", "Read tags", 3, 4), ("A.2", "Trace faults", 0, 4), ("A.3", "X", 0, 0)]
    )
    assert [row.length for row in chart.rows] == [charts.TRACK_W * 0.75, 0, 0]
    assert chart.rows[0].label == "A.1 Read tags: 3 of 4 learners, 75 %"
    assert [label for _, label in chart.gridlines] == ["0 %", "25 %", "50 %", "75 %", "100 %"]

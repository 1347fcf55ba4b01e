"""Reporting periods: quarters and years by name, dates typed by hand, and their pieces."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain import periods
from app.domain.periods import PeriodError

TODAY = date(2026, 12, 6)


def test_a_quarter_and_a_year_by_name():
    q3 = periods.read("2026-Q3", "", "", today=TODAY)
    assert (q3.first, q3.last, q3.label) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert periods.read(" 2025-q4 ", "", "", today=TODAY).last == date(2025, 12, 31)
    year = periods.read("2025", "", "", today=TODAY)
    assert (year.first, year.last) == (date(2025, 1, 1), date(2025, 12, 31))


def test_the_period_ends_after_its_last_day_in_utc():
    q1 = periods.shortcut("2026-Q1")
    assert q1.starts == datetime(2026, 1, 1, tzinfo=UTC)
    assert q1.ends == datetime(2026, 4, 1, tzinfo=UTC)
    assert q1.title == "2026-Q1 (Jan 1, 2026 – Mar 31, 2026)"


def test_dates_by_hand_and_the_default_year():
    assert periods.read("", "", "", today=TODAY) == periods.year_of(TODAY)
    span = periods.read("", "2026-02-10", "2026-03-03", today=TODAY)
    assert (span.first, span.last, span.label) == (date(2026, 2, 10), date(2026, 3, 3), "")
    assert periods.read("", "2026-04-01", "2026-06-30", today=TODAY).label == "2026-Q2"
    assert periods.read("", "2025-05-01", "", today=TODAY).last == date(2025, 12, 31)
    assert periods.read("", "", "2024-03-01", today=TODAY).first == date(2024, 1, 1)


@pytest.mark.parametrize(
    "args,field",
    [
        (("2026-Q0", "", ""), "period"),
        (("Q3 2026", "", ""), "period"),
        (("1999", "", ""), "period"),
        (("2026", "2026-01-01", ""), "period"),
        (("", "yesterday", ""), "from"),
        (("", "", "2026-02-30"), "to"),
        (("", "2026-05-01", "2026-04-30"), "to"),
        (("", "2000-01-01", "2015-01-01"), "to"),
    ],
)
def test_what_cannot_be_read_names_its_field(args, field):
    with pytest.raises(PeriodError) as refused:
        periods.read(*args, today=TODAY)
    assert refused.value.field == field


def test_pieces_are_clipped_to_the_period():
    span = periods.read("", "2026-02-15", "2026-08-10", today=TODAY)
    quarters = periods.buckets(span, "quarter")
    assert [(q.label, q.first, q.last) for q in quarters] == [
        ("2026-Q1", date(2026, 2, 15), date(2026, 3, 31)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 8, 10)),
    ]
    months = periods.buckets(periods.shortcut("2026-Q4"), "month")
    assert [m.label for m in months] == ["Oct 2026", "Nov 2026", "Dec 2026"]
    assert months[-1].last == date(2026, 12, 31)


def test_the_links_offered_are_this_year_and_last():
    labels = [p.label for p in periods.shortcuts(TODAY)]
    assert labels == ["2025", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
                      "2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]  # fmt: skip

"""Reporting periods: a span of whole days, read from dates or a shortcut ("2026-Q3",
"2026"), and cut into quarters, months or years for charts.

Days run from midnight to midnight UTC, as every timestamp Shopfloor stores is UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
MAX_DAYS = 3700  # about ten years: longer spans say nothing a chart can show
SHORTCUT = re.compile(r"^\s*(\d{4})(?:\s*-\s*[Qq]([1-4]))?\s*$")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PeriodError(ValueError):
    """The period cannot be read; the message says why, in words for the person who typed it.
    ``field`` is the input it belongs to: "period", "from" or "to"."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    """The days *first* to *last*, both included."""

    first: date
    last: date
    label: str = ""

    @property
    def starts(self) -> datetime:
        """The first moment of the period (UTC)."""
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def ends(self) -> datetime:
        """The first moment after the period (UTC): comparisons are ``< ends``."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def title(self) -> str:
        span = f"{_day(self.first)} – {_day(self.last)}"
        return f"{self.label} ({span})" if self.label else span


def _day(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def quarter_of(day: date) -> Period:
    q = (day.month - 1) // 3
    first = date(day.year, 3 * q + 1, 1)
    return Period(first, _month_end(date(day.year, 3 * q + 3, 1)), f"{day.year}-Q{q + 1}")


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31), str(day.year))


def _month_end(first_of_month: date) -> date:
    following = date(first_of_month.year + first_of_month.month // 12,
                     first_of_month.month % 12 + 1, 1)  # fmt: skip
    return following - timedelta(days=1)


def shortcut(text: str) -> Period:
    """ "2026-Q3" (a quarter) or "2026" (a calendar year)."""
    found = SHORTCUT.match(text)
    if not found:
        raise PeriodError("period", "Write a quarter as 2026-Q3, or a year as 2026.")
    year = int(found.group(1))
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise PeriodError("period", f"Choose a year from {EARLIEST_YEAR} to {LATEST_YEAR}.")
    if found.group(2) is None:
        return year_of(date(year, 1, 1))
    return quarter_of(date(year, 3 * int(found.group(2)), 1))


def parse_day(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(field, "Enter a date as YYYY-MM-DD, such as 2026-07-01.") from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise PeriodError(field, f"Choose a date from {EARLIEST_YEAR} to {LATEST_YEAR}.")
    return day


def read(period: str, first: str, last: str, *, today: date) -> Period:
    """The period a report asks for: a shortcut, or dates (either may be left out: the
    current year's first or last day stands in), or by default the current calendar year.

    Raises PeriodError naming the input that is wrong.
    """
    period, first, last = period.strip(), first.strip(), last.strip()
    if period and (first or last):
        raise PeriodError("period", "Choose a quarter or year, or dates: not both.")
    if period:
        return shortcut(period)
    if not (first or last):
        return year_of(today)
    start = parse_day(first, "from") if first else None
    end = parse_day(last, "to") if last else None
    start = start or date(end.year, 1, 1)
    end = end or date(start.year, 12, 31)
    if end < start:
        raise PeriodError("to", "The last day comes before the first day.")
    if (end - start).days > MAX_DAYS:
        raise PeriodError("to", "Choose a period of at most ten years.")
    found = Period(start, end)
    for named in (quarter_of(start), year_of(start)):
        if (named.first, named.last) == (start, end):
            return named
    return found


def shortcuts(today: date) -> list[Period]:
    """The quarters of this year and last, and those two years: the links offered."""
    found = []
    for year in (today.year - 1, today.year):
        found.append(year_of(date(year, 1, 1)))
        found.extend(quarter_of(date(year, 3 * q, 1)) for q in (1, 2, 3, 4))
    return found


def buckets(period: Period, unit: str) -> list[Period]:
    """*period* cut into calendar "month", "quarter" or "year" pieces, the first and last
    clipped to the period; labels name each piece ("Jul 2026", "2026-Q3", "2026")."""
    step = {"month": _month, "quarter": quarter_of, "year": year_of}[unit]
    found, day = [], period.first
    while day <= period.last:
        piece = step(day)
        found.append(Period(max(piece.first, period.first), min(piece.last, period.last),
                            piece.label))  # fmt: skip
        day = piece.last + timedelta(days=1)
    return found


def _month(day: date) -> Period:
    first = date(day.year, day.month, 1)
    return Period(first, _month_end(first), f"{MONTHS[day.month - 1]} {day.year}")


def chart_unit(period: Period, *, most: int, units: tuple[str, ...]) -> str:
    """The finest of *units* that cuts *period* into at most *most* pieces."""
    for unit in units:
        if len(buckets(period, unit)) <= most:
            return unit
    return units[-1]

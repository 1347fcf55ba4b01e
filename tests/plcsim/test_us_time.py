"""plcsim's own US Central clock-change days agree with the time zone database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from plcsim.us_time import summer_time_ends, summer_time_starts

CHICAGO = ZoneInfo("America/Chicago")


def utc_offset(day: dt.date, hour: int) -> dt.timedelta:
    return dt.datetime.combine(day, dt.time(hour), CHICAGO).utcoffset()


@pytest.mark.parametrize("year", range(2007, 2041))
def test_summer_time_starts_and_ends_on_the_days_the_clocks_change(year):
    start, end = summer_time_starts(year), summer_time_ends(year)
    assert (start.weekday(), end.weekday()) == (6, 6)  # Sundays
    assert utc_offset(start, 1) == dt.timedelta(hours=-6)
    assert utc_offset(start, 3) == dt.timedelta(hours=-5)
    assert utc_offset(end, 0) == dt.timedelta(hours=-5)
    assert utc_offset(end, 3) == dt.timedelta(hours=-6)
    assert utc_offset(start - dt.timedelta(days=7), 12) == dt.timedelta(hours=-6)
    assert utc_offset(end - dt.timedelta(days=7), 12) == dt.timedelta(hours=-5)

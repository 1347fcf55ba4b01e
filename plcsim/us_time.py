"""US Central time without a time zone database: the days the clocks change (since 2007).

The simulated plant keeps America/Chicago time. The lab kernels have `zoneinfo` and its
data, but plcsim stays standard-library only and works the rule out itself: summer time
starts at 02:00 on the second Sunday in March and ends at 02:00 on the first Sunday in
November (15 U.S.C. 260a, as amended by the Energy Policy Act of 2005).
"""

from __future__ import annotations

import datetime as dt


def summer_time_starts(year: int) -> dt.date:
    """The second Sunday in March."""
    first = dt.date(year, 3, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7)


def summer_time_ends(year: int) -> dt.date:
    """The first Sunday in November."""
    first = dt.date(year, 11, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7)

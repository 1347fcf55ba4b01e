"""Exception reporting and swinging-door compression, as a historian applies them.

Both take a tag's readings in time order (``times`` in seconds, strictly increasing, and
``values``) and return the positions of the readings they keep, so the caller can take the
kept times and values from its own arrays.

- ``exception_filter``: a collector's exception test. The first reading passes; a later one
  passes when it differs from the last passed value by more than the deviation, or (with
  *max_time*) when that much time has gone by since the last passed value. Read it back as
  steps: every reading lies within the deviation of the value held before it.
- ``swinging_door``: an archive's compression test, as the PI Data Archive documents it. The
  first reading is stored. When a new reading N arrives, the archive draws the line from the
  last stored reading A to N; if every reading after A and before N lies within the
  deviation of that line, the reading before N (the snapshot) is dropped, otherwise the
  snapshot is stored and becomes A. The last reading is stored too. Read it back linearly:
  every dropped reading lies within the deviation of the line between the stored readings
  on either side of it (``max_error``).

The "doors" are the two limiting slopes of that test: a line from A with slope s stays
within the deviation E of reading i exactly when (v_i - v_A - E) / (t_i - t_A) <= s <=
(v_i - v_A + E) / (t_i - t_A), so it is enough to keep the largest lower and the smallest
upper limit over the readings since A and to test the new reading's slope against them.
Testing only whether the doors have crossed (the lower limit above the upper, a new
reading's own limits included) is not enough: it proves that *some* line from A fits, and
the archive then draws another one, to the stored snapshot, which can miss a dropped
reading by up to twice the deviation. ``tests/plcsim/test_compression.py`` keeps the
example. Standard library only.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

__all__ = ["TOLERANCE", "exception_filter", "max_error", "reconstruct", "swinging_door"]

# Readings come with a few decimals (plcsim's four), so some lie exactly at the deviation
# from a line; this margin makes those count as within it, as exact arithmetic would, and
# is far below any real difference between such readings (1e-4 / the span in seconds).
TOLERANCE = 1e-9


def _check(times: Sequence[float], values: Sequence[float], deviation: float) -> None:
    if len(times) != len(values):
        raise ValueError(f"{len(times)} times but {len(values)} values")
    if not deviation >= 0:  # NaN too
        raise ValueError(f"the deviation must be 0 or more, not {deviation!r}")
    for value in values:
        if not math.isfinite(value):
            raise ValueError(f"every value must be a finite number, not {value!r}")
    for before, after in zip(times, times[1:], strict=False):
        if not after > before:
            raise ValueError(f"times must increase strictly ({before!r} then {after!r})")


def exception_filter(
    times: Sequence[float],
    values: Sequence[float],
    deviation: float,
    max_time: float | None = None,
) -> list[int]:
    """Positions of the readings that pass the exception test (the first one always does).

    A reading passes when it differs from the last passed value by more than *deviation*,
    or when at least *max_time* seconds have gone by since the last passed reading.
    """
    _check(times, values, deviation)
    if max_time is not None and not max_time > 0:
        raise ValueError(f"the maximum time must be more than 0 s, not {max_time!r}")
    if not values:
        return []
    kept = [0]
    last_time, last_value = times[0], values[0]
    for i in range(1, len(values)):
        value = values[i]
        if abs(value - last_value) > deviation or (
            max_time is not None and times[i] - last_time >= max_time
        ):
            kept.append(i)
            last_time, last_value = times[i], value
    return kept


def swinging_door(
    times: Sequence[float],
    values: Sequence[float],
    deviation: float,
    tolerance: float = TOLERANCE,
) -> list[int]:
    """Positions of the readings a swinging-door archive stores (the first and last always).

    Every reading it drops lies within *deviation* of the straight line between the stored
    readings before and after it. A reading counts as within when it is no farther than
    *deviation* + *tolerance*: readings with a few decimals can lie exactly on the limit,
    and floating-point rounding must not decide whether they do.
    """
    _check(times, values, deviation)
    if not tolerance >= 0:
        raise ValueError(f"the tolerance must be 0 or more, not {tolerance!r}")
    deviation += tolerance
    n = len(values)
    if n <= 2:
        return list(range(n))
    kept = [0]
    anchor = 0  # the last stored reading, A
    low, high = -math.inf, math.inf  # the doors: limits on the slope of a line from A
    for new in range(1, n):
        span = times[new] - times[anchor]
        slope = (values[new] - values[anchor]) / span
        if not low <= slope <= high:
            # The line from A to the new reading misses a reading in between: store the
            # snapshot (the reading before the new one) and start again from it.
            anchor = new - 1
            kept.append(anchor)
            low, high = -math.inf, math.inf
            span = times[new] - times[anchor]
            slope = (values[new] - values[anchor]) / span
        # The new reading becomes the snapshot: every later line from A must pass within
        # the deviation of it.
        low = max(low, slope - deviation / span)
        high = min(high, slope + deviation / span)
    kept.append(n - 1)
    return kept


def reconstruct(
    times: Sequence[float],
    stored_times: Sequence[float],
    stored_values: Sequence[float],
    how: str = "linear",
) -> list[float]:
    """The value at each of *times* read back from stored events, as ``"step"`` (the last
    event at or before the time holds) or ``"linear"`` (a straight line between the events
    on either side). Before the first event the first value holds, after the last the last."""
    if how not in ("step", "linear"):
        raise ValueError(f"read back as 'step' or 'linear', not {how!r}")
    if not stored_times:
        raise ValueError("nothing was stored")
    out = []
    last = len(stored_times) - 1
    for t in times:
        i = bisect_right(stored_times, t) - 1  # the last event at or before t
        if i < 0:
            out.append(stored_values[0])
        elif how == "step" or i == last or stored_times[i] == t:
            out.append(stored_values[i])
        else:
            t0, t1 = stored_times[i], stored_times[i + 1]
            v0, v1 = stored_values[i], stored_values[i + 1]
            out.append(v0 + (t - t0) / (t1 - t0) * (v1 - v0))
    return out


def max_error(
    times: Sequence[float], values: Sequence[float], kept: Sequence[int], how: str = "linear"
) -> float:
    """The largest difference between the readings and what the kept ones read back as."""
    if not kept:
        raise ValueError("nothing was kept")
    stored_times = [times[i] for i in kept]
    stored_values = [values[i] for i in kept]
    back = reconstruct(times, stored_times, stored_values, how)
    return max((abs(v - b) for v, b in zip(values, back, strict=True)), default=0.0)

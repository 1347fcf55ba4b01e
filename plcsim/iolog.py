"""The I/O historian and event log of a machine scanned by learner logic (`plcsim.scan`)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import isnan
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plcsim.scan import Point


@dataclass(frozen=True)
class Event:
    """Something that happened on the machine: a bottle arrived, a fault struck, ..."""

    time_s: float
    kind: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


class IOHistorian:
    """Every I/O point's value at the first scan and whenever it changes after that (an
    analog point when it moves by more than its deadband): rows of (time_s, name, value)."""

    COLUMNS = ("time_s", "name", "value")

    def __init__(self, points: Iterable[Point]) -> None:
        self.rows: list[tuple[float, str, Any]] = []
        points = list(points)
        self._exact = [p.name for p in points if p.kind != "real"]
        self._analog = [(p.name, p.deadband) for p in points if p.kind == "real"]
        self._last: dict[str, Any] = {}

    def record(self, now: float, values: dict[str, Any]) -> None:
        last, add = self._last, self.rows.append
        for name in self._exact:
            value = values[name]
            if name not in last or last[name] != value:
                last[name] = value
                add((now, name, value))
        for name, deadband in self._analog:
            value = values[name]
            before = last.get(name)
            if before is None or abs(value - before) > deadband or isnan(value) != isnan(before):
                last[name] = value
                add((now, name, value))

    def __len__(self) -> int:
        return len(self.rows)

    def series(self, name: str) -> list[tuple[float, Any]]:
        """The (time, value) changes of one point."""
        return [(t, value) for t, n, value in self.rows if n == name]

    def value_at(self, name: str, time_s: float) -> Any:
        """The point's recorded value at *time_s* (the last change at or before it)."""
        changes = self.series(name)
        index = bisect.bisect_right([t for t, _ in changes], time_s + 1e-9) - 1
        if index < 0:
            raise ValueError(f"{name} has no value recorded at or before {time_s:g} s")
        return changes[index][1]

    def to_rows(self) -> list[dict[str, Any]]:
        return [dict(zip(self.COLUMNS, row, strict=True)) for row in self.rows]

    def to_dataframe(self):
        import pandas as pd  # only here, so the simulator runs without pandas

        return pd.DataFrame(self.rows, columns=list(self.COLUMNS))

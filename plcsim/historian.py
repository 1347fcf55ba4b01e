"""The line's historian: one row per unit per scan, exportable to pandas or CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from plcsim.packml import State

COLUMNS = (
    "time_s",
    "unit",
    "state",
    "speed",
    "produced_count",
    "produced_total",
    "defective_total",
    "energy_kwh",
    "stop_reason",
)


class Historian:
    def __init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in COLUMNS}

    def append(self, *values) -> None:
        for name, value in zip(COLUMNS, values, strict=True):
            self.columns[name].append(value)

    def __len__(self) -> int:
        return len(self.columns["time_s"])

    def to_dataframe(self):
        """A pandas DataFrame with a readable state name column."""
        import pandas as pd  # only needed here, so the simulator runs without pandas

        frame = pd.DataFrame(self.columns)
        frame["state_name"] = frame["state"].map({s.value: s.name for s in State})
        return frame

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(zip(*(self.columns[name] for name in COLUMNS), strict=True))
        return path


class SensorLog:
    """Sensor readings, one row per sensor per scan (value None during a dropout)."""

    COLUMNS = ("time_s", "tag", "value", "quality")

    def __init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in self.COLUMNS}

    def append(self, *values) -> None:
        for name, value in zip(self.COLUMNS, values, strict=True):
            self.columns[name].append(value)

    def __len__(self) -> int:
        return len(self.columns["time_s"])

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame(self.columns)

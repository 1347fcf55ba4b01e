"""Analog sensors with the faults real ones have: noise, drift, stuck values, spikes, dropouts.

A sensor reads a process value each scan, scales it like an analog input, and reports a
quality flag: bad during a dropout, uncertain while stuck (a PLC cannot tell, but the
historian's quality flag in the labs records the truth for checking answers).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from plcsim.tags import Quality

FAULT_KINDS = ("drift", "stuck", "spikes", "dropout")


@dataclass
class Fault:
    kind: str
    start: float
    end: float
    size: float = 0.0  # drift per hour, or spike height

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; use {', '.join(FAULT_KINDS)}")
        if not self.end > self.start:
            raise ValueError("a fault must end after it starts")


@dataclass
class Sensor:
    tag: str
    unit: str  # engineering unit, e.g. "degC"
    low: float  # engineering range, for the analog scaling and clamping
    high: float
    noise_sd: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    _stuck_at: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not (self.high > self.low and self.noise_sd >= 0):
            raise ValueError(f"impossible range or noise for sensor {self.tag!r}")

    def read(
        self, true_value: float, now: float, rng: random.Random
    ) -> tuple[float | None, Quality]:
        """The reading at *now* of a process whose true value is *true_value*."""
        value = true_value + rng.gauss(0.0, self.noise_sd) if self.noise_sd else true_value
        quality = Quality.GOOD
        for fault in self.faults:
            if not fault.start <= now < fault.end:
                if fault.kind == "stuck" and now >= fault.end:
                    self._stuck_at = None
                continue
            if fault.kind == "drift":
                value += fault.size * (now - fault.start) / 3600.0
            elif fault.kind == "spikes" and rng.random() < 0.02:
                value += fault.size * (1 if rng.random() < 0.5 else -1)
            elif fault.kind == "stuck":
                if self._stuck_at is None:
                    self._stuck_at = value
                value, quality = self._stuck_at, Quality.UNCERTAIN
            elif fault.kind == "dropout":
                return None, Quality.BAD
        counts = round(
            (min(max(value, self.low), self.high) - self.low) / (self.high - self.low) * 27648
        )
        scaled = self.low + counts / 27648 * (self.high - self.low)  # a 0-27648 analog input
        return round(scaled, 4), quality

"""Tags as a PLC or historian serves them: value, quality and timestamp; counters that roll over."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quality(StrEnum):
    GOOD = "good"
    UNCERTAIN = "uncertain"
    BAD = "bad"


@dataclass
class Tag:
    name: str  # ISA-95 path, e.g. "Plant/Packaging/Line1/Filler/Status/CurMachSpeed"
    value: float | int | bool | str
    timestamp: float  # simulated seconds since the scenario start
    quality: Quality = Quality.GOOD
    unit: str = ""


class Counter:
    """An unsigned counter of *bits* bits: it wraps to zero, as PLC counters do.

    ``count`` is what the PLC shows: it starts at *start*, where the counter stood when the
    run began (a PLC does not reset its counters at a shift change). ``total`` is the true
    number counted since then, for checking answers.
    """

    def __init__(self, bits: int = 16, start: int = 0) -> None:
        if bits not in (16, 32):
            raise ValueError("a counter has 16 or 32 bits")
        self.modulus = 2**bits
        if not 0 <= start < self.modulus:
            raise ValueError(f"a {bits}-bit counter starts between 0 and {self.modulus - 1}")
        self.start = start
        self.total = 0

    @property
    def count(self) -> int:
        return (self.start + self.total) % self.modulus

    def add(self, amount: int = 1) -> None:
        if amount < 0:
            raise ValueError("a counter only counts up")
        self.total += amount

    @staticmethod
    def delta(before: int, after: int, bits: int = 16) -> int:
        """How much a counter advanced between two readings, across one rollover."""
        return (after - before) % (2**bits)

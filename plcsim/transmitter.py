"""A 4-20 mA transmitter and the analog input cards that read it.

The transmitter turns the measured value (engineering units, EU) into a loop current:
4 mA at the lower range value, 20 mA at the upper. Following NAMUR NE 43, a healthy
transmitter keeps the current between 3.8 and 20.5 mA (it saturates there when the process
leaves the range), and a failed one drives a current at or below 3.6 mA (downscale) or at
or above 21 mA (upscale). A broken wire reads 0 mA.

An input card turns the current into a number; which number depends on the card:

- ``"s7"``: 4 mA reads 0 and 20 mA 27,648, with overrange up to 32,511 (22.81 mA); above
  that, or below 1.185 mA (a wire break), the card reads 32,767.
- ``"12bit"``: a 0-20 mA card, 0-4,095, so 4 mA reads 819; 0 mA reads 0, and nothing above
  20 mA reads more than 4,095 (an upscale failure looks like full scale).
- ``"eu"``: the value already in engineering units, scaled straight on through 4 and 20 mA,
  so 0 mA reads 25 % of span below the lower range value.

The ``"s7"`` convention is Siemens's (S7-300, S7-1200 analog inputs); the S7-1200 reports
32,767 for a detected wire break as for an overflow. Faults are scheduled (`Fault`) or
seeded (`seeded_faults`), so the same seed gives the same failures.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from plcsim.tags import Quality

NE43_FAIL_LOW = 3.6  # at or below: a failure signal
NE43_FAIL_HIGH = 21.0  # at or above: a failure signal
NE43_RANGE = (3.8, 20.5)  # a healthy transmitter saturates here
CARDS = ("s7", "12bit", "eu")
FAULT_KINDS = ("fail-low", "fail-high", "wire-break")

S7_SPAN = 27648
S7_OVERRANGE = 32511
S7_OVERFLOW = 32767
S7_UNDERRANGE = -4864  # 1.185 mA: below this the card reports a wire break
BIT12_FULL = 4095  # counts at 20 mA on a 0-20 mA card; 4 mA reads 819


def ne43_status(ma: float) -> str:
    """How NE 43 classes a loop current: "failure low", "below range", "ok", "above range"
    (the process is outside the transmitter's range) or "failure high"."""
    if ma <= NE43_FAIL_LOW:
        return "failure low"
    if ma >= NE43_FAIL_HIGH:
        return "failure high"
    if ma < 4.0:
        return "below range"
    if ma > 20.0:
        return "above range"
    return "ok"


def to_counts(ma: float, card: str, low: float = 0.0, high: float = 100.0) -> float:
    """What *card* reads for a loop current of *ma* (an int of counts; a float for "eu")."""
    if card == "s7":
        counts = round((ma - 4.0) / 16.0 * S7_SPAN)
        return S7_OVERFLOW if counts > S7_OVERRANGE or counts < S7_UNDERRANGE else counts
    if card == "12bit":
        return min(max(round(ma / 20.0 * BIT12_FULL), 0), BIT12_FULL)
    if card == "eu":
        return low + (ma - 4.0) / 16.0 * (high - low)
    raise ValueError(f"unknown card {card!r}; use {', '.join(CARDS)}")


def from_counts(counts: float, card: str, low: float, high: float) -> float:
    """Scale a card's reading to EU, straight through its two points (no checks)."""
    if card == "s7":
        return low + counts / S7_SPAN * (high - low)
    if card == "12bit":
        return low + (counts - 819) / (BIT12_FULL - 819) * (high - low)
    if card == "eu":
        return counts
    raise ValueError(f"unknown card {card!r}; use {', '.join(CARDS)}")


@dataclass(frozen=True)
class Fault:
    """A transmitter fault from *start* to *end* seconds: *kind* is "fail-low" or
    "fail-high" (the transmitter drives *ma*, a NE 43 failure current) or "wire-break"."""

    kind: str
    start: float
    end: float
    ma: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; use {', '.join(FAULT_KINDS)}")
        if not (0 <= self.start < self.end):
            raise ValueError("a fault starts at 0 s or later and ends after it starts")
        if self.kind == "fail-low" and not 0 < self.ma <= NE43_FAIL_LOW:
            raise ValueError(
                f"a downscale failure current is above 0 and at most {NE43_FAIL_LOW} mA"
            )
        if self.kind == "fail-high" and not NE43_FAIL_HIGH <= self.ma <= 24.0:
            raise ValueError(f"an upscale failure current is {NE43_FAIL_HIGH} to 24 mA")


def seeded_faults(seed: int | str, duration_s: float, count: int = 3) -> list[Fault]:
    """*count* faults at seeded times within *duration_s*, none overlapping another, each
    lasting 1-5 % of the run: downscale (3.3-3.6 mA), upscale (21.0-22.6 mA) or a wire break."""
    rng = random.Random(f"plcsim:transmitter:{seed}:faults")  # noqa: S311 - simulation stream
    slot = duration_s / max(count, 1)
    faults = []
    for i in range(count):
        length = rng.uniform(0.01, 0.05) * duration_s
        start = i * slot + rng.uniform(0.0, max(slot - length, 0.0))
        kind = rng.choice(FAULT_KINDS)
        ma = {"fail-low": rng.uniform(3.3, 3.6), "fail-high": rng.uniform(21.0, 22.6)}.get(kind)
        faults.append(Fault(kind, start, start + length, round(ma or 0.0, 3)))
    return faults


@dataclass(frozen=True)
class Reading:
    """One analog input: the loop current, the card's raw reading, the value scaled from
    it (NaN when the quality is bad), NE 43's class of the current and the quality."""

    ma: float
    raw: float
    value: float
    status: str
    quality: Quality


@dataclass
class Transmitter:
    """A transmitter ranged *low*-*high* EU, wired to an input *card* (see `CARDS`)."""

    low: float
    high: float
    card: str = "s7"
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.high > self.low):
            raise ValueError("a transmitter's upper range value must be above its lower one")
        if self.card not in CARDS:
            raise ValueError(f"unknown card {self.card!r}; use {', '.join(CARDS)}")

    def current(self, value: float, now: float = 0.0) -> float:
        """The loop current, in mA, for a measured *value* at time *now*."""
        for fault in self.faults:
            if fault.start <= now < fault.end:
                return 0.0 if fault.kind == "wire-break" else fault.ma
        ma = 4.0 + (value - self.low) / (self.high - self.low) * 16.0
        return min(max(ma, NE43_RANGE[0]), NE43_RANGE[1])

    def read(self, value: float, now: float = 0.0) -> Reading:
        """What the PLC's input card reads for a measured *value* at time *now*.

        The quality is bad for a NE 43 failure current or a card's overflow or wire-break
        code, uncertain while the process is outside the range, good otherwise.
        """
        ma = self.current(value, now)
        raw = to_counts(ma, self.card, self.low, self.high)
        status = ne43_status(ma)
        if status.startswith("failure") or (self.card == "s7" and raw == S7_OVERFLOW):
            return Reading(ma, raw, math.nan, status, Quality.BAD)
        quality = Quality.GOOD if status == "ok" else Quality.UNCERTAIN
        scaled = from_counts(raw, self.card, self.low, self.high)
        return Reading(ma, raw, scaled, status, quality)

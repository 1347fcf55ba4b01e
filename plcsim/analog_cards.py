"""Raw analog input readings from three input-card conventions, for the loop-scaling lab.

Four transmitters on Riverbend's chiller skid are read every second for five minutes; each
reading is what the PLC's input card delivers (`plcsim.transmitter.to_counts`), not a
scaled value. The card conventions are the lesson's (*The 4-20 mA loop, loop power and
scaling*):

- ``"s7"``: 4-20 mA as 0-27,648 counts, overrange up to 32,511, 32,767 for an overflow or
  a detected wire break. This is how Siemens documents its S7-300 and S7-1200 analog
  inputs; it is typical of that vendor, not a standard.
- ``"12bit"``: a 0-20 mA card converting to 0-4,095, so 4 mA reads about 819 and nothing
  above 20 mA reads more than 4,095.
- ``"eu"``: the value already in engineering units (remote I/O that scales for you),
  straight through 4 and 20 mA, so 0 mA reads 25 % of span below the lower range value.

Every seed has the same kinds of fault, at its own times and currents (NAMUR NE 43:
a failure current is at or below 3.6 mA or at or above 21 mA; a healthy transmitter
saturates at 3.8 and 20.5 mA): an upscale failure and a wire break on TT-201, a
downscale failure on PT-105 and a spell above its range (saturated near 20.5 mA, a valid
reading), a downscale failure and a wire break on TT-120, and an upscale failure and a
wire break on FT-410. Deterministic and standard library only.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from plcsim.transmitter import NE43_RANGE, Fault, Transmitter

DURATION_S = 300
SCAN_S = 1


@dataclass(frozen=True)
class Channel:
    """One transmitter and the card that reads it: *low*-*high* is its range in *unit*."""

    tag: str
    card: str
    low: float
    high: float
    unit: str
    description: str


CHANNELS = (
    Channel("TT-201", "s7", 0.0, 50.0, "degC", "product temperature leaving chiller E-201"),
    Channel("PT-105", "s7", 2.0, 10.0, "bar", "glycol supply pressure (suppressed zero)"),
    Channel("TT-120", "12bit", -20.0, 80.0, "degC", "glycol return temperature"),
    Channel("FT-410", "eu", 0.0, 120.0, "m3/h", "product flow to the filler"),
)

# (kind, earliest start s, latest start s): one fault of each kind listed per tag
_FAULTS = {
    "TT-201": (("fail-high", 30, 110), ("wire-break", 170, 260)),
    "PT-105": (("fail-low", 200, 260),),
    "TT-120": (("fail-low", 20, 100), ("wire-break", 160, 250)),
    "FT-410": (("wire-break", 40, 120), ("fail-high", 180, 260)),
}


def _rng(seed: int | str, what: str) -> random.Random:
    return random.Random(f"plcsim:analog_cards:{seed}:{what}")  # noqa: S311 - simulation


def faults(seed: int | str, tag: str) -> list[Fault]:
    """The seeded faults of *tag*: each lasts 6-15 s; failure currents are NE 43's."""
    rng = _rng(seed, f"{tag}:faults")
    found = []
    for kind, earliest, latest in _FAULTS[tag]:
        start = rng.randint(earliest, latest)
        ma = {"fail-low": rng.uniform(3.3, 3.55), "fail-high": rng.uniform(21.2, 22.6)}.get(kind)
        found.append(Fault(kind, start, start + rng.randint(6, 15), round(ma or 0.0, 3)))
    return found


def _process(seed: int | str, channel: Channel) -> list[float]:
    """The measured value each second: a slow wander plus noise, in the channel's unit."""
    rng = _rng(seed, f"{channel.tag}:process")
    span = channel.high - channel.low
    centre = channel.low + rng.uniform(0.35, 0.65) * span
    swing, period = rng.uniform(0.05, 0.12) * span, rng.uniform(120, 400)
    phase = rng.uniform(0, 2 * math.pi)
    values = [
        centre + swing * math.sin(2 * math.pi * t / period + phase) + rng.gauss(0, 0.004 * span)
        for t in range(0, DURATION_S, SCAN_S)
    ]
    if channel.tag == "PT-105":  # a pressure surge above the range: saturates at 20.5 mA
        start = rng.randint(60, 150)
        for t in range(start, start + rng.randint(10, 20)):
            values[t] = channel.high + rng.uniform(0.05, 0.2) * span
    return values


def readings(seed: int | str) -> list[dict]:
    """Every channel's raw reading each second: dicts of time_s, tag and raw, time order.

    ``raw`` is an int of counts for the "s7" and "12bit" cards and a float (rounded to
    0.001) in engineering units for the "eu" card.
    """
    rows = []
    series = {c.tag: _process(seed, c) for c in CHANNELS}
    transmitters = {
        c.tag: Transmitter(c.low, c.high, c.card, faults(seed, c.tag)) for c in CHANNELS
    }
    for i, t in enumerate(range(0, DURATION_S, SCAN_S)):
        for c in CHANNELS:
            raw = transmitters[c.tag].read(series[c.tag][i], float(t)).raw
            rows.append(
                {"time_s": t, "tag": c.tag, "raw": round(raw, 3) if c.card == "eu" else raw}
            )
    return rows


def truth(seed: int | str) -> list[dict]:
    """The loop current behind each reading of `readings` and whether it is a failure
    (NE 43 failure current or wire break), in the same order: dicts of ma and bad."""
    out = []
    series = {c.tag: _process(seed, c) for c in CHANNELS}
    transmitters = {
        c.tag: Transmitter(c.low, c.high, c.card, faults(seed, c.tag)) for c in CHANNELS
    }
    for i, t in enumerate(range(0, DURATION_S, SCAN_S)):
        for c in CHANNELS:
            ma = transmitters[c.tag].current(series[c.tag][i], float(t))
            out.append({"ma": ma, "bad": not NE43_RANGE[0] <= ma <= NE43_RANGE[1]})
    return out

"""A seeded pressure transmitter on the calibration bench, and the references to check it with.

PT-102, the 0-10 bar g CO2 pressure transmitter on Riverbend's filler bowl (4-20 mA, linear,
tolerance +/-0.5 % of span), as the lesson *The five-point check and the calibration record*
calibrates it (`lab-transmitter-calibration`, process control course, module 2). Each seed
draws the state it is found in, in percent of span:

- a zero error of 0.15-0.45 % (either sign), always there;
- a span error: small (under 0.03 %) or 0.2-0.9 %;
- a bow (non-linearity), largest at mid-range: small (under 0.03 %) or 0.15-0.3 %;
- hysteresis, falling readings above rising ones, largest at mid-range and closing at both
  ends of the range: 0.04-0.06 %, 0.18-0.45 %, or (about one seed in five) 0.7-0.9 %,
  enough with the bow to fail the as-left check, since no adjustment removes it.

About a third of the seeds pass as found (worst error 0.30-0.44 %), the others fail (0.56 %
or more); a transmitter found in tolerance still uses over half of it, so every seed is
adjusted. Each size the lab grades stays 0.05 % or more from the limit it is judged against.

The bench (`bench`) holds the transmitter and three references: an in-date calibrator good
enough for the 4:1 ratio, an in-date test gauge that is not, and the most accurate of the
three, whose certificate has expired (it has drifted 0.02-0.04 bar at 10 bar). A reference
reads the pressure a hand pump applies (the pump lands within 0.002 bar of the target,
exactly 0 when vented) to 0.001 bar; the transmitter's output is read to 0.001 mA with a
little noise. Adjustments work like an analog transmitter's screws or a smart transmitter's
trims: the zero shifts the whole line, the span turns it about the zero.

Every reading is keyed by what was applied (the adjustments made so far, the target, the
direction of approach and how often that point was taken), not by a running count, so two
people who take the same points in the same order read the same numbers. Simulated for
teaching; standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from plcsim.transmitter import NE43_RANGE, Transmitter

TAG = "PT-102"
DESCRIPTION = "filler bowl CO2 pressure"
LOW, HIGH = 0.0, 10.0  # bar g
UNIT = "bar g"
TOLERANCE_PCT = 0.5  # % of span, as found and as left
MA_RESOLUTION = 0.001  # mA, the calibrator's milliamp input
MA_NOISE = 0.0005  # mA, one standard deviation
PUMP_MAX_BAR = 15.0  # the hand pump and the reference's module
PROCESS_BAR = 3.5  # where PT-102 ran before it was isolated and vented


@dataclass(frozen=True)
class Errors:
    """The seeded state PT-102 is found in, each in % of span (the truth, never shown)."""

    case: str  # "pass", "fail" or "as-left-fail"
    zero_pct: float
    span_pct: float  # the extra error at 100 % of range
    linearity_pct: float  # the bow at 50 % (4q(1-q) shaped)
    hysteresis_pct: float  # falling minus rising at 50 % (same shape)

    def error_pct(self, q: float, rising: bool) -> float:
        """The output's error at fraction *q* of the range, approached rising or falling."""
        bow = 4.0 * q * (1.0 - q)
        branch = -0.5 if rising else 0.5
        return (
            self.zero_pct
            + self.span_pct * q
            + (self.linearity_pct + branch * self.hysteresis_pct) * bow
        )

    def as_found_worst(self) -> float:
        """The largest error of a five-point up-and-down check, in size."""
        points = [(q / 4, True) for q in range(5)] + [(q / 4, False) for q in range(4)]
        return max(abs(self.error_pct(q, rising)) for q, rising in points)

    def as_left_worst(self) -> float:
        """The largest error left after a perfect zero and span adjustment, in size."""
        return abs(self.linearity_pct) + self.hysteresis_pct / 2


@dataclass(frozen=True)
class Reference:
    """A reference standard on the instrument shop's shelf; *gain_error* is its truth."""

    id: str
    kind: str
    certificate: str
    due: str  # ISO date the certificate runs out
    uncertainty_bar: float  # expanded, about 95 %, as the certificate states it
    gain_error: float  # reads true x (1 + gain_error); never shown

    def entry(self) -> dict:
        """What the shelf's label and the calibration system show."""
        return {
            "id": self.id,
            "kind": self.kind,
            "certificate": self.certificate,
            "due": self.due,
            "uncertainty_bar": self.uncertainty_bar,
        }


def _rng(seed: int | str, what: str) -> random.Random:
    return random.Random(f"plcsim:calibration:{seed}:{what}")  # noqa: S311 - simulation


def _sign(rng: random.Random) -> float:
    return rng.choice((-1.0, 1.0))


def transmitter_errors(seed: int | str) -> Errors:
    """The seed's PT-102 errors: see the module's docstring for the ranges and cases."""
    rng = _rng(seed, "errors")
    draw = rng.random()
    case = "pass" if draw < 0.35 else "fail" if draw < 0.8 else "as-left-fail"
    while True:
        zero = _sign(rng) * rng.uniform(0.15, 0.45)
        span = (
            rng.uniform(-0.03, 0.03) if rng.random() < 0.5 else _sign(rng) * rng.uniform(0.2, 0.9)
        )
        if case == "as-left-fail":
            bow = _sign(rng) * rng.uniform(0.15, 0.3)
            hysteresis = rng.uniform(0.7, 0.9)
        else:
            bow = (
                rng.uniform(-0.03, 0.03)
                if rng.random() < 0.6
                else _sign(rng) * rng.uniform(0.15, 0.3)
            )
            hysteresis = rng.uniform(0.04, 0.06) if rng.random() < 0.55 else rng.uniform(0.18, 0.45)
        errors = Errors(case, zero, span, bow, hysteresis)
        found, left = errors.as_found_worst(), errors.as_left_worst()
        found_ok = 0.30 <= found <= 0.44 if case == "pass" else found >= 0.56
        left_ok = left >= 0.56 if case == "as-left-fail" else left <= 0.44
        if found_ok and left_ok:
            return errors


def references(seed: int | str, today: dt.date) -> list[Reference]:
    """The three references on the shelf on *today*, in the seed's shelf order."""
    rng = _rng(seed, "references")
    year = today.year
    numbers = rng.sample(range(100, 1000), 3)
    good_u = rng.choice((0.005, 0.008, 0.01))
    good = Reference(
        f"PC-{rng.randint(1, 9):02d}",
        "documenting pressure calibrator, 20 bar module",
        f"RB-CAL-{year}-{numbers[0]}",
        (today + dt.timedelta(days=rng.randint(60, 300))).isoformat(),
        good_u,
        _sign(rng) * rng.uniform(0.0, 0.15) * good_u / HIGH,
    )
    gauge_u = rng.choice((0.016, 0.02, 0.025))
    gauge = Reference(
        f"TG-{rng.randint(10, 19):02d}",
        "digital test gauge, 0-16 bar",
        f"RB-CAL-{year}-{numbers[1]}",
        (today + dt.timedelta(days=rng.randint(30, 200))).isoformat(),
        gauge_u,
        _sign(rng) * rng.uniform(0.0, 0.4) * gauge_u / HIGH,
    )
    expired = Reference(
        f"PC-{rng.randint(20, 29):02d}",
        "precision pressure calibrator, 10 bar module",
        f"RB-CAL-{year - 1}-{numbers[2]}",
        (today - dt.timedelta(days=rng.randint(20, 120))).isoformat(),
        rng.choice((0.002, 0.0025, 0.003)),
        _sign(rng) * rng.uniform(0.02, 0.04) / HIGH,  # drifted since its certificate lapsed
    )
    shelf = [good, gauge, expired]
    rng.shuffle(shelf)
    return shelf


@dataclass
class PressureTransmitter:
    """PT-102 on the bench: its output follows the pressure the reference applies.

    `adjust_zero` and `adjust_span` are the only things a technician changes; the trims they
    add up to are kept in `zero_trim_ma` and `span_trim_ma`.
    """

    seed: int | str
    errors: Errors
    tag: str = TAG
    description: str = DESCRIPTION
    low: float = LOW
    high: float = HIGH
    unit: str = UNIT
    zero_trim_ma: float = 0.0
    span_trim_ma: float = 0.0
    adjustments: int = 0
    pressure_bar: float = 0.0  # the true applied pressure: vented
    rising: bool = False  # it was vented down from the process pressure
    _ideal: Transmitter = field(init=False, repr=False)
    _taken: dict[str, int] = field(default_factory=dict, repr=False)  # points taken, by key

    def __post_init__(self) -> None:
        self._ideal = Transmitter(self.low, self.high, card="eu")

    def adjust_zero(self, ma: float) -> None:
        """Turn the zero: the output moves by *ma* (mA) at every pressure."""
        self.zero_trim_ma += _finite(ma, "a zero adjustment")
        self.adjustments += 1

    def adjust_span(self, ma: float) -> None:
        """Turn the span: the output moves by *ma* (mA) at the upper range value, by none
        at the lower, in proportion between (the span turns about the zero)."""
        self.span_trim_ma += _finite(ma, "a span adjustment")
        self.adjustments += 1

    def true_ma(self) -> float:
        """The output, in mA, at the applied pressure, before noise and resolution."""
        q = (self.pressure_bar - self.low) / (self.high - self.low)
        error_pct = self.errors.error_pct(min(max(q, 0.0), 1.0), self.rising)
        sensed = self.pressure_bar + error_pct / 100.0 * (self.high - self.low)
        ma = self._ideal.current(sensed) + self.zero_trim_ma + self.span_trim_ma * q
        return min(max(ma, NE43_RANGE[0]), NE43_RANGE[1])


def _finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} is a finite number of mA")
    return value


class Calibrator:
    """A reference connected to the transmitter: a hand pump and the reference's pressure
    readout on the transmitter's port, its milliamp input in the loop."""

    def __init__(self, reference: Reference, transmitter: PressureTransmitter) -> None:
        self.reference = reference.entry()
        self._reference = reference
        self._transmitter = transmitter
        self._target: float | None = None
        self._key = ""
        self._reads = 0

    def apply(self, bar: float) -> float:
        """Pump to *bar* (gauge) from where the pressure is now, and return what the
        reference reads (bar, to 0.001). 0 bar vents the transmitter."""
        bar = float(bar)
        if not 0.0 <= bar <= PUMP_MAX_BAR:
            raise ValueError(f"the hand pump applies 0 to {PUMP_MAX_BAR:g} bar g, not {bar!r}")
        tx = self._transmitter
        last = self._target if self._target is not None else tx.pressure_bar
        if bar != last:
            tx.rising = bar > last
        point = f"{tx.adjustments}:{bar:.6f}:{'up' if tx.rising else 'down'}"
        taken = tx._taken.get(point, 0)
        tx._taken[point] = taken + 1
        self._key = f"{point}:{taken}"
        self._target, self._reads = bar, 0
        offset = 0.0
        if bar > 0.0:  # the pump's fine adjustment lands near the target, never on it
            rng = _rng(tx.seed, f"pump:{self._key}")
            offset = _sign(rng) * rng.uniform(0.0008, 0.002)
        tx.pressure_bar = max(bar + offset, 0.0)
        return round(tx.pressure_bar * (1.0 + self._reference.gain_error), 3)

    def read_ma(self) -> float:
        """The transmitter's output as the calibrator's milliamp input reads it (mA)."""
        if self._target is None:
            raise RuntimeError("apply a pressure first (cal.apply(0.0) vents the transmitter)")
        rng = _rng(self._transmitter.seed, f"read:{self._key}:{self._reads}")
        self._reads += 1
        ma = self._transmitter.true_ma() + rng.gauss(0.0, MA_NOISE)
        return round(round(ma / MA_RESOLUTION) * MA_RESOLUTION, 3)


@dataclass
class Bench:
    """The work order: the transmitter, its range and tolerance, the date and the shelf."""

    seed: int | str
    date: str
    transmitter: PressureTransmitter
    references: list[Reference]
    tag: str = TAG
    low: float = LOW
    high: float = HIGH
    unit: str = UNIT
    tolerance_pct: float = TOLERANCE_PCT

    @property
    def calibrators(self) -> list[dict]:
        """The shelf's references as their labels show them (no truth)."""
        return [r.entry() for r in self.references]

    def connect(self, calibrator_id: str) -> Calibrator:
        """Connect the reference *calibrator_id* to the transmitter."""
        for reference in self.references:
            if reference.id == calibrator_id:
                return Calibrator(reference, self.transmitter)
        known = ", ".join(r.id for r in self.references)
        raise ValueError(f"no reference {calibrator_id!r} on the shelf; there are {known}")


def work_date(seed: int | str) -> dt.date:
    """The day of the calibration, in 2025."""
    return dt.date(2025, 1, 6) + dt.timedelta(days=_rng(seed, "date").randint(0, 330))


def bench(seed: int | str) -> Bench:
    """The seed's calibration job: PT-102 as found and the shelf of references."""
    today = work_date(seed)
    return Bench(
        seed,
        today.isoformat(),
        PressureTransmitter(seed, transmitter_errors(seed)),
        references(seed, today),
    )

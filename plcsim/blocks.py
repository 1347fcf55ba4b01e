"""IEC 61131-3 standard function blocks, stepped on the PLC's scan clock.

Timers (TON, TOF, TP), counters (CTU, CTD, CTUD), edge detectors (R_TRIG, F_TRIG) and
bistables (SR, RS) behave as IEC 61131-3 (3rd edition, 2013) defines its standard function
blocks.
Each instance is called like an ST function block: keyword inputs, then read its outputs::

    fill_time(IN=io.fill_valve, PT=4.5)  # ST: FillTime(IN := FillValve, PT := T#4s500ms);
    if fill_time.Q: ...  # ST: IF FillTime.Q THEN ...

An input left out of a call keeps its value from the last call, as in ST; the call returns
the instance, so ``fill_time(IN=x, PT=4.5).Q`` works too. Times are seconds (``T#500ms`` is
``0.5``). Timers read the time from a `Scan`, the PLC's scan clock, never the wall clock:
every call within one scan sees the same time, so timers are quantised to whole scans: a
TON with PT = 0.5 s at a 10 ms scan sets Q in the scan 0.5 s after the one in which IN
rose, after 50 scans of IN. Call each instance once per scan, as a PLC program does: a
second call of an edge detector in the same scan sees no edge.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

EPS = 1e-9  # scan times are sums of floats: 0.1 * 3 is 0.30000000000000004
INT_MAX, INT_MIN = 32767, -32768  # IEC INT, the type of the counters' PV and CV


class Scan:
    """The PLC's scan clock: the current scan's number and time (s) and the scan period.

    The executor (`plcsim.scan.Machine`) advances it once a scan; standalone, call
    `advance()` between scans. ``first`` is True during the first scan (a PLC's first-scan
    bit, such as Rockwell's S:FS): the machine's first scan, or the first with a new logic.
    """

    __slots__ = ("dt", "number", "start", "_timed", "_time")

    def __init__(self, dt: float) -> None:
        if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not dt > 0:
            raise ValueError(f"the scan period must be a positive number of seconds, not {dt!r}")
        self.dt = float(dt)
        self.number = 0
        self.start = 0  # the scan a new program started at (its first scan)
        self._timed, self._time = 0, 0.0  # the scan number the time was worked out for

    @property
    def time(self) -> float:
        """This scan's time, in seconds from the first scan."""
        if self._timed != self.number:  # read many times a scan: work it out once
            self._timed, self._time = self.number, round(self.number * self.dt, 9)
        return self._time

    @property
    def first(self) -> bool:
        return self.number == self.start

    def advance(self) -> None:
        self.number += 1

    def __repr__(self) -> str:
        return f"Scan(number={self.number}, time={self.time:g}, dt={self.dt:g})"


def is_bool(value: Any) -> bool:
    """True for True and False, numpy's booleans included (not for 0, 1 or None)."""
    return value is True or value is False or type(value).__name__ in ("bool", "bool_")


def _bool(block: str, name: str, value: Any) -> bool:
    if value is True or value is False:  # the usual case, first: called every scan
        return value
    if is_bool(value):
        return bool(value)
    raise TypeError(f"{block}.{name} is a BOOL input: pass True or False, not {value!r}")


def _time(block: str, name: str, value: Any) -> float:
    if type(value) is float and 0.0 <= value < math.inf:  # the usual case, first
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{block}.{name} is a TIME in seconds, not {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{block}.{name} must be a finite, non-negative time, not {value!r}")
    return value


def _int(block: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{block}.{name} is an INT: pass a whole number, not {value!r}")
    value = int(value)
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"{block}.{name} must fit an INT ({INT_MIN} to {INT_MAX}), not {value}")
    return value


class FunctionBlock:
    """A function block instance: inputs keep their values from call to call."""

    INPUTS: dict[str, Any] = {}  # input name -> checker
    OUTPUTS: tuple[str, ...] = ()

    def _take(self, inputs: dict[str, Any]) -> None:
        name = type(self).__name__
        for key, value in inputs.items():
            check = self.INPUTS.get(key)
            if check is None:
                known = ", ".join(self.INPUTS)
                raise TypeError(f"{name} has no input {key!r}; its inputs are {known}")
            setattr(self, key, check(name, key, value))

    def __repr__(self) -> str:
        fields = [*self.INPUTS, *self.OUTPUTS]
        shown = ", ".join(f"{key}={getattr(self, key)!r}" for key in fields)
        return f"{type(self).__name__}({shown})"


class _Timer(FunctionBlock):
    INPUTS = {"IN": _bool, "PT": _time}
    OUTPUTS = ("Q", "ET")

    def __init__(self, scan: Scan, *, PT: float = 0.0) -> None:
        if not isinstance(scan, Scan):
            raise TypeError("a timer needs the scan clock: TON(scan), with a plcsim Scan")
        self.scan = scan
        self.IN, self.PT = False, _time(type(self).__name__, "PT", PT)
        self.Q, self.ET = False, 0.0
        self._prev = False
        self._start = 0.0

    def _elapsed(self) -> float:
        return round(self.scan.time - self._start, 9)


class TON(_Timer):
    """On-delay timer: Q goes true once IN has been true for PT.

    On IN's rising edge ET starts from 0 and counts up with the scan clock to PT, where it
    stops and Q goes true; Q stays true while IN does. IN false resets Q and ET at once.
    """

    def __call__(self, **inputs: Any) -> TON:
        self._take(inputs)
        if not self.IN:
            self.Q, self.ET = False, 0.0
        else:
            if not self._prev:
                self._start = self.scan.time
            elapsed = self._elapsed()
            self.Q = elapsed >= self.PT - EPS
            self.ET = self.PT if self.Q else elapsed
        self._prev = self.IN
        return self


class TOF(_Timer):
    """Off-delay timer: Q follows IN up at once and stays true for PT after IN falls.

    While IN is true, Q is true and ET is 0. On IN's falling edge ET counts up from 0; Q goes
    false when ET reaches PT, and ET holds at PT until IN is true again. IN true during the
    delay cancels it (Q stays true, ET back to 0).
    """

    def __call__(self, **inputs: Any) -> TOF:
        self._take(inputs)
        if self.IN:
            self.Q, self.ET = True, 0.0
        elif self._prev or self.Q:
            if self._prev:
                self._start = self.scan.time
            elapsed = self._elapsed()
            self.Q = elapsed < self.PT - EPS
            self.ET = elapsed if self.Q else self.PT
        self._prev = self.IN
        return self


class TP(_Timer):
    """Pulse timer: a rising edge of IN starts a pulse on Q that lasts exactly PT.

    The pulse cannot be retriggered: IN's changes during it are ignored. ET counts from 0
    to PT during the pulse; afterwards it holds at PT while IN stays true and returns to 0
    once IN is false.
    """

    def __init__(self, scan: Scan, *, PT: float = 0.0) -> None:
        super().__init__(scan, PT=PT)
        self._running = False

    def __call__(self, **inputs: Any) -> TP:
        self._take(inputs)
        if self._running:
            elapsed = self._elapsed()
            if elapsed >= self.PT - EPS:
                self._running, self.Q, self.ET = False, False, self.PT
            else:
                self.ET = elapsed
        if not self._running:
            if self.IN and not self._prev and self.ET == 0.0:
                self._start = self.scan.time
                self._running = self.Q = self.PT > EPS
            elif not self.IN:
                self.ET = 0.0
        self._prev = self.IN
        return self


class CTU(FunctionBlock):
    """Up counter: each rising edge of CU adds 1 to CV (up to the INT maximum, 32,767).

    R true sets CV to 0 (R wins over CU). Q is CV >= PV. CU is edge-triggered (R_EDGE), so
    a count needs CU false again before the next one.
    """

    INPUTS = {"CU": _bool, "R": _bool, "PV": _int}
    OUTPUTS = ("Q", "CV")

    def __init__(self, scan: Scan | None = None, *, PV: int = 0) -> None:
        self.CU = self.R = False
        self.PV = _int("CTU", "PV", PV)
        self.Q, self.CV = False, 0
        self._prev = False

    def __call__(self, **inputs: Any) -> CTU:
        self._take(inputs)
        edge = self.CU and not self._prev
        self._prev = self.CU
        if self.R:
            self.CV = 0
        elif edge and self.CV < INT_MAX:
            self.CV += 1
        self.Q = self.CV >= self.PV
        return self


class CTD(FunctionBlock):
    """Down counter: each rising edge of CD takes 1 from CV (down to the INT minimum).

    LD true loads CV with PV (LD wins over CD). Q is CV <= 0.
    """

    INPUTS = {"CD": _bool, "LD": _bool, "PV": _int}
    OUTPUTS = ("Q", "CV")

    def __init__(self, scan: Scan | None = None, *, PV: int = 0) -> None:
        self.CD = self.LD = False
        self.PV = _int("CTD", "PV", PV)
        self.Q, self.CV = False, 0
        self._prev = False

    def __call__(self, **inputs: Any) -> CTD:
        self._take(inputs)
        edge = self.CD and not self._prev
        self._prev = self.CD
        if self.LD:
            self.CV = self.PV
        elif edge and self.CV > INT_MIN:
            self.CV -= 1
        self.Q = self.CV <= 0
        return self


class CTUD(FunctionBlock):
    """Up-down counter: CU's rising edges count up, CD's down, between the INT limits.

    R sets CV to 0 and wins over everything; LD loads PV and wins over counting; rising
    edges of CU and CD in the same call cancel out. QU is CV >= PV, QD is CV <= 0.
    """

    INPUTS = {"CU": _bool, "CD": _bool, "R": _bool, "LD": _bool, "PV": _int}
    OUTPUTS = ("QU", "QD", "CV")

    def __init__(self, scan: Scan | None = None, *, PV: int = 0) -> None:
        self.CU = self.CD = self.R = self.LD = False
        self.PV = _int("CTUD", "PV", PV)
        self.QU, self.QD, self.CV = False, False, 0
        self._prev_up = self._prev_down = False

    def __call__(self, **inputs: Any) -> CTUD:
        self._take(inputs)
        up, down = self.CU and not self._prev_up, self.CD and not self._prev_down
        self._prev_up, self._prev_down = self.CU, self.CD
        if self.R:
            self.CV = 0
        elif self.LD:
            self.CV = self.PV
        elif up and not down and self.CV < INT_MAX:
            self.CV += 1
        elif down and not up and self.CV > INT_MIN:
            self.CV -= 1
        self.QU, self.QD = self.CV >= self.PV, self.CV <= 0
        return self


class R_TRIG(FunctionBlock):
    """Rising edge: Q is true for the one call in which CLK went from false to true.

    As the standard writes it (Q := CLK AND NOT M; M := CLK, with M false at the start),
    CLK already true at the very first call counts as a rising edge.
    """

    INPUTS = {"CLK": _bool}
    OUTPUTS = ("Q",)

    def __init__(self, scan: Scan | None = None) -> None:
        self.CLK = self.Q = False
        self._m = False

    def __call__(self, **inputs: Any) -> R_TRIG:
        self._take(inputs)
        self.Q = self.CLK and not self._m
        self._m = self.CLK
        return self


class F_TRIG(FunctionBlock):
    """Falling edge: Q is true for the one call in which CLK went from true to false.

    As the standard writes it since its 2nd edition (Q := NOT CLK AND NOT M; M := NOT CLK,
    M false at the start), CLK false at the very first call also counts as a falling edge,
    once. (CODESYS's and TwinCAT's F_TRIG keep the 1st edition, which does not fire then.)
    """

    INPUTS = {"CLK": _bool}
    OUTPUTS = ("Q",)

    def __init__(self, scan: Scan | None = None) -> None:
        self.CLK = self.Q = False
        self._m = False

    def __call__(self, **inputs: Any) -> F_TRIG:
        self._take(inputs)
        self.Q = not self.CLK and not self._m
        self._m = not self.CLK
        return self


class SR(FunctionBlock):
    """Set-dominant latch: Q1 := S1 OR (NOT R AND Q1). S1 and R both true sets Q1."""

    INPUTS = {"S1": _bool, "R": _bool}
    OUTPUTS = ("Q1",)

    def __init__(self, scan: Scan | None = None) -> None:
        self.S1 = self.R = self.Q1 = False

    def __call__(self, **inputs: Any) -> SR:
        self._take(inputs)
        self.Q1 = self.S1 or (not self.R and self.Q1)
        return self


class RS(FunctionBlock):
    """Reset-dominant latch: Q1 := NOT R1 AND (S OR Q1). S and R1 both true resets Q1."""

    INPUTS = {"S": _bool, "R1": _bool}
    OUTPUTS = ("Q1",)

    def __init__(self, scan: Scan | None = None) -> None:
        self.S = self.R1 = self.Q1 = False

    def __call__(self, **inputs: Any) -> RS:
        self._take(inputs)
        self.Q1 = not self.R1 and (self.S or self.Q1)
        return self


BLOCKS = {cls.__name__: cls for cls in (TON, TOF, TP, CTU, CTD, CTUD, R_TRIG, F_TRIG, SR, RS)}

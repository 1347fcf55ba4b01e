"""The scan executor: a machine's I/O, the learner's control logic, and the PLC scan.

`Machine.run(seconds, logic)` scans the machine every ``scan_s`` seconds. Each scan at clock
time t:

1. applies what the scenario does at t (the operator presses a button, a fault strikes);
2. reads the inputs: the machine's sensors, switches and pushbuttons into ``io``;
3. calls ``logic(io, mem, fb)`` once: the learner's program reads the inputs and writes
   the outputs (valves, motors, lamps); outputs it does not write keep their last value,
   as a PLC's output image does;
4. lets the scenario's checks observe the scan (time to a safe state, transitions, ...),
   records the I/O points that changed in the historian, and advances the machine one scan
   with the outputs the logic wrote.

``mem`` keeps the logic's own variables from scan to scan (ST's ``VAR`` block); ``fb``
declares and calls IEC 61131-3 function blocks on the scan clock (`plcsim.logic`).
A logic that fails stops the run with a `LogicError` naming the scan time: an exception in
it, a read or write of an I/O point the machine does not have, a write to an input, or a
value of the wrong type for an output (a digital output takes True or False, not 1).
"""

from __future__ import annotations

import bisect
import inspect
import math
import numbers
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plcsim.blocks import Scan, is_bool
from plcsim.iolog import Event, IOHistorian
from plcsim.logic import Blocks, Memory

MAX_RUN_S = 24 * 3600
PACKAGE = str(Path(__file__).resolve().parent)
KINDS = ("bool", "real", "int")


class LogicError(ValueError):
    """The learner's logic failed: an exception in it or an I/O access the machine refuses."""


class PointError(LogicError):
    """The logic read or wrote an I/O point it may not (raised inside the logic)."""


@dataclass(frozen=True)
class Point:
    """One I/O point: a digital (``bool``), analog (``real``) or integer (``int``) input
    or output. Analog outputs are clamped to *span*; the historian records an analog
    value when it moves by more than *deadband*; an integer point with an *enum* (an
    IntEnum such as `plcsim.packml.State`) takes only its members and reads as one."""

    name: str
    direction: str  # "in" or "out"
    kind: str = "bool"
    description: str = ""
    unit: str = ""
    span: tuple[float, float] | None = None
    deadband: float = 0.0
    enum: Any = None
    start: Any = None  # the value at power-up (False, 0.0 or 0 unless given)

    @property
    def initial(self) -> Any:
        if self.start is not None:
            return self.start
        return {"bool": False, "real": 0.0, "int": 0}[self.kind]


class IO:
    """The I/O image the logic reads and writes: ``io.photo_eye``, ``io.fill_valve = True``."""

    __slots__ = ("_error", "_machine", "_points", "_values")

    def __init__(self, points: Iterable[Point], values: dict[str, Any], machine: str) -> None:
        set_ = object.__setattr__
        set_(self, "_points", {point.name: point for point in points})
        set_(self, "_values", values)
        set_(self, "_machine", machine)
        set_(self, "_error", None)

    def _fail(self, message: str) -> PointError:
        error = PointError(message)
        if self._error is None:  # kept even if the logic catches the exception
            object.__setattr__(self, "_error", error)
        return error

    def _names(self, direction: str) -> str:
        return ", ".join(p.name for p in self._points.values() if p.direction == direction)

    def __getattr__(self, name: str) -> Any:  # called for every point: they are not slots
        try:
            return self._values[name]
        except KeyError:
            pass
        if name.startswith("__"):
            raise AttributeError(name)
        raise self._fail(
            f"the {self._machine} has no I/O point {name!r} (inputs: {self._names('in')}; "
            f"outputs: {self._names('out')})"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        point = self._points.get(name)
        if point is None:
            raise self._fail(
                f"the logic wrote {name!r}, which is not an output of the {self._machine} "
                f"(outputs: {self._names('out')})"
            )
        if point.direction != "out":
            raise self._fail(f"{name} is an input ({point.description}): logic only reads it")
        self._values[name] = self._checked(point, value)

    def _checked(self, point: Point, value: Any) -> Any:
        name = point.name
        if point.kind == "bool":
            if value is True or value is False:  # the usual case, first: every scan
                return value
            if is_bool(value):
                return bool(value)
            raise self._fail(
                f"{name} is a digital output: write True or False, not {value!r} "
                f"({type(value).__name__})"
            )
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self._fail(f"{name} takes a number, not {value!r} ({type(value).__name__})")
        if not math.isfinite(value):
            raise self._fail(f"{name} takes a finite number, not {value!r}")
        if point.kind == "int":
            if value != int(value):
                raise self._fail(f"{name} takes a whole number, not {value!r}")
            if point.enum is None:
                return int(value)
            try:
                return point.enum(int(value))
            except ValueError:
                allowed = ", ".join(f"{m.name} ({m.value})" for m in point.enum)
                raise self._fail(f"{name} takes one of {allowed}, not {value!r}") from None
        value = float(value)
        if point.span is not None:
            value = min(max(value, point.span[0]), point.span[1])
        return value

    def __dir__(self) -> list[str]:
        return sorted(self._points)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={self._values[name]!r}" for name in self._points)
        return f"IO({shown})"


@dataclass(order=True)
class _Action:
    at: float
    order: int
    do: Callable[[], None] = field(compare=False)


@dataclass
class _Watch:
    condition: Callable[[], bool]
    do: Callable[[], None]
    not_before: float
    deadline: float
    on_timeout: Callable[[], None] | None


class Machine:
    """A machine scanned by the learner's logic (see the module docstring for a scan).

    A subclass lists its I/O in ``POINTS`` and fills in `sense` (plant -> inputs), `act`
    (outputs -> plant, one scan), and optionally `observe` (graded checks each scan),
    `report` (the graded facts) and `truth` (this seed's parameters, for graders).
    """

    NAME = "machine"
    POINTS: tuple[Point, ...] = ()

    def __init__(self, *, scan_s: float = 0.01, seed: int | str = 0) -> None:
        for point in self.POINTS:
            if point.kind not in KINDS or point.direction not in ("in", "out"):
                raise ValueError(f"bad I/O point {point!r}")
        self.seed = seed
        self.scan = Scan(scan_s)
        self.values: dict[str, Any] = {p.name: p.initial for p in self.POINTS}
        self.field: dict[str, Any] = {}  # switches and buttons the operator sets
        self.io = IO(self.POINTS, self.values, self.NAME)
        self.historian = IOHistorian(self.POINTS)
        self.events: list[Event] = []
        self.mem = Memory()
        self.fb = Blocks(self.scan)
        self._logic: Any = None
        self._actions: list[_Action] = []
        self._watches: list[_Watch] = []
        self._order = 0

    @property
    def clock(self) -> float:
        """The time of the next scan, in seconds from the start."""
        return self.scan.time

    @property
    def scan_s(self) -> float:
        return self.scan.dt

    # Scenario hooks -----------------------------------------------------------------------

    def at(self, time_s: float, do: Callable[[], None]) -> None:
        """Call *do* at the start of the scan at *time_s* (before the inputs are read)."""
        if not time_s >= self.clock - 1e-9:
            raise ValueError(f"the {self.NAME} is at {self.clock:g} s: too late for {time_s!r}")
        self._order += 1
        bisect.insort_right(self._actions, _Action(time_s, self._order, do))

    def when(
        self,
        condition: Callable[[], bool],
        do: Callable[[], None],
        *,
        not_before: float = 0.0,
        timeout: float = math.inf,
        on_timeout: Callable[[], None] | None = None,
    ) -> None:
        """Call *do* at the first scan from *not_before* on at which *condition()* holds;
        after *timeout* more seconds without it, call *on_timeout* instead (if given).

        *do* runs after that scan's scheduled actions, so an ``operate``/``press`` it makes
        for the current time takes effect at the next scan: schedule ``self.clock + scan_s``
        (or later) to say so plainly."""
        deadline = not_before + timeout
        self._watches.append(_Watch(condition, do, not_before, deadline, on_timeout))

    def operate(self, time_s: float, **values: Any) -> None:
        """Set field devices (switches, buttons) at *time_s*: ``operate(5, guard_closed=False)``."""
        unknown = [name for name in values if name not in self.field]
        if unknown:
            raise ValueError(f"no field device {unknown[0]!r}; devices: {', '.join(self.field)}")
        self.at(time_s, lambda: self._set_field(values))

    def press(self, time_s: float, button: str, hold_s: float = 0.2) -> None:
        """Press a momentary pushbutton at *time_s* and release it *hold_s* later."""
        self.operate(time_s, **{button: True})
        self.operate(time_s + hold_s, **{button: False})

    def _set_field(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if self.field[name] != value:
                self.log("operator", f"{name} -> {value}", device=name, value=value)
        self.field.update(values)

    def log(self, kind: str, message: str, *, at: float | None = None, **data: Any) -> None:
        self.events.append(Event(self.clock if at is None else at, kind, message, data))

    # Subclass hooks ----------------------------------------------------------------------

    def sense(self) -> None:
        """Read the plant into the inputs (``self.values``); the field devices by default."""
        self.values.update(self.field)

    def observe(self) -> None:
        """Check the scan's inputs and outputs for the report (after the logic ran)."""

    def act(self, dt: float) -> None:
        """Advance the plant by *dt* with the outputs in ``self.values``."""

    def report(self) -> dict[str, Any]:
        return {}

    def truth(self) -> Any:
        return None

    # Running -----------------------------------------------------------------------------

    def run(self, seconds: float, logic: Callable[..., Any]) -> IOHistorian:
        """Scan the machine for *seconds* of simulated time, calling ``logic(io, mem, fb)``
        once a scan (`LogicError` if it fails). Another logic than last time starts with
        fresh ``mem`` and ``fb``. Returns the historian."""
        if not 0 <= seconds <= MAX_RUN_S:  # written so that NaN fails too
            raise ValueError(f"run between 0 s and a day at a time, not {seconds!r} s")
        if logic is not self._logic:
            _check_signature(logic)
            self._logic = logic
            self.mem, self.fb = Memory(), Blocks(self.scan)
            object.__setattr__(self.io, "_error", None)
            self.scan.start = self.scan.number
        scan, io, values, dt = self.scan, self.io, self.values, self.scan.dt
        mem, fb, record = self.mem, self.fb, self.historian.record
        end = scan.number + round(seconds / dt)
        while scan.number < end:
            if self._actions or self._watches:
                self._due()
            self.sense()
            try:
                logic(io, mem, fb)
            except Exception as exc:
                raise self._failed(exc) from exc
            if io._error is not None:  # the logic caught the PointError: still a failure
                raise self._failed(io._error)
            self.observe()
            record(scan.time, values)
            self.act(dt)
            scan.advance()
        return self.historian

    def _due(self) -> None:
        now = self.clock + 1e-9
        while self._actions and self._actions[0].at <= now:
            self._actions.pop(0).do()
        for watch in list(self._watches):
            if now < watch.not_before:
                continue
            if watch.condition():
                self._watches.remove(watch)
                watch.do()
            elif now >= watch.deadline:
                self._watches.remove(watch)
                if watch.on_timeout is not None:
                    watch.on_timeout()

    def _failed(self, exc: BaseException) -> LogicError:
        where = f"at t = {self.clock:g} s (scan {self.scan.number})"
        line = _user_line(exc)
        if isinstance(exc, PointError):
            message = f"the logic failed {where}{line}: {exc}"
        else:
            message = f"the logic raised {type(exc).__name__} {where}{line}: {exc}"
        self.log("logic-error", message)
        return LogicError(message)


def _check_signature(logic: Any) -> None:
    if not callable(logic):
        raise TypeError("the logic is a function logic(io, mem, fb), called every scan")
    try:
        inspect.signature(logic).bind(None, None, None)
    except TypeError:
        raise TypeError(
            "the logic must take three arguments, logic(io, mem, fb), called every scan"
        ) from None
    except ValueError:  # no signature to inspect (a builtin): let the call decide
        return


def _user_line(exc: BaseException) -> str:
    """ ", line N" of the innermost frame outside plcsim (the learner's code), if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if PACKAGE not in f.filename]
    return f", line {frames[-1].lineno}" if frames else ""

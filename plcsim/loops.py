"""A control loop: a process, its valve and transmitter, and the controller a learner writes.

`Loop.run(seconds, controller)` scans the loop every ``scan_s`` seconds. Each scan at clock
time t:

1. applies the events scheduled for t (`Loop.schedule`: setpoint, disturbance, mode, output);
2. reads the PV (the process's measurement, through the transmitter and input card);
3. works out the output: in manual the operator's output; in auto the controller's,
   called once with this scan's PV and SP; either way clamped to the output limits;
4. moves the valve, records one historian row stamped t, and advances the process one scan.

The controller is a plain function ``controller(pv, sp, dt, state) -> output`` (the primary
API) or an object with a ``scan(inputs) -> output`` method. ``state`` is a dict the loop
keeps for the controller from scan to scan: store what the controller must remember (an
integral, the last PV) in it. Before each call the loop writes four keys into it:

- ``state["time"]``: this scan's clock time, in seconds;
- ``state["output"]``: the output the valve got at the last scan, in % (after the limits);
- ``state["first_scan"]``: True on the first scan in auto (at the start, or after manual):
  initialise from ``state["output"]`` then, and the transfer to auto is bumpless;
- ``state["limits"]``: the output limits, (low, high) in %.

While the PV's quality is bad (a failed transmitter) the loop holds its output and does not
call the controller, as many PID blocks do.
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plcsim.dynamics import Actuator, Params, Process, Valve, controller_action
from plcsim.historian import _Table
from plcsim.performance import Performance, measure
from plcsim.tags import Quality
from plcsim.transmitter import Transmitter

MODES = ("manual", "auto")
MAX_RUN_S = 31 * 24 * 3600


class ControllerError(ValueError):
    """The controller raised an exception or returned something that is not an output."""


@dataclass(frozen=True)
class Inputs:
    """What an object controller's ``scan(inputs)`` gets each scan (the same as the state
    keys a function controller gets; ``span`` is the PV's range, for % conversions)."""

    time: float
    dt: float
    pv: float
    sp: float
    output: float
    first_scan: bool
    limits: tuple[float, float]
    span: tuple[float, float]


@dataclass(order=True)
class Event:
    at: float
    order: int
    changes: dict[str, Any] = field(compare=False)


class LoopHistorian(_Table):
    """One row per scan: time (s), SP and PV (EU), OP and valve position (%), mode,
    whether the output was at a limit, the PV's quality, the loop current and the raw
    input-card reading. PV is NaN while the quality is bad."""

    COLUMNS = (
        "time_s",
        "sp",
        "pv",
        "op",
        "valve",
        "mode",
        "saturated",
        "quality",
        "ma",
        "raw",
    )

    def __init__(self, scan_s: float) -> None:
        super().__init__()
        self.scan_s = scan_s

    def to_rows(self) -> list[dict[str, Any]]:
        rows = zip(*self.columns.values(), strict=True)
        return [dict(zip(self.COLUMNS, row, strict=True)) for row in rows]

    def to_dataframe(self):
        import pandas as pd  # only here, so the simulator runs without pandas

        return pd.DataFrame(self.columns, columns=list(self.COLUMNS))


def _check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"the {name} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"the {name} must be a finite number, not {value!r}")
    return value


class Loop:
    """A control loop on a process model (see the module docstring for a scan).

    *params* describes the process (`plcsim.dynamics.fopdt`, `integrating`, `heater`);
    *valve* is the final control element (a fail-closed `Valve` by default); *output* is
    the operator's output at the start (the process starts steady there, unless
    *initial* gives the PV); *span* is the PV's range in EU (also the transmitter's).
    """

    def __init__(
        self,
        params: Params,
        *,
        setpoint: float,
        output: float = 0.0,
        mode: str = "manual",
        valve: Actuator | None = None,
        transmitter: Transmitter | None = None,
        span: tuple[float, float] = (0.0, 100.0),
        limits: tuple[float, float] = (0.0, 100.0),
        initial: float | None = None,
        scan_s: float = 0.1,
        seed: int | str = 0,
        tag: str = "",
        unit: str = "",
        nominal: Params | None = None,
    ) -> None:
        if not (0 <= limits[0] < limits[1] <= 100):
            raise ValueError("the output limits lie within 0-100 %, low below high")
        if not span[1] > span[0]:
            raise ValueError("the PV span's upper value must be above its lower one")
        self.tag, self.unit, self.span, self.limits = tag, unit, span, limits
        self.setpoint = _check_number("setpoint", setpoint)
        self.output = min(max(_check_number("output", output), limits[0]), limits[1])
        self.op = self.output
        self.valve = valve if valve is not None else Valve()
        self.valve.settle(self.output)
        self.process = Process(
            params, scan_s=scan_s, seed=seed, valve=self.valve.position, initial=initial
        )
        self.scan_s = scan_s
        self.transmitter = transmitter
        self.nominal = nominal if nominal is not None else params
        self.scenario: Any = None  # the named scenario (plcsim.process.loop) it came from
        self.action = controller_action(params.gain, self.valve)
        self.disturbance = 0.0
        self.historian = LoopHistorian(scan_s)
        self.state: dict[str, Any] = {}
        self.scans = 0
        self._mode = "manual"
        self.mode = mode
        self._controller: Any = None
        self._events: list[Event] = []
        self._order = 0

    @property
    def clock(self) -> float:
        """The time of the next scan, in seconds from the start."""
        return round(self.scans * self.scan_s, 9)

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use {' or '.join(MODES)}")
        if mode == "auto" and self._mode == "manual":
            self.state["first_scan"] = True  # initialise at the first auto scan
        elif mode == "manual":
            self.output = self.op  # the output stays where it was
        self._mode = mode

    def truth(self) -> Params:
        """The process's true parameters (dead time rounded to whole scans), for graders."""
        return self.process.params

    def schedule(
        self,
        at: float,
        *,
        setpoint: float | None = None,
        disturbance: float | None = None,
        mode: str | None = None,
        output: float | None = None,
    ) -> None:
        """At *at* seconds from the start, change the setpoint (EU), the disturbance (a
        load in PV units, or PV units per minute on an integrating process), the mode
        ("manual" or "auto") and/or the operator's output (%, used in manual)."""
        at = _check_number("event time", at)
        if at < self.clock - 1e-9:
            raise ValueError(f"the loop is at {self.clock:g} s: it cannot schedule {at:g} s")
        changes: dict[str, Any] = {}
        if mode is not None:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}; use {' or '.join(MODES)}")
            changes["mode"] = mode
        for name, value in (("setpoint", setpoint), ("disturbance", disturbance)):
            if value is not None:
                changes[name] = _check_number(name, value)
        if output is not None:
            changes["output"] = _check_number("output", output)
        if not changes:
            raise ValueError("schedule at least one change")
        self._order += 1  # events at the same time apply in the order they were scheduled
        bisect.insort_right(self._events, Event(at, self._order, changes))

    def _apply_events(self) -> None:
        while self._events and self._events[0].at <= self.clock + 1e-9:
            changes = self._events.pop(0).changes
            if "mode" in changes:
                self.mode = changes["mode"]
            if "output" in changes:
                self.output = min(max(changes["output"], self.limits[0]), self.limits[1])
            self.setpoint = changes.get("setpoint", self.setpoint)
            self.disturbance = changes.get("disturbance", self.disturbance)

    def run(self, seconds: float, controller: Callable | Any = None) -> LoopHistorian:
        """Scan the loop for *seconds* of simulated time, calling *controller* every scan
        in auto (`ControllerError` if it fails). Returns the historian."""
        if not 0 <= seconds <= MAX_RUN_S:  # written so that NaN fails too
            raise ValueError(f"run between 0 s and 31 days at a time, not {seconds!r} s")
        if controller is not None and not (callable(controller) or hasattr(controller, "scan")):
            raise TypeError("the controller is a function or an object with a scan() method")
        if controller is not self._controller and controller is not None:
            self._controller = controller  # a new controller starts from a clean state
            self.state = {"first_scan": True}
        call = self._caller(controller)
        end = self.scans + round(seconds / self.scan_s)
        hist = self.historian.appenders
        process, valve, transmitter, dt = self.process, self.valve, self.transmitter, self.scan_s
        low, high = self.limits
        while self.scans < end:
            if self._events:
                self._apply_events()
            now = self.clock
            measured = process.read()
            if transmitter is None:
                pv, quality, ma, raw = measured, Quality.GOOD, None, None
            else:
                reading = transmitter.read(measured, now)
                pv, quality, ma, raw = reading.value, reading.quality, reading.ma, reading.raw
            if self._mode == "manual":
                op = self.output
            elif quality is Quality.BAD:
                op = self.op  # hold the output on a bad PV
            else:
                if call is None:
                    raise ControllerError(
                        f"the loop is in auto at t = {now:g} s: pass a controller"
                    )
                op = min(max(call(pv, now), low), high)
            self.op = op
            position = valve.move(op, dt)
            for add, value in zip(
                hist,
                (now, self.setpoint, pv, op, position, self._mode, op <= low or op >= high)
                + (str(quality), ma, raw),
                strict=True,
            ):
                add(value)
            process.step(position, self.disturbance)
            self.scans += 1
        return self.historian

    def _caller(self, controller: Any) -> Callable[[float, float], float] | None:
        """A function of (pv, now) that calls *controller* and checks what it returns."""
        if controller is None:
            return None
        state, dt = self.state, self.scan_s
        scan = getattr(controller, "scan", None)

        def call(pv: float, now: float) -> float:
            first = bool(state.get("first_scan", False))
            state.update(time=now, output=self.op, first_scan=first, limits=self.limits)
            try:
                if scan is not None:
                    inputs = Inputs(
                        now, dt, pv, self.setpoint, self.op, first, self.limits, self.span
                    )
                    out = scan(inputs)
                else:
                    out = controller(pv, self.setpoint, dt, state)
            except Exception as exc:
                name = type(exc).__name__
                raise ControllerError(
                    f"the controller raised {name} at t = {now:g} s (scan {self.scans}): {exc}"
                ) from exc
            state["first_scan"] = False
            return _checked_output(out, now)

        return call

    def performance(
        self, start: float | None = None, end: float | None = None, **options
    ) -> Performance:
        """IAE, overshoot, settling time and more over the historian (see
        `plcsim.performance.measure`, which this calls with the loop's span)."""
        return measure(self.historian, start=start, end=end, span=self.span, **options)


def _checked_output(out: Any, now: float) -> float:
    if isinstance(out, bool) or not isinstance(out, numbers.Real):
        hint = " (did it forget to return the output?)" if out is None else ""
        raise ControllerError(
            f"the controller returned {out!r} ({type(out).__name__}) at t = {now:g} s{hint}: "
            "it must return the output as a number, in %"
        )
    value = float(out)
    if not math.isfinite(value):
        raise ControllerError(
            f"the controller returned {value!r} at t = {now:g} s: the output must be finite"
        )
    return value

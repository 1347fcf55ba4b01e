"""The Riverbend Filler station: one fill head filling bottles to weight, under learner logic.

A bottle arrives under the fill head (photo-eye ``bottle_present``) and waits there, held by
the discharge gate. The logic opens the fill valve (``fill_valve``); product flows at the
seed's rate (about 120 g/s) and lands in the bottle after falling from the valve, and the
load cell (``weight``, net grams, with noise) weighs it. The valve shuts about 0.2 s after
its output goes false, and the product already in the air still lands, so a valve closed at
the target weight overfills by the flow times the in-flight time (about 0.3 s: 36 g): the
logic must close early by that lead. A bottle holds 520 g to the brim; more overflows.
Opening the gate (``release``) for 0.3 s lets the bottle leave; the next one arrives 0.6 to
1.2 s later (while the gate is shut).

The permissive set for filling: the guard door closed (``guard_closed``), the E-stop circuit
healthy (``estop_ok``), a bottle present, the bowl level not low (``bowl_low`` false) and
the load cell healthy (``weight_ok``). ``start_pb``, ``stop_pb`` and ``reset_pb`` are
momentary pushbuttons, True while pressed. `plcsim.interlocks` injects faults into it.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from plcsim.scan import Machine, Point

EPS = 1e-9
RELEASE_S = 0.3  # how long the gate must stay open for a bottle to leave
GAP_S = (0.6, 1.2)  # from one bottle leaving to the next arriving
EMPTY_G = 1.0  # a bottle that left with less than this was never filled


@dataclass(frozen=True)
class FillerParams:
    """The filler's numbers: `NOMINAL` holds the lessons', `Filler.truth()` the seed's."""

    flow_g_s: float = 120.0  # product flow through the open valve (seeded +/- 15 %)
    open_lag_s: float = 0.05  # valve output on -> product flowing
    close_lag_s: float = 0.20  # valve output off -> flow stopped (seeded +/- 5 %)
    fall_s: float = 0.10  # valve to bottle: product in the air (whole scans)
    noise_g: float = 0.3  # load-cell noise, standard deviation
    flow_spread: float = 0.01  # bottle-to-bottle variation of the flow (sd, fraction)
    target_g: float = 500.0
    tolerance_g: float = 5.0  # a good fill is target +/- tolerance
    capacity_g: float = 520.0  # to the brim: more overflows

    @property
    def in_flight_s(self) -> float:
        """Time from closing the output to the last product landing."""
        return self.close_lag_s + self.fall_s


NOMINAL = FillerParams()


@dataclass
class Bottle:
    """One bottle's passage through the station (``status`` set when it leaves)."""

    number: int
    arrived_s: float
    weight_g: float = 0.0
    left_s: float | None = None
    status: str = "filling"  # ok, under, over, overflow, empty or removed
    overflow_g: float = 0.0
    interrupted: bool = False  # a fault struck while it was at the station

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class _Valve:
    """An on/off valve that follows its output after an opening or closing lag."""

    def __init__(self, open_lag: float, close_lag: float) -> None:
        self.lags = {True: open_lag, False: close_lag}
        self.is_open = self.command = False
        self.pending: float | None = None  # when the valve reaches ``command``

    def step(self, command: bool, now: float) -> bool:
        """Take this scan's output; return whether product flows during the scan."""
        if command != self.command:
            self.command = command
            self.pending = None if command == self.is_open else now + self.lags[command]
        if self.pending is not None and now >= self.pending - EPS:
            self.is_open, self.pending = self.command, None
        return self.is_open


class Filler(Machine):
    NAME = "filler"
    POINTS = (
        Point("bottle_present", "in", description="photo-eye PE-301: a bottle under the head"),
        Point("weight", "in", "real", "load cell WT-301: net product weight", "g", deadband=0.5),
        Point("weight_ok", "in", description="load-cell module healthy"),
        Point("guard_closed", "in", description="guard door switch ZS-301: door closed"),
        Point("estop_ok", "in", description="E-stop circuit healthy (no E-stop pressed)"),
        Point("bowl_low", "in", description="bowl low-level switch LSL-101: level low"),
        Point("start_pb", "in", description="start pushbutton, True while pressed"),
        Point("stop_pb", "in", description="stop pushbutton, True while pressed"),
        Point("reset_pb", "in", description="reset pushbutton, True while pressed"),
        Point("fill_valve", "out", description="fill valve XV-301: open"),
        Point("release", "out", description="discharge gate: open lets the bottle leave"),
        Point("running_lamp", "out", description="green lamp: running"),
        Point("fault_lamp", "out", description="red lamp: fault, reset needed"),
    )
    SAFE_STATE = {"fill_valve": False, "release": False}  # what a fault must force

    def __init__(
        self, seed: int | str = 0, *, scan_s: float = 0.01, start_at: float | None = 0.5
    ) -> None:
        super().__init__(scan_s=scan_s, seed=seed)
        self.nominal = NOMINAL
        self.params = _seeded(seed, scan_s)
        p = self.params
        self.field.update(
            guard_closed=True, estop_ok=True, start_pb=False, stop_pb=False, reset_pb=False
        )
        self._valve = _Valve(p.open_lag_s, p.close_lag_s)
        self._air: deque[float] = deque([0.0] * round(p.fall_s / scan_s))  # in the air
        self._noise = random.Random(f"plcsim:filler:{seed}:noise")  # noqa: S311 (simulation)
        self._bottles_rng = random.Random(f"plcsim:filler:{seed}:bottles")  # noqa: S311
        self.bottle: Bottle | None = None
        self.bottles: list[Bottle] = []
        self.spilled_g = 0.0
        self.bowl_is_low = False
        self.loadcell = "ok"  # "failed" (module reports it) or "stuck" (reading frozen)
        self.supply_from = 0.0  # no bottle arrives before this (a removed bottle's gap)
        self.monitors: list[Any] = []  # observers with observe(filler) (plcsim.interlocks)
        self._flow = p.flow_g_s
        self._next_arrival = self._bottles_rng.uniform(0.5, 1.0)
        self._leaving = 0.0
        self._stuck_at = 0.0
        if start_at is not None:
            self.press(start_at, "start_pb")

    @property
    def valve_open(self) -> bool:
        """Is product flowing from the valve (its output, after the valve's lag)?"""
        return self._valve.is_open

    def truth(self) -> FillerParams:
        """This seed's true parameters, for graders (the fall time in whole scans)."""
        return self.params

    def sense(self) -> None:
        values = self.values
        values.update(self.field)
        values["bottle_present"] = self.bottle is not None
        values["bowl_low"] = self.bowl_is_low
        noise = self._noise.gauss(0.0, self.params.noise_g)  # drawn every scan: repeatable
        mass = self.bottle.weight_g if self.bottle is not None else 0.0
        reading = round(mass + noise, 1)
        if self.loadcell == "failed":
            values["weight"], values["weight_ok"] = 0.0, False
        elif self.loadcell == "stuck":
            values["weight"], values["weight_ok"] = self._stuck_at, True
        else:
            values["weight"], values["weight_ok"] = reading, True
            self._stuck_at = reading

    def observe(self) -> None:
        for monitor in self.monitors:
            monitor.observe(self)

    def act(self, dt: float) -> None:
        values, now = self.values, self.clock
        flowing = self._valve.step(values["fill_valve"], now)
        rate = self._flow * (0.5 if self.bowl_is_low else 1.0)
        self._air.append(rate * dt if flowing else 0.0)
        landed = self._air.popleft()
        end = round(now + dt, 9)
        bottle = self.bottle
        if bottle is None:
            self.spilled_g += landed
        elif landed:
            room = self.params.capacity_g - bottle.weight_g
            if landed > room:
                if not bottle.overflow_g:
                    self.log("overflow", f"bottle {bottle.number} overflowed", at=end)
                bottle.overflow_g += landed - room
                self.spilled_g += landed - room
                landed = room
            bottle.weight_g += landed
        if bottle is not None and values["release"]:
            self._leaving += dt
            if self._leaving >= RELEASE_S - EPS:
                self._depart(bottle, end, removed=False)
        else:
            self._leaving = 0.0
        if self.bottle is None and end >= max(self._next_arrival, self.supply_from) - EPS:
            self._arrive(end)

    def _arrive(self, now: float) -> None:
        p = self.params
        self.bottle = Bottle(len(self.bottles) + 1, now)
        self.bottles.append(self.bottle)
        self._flow = p.flow_g_s * (1.0 + self._bottles_rng.gauss(0.0, p.flow_spread))
        self._leaving = 0.0
        self.log("bottle", f"bottle {self.bottle.number} arrived", at=now)

    def _depart(self, bottle: Bottle, now: float, *, removed: bool) -> None:
        p = self.params
        bottle.left_s = now
        error = bottle.weight_g - p.target_g
        if removed:
            bottle.status = "removed"
        elif bottle.overflow_g:
            bottle.status = "overflow"
        elif bottle.weight_g < EMPTY_G:
            bottle.status = "empty"
        elif abs(error) <= p.tolerance_g:
            bottle.status = "ok"
        else:
            bottle.status = "under" if error < 0 else "over"
        self.bottle = None
        self._next_arrival = now + self._bottles_rng.uniform(*GAP_S)
        self.log(
            "bottle",
            f"bottle {bottle.number} left: {bottle.weight_g:.1f} g ({bottle.status})",
            at=now,
            weight_g=bottle.weight_g,
            status=bottle.status,
        )

    def bowl_low_between(self, start_s: float, end_s: float) -> None:
        """The bowl runs low from *start_s* until it is refilled at *end_s* (LSL-101 made,
        product flows at half rate meanwhile)."""
        self.at(start_s, lambda: setattr(self, "bowl_is_low", True))
        self.at(end_s, lambda: setattr(self, "bowl_is_low", False))

    def no_bottles_between(self, start_s: float, end_s: float) -> None:
        """The infeed brings no new bottle from *start_s* to *end_s* (the one under the head,
        if any, stays until released)."""
        self.at(start_s, lambda: setattr(self, "supply_from", max(self.supply_from, end_s)))

    def remove_bottle(self, *, away_s: float) -> None:
        """An operator takes the bottle away; the next arrives no sooner than *away_s*."""
        if self.bottle is not None:
            self._depart(self.bottle, self.clock, removed=True)
        self.supply_from = self.clock + away_s

    def report(self) -> dict[str, Any]:
        """Graded facts: the fills (bottles a fault did not interrupt), spills, throughput."""
        p = self.params
        done = [b for b in self.bottles if b.left_s is not None]
        judged = [b for b in done if not b.interrupted and b.status != "removed"]
        errors = [b.weight_g - p.target_g for b in judged if b.status != "empty"]
        count = {s: sum(b.status == s for b in judged) for s in ("ok", "under", "over")}
        minutes = self.clock / 60.0
        return {
            "time_s": self.clock,
            "target_g": p.target_g,
            "tolerance_g": p.tolerance_g,
            "bottles": len(done),
            "filled": len(errors),
            "in_tolerance": count["ok"],
            "underfilled": count["under"],
            "overfilled": count["over"],
            "overflows": sum(b.overflow_g > 0 for b in done),
            "empty": sum(b.status == "empty" for b in judged),
            "interrupted": sum(b.interrupted for b in done),
            "removed": sum(b.status == "removed" for b in done),
            "mean_error_g": sum(errors) / len(errors) if errors else None,
            "max_abs_error_g": max(map(abs, errors)) if errors else None,
            "spilled_g": round(self.spilled_g, 3),
            "good_per_min": count["ok"] / minutes if minutes else 0.0,
            "fills": [b.as_dict() for b in done],
        }


def _seeded(seed: int | str, scan_s: float) -> FillerParams:
    rng = random.Random(f"plcsim:filler:{seed}:params")  # noqa: S311
    n = NOMINAL
    fall = max(1, round(n.fall_s / scan_s)) * scan_s
    return replace(
        n,
        flow_g_s=round(n.flow_g_s * rng.uniform(0.85, 1.15), 3),
        open_lag_s=round(n.open_lag_s * rng.uniform(0.9, 1.1), 4),
        close_lag_s=round(n.close_lag_s * rng.uniform(0.95, 1.05), 4),
        fall_s=round(fall, 9),
    )

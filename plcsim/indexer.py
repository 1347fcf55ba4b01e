"""The Riverbend fill-and-cap indexer: a step-chain (SFC) machine for sequence labs.

An indexing conveyor carries bottles through four stations, one pitch per index: infeed
(``infeed_eye``), fill (``fill_eye``), cap (``cap_eye``) and outfeed, where the next index
pushes the bottle off the machine. A cycle of the sequence:

1. infeed: open ``infeed_gate`` (0.4 s) to let a waiting bottle onto the infeed station;
2. index: run ``index_motor`` until the cam switch ``index_home`` comes back on (about
   0.8 s a pitch; it goes off as the conveyor leaves home); a motor left running starts
   the next pitch;
3. fill: open ``fill_valve`` for the recipe's 1.5 s (good: within +/- 5 %) into the bottle
   at the fill station;
4. cap: extend the capper (``capper_extend``) until ``capper_down``, hold it down for
   0.4 s to screw the cap on, retract until ``capper_up``.

Fill and cap may run at the same time (an SFC simultaneous branch). Sequence errors are
recorded, not prevented: filling with no bottle or while indexing (product spilled),
capping with no bottle, indexing with the capper down (the bottle is crushed) or with the
gate open. With ``jams=True`` the indexer jams once during a move and the capper head
sticks once on its way down (seeded times); the logic must notice (a step that takes too
long: a TON watchdog), stop every motion, and wait for the operator to clear the jam and
press reset, then start.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from plcsim.scan import Machine, Point

EPS = 1e-9
HOME = 0.12  # the cam switch is on for the first 12 % of each pitch
FILL_TOLERANCE = 0.05  # a good fill is within 5 % of the recipe time
JAM_WITHIN_S = 3.0  # from the jam to every motion output off
MOTION = ("index_motor", "capper_extend", "fill_valve", "infeed_gate")


@dataclass(frozen=True)
class IndexerParams:
    pitch_s: float = 0.8  # one index (seeded +/- 10 %)
    gate_s: float = 0.4  # infeed gate open to a bottle on the infeed station
    stroke_s: float = 0.3  # capper head travel, up to down (seeded +/- 15 %)
    fill_s: float = 1.5  # recipe fill time at the valve's flow
    cap_dwell_s: float = 0.4  # capper held down to screw a cap on
    supply_s: tuple[float, float] = (1.0, 3.0)  # between bottles arriving at the infeed


NOMINAL = IndexerParams()


@dataclass
class Item:
    number: int
    fill_s: float = 0.0
    capped: bool = False
    crushed: bool = False
    status: str = ""
    left_s: float | None = None


class Indexer(Machine):
    NAME = "indexer"
    POINTS = (
        Point("infeed_eye", "in", description="photo-eye: a bottle on the infeed station"),
        Point("fill_eye", "in", description="photo-eye: a bottle at the fill station"),
        Point("cap_eye", "in", description="photo-eye: a bottle at the cap station"),
        Point("index_home", "in", description="cam switch: indexer at a pitch position"),
        Point("capper_up", "in", description="limit switch: capper head fully up"),
        Point("capper_down", "in", description="limit switch: capper head fully down"),
        Point("estop_ok", "in", description="E-stop circuit healthy"),
        Point("start_pb", "in", description="start pushbutton, True while pressed"),
        Point("stop_pb", "in", description="stop pushbutton, True while pressed"),
        Point("reset_pb", "in", description="reset pushbutton, True while pressed"),
        Point("infeed_gate", "out", description="infeed gate: open lets a bottle in"),
        Point("index_motor", "out", description="indexing conveyor motor: run"),
        Point("fill_valve", "out", description="fill valve: open"),
        Point("capper_extend", "out", description="capper cylinder: extend (head down)"),
        Point("running_lamp", "out", description="green lamp: running"),
        Point("fault_lamp", "out", description="red lamp: fault, reset needed"),
    )

    def __init__(
        self,
        seed: int | str = 0,
        *,
        scan_s: float = 0.01,
        start_at: float | None = 0.5,
        jams: bool = False,
    ) -> None:
        super().__init__(scan_s=scan_s, seed=seed)
        rng = random.Random(f"plcsim:indexer:{seed}:params")  # noqa: S311 (simulation)
        self.nominal = NOMINAL
        self.params = replace(
            NOMINAL,
            pitch_s=round(NOMINAL.pitch_s * rng.uniform(0.9, 1.1), 3),
            stroke_s=round(NOMINAL.stroke_s * rng.uniform(0.85, 1.15), 3),
        )
        self.field.update(estop_ok=True, start_pb=False, stop_pb=False, reset_pb=False)
        self._supply = random.Random(f"plcsim:indexer:{seed}:supply")  # noqa: S311
        self.slots: list[Item | None] = [None, None, None, None]
        self.items: list[Item] = []
        self.waiting = 2  # bottles queued at the infeed (at most 4)
        self._next_supply = self._supply.uniform(*NOMINAL.supply_s)
        self.progress = 0.0  # of the current pitch
        self.head = 0.0  # capper head: 0 up, 1 down
        self._gate = self._dwell = 0.0
        self._stroke_capped = False  # this stroke of the capper has put its cap on
        self.jammed: str | None = None  # "index" or "capper" while a jam holds
        self.errors: list[dict[str, Any]] = []
        self._errored: set[str] = set()  # errors already logged for the current action
        self.jams: list[JamMonitor] = []
        if start_at is not None:
            self.press(start_at, "start_pb")
        if jams:
            self.jams = [
                JamMonitor(self, "index", round(rng.uniform(15.0, 30.0), 2)),
                JamMonitor(self, "capper", round(rng.uniform(40.0, 55.0), 2)),
            ]

    def truth(self) -> IndexerParams:
        return self.params

    def sense(self) -> None:
        values = self.values
        values.update(self.field)
        home = self.progress < HOME
        values["index_home"] = home
        for i, name in enumerate(("infeed_eye", "fill_eye", "cap_eye")):
            values[name] = self.slots[i] is not None and home
        values["capper_up"] = self.head <= EPS
        values["capper_down"] = self.head >= 1 - EPS

    def observe(self) -> None:
        for jam in self.jams:
            jam.observe()

    def _error(self, key: str, message: str) -> None:
        """Record a sequence error once per occurrence (until its cause stops)."""
        if key not in self._errored:
            self._errored.add(key)
            self.errors.append({"time_s": self.clock, "error": key, "message": message})
            self.log("sequence-error", message, error=key)

    def act(self, dt: float) -> None:
        v, p = self.values, self.params
        home = self.progress < HOME
        self._supply_bottles(dt)
        self._infeed(v["infeed_gate"], home, dt)
        self._fill(v["fill_valve"], home, dt)
        self._cap(v["capper_extend"], home, dt)
        if v["index_motor"] and self.jammed != "index":
            if self.head > EPS:
                self._error("index-capper-down", "indexed with the capper head down: crushed")
                if self.slots[2] is not None:
                    self.slots[2].crushed = True
            self.progress += dt / p.pitch_s
            if self.progress >= 1 - EPS:
                self.progress = max(0.0, self.progress - 1)
                self._shift()
        else:
            self._errored.discard("index-capper-down")

    def _supply_bottles(self, dt: float) -> None:
        if self.clock + dt >= self._next_supply - EPS:
            self.waiting = min(4, self.waiting + 1)
            self._next_supply += self._supply.uniform(*self.params.supply_s)

    def _infeed(self, gate: bool, home: bool, dt: float) -> None:
        if not gate:
            self._gate = 0.0
            self._errored.discard("gate-indexing")
            return
        if not home:
            self._error("gate-indexing", "infeed gate open while indexing")
            return
        if self.slots[0] is None and self.waiting:
            self._gate += dt
            if self._gate >= self.params.gate_s - EPS:
                self.waiting -= 1
                self.slots[0] = Item(len(self.items) + 1)
                self.items.append(self.slots[0])
                self._gate = 0.0

    def _fill(self, valve: bool, home: bool, dt: float) -> None:
        if not valve:
            self._errored.difference_update({"fill-no-bottle", "fill-indexing"})
            return
        if not home:
            self._error("fill-indexing", "filled while indexing: product spilled")
        elif self.slots[1] is None:
            self._error("fill-no-bottle", "filled with no bottle at the fill station")
        else:
            self.slots[1].fill_s += dt

    def _cap(self, extend: bool, home: bool, dt: float) -> None:
        stroke = dt / self.params.stroke_s
        if self.jammed == "capper" and extend:
            self.head = min(self.head + stroke, 0.5)  # stuck half way down
        else:
            self.head = min(self.head + stroke, 1.0) if extend else max(self.head - stroke, 0.0)
        if self.head < 1 - EPS:
            self._dwell, self._stroke_capped = 0.0, False
            self._errored.discard("cap-no-bottle")
            return
        bottle = self.slots[2] if home else None
        if bottle is None:
            self._error("cap-no-bottle", "capped with no bottle at the cap station")
            return
        self._dwell += dt
        if self._dwell >= self.params.cap_dwell_s - EPS and not self._stroke_capped:
            self._stroke_capped = True
            if bottle.capped:
                self.errors.append({"time_s": self.clock, "error": "cap-twice"})
                self.log("sequence-error", "capped a bottle twice", error="cap-twice")
            bottle.capped = True

    def _shift(self) -> None:
        out = self.slots[3]
        self.slots = [None, *self.slots[:3]]
        if out is not None:
            out.left_s, out.status = round(self.clock, 9), self._judge(out)
            self.log("bottle", f"bottle {out.number} left: {out.status}", status=out.status)

    def _judge(self, item: Item) -> str:
        recipe = self.params.fill_s
        if item.crushed:
            return "crushed"
        if item.fill_s < EPS:
            return "empty"
        if item.fill_s < recipe * (1 - FILL_TOLERANCE) - EPS:
            return "underfilled"
        if item.fill_s > recipe * (1 + FILL_TOLERANCE) + EPS:
            return "overfilled"
        return "good" if item.capped else "uncapped"

    def report(self) -> dict[str, Any]:
        """Graded facts: bottles out and why any were rejected, errors, jams, throughput."""
        out = [item for item in self.items if item.left_s is not None]
        statuses = ("good", "empty", "underfilled", "overfilled", "uncapped", "crushed")
        minutes = self.clock / 60.0
        good = sum(item.status == "good" for item in out)
        return {
            "time_s": self.clock,
            "produced": len(out),
            "good": good,
            "rejects": {s: sum(i.status == s for i in out) for s in statuses[1:]},
            "good_per_min": good / minutes if minutes else 0.0,
            "sequence_errors": list(self.errors),
            "jams": [jam.result() for jam in self.jams],
            "bottles": [dict(vars(item)) for item in out],
        }


class JamMonitor:
    """Jams the indexer or the capper once, clears it when the operator can, and checks
    that the logic stopped every motion in time and waited for reset and start."""

    def __init__(self, machine: Indexer, kind: str, at: float) -> None:
        self.machine, self.kind = machine, kind
        self.struck_s: float | None = None
        self.stopped_s: float | None = None
        self.cleared_s: float | None = None
        self.reset_s: float | None = None
        self.start_s: float | None = None
        self.restarted_s: float | None = None
        self.resumed_s: float | None = None
        output = "index_motor" if kind == "index" else "capper_extend"
        machine.when(lambda: machine.values[output], self._strike, not_before=at, timeout=60.0)

    def _strike(self) -> None:
        m = self.machine
        m.jammed, self.struck_s = self.kind, m.clock
        m.log("jam", f"{self.kind} jammed", jam=self.kind)

    def _clear(self) -> None:
        m = self.machine
        m.jammed, self.cleared_s = None, m.clock
        m.log("jam", f"{self.kind} jam cleared by the operator", jam=self.kind)
        self.reset_s = round(m.clock + 1.0, 9)
        self.start_s = round(self.reset_s + 0.6, 9)
        m.press(self.reset_s, "reset_pb")
        m.press(self.start_s, "start_pb")

    def observe(self) -> None:
        if self.struck_s is None:
            return
        m = self.machine
        now, moving = m.clock, any(m.values[name] for name in MOTION)
        if self.stopped_s is None:
            if not moving:  # the operator clears the jam once the machine stands still
                self.stopped_s = now
                rng = random.Random(f"plcsim:indexer:{m.seed}:{self.kind}")  # noqa: S311
                m.at(now + round(rng.uniform(2.0, 4.0), 2), self._clear)
        elif self.reset_s is None or now < self.reset_s - EPS:
            if moving and self.restarted_s is None:
                self.restarted_s = now
        elif moving and self.resumed_s is None and now >= self.start_s - EPS:
            self.resumed_s = now

    def result(self) -> dict[str, Any]:
        stop_after = None
        if self.stopped_s is not None and self.struck_s is not None:
            stop_after = round(self.stopped_s - self.struck_s, 9)
        in_time = stop_after is not None and stop_after <= JAM_WITHIN_S + EPS
        return {
            "kind": self.kind,
            "struck_s": self.struck_s,
            "stopped_after_s": stop_after,
            "stopped_in_time": in_time,
            "cleared_s": self.cleared_s,
            "restarted_without_reset": self.restarted_s is not None,
            "resumed_s": self.resumed_s,
            "passed": in_time and self.restarted_s is None and self.resumed_s is not None,
        }

"""The filler's interlock scenario set: one fault per case, struck mid-fill, and the checks.

Each case runs a fresh Riverbend Filler (`plcsim.filler`) under the learner's logic. The
operator presses start at 0.5 s; from a seeded time on, the fault strikes at the first
scan at which the fill valve is open and the bottle holds a seeded 20-70 % of its target
(or 20 s later regardless). Then, with seeded delays:

- the operator presses reset while the fault is still there (not for a stuck load cell,
  which nothing but the weight shows): the logic must ignore it;
- the fault clears (door closed, E-stop released, a new bottle, the bowl refilled, the
  load cell repaired);
- the operator presses reset, then start: production should resume.

The checks: the outputs reach the filler's safe state (fill valve shut, gate shut) within
`SAFE_WITHIN_SCANS` scans of the fault (within `STUCK_WITHIN_S` for a stuck load cell,
which the logic must detect, e.g. a weight that does not change while filling), stay there
until the reset after the fault cleared (leaving it earlier, while the fault is active or
after it cleared, is an automatic restart), and the valve opens again after reset and
start.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plcsim.filler import Filler

FAULTS = ("guard_open", "estop", "bottle_removed", "bowl_low", "loadcell_failed", "loadcell_stuck")
SAFE_WITHIN_SCANS = 2  # a fault the inputs show: the 0th scan is the fault's own
STUCK_WITHIN_S = 1.0  # a stuck load cell must be noticed first
RESUME_WITHIN_S = 8.0  # after the start press that follows the reset


@dataclass(frozen=True)
class FaultCase:
    """One case of the set: which fault, and the operator's seeded timing (seconds)."""

    kind: str
    arm_s: float  # the fault strikes mid-fill from this time on
    fill_fraction: float  # ... once the bottle holds this share of the target
    early_reset_s: float | None  # reset pressed this long after the fault (still active)
    lasts_s: float  # the fault clears this long after it struck
    reset_s: float  # reset pressed this long after it cleared
    start_s: float = 0.6  # start pressed this long after the reset


def cases(seed: int | str) -> list[FaultCase]:
    """The seed's scenario set: one case per kind of fault, in `FAULTS` order."""
    out = []
    for kind in FAULTS:
        rng = random.Random(f"plcsim:interlocks:{seed}:{kind}")  # noqa: S311 (simulation)
        lasts = round(rng.uniform(2.0, 4.0), 2)
        early = None if kind == "loadcell_stuck" else round(rng.uniform(0.3, 0.5) * lasts, 2)
        out.append(
            FaultCase(
                kind,
                arm_s=round(rng.uniform(6.0, 14.0), 2),
                fill_fraction=round(rng.uniform(0.2, 0.7), 3),
                early_reset_s=early,
                lasts_s=lasts,
                reset_s=round(rng.uniform(1.0, 2.0), 2),
            )
        )
    return out


class SafetyMonitor:
    """Strikes one fault on a filler and watches how the logic's outputs answer it."""

    def __init__(self, filler: Filler, case: FaultCase) -> None:
        self.filler, self.case = filler, case
        self.struck_s: float | None = None
        self.struck_scan = 0
        self.mid_fill = False
        self.cleared_s: float | None = None
        self.reset_s: float | None = None  # the reset that counts: after the clear
        self.start_s: float | None = None
        self.safe_scan: int | None = None
        self.left_safe_s: float | None = None
        self.left_while_active = False
        self.resumed_s: float | None = None
        filler.monitors.append(self)
        target = case.fill_fraction * filler.params.target_g
        filler.when(
            lambda: (
                filler.valve_open and filler.bottle is not None and filler.bottle.weight_g >= target
            ),
            lambda: self._strike(mid_fill=True),
            not_before=case.arm_s,
            timeout=20.0,
            on_timeout=lambda: self._strike(mid_fill=False),
        )

    @property
    def done(self) -> bool:
        """Has the case run its course (the valve back open, or given up on)?"""
        if self.start_s is None:
            return False
        return self.resumed_s is not None or self.filler.clock >= self.start_s + RESUME_WITHIN_S

    def _strike(self, *, mid_fill: bool) -> None:
        f, case = self.filler, self.case
        self.struck_s, self.struck_scan, self.mid_fill = f.clock, f.scan.number, mid_fill
        if f.bottle is not None:
            f.bottle.interrupted = True
        f.log("fault", f"{case.kind} struck", fault=case.kind, mid_fill=mid_fill)
        self._apply(True)
        now = f.clock
        if case.early_reset_s is not None:
            f.press(now + case.early_reset_s, "reset_pb")
        if case.kind == "bottle_removed":  # it clears when the next bottle arrives
            f.when(lambda: f.bottle is not None, self._clear, not_before=now + case.lasts_s)
        else:
            f.at(now + case.lasts_s, lambda: (self._apply(False), self._clear()))

    def _apply(self, active: bool) -> None:
        f, kind = self.filler, self.case.kind
        if kind == "guard_open":
            f.field["guard_closed"] = not active
        elif kind == "estop":
            f.field["estop_ok"] = not active
        elif kind == "bottle_removed" and active:
            f.remove_bottle(away_s=self.case.lasts_s)
        elif kind == "bowl_low":
            f.bowl_is_low = active
        elif kind in ("loadcell_failed", "loadcell_stuck"):
            f.loadcell = kind.removeprefix("loadcell_") if active else "ok"

    def _clear(self) -> None:
        f = self.filler
        self.cleared_s = f.clock
        f.log("fault", f"{self.case.kind} cleared", fault=self.case.kind)
        f.at(f.clock + self.case.reset_s, self._reset)

    def _reset(self) -> None:
        f = self.filler
        self.reset_s = f.clock
        f.press(f.clock, "reset_pb")
        self.start_s = round(f.clock + self.case.start_s, 9)
        f.press(self.start_s, "start_pb")

    def observe(self, filler: Filler) -> None:
        if self.struck_s is None:
            return
        values = filler.values
        safe = not values["fill_valve"] and not values["release"]
        if self.reset_s is None:
            if safe and self.safe_scan is None:
                self.safe_scan = filler.scan.number
            elif not safe and self.safe_scan is not None and self.left_safe_s is None:
                self.left_safe_s = filler.clock
                self.left_while_active = self.cleared_s is None
        elif self.start_s is not None and values["fill_valve"] and self.resumed_s is None:
            self.resumed_s = filler.clock

    def result(self) -> dict[str, Any]:
        """The case's graded facts; ``passed`` when all the checks hold."""
        f, case = self.filler, self.case
        allowed = (
            round(STUCK_WITHIN_S / f.scan_s) if case.kind == "loadcell_stuck" else SAFE_WITHIN_SCANS
        )
        scans = None if self.safe_scan is None else self.safe_scan - self.struck_scan
        in_time = scans is not None and scans <= allowed
        held = self.safe_scan is not None and self.left_safe_s is None
        return {
            "kind": case.kind,
            "struck_s": self.struck_s,
            "mid_fill": self.mid_fill,
            "cleared_s": self.cleared_s,
            "reset_s": self.reset_s,
            "safe_after_scans": scans,
            "safe_after_s": None if scans is None else round(scans * f.scan_s, 9),
            "allowed_scans": allowed,
            "safe_in_time": in_time,
            "held_until_reset": held,
            "left_safe_s": self.left_safe_s,
            "left_while_active": self.left_safe_s is not None and self.left_while_active,
            "restarted_without_reset": self.left_safe_s is not None and not self.left_while_active,
            "resumed_s": self.resumed_s,
            "passed": bool(self.mid_fill and in_time and held and self.resumed_s is not None),
        }


def fault_scenario(seed: int | str, kind: str, *, scan_s: float = 0.01) -> Filler:
    """A filler set up for one case of the seed's set (`cases`), ready to `run`; its
    ``report()`` gains an ``interlock`` entry with the case's result."""
    if kind not in FAULTS:
        raise ValueError(f"unknown fault {kind!r}; faults: {', '.join(FAULTS)}")
    case = next(c for c in cases(seed) if c.kind == kind)
    filler = _CaseFiller(seed, scan_s=scan_s)
    filler.monitor = SafetyMonitor(filler, case)
    return filler


class _CaseFiller(Filler):
    monitor: SafetyMonitor

    def report(self) -> dict[str, Any]:
        return {**super().report(), "interlock": self.monitor.result()}


def check_interlocks(
    logic: Callable[..., Any], seed: int | str, *, scan_s: float = 0.01, limit_s: float = 90.0
) -> dict[str, Any]:
    """Run every case of the seed's set under *logic*: ``{"passed": bool, "cases": [...]}``,
    one `SafetyMonitor.result` per case. A `LogicError` in any case propagates."""
    results = []
    for kind in FAULTS:
        filler = fault_scenario(seed, kind, scan_s=scan_s)
        while not filler.monitor.done and filler.clock < limit_s:
            filler.run(1.0, logic)
        results.append(filler.monitor.result())
    return {"passed": all(r["passed"] for r in results), "cases": results}

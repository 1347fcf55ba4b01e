"""The parts of a packaging line: unit specifications, buffers, scheduled events, unit state.

Also the line's tables: the power each PackML state draws, how long each acting state takes,
and the stop reasons a unit records in ``Admin.StopReason``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from plcsim.packml import Command, State, StateMachine
from plcsim.tags import Counter

# Power drawn in each PackML state, as a fraction of the unit's running power: drives and
# heaters work hardest while producing and while ramping up or braking, least when stopped.
POWER_SHARE = {
    State.UNDEFINED: 0.1,
    State.CLEARING: 0.3,
    State.STOPPED: 0.1,
    State.STARTING: 0.6,
    State.IDLE: 0.3,
    State.SUSPENDED: 0.35,
    State.EXECUTE: 1.0,
    State.STOPPING: 0.4,
    State.ABORTING: 0.4,
    State.ABORTED: 0.1,
    State.HOLDING: 0.5,
    State.HELD: 0.35,
    State.UNHOLDING: 0.6,
    State.SUSPENDING: 0.5,
    State.UNSUSPENDING: 0.6,
    State.RESETTING: 0.3,
    State.COMPLETING: 0.5,
    State.COMPLETE: 0.2,
}
ACTING_SECONDS = {  # how long each acting state takes before its state complete
    State.RESETTING: 4,
    State.STARTING: 6,
    State.STOPPING: 3,
    State.ABORTING: 1,
    State.CLEARING: 2,
    State.HOLDING: 2,
    State.UNHOLDING: 3,
    State.SUSPENDING: 1,
    State.UNSUSPENDING: 2,
    State.COMPLETING: 5,
}
# Admin.StopReason: set when a unit leaves EXECUTE, held for the whole stop, 0 while running.
STARVED, BLOCKED, MATERIAL_CHANGE = 1, 2, 3
END_OF_PRODUCTION, BREAK, CHANGEOVER = 20, 21, 22
STOP_REASONS = {
    0: "Start-up",
    STARVED: "Starved (no bottles in)",
    BLOCKED: "Blocked (outfeed full)",
    MATERIAL_CHANGE: "Material change (labels, blanks)",
    END_OF_PRODUCTION: "End of production",
    BREAK: "Break",
    CHANGEOVER: "Changeover",
    101: "Drive fault",
    102: "Product jam",
    103: "Guard door opened",
    104: "Low air pressure",
    105: "Emergency stop",
    106: "Sensor fault",
    107: "Motor overload",
}
# Buffer-level speed control, as on a real line: a unit slows down as its infeed buffer runs
# low or its outfeed buffer fills, so it does not stop and start all day.
LOW_FILL, HIGH_FILL, MIN_FACTOR = 0.25, 0.75, 0.5
RESTART_FILL = 0.1  # a starved unit restarts at this fill, a blocked one at 1 - this


@dataclass
class UnitSpec:
    name: str
    design_speed: float  # units per minute at full speed (PackTags MachDesignSpeed)
    power_kw: float  # electrical power while executing
    defect_rate: float = 0.01  # share of output rejected (taken off the line)
    pack_size: int = 1  # upstream items each unit made consumes (12 bottles in a case)
    external_stop_per_hour: float = 0.0  # first unit: supply gaps; last unit: outfeed full
    fault_per_hour: float = 0.3  # faults that abort the unit
    repair_minutes: tuple[float, float] = (4.0, 20.0)
    microstop_per_hour: float = 6.0  # short pauses at zero speed, still in EXECUTE
    microstop_seconds: tuple[float, float] = (3.0, 30.0)
    slowdown_per_hour: float = 0.5  # periods the operator runs the unit at reduced speed
    slowdown_minutes: tuple[float, float] = (3.0, 15.0)
    slowdown_factor: tuple[float, float] = (0.7, 0.9)
    material_change_minutes: float = 0.0  # a HOLD to change labels/blanks this often; 0: never
    material_change_seconds: tuple[float, float] = (45.0, 150.0)


@dataclass
class Buffer:
    """An accumulation conveyor between two units, counted in upstream items."""

    capacity: int
    level: int = 0

    def __post_init__(self) -> None:
        if self.capacity <= 0 or not 0 <= self.level <= self.capacity:
            raise ValueError("a buffer needs a positive capacity and 0 <= level <= capacity")

    @property
    def fill(self) -> float:
        return self.level / self.capacity


@dataclass(order=True)
class Event:
    at: float  # seconds from the start
    unit: str = field(compare=False)  # unit name, or "*" for every unit
    command: Command = field(compare=False)
    reason: int = field(default=0, compare=False)  # stop reason recorded with the command
    product: str | None = field(default=None, compare=False)  # set by a changeover's reset
    repair_s: float | None = field(default=None, compare=False)  # a fault, not a command


@dataclass
class Unit:
    spec: UnitSpec
    rng: random.Random
    machine: StateMachine = field(default_factory=StateMachine)
    produced: Counter = field(default_factory=Counter)
    defective: Counter = field(default_factory=Counter)
    infeed: Buffer | None = None
    outfeed: Buffer | None = None
    energy_kwh: float = 0.0
    speed: float = 0.0  # current machine speed, units per minute
    fraction: float = 0.0  # part of a unit made but not yet counted
    timer: float = 0.0  # seconds spent in the current state before this scan
    repair_left: float = 0.0
    stop_reason: int = 0
    product: str = "default"
    recovering: bool = False  # restarting itself after a fault (no operator stop since)
    pending: tuple[Command, int] | None = None  # an operator command waiting to apply
    release_at: float | None = None  # end of a material-change hold
    blocked_until: float = 0.0  # end of an external starved/blocked stop
    pause_until: float = 0.0  # end of a micro-stop
    slow_until: float = 0.0
    slow_factor: float = 1.0
    next_change: float | None = None  # when the next material change is due

    def flow_ok(self) -> bool:
        """Enough material in, and room out, for a suspended unit to run again."""
        infeed, outfeed = self.infeed, self.outfeed
        if infeed is not None and infeed.level < max(
            self.spec.pack_size, RESTART_FILL * infeed.capacity
        ):
            return False
        return outfeed is None or outfeed.level <= (1 - RESTART_FILL) * outfeed.capacity

    def target_speed(self, clock: float) -> float:
        """The speed the drive aims at while executing, after losses and buffer control."""
        if clock < self.pause_until:
            return 0.0
        factor = self.slow_factor if clock < self.slow_until else 1.0
        if self.infeed is not None and self.infeed.fill < LOW_FILL:
            factor = min(factor, MIN_FACTOR + (1 - MIN_FACTOR) * self.infeed.fill / LOW_FILL)
        if self.outfeed is not None and self.outfeed.fill > HIGH_FILL:
            room = (1 - self.outfeed.fill) / (1 - HIGH_FILL)
            factor = min(factor, MIN_FACTOR + (1 - MIN_FACTOR) * room)
        return self.spec.design_speed * factor

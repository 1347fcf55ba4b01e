"""A packaging line of PackML units, stepped on a simulated clock, one scan at a time.

Every random choice comes from a stream seeded by (scenario seed, unit name), so a run is
the same on every machine, and each learner's seed gives them their own data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from plcsim.alarms import Alarm, AlarmEvent, AlarmState
from plcsim.historian import Historian, SensorLog
from plcsim.packml import Command, Mode, State, StateMachine
from plcsim.sensors import Sensor
from plcsim.tags import Counter, Quality, Tag

# Power drawn in each kind of state, as a fraction of the unit's running power.
POWER_SHARE = {
    State.EXECUTE: 1.0,
    State.STARTING: 0.6,
    State.COMPLETING: 0.5,
    State.IDLE: 0.3,
    State.SUSPENDED: 0.35,
    State.HELD: 0.35,
    State.RESETTING: 0.3,
}
STANDBY_SHARE = 0.1  # stopped, aborted and the rest
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


@dataclass
class UnitSpec:
    name: str
    design_speed: float  # units per minute at full speed (PackTags MachDesignSpeed)
    power_kw: float  # electrical power while executing
    defect_rate: float = 0.01  # share of output rejected
    microstop_per_hour: float = 4.0  # starved/blocked suspensions
    fault_per_hour: float = 0.3  # faults that abort the unit
    repair_minutes: tuple[float, float] = (4.0, 20.0)


@dataclass
class Event:
    at: float  # seconds from the start
    unit: str  # unit name, or "*" for every unit
    command: Command
    reason: int = 0  # stop reason id recorded with the command


@dataclass
class Unit:
    spec: UnitSpec
    rng: random.Random
    machine: StateMachine = field(default_factory=StateMachine)
    produced: Counter = field(default_factory=Counter)
    defective: Counter = field(default_factory=Counter)
    energy_kwh: float = 0.0
    speed: float = 0.0  # current machine speed, units per minute
    fraction: float = 0.0  # part of a unit made but not yet counted
    timer: float = 0.0  # seconds spent in the current state
    repair_left: float = 0.0
    stop_reason: int = 0
    blocked_until: float = 0.0


class Line:
    def __init__(
        self,
        specs: list[UnitSpec],
        *,
        seed: int,
        path: str = "Riverbend/Packaging/Line1",
        resolution: float = 1.0,
        grid_kg_per_kwh: float = 0.4,
    ) -> None:
        if resolution <= 0 or resolution > 60:
            raise ValueError("resolution must be more than 0 and at most 60 seconds")
        if not specs:
            raise ValueError("a line needs at least one unit")
        for spec in specs:
            if spec.design_speed <= 0 or spec.power_kw < 0 or not 0 <= spec.defect_rate < 1:
                raise ValueError(f"impossible parameters for unit {spec.name!r}")
        if grid_kg_per_kwh < 0:
            raise ValueError("the grid emission factor cannot be negative")
        self.seed = seed
        self.path = path
        self.resolution = resolution
        self.grid_kg_per_kwh = grid_kg_per_kwh
        self.units = {
            # Simulation streams, not security: seeded per unit so runs repeat exactly.
            spec.name: Unit(spec, random.Random(f"plcsim:{seed}:{spec.name}"))  # noqa: S311
            for spec in specs
        }
        self.clock = 0.0
        self.events: list[Event] = []
        self.historian = Historian()
        self.sensors: list[tuple[Sensor, Callable[[Line, float], float]]] = []
        self.readings: dict[str, float | None] = {}
        self.sensor_log = SensorLog()
        self.alarms: list[Alarm] = []
        self.alarm_log: list[AlarmEvent] = []
        self._operator = random.Random(f"plcsim:{seed}:operator")  # noqa: S311
        self._sensor_rng = random.Random(f"plcsim:{seed}:sensors")  # noqa: S311
        self._ack_due: dict[str, float] = {}

    def add_sensor(self, sensor: Sensor, process: Callable[[Line, float], float]) -> None:
        """Read *sensor* every scan; *process* gives the true value at a time."""
        self.sensors.append((sensor, process))

    def add_alarm(self, alarm: Alarm) -> None:
        if alarm.tag not in {sensor.tag for sensor, _ in self.sensors}:
            raise ValueError(f"alarm {alarm.id!r} watches unknown tag {alarm.tag!r}")
        self.alarms.append(alarm)

    def schedule(self, at: float, unit: str, command: Command, reason: int = 0) -> None:
        """Send *command* to *unit* ("*" for all) at *at* seconds from the start."""
        if at < 0:
            raise ValueError("an event cannot happen before the start")
        if unit != "*" and unit not in self.units:
            raise ValueError(f"unknown unit {unit!r}; units: {', '.join(self.units)}")
        self.events.append(Event(at, unit, command, reason))
        self.events.sort(key=lambda e: e.at)

    def start_production(self, at: float = 0.0) -> None:
        """The usual start-up: reset every unit, then start it once it is idle."""
        self.schedule(at, "*", Command.RESET)
        self.schedule(at + ACTING_SECONDS[State.RESETTING] + self.resolution, "*", Command.START)

    def run(self, seconds: float) -> Historian:
        """Advance the line by *seconds* of simulated time, recording every scan."""
        if seconds < 0:
            raise ValueError("the duration cannot be negative")
        if seconds > 31 * 24 * 3600:
            raise ValueError("simulate at most 31 days at a time")
        end = self.clock + seconds
        dt = self.resolution
        while self.clock < end - 1e-9:
            self._apply_events()
            for unit in self.units.values():
                self._scan(unit, dt)
            self.clock += dt
            self._record()
            self._read_sensors()
        return self.historian

    def _apply_events(self) -> None:
        while self.events and self.events[0].at <= self.clock + 1e-9:
            event = self.events.pop(0)
            targets = self.units.values() if event.unit == "*" else [self.units[event.unit]]
            for unit in targets:
                try:
                    unit.machine.command(event.command)
                except ValueError:
                    continue  # like a PLC, ignore a command that does not apply
                unit.timer = 0.0
                unit.stop_reason = event.reason or unit.stop_reason

    def _scan(self, unit: Unit, dt: float) -> None:
        """One PLC scan: read the process, run the unit's logic, write its outputs."""
        machine, spec = unit.machine, unit.spec
        unit.timer += dt
        state = machine.state
        if not state.is_wait and unit.timer >= ACTING_SECONDS.get(state, 1):
            machine.state_complete()
            unit.timer = 0.0
        elif state is State.EXECUTE:
            self._execute(unit, dt)
        elif state is State.SUSPENDED and self.clock >= unit.blocked_until:
            machine.command(Command.UNSUSPEND)
            unit.timer = 0.0
        elif state is State.ABORTED:
            unit.repair_left -= dt
            if unit.repair_left <= 0:
                machine.command(Command.CLEAR)
                unit.timer = 0.0
        elif state is State.STOPPED and unit.stop_reason >= 100:  # recovering from a fault
            machine.command(Command.RESET)
            unit.timer = 0.0
        elif state is State.IDLE and unit.stop_reason >= 100:
            machine.command(Command.START)
            unit.stop_reason = 0
            unit.timer = 0.0
        target = spec.design_speed if machine.state is State.EXECUTE else 0.0
        unit.speed += (target - unit.speed) * min(1.0, dt / 5.0)  # ramps like a drive
        share = POWER_SHARE.get(machine.state, STANDBY_SHARE)
        unit.energy_kwh += spec.power_kw * share * dt / 3600.0

    def _execute(self, unit: Unit, dt: float) -> None:
        spec, rng = unit.spec, unit.rng
        if rng.random() < spec.fault_per_hour * dt / 3600.0:
            unit.machine.command(Command.ABORT)
            unit.repair_left = rng.uniform(*spec.repair_minutes) * 60.0
            unit.stop_reason = 100 + rng.randrange(1, 8)  # fault codes 101-107
            unit.timer = 0.0
            return
        if rng.random() < spec.microstop_per_hour * dt / 3600.0:
            unit.machine.command(Command.SUSPEND)
            unit.blocked_until = self.clock + rng.uniform(10.0, 120.0)
            unit.stop_reason = 1 + rng.randrange(2)  # 1 starved, 2 blocked
            unit.timer = 0.0
            return
        jitter = 1.0 + rng.gauss(0.0, 0.02)
        unit.fraction += max(0.0, unit.speed * jitter * dt / 60.0)
        made = int(unit.fraction)
        unit.fraction -= made
        if made:
            bad = sum(1 for _ in range(made) if rng.random() < spec.defect_rate)
            unit.produced.add(made)
            unit.defective.add(bad)

    def _record(self) -> None:
        for name, unit in self.units.items():
            self.historian.append(
                self.clock,
                name,
                int(unit.machine.state),
                round(unit.speed, 3),
                unit.produced.count,
                unit.produced.total,
                unit.defective.total,
                round(unit.energy_kwh, 6),
                unit.stop_reason,
            )

    def _read_sensors(self) -> None:
        for sensor, process in self.sensors:
            value, quality = sensor.read(process(self, self.clock), self.clock, self._sensor_rng)
            self.readings[sensor.tag] = value
            self.sensor_log.append(self.clock, sensor.tag, value, str(quality))
        for alarm in self.alarms:
            value = self.readings.get(alarm.tag)
            if value is not None:
                before = alarm.state
                alarm.update(value, self.clock, self.alarm_log)
                if alarm.state is AlarmState.UNACKNOWLEDGED and before is not alarm.state:
                    # The operator answers after a while: seconds to a few minutes.
                    self._ack_due[alarm.id] = self.clock + self._operator.expovariate(1 / 90)
            due = self._ack_due.get(alarm.id)
            if due is not None and self.clock >= due:
                alarm.acknowledge(self.clock, self.alarm_log, value or 0.0)
                del self._ack_due[alarm.id]

    def tags(self) -> dict[str, Tag]:
        """The live tag table, named by ISA-95 path and PackTags group."""
        out: dict[str, Tag] = {}
        for name, unit in self.units.items():
            base = f"{self.path}/{name}"
            values = {
                "Status/StateCurrent": (int(unit.machine.state), ""),
                "Status/UnitModeCurrent": (int(unit.machine.mode), ""),
                "Status/CurMachSpeed": (round(unit.speed, 3), "units/min"),
                "Admin/MachDesignSpeed": (unit.spec.design_speed, "units/min"),
                "Admin/ProdProcessedCount": (unit.produced.count, "units"),
                "Admin/ProdDefectiveCount": (unit.defective.count, "units"),
                "Admin/StopReason": (unit.stop_reason, ""),
                "Energy/kWh": (round(unit.energy_kwh, 6), "kWh"),
                "Energy/CO2e": (round(unit.energy_kwh * self.grid_kg_per_kwh, 6), "kg"),
            }
            for key, (value, unit_name) in values.items():
                out[f"{base}/{key}"] = Tag(
                    f"{base}/{key}", value, self.clock, Quality.GOOD, unit_name
                )
        return out

    def set_mode(self, unit: str, mode: Mode) -> None:
        self.units[unit].machine.mode = mode

"""A packaging line of PackML units, stepped on a simulated clock, one scan at a time.

Material flows from unit to unit through accumulation conveyors (buffers): a unit whose
infeed buffer runs empty is starved, one whose outfeed buffer is full is blocked, and both
suspend until material (or space) returns. Every random choice comes from a stream seeded by
(scenario seed, unit name), so a run is the same on every machine, and each learner's seed
gives them their own data.

Each scan at clock time t reads the inputs (sensors) at t, runs every unit's logic in line
order, and records one historian row per unit stamped t: the state, speed and counters that
scan wrote, which hold until the next scan at t + resolution. The first row is at t = 0.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterable, Mapping

from plcsim.alarms import Alarm, AlarmEvent, AlarmState
from plcsim.historian import Historian, SensorLog
from plcsim.packml import Command, IllegalCommand, Mode, State
from plcsim.sensors import Sensor
from plcsim.tags import Counter, Quality, Tag
from plcsim.units import (
    ACTING_SECONDS,
    BLOCKED,
    BREAK,
    CHANGEOVER,
    END_OF_PRODUCTION,
    MATERIAL_CHANGE,
    POWER_SHARE,
    STARVED,
    STOP_REASONS,
    Buffer,
    Event,
    Unit,
    UnitSpec,
)

__all__ = ["ACTING_SECONDS", "POWER_SHARE", "STOP_REASONS", "Buffer", "Event", "Line", "UnitSpec"]


class Line:
    def __init__(
        self,
        specs: list[UnitSpec],
        *,
        seed: int,
        buffers: list[Buffer] | None = None,
        path: str = "Riverbend/Packaging/Line1",
        resolution: float = 1.0,
        grid_kg_per_kwh: float = 0.4,
        counter_start: Mapping[str, int] | None = None,
    ) -> None:
        """*counter_start* gives, by unit name, where a unit's 16-bit production counter
        (``produced_count``, ``Admin/ProdProcessedCount``) stood when the run began; the
        others start at 0. ``produced_total`` counts from 0 either way."""
        if not 0 < resolution <= 60:  # written so that NaN fails too
            raise ValueError("resolution must be more than 0 and at most 60 seconds")
        if not specs:
            raise ValueError("a line needs at least one unit")
        for spec in specs:
            if spec.design_speed <= 0 or spec.power_kw < 0 or not 0 <= spec.defect_rate < 1:
                raise ValueError(f"impossible parameters for unit {spec.name!r}")
            if spec.pack_size < 1:
                raise ValueError(f"unit {spec.name!r} needs a pack size of at least 1")
        if not grid_kg_per_kwh >= 0:
            raise ValueError("the grid emission factor cannot be negative")
        if buffers is None:  # four minutes of the downstream unit's intake, a third full
            buffers = [
                Buffer(cap := round(4 * s.design_speed * s.pack_size), cap // 3) for s in specs[1:]
            ]
        if len(buffers) != len(specs) - 1:
            raise ValueError("a line needs one buffer between each pair of units")
        self.seed = seed
        self.path = path
        self.resolution = resolution
        self.grid_kg_per_kwh = grid_kg_per_kwh
        self.buffers = buffers
        self.initial_levels = [buffer.level for buffer in buffers]
        self.units = {
            # Simulation streams, not security: seeded per unit so runs repeat exactly.
            spec.name: Unit(spec, random.Random(f"plcsim:{seed}:{spec.name}"))  # noqa: S311
            for spec in specs
        }
        for name, start in (counter_start or {}).items():
            if name not in self.units:
                raise ValueError(f"unknown unit {name!r}; units: {', '.join(self.units)}")
            self.units[name].produced = Counter(start=start)
        for i, unit in enumerate(self.units.values()):
            unit.infeed = buffers[i - 1] if i else None
            unit.outfeed = buffers[i] if i < len(buffers) else None
            if unit.spec.material_change_minutes > 0:
                unit.next_change = unit.rng.uniform(0.3, 1.0) * unit.spec.material_change_minutes
                unit.next_change *= 60.0
        self.clock = 0.0
        self.events: list[Event] = []
        self.windows: list[tuple[float, float, frozenset[str], str]] = []
        self.historian = Historian()
        self.sensors: list[tuple[Sensor, Callable[[Line, float], float]]] = []
        self.setpoints: dict[str, Callable[[float], float]] = {}
        self.readings: dict[str, tuple[float | None, Quality]] = {}
        self.sensor_log = SensorLog()
        self.alarms: list[Alarm] = []
        self.alarm_log: list[AlarmEvent] = []
        self._operator = random.Random(f"plcsim:{seed}:operator")  # noqa: S311
        self._sensor_rng = random.Random(f"plcsim:{seed}:sensors")  # noqa: S311
        self._ack_due: dict[str, float] = {}

    # Configuration and scheduling ------------------------------------------------------

    def add_sensor(
        self,
        sensor: Sensor,
        process: Callable[[Line, float], float],
        *,
        setpoint: Callable[[float], float] | None = None,
    ) -> None:
        """Read *sensor* every scan; *process* gives the true value at a time.

        *setpoint*, if given, is the recipe value at a time: the historian logs it beside
        each reading and the tag table serves it under the unit's ``Recipe`` group.
        """
        self.sensors.append((sensor, process))
        if setpoint is not None:
            self.setpoints[sensor.tag] = setpoint

    def add_alarm(self, alarm: Alarm) -> None:
        if alarm.tag not in {sensor.tag for sensor, _ in self.sensors}:
            raise ValueError(f"alarm {alarm.id!r} watches unknown tag {alarm.tag!r}")
        self.alarms.append(alarm)

    def _check_unit(self, unit: str) -> None:
        if unit != "*" and unit not in self.units:
            raise ValueError(f"unknown unit {unit!r}; units: {', '.join(self.units)}")

    def schedule(
        self, at: float, unit: str, command: Command, reason: int = 0, *, product: str | None = None
    ) -> None:
        """Send *command* to *unit* ("*" for all) at *at* seconds from the start."""
        self._add(Event(at, unit, command, reason, product))

    def _add(self, event: Event) -> None:
        if not event.at >= 0:
            raise ValueError(f"an event cannot happen before the start (at {event.at!r} s)")
        self._check_unit(event.unit)
        bisect.insort_right(self.events, event)  # after any event at the same time

    def fault(self, at: float, unit: str, code: int = 101, repair_minutes: float = 5.0) -> None:
        """Make *unit* fault at *at* seconds, as a random fault would: abort, repair, restart."""
        if not 101 <= code <= 199:
            raise ValueError("fault codes are 101 to 199")
        if not repair_minutes >= 0:
            raise ValueError("the repair time cannot be negative")
        self._add(Event(at, unit, Command.ABORT, code, repair_s=repair_minutes * 60.0))

    def start_production(self, at: float = 0.0) -> None:
        """The usual start-up: reset every unit, then start it once it is idle."""
        self.schedule(at, "*", Command.RESET)
        self.schedule(at + ACTING_SECONDS[State.RESETTING] + self.resolution, "*", Command.START)

    def _reserve(self, start: float, end: float, unit: str, label: str) -> None:
        """Book a planned stop window, refusing one that overlaps another on the same unit."""
        if not start >= 0:
            raise ValueError(f"the {label} cannot start before the start of the run")
        if not end > start:
            raise ValueError(f"the {label} must last a positive time ({start:g}-{end:g} s)")
        units = frozenset(self.units) if unit == "*" else frozenset({unit})
        for other_start, other_end, other_units, other in self.windows:
            if start < other_end and other_start < end and units & other_units:
                raise ValueError(
                    f"the {label} at {start:g}-{end:g} s overlaps the {other} at "
                    f"{other_start:g}-{other_end:g} s"
                )
        self.windows.append((start, end, units, label))

    def changeover(self, at: float, unit: str, minutes: float, *, product: str) -> None:
        """Change *unit* ("*" for the whole line) over to *product*: stop, change, restart.

        The unit stops at *at* seconds with stop reason Changeover, stays stopped for
        *minutes*, then resets (now making *product*) and starts again.
        """
        self._check_unit(unit)
        if not minutes > 0:
            raise ValueError("a changeover takes a positive number of minutes")
        end = at + minutes * 60.0
        self._reserve(at, end, unit, f"changeover of {unit}")
        self.schedule(at, unit, Command.STOP, CHANGEOVER)
        self.schedule(end, unit, Command.RESET, product=product)
        self.schedule(end + ACTING_SECONDS[State.RESETTING] + self.resolution, unit, Command.START)

    def shift_pattern(
        self,
        shifts: Iterable[tuple[float, float]],
        breaks: Iterable[tuple[float, float]] = (),
    ) -> None:
        """Run the line in *shifts* with *breaks*, each a (start, end) pair in seconds.

        Each shift resets and starts every unit and ends with a stop (End of production);
        each break, which must lie inside a shift, holds every unit (Break) and unholds it.
        """
        shifts, breaks = sorted(shifts), sorted(breaks)
        for start, end in shifts:
            if not 0 <= start < end:
                raise ValueError(
                    f"a shift must start at 0 s or later and end after it starts "
                    f"({start:g}-{end:g} s)"
                )
        for (_, end), (start, _) in zip(shifts, shifts[1:], strict=False):
            if start < end:
                raise ValueError(
                    f"shifts overlap: one ends at {end:g} s, the next starts at {start:g} s"
                )
        booked = list(self.windows)
        try:
            for start, end in breaks:
                if not any(s <= start and end <= e for s, e in shifts):
                    raise ValueError(f"the break at {start:g}-{end:g} s is not inside a shift")
                self._reserve(start, end, "*", "break")
        except ValueError:
            self.windows = booked  # all or nothing
            raise
        for start, end in shifts:
            self.start_production(start)
            self.schedule(end, "*", Command.STOP, END_OF_PRODUCTION)
        for start, end in breaks:
            self.schedule(start, "*", Command.HOLD, BREAK)
            self.schedule(end, "*", Command.UNHOLD)

    # Running ----------------------------------------------------------------------------

    def run(self, seconds: float) -> Historian:
        """Advance the line by *seconds* of simulated time, recording every scan."""
        if not seconds >= 0:  # NaN too: it would silently run nothing
            raise ValueError(f"the duration cannot be negative or NaN, not {seconds!r} s")
        if seconds > 31 * 24 * 3600:
            raise ValueError("simulate at most 31 days at a time")
        end = self.clock + seconds
        dt = self.resolution
        units = list(self.units.values())
        while self.clock < end - 1e-9:
            self._apply_events()
            self._read_sensors()
            for unit in units:
                self._scan(unit, dt)
            self._record()
            self._update_alarms()
            self.clock += dt
        return self.historian

    def _apply_events(self) -> None:
        while self.events and self.events[0].at <= self.clock + 1e-9:
            event = self.events.pop(0)
            targets = self.units.values() if event.unit == "*" else [self.units[event.unit]]
            for unit in targets:
                if event.product is not None:
                    unit.product = event.product
                if event.repair_s is not None:
                    if unit.machine.state is State.EXECUTE:
                        self._fault(unit, event.reason, event.repair_s)
                else:
                    self._operator_command(unit, event.command, event.reason)

    def _operator_command(self, unit: Unit, command: Command, reason: int) -> None:
        """An operator's command: it applies now, or as soon as the PackML model allows it.

        A command that does not apply yet (HOLD while the unit recovers from a fault or is
        starved, UNHOLD while it is still holding) waits; a STOP also cancels the automatic
        restart after a fault, so the unit stays stopped.
        """
        if command in (Command.STOP, Command.ABORT):
            unit.recovering = False
        if command is Command.HOLD:
            unit.release_at = None  # the operator's hold outlasts a material change
        unit.pending = None
        if not self._command(unit, command, reason):
            unit.pending = (command, reason)

    def _command(self, unit: Unit, command: Command, reason: int = 0) -> bool:
        before = unit.machine.state
        try:
            after = unit.machine.command(command)
        except IllegalCommand:
            return False
        self._moved(unit, before, after, reason)
        return True

    def _moved(self, unit: Unit, before: State, after: State, reason: int) -> None:
        unit.timer = 0.0
        if after is State.EXECUTE:
            unit.stop_reason = 0
            unit.recovering = False
        elif before is State.EXECUTE:
            unit.stop_reason = reason  # why this stop began, held until EXECUTE again

    def _progresses(self, unit: Unit) -> bool:
        """Will the unit leave its state without an operator command?"""
        state = unit.machine.state
        if not state.is_wait or state in (State.ABORTED, State.SUSPENDED):
            return True
        if state is State.HELD:
            return unit.release_at is not None
        return unit.recovering and state in (State.STOPPED, State.IDLE)

    def _scan(self, unit: Unit, dt: float) -> None:
        """One PLC scan: run the unit's logic on the inputs, write its outputs."""
        machine, spec = unit.machine, unit.spec
        if unit.pending is not None:
            command, reason = unit.pending
            if self._command(unit, command, reason) or not self._progresses(unit):
                unit.pending = None
        state = machine.state
        if not state.is_wait:
            if unit.timer >= ACTING_SECONDS[state] - 1e-9:
                machine.state_complete()
                self._moved(unit, state, machine.state, 0)
        elif state is State.EXECUTE:
            self._execute(unit, dt)
        elif state is State.SUSPENDED:
            if self.clock >= unit.blocked_until and unit.flow_ok():
                self._command(unit, Command.UNSUSPEND)
        elif state is State.HELD:
            if unit.release_at is not None and self.clock >= unit.release_at:
                unit.release_at = None
                self._command(unit, Command.UNHOLD)
        elif state is State.ABORTED:
            unit.repair_left -= dt
            if unit.repair_left <= 0:
                self._command(unit, Command.CLEAR)
        elif unit.recovering and state is State.STOPPED:
            self._command(unit, Command.RESET)
        elif unit.recovering and state is State.IDLE:
            self._command(unit, Command.START)
        target = unit.target_speed(self.clock) if machine.state is State.EXECUTE else 0.0
        unit.speed += (target - unit.speed) * min(1.0, dt / 5.0)  # ramps like a drive
        unit.energy_kwh += spec.power_kw * POWER_SHARE[machine.state] * dt / 3600.0
        unit.timer += dt

    def _suspend(self, unit: Unit, reason: int) -> None:
        self._command(unit, Command.SUSPEND, reason)

    def _execute(self, unit: Unit, dt: float) -> None:
        spec, rng = unit.spec, unit.rng
        # One draw decides this scan's random event; the rates are per hour of running.
        draw = rng.random() * 3600.0 / dt
        if draw < spec.fault_per_hour:
            code = 100 + rng.randrange(1, 8)  # faults 101-107
            self._fault(unit, code, rng.uniform(*spec.repair_minutes) * 60.0)
            return
        draw -= spec.fault_per_hour
        if draw < spec.external_stop_per_hour and (unit.infeed is None or unit.outfeed is None):
            # Only the ends of the line meet the outside: a supply gap, a full palletiser.
            unit.blocked_until = self.clock + rng.uniform(10.0, 120.0)
            self._suspend(unit, STARVED if unit.infeed is None else BLOCKED)
            return
        draw -= spec.external_stop_per_hour
        if draw < spec.microstop_per_hour:
            unit.pause_until = self.clock + rng.uniform(*spec.microstop_seconds)
        elif draw - spec.microstop_per_hour < spec.slowdown_per_hour:
            unit.slow_until = self.clock + rng.uniform(*spec.slowdown_minutes) * 60.0
            unit.slow_factor = rng.uniform(*spec.slowdown_factor)
        if unit.next_change is not None and self.clock >= unit.next_change:
            unit.release_at = self.clock + rng.uniform(*spec.material_change_seconds)
            unit.next_change = self.clock + spec.material_change_minutes * 60.0
            self._command(unit, Command.HOLD, MATERIAL_CHANGE)
            return
        self._produce(unit, dt)

    def _fault(self, unit: Unit, code: int, repair_s: float) -> None:
        """The unit aborts; after the repair it clears, resets and starts by itself."""
        self._command(unit, Command.ABORT, code)
        unit.repair_left = repair_s
        unit.recovering = True

    def _produce(self, unit: Unit, dt: float) -> None:
        spec, rng, infeed, outfeed = unit.spec, unit.rng, unit.infeed, unit.outfeed
        jitter = 1.0 + rng.gauss(0.0, 0.02)
        wanted = unit.fraction + max(0.0, unit.speed * jitter * dt / 60.0)
        made = int(wanted)
        if infeed is not None:
            made = min(made, infeed.level // spec.pack_size)
        if outfeed is not None:
            made = min(made, outfeed.capacity - outfeed.level)
        unit.fraction = min(wanted - made, 0.99)
        if made:
            bad = sum(1 for _ in range(made) if rng.random() < spec.defect_rate)
            unit.produced.add(made)
            unit.defective.add(bad)
            if infeed is not None:
                infeed.level -= made * spec.pack_size
            if outfeed is not None:
                outfeed.level += made - bad  # rejects leave the line
        if infeed is not None and infeed.level < spec.pack_size:
            self._suspend(unit, STARVED)
        elif outfeed is not None and outfeed.level >= outfeed.capacity:
            self._suspend(unit, BLOCKED)

    # Recording -------------------------------------------------------------------------

    def _record(self) -> None:
        time_s, unit_, state, speed, count, total, defective, kwh, reason = self.historian.appenders
        clock = self.clock
        for name, unit in self.units.items():
            time_s(clock)
            unit_(name)
            state(int(unit.machine.state))
            speed(round(unit.speed, 3))
            count(unit.produced.count)
            total(unit.produced.total)
            defective(unit.defective.total)
            kwh(round(unit.energy_kwh, 6))
            reason(unit.stop_reason)

    def _read_sensors(self) -> None:
        """Read every sensor at the start of the scan, as a PLC reads its input image."""
        for sensor, process in self.sensors:
            value, quality = sensor.read(process(self, self.clock), self.clock, self._sensor_rng)
            self.readings[sensor.tag] = (value, quality)
            setpoint = self.setpoints.get(sensor.tag)
            self.sensor_log.append(
                self.clock,
                sensor.tag,
                value,
                str(quality),
                None if setpoint is None else round(setpoint(self.clock), 4),
            )

    def _update_alarms(self) -> None:
        for alarm in self.alarms:
            value, quality = self.readings.get(alarm.tag, (None, Quality.BAD))
            if value is not None:
                before = alarm.state
                alarm.update(value, self.clock, self.alarm_log, quality)
                if alarm.state is AlarmState.UNACKNOWLEDGED and before is not alarm.state:
                    # The operator answers after a while: seconds to a few minutes.
                    self._ack_due[alarm.id] = self.clock + self._operator.expovariate(1 / 90)
            due = self._ack_due.get(alarm.id)
            if due is not None and self.clock >= due:
                # During a dropout there is no value to log: None, with the bad quality.
                alarm.acknowledge(self.clock, self.alarm_log, value, quality)
                del self._ack_due[alarm.id]

    def tags(self) -> dict[str, Tag]:
        """The live tag table, named by ISA-95 path and PackTags group.

        Beside the PackTags of each unit: its infeed buffer, its sensors (process value and
        recipe setpoint) and the state, priority and shelved flag of each of its alarms.
        """
        out: dict[str, Tag] = {}

        def put(name: str, value, unit: str = "", quality: Quality = Quality.GOOD) -> None:
            out[name] = Tag(name, value, self.clock, quality, unit)

        for name, unit in self.units.items():
            base = f"{self.path}/{name}"
            put(f"{base}/Status/StateCurrent", int(unit.machine.state))
            put(f"{base}/Status/UnitModeCurrent", int(unit.machine.mode))
            put(f"{base}/Status/CurMachSpeed", round(unit.speed, 3), "units/min")
            put(f"{base}/Status/Product", unit.product)
            put(f"{base}/Admin/MachDesignSpeed", unit.spec.design_speed, "units/min")
            put(f"{base}/Admin/ProdProcessedCount", unit.produced.count, "units")
            put(f"{base}/Admin/ProdDefectiveCount", unit.defective.count, "units")
            put(f"{base}/Admin/StopReason", unit.stop_reason)
            put(f"{base}/Energy/kWh", round(unit.energy_kwh, 6), "kWh")
            put(f"{base}/Energy/CO2e", round(unit.energy_kwh * self.grid_kg_per_kwh, 6), "kg")
            if unit.infeed is not None:
                put(f"{base}/Infeed/BufferLevel", unit.infeed.level, "items")
                put(f"{base}/Infeed/BufferCapacity", unit.infeed.capacity, "items")
        for sensor, _ in self.sensors:
            value, quality = self.readings.get(sensor.tag, (None, Quality.BAD))
            put(f"{self.path}/{sensor.tag}", value, sensor.unit, quality)
            if sensor.tag in self.setpoints:
                unit_name, _, variable = sensor.tag.rpartition("/")
                setpoint = round(self.setpoints[sensor.tag](self.clock), 4)
                put(f"{self.path}/{unit_name}/Recipe/{variable}", setpoint, sensor.unit)
        for alarm in self.alarms:
            base = f"{self.path}/{alarm.tag.partition('/')[0]}/Alarms/{alarm.id}"
            put(f"{base}/State", alarm.state)  # AlarmState and Priority are text enums
            put(f"{base}/Priority", alarm.priority)
            put(f"{base}/Shelved", alarm.state is AlarmState.SHELVED)
        return out

    def set_mode(self, unit: str, mode: Mode) -> None:
        self.units[unit].machine.mode = mode

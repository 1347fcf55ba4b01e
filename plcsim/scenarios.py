"""Named scenarios learners and labs start from."""

from __future__ import annotations

import math
import random

from plcsim.alarms import Alarm, Priority
from plcsim.line import Buffer, Line, UnitSpec
from plcsim.machining import machining_cell
from plcsim.packml import State
from plcsim.sensors import Fault, Sensor

PACKAGING_UNITS = [
    UnitSpec(
        "Infeed",
        design_speed=130,
        power_kw=2.2,
        defect_rate=0.0,
        external_stop_per_hour=4.0,  # the depalletiser upstream leaves gaps
        fault_per_hour=0.1,
    ),
    UnitSpec("Filler", design_speed=120, power_kw=7.5, defect_rate=0.012),
    UnitSpec("Capper", design_speed=125, power_kw=3.0, defect_rate=0.006),
    UnitSpec(
        "Labeler", design_speed=128, power_kw=2.5, defect_rate=0.009, material_change_minutes=50
    ),
    UnitSpec(
        "CasePacker",
        design_speed=11,  # cases of 12 bottles a minute
        power_kw=4.0,
        defect_rate=0.002,
        pack_size=12,
        external_stop_per_hour=2.0,  # the palletiser downstream is full now and then
        material_change_minutes=40,  # refill the case blank magazine
    ),
]
# Accumulation conveyors between the units, in bottles: a few minutes of production each,
# a third full when the shift starts.
PACKAGING_BUFFERS = [(500, 160), (400, 130), (400, 130), (480, 160)]


def product_temp_recipe(t: float) -> float:
    """The chiller's product-temperature setpoint in degC, *t* seconds into the run."""
    return 20.5 + 0.8 * math.sin(2 * math.pi * t / (4 * 3600.0))


def carried_counters(seed: int, shift_s: float = 8 * 3600) -> dict[str, int]:
    """Where each unit's 16-bit production counter stands after the shifts before this one.

    A PLC never resets its counters, so a shift starts wherever they were left. These
    values (seeded) sit 10 to 50 % of the unit's design output for *shift_s* short of the
    rollover, so each counter rolls over once the unit has made half its design output
    (units make about 60-85 % of it): in every seed's shift, as on some shift of every real
    line. A lab that reads the counter naively then fails for every learner, not only for
    those whose counter happened to wrap.
    """
    rng = random.Random(f"plcsim:{seed}:counters")  # noqa: S311 - simulation stream
    return {
        spec.name: 2**16 - round(rng.uniform(0.1, 0.5) * spec.design_speed * shift_s / 60)
        for spec in PACKAGING_UNITS
    }


def packaging_line(seed: int, *, carry_counters: bool = False, **options) -> Line:
    """The five-unit bottling line of the labs, started at time zero, with sensors and alarms.

    With *carry_counters* the production counters start where earlier shifts left them
    (``carried_counters``) rather than at 0.

    Each seed places its own sensor faults: a drifting temperature probe, a stuck level
    sensor, a motor-current signal with spikes and a vibration sensor that drops out.

    The losses are a real line's: buffers starve and block units when a neighbour stops,
    buffer-level speed control slows the faster units to the Filler's pace, and every unit
    has micro-stops (seconds at zero speed, still in EXECUTE), periods at reduced speed,
    faults, and (Labeler, CasePacker) holds to change labels or case blanks. Over an 8-hour
    shift, with run time = time in EXECUTE, each unit's OEE performance lands at about
    85-93 % and its availability at about 70-90 % (tests check 80-95 % performance).
    """
    if carry_counters:
        options.setdefault("counter_start", carried_counters(seed))
    line = Line(
        [UnitSpec(**vars(spec)) for spec in PACKAGING_UNITS],
        seed=seed,
        buffers=[Buffer(capacity, level) for capacity, level in PACKAGING_BUFFERS],
        **options,
    )
    line.start_production()
    rng = random.Random(f"plcsim:{seed}:faults")  # noqa: S311 - simulation stream
    hour = 3600.0

    def window(length_h: float) -> tuple[float, float]:
        start = rng.uniform(0.5, 7.0 - length_h) * hour
        return start, start + length_h * hour

    def executing(unit: str) -> bool:
        return line.units[unit].machine.state is State.EXECUTE

    drift, stuck, spikes, dropout = window(1.5), window(0.4), window(0.5), window(0.1)
    line.add_sensor(
        Sensor(
            "Filler/ProductTemp",
            "degC",
            0,
            50,
            noise_sd=0.08,
            faults=[Fault("drift", *drift, size=2.0)],
        ),
        lambda line, t: product_temp_recipe(t),
        setpoint=product_temp_recipe,
    )
    line.add_sensor(
        Sensor("Filler/BowlLevel", "%", 0, 100, noise_sd=0.4, faults=[Fault("stuck", *stuck)]),
        lambda line, t: (
            62 + 12 * math.sin(2 * math.pi * t / 900) - (25 if not executing("Infeed") else 0)
        ),
    )
    line.add_sensor(
        Sensor(
            "Infeed/MotorCurrent",
            "A",
            0,
            20,
            noise_sd=0.35,
            faults=[Fault("spikes", *spikes, size=6.0)],
        ),
        lambda line, t: (
            9.4 if executing("Infeed") else (2.0 if line.units["Infeed"].speed > 1 else 0.3)
        ),
    )
    line.add_sensor(
        Sensor(
            "Capper/Vibration", "mm/s", 0, 20, noise_sd=0.12, faults=[Fault("dropout", *dropout)]
        ),
        lambda line, t: (2.1 + 0.06 * t / hour) if executing("Capper") else 0.4,
    )
    for alarm in (
        Alarm(
            "Filler.ProductTemp.HI",
            "Filler/ProductTemp",
            "HI",
            22.5,
            Priority.MEDIUM,
            deadband=0.3,
            on_delay=10,
            message="Product temperature high",
        ),
        Alarm(
            "Filler.ProductTemp.HIHI",
            "Filler/ProductTemp",
            "HIHI",
            24.0,
            Priority.HIGH,
            deadband=0.3,
            on_delay=5,
            message="Product temperature very high",
        ),
        Alarm(
            "Filler.BowlLevel.LO",
            "Filler/BowlLevel",
            "LO",
            40.0,
            Priority.LOW,
            deadband=2.0,
            on_delay=5,
            message="Filler bowl level low",
        ),
        # No deadband and no delay: this one chatters, like many real bad actors.
        Alarm(
            "Infeed.MotorCurrent.HI",
            "Infeed/MotorCurrent",
            "HI",
            10.0,
            Priority.LOW,
            message="Infeed motor current high",
        ),
        Alarm(
            "Capper.Vibration.HI",
            "Capper/Vibration",
            "HI",
            2.5,
            Priority.MEDIUM,
            deadband=0.2,
            on_delay=30,
            message="Capper vibration high",
        ),
    ):
        line.add_alarm(alarm)
    return line


SCENARIOS = {"packaging-line": packaging_line}
# Scenarios that produce a table of cycles rather than a running line.
DATASETS = {"machining-cell": machining_cell}


def scenario(name: str, seed: int, **options) -> Line:
    """Build a named scenario; ValueError names the ones that exist."""
    try:
        build = SCENARIOS[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}"
        ) from None
    try:
        seed = int(seed)  # labs read it from the environment, as text
    except (TypeError, ValueError):
        raise ValueError(f"the seed must be an integer, not {seed!r}") from None
    return build(seed, **options)

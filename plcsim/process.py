"""Riverbend's process loops, as the Process control course's lessons and labs use them.

``loop(name, seed)`` builds a named loop (see `SCENARIOS`), started in manual and steady
(the caustic tank starts at 75 degC with its heater off, and cools), scanned every 0.1 s
(`SCAN_S`, as a PLC's periodic PID task; pass ``scan_s`` to change it). Each seed varies
the process's gain, time constant and dead time by up to +/-10 % (`VARIATION`, uniform and
independent) and seeds the measurement noise and any wandering load, so each learner's
answers differ; the bias is adjusted so that every seed starts from the lessons' operating
point (the same PV at the starting output, e.g. 21.0 degC at 40 % open on the chiller, or
a level that holds at 50 % open in the filler bowl). ``loop.nominal`` holds the lessons'
numbers, the same for every seed, for examples; ``loop.truth()`` the seed's real ones, for
graders only.

The models, the valve, the transmitter, the loop and the performance measures live in
`plcsim.dynamics`, `plcsim.transmitter`, `plcsim.loops` and `plcsim.performance`; the names
a lab needs are imported here too.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from plcsim.dynamics import (
    Actuator,
    Params,
    Process,
    Valve,
    controller_action,
    fopdt,
    heater,
    integrating,
)
from plcsim.loops import ControllerError, Inputs, Loop, LoopHistorian
from plcsim.performance import Performance, measure
from plcsim.transmitter import Fault, Reading, Transmitter, ne43_status, seeded_faults

__all__ = [
    "SCAN_S",
    "SCENARIOS",
    "VARIATION",
    "Actuator",
    "ControllerError",
    "Fault",
    "Inputs",
    "Loop",
    "LoopHistorian",
    "Params",
    "Performance",
    "Process",
    "Reading",
    "Scenario",
    "Transmitter",
    "Valve",
    "controller_action",
    "fopdt",
    "heater",
    "integrating",
    "loop",
    "measure",
    "ne43_status",
    "seeded_faults",
]

SCAN_S = 0.1
VARIATION = 0.10  # each seed scales K, tau and theta by 1 +/- up to 10 %


@dataclass(frozen=True)
class Scenario:
    """A named loop: its tag, PV span and unit, setpoint, nominal process, final control
    element, and the operator's output (and PV, if not steady) at the start."""

    name: str
    tag: str
    description: str
    unit: str
    span: tuple[float, float]
    setpoint: float
    params: Params
    output: float
    element: Callable[[], Actuator]
    initial: float | None = None
    facts: dict[str, object] = field(default_factory=dict)  # the lessons' other numbers


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "chiller-tic201",
            "TIC-201",
            "Product temperature leaving chiller E-201; glycol valve TV-201 fails open "
            "(air-to-close), so the output is 100 - % open and the controller reverse acting. "
            "Starts at 60 % output (40 % open), 21.0 degC; 50 % open gives 19.8 degC.",
            "degC",
            (0.0, 50.0),
            20.5,
            fopdt(gain=-0.12, tau_s=45.0, dead_time_s=12.0, bias=25.8, noise_sd=0.08),
            60.0,
            lambda: Valve(fail="open"),
            facts={"TAH": 22.5, "TAHH": 24.0, "gain_percent": -0.24},
        ),
        Scenario(
            "bowl-lic101",
            "LIC-101",
            "Filler bowl level, 0-100 % = 400 L; inlet valve LV-101 fails closed. Integrating: "
            "+10 % valve = +20 L/min = 5 %/min. The filler draws about 100 L/min (25 %/min), "
            "wandering with line speed, so 50 % open holds the level.",
            "%",
            (0.0, 100.0),
            60.0,
            integrating(
                gain=0.5,
                dead_time_s=2.0,
                bias=-25.0,
                noise_sd=0.4,
                wander_sd=1.0,
                wander_s=120.0,
                low=0.0,
                high=100.0,
            ),
            50.0,
            lambda: Valve(fail="closed"),
            initial=60.0,
            facts={"volume_l": 400.0, "LAL": 40.0, "LAL_deadband": 2.0, "l_per_min_per_pct": 2.0},
        ),
        Scenario(
            "cip-supply-tic401",
            "TIC-401",
            "CIP supply temperature, 0-100 degC; steam valve fails closed. Starts at 40 % "
            "output and 70 degC (the P vs PI lesson raises the setpoint to 75 degC).",
            "degC",
            (0.0, 100.0),
            70.0,
            fopdt(gain=1.5, tau_s=240.0, dead_time_s=30.0, bias=10.0, noise_sd=0.1),
            40.0,
            lambda: Valve(fail="closed"),
        ),
        Scenario(
            "cip-heatup-tic401",
            "TIC-401",
            "CIP heat-up: caustic at 20 degC, steam valve shut, setpoint 75 degC. The valve "
            "saturates at 100 % for minutes: the integral windup lab.",
            "degC",
            (0.0, 100.0),
            75.0,
            fopdt(gain=0.8, tau_s=600.0, dead_time_s=30.0, bias=20.0, noise_sd=0.1),
            0.0,
            lambda: Valve(fail="closed"),
        ),
        Scenario(
            "caustic-heater",
            "TIC-402",
            "CIP caustic tank, electric heater on a contactor (output 0 or 100 %): on-off with a "
            "deadband, on at or below 74 degC, off at or above 76 degC. Warms about 0.5 "
            "degC/min on, cools 0.25 degC/min off; the thermowell lags 15 s.",
            "degC",
            (0.0, 100.0),
            75.0,
            heater(0.5, 0.25, at=75.0, ambient=20.0, noise_sd=0.03, lag_s=15.0),
            0.0,
            Actuator,
            initial=75.0,
            facts={"on_at": 74.0, "off_at": 76.0, "rise_per_min": 0.5, "fall_per_min": 0.25},
        ),
    )
}


def loop(
    name: str,
    seed: int,
    *,
    scan_s: float = SCAN_S,
    noise: bool = True,
    card: str = "s7",
    faults: Iterable[Fault] = (),
    valve: Actuator | None = None,
) -> Loop:
    """The named loop for *seed*, in manual at its starting output.

    *noise* False removes the measurement noise and wandering load (for clean lesson
    curves); *card* is the PV's input card ("s7", "12bit" or "eu"), *faults* the
    transmitter's faults (`seeded_faults`); *valve* replaces the final control element
    (a sticky valve for a loop audit: keep its fail action, or the controller action changes).
    """
    try:
        scenario = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown loop {name!r}; loops: {', '.join(SCENARIOS)}") from None
    rng = random.Random(f"plcsim:{seed}:{name}:params")  # noqa: S311 - simulation stream
    nominal = scenario.params
    params = nominal.varied(rng, VARIATION)
    # Every seed starts from the lessons' operating point: the same steady PV (or level
    # balance) at the starting valve position, whatever its gain.
    element = valve if valve is not None else scenario.element()
    start = element.demand(scenario.output)
    params = replace(params, bias=nominal.bias + (nominal.gain - params.gain) * start)
    if not noise:
        params = replace(params, noise_sd=0.0, wander_sd=0.0)
    made = Loop(
        params,
        setpoint=scenario.setpoint,
        output=scenario.output,
        valve=element,
        transmitter=Transmitter(*scenario.span, card=card, faults=list(faults)),
        span=scenario.span,
        initial=scenario.initial,
        scan_s=scan_s,
        seed=f"{seed}:{name}",
        tag=scenario.tag,
        unit=scenario.unit,
        nominal=nominal,
    )
    made.scenario = scenario
    return made

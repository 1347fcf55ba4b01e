"""Installed-characteristic tests of a control valve, stepped in manual (the valve lab).

Two Riverbend installations, with the numbers of the Process control course's module 8:

- ``"fv202-glycol"``: FV-202, a globe valve with linear trim, Kv 7.3 on its data sheet, on
  the glycol header (2.0 bar across the E-201 branch; E-201 and the piping drop 0.1 bar at
  6 m3/h; glycol of relative density 1.03; FT-202 0-10 m3/h).
- ``"fv401-kv63"``: the proposed replacement for FV-401, equal-percentage trim with
  R = 50, Kv 63, on P-401's circuit (pump H = 62 - 0.02444 Q^2 m, circuit H = 6 +
  0.04601 Q^2 m; caustic at 75 degC, relative density 0.99; FT-401 0-30 m3/h).

Each seed scales the valve's real Kv and the fixed resistance in series with it (the branch,
or the circuit's dynamic head) by up to +/-15 %, and gives the positioner a deadband of
0.6-1.4 %. A reading is the steady state after a step: the output, the stem travel read
back by the positioner, the flow and the pressure drop across the valve, with a little
measurement noise. Standard library only; the valve is `plcsim.dynamics.Valve`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from plcsim.dynamics import Valve

G = 9.80665  # m/s2
EP_RANGEABILITY = 50.0
EP_LINEAR_BELOW = 0.05  # the ideal curve's 2 % at zero travel does not shut off: close linearly


@dataclass(frozen=True)
class Installation:
    """A valve in its system. *supply* is ``"header"`` (a held differential, *head*, in bar,
    with a fixed resistance dropping *resistance* bar at *resistance_at* m3/h) or ``"pump"``
    (pump head *head* - *pump_k* Q^2 m against a circuit of *static* + *resistance* Q^2 m)."""

    name: str
    tag: str
    description: str
    characteristic: str  # "linear" or "equal percentage"
    rated_kv: float  # data sheet, m3/h at 1 bar
    relative_density: float
    flow_span: tuple[float, float]  # the flow transmitter's range, m3/h
    flows: tuple[float, float, float]  # minimum, normal, maximum duty, m3/h
    supply: str
    head: float
    resistance: float
    resistance_at: float = 1.0
    pump_k: float = 0.0
    static: float = 0.0


INSTALLATIONS = {
    "fv202-glycol": Installation(
        "fv202-glycol",
        "FV-202",
        "glycol to chiller E-201, globe valve on the glycol header",
        "linear",
        7.3,
        1.03,
        (0.0, 10.0),
        (1.5, 4.42, 6.5),
        "header",
        head=2.0,
        resistance=0.1,
        resistance_at=6.0,
    ),
    "fv401-kv63": Installation(
        "fv401-kv63",
        "FV-401",
        "CIP supply from P-401: the proposed Kv 63 replacement for FV-401",
        "equal percentage",
        63.0,
        0.99,
        (0.0, 30.0),
        (16.0, 24.0, 26.0),
        "pump",
        head=62.0,
        resistance=0.04601,
        pump_k=0.02444,
        static=6.0,
    ),
}


def relative_kv(characteristic: str, travel_pct: float) -> float:
    """The inherent characteristic: Kv at *travel_pct* over Kv wide open (Phi against h)."""
    h = min(max(travel_pct / 100.0, 0.0), 1.0)
    if characteristic == "linear":
        return h
    if characteristic == "equal percentage":
        if h < EP_LINEAR_BELOW:
            return h / EP_LINEAR_BELOW * EP_RANGEABILITY ** (EP_LINEAR_BELOW - 1.0)
        return EP_RANGEABILITY ** (h - 1.0)
    raise ValueError(f"unknown characteristic {characteristic!r}")


def bar_per_metre(relative_density: float) -> float:
    """The pressure, in bar, of one metre of a liquid of this relative density."""
    return relative_density * 1000.0 * G / 1e5


@dataclass(frozen=True)
class Truth:
    """This seed's real valve and system, for graders and tests."""

    kv: float
    resistance: float
    deadband: float
    kv_factor: float
    resistance_factor: float


def _rng(installation: Installation, seed: int, what: str) -> random.Random:
    return random.Random(f"plcsim:valve_test:{installation.name}:{seed}:{what}")  # noqa: S311 - simulation


def _draw(installation: Installation, seed: int) -> Truth:
    rng = _rng(installation, seed, "truth")
    while True:
        kv_factor, resistance_factor = rng.uniform(0.85, 1.15), rng.uniform(0.85, 1.15)
        deadband = round(rng.uniform(0.6, 1.4), 2)
        truth = Truth(
            installation.rated_kv * kv_factor,
            installation.resistance * resistance_factor,
            deadband,
            kv_factor,
            resistance_factor,
        )
        # Keep the duty flows clear of the 20-80 % window's edges, so that judging the size
        # never hangs on a percent of interpolation.
        travels = [duty_travel(installation, truth, q) for q in installation.flows]
        if all(t is None or min(abs(t - 20.0), abs(t - 80.0)) >= 2.0 for t in travels):
            return truth


def steady_flow(installation: Installation, truth: Truth, travel_pct: float) -> float:
    """The flow, in m3/h, at *travel_pct* once everything has settled (no noise)."""
    cv = truth.kv * relative_kv(installation.characteristic, travel_pct)
    if cv <= 0:
        return 0.0
    sg = installation.relative_density
    if installation.supply == "header":
        # q = Kv Phi sqrt(dp_valve / SG), dp_valve = header - k q^2
        k = truth.resistance / installation.resistance_at**2
        return cv * math.sqrt(installation.head / (sg + k * cv * cv))
    # pump: (H0 - static) - (pump_k + resistance) q^2 = dp_valve in metres
    metres_per_bar = 1.0 / bar_per_metre(sg)
    available = installation.head - installation.static
    return math.sqrt(
        available / (installation.pump_k + truth.resistance + sg * metres_per_bar / cv**2)
    )


def valve_drop(installation: Installation, truth: Truth, flow: float) -> float:
    """The pressure drop across the valve, in bar, at *flow* m3/h."""
    if installation.supply == "header":
        k = truth.resistance / installation.resistance_at**2
        return installation.head - k * flow * flow
    metres = (
        installation.head
        - installation.pump_k * flow**2
        - (installation.static + truth.resistance * flow**2)
    )
    return metres * bar_per_metre(installation.relative_density)


def duty_travel(installation: Installation, truth: Truth, flow: float) -> float | None:
    """The travel, in %, at which the installed valve passes *flow* (None: not even wide open)."""
    if steady_flow(installation, truth, 100.0) < flow:
        return None
    low, high = 0.0, 100.0
    for _ in range(60):
        middle = (low + high) / 2.0
        if steady_flow(installation, truth, middle) < flow:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


class ValveTest:
    """One valve in its installation, in manual, closed, ready to be stepped."""

    def __init__(self, installation: Installation, seed: int, *, noise: bool = True) -> None:
        self.installation = installation
        self.seed = seed
        self._truth = _draw(installation, seed)
        self._noise = noise
        self._rng = _rng(installation, seed, "noise")
        self.valve = Valve(fail="closed", deadband=self._truth.deadband)
        self.output = 0.0
        self.readings: list[dict] = []

    @property
    def info(self) -> dict:
        """What the loop sheet and the data sheet say (the same for every seed)."""
        i = self.installation
        return {
            "tag": i.tag,
            "description": i.description,
            "data_sheet_kv": i.rated_kv,
            "relative_density": i.relative_density,
            "flow_span": i.flow_span,
            "flows": dict(zip(("min", "normal", "max"), i.flows, strict=True)),
        }

    def truth(self) -> Truth:
        return self._truth

    def set_output(self, output_pct: float) -> dict:
        """Step the output to *output_pct* (0-100 %) and read the steady state."""
        output = float(output_pct)
        if not 0.0 <= output <= 100.0:
            raise ValueError(f"the output lies between 0 and 100 %, not {output_pct!r}")
        direction = "up" if output > self.output else "down" if output < self.output else "hold"
        self.valve.move(output, 1.0)
        # The positioner's cutoffs: full air at 100 %, tight shutoff at 0 %.
        if output >= 100.0 or output <= 0.0:
            self.valve.position = output
        travel = self.valve.position
        flow = steady_flow(self.installation, self._truth, travel)
        drop = valve_drop(self.installation, self._truth, flow)
        if self._noise:
            travel += self._rng.gauss(0.0, 0.05) if 0.0 < travel < 100.0 else 0.0
            flow *= 1.0 + self._rng.gauss(0.0, 0.0015)
            drop *= 1.0 + self._rng.gauss(0.0, 0.001)
        self.output = output
        reading = {
            "step": len(self.readings) + 1,
            "output_pct": round(output, 2),
            "direction": direction,
            "travel_pct": round(travel, 1),
            "flow_m3h": round(max(flow, 0.0), 3),
            "dp_bar": round(drop, 3),
        }
        self.readings.append(reading)
        return reading

    def step_test(self, outputs: list[float]) -> list[dict]:
        """Step through *outputs* in order; return the steady reading after each step."""
        return [self.set_output(output) for output in outputs]

    def to_dataframe(self):
        """The readings so far as a pandas DataFrame (pandas needed only here)."""
        import pandas as pd

        return pd.DataFrame(self.readings)


def valve_test(name: str, seed: int, *, noise: bool = True) -> ValveTest:
    """A valve test rig by installation name (`INSTALLATIONS`), for *seed*."""
    if name not in INSTALLATIONS:
        raise ValueError(f"unknown installation {name!r}; choose from {sorted(INSTALLATIONS)}")
    return ValveTest(INSTALLATIONS[name], seed, noise=noise)

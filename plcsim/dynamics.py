"""Process models and final control elements for the process loops, stepped one scan at a time.

A process model turns the valve position (percent open, or percent of heater power) into the
process variable (PV) in engineering units. Two kinds cover the Riverbend loops:

- **self-regulating**, first order plus dead time (FOPDT): after the dead time the PV moves
  towards ``gain * valve + bias + disturbance`` with time constant ``tau_s``. A heater with
  losses to its surroundings is the same model (`heater` builds it from its heating and
  cooling rates).
- **integrating** (a tank level): the PV moves at ``gain * valve + bias + disturbance`` PV
  units *per minute*, between the physical limits ``low`` and ``high``.

Both are updated exactly for a valve held constant through each scan (zero-order hold):
``y += (1 - exp(-dt / tau)) * (K * u_delayed + bias - y)``, so a step test matches the
analytic curve at every scan. The dead time is a delay line of whole scans: it is rounded
to a multiple of the scan, and `Process.params` reports the dead time the model really has.

Times are in seconds. Every random number (measurement noise, a slowly wandering load) comes
from streams seeded by the model's seed, so a run repeats exactly.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, replace

KINDS = ("self-regulating", "integrating")
FAIL_ACTIONS = ("closed", "open")


@dataclass(frozen=True)
class Params:
    """The numbers of a process model, in the loop's engineering units.

    ``gain``: PV units per % of valve (integrating: PV units per minute per % of valve).
    ``bias``: the PV the process settles at with the valve shut (integrating: the PV's rate
    of change per minute with the valve shut, e.g. minus the outflow).
    ``lag_s``: a first-order lag of the measurement (a thermowell), 0 for none.
    ``wander_sd``, ``wander_s``: a slowly wandering, seeded load disturbance (a first-order
    random process) with this standard deviation (PV units, or PV units per minute for an
    integrating process) and correlation time; 0 for none.
    ``low``, ``high``: the physical limits of the PV (a tank cannot be fuller than full).
    """

    kind: str
    gain: float
    tau_s: float = 0.0
    dead_time_s: float = 0.0
    bias: float = 0.0
    noise_sd: float = 0.0
    lag_s: float = 0.0
    wander_sd: float = 0.0
    wander_s: float = 0.0
    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown process kind {self.kind!r}; use {', '.join(KINDS)}")
        numbers = (self.gain, self.tau_s, self.dead_time_s, self.bias, self.noise_sd)
        if not all(math.isfinite(x) for x in (*numbers, self.lag_s, self.wander_sd)):
            raise ValueError("process parameters must be finite numbers")
        if self.kind == "self-regulating" and not self.tau_s > 0:
            raise ValueError("a self-regulating process needs a time constant above 0 s")
        if min(self.dead_time_s, self.noise_sd, self.lag_s, self.wander_sd) < 0:
            raise ValueError("dead time, noise, lag and wander cannot be negative")
        if self.wander_sd and not self.wander_s > 0:
            raise ValueError("a wandering load needs a correlation time above 0 s")
        if not self.high > self.low:
            raise ValueError("the PV's upper limit must be above its lower limit")

    def gain_percent(self, span: tuple[float, float]) -> float:
        """The gain in % of PV span per % of output (integrating: per minute), for tuning."""
        low, high = span
        return self.gain * 100.0 / (high - low)

    def varied(self, rng: random.Random, band: float) -> Params:
        """A copy with gain, time constant and dead time each scaled by 1 +/- up to *band*."""
        scale = [rng.uniform(1.0 - band, 1.0 + band) for _ in range(3)]
        return replace(
            self,
            gain=self.gain * scale[0],
            tau_s=self.tau_s * scale[1],
            dead_time_s=self.dead_time_s * scale[2],
        )


def fopdt(
    gain: float, tau_s: float, dead_time_s: float = 0.0, bias: float = 0.0, **extra
) -> Params:
    """A first-order-plus-dead-time process (*extra*: noise_sd, lag_s, wander_sd, ...)."""
    return Params("self-regulating", gain, tau_s, dead_time_s, bias, **extra)


def integrating(gain: float, dead_time_s: float = 0.0, bias: float = 0.0, **extra) -> Params:
    """An integrating process: *gain* and *bias* are rates per minute."""
    return Params("integrating", gain, 0.0, dead_time_s, bias, **extra)


def heater(rise_per_min: float, fall_per_min: float, at: float, ambient: float, **extra) -> Params:
    """A heated tank that loses heat to *ambient*: first-order heat-up with losses.

    It warms at *rise_per_min* with the heater fully on and cools at *fall_per_min* with it
    off, both measured at the temperature *at*. Losses grow with the temperature above
    ambient, so the tank would settle at ``ambient + 100 * gain`` with the heater always on.
    """
    if not (rise_per_min > 0 and fall_per_min > 0 and at > ambient):
        raise ValueError("a heater warms and cools at positive rates, above ambient")
    tau_s = (at - ambient) / fall_per_min * 60.0
    gain = (rise_per_min * tau_s / 60.0 + at - ambient) / 100.0
    return Params("self-regulating", gain, tau_s, 0.0, ambient, **extra)


class Process:
    """A process model stepped at a fixed scan of *scan_s* seconds.

    *valve* is the valve position the process has been at for a long time (it fills the
    dead-time delay line); *initial* is the PV at the start, by default the steady state
    at *valve* for a self-regulating process (required for an integrating one).
    """

    def __init__(
        self,
        params: Params,
        *,
        scan_s: float = 0.1,
        seed: int | str = 0,
        valve: float = 0.0,
        initial: float | None = None,
    ) -> None:
        if not 0 < scan_s <= 60:
            raise ValueError("the scan must be more than 0 and at most 60 seconds")
        self.scan_s = scan_s
        self.delay_scans = round(params.dead_time_s / scan_s)
        # The model as it really runs: its dead time is a whole number of scans.
        self.params = replace(params, dead_time_s=self.delay_scans * scan_s)
        if initial is None:
            if params.kind == "integrating":
                raise ValueError("an integrating process needs an initial value")
            initial = params.gain * valve + params.bias
        if not math.isfinite(initial):
            raise ValueError("the initial PV must be a finite number")
        self.value = min(max(initial, params.low), params.high)  # the true PV
        self.measured = self.value  # after the measurement lag, before the noise
        self.wander = 0.0
        # Simulation streams, not security: seeded so runs repeat exactly.
        self._noise = random.Random(f"plcsim:process:{seed}:noise")  # noqa: S311
        self._loads = random.Random(f"plcsim:process:{seed}:wander")  # noqa: S311
        self._delay = deque([valve] * self.delay_scans)
        self._fraction = 1.0 - math.exp(-scan_s / params.tau_s) if params.tau_s > 0 else 0.0
        self._lag_fraction = 1.0 - math.exp(-scan_s / params.lag_s) if params.lag_s else 1.0
        if params.wander_sd:
            self._keep = math.exp(-scan_s / params.wander_s)
            self._kick = params.wander_sd * math.sqrt(1.0 - self._keep**2)

    def read(self) -> float:
        """The measurement at this scan: the PV through the lag, plus seeded noise."""
        sd = self.params.noise_sd
        return self.measured + self._noise.gauss(0.0, sd) if sd else self.measured

    def step(self, valve: float, disturbance: float = 0.0) -> float:
        """Advance one scan with *valve* held through it; return the new true PV.

        *disturbance* is a load in PV units (integrating: PV units per minute), added to the
        process's input beside the valve, so it moves the PV without waiting for the dead
        time but through the process's own lag.
        """
        params = self.params
        if self.delay_scans:
            self._delay.append(valve)
            valve = self._delay.popleft()
        if params.wander_sd:
            self.wander = self.wander * self._keep + self._loads.gauss(0.0, self._kick)
        drive = params.gain * valve + params.bias + disturbance + self.wander
        if params.kind == "integrating":
            value = self.value + drive * self.scan_s / 60.0
        else:
            value = self.value + self._fraction * (drive - self.value)
        self.value = min(max(value, params.low), params.high)
        self.measured += self._lag_fraction * (self.value - self.measured)
        return self.value


@dataclass
class Actuator:
    """A final control element that saturates: the position follows the signal (0-100 %),
    clamped to *low*-*high* and moving at most *rate_per_s* % a second (None: at once).

    A heater contactor or a pump drive is an actuator; `Valve` adds a fail action, a
    deadband and stiction.
    """

    low: float = 0.0
    high: float = 100.0
    rate_per_s: float | None = None
    position: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.low < self.high <= 100:
            raise ValueError("an actuator's limits lie within 0-100 %, low below high")
        if self.rate_per_s is not None and not self.rate_per_s > 0:
            raise ValueError("a rate limit must be above 0 % a second")
        self.position = min(max(self.position, self.low), self.high)

    @property
    def sign(self) -> int:
        """+1 if a rising signal raises the position (opens the valve), -1 if it lowers it."""
        return 1

    def demand(self, signal: float) -> float:
        """Where the signal asks the element to go, in % (open)."""
        return signal

    def settle(self, signal: float) -> None:
        """Put the element where *signal* asks, at once (the state before a run)."""
        self.position = min(max(self.demand(signal), self.low), self.high)

    def move(self, signal: float, dt: float) -> float:
        """Follow *signal* for one scan of *dt* seconds; return the new position."""
        target = self._target(min(max(self.demand(signal), self.low), self.high))
        if self.rate_per_s is not None:
            step = self.rate_per_s * dt
            target = min(max(target, self.position - step), self.position + step)
        self.position = target
        return target

    def _target(self, demand: float) -> float:
        return demand


@dataclass
class Valve(Actuator):
    """A control valve and its positioner.

    *fail* is where the valve goes without air or signal: ``"closed"`` (air-to-open, so
    the position follows the signal) or ``"open"`` (air-to-close: 0 % signal is fully
    open, so the position is 100 - signal). With the process gain's sign, it decides the
    controller's action (`controller_action`).

    *deadband* (backlash, in %): after a reversal the signal must move this far before the
    valve moves again. *stiction* (in %): the valve sticks until the force built up by
    the signal's distance from where it sits reaches this much, then slips all the way.
    Both are simplified one-parameter models, enough to show the PV-OP patterns of a
    loop audit.
    """

    fail: str = "closed"
    deadband: float = 0.0
    stiction: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.fail not in FAIL_ACTIONS:
            raise ValueError(f"a valve fails {' or '.join(FAIL_ACTIONS)}, not {self.fail!r}")
        if not (0 <= self.deadband < 50 and 0 <= self.stiction < 50):
            raise ValueError("a valve's deadband and stiction lie between 0 and 50 %")

    @property
    def sign(self) -> int:
        return 1 if self.fail == "closed" else -1

    @property
    def fail_position(self) -> float:
        return 0.0 if self.fail == "closed" else 100.0

    def demand(self, signal: float) -> float:
        return signal if self.fail == "closed" else 100.0 - signal

    def _target(self, demand: float) -> float:
        position, half = self.position, self.deadband / 2.0
        if demand > position + half:
            target = demand - half
        elif demand < position - half:
            target = demand + half
        else:
            return position
        if abs(target - position) < self.stiction:
            return position  # stuck: the force is not yet enough to break it free
        return target


def controller_action(gain: float, element: Actuator) -> str:
    """ "reverse" or "direct": the controller action a loop needs.

    A reverse-acting controller lowers its output as the PV rises (with the error taken as
    SP - PV, a positive controller gain). It is needed when a rising output raises the PV:
    a positive process gain through an element that opens on a rising signal, or a negative
    gain through an air-to-close (fail-open) valve.
    """
    if gain == 0:
        raise ValueError("a process with zero gain cannot be controlled")
    return "reverse" if gain * element.sign > 0 else "direct"

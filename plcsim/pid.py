"""An industrial PID block for the process loops, with its settings in a faceplate's units.

`plcsim.loops.Loop` calls any controller a learner writes. The tuning labs need the other
thing a technician meets on the plant: a finished PID block whose settings are typed into
fields with fixed units, where a right number in the wrong unit is the mistake. `PID` is
that block, and it plugs into `Loop.run` as a controller object (its ``scan(inputs)``)::

    from plcsim.pid import PID
    from plcsim.process import loop

    tic201 = PID(kc=5.21, ti_min=0.75, action="reverse")
    chiller = loop("chiller-tic201", seed=42)
    chiller.schedule(10, mode="auto")
    chiller.run(600, tic201)

The block, as most PLC and DCS PID blocks:

- **Ideal (ISA) form**: output = Kc (e + (1/Ti) integral of e dt + Td de/dt), with the
  error e in **% of the PV span** (the loop's ``span``), so ``kc`` is % of output per % of
  span, a plain number (not a proportional band: PB = 100 / Kc %).
- ``ti_min``: integral time in **minutes per repeat** (None: no integral action, a P or PD
  controller). ``td_min``: derivative time in minutes (0: none), on the PV rather than the
  error, so a setpoint change gives no derivative kick, filtered with a lag of Td / 10.
- ``action``: ``"reverse"`` (e = SP - PV: the output falls as the PV rises) or
  ``"direct"`` (e = PV - SP). The gain is always positive; the action sets the sign
  (`plcsim.dynamics.controller_action` says which a loop needs).
- **Bumpless**: on the first scan in auto the integral term starts from the output the
  valve already has, so the first automatic output equals the last manual one.
- **Anti-windup**: the integral term is held where the output stays within the output
  limits (external reset), so it never winds up while the valve is at a stop.

Standard library only.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

ACTIONS = ("reverse", "direct")
DERIVATIVE_FILTER = 0.1  # the derivative's lag, as a fraction of Td


def _setting(name: str, value: Any, *, minimum: float = 0.0, inclusive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
        bound = "at least" if inclusive else "above"
        raise ValueError(f"{name} must be a finite number {bound} {minimum:g}, not {value!r}")
    return value


class PID:
    """A PID block (see the module docstring): *kc* in % of output per % of span,
    *ti_min* in minutes per repeat (None: no integral), *td_min* in minutes, *action*
    ``"reverse"`` or ``"direct"``."""

    def __init__(
        self,
        kc: float,
        ti_min: float | None,
        td_min: float = 0.0,
        action: str = "reverse",
    ) -> None:
        if isinstance(kc, numbers.Real) and not isinstance(kc, bool) and kc < 0:
            raise ValueError(
                f"kc must be positive, not {kc!r}: the block takes the gain's size, and the "
                "action ('reverse' or 'direct') sets its sign"
            )
        self.kc = _setting("kc", kc)
        self.ti_min = None if ti_min is None else _setting("ti_min", ti_min)
        self.td_min = _setting("td_min", td_min, inclusive=True)
        if action not in ACTIONS:
            raise ValueError(f"action must be 'reverse' or 'direct', not {action!r}")
        self.action = action
        self.integral = 0.0  # the integral term, in % of output
        self.derivative = 0.0  # the filtered derivative term, in % of output
        self._last_pv: float | None = None

    def __repr__(self) -> str:
        ti = "none" if self.ti_min is None else f"{self.ti_min:g} min/repeat"
        return (
            f"PID(kc={self.kc:g}, ti_min={self.ti_min!r}, td_min={self.td_min:g}, "
            f"action={self.action!r})  # PB {100 / self.kc:.3g} %, Ti {ti}"
        )

    def error(self, pv: float, sp: float, span: tuple[float, float]) -> float:
        """The error in % of *span*, with the block's sign (reverse: SP - PV)."""
        error = (sp - pv) * 100.0 / (span[1] - span[0])
        return error if self.action == "reverse" else -error

    def scan(self, inputs: Any) -> float:
        """One scan in auto (`plcsim.loops.Inputs`): the output, in %."""
        span, dt = inputs.span, inputs.dt
        error = self.error(inputs.pv, inputs.sp, span)
        pv_pct = inputs.pv * 100.0 / (span[1] - span[0])
        if inputs.first_scan or self._last_pv is None:
            self.derivative = 0.0
        elif self.td_min:
            td_s = self.td_min * 60.0
            sign = -1.0 if self.action == "reverse" else 1.0  # on the PV: -de/dt = dPV/dt
            raw = sign * self.kc * td_s * (pv_pct - self._last_pv) / dt
            lag_s = DERIVATIVE_FILTER * td_s
            self.derivative += (raw - self.derivative) * dt / (lag_s + dt)
        self._last_pv = pv_pct
        proportional = self.kc * error
        if inputs.first_scan:  # bumpless: start from the output the valve already has
            self.integral = inputs.output - proportional - self.derivative
        elif self.ti_min is not None:
            self.integral += self.kc * error * dt / (self.ti_min * 60.0)
        low, high = inputs.limits
        output = proportional + self.integral + self.derivative
        if output > high or output < low:  # external reset: no windup at a stop
            limited = min(max(output, low), high)
            if self.ti_min is not None:
                self.integral += limited - output
            output = limited
        return output

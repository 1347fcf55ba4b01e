"""Performance measures of a control loop, from its historian (`plcsim.loops.LoopHistorian`).

All are computed over a window of scans from *start* to *end* seconds (by default from the
last setpoint change, or from the first scan if the setpoint never changed, to the end),
with the error e = SP - PV and dt the scan time. Scans with a bad PV (NaN) are skipped.

- ``iae``: integral of absolute error, sum of |e| dt (PV units x seconds).
- ``ise``: integral of squared error, sum of e^2 dt (PV units squared x seconds).
- ``step``: the change asked of the loop, the final SP minus the SP just before the window
  (at the start of a run, minus the first PV, as in a heat-up). The measures below need a
  step and are None without one (a window of disturbance rejection).
- ``overshoot_pct``: how far the PV went past the final SP, in the direction of the step,
  as % of the step (0 if it never passed it).
- ``rise_time_s``: from the PV first reaching 10 % of the step to first reaching 90 %.
- ``settling_time_s``: from the start of the window until the PV stays for good within
  +/-2 % of the step (*settle_pct*) around the final SP; None if it is outside at the end
  of the window.
- ``saturated_s``: time the output spent at a limit (the historian's ``saturated``).
- ``oscillations``: zero crossings of the error, counted with hysteresis so that noise does
  not count: the error must swing from beyond +band to beyond -band (or back). The band is
  *band* if given, else the larger of the settling band (or 2 % of the PV span without a
  step) and three times the PV's noise, estimated from its scan-to-scan changes.

The measures use the PV as logged, noise and all: on a noisy PV the noise's peaks add to
the overshoot, and a 2 % band can be narrower than the noise, so the PV never settles
within it. Compare runs with steps well clear of the noise, widen the settling band with
*settle_pct*, or measure a run made with ``noise=False``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SETTLE_PCT = 2.0  # the settling band, +/- % of the step


@dataclass(frozen=True)
class Performance:
    start_s: float
    end_s: float
    step: float
    iae: float
    ise: float
    overshoot_pct: float | None
    rise_time_s: float | None
    settling_time_s: float | None
    saturated_s: float
    oscillations: int


def _window_start(times: list[float], sps: list[float]) -> float:
    for i in range(len(sps) - 1, 0, -1):
        if sps[i] != sps[i - 1]:
            return times[i]
    return times[0]


def measure(
    historian,
    *,
    start: float | None = None,
    end: float | None = None,
    span: tuple[float, float] | None = None,
    settle_pct: float = SETTLE_PCT,
    band: float | None = None,
) -> Performance:
    """The measures above for *historian* between *start* and *end* seconds (*span*: the
    PV's range, for the oscillation band when there is no step)."""
    if not settle_pct > 0 or (band is not None and not band >= 0):
        raise ValueError("the settling band must be above 0 % and the oscillation band 0 or more")
    columns, dt = historian.columns, historian.scan_s
    times, sps, pvs = columns["time_s"], columns["sp"], columns["pv"]
    if not times:
        raise ValueError("the historian is empty: run the loop first")
    start = _window_start(times, sps) if start is None else start
    end = math.inf if end is None else end
    rows = [i for i, t in enumerate(times) if start - 1e-9 <= t < end - 1e-9]
    if not rows:
        raise ValueError(f"no scans between {start:g} s and {end:g} s")
    first, last = rows[0], rows[-1]
    sp_final = sps[last]
    good = [i for i in rows if not math.isnan(pvs[i])]
    # The SP just before the window; at the start of a run, the PV the loop started from.
    before = sps[first - 1] if first > 0 else (pvs[good[0]] if good else sp_final)
    step = sp_final - before
    errors = [(times[i], sps[i] - pvs[i], pvs[i]) for i in good]
    iae = sum(abs(e) for _, e, _ in errors) * dt
    ise = sum(e * e for _, e, _ in errors) * dt
    saturated_s = sum(1 for i in rows if columns["saturated"][i]) * dt
    has_step = abs(step) > 1e-9 and bool(errors)
    settle_band = settle_pct / 100.0 * abs(step)
    if band is None:
        base = (
            settle_band if has_step else (SETTLE_PCT / 100.0 * (span[1] - span[0]) if span else 0.0)
        )
        band = max(base, 3.0 * _noise([pv for _, _, pv in errors]))
    overshoot = rise = settling = None
    if has_step:
        sign, start_pv = math.copysign(1.0, step), sp_final - step
        beyond = max(sign * (pv - sp_final) for _, _, pv in errors)
        overshoot = max(beyond, 0.0) / abs(step) * 100.0
        progress = [(t, sign * (pv - start_pv) / abs(step)) for t, _, pv in errors]
        t10 = next((t for t, p in progress if p >= 0.1), None)
        t90 = next((t for t, p in progress if p >= 0.9), None)
        rise = t90 - t10 if t10 is not None and t90 is not None else None
        outside = [t for t, e, _ in errors if abs(e) > settle_band]
        if not outside:
            settling = 0.0
        elif outside[-1] < errors[-1][0]:
            settling = outside[-1] + dt - times[first]
    return Performance(
        start_s=times[first],
        end_s=times[last] + dt,
        step=step,
        iae=iae,
        ise=ise,
        overshoot_pct=overshoot,
        rise_time_s=rise,
        settling_time_s=settling,
        saturated_s=saturated_s,
        oscillations=_crossings([e for _, e, _ in errors], band),
    )


def _noise(pvs: list[float]) -> float:
    """The PV's noise (standard deviation), from the median of its scan-to-scan changes:
    a process moves little in one scan, so the changes are mostly noise."""
    changes = sorted(abs(b - a) for a, b in zip(pvs, pvs[1:], strict=False))
    if not changes:
        return 0.0
    return changes[len(changes) // 2] / (0.6745 * math.sqrt(2.0))


def _crossings(errors: list[float], band: float) -> int:
    count, side = 0, 0
    for e in errors:
        now = 1 if e > band else -1 if e < -band else 0
        if now and side and now != side:
            count += 1
        side = now or side
    return count

"""A seeded shift of the Riverbend filler's fill weights, and an autocorrelated temperature.

Module 12 of the Industrial data course (CUSUM, EWMA and real plant data) needs three sets
per seed, which ``fill_shift(seed)`` returns:

- **phase I**: 100 subgroups of five consecutive bottles, net fill in grams to the bench
  scale's 0.1 g, one subgroup every 20 minutes, in control: a mean of 500.5-501.2 g and a
  bottle-to-bottle standard deviation of 0.8-1.1 g, no subgroup mean outside the X-bar
  limits the lab draws from R-bar;
- **phase II**: 48-72 subgroups more, with one of the ``KINDS`` of the seed: ``"up"`` (a
  worn valve seat, a sustained step of 0.5-1.5 sigma of a subgroup mean upward: give-away),
  ``"down"`` (the same size downward: underfill), ``"jump"`` (a step of about 3 sigma of the
  mean that the X-bar chart's 3-sigma limit catches before the CUSUM) or ``"control"`` (no
  shift at all). A step starts at a seeded subgroup and lasts to the end;
- **temperature**: 2 hours of ``Filler/ProductTemp`` at 1 Hz (7,200 readings, °C to
  0.001 °C) around a setpoint of 20.5-21.3 °C, the deviation an AR(1) with phi 0.85-0.95 and
  a standard deviation of 0.08-0.15 °C (plcsim's own ProductTemp is the recipe plus
  independent noise, so it has no autocorrelation to teach with).

Per block of ten seeds, six are ``"up"``, two ``"down"``, one ``"jump"`` and one
``"control"``. Each seed redraws its readings until they show what its kind says, judged as
the lab judges them (mu0 and sigma of the mean from phase I, X-bar limits at 3 sigma,
tabular CUSUM k = 0.5, h = 5, EWMA lambda = 0.1, L = 2.7 with time-varying limits), with
margins so that no value sits on a limit, and until each of the lab's pitfalls is sure to
give a different answer (see ``_fits``).

This is a model of the filler's fills, not a run of ``plcsim.machines``. The data are
simulated for teaching. Standard library only, so the same seed gives the same data in the
app's and in the lab's Python.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

SUBGROUP_SIZE = 5
PHASE1_SUBGROUPS = 100
INTERVAL_MIN = 20
RESOLUTION = 0.1  # g, the bench scale's display step
D2 = 2.326  # R-bar / d2 for subgroups of five
K_SIGMA, H_SIGMA = 0.5, 5.0  # tabular CUSUM, in sigma of a subgroup mean
LAMBDA, L_WIDTH = 0.1, 2.7  # EWMA
TEMP_SECONDS = 7200  # 2 h at 1 Hz
TEMP_RESOLUTION = 0.001  # °C
KINDS = ("up", "down", "jump", "control")
COLUMNS = ("subgroup", "bottle", "weight_g")
MARGIN = 0.02  # how far (in sigma of the mean) a CUSUM sum or EWMA keeps from its limit


@dataclass(frozen=True)
class ShiftModel:
    """The truth behind one seed's data."""

    kind: str  # one of KINDS
    mean_g: float  # in-control process mean
    within_sd_g: float  # bottle to bottle
    phase2_subgroups: int
    start: int | None  # first phase II subgroup (1-based) with the new mean; None: control
    size_sigma: float  # signed step in sigma of a subgroup mean (0 for control)
    setpoint_c: float
    phi: float
    temp_sd_c: float  # stationary standard deviation of the AR(1) deviation

    @property
    def sigma_xbar_g(self) -> float:
        return self.within_sd_g / math.sqrt(SUBGROUP_SIZE)

    @property
    def shifted_mean_g(self) -> float:
        return self.mean_g + self.size_sigma * self.sigma_xbar_g

    def phase2_mean(self, subgroup: int) -> float:
        """The process mean at phase II *subgroup* (1-based)."""
        if self.start is not None and subgroup >= self.start:
            return self.shifted_mean_g
        return self.mean_g


def shift_model(seed: int) -> ShiftModel:
    """The process of *seed*."""
    rng = random.Random(f"plcsim-spc-shift:{seed}")  # noqa: S311 - simulation stream
    block = ["up"] * 6 + ["down"] * 2 + ["jump", "control"]
    random.Random(f"plcsim-spc-shift:block:{(seed - 1) // 10}").shuffle(block)  # noqa: S311
    kind = block[(seed - 1) % 10]
    m = rng.randint(48, 72)
    start, size = None, 0.0
    if kind != "control":
        start = rng.randint(12, 28)
        if kind == "jump":
            size = rng.choice((-1, 1)) * rng.uniform(2.9, 3.2)
        else:
            size = (1 if kind == "up" else -1) * rng.uniform(0.5, 1.5)
    return ShiftModel(
        kind=kind,
        mean_g=round(rng.uniform(500.5, 501.2), 3),
        within_sd_g=round(rng.uniform(0.8, 1.1), 3),
        phase2_subgroups=m,
        start=start,
        size_sigma=round(size, 3),
        setpoint_c=round(rng.uniform(20.5, 21.3), 1),
        phi=round(rng.uniform(0.85, 0.95), 3),
        temp_sd_c=round(rng.uniform(0.08, 0.15), 3),
    )


def _weights(centres: list[float], sd: float, rng: random.Random) -> list[list[float]]:
    return [
        [round(round((c + rng.gauss(0.0, sd)) / RESOLUTION) * RESOLUTION, 1) for _ in range(5)]
        for c in centres
    ]


def _temperature(model: ShiftModel, rng: random.Random) -> list[float]:
    e_sd = model.temp_sd_c * math.sqrt(1 - model.phi**2)
    dev = rng.gauss(0.0, model.temp_sd_c)  # start in the stationary distribution
    out = []
    for _ in range(TEMP_SECONDS):
        out.append(round(model.setpoint_c + dev, 3))
        dev = model.phi * dev + rng.gauss(0.0, e_sd)
    return out


def _mean(v: list[float]) -> float:
    return sum(v) / len(v)


def phase1_estimates(phase1: list[list[float]]) -> tuple[float, float]:
    """mu0 (grand mean) and sigma of a subgroup mean (R-bar / d2 / sqrt 5), as the lab does."""
    mu0 = _mean([_mean(row) for row in phase1])
    r_bar = _mean([max(row) - min(row) for row in phase1])
    return mu0, r_bar / D2 / math.sqrt(SUBGROUP_SIZE)


def cusum(xbar: list[float], mu0: float, sigma: float, k=K_SIGMA, h=H_SIGMA, floor=True):
    """Tabular CUSUM of *xbar*: (C+ list, C- list, first signal 1-based or None)."""
    big_k, big_h = k * sigma, h * sigma
    cp = cm = 0.0
    plus, minus, signal = [], [], None
    for i, x in enumerate(xbar, start=1):
        cp = cp + x - (mu0 + big_k)
        cm = cm + (mu0 - big_k) - x
        if floor:
            cp, cm = max(0.0, cp), max(0.0, cm)
        plus.append(cp)
        minus.append(cm)
        if signal is None and (cp > big_h or cm > big_h):
            signal = i
    return plus, minus, signal


def ewma(xbar: list[float], mu0: float, sigma: float, lam=LAMBDA, width=L_WIDTH):
    """EWMA from z0 = mu0 with time-varying limits: (z list, half-widths, first signal)."""
    z, zs, halves, signal = mu0, [], [], None
    for t, x in enumerate(xbar, start=1):
        z = lam * x + (1 - lam) * z
        half = width * sigma * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        zs.append(z)
        halves.append(half)
        if signal is None and abs(z - mu0) > half:
            signal = t
    return zs, halves, signal


def xbar_signal(xbar: list[float], mu0: float, sigma: float) -> int | None:
    """The first subgroup (1-based) outside mu0 +/- 3 sigma, or None."""
    return next((i for i, x in enumerate(xbar, start=1) if abs(x - mu0) > 3 * sigma), None)


def _clear(values: list[float], limits, upto: int, margin: float) -> bool:
    """No value up to *upto* (1-based, inclusive) within *margin* of its limit."""
    if not isinstance(limits, list):
        limits = [limits] * len(values)
    return all(
        abs(abs(v) - lim) > margin for v, lim in zip(values[:upto], limits[:upto], strict=True)
    )


def _fits(model: ShiftModel, phase1, phase2) -> bool:
    """Does this draw show what the model says, with the margins the lab's checks need, and
    does every graded pitfall change an answer?"""
    mu0, sigma = phase1_estimates(phase1)
    means1 = [_mean(r) for r in phase1]
    if any(abs(x - mu0) > 3 * sigma - 0.01 for x in means1):  # phase I in control
        return False
    xbar = [_mean(r) for r in phase2]
    m = len(xbar)
    plus, minus, c_sig = cusum(xbar, mu0, sigma)
    zs, halves, e_sig = ewma(xbar, mu0, sigma)
    x_sig = xbar_signal(xbar, mu0, sigma)
    upto_c = c_sig or m
    upto_e = e_sig or m
    margin = MARGIN * sigma
    if not (
        _clear(plus, H_SIGMA * sigma, upto_c, margin)
        and _clear(minus, H_SIGMA * sigma, upto_c, margin)
        and _clear([z - mu0 for z in zs], halves, upto_e, margin)
        and all(abs(abs(x - mu0) - 3 * sigma) > 0.01 for x in xbar)
    ):
        return False
    if model.kind == "control":
        if c_sig or e_sig or x_sig:
            return False
    else:
        # nothing before the step, and the CUSUM and EWMA see it before the end
        firsts = [s for s in (c_sig, e_sig, x_sig) if s is not None]
        if c_sig is None or e_sig is None or min(firsts) < model.start:
            return False
        side_up = plus[c_sig - 1] > H_SIGMA * sigma
        if side_up != (model.size_sigma > 0):
            return False
        if model.kind == "jump":  # the Shewhart limit catches it first
            if x_sig is None or x_sig >= c_sig:
                return False
        elif x_sig is not None and x_sig <= c_sig:  # a small step: the X-bar chart is late
            return False
        # the no-sqrt(5) sigma and the unfloored sums give another CUSUM signal
        if cusum(xbar, mu0, sigma * math.sqrt(SUBGROUP_SIZE))[2] == c_sig:
            return False
        if cusum(xbar, mu0, sigma, floor=False)[2] == c_sig:
            return False
    # pitfalls that every seed must show: unfloored sums, k and h in grams, EWMA from x1,
    # phase I estimated with phase II's data
    up, um, _ = cusum(xbar, mu0, sigma, floor=False)
    if max(abs(a - b) for a, b in zip(up + um, plus + minus, strict=True)) < 0.05:
        return False
    gp, gm, _ = cusum(xbar, mu0, 1.0)
    if max(abs(a - b) for a, b in zip(gp + gm, plus + minus, strict=True)) < 0.05:
        return False
    if abs(xbar[0] - mu0) < 0.03:
        return False
    mu_all, _ = phase1_estimates(phase1 + phase2)
    return abs(mu_all - mu0) > 0.02


def readings(seed: int) -> tuple[list[list[float]], list[list[float]]]:
    """Phase I and phase II subgroups of *seed*: lists of five weights in g each."""
    model = shift_model(seed)
    for attempt in range(2000):
        rng = random.Random(f"plcsim-spc-shift:{seed}:weights:{attempt}")  # noqa: S311
        phase1 = _weights([model.mean_g] * PHASE1_SUBGROUPS, model.within_sd_g, rng)
        centres = [model.phase2_mean(k) for k in range(1, model.phase2_subgroups + 1)]
        phase2 = _weights(centres, model.within_sd_g, rng)
        if _fits(model, phase1, phase2):
            return phase1, phase2
    raise RuntimeError(f"seed {seed}: no draw fits its model")  # pragma: no cover


def phi_hat(temp: list[float]) -> float:
    """Least squares AR(1) coefficient through the origin on the deviations from the mean."""
    mean = _mean(temp)
    d = [t - mean for t in temp]
    return sum(a * b for a, b in zip(d[1:], d[:-1], strict=True)) / sum(a * a for a in d[:-1])


def temperature(seed: int) -> list[float]:
    """The 7,200 ProductTemp readings (°C) of *seed*, one a second; phi-hat within 0.02 of
    the model's phi."""
    model = shift_model(seed)
    for attempt in range(100):
        rng = random.Random(f"plcsim-spc-shift:{seed}:temp:{attempt}")  # noqa: S311
        temp = _temperature(model, rng)
        if abs(phi_hat(temp) - model.phi) < 0.02:
            return temp
    raise RuntimeError(f"seed {seed}: no temperature record fits")  # pragma: no cover


def _table(subgroups: list[list[float]]) -> dict:
    rows = [(k, b, v) for k, row in enumerate(subgroups, 1) for b, v in enumerate(row, 1)]
    return {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}


def fill_shift(seed: int) -> dict:
    """The data of *seed*: ``phase1`` and ``phase2`` as columns (see COLUMNS; subgroups
    numbered from 1 in each phase, one every ``interval_min`` minutes), ``temp_c`` (the
    1 Hz ProductTemp record) and ``setpoint_c``."""
    phase1, phase2 = readings(seed)
    return {
        "phase1": _table(phase1),
        "phase2": _table(phase2),
        "interval_min": INTERVAL_MIN,
        "temp_c": temperature(seed),
        "setpoint_c": shift_model(seed).setpoint_c,
    }

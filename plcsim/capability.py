"""A seeded capability study of the Riverbend filler's fill weights.

The QC technician weighs five consecutive bottles every 19 minutes of a day shift (06:05 to
13:41) on the QC bench scale: 25 subgroups, 125 net fill weights in grams to the scale's
0.1 g, specification 500 +/- 5 g. Each seed draws its own process and scale:

- the process mean, 499.0-502.0 g (a fill logic tuned to a few grams of 500 g);
- the bottle-to-bottle spread of the fills, a standard deviation of 0.6-1.1 g;
- the bench scale's gauge R&R, a standard deviation of 0.15-0.40 g, added to every reading
  on its own and given to the learner (as a gauge study would have found it);
- a slow wander of the mean between subgroups, a sine over 8-20 subgroups (the bowl level
  and the product temperature changing the flow that the fill logic's lead was tuned for);
- its state, one of ``STATES``: ``"in control"`` (a small wander, no subgroup outside the
  X-bar and R limits), ``"drift"`` (a wander of about one within standard deviation, some
  subgroup means outside the X-bar limits) or ``"shift"`` (a small wander and a step of the
  mean for 3-8 subgroups, an operator's setpoint nudge after a stop, then set back).

In every seed the mean moves between subgroups, so the overall standard deviation is larger
than the within-subgroup one (R-bar/d2), Ppk is below Cpk, and in the seeds that are not in
control the X-bar chart shows it. Each seed redraws its readings until the data show what
its model says, judged as the lab judges it (X-bar and R limits from R-bar), with margins so
that no subgroup sits on a limit.

This is a model of the filler's fills, not a run of ``plcsim.machines``' filler: that
simulation has no slow drift within a run (its flow varies 1 % bottle to bottle around a
seeded flow), and the example logic of plcsim's README fills about 3 g over with a
bottle-to-bottle spread of about 0.5 g. The data are simulated for teaching. Standard
library only, so the same seed gives the same study in the app's and in the lab's Python.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

SPEC = (495.0, 505.0)  # g, net fill: 500 +/- 5 g
SUBGROUPS = 25
SUBGROUP_SIZE = 5
RESOLUTION = 0.1  # g, the bench scale's display step
FIRST_SAMPLE_MIN = 6 * 60 + 5  # 06:05
INTERVAL_MIN = 19
STATES = ("in control", "drift", "shift")
COLUMNS = ("subgroup", "time", "bottle", "weight_g")
# X-bar and R chart constants for subgroups of five (AIAG SPC manual)
D2, A2, D3, D4 = 2.326, 0.577, 0.0, 2.114
MARGIN_G = 0.01  # how far every subgroup mean and range keeps from a limit


@dataclass(frozen=True)
class Step:
    """The mean steps by *size_g* for subgroups *first* to *last* (1-based, inclusive)."""

    first: int
    last: int
    size_g: float


@dataclass(frozen=True)
class CapabilityModel:
    """The truth behind one seed's study (only the gauge's standard deviation is shown)."""

    state: str  # one of STATES
    mean_g: float
    fill_sd_g: float  # bottle to bottle within a subgroup, before the scale
    gauge_sd_g: float  # the bench scale's gauge R&R standard deviation
    wander_g: float  # amplitude of the slow sine of the mean
    period: float  # of the sine, in subgroups
    phase: float  # of the sine, radians
    step: Step | None

    @property
    def within_sd_g(self) -> float:
        """The spread of readings inside a subgroup: the fills' and the scale's together."""
        return math.hypot(self.fill_sd_g, self.gauge_sd_g)

    def subgroup_mean(self, subgroup: int) -> float:
        """The process mean at *subgroup* (1-based), before the bottles' and scale's scatter."""
        value = self.mean_g + self.wander_g * math.sin(
            2 * math.pi * subgroup / self.period + self.phase
        )
        if self.step and self.step.first <= subgroup <= self.step.last:
            value += self.step.size_g
        return value


def capability_model(seed: int) -> CapabilityModel:
    """The process and the scale of *seed*."""
    rng = random.Random(f"plcsim-capability:{seed}")  # noqa: S311 - simulation stream
    block = ["in control", "in control", "drift", "shift", rng.choice(("drift", "shift"))]
    random.Random(f"plcsim-capability:block:{(seed - 1) // 5}").shuffle(block)  # noqa: S311
    state = block[(seed - 1) % 5]
    fill_sd = round(rng.uniform(0.6, 1.1), 3)
    gauge_sd = round(rng.uniform(0.15, 0.40), 3)
    within = math.hypot(fill_sd, gauge_sd)
    wander = within * (rng.uniform(0.9, 1.2) if state == "drift" else rng.uniform(0.35, 0.5))
    step = None
    if state == "shift":
        length = rng.randint(3, 8)
        first = rng.randint(4, SUBGROUPS - length)
        size = rng.choice((-1, 1)) * within * rng.uniform(1.6, 2.2)
        step = Step(first, first + length - 1, round(size, 3))
    return CapabilityModel(
        state=state,
        mean_g=round(rng.uniform(499.0, 502.0), 3),
        fill_sd_g=fill_sd,
        gauge_sd_g=gauge_sd,
        wander_g=round(wander, 3),
        period=round(rng.uniform(8.0, 20.0), 2),
        phase=round(rng.uniform(0.0, 2 * math.pi), 3),
        step=step,
    )


def simulate(model: CapabilityModel, rng: random.Random, subgroups: int = SUBGROUPS) -> list:
    """Readings of *model*: one list of SUBGROUP_SIZE weights (g, in 0.1 g) per subgroup."""
    out = []
    for k in range(1, subgroups + 1):
        centre = model.subgroup_mean(k)
        row = []
        for _ in range(SUBGROUP_SIZE):
            fill = centre + rng.gauss(0.0, model.fill_sd_g)
            reading = fill + rng.gauss(0.0, model.gauge_sd_g)
            row.append(round(round(reading / RESOLUTION) * RESOLUTION, 1))
        out.append(row)
    return out


def chart(x: list[list[float]]) -> dict:
    """The X-bar and R chart of subgroups *x* as the lab draws it (limits from R-bar/d2)."""
    means = [sum(row) / len(row) for row in x]
    ranges = [max(row) - min(row) for row in x]
    centre = sum(means) / len(means)
    r_bar = sum(ranges) / len(ranges)
    lcl, ucl, ucl_r = centre - A2 * r_bar, centre + A2 * r_bar, D4 * r_bar
    values = [v for row in x for v in row]
    mean = sum(values) / len(values)
    overall = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return {
        "means": means,
        "ranges": ranges,
        "lcl": lcl,
        "ucl": ucl,
        "ucl_r": ucl_r,
        "out_xbar": [k + 1 for k, m in enumerate(means) if not lcl <= m <= ucl],
        "out_r": [k + 1 for k, r in enumerate(ranges) if r > ucl_r],
        "sigma_within": r_bar / D2,
        "sigma_overall": overall,
    }


def cpk_lower(x: list[list[float]]) -> float:
    """The lower end of Bissell's 95 % interval for Cpk (within sigma R-bar/d2, n all readings)."""
    c = chart(x)
    values = [v for row in x for v in row]
    mean, n = sum(values) / len(values), len(values)
    cpk = min(SPEC[1] - mean, mean - SPEC[0]) / (3 * c["sigma_within"])
    return cpk - 1.96 * math.sqrt(1 / (9 * n) + cpk**2 / (2 * (n - 1)))


def _fits(model: CapabilityModel, x: list[list[float]]) -> bool:
    """Does this draw show what the model says, with margins the lab's checks need?"""
    c = chart(x)
    near = any(
        abs(m - limit) < MARGIN_G for m in c["means"] for limit in (c["lcl"], c["ucl"])
    ) or any(abs(r - c["ucl_r"]) < MARGIN_G for r in c["ranges"])
    if near or c["sigma_overall"] < 1.03 * c["sigma_within"]:
        return False
    if model.state == "in control":  # and clear of the 1.33 the lab's verdict judges against
        return not c["out_xbar"] and not c["out_r"] and abs(cpk_lower(x) - 1.33) > 0.005
    if model.state == "shift":  # the step is what the chart sees
        return any(model.step.first <= k <= model.step.last for k in c["out_xbar"])
    return bool(c["out_xbar"])


def readings(seed: int) -> list[list[float]]:
    """The 25 subgroups of *seed*, each a list of five weights in g."""
    model = capability_model(seed)
    for attempt in range(1000):
        rng = random.Random(f"plcsim-capability:{seed}:readings:{attempt}")  # noqa: S311
        x = simulate(model, rng)
        if _fits(model, x):
            return x
    raise RuntimeError(f"seed {seed}: no draw fits its model")  # pragma: no cover


def capability_study(seed: int) -> dict:
    """The study of *seed*: ``weights`` as columns (see COLUMNS), one row per bottle in
    the order weighed; ``gauge_sd_g``, the bench scale's gauge R&R standard deviation; and
    ``spec``, the (lower, upper) specification limits in g."""
    rows = []
    for k, row in enumerate(readings(seed), start=1):
        minute = FIRST_SAMPLE_MIN + INTERVAL_MIN * (k - 1)
        time = f"{minute // 60:02d}:{minute % 60:02d}"
        rows.extend((k, time, bottle, value) for bottle, value in enumerate(row, start=1))
    return {
        "weights": {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)},
        "gauge_sd_g": capability_model(seed).gauge_sd_g,
        "spec": SPEC,
    }

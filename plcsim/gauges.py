"""A seeded crossed gauge R&R study of Riverbend's QC bench scale.

Ten capped bottles from normal production (true net fills somewhere in 498-504 g) are
weighed by technicians A, B and C, two or three times each, in a fresh random order every
round; each reading is the net fill in grams, to the scale's 0.1 g. The tolerance of the
fill is 500 +/- 5 g. Each seed draws its own measurement system:

- repeatability (the scale's scatter on one bottle), a standard deviation of 0.1-0.4 g;
- an offset per technician (how each zeroes, places and reads), spread over 0-0.5 g;
- in about one seed in three, a part-by-operator interaction: one technician reads three
  of the bottles 0.4-1.0 g (and at least 2.5 repeatability standard deviations) off their
  own offset (say, wet bottles set on the pan's edge);
- the parts' spread: the ten bottles cover 3-6 g, so the yardstick the gauge is judged
  against changes too.

Together these put %GRR of the total variation from under 10 % to over 30 % across seeds.

The data are simulated for teaching. Standard library only, so the same seed gives the same
study in the app's and in the lab's Python.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

OPERATORS = ("A", "B", "C")
BOTTLES = 10
TOLERANCE = (495.0, 505.0)  # g, net fill: 500 +/- 5 g
RESOLUTION = 0.1  # g, the bench scale's display step
COLUMNS = ("run", "trial", "operator", "bottle", "reading_g")


@dataclass(frozen=True)
class Interaction:
    """One technician reads some bottles off their own offset."""

    operator: str
    bottles: tuple[int, ...]  # bottle numbers, 1-10
    shift_g: float


@dataclass(frozen=True)
class GaugeModel:
    """The truth behind one seed's study (never shown in it)."""

    trials: int
    fills_g: tuple[float, ...]  # true net fill of bottles 1-10
    repeat_sd_g: float
    offsets_g: dict[str, float]  # per technician, summing to 0
    interaction: Interaction | None

    def true_reading(self, bottle: int, operator: str) -> float:
        """What *operator* reads on *bottle* on average, before the scale's scatter."""
        value = self.fills_g[bottle - 1] + self.offsets_g[operator]
        inter = self.interaction
        if inter and inter.operator == operator and bottle in inter.bottles:
            value += inter.shift_g
        return value


def gauge_model(seed: int) -> GaugeModel:
    """The measurement system and the bottles of *seed*."""
    rng = random.Random(f"plcsim-gauges:{seed}")  # noqa: S311 - simulation stream
    trials = rng.choice((2, 3))
    width = rng.uniform(3.0, 6.0)
    low = rng.uniform(498.0, 504.0 - width)
    fills = [round(rng.uniform(low, low + width), 2) for _ in range(BOTTLES)]
    repeat_sd = round(rng.uniform(0.1, 0.4), 3)
    spread = rng.uniform(0.0, 0.5)
    raw = [0.0, spread, rng.uniform(0.0, spread)]  # the spread is the largest difference
    rng.shuffle(raw)
    mean = sum(raw) / len(raw)
    offsets = {op: round(v - mean, 3) for op, v in zip(OPERATORS, raw, strict=True)}
    interaction = None
    odd = random.Random(f"plcsim-gauges:{seed}:interaction")  # noqa: S311 - its own stream
    if odd.random() < 0.35:
        interaction = Interaction(
            operator=odd.choice(OPERATORS),
            bottles=tuple(sorted(odd.sample(range(1, BOTTLES + 1), 3))),
            shift_g=round(odd.choice((-1, 1)) * max(odd.uniform(0.4, 0.8), 2.5 * repeat_sd), 2),
        )
    return GaugeModel(trials, tuple(fills), repeat_sd, offsets, interaction)


def simulate(model: GaugeModel, rng: random.Random, trials: int | None = None) -> list[tuple]:
    """Readings of *model* in measurement order: (run, trial, operator, bottle, reading_g).

    Each round every technician weighs every bottle once, in a fresh random order;
    *trials* overrides the model's number of rounds (a big study for tests).
    """
    rows = []
    for trial in range(1, (trials or model.trials) + 1):
        for operator in OPERATORS:
            order = list(range(1, BOTTLES + 1))
            rng.shuffle(order)
            for bottle in order:
                value = model.true_reading(bottle, operator) + rng.gauss(0.0, model.repeat_sd_g)
                reading = round(round(value / RESOLUTION) * RESOLUTION, 1)
                rows.append((len(rows) + 1, trial, operator, bottle, reading))
    return rows


def gauge_study(seed: int) -> dict[str, list]:
    """The study of *seed* as columns (see COLUMNS), one row per reading in measurement order."""
    model = gauge_model(seed)
    rows = simulate(model, random.Random(f"plcsim-gauges:{seed}:readings"))  # noqa: S311
    return {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}

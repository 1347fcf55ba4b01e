"""The QC scale's gauge R&R study: deterministic per seed, with the spread a lab needs."""

from __future__ import annotations

import random

import pytest

from plcsim.gauges import (
    BOTTLES,
    COLUMNS,
    OPERATORS,
    gauge_model,
    gauge_study,
    simulate,
)

SEEDS = range(1, 21)


def cube(rows: list[tuple]) -> list[list[list[float]]]:
    """Readings as y[bottle][operator][trial]."""
    y = [[[] for _ in OPERATORS] for _ in range(BOTTLES)]
    for _, _, operator, bottle, reading in rows:
        y[bottle - 1][OPERATORS.index(operator)].append(reading)
    return y


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def anova(y) -> dict[str, float]:
    """Variance components of a crossed study, negatives set to 0 (as the lesson does)."""
    n, k, r = len(y), len(y[0]), len(y[0][0])
    grand = mean(v for part in y for cell in part for v in cell)
    part = [mean(v for cell in p for v in cell) for p in y]
    oper = [mean(v for p in y for v in p[j]) for j in range(k)]
    cell = [[mean(c) for c in p] for p in y]
    ms_p = k * r * sum((m - grand) ** 2 for m in part) / (n - 1)
    ms_o = n * r * sum((m - grand) ** 2 for m in oper) / (k - 1)
    ss_po = r * sum(
        (cell[i][j] - part[i] - oper[j] + grand) ** 2 for i in range(n) for j in range(k)
    )
    ms_po = ss_po / ((n - 1) * (k - 1))
    ms_e = sum((v - cell[i][j]) ** 2 for i in range(n) for j in range(k) for v in y[i][j]) / (
        n * k * (r - 1)
    )
    return {
        "repeat": ms_e,
        "operator": max((ms_o - ms_po) / (n * r), 0.0),
        "interaction": max((ms_po - ms_e) / r, 0.0),
        "part": max((ms_p - ms_po) / (k * r), 0.0),
        "ms_po": ms_po,
        "ms_e": ms_e,
    }


def pct_grr(y) -> float:
    v = anova(y)
    grr = v["repeat"] + v["operator"] + v["interaction"]
    return 100 * (grr / (grr + v["part"])) ** 0.5


def test_same_seed_same_study_and_seeds_differ():
    assert gauge_study(7) == gauge_study(7)
    assert gauge_study(7) != gauge_study(8)
    assert gauge_model(7) == gauge_model(7)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_is_a_full_crossed_study_in_tenths(seed):
    study = gauge_study(seed)
    model = gauge_model(seed)
    assert tuple(study) == COLUMNS
    assert len(study["run"]) == BOTTLES * len(OPERATORS) * model.trials
    keys = zip(study["operator"], study["bottle"], study["trial"], strict=True)
    cells = set(keys)
    assert len(cells) == len(study["run"])  # every bottle, operator and trial exactly once
    for value in study["reading_g"]:
        assert 490 < value < 510
        assert round(value * 10) == pytest.approx(value * 10, abs=1e-9)
    assert all(498 <= fill <= 504 for fill in model.fills_g)
    assert 0.1 <= model.repeat_sd_g <= 0.4
    assert max(model.offsets_g.values()) - min(model.offsets_g.values()) <= 0.5


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_big_study_gives_back_the_seeded_components(seed):
    model = gauge_model(seed)
    y = cube(simulate(model, random.Random(f"big:{seed}"), trials=400))
    v = anova(y)
    # the scale's scatter plus the display's rounding (a uniform error of 0.1 g width)
    assert v["repeat"] ** 0.5 == pytest.approx((model.repeat_sd_g**2 + 0.01 / 12) ** 0.5, rel=0.03)
    grand = mean(v for part in y for cell in part for v in cell)
    for j, operator in enumerate(OPERATORS):
        seen = mean(v for part in y for v in part[j]) - grand
        inter = model.interaction
        extra = inter.shift_g * len(inter.bottles) / BOTTLES if inter else 0.0
        expected = model.offsets_g[operator] + (
            extra * (1 if inter.operator == operator else 0) - extra / 3 if inter else 0.0
        )
        assert seen == pytest.approx(expected, abs=0.03)
    for i in range(BOTTLES):
        assert mean(v for cell in y[i] for v in cell) == pytest.approx(
            mean(model.true_reading(i + 1, op) for op in OPERATORS), abs=0.03
        )


def test_seeds_have_interactions_and_both_numbers_of_trials():
    models = [gauge_model(seed) for seed in SEEDS]
    assert {m.trials for m in models} == {2, 3}
    with_interaction = [s for s, m in zip(SEEDS, models, strict=True) if m.interaction]
    assert 3 <= len(with_interaction) <= 12
    for seed in with_interaction:  # a real interaction shows in the study's ANOVA
        v = anova(cube(list(zip(*gauge_study(seed).values(), strict=True))))
        assert v["ms_po"] > v["ms_e"]


def test_percent_grr_spans_the_guidance_bands_across_seeds():
    percents = []
    for seed in SEEDS:
        study = gauge_study(seed)
        rows = list(zip(*study.values(), strict=True))
        percents.append(pct_grr(cube(rows)))
    assert min(percents) < 10
    assert max(percents) > 30
    assert any(10 <= p <= 30 for p in percents)

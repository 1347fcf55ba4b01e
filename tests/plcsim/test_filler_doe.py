"""The filler's factorial trial: deterministic per seed, its truth found by the lessons'
analysis, and every pitfall the lab grades guaranteed to bite."""

from __future__ import annotations

import dataclasses
import math

import pytest

from plcsim import filler_doe
from plcsim.filler_doe import (
    BOTTLES,
    COLUMNS,
    STANDARD_ORDER,
    T_975_7,
    TERMS,
    analyse,
    attempt,
    coded,
    drift_bias,
    filler_trial,
    predict,
    pseudo_se,
    recommend,
    second_sheet,
    simulate,
    standard_sheet,
    trial_model,
)

SEEDS = range(1, 21)

# Lesson 2's trial (10-designed-experiments/02-analysing-a-factorial.md), its printed fixture
LESSON_S = {
    1: [0.88, 0.86, 0.89, 0.64, 0.65, 0.78, 1.44, 1.60],
    2: [0.70, 0.70, 1.09, 0.94, 0.78, 0.77, 1.85, 1.50],
}
LESSON_CENTRE = {1: [1.03, 0.99], 2: [0.93, 1.10]}


def lesson_runs():
    runs = []
    for block in (1, 2):
        for x, s in zip(STANDARD_ORDER, LESSON_S[block], strict=True):
            runs.append({"block": block, **filler_doe.real(x), "s": s})
        for s in LESSON_CENTRE[block]:
            runs.append({"block": block, **filler_doe.real((0, 0, 0)), "s": s})
    return runs


def runs_of(seed, sheet):
    """The trial of *seed* from *sheet* as the lab's run table: one dict per run with s."""
    bottles = filler_trial(seed, sheet)["bottles"]
    out = {}
    for run, block, bowl, speed, temp, _, w in zip(*(bottles[c] for c in COLUMNS), strict=True):
        out.setdefault(run, {"block": block, "bowl": bowl, "speed": speed, "temp": temp, "w": []})
        out[run]["w"].append(w)
    return [{**r, "weights": r.pop("w")} for r in out.values()]


def test_the_analysis_reproduces_lesson_2():
    result = analyse(lesson_runs())
    expected = {"A": -0.061, "B": 0.479, "C": 0.334, "AB": -0.086, "AC": 0.044, "BC": 0.374}
    for term, value in expected.items():
        assert result["effects"][term] == pytest.approx(value, abs=0.0006)
    assert round(result["s_e"], 4) == 0.1557 and round(result["se"], 4) == 0.0779
    assert round(result["mean"], 4) == 1.0044 and round(result["block_diff"], 4) == 0.0737
    assert round(result["t"]["B"], 2) == 6.15
    assert round(result["curvature"], 3) == -0.008 and round(result["curvature_se"], 3) == 0.087
    assert result["terms"] == ("B", "C", "BC")
    at = {"bowl": 60, "speed": 120}
    assert [round(predict(result, {**at, "temp": t}), 2) for t in (24, 21, 19.5, 18)] == [
        1.60,
        1.24,
        1.07,
        0.89,
    ]
    assert predict(result, {**at, "temp": 15}) is None
    assert predict(result, {"bowl": 60, "speed": 130, "temp": 21}) is None
    best = recommend(result)
    assert (best["bowl"], best["speed"], best["temp"]) == (60.0, 120.0, 18.0)
    assert round(best["s_hat"], 2) == 0.89
    # Main effects only: the same corner, but the interaction's 0.19 g is missed
    assert round(recommend(result, ("B", "C"))["s_hat"], 3) == 1.077


def test_same_seed_same_trial_and_seeds_differ():
    sheet = second_sheet(3)
    assert filler_trial(3, sheet) == filler_trial(3, sheet)
    assert filler_trial(3, sheet) != filler_trial(4, second_sheet(4))
    assert trial_model(5) == trial_model(5) and second_sheet(5) == second_sheet(5)


def test_the_noise_follows_the_run_not_its_place_in_the_sheet():
    """Two orders of the same runs share every run's random numbers; only the drift differs."""
    seed, k = 7, attempt(7)
    model = dataclasses.replace(trial_model(seed), drift_g=0.0)
    sheet = second_sheet(seed)
    shuffled = sheet[:10][::-1] + sheet[10:][::-1]
    a = {(r["block"], coded(r)): r["weights"] for r in simulate(model, seed, k, sheet)}
    b = {(r["block"], coded(r)): r["weights"] for r in simulate(model, seed, k, shuffled)}
    assert a == b


@pytest.mark.parametrize("seed", SEEDS)
def test_every_trial_is_20_runs_of_20_bottles_in_tenths(seed):
    trial = filler_trial(seed, second_sheet(seed))
    bottles = trial["bottles"]
    assert tuple(bottles) == COLUMNS
    assert len(bottles["weight_g"]) == 20 * BOTTLES
    assert sorted(set(bottles["run"])) == list(range(1, 21))
    for value in bottles["weight_g"]:
        assert 490 < value < 512
        assert round(value * 10) == pytest.approx(value * 10, abs=1e-9)
    assert 0.20 <= trial["gauge_sd_g"] <= 0.40
    assert trial["gauge_sd_g"] == trial_model(seed).gauge_sd_g


@pytest.mark.parametrize("seed", SEEDS)
def test_the_model_of_every_seed_is_the_plans(seed):
    model = trial_model(seed)
    assert "B" in model.active and len(set(model.active) & {"A", "B", "C"}) in (2, 3)
    interactions = [t for t in model.active if len(t) > 1]
    assert interactions in ([], ["AB"], ["BC"])
    for term in interactions:  # an interaction of factors that matter
        assert set(term) <= set(model.active)
    for effect in model.effects_g.values():
        assert 0.32 <= abs(effect) <= 0.50
    assert 0.80 <= model.expected_s((0, 0, 0)) <= 1.10 + model.curvature_g
    assert model.curvature_g == 0 or 0.28 <= model.curvature_g <= 0.36
    assert 0 <= model.shift_g <= 0.15 and 0.22 <= model.drift_g <= 0.30
    assert 0.08 <= model.run_sd_g <= 0.11


def test_the_seeds_vary():
    models = [trial_model(s) for s in SEEDS]
    assert {tuple(m.active) for m in models} >= {("A", "B", "C"), ("B", "C", "BC")}
    assert sum(1 for m in models if any(len(t) > 1 for t in m.active)) >= 8
    assert sum(1 for m in models if not any(len(t) > 1 for t in m.active)) >= 3
    assert sum(1 for m in models if m.curvature_g) >= 2


@pytest.mark.parametrize("seed", SEEDS)
def test_the_analysis_of_the_second_sheet_finds_the_seeds_truth(seed):
    model = trial_model(seed)
    result = analyse(runs_of(seed, second_sheet(seed)))
    for term in TERMS:
        t = abs(result["t"][term])
        assert (t > T_975_7 + 0.3) if term in model.active else (t < T_975_7 - 0.3), term
    # The effects in s agree with the model's (fills and scale together) within 3 SE
    truth = {
        t: sum(filler_doe.term_value(t, x) * model.expected_s(x) for x in STANDARD_ORDER) / 4
        for t in TERMS
    }
    for term in TERMS:
        assert abs(result["effects"][term] - truth[term]) < 3 * result["se"], term
    assert result["df"] == 7
    if model.curvature_g:
        assert result["curvature_t"] < -(T_975_7 + 0.2)
    else:
        assert abs(result["curvature_t"]) < T_975_7 - 0.2


@pytest.mark.parametrize("seed", SEEDS)
def test_pseudo_replicates_understate_the_noise(seed):
    """Splitting each run's 20 bottles into two tens misses the run-to-run component."""
    runs = runs_of(seed, second_sheet(seed))
    assert pseudo_se(runs) < 0.95 * analyse(runs)["se"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_standard_order_sheet_reports_the_drift_as_temperature(seed):
    model, k = trial_model(seed), attempt(seed)
    assert drift_bias(model, seed, k) > 0.07
    # and its centre points, run last in each shift, look like curvature that is not there
    still = dataclasses.replace(model, drift_g=0.0)
    curved = analyse(simulate(model, seed, k, standard_sheet()))["curvature"]
    flat = analyse(simulate(still, seed, k, standard_sheet()))["curvature"]
    assert curved - flat < -0.07


@pytest.mark.parametrize("seed", SEEDS)
def test_the_graded_mistakes_change_the_numbers(seed):
    """What the lab's pitfalls change differs from the reference beyond each check's tolerance."""
    runs = runs_of(seed, second_sheet(seed))
    result = analyse(runs)
    s = [filler_doe.sample_sd(r["weights"]) for r in runs]
    s0 = [v * math.sqrt((BOTTLES - 1) / BOTTLES) for v in s]  # ddof=0
    assert max(abs(a - b) for a, b in zip(s, s0, strict=True)) > 1e-3
    assert max(abs(e) / 2 for e in result["effects"].values()) > 0.005  # coefficients
    assert result["se"] / 2 > 1e-3  # SE without the 2
    assert result["curvature_se"] - result["s_e"] / 4 > 1e-3  # without 1/n_C
    assert predict(result, {"bowl": 60, "speed": 130, "temp": 21}) is None


def test_settings_outside_the_box_and_bad_sheets_are_refused():
    with pytest.raises(ValueError, match="outside the approved ranges"):
        filler_trial(1, [{"block": 1, "bowl": 60, "speed": 130, "temp": 21}])
    with pytest.raises(ValueError, match="blocks 1 and 2"):
        filler_trial(1, [{"block": 3, "bowl": 60, "speed": 110, "temp": 21}])
    with pytest.raises(ValueError, match="needs block"):
        filler_trial(1, [{"bowl": 60, "speed": 110, "temp": 21}])
    with pytest.raises(ValueError, match="time for 12"):
        filler_trial(1, [{"block": 1, "bowl": 60, "speed": 110, "temp": 21}] * 13)


def test_a_dataframe_sheet_is_accepted():
    """A DataFrame (anything with to_dict("records")) is read as its records."""
    sheet = second_sheet(2)

    class Frame:
        def to_dict(self, orient):
            assert orient == "records"
            return [{**run, "A": 0} for run in sheet]

    assert filler_trial(2, Frame()) == filler_trial(2, sheet)


def test_the_draw_is_found_quickly():
    import time

    start = time.perf_counter()
    for seed in SEEDS:
        attempt(seed)
    assert time.perf_counter() - start < 10

"""plcsim.spc_shift: the seeded fill-weight shift and AR(1) temperature of lab-cusum-ewma."""

import math
import time

import pytest

from plcsim import spc_shift as s

SEEDS = range(1, 21)


def _xbar(subgroups):
    return [sum(row) / len(row) for row in subgroups]


def test_deterministic_and_fast():
    start = time.perf_counter()
    first = s.fill_shift(7)
    assert time.perf_counter() - start < 1.0
    assert s.fill_shift(7) == first
    assert s.fill_shift(8) != first


def test_shape_and_ranges():
    for seed in SEEDS:
        model = s.shift_model(seed)
        data = s.fill_shift(seed)
        assert set(data["phase1"]) == set(s.COLUMNS)
        assert len(data["phase1"]["weight_g"]) == 5 * s.PHASE1_SUBGROUPS
        assert len(data["phase2"]["weight_g"]) == 5 * model.phase2_subgroups
        assert 48 <= model.phase2_subgroups <= 72
        assert 500.5 <= model.mean_g <= 501.2 and 0.8 <= model.within_sd_g <= 1.1
        assert all(round(w * 10) == pytest.approx(w * 10) for w in data["phase1"]["weight_g"])
        assert len(data["temp_c"]) == 7200
        assert 0.85 <= model.phi <= 0.95 and 0.08 <= model.temp_sd_c <= 0.15


def test_kinds_per_block_of_ten():
    kinds = [s.shift_model(seed).kind for seed in SEEDS]
    for block in (kinds[:10], kinds[10:]):
        assert block.count("up") == 6 and block.count("down") == 2
        assert block.count("jump") == 1 and block.count("control") == 1


def test_shift_is_where_the_truth_says():
    for seed in SEEDS:
        model = s.shift_model(seed)
        p1, p2 = s.readings(seed)
        mu0, sigma = s.phase1_estimates(p1)
        xbar = _xbar(p2)
        _, _, c_sig = s.cusum(xbar, mu0, sigma)
        _, _, e_sig = s.ewma(xbar, mu0, sigma)
        x_sig = s.xbar_signal(xbar, mu0, sigma)
        if model.kind == "control":
            assert model.start is None and model.size_sigma == 0
            assert (c_sig, e_sig, x_sig) == (None, None, None)
            continue
        assert c_sig >= model.start and e_sig >= model.start
        if model.kind == "jump":
            assert abs(model.size_sigma) > 2.8 and x_sig < c_sig
        else:
            assert 0.5 <= abs(model.size_sigma) <= 1.5
            assert x_sig is None or x_sig > c_sig
            assert (model.size_sigma > 0) == (model.kind == "up")
        # the mean after the start is the shifted one, within sampling error
        after = xbar[model.start - 1 :]
        se = model.sigma_xbar_g / math.sqrt(len(after))
        assert abs(sum(after) / len(after) - model.shifted_mean_g) < 4 * se + 0.05


def test_temperature_has_the_seeded_phi():
    for seed in SEEDS:
        model = s.shift_model(seed)
        temp = s.temperature(seed)
        assert abs(s.phi_hat(temp) - model.phi) < 0.02
        mean = sum(temp) / len(temp)
        assert abs(mean - model.setpoint_c) < 0.1
        sd = math.sqrt(sum((t - mean) ** 2 for t in temp) / (len(temp) - 1))
        assert 0.6 * model.temp_sd_c < sd < 1.5 * model.temp_sd_c


def test_every_pitfall_bites():
    for seed in SEEDS:
        model = s.shift_model(seed)
        p1, p2 = s.readings(seed)
        mu0, sigma = s.phase1_estimates(p1)
        xbar = _xbar(p2)
        plus, minus, c_sig = s.cusum(xbar, mu0, sigma)
        if model.kind != "control":
            # no sqrt(5): another CUSUM signal subgroup; unfloored sums: another one too
            assert s.cusum(xbar, mu0, sigma * math.sqrt(5))[2] != c_sig
            assert s.cusum(xbar, mu0, sigma, floor=False)[2] != c_sig
        up, um, _ = s.cusum(xbar, mu0, sigma, floor=False)
        assert max(abs(a - b) for a, b in zip(up + um, plus + minus, strict=True)) >= 0.05
        gp, gm, _ = s.cusum(xbar, mu0, 1.0)  # k = 0.5 g, h = 5 g
        assert max(abs(a - b) for a, b in zip(gp + gm, plus + minus, strict=True)) >= 0.05
        # EWMA started at x1 instead of mu0: z1 differs by 0.9 |x1 - mu0|
        assert 0.9 * abs(xbar[0] - mu0) > 0.02
        # phase I re-estimated with the shifted data
        assert abs(s.phase1_estimates(p1 + p2)[0] - mu0) > 0.02
        # an ACF without centring on the temperature in °C is near 1
        temp = s.temperature(seed)
        uncentred = sum(a * b for a, b in zip(temp[1:], temp[:-1], strict=True)) / sum(
            t * t for t in temp
        )
        assert uncentred - s.phi_hat(temp) > 0.03


def _share_outside(x):
    """Percentage of *x* outside its mean +/- 3 MR-bar/1.128 (an I-chart)."""
    sigma = sum(abs(a - b) for a, b in zip(x[1:], x[:-1], strict=True)) / (len(x) - 1) / 1.128
    mean = sum(x) / len(x)
    return 100 * sum(abs(v - mean) > 3 * sigma for v in x) / len(x)


def test_moving_range_limits_fail_on_the_record_not_on_the_residuals():
    for seed in (1, 10, 20):  # pure Python: a few seeds keep the test fast
        temp = s.temperature(seed)
        phi = s.phi_hat(temp)
        mean = sum(temp) / len(temp)
        d = [t - mean for t in temp]
        resid = [b - phi * a for a, b in zip(d[:-1], d[1:], strict=True)]
        assert _share_outside(temp) > 20
        assert _share_outside(resid) < 2


def test_a_test_can_fail():
    with pytest.raises(AssertionError):
        assert s.shift_model(1) == s.shift_model(2)

"""PT-102 on the calibration bench (plcsim.calibration): what a technician checking it sees."""

from __future__ import annotations

import pytest

from plcsim.calibration import HIGH, LOW, TOLERANCE_PCT, bench, transmitter_errors

SEEDS = range(1, 21)
UP, DOWN = (0, 25, 50, 75, 100), (75, 50, 25, 0)


def usable(job) -> dict:
    """The one reference in date with a 4:1 ratio."""
    tolerance_bar = TOLERANCE_PCT / 100 * (HIGH - LOW)
    found = [
        c
        for c in job.calibrators
        if c["due"] >= job.date and tolerance_bar / c["uncertainty_bar"] >= 4
    ]
    assert len(found) == 1
    return found[0]


def five_point(cal, directions=("up", "down")) -> list[tuple[int, str, float, float, float]]:
    """(point, direction, applied bar, mA, error % of span) for each reading, in order."""
    rows = []
    for direction in directions:
        for point in UP if direction == "up" else DOWN:
            applied = cal.apply(LOW + point / 100 * (HIGH - LOW))
            ma = cal.read_ma()
            ideal = 4 + 16 * (applied - LOW) / (HIGH - LOW)
            rows.append((point, direction, applied, ma, (ma - ideal) / 16 * 100))
    return rows


def errors_at(rows, direction) -> dict[int, float]:
    return {point: error for point, d, _, _, error in rows if d == direction}


def adjust(job, cal, zero_first=True) -> None:
    """Bring the output to the ideal at each end, zero first (or, wrongly, span first)."""

    def trim(at, turn):
        applied = cal.apply(at)
        turn(4 + 16 * (applied - LOW) / (HIGH - LOW) - cal.read_ma())

    tx = job.transmitter
    steps = [(LOW, tx.adjust_zero), (HIGH, tx.adjust_span)]
    for at, turn in steps if zero_first else reversed(steps):
        trim(at, turn)


def worst(rows) -> float:
    return max(abs(row[4]) for row in rows)


def test_same_seed_same_readings_other_seed_other_transmitter():
    first, again = bench(7), bench(7)
    assert five_point(first.connect(usable(first)["id"])) == five_point(
        again.connect(usable(again)["id"])
    )
    assert transmitter_errors(7) != transmitter_errors(8)


def test_an_extra_reading_does_not_change_the_others():
    """Readings are keyed by the point, not by a running count: re-reading 50 % rising
    leaves every other reading of the check as it was."""
    plain, careful = bench(3), bench(3)
    rows = five_point(plain.connect(usable(plain)["id"]))
    cal = careful.connect(usable(careful)["id"])
    again = []
    for point in UP + DOWN:
        applied = cal.apply(LOW + point / 100 * (HIGH - LOW))
        again.append((applied, cal.read_ma()))
        if point == 50 and len(again) == 3:
            cal.read_ma()  # a second look at the same point
    assert again == [(applied, ma) for _, _, applied, ma, _ in rows]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_five_point_check_finds_the_seeded_errors(seed):
    job = bench(seed)
    truth = job.transmitter.errors
    rows = five_point(job.connect(usable(job)["id"]))
    up, down = errors_at(rows, "up"), errors_at(rows, "down")
    assert up[0] == pytest.approx(truth.zero_pct, abs=0.02)
    assert up[100] - up[0] == pytest.approx(truth.span_pct, abs=0.04)
    assert down[50] - up[50] == pytest.approx(truth.hysteresis_pct, abs=0.03)
    middle = (up[50] + down[50]) / 2 - (up[0] + up[100]) / 2
    assert middle == pytest.approx(truth.linearity_pct, abs=0.02)
    assert down[0] == pytest.approx(up[0], abs=0.02)  # hysteresis closes at the ends
    assert all(round(ma, 3) == ma for *_, ma, _ in rows)  # the mA input's 0.001 mA
    assert rows[0][2] == 0.0 and rows[-1][2] == 0.0  # vented reads 0 exactly


@pytest.mark.parametrize("seed", SEEDS)
def test_zero_then_span_leaves_only_the_bow_and_the_hysteresis(seed):
    job = bench(seed)
    cal = job.connect(usable(job)["id"])
    five_point(cal)
    adjust(job, cal)
    rows = five_point(cal)
    truth = job.transmitter.errors
    assert errors_at(rows, "up")[0] == pytest.approx(0.0, abs=0.03)
    assert errors_at(rows, "up")[100] == pytest.approx(0.0, abs=0.03)
    assert worst(rows) == pytest.approx(truth.as_left_worst(), abs=0.03)


@pytest.mark.parametrize("seed", SEEDS)
def test_span_before_zero_leaves_the_zero_error_at_the_top(seed):
    job = bench(seed)
    cal = job.connect(usable(job)["id"])
    zero_found = errors_at(five_point(cal), "up")[0]
    adjust(job, cal, zero_first=False)
    top = errors_at(five_point(cal), "up")[100]
    assert top == pytest.approx(-zero_found, abs=0.03)
    assert abs(top) >= 0.12


def test_the_span_turns_about_the_zero_and_the_zero_moves_everything():
    tx = bench(5).transmitter

    def ends():
        out = []
        for bar in (LOW, HIGH):
            tx.pressure_bar = bar
            out.append(tx.true_ma())
        return out

    before = ends()
    tx.adjust_span(0.1)
    after_span = ends()
    assert after_span == pytest.approx([before[0], before[1] + 0.1])
    tx.adjust_zero(-0.05)
    assert ends() == pytest.approx([after_span[0] - 0.05, after_span[1] - 0.05])


def test_an_overshoot_and_back_off_reads_the_other_branch():
    """Approaching 50 % from above after a rising approach hides the hysteresis."""
    seed = next(s for s in SEEDS if transmitter_errors(s).hysteresis_pct > 0.5)
    job = bench(seed)
    tx = job.transmitter
    cal = job.connect(usable(job)["id"])
    cal.apply(0.0)
    cal.apply(5.0)
    rising = tx.true_ma()
    cal.apply(5.5)
    cal.apply(5.0)
    from_above = tx.true_ma()
    assert (from_above - rising) / 16 * 100 > 0.5  # the falling branch, not the rising one


@pytest.mark.parametrize("seed", SEEDS)
def test_the_shelf_has_one_usable_reference_and_a_tempting_expired_one(seed):
    job = bench(seed)
    good = usable(job)
    best = min(job.calibrators, key=lambda c: c["uncertainty_bar"])
    assert best["due"] < job.date  # the most accurate one is out of date
    assert best["id"] != good["id"]
    assert any(
        c["due"] >= job.date and c["uncertainty_bar"] > 0.0125 for c in job.calibrators
    )  # and an in-date one is not good enough for 4:1


def test_the_expired_reference_has_drifted():
    job = bench(2)
    expired = min(job.calibrators, key=lambda c: c["uncertainty_bar"])
    assert abs(job.connect(expired["id"]).apply(10.0) - 10.0) >= 0.015


def test_seeds_give_every_verdict_the_lab_grades():
    """Some transmitters pass as found, others fail; some fail as left (hysteresis cannot
    be adjusted); on some, a rising-only check would pass one that fails."""
    found_pass, found_fail, left_fail, hidden_by_upscale = 0, 0, 0, 0
    for seed in SEEDS:
        job = bench(seed)
        cal = job.connect(usable(job)["id"])
        rows = five_point(cal)
        rising = [row for row in rows if row[1] == "up"]
        assert worst(rows) >= 0.3  # over half the tolerance: every seed is adjusted
        assert abs(worst(rows) - TOLERANCE_PCT) >= 0.04
        found_pass += worst(rows) <= TOLERANCE_PCT
        found_fail += worst(rows) > TOLERANCE_PCT
        hidden_by_upscale += worst(rising) <= TOLERANCE_PCT < worst(rows)
        adjust(job, cal)
        left = five_point(cal)
        assert abs(worst(left) - TOLERANCE_PCT) >= 0.04
        left_fail += worst(left) > TOLERANCE_PCT
    assert found_pass >= 4 and found_fail >= 8 and left_fail >= 2 and hidden_by_upscale >= 1


def test_the_bench_refuses_what_a_real_one_cannot_do():
    job = bench(1)
    with pytest.raises(ValueError, match="no reference"):
        job.connect("PC-99")
    cal = job.connect(usable(job)["id"])
    with pytest.raises(RuntimeError, match="apply a pressure first"):
        cal.read_ma()
    with pytest.raises(ValueError, match="hand pump"):
        cal.apply(-1.0)
    with pytest.raises(ValueError, match="hand pump"):
        cal.apply(40.0)
    with pytest.raises(ValueError, match="finite"):
        job.transmitter.adjust_zero(float("nan"))

"""The PID block: the lessons' TIC-201 retune, its units, action, bumpless start and windup."""

from __future__ import annotations

import pytest

from plcsim.loops import Inputs, Loop
from plcsim.pid import PID
from plcsim.process import Valve, fopdt, loop

CHILLER = fopdt(gain=-0.12, tau_s=45.0, dead_time_s=12.0, bias=25.8)  # the lesson's model


def chiller() -> Loop:
    """TIC-201 as the lessons draw it, noise-free: 60 % output = 40 % open = 21.0 degC."""
    return Loop(CHILLER, setpoint=20.5, output=60.0, valve=Valve(fail="open"), span=(0, 50))


def upset(block: PID, seconds: float = 1200.0) -> Loop:
    """In auto at 21.0 degC, then the glycol upset worth +1.2 degC uncorrected at 10 s."""
    run = chiller()
    run.schedule(0, mode="auto", setpoint=21.0)
    run.schedule(10, disturbance=1.2)
    run.run(seconds, block)
    return run


def inputs(pv: float, sp: float = 20.5, *, first: bool = False, output: float = 60.0) -> Inputs:
    return Inputs(0.0, 0.1, pv, sp, output, first, (0.0, 100.0), (0.0, 50.0))


def test_the_lessons_retune_reaches_63_percent_after_theta_plus_lambda():
    # Tuning in practice: Kc 5.21, Ti 0.75 min/repeat; a 0.2 degC setpoint step reaches 63 %
    # of the change about 12 + 24 = 36 s after it (the simulation gives 37 s), no overshoot.
    run = chiller()
    run.schedule(0, mode="auto", setpoint=21.0)
    run.schedule(60, setpoint=20.8)
    run.run(400, PID(kc=5.21, ti_min=0.75, action="reverse"))
    columns = run.historian.columns
    rows = list(zip(columns["time_s"], columns["pv"], strict=True))
    t63 = next(t for t, pv in rows if t >= 60 and pv <= 21.0 - 0.632 * 0.2)
    assert t63 - 60 == pytest.approx(37, abs=1.5)
    assert min(columns["pv"]) > 20.8 - 0.002  # no overshoot to speak of


def test_glycol_upset_peaks_and_iae_as_the_lessons_say():
    # Module 6's single loop: Kc 5.21, Ti 45 s peaks about +0.48 degC, IAE about 43 degC s.
    run = upset(PID(kc=5.21, ti_min=0.75))
    assert max(run.historian.columns["pv"]) - 21.0 == pytest.approx(0.48, abs=0.02)
    assert run.performance(10, 1200).iae == pytest.approx(43, abs=1.5)
    assert abs(run.historian.columns["pv"][-1] - 21.0) < 0.001  # the integral cleared it


def test_ti_typed_in_seconds_leaves_the_upset_uncleared():
    # 45 typed into the minutes-per-repeat field: the integral is 60 times too weak.
    right, wrong = upset(PID(kc=5.21, ti_min=0.75)), upset(PID(kc=5.21, ti_min=45.0))
    assert wrong.performance(10, 1200).iae > 10 * right.performance(10, 1200).iae
    assert wrong.historian.columns["pv"][-1] - 21.0 > 0.3


def test_the_first_automatic_output_is_the_last_manual_one():
    run = chiller()
    run.schedule(0, output=55.0)
    run.schedule(30, mode="auto", setpoint=20.0)  # 1 degC of error at the switch
    run.run(31, PID(kc=5.21, ti_min=0.75))
    ops = run.historian.columns["op"]
    assert ops[300] == pytest.approx(ops[299]) == pytest.approx(55.0)


def test_action_sets_the_sign_and_a_negative_gain_is_refused():
    reverse, direct = PID(kc=2.0, ti_min=None), PID(kc=2.0, ti_min=None, action="direct")
    reverse.scan(inputs(20.5, first=True))
    direct.scan(inputs(20.5, first=True))
    # 1 degC above the setpoint is 2 % of the 50 degC span: 4 % of output, either way.
    assert reverse.scan(inputs(21.5)) == pytest.approx(56.0)
    assert direct.scan(inputs(21.5)) == pytest.approx(64.0)
    with pytest.raises(ValueError, match="action"):
        PID(kc=-5.21, ti_min=0.75)
    with pytest.raises(ValueError, match="action"):
        PID(kc=5.21, ti_min=0.75, action="Reverse")
    for bad in (0.0, -0.75, float("nan"), "0.75", True):
        with pytest.raises(ValueError, match="ti_min"):
            PID(kc=5.21, ti_min=bad)


def test_wrong_action_runs_away_to_a_limit():
    run = upset(PID(kc=5.21, ti_min=0.75, action="direct"), seconds=600)
    assert run.historian.columns["op"][-1] in (0.0, 100.0)
    assert abs(run.historian.columns["pv"][-1] - 21.0) > 1.0


def test_p_only_leaves_the_offset_of_the_loop_gain():
    # Kc 5.21 on K 0.24 %/%: loop gain 1.25, so 1 / (1 + 1.25) of the upset remains.
    run = upset(PID(kc=5.21, ti_min=None))
    assert run.historian.columns["pv"][-1] - 21.0 == pytest.approx(1.2 / 2.25, abs=0.01)


def test_no_windup_on_the_cip_heat_up():
    # The windup lesson's heat-up saturates the steam valve for minutes; the block holds its
    # integral at the limit, so the caustic overshoots 75 degC by little (the anti-windup
    # lab's target: below 78 degC).
    run = loop("cip-heatup-tic401", seed=1, noise=False)
    run.schedule(0, mode="auto", setpoint=20.0)
    run.schedule(60, setpoint=75.0)
    run.run(60 + 45 * 60, PID(kc=4.0, ti_min=4.0))
    assert run.performance(60).saturated_s > 300
    assert max(run.historian.columns["pv"]) < 78.0


def test_derivative_acts_on_the_pv_not_on_a_setpoint_change():
    with_d, without = PID(kc=2.0, ti_min=None, td_min=0.1), PID(kc=2.0, ti_min=None)
    for block in (with_d, without):
        block.scan(inputs(20.5, first=True))
    assert with_d.scan(inputs(20.5, sp=19.5)) == pytest.approx(without.scan(inputs(20.5, sp=19.5)))
    # A rising PV moves a reverse-acting block's output down more with derivative action.
    assert with_d.scan(inputs(20.6, sp=19.5)) < without.scan(inputs(20.6, sp=19.5))


def test_repr_reads_like_a_faceplate():
    text = repr(PID(kc=5.21, ti_min=0.75))
    assert "kc=5.21" in text and "0.75 min/repeat" in text and "PB 19.2 %" in text

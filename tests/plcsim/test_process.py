"""Process loops: models that match the lessons' numbers, valves, transmitters, controllers."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from plcsim.dynamics import Actuator, Process, Valve, controller_action, heater
from plcsim.historian import _Table
from plcsim.loops import ControllerError, Inputs, Loop, LoopHistorian
from plcsim.performance import measure
from plcsim.process import SCENARIOS, VARIATION, fopdt, integrating, loop
from plcsim.transmitter import (
    Fault,
    Transmitter,
    from_counts,
    ne43_status,
    seeded_faults,
    to_counts,
)

ROOT = Path(__file__).resolve().parents[2]
LAB_PYTHON = ROOT / ".venv-lab" / "bin" / "python"
CHILLER = fopdt(gain=-0.12, tau_s=45.0, dead_time_s=12.0, bias=25.8)  # the lesson's model


def chiller(**options) -> Loop:
    """TIC-201 as the lesson draws it, noise-free: 60 % output = 40 % open = 21.0 degC."""
    return Loop(
        CHILLER, setpoint=20.5, output=60.0, valve=Valve(fail="open"), span=(0, 50), **options
    )


def make_pi(kc: float, ti_s: float, *, anti_windup: bool = True, bumpless: bool = True):
    """A learner's PI controller (ideal form, error SP - PV, reverse acting for kc > 0)."""

    def pi(pv, sp, dt, state):
        error = sp - pv
        if state["first_scan"]:
            state["integral"] = state["output"] - kc * error if bumpless else 0.0
        low, high = state["limits"]
        wanted = state["integral"] + kc * error
        pushing_further = (wanted >= high and error > 0) or (wanted <= low and error < 0)
        if not (anti_windup and pushing_further):
            state["integral"] += kc * error * dt / ti_s
        return state["integral"] + kc * error

    return pi


def column(loop_: Loop, name: str) -> list:
    return loop_.historian.columns[name]


def at(loop_: Loop, name: str, t: float):
    return column(loop_, name)[round(t / loop_.scan_s)]


# Process models -------------------------------------------------------------------------


def test_chiller_step_test_matches_the_lesson_and_the_analytic_curve():
    loop_ = chiller()
    loop_.schedule(10.0, output=50.0)  # valve 40 -> 50 % open at t = 10 s
    loop_.run(400)
    pv = column(loop_, "pv")
    assert pv[0] == pytest.approx(21.0) and loop_.action == "reverse"
    # Nothing moves until the dead time after the step has passed...
    assert all(p == pv[0] for t, p in zip(column(loop_, "time_s"), pv, strict=True) if t <= 22.0)
    assert at(loop_, "pv", 22.1) < pv[0]
    # ... then it follows K du (1 - exp(-(t - theta) / tau)) at every scan.
    for t in (30.0, 57.0 + 10.0, 150.0, 399.0):
        expected = 21.0 - 1.2 * (1 - math.exp(-(t - 10.0 - 12.0) / 45.0))
        assert at(loop_, "pv", t) == pytest.approx(expected, abs=1e-9)
    t63 = next(
        t for t, p in zip(column(loop_, "time_s"), pv, strict=True) if p <= 21.0 - 0.632 * 1.2
    )
    assert abs(t63 - (10.0 + 12.0 + 45.0)) <= loop_.scan_s
    assert pv[-1] == pytest.approx(19.8, abs=0.001)


def test_dead_time_is_whole_scans_and_reported_as_run():
    process = Process(fopdt(1.0, 10.0, dead_time_s=1.26), scan_s=0.5)
    assert process.delay_scans == 3 and process.params.dead_time_s == 1.5


def test_integrating_bowl_rises_5_percent_a_minute_per_10_percent_valve():
    bowl = integrating(gain=0.5, bias=-25.0, low=0.0, high=100.0)  # 100 L/min out of 400 L
    loop_ = Loop(bowl, setpoint=60.0, output=50.0, initial=60.0)
    loop_.run(60)
    assert column(loop_, "pv")[-1] == pytest.approx(60.0)  # balanced at 50 % open
    loop_.schedule(60.0, output=60.0)
    loop_.run(120)
    assert at(loop_, "pv", 120.0) - at(loop_, "pv", 60.0) == pytest.approx(5.0)
    loop_.schedule(180.0, output=100.0)
    loop_.run(600)
    assert column(loop_, "pv")[-1] == 100.0  # full, not fuller


def test_heater_warms_and_cools_at_the_lessons_rates():
    params = heater(0.5, 0.25, at=75.0, ambient=20.0)
    for valve, rate in ((100.0, 0.5), (0.0, -0.25)):
        process = Process(params, scan_s=1.0, valve=valve, initial=75.0)
        for _ in range(6):  # a tenth of a minute: the rate barely changes
            process.step(valve)
        assert (process.value - 75.0) / 0.1 == pytest.approx(rate, rel=0.01)


def test_caustic_heater_cycles_in_the_deadband_about_every_12_minutes():
    loop_ = loop("caustic-heater", 4)

    def on_off(pv, sp, dt, state):
        if pv <= 74.0:
            state["on"] = True
        elif pv >= 76.0:
            state["on"] = False
        return 100.0 if state.get("on") else 0.0

    loop_.schedule(0, mode="auto")
    loop_.run(3600, on_off)
    op, pv = column(loop_, "op"), column(loop_, "pv")
    switch_ons = [i for i in range(1, len(op)) if op[i] > op[i - 1]]
    cycle_min = (switch_ons[-1] - switch_ons[1]) / (len(switch_ons) - 2) * loop_.scan_s / 60
    truth = loop_.truth()
    rise = (truth.bias + 100 * truth.gain - 75) / truth.tau_s * 60
    fall = (75 - truth.bias) / truth.tau_s * 60
    assert cycle_min == pytest.approx(2 / rise + 2 / fall, rel=0.05)
    later = pv[switch_ons[1] :]
    assert 73.5 < min(later) < 74.0 and 76.0 < max(later) < 76.5  # the thermowell lag


# Valves and actuators -------------------------------------------------------------------


def test_valve_fail_action_decides_the_controller_action():
    assert Valve(fail="open").demand(60.0) == 40.0 and Valve().demand(60.0) == 60.0
    assert controller_action(-0.12, Valve(fail="open")) == "reverse"  # TIC-201
    assert controller_action(-0.12, Valve(fail="closed")) == "direct"
    assert controller_action(0.8, Valve()) == "reverse"  # steam valve, air-to-open
    assert Valve(fail="open").fail_position == 100.0
    with pytest.raises(ValueError, match="fails closed or open"):
        Valve(fail="sideways")


def test_actuator_saturates_and_rate_limits():
    drive = Actuator(rate_per_s=10.0)
    assert [drive.move(150.0, 1.0) for _ in range(3)] == [10.0, 20.0, 30.0]
    drive.rate_per_s = None
    assert drive.move(150.0, 1.0) == 100.0 and drive.move(-5.0, 1.0) == 0.0


def test_valve_deadband_and_stiction():
    backlash = Valve(deadband=2.0)
    assert backlash.move(10.0, 0.1) == 9.0  # follows 1 % behind
    assert backlash.move(9.5, 0.1) == 9.0  # a reversal inside the deadband: no move
    assert backlash.move(7.0, 0.1) == 8.0
    sticky = Valve(stiction=3.0, position=50.0)
    path = [sticky.move(50.0 + 0.5 * i, 0.1) for i in range(1, 9)]
    assert path == [50.0] * 5 + [53.0, 53.0, 53.0]  # sticks, then slips 3 % at once


# Transmitter and input cards ------------------------------------------------------------


def test_scaling_matches_the_lessons_conventions():
    tt201 = Transmitter(0.0, 50.0)
    assert tt201.current(20.5) == pytest.approx(10.56)
    assert to_counts(10.56, "s7") == 11336
    assert (to_counts(4.0, "12bit"), to_counts(20.0, "12bit")) == (819, 4095)
    assert from_counts(2048, "12bit", 0, 50) == pytest.approx(18.76, abs=0.01)
    assert from_counts(13824, "s7", 0, 50) == 25.0
    assert to_counts(0.0, "eu", 0, 50) == -12.5  # a broken loop scales to -25 % of span
    assert to_counts(22.0, "s7") == 31104 and to_counts(23.0, "s7") == 32767  # overflow
    assert to_counts(0.0, "s7") == 32767 and to_counts(0.0, "12bit") == 0  # wire break


def test_ne43_failure_currents_and_wire_breaks_are_bad_not_scaled():
    assert [ne43_status(ma) for ma in (3.6, 3.7, 12.0, 20.4, 21.0)] == [
        "failure low",
        "below range",
        "ok",
        "above range",
        "failure high",
    ]
    tt = Transmitter(
        0.0,
        50.0,
        faults=[
            Fault("fail-low", 10, 20, 3.5),
            Fault("fail-high", 20, 30, 21.5),
            Fault("wire-break", 30, 40),
        ],
    )
    assert tt.read(60.0, 0).ma == 20.5 and tt.read(60.0, 0).quality == "uncertain"  # saturates
    for now, ma in ((15, 3.5), (25, 21.5), (35, 0.0)):
        reading = tt.read(20.5, now)
        assert reading.ma == ma and reading.quality == "bad" and math.isnan(reading.value)
    assert tt.read(20.5, 45).quality == "good"
    with pytest.raises(ValueError, match="downscale failure"):
        Fault("fail-low", 0, 1, 3.7)


def test_seeded_faults_repeat_per_seed_and_use_failure_currents():
    faults = seeded_faults(7, 3600.0, count=6)
    assert faults == seeded_faults(7, 3600.0, count=6) != seeded_faults(8, 3600.0, count=6)
    for fault in faults:
        if fault.kind != "wire-break":
            assert ne43_status(fault.ma).startswith("failure")
    ends = sorted((f.start, f.end) for f in faults)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(ends, ends[1:], strict=False))


def test_loop_holds_its_output_while_the_transmitter_has_failed():
    calls = []

    def controller(pv, sp, dt, state):
        calls.append(state["time"])
        return 50.0 + state["time"]

    loop_ = chiller(
        mode="auto", transmitter=Transmitter(0, 50, faults=[Fault("fail-high", 1, 2, 22.0)])
    )
    loop_.run(3, controller)
    assert len(calls) == 20 and all(not 1 <= t < 2 for t in calls)
    assert math.isnan(at(loop_, "pv", 1.5)) and at(loop_, "quality", 1.5) == "bad"
    assert at(loop_, "op", 1.5) == at(loop_, "op", 0.9) == 50.9
    assert at(loop_, "raw", 1.5) == to_counts(22.0, "s7")


# The controller interface ---------------------------------------------------------------


def test_function_controller_is_called_once_a_scan_with_documented_arguments():
    calls = []

    def controller(pv, sp, dt, state):
        calls.append((pv, sp, dt, dict(state)))
        return 55.0

    loop_ = chiller(mode="auto")
    loop_.schedule(0.5, setpoint=20.0)
    loop_.run(1.0, controller)
    assert len(calls) == len(loop_.historian) == 10
    for i, (pv, sp, dt, state) in enumerate(calls):
        assert state["time"] == pytest.approx(i * 0.1) and dt == 0.1
        assert pv == column(loop_, "pv")[i] and sp == (20.5 if i < 5 else 20.0)
        assert state["output"] == (60.0 if i == 0 else 55.0)  # what the valve got last scan
        assert state["first_scan"] is (i == 0) and state["limits"] == (0.0, 100.0)
    loop_.run(0.2, controller)  # the same controller carries on with its state
    assert calls[-1][3]["first_scan"] is False


def test_object_controller_gets_inputs():
    class Recorder:
        def __init__(self):
            self.inputs = []

        def scan(self, inputs: Inputs) -> float:
            self.inputs.append(inputs)
            return 42

    recorder = Recorder()
    loop_ = chiller(mode="auto")
    loop_.run(0.3, recorder)
    first = recorder.inputs[0]
    assert len(recorder.inputs) == 3 and first.first_scan and not recorder.inputs[1].first_scan
    assert (first.sp, first.output, first.span, first.dt) == (20.5, 60.0, (0, 50), 0.1)
    assert column(loop_, "op") == [42.0] * 3


def test_output_saturates_and_is_flagged():
    loop_ = chiller(mode="auto")
    loop_.run(0.2, lambda pv, sp, dt, state: 150.0 if state["time"] < 0.1 else 30.0)
    assert column(loop_, "op") == [100.0, 30.0] and column(loop_, "saturated") == [True, False]
    loop_.schedule(0.2, mode="manual", output=-20.0)
    loop_.run(0.1)
    assert column(loop_, "op")[-1] == 0.0 and column(loop_, "saturated")[-1] is True
    assert loop_.performance(start=0).saturated_s == pytest.approx(0.2)


@pytest.mark.parametrize(
    "returned, message",
    [
        (math.nan, r"returned nan at t = 0\.3 s: the output must be finite"),
        (math.inf, r"returned inf at t = 0\.3 s"),
        ("50", r"returned '50' \(str\) at t = 0\.3 s: it must return the output as a number"),
        (None, r"returned None .* at t = 0\.3 s \(did it forget to return the output\?\)"),
        (True, r"returned True \(bool\) at t = 0\.3 s"),
    ],
)
def test_hostile_outputs_are_refused_naming_the_scan_time(returned, message):
    loop_ = chiller(mode="auto")
    with pytest.raises(ControllerError, match=message):
        loop_.run(1.0, lambda pv, sp, dt, state: returned if state["time"] > 0.25 else 50.0)
    assert len(loop_.historian) == 3  # the scans before the bad one are kept


def test_an_exception_in_the_controller_names_the_scan_time():
    def broken(pv, sp, dt, state):
        return 1 / (state["time"] - 0.2)

    loop_ = chiller(mode="auto")
    with pytest.raises(ControllerError, match=r"raised ZeroDivisionError at t = 0\.2 s") as caught:
        loop_.run(1.0, broken)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_bad_schedules_and_runs_are_refused():
    loop_ = chiller()
    with pytest.raises(ValueError, match="unknown mode"):
        loop_.schedule(1, mode="cascade")
    with pytest.raises(ValueError, match="setpoint must be a finite number"):
        loop_.schedule(1, setpoint=math.nan)
    with pytest.raises(ValueError, match="at least one change"):
        loop_.schedule(1)
    loop_.run(2)
    with pytest.raises(ValueError, match="cannot schedule 1 s"):
        loop_.schedule(1, setpoint=20)
    with pytest.raises(ValueError, match="run between"):
        loop_.run(math.nan)
    loop_.schedule(2, mode="auto")
    with pytest.raises(ControllerError, match="pass a controller"):
        loop_.run(1)


# Control behaviour ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 11])
def test_p_only_control_leaves_the_offset_the_lesson_predicts(seed):
    loop_ = loop("cip-supply-tic401", seed, noise=False)
    assert at_start_pv(loop_) == pytest.approx(70.0, abs=0.01)  # every seed starts at 70 degC

    def p_only(pv, sp, dt, state):
        if state["first_scan"]:
            state["bias"] = state["output"]
        return state["bias"] + 2.0 * (sp - pv)

    loop_.schedule(0, mode="auto")
    loop_.schedule(60, setpoint=75.0)
    loop_.run(1800, p_only)
    k = loop_.truth().gain  # %/% here: the span is 0-100 degC
    assert column(loop_, "pv")[-1] == pytest.approx(70 + 5 * k * 2 / (1 + k * 2), abs=0.01)
    assert loop_.performance().settling_time_s is None  # it never reaches the setpoint


def at_start_pv(loop_: Loop) -> float:
    return loop_.process.value


def test_anti_windup_cuts_the_overshoot_after_the_valve_saturates():
    runs = {}
    for anti_windup in (False, True):
        loop_ = loop("cip-heatup-tic401", 5, noise=False)
        loop_.schedule(0, mode="auto")
        loop_.run(2400, make_pi(4.0, 240.0, anti_windup=anti_windup, bumpless=False))
        runs[anti_windup] = (max(column(loop_, "pv")), loop_.performance())
    (peak_wound, wound), (peak, protected) = runs[False], runs[True]
    assert wound.saturated_s > protected.saturated_s > 200  # both start at 100 % for minutes
    assert peak_wound > 88 and peak < 78  # the lesson's figure: about 93 and 76 degC
    assert wound.overshoot_pct > 3 * protected.overshoot_pct
    assert wound.iae > protected.iae


def test_manual_to_auto_is_bumpless_when_the_controller_initialises_from_the_output():
    bumps = {}
    for bumpless in (True, False):
        loop_ = loop("cip-supply-tic401", 2)
        loop_.schedule(0, output=42.0)
        loop_.schedule(60, mode="auto", setpoint=75.0)
        loop_.run(120, make_pi(1.2, 180.0, bumpless=bumpless))
        bumps[bumpless] = abs(at(loop_, "op", 60.0) - at(loop_, "op", 59.9))
        assert at(loop_, "mode", 59.9) == "manual" and at(loop_, "mode", 60.0) == "auto"
    assert bumps[True] < 0.01 and bumps[False] > 5  # bumpless: only one scan of integral


def test_auto_to_manual_keeps_the_output():
    loop_ = chiller(mode="auto")
    loop_.schedule(1.0, mode="manual")
    loop_.run(2.0, lambda pv, sp, dt, state: 47.5)
    assert column(loop_, "op")[-1] == 47.5 and column(loop_, "mode")[-1] == "manual"


# Scenarios and seeds --------------------------------------------------------------------


def test_same_seed_same_history_different_seed_different_process():
    def history(seed):
        loop_ = loop("chiller-tic201", seed)
        loop_.schedule(0, mode="auto")
        loop_.schedule(30, setpoint=20.0)
        return loop_, loop_.run(90, make_pi(2.0, 45.0)).to_rows()

    (first, rows), (_, again), (other, _) = history(5), history(5), history(6)
    assert rows == again and len(rows) == 900
    assert first.truth() != other.truth() and first.nominal == other.nominal
    assert first.nominal.gain == -0.12 and first.nominal.tau_s == 45.0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_seed_varies_the_model_within_the_stated_band(name):
    nominal = SCENARIOS[name].params
    gains = set()
    for seed in range(12):
        truth = loop(name, seed).truth()
        gains.add(truth.gain)
        assert abs(truth.gain / nominal.gain - 1) <= VARIATION
        if nominal.tau_s:
            assert abs(truth.tau_s / nominal.tau_s - 1) <= VARIATION
        assert (
            abs(truth.dead_time_s - nominal.dead_time_s) <= VARIATION * nominal.dead_time_s + 0.05
        )
    assert len(gains) == 12


def test_every_seed_starts_the_bowl_balanced_and_the_chiller_at_21_degrees():
    for seed in (1, 2, 3):
        assert loop("chiller-tic201", seed).process.value == pytest.approx(21.0)
        bowl = loop("bowl-lic101", seed, noise=False)
        bowl.run(300)
        assert column(bowl, "pv")[-1] == pytest.approx(60.0, abs=0.01)
    with pytest.raises(ValueError, match="unknown loop 'boiler'; loops: chiller-tic201"):
        loop("boiler", 1)


# Performance measures -------------------------------------------------------------------


def test_performance_definitions_on_a_known_response():
    history = LoopHistorian(scan_s=1.0)
    pvs = [0, 0, 5, 9, 11, 10.5, 10, 10, 10]
    for t, pv in enumerate(pvs):
        history.append(
            float(t),
            0.0 if t == 0 else 10.0,
            pv,
            50.0,
            50.0,
            "auto",
            t in (1, 2),
            "good",
            None,
            None,
        )
    result = measure(history, band=0.2)
    assert (result.start_s, result.end_s, result.step) == (1.0, 9.0, 10.0)
    assert result.iae == pytest.approx(10 + 5 + 1 + 1 + 0.5)
    assert result.ise == pytest.approx(100 + 25 + 1 + 1 + 0.25)
    assert result.overshoot_pct == pytest.approx(10.0)
    assert result.rise_time_s == 1.0  # 10 % reached at 2 s, 90 % at 3 s
    assert result.settling_time_s == 5.0  # inside +/-0.2 for good from 6 s
    assert result.saturated_s == 2.0 and result.oscillations == 1


def test_noise_alone_is_not_an_oscillation():
    loop_ = loop("bowl-lic101", 9)
    loop_.schedule(0, mode="auto")
    loop_.run(600, make_pi(4.0, 600.0))  # LV-101 fails closed: reverse acting
    result = loop_.performance(start=0)
    assert result.step == pytest.approx(0.0, abs=1.0) and result.oscillations < 5


def test_historian_rows_and_the_dataframe(tmp_path):
    loop_ = chiller()
    loop_.run(0.2)
    rows = loop_.historian.to_rows()
    assert list(rows[0]) == list(LoopHistorian.COLUMNS) and rows[1]["time_s"] == 0.1
    assert isinstance(loop_.historian, _Table)
    if not LAB_PYTHON.exists():
        pytest.skip("no lab environment with pandas")
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from plcsim.process import loop\n"
        "frame = loop('bowl-lic101', 1).run(2).to_dataframe()\n"
        "print(len(frame), list(frame.columns))\n"
    )
    out = subprocess.run(
        [str(LAB_PYTHON), "-c", code], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    assert out.startswith("20 ['time_s', 'sp', 'pv', 'op', 'valve', 'mode', 'saturated'")

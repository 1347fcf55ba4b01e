"""Machine logic: IEC 61131-3 function blocks on the scan clock, and learner logic running
the filler, its interlock scenario set, the indexer's step chain and a PackML unit."""

from __future__ import annotations

import contextlib

import pytest

from plcsim.blocks import CTD, CTU, CTUD, F_TRIG, R_TRIG, RS, SR, TOF, TON, TP, Scan
from plcsim.filler import NOMINAL
from plcsim.interlocks import FAULTS, SAFE_WITHIN_SCANS, cases, check_interlocks, fault_scenario
from plcsim.logic import Blocks
from plcsim.machines import MACHINES, machine
from plcsim.packml import Command, State
from plcsim.scan import LogicError

SEEDS = range(20)


def scans(block, inputs_per_scan, scan: Scan):
    """Call *block* once a scan with each inputs dict; return its outputs after each call."""
    out = []
    for inputs in inputs_per_scan:
        block(**inputs)
        out.append({name: getattr(block, name) for name in block.OUTPUTS})
        scan.advance()
    return out


def first(rows, name, value=True):
    return next(i for i, row in enumerate(rows) if row[name] == value)


# Function blocks against the standard's timing diagrams ----------------------------------


def test_ton_sets_q_after_exactly_pt_of_scans_and_resets_when_in_falls():
    scan = Scan(0.01)
    rows = scans(TON(scan, PT=0.5), [{"IN": True}] * 60 + [{"IN": False}], scan)
    assert first(rows, "Q") == 50  # 0.5 s after the scan IN rose in: 50 scans of IN
    assert rows[25]["ET"] == pytest.approx(0.25) and not rows[49]["Q"]
    assert rows[59] == {"Q": True, "ET": 0.5}  # ET stops at PT
    assert rows[60] == {"Q": False, "ET": 0.0}


def test_ton_ignores_a_pulse_shorter_than_pt_and_restarts_from_zero():
    scan = Scan(0.01)
    timer = TON(scan, PT=0.5)
    rows = scans(timer, [{"IN": True}] * 40 + [{"IN": False}] + [{"IN": True}] * 51, scan)
    assert not any(row["Q"] for row in rows[:91]) and rows[91]["Q"]  # 41 + 50
    assert rows[41]["ET"] == 0.0


def test_timers_are_exact_when_the_scan_does_not_add_up_in_floating_point():
    scan = Scan(0.1)  # 3 * 0.1 is 0.30000000000000004, 7 * 0.1 is 0.7000000000000001
    rows = scans(TON(scan, PT=0.7), [{"IN": True}] * 9, scan)
    assert first(rows, "Q") == 7


def test_tof_holds_q_for_pt_after_in_falls_and_true_in_cancels_the_delay():
    scan = Scan(0.01)
    rows = scans(
        TOF(scan, PT=0.5),
        [{"IN": False}] * 3 + [{"IN": True}] * 5 + [{"IN": False}] * 60 + [{"IN": True}],
        scan,
    )
    assert not rows[0]["Q"] and rows[3]["Q"]
    falls = 8
    assert all(row["Q"] for row in rows[falls : falls + 50]) and not rows[falls + 50]["Q"]
    assert rows[falls + 20]["ET"] == pytest.approx(0.2) and rows[falls + 59]["ET"] == 0.5
    assert rows[-1] == {"Q": True, "ET": 0.0}
    rows = scans(TOF(scan, PT=0.5), [{"IN": True}] + [{"IN": False}] * 30 + [{"IN": True}], scan)
    assert all(row["Q"] for row in rows)


def test_tp_pulses_for_exactly_pt_and_cannot_be_retriggered():
    scan = Scan(0.01)
    pattern = [{"IN": True}] * 5 + [{"IN": False}] * 5 + [{"IN": True}] * 60 + [{"IN": False}]
    rows = scans(TP(scan, PT=0.5), pattern, scan)
    assert [row["Q"] for row in rows].count(True) == 50  # one pulse, however IN toggles
    assert first(rows, "Q") == 0 and first(rows, "Q", False) == 50
    assert rows[69]["ET"] == 0.5  # held at PT while IN stays true after the pulse
    assert rows[70] == {"Q": False, "ET": 0.0}


def test_r_trig_and_f_trig_fire_once_per_edge():
    scan = Scan(0.01)
    clk = [False, True, True, True, False, False, True, False]
    rising = scans(R_TRIG(scan), [{"CLK": c} for c in clk], scan)
    falling = scans(F_TRIG(scan), [{"CLK": c} for c in [True, *clk[1:]]], scan)
    assert [row["Q"] for row in rising] == [False, True, False, False, False, False, True, False]
    assert [row["Q"] for row in falling] == [False, False, False, False, True, False, False, True]


def test_edge_detectors_on_the_first_call_follow_the_standard():
    """R_TRIG sees CLK true at the first call as a rising edge; since IEC 61131-3's 2nd
    edition F_TRIG also fires once for CLK false at the first call."""
    assert R_TRIG()(CLK=True).Q and not R_TRIG()(CLK=False).Q
    f_trig = F_TRIG()
    assert f_trig(CLK=False).Q and not f_trig(CLK=False).Q


def test_ctu_counts_rising_edges_to_pv_and_reset_wins():
    counter = CTU(PV=3)
    for _ in range(3):
        counter(CU=True)
        counter(CU=True)  # held high: no second count
        counter(CU=False)
    assert counter.CV == 3 and counter.Q
    assert counter(CU=True, R=True).CV == 0 and not counter.Q
    counter.CV = 32767
    assert counter(CU=False, R=False)(CU=True).CV == 32767  # INT limit


def test_ctd_loads_pv_counts_down_and_stops_at_the_int_minimum():
    counter = CTD(PV=2)
    assert counter(LD=True).CV == 2 and not counter.Q
    counter(LD=False, CD=True)
    counter(CD=False)
    counter(CD=True)
    assert counter.CV == 0 and counter.Q
    counter.CV = -32768
    assert counter(CD=False)(CD=True).CV == -32768


def test_ctud_counts_both_ways_and_simultaneous_edges_cancel():
    counter = CTUD(PV=2)
    counter(CU=True)
    counter(CU=False)
    counter(CU=True)
    assert counter.CV == 2 and counter.QU and not counter.QD
    counter(CU=False, CD=True)
    assert counter.CV == 1 and not counter.QU
    counter(CU=True, CD=False)
    counter(CU=False)
    counter(CU=True, CD=True)  # both rise together: no change
    assert counter.CV == 2
    assert counter(R=True, LD=True).CV == 0 and counter.QD  # R wins over LD
    assert counter(R=False).CV == 2  # LD still true: loads PV


def test_sr_is_set_dominant_and_rs_reset_dominant():
    assert SR()(S1=True, R=True).Q1 and not RS()(S=True, R1=True).Q1
    latch = SR()
    latch(S1=True)
    assert latch(S1=False).Q1 and not latch(R=True).Q1


def test_blocks_refuse_wrong_inputs():
    scan = Scan(0.01)
    with pytest.raises(TypeError, match="BOOL"):
        TON(scan)(IN=1)
    with pytest.raises(ValueError, match="non-negative"):
        TON(scan)(IN=True, PT=-0.1)
    with pytest.raises(TypeError, match="INT"):
        CTU(PV=2.5)
    with pytest.raises(TypeError, match="no input 'IN'"):
        CTU()(IN=True)
    with pytest.raises(TypeError, match="scan clock"):
        TON(None)


def test_fb_declares_each_instance_once_and_refuses_a_second_type():
    scan = Scan(0.01)
    fb = Blocks(scan)
    timer = fb.TON("fill", IN=True, PT=0.02)
    scan.advance()
    scan.advance()
    assert fb.TON("fill", IN=True) is timer and timer.Q and fb["fill"] is timer
    assert fb.TOF("other") is not None and "other" in fb
    with pytest.raises(TypeError, match="is a TON, not a TP"):
        fb.TP("fill")
    with pytest.raises(KeyError, match="declared: fill, other"):
        fb["missing"]


# The executor: scans, memory, outputs, errors ----------------------------------------------


def test_logic_runs_once_a_scan_and_outputs_hold_until_written():
    filler = machine("filler", 1, start_at=None)
    calls = []

    def logic(io, mem, fb):
        mem.init(count=0)
        calls.append((fb.scan.time, fb.scan.first))
        mem.count += 1
        if mem.count == 3:
            io.running_lamp = True

    filler.run(0.1, logic)
    assert [t for t, _ in calls] == pytest.approx([i * 0.01 for i in range(10)])
    assert calls[0][1] and not calls[1][1]
    assert filler.mem.count == 10 and filler.io.running_lamp
    assert filler.historian.series("running_lamp") == [(0.0, False), (0.02, True)]
    filler.run(0.05, logic)  # the same logic carries on with its memory
    assert filler.mem.count == 15


def test_historian_records_changes_only():
    filler = machine("filler", 2)
    filler.run(10, lambda io, mem, fb: None)
    rows = filler.historian.rows
    assert len(rows) < 1000 * len(filler.POINTS) / 10  # 1,000 scans, a few changes each
    assert sorted(name for t, name, _ in rows if t == 0) == sorted(filler.values)  # all at 0
    presses = filler.historian.series("start_pb")
    assert presses == [(0.0, False), (0.5, True), (0.7, False)]
    assert filler.historian.value_at("start_pb", 0.6) is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("io.fill_valve = 1", "fill_valve is a digital output: write True or False, not 1"),
        ("io.fill_vlave = True", "'fill_vlave', which is not an output of the filler"),
        ("io.weight = 3.0", "weight is an input"),
        ("x = io.flow", "the filler has no I/O point 'flow'"),
        ("x = mem.step", r"mem.step has no value yet: give it one first"),
        ("x = 1 / 0", "raised ZeroDivisionError"),
        ("x = fb.TON('t', IN=io.weight)", r"TON.IN is a BOOL input"),
    ],
)
def test_hostile_logic_stops_the_run_naming_the_scan_time(body, message):
    namespace: dict = {}
    source = f"def logic(io, mem, fb):\n    if fb.scan.time >= 0.3:\n        {body}\n"
    exec(compile(source, "learner.py", "exec"), namespace)  # noqa: S102 (the test's own code)
    filler = machine("filler", 3)
    with pytest.raises(LogicError, match=message) as caught:
        filler.run(1.0, namespace["logic"])
    assert "at t = 0.3 s (scan 30), line 3" in str(caught.value)
    assert filler.clock == 0.3 and filler.events[-1].kind == "logic-error"


def test_a_caught_io_error_still_fails_the_run():
    def sly(io, mem, fb):
        with contextlib.suppress(Exception):  # the logic swallows its own error
            io.fill_valve = "open"

    with pytest.raises(LogicError, match="at t = 0 s"):
        machine("filler", 1).run(1, sly)


def test_logic_must_take_io_mem_and_fb():
    with pytest.raises(TypeError, match=r"logic\(io, mem, fb\)"):
        machine("filler", 1).run(1, lambda io: None)
    with pytest.raises(ValueError, match="unknown machine"):
        machine("mixer", 1)
    assert set(MACHINES) == {"filler", "indexer", "packml-unit"}


# The filler --------------------------------------------------------------------------------

IN_FLIGHT_S = 0.30  # the lesson's numbers: the valve closes in 0.2 s, product falls 0.1 s


def filler_logic(io, mem, fb):
    """The reference: permissives and latched faults, flow measured each fill, the lead
    = flow x in-flight time, corrected from each bottle's settled weight."""
    mem.init(phase="wait", faulted=False, correction=0.0, t1=None, w1=0.0, rate=120.0)
    mem.init(last=0.0)
    healthy = io.guard_closed and io.estop_ok and not io.bowl_low and io.weight_ok
    frozen = fb.TON("frozen", IN=mem.phase == "fill" and io.weight == mem.last, PT=0.2).Q
    lost = mem.phase in ("fill", "settle") and not io.bottle_present
    mem.last = io.weight
    if not healthy or frozen or lost:
        mem.faulted = True
    if io.reset_pb and healthy:
        mem.faulted = False
    running = fb.RS("run", S=io.start_pb and not mem.faulted, R1=io.stop_pb or mem.faulted).Q1
    if mem.phase == "wait" and io.bottle_present and running:
        mem.phase, mem.t1 = "fill", None
    if mem.phase == "fill" and running:
        weight, now = io.weight, fb.scan.time
        if mem.t1 is None and weight >= 100:
            mem.t1, mem.w1 = now, weight
        elif mem.t1 is not None and weight >= 250:
            mem.rate = (weight - mem.w1) / (now - mem.t1)
        if weight >= 500 - mem.rate * (IN_FLIGHT_S + fb.scan.dt / 2) - mem.correction:
            mem.phase = "settle"
    if fb.TON("settle", IN=mem.phase == "settle", PT=0.5).Q:
        mem.correction += 0.5 * (io.weight - 500)
        mem.phase = "release"
    if mem.phase == "release" and not io.bottle_present:
        mem.phase = "wait"
    io.fill_valve = running and mem.phase == "fill"
    io.release = running and mem.phase == "release"
    io.running_lamp, io.fault_lamp = running, mem.faulted


def close_at_target(io, mem, fb):
    """The naive fill: close the valve when the load cell reads the target."""
    mem.init(phase="wait")
    if mem.phase == "wait" and io.bottle_present:
        mem.phase = "fill"
    if mem.phase == "fill" and io.weight >= 500:
        mem.phase = "settle"
    if fb.TON("settle", IN=mem.phase == "settle", PT=0.5).Q:
        mem.phase = "release"
    if mem.phase == "release" and not io.bottle_present:
        mem.phase = "wait"
    io.fill_valve = mem.phase == "fill"
    io.release = mem.phase == "release"


def test_reference_logic_fills_within_tolerance_on_every_seed():
    for seed in SEEDS:
        filler = machine("filler", seed)
        filler.run(40, filler_logic)
        report = filler.report()
        assert report["bottles"] >= 5, seed
        assert report["in_tolerance"] == report["bottles"], (seed, report["fills"])
        assert report["overflows"] == 0 and report["spilled_g"] == 0.0


def test_closing_at_the_target_overflows_every_bottle_on_every_seed():
    for seed in SEEDS:
        filler = machine("filler", seed)
        filler.run(15, close_at_target)
        report = filler.report()
        assert report["bottles"] >= 1 and report["in_tolerance"] == 0, seed
        assert report["overflows"] == report["bottles"] and report["spilled_g"] > 0


def test_filler_seeds_vary_the_flow_and_lag_and_repeat_exactly():
    truths = [machine("filler", seed).truth() for seed in SEEDS]
    flows = [t.flow_g_s for t in truths]
    assert min(flows) < 0.95 * NOMINAL.flow_g_s and max(flows) > 1.05 * NOMINAL.flow_g_s
    assert all(0.85 * NOMINAL.flow_g_s <= f <= 1.15 * NOMINAL.flow_g_s for f in flows)
    assert all(abs(t.close_lag_s / NOMINAL.close_lag_s - 1) <= 0.05 for t in truths)
    runs = []
    for seed in (4, 4, 5):
        filler = machine("filler", seed)
        filler.run(20, filler_logic)
        runs.append((filler.historian.rows, filler.report()))
    assert runs[0] == runs[1] and runs[0] != runs[2]


# The interlock scenario set ----------------------------------------------------------------


class _Override:
    """An io whose named inputs read as given: a test double for input-conditioning code."""

    def __init__(self, io, **values):
        object.__setattr__(self, "_io", io)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name):
        return self._values[name] if name in self._values else getattr(self._io, name)

    def __setattr__(self, name, value):
        setattr(self._io, name, value)


def without_guard(io, mem, fb):
    """The reference with the guard door left out of the permissives."""
    filler_logic(_Override(io, guard_closed=True), mem, fb)


def unlatched(io, mem, fb):
    """Permissives as a plain AND: the valve runs again as soon as the fault clears."""
    mem.init(phase="wait")
    ok = io.guard_closed and io.estop_ok and not io.bowl_low and io.weight_ok
    if mem.phase == "wait" and io.bottle_present:
        mem.phase = "fill"
    if mem.phase == "fill" and io.weight >= 470:
        mem.phase = "settle"
    if fb.TON("settle", IN=mem.phase == "settle", PT=0.5).Q:
        mem.phase = "release"
    if mem.phase == "release" and not io.bottle_present:
        mem.phase = "wait"
    io.fill_valve = ok and mem.phase == "fill" and io.bottle_present
    io.release = ok and mem.phase == "release"


def test_reference_logic_holds_every_interlock():
    for seed in (1, 2):
        result = check_interlocks(filler_logic, seed)
        assert [case["kind"] for case in result["cases"]] == list(FAULTS)
        assert result["passed"], result
        for case in result["cases"]:
            assert case["mid_fill"] and case["resumed_s"] > case["reset_s"] > case["cleared_s"]
        direct = [c for c in result["cases"] if c["kind"] != "loadcell_stuck"]
        assert all(case["safe_after_scans"] == 0 for case in direct)


def test_ignoring_the_guard_door_fails_only_the_guard_case():
    result = check_interlocks(without_guard, 1)
    failed = [case["kind"] for case in result["cases"] if not case["passed"]]
    assert not result["passed"] and failed == ["guard_open"]
    guard = result["cases"][0]
    assert not guard["safe_in_time"] and not guard["held_until_reset"]  # it filled on


def test_restarting_without_a_reset_after_an_estop_is_detected():
    filler = fault_scenario(3, "estop")
    filler.run(40, unlatched)
    result = filler.report()["interlock"]
    assert result["safe_after_scans"] == 0 and result["safe_in_time"]
    assert result["restarted_without_reset"] and not result["left_while_active"]
    assert result["cleared_s"] <= result["left_safe_s"] < result["reset_s"]
    assert not result["passed"]


def test_a_slow_interlock_is_late_and_a_stuck_load_cell_needs_detecting():
    def debounced(io, mem, fb):  # the reference, but the door switch debounced for 40 ms
        closed = io.guard_closed or not fb.TON("door", IN=not io.guard_closed, PT=0.04).Q
        filler_logic(_Override(io, guard_closed=closed), mem, fb)

    result = check_interlocks(debounced, 4)
    guard = next(c for c in result["cases"] if c["kind"] == "guard_open")
    assert guard["safe_after_scans"] == 4 > SAFE_WITHIN_SCANS
    assert not guard["safe_in_time"] and not guard["passed"]
    stuck = fault_scenario(4, "loadcell_stuck")
    stuck.run(40, unlatched)
    assert not stuck.report()["interlock"]["safe_in_time"]
    assert stuck.report()["overflows"] >= 1  # the valve stayed open on a frozen reading


def test_fault_cases_repeat_per_seed_and_vary_between_seeds():
    assert cases(7) == cases(7) and cases(7) != cases(8)
    assert all(c.early_reset_s is None for c in cases(7) if c.kind == "loadcell_stuck")
    assert all(c.early_reset_s < c.lasts_s for c in cases(7) if c.early_reset_s is not None)


# The indexer's step chain ------------------------------------------------------------------

FILL_S, DWELL_S = 1.5, 0.4  # the recipe's fill time, the capper's dwell


def chain(*, watchdogs: bool = True):
    """The reference step chain: infeed -> index -> fill and cap together -> infeed, with
    step watchdogs for jams and a retentive fill time, resuming the interrupted step."""
    return lambda io, mem, fb: _chain(io, mem, fb, watchdogs)


def _chain(io, mem, fb, watchdogs):
    mem.init(step="infeed", fill_s=0.0, capped=True, left_home=False, faulted=False)
    if io.fill_valve:
        mem.fill_s += fb.scan.dt
    if io.reset_pb and io.estop_ok:
        mem.faulted = False
    run = fb.RS(
        "run",
        S=io.start_pb and not mem.faulted and io.estop_ok,
        R1=io.stop_pb or mem.faulted or not io.estop_ok,
    ).Q1
    step = mem.step
    if run and step == "infeed" and io.infeed_eye:
        step, mem.left_home = "index", False
    elif run and step == "index":
        if not io.index_home:
            mem.left_home = True
        elif mem.left_home:
            step, mem.capped = "work", not io.cap_eye
            mem.fill_s = 0.0 if io.fill_eye else FILL_S
    elif run and step == "work" and mem.fill_s >= FILL_S - 1e-6 and mem.capped:
        step = "infeed" if io.capper_up else step
    mem.step = step
    work = run and step == "work"
    if fb.TON("dwell", IN=work and io.capper_down and not mem.capped, PT=DWELL_S).Q:
        mem.capped = True
    index_jam = fb.TON("index_watch", IN=run and step == "index", PT=2.0).Q
    cap_jam = fb.TON("cap_watch", IN=work and not mem.capped and not io.capper_down, PT=1.0).Q
    if watchdogs and (index_jam or cap_jam):
        mem.faulted, run = True, False
    io.infeed_gate = run and step == "infeed" and not io.infeed_eye
    io.index_motor = run and step == "index"
    io.fill_valve = work and mem.fill_s < FILL_S - 1e-6
    io.capper_extend = work and not mem.capped
    io.running_lamp, io.fault_lamp = run, mem.faulted


indexer_logic = chain()


def timed_chain(io, mem, fb):
    """A chain on timers alone: no sensors, the capper held down until the next index."""
    mem.init(step=0)
    durations = (0.5, 0.8, 1.5)  # infeed, index, fill and cap
    if fb.TON(f"step{mem.step}", IN=True, PT=durations[mem.step]).Q:
        fb.TON(f"step{mem.step}", IN=False)
        mem.step = (mem.step + 1) % 3
    io.infeed_gate, io.index_motor = mem.step == 0, mem.step == 1
    io.fill_valve = mem.step == 2
    io.capper_extend = mem.step != 1  # retracts only as the index starts


def test_reference_chain_makes_only_good_bottles():
    for seed in (1, 2, 3):
        indexer = machine("indexer", seed)
        indexer.run(120, indexer_logic)
        report = indexer.report()
        assert report["sequence_errors"] == [] and report["jams"] == []
        assert report["good"] == report["produced"] and report["good_per_min"] > 18


def test_a_chain_without_sensors_crushes_bottles_and_spills():
    indexer = machine("indexer", 2)
    indexer.run(60, timed_chain)
    report = indexer.report()
    errors = {error["error"] for error in report["sequence_errors"]}
    assert "index-capper-down" in errors and report["rejects"]["crushed"] > 0
    assert report["good"] == 0


def test_jams_are_caught_by_step_watchdogs_and_need_reset_and_start():
    for seed in (1, 2):
        indexer = machine("indexer", seed, jams=True)
        indexer.run(90, indexer_logic)
        report = indexer.report()
        assert [jam["kind"] for jam in report["jams"]] == ["index", "capper"]
        assert all(jam["passed"] for jam in report["jams"]), report["jams"]
        assert report["sequence_errors"] == [] and report["good"] == report["produced"]

    blind = machine("indexer", 1, jams=True)
    blind.run(90, chain(watchdogs=False))
    jam = blind.report()["jams"][0]
    assert jam["struck_s"] is not None and jam["stopped_after_s"] is None and not jam["passed"]
    assert blind.values["index_motor"]  # still running into the jam


# PackML as control logic -------------------------------------------------------------------

S, C = State, Command
STATE_COMPLETE = {
    S.RESETTING: S.IDLE,
    S.STARTING: S.EXECUTE,
    S.STOPPING: S.STOPPED,
    S.ABORTING: S.ABORTED,
    S.CLEARING: S.STOPPED,
    S.HOLDING: S.HELD,
    S.UNHOLDING: S.EXECUTE,
    S.SUSPENDING: S.SUSPENDED,
    S.UNSUSPENDING: S.EXECUTE,
    S.COMPLETING: S.COMPLETE,
}
ON_COMMAND = {
    (S.STOPPED, C.RESET): S.RESETTING,
    (S.COMPLETE, C.RESET): S.RESETTING,
    (S.IDLE, C.START): S.STARTING,
    (S.EXECUTE, C.HOLD): S.HOLDING,
    (S.HELD, C.UNHOLD): S.UNHOLDING,
    (S.EXECUTE, C.COMPLETE): S.COMPLETING,
    (S.ABORTED, C.CLEAR): S.CLEARING,
}
NOT_STOPPABLE = (S.STOPPING, S.STOPPED, S.ABORTING, S.ABORTED, S.CLEARING)


def packml_logic(io, mem, fb):
    """The reference state machine: abort, then stop, then commands, then conditions."""
    state, command = io.state, io.command
    if (io.fault or command == C.ABORT) and state not in (S.ABORTING, S.ABORTED):
        state = S.ABORTING
    elif command == C.STOP and state not in NOT_STOPPABLE:
        state = S.STOPPING
    elif (state, command) in ON_COMMAND:
        state = ON_COMMAND[state, command]
    elif state == S.EXECUTE and io.starved:
        state = S.SUSPENDING
    elif state == S.SUSPENDED and not io.starved:
        state = S.UNSUSPENDING
    elif io.state_complete and state in STATE_COMPLETE:
        state = STATE_COMPLETE[state]
    io.state = state


def shortcuts(io, mem, fb):
    """Jumps to where the operator seems to want the unit, and ignores the conditions."""
    jumps = {C.START: S.EXECUTE, C.RESET: S.IDLE, C.STOP: S.STOPPED, C.HOLD: S.HELD}
    if io.command in jumps:
        io.state = jumps[io.command]
    elif io.command == C.UNHOLD:
        io.state = 6  # an int is fine: it reads back as State.EXECUTE


def test_reference_state_machine_passes_the_operator_script():
    for seed in (1, 2, 3):
        unit = machine("packml-unit", seed)
        unit.run(120, packml_logic)
        report = unit.report()
        assert report["script_done"] and report["script_stuck"] is None
        assert report["illegal"] == report["unexplained"] == report["ignored"] == []
        assert set(report["states_visited"]) == {s.name for s in State} - {"UNDEFINED"}


def test_illegal_shortcuts_and_ignored_conditions_are_recorded():
    unit = machine("packml-unit", 1)
    unit.run(120, shortcuts)
    report = unit.report()
    assert report["illegal"][0]["from"] == "STOPPED" and report["illegal"][0]["to"] == "EXECUTE"
    assert unit.io.state is State.EXECUTE
    assert {row["ignored"] for row in report["ignored"]} == {"starved"}
    assert not report["script_done"] and "SUSPENDED" in report["script_stuck"]


def test_leaving_an_acting_state_before_it_completes_is_unexplained():
    def hasty(io, mem, fb):
        if io.state == S.STARTING:
            io.state = S.EXECUTE  # the scan after Start, without waiting for SC
        else:
            packml_logic(io, mem, fb)

    unit = machine("packml-unit", 1)
    unit.run(20, hasty)
    report = unit.report()
    assert report["illegal"] == [] and len(report["unexplained"]) == 1
    assert report["unexplained"][0]["from"] == "STARTING"


def test_the_state_output_takes_only_packml_states():
    def wild(io, mem, fb):
        io.state = 99

    with pytest.raises(LogicError, match="state takes one of UNDEFINED"):
        machine("packml-unit", 1).run(1, wild)


def test_a_low_bowl_and_a_gap_in_the_infeed_come_and_go_when_scheduled():
    filler = machine("filler", 4, start_at=None)
    filler.bowl_low_between(2.0, 3.0)
    filler.no_bottles_between(5.0, 9.0)

    def release_at_once(io, mem, fb):  # every bottle leaves as soon as it arrives
        io.release = io.bottle_present

    filler.run(12.0, release_at_once)
    low = filler.historian.series("bowl_low")
    assert low == [(0.0, False), (2.0, True), (3.0, False)]
    arrivals = [b.arrived_s for b in filler.bottles]
    assert not any(5.0 < t < 9.0 - 1e-9 for t in arrivals)  # none while the infeed is empty
    assert any(t >= 9.0 - 1e-9 for t in arrivals) and any(t <= 5.0 for t in arrivals)

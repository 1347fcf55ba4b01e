"""The packaging line behaves like a real one: material flows, losses, schedules, recoveries."""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

import pytest

from plcsim import Command, State
from plcsim.alarms import Alarm, AlarmState
from plcsim.line import ACTING_SECONDS, POWER_SHARE, Buffer, Line
from plcsim.scenarios import PACKAGING_BUFFERS, PACKAGING_UNITS, product_temp_recipe, scenario
from plcsim.sensors import Fault, Sensor
from plcsim.tags import Quality
from plcsim.units import BLOCKED, BREAK, CHANGEOVER, END_OF_PRODUCTION, STARVED

SHIFT = 8 * 3600
PATH = "Riverbend/Packaging/Line1"


def quiet_line(seed: int = 1) -> Line:
    """The packaging line without random faults, stops or losses: only what a test schedules."""
    specs = [
        replace(
            spec,
            fault_per_hour=0.0,
            external_stop_per_hour=0.0,
            microstop_per_hour=0.0,
            slowdown_per_hour=0.0,
            material_change_minutes=0.0,
        )
        for spec in PACKAGING_UNITS
    ]
    buffers = [Buffer(capacity, level) for capacity, level in PACKAGING_BUFFERS]
    line = Line(specs, seed=seed, buffers=buffers)
    line.start_production()
    return line


def episodes(history: dict, unit: str) -> list[tuple[State, int, list[int], float]]:
    """(state, scans, stop reasons, start time) for each run of one state of *unit*."""
    rows = [
        (State(s), r, t)
        for u, s, r, t in zip(
            history["unit"],
            history["state"],
            history["stop_reason"],
            history["time_s"],
            strict=True,
        )
        if u == unit
    ]
    out = []
    for state, group in groupby(rows, key=lambda row: row[0]):
        group = list(group)
        out.append((state, len(group), [r for _, r, _ in group], group[0][2]))
    return out


def at(line: Line, unit: str, time_s: float) -> tuple[State, int]:
    """The state and stop reason the historian recorded for *unit* at *time_s*."""
    h = line.historian.columns
    names = list(line.units)
    row = int(time_s / line.resolution) * len(names) + names.index(unit)
    assert h["time_s"][row] == time_s and h["unit"][row] == unit
    return State(h["state"][row]), h["stop_reason"][row]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_downstream_never_outproduces_upstream_plus_buffer(seed):
    line = scenario("packaging-line", seed=seed)
    h = line.run(SHIFT).columns
    names, specs = list(line.units), [u.spec for u in line.units.values()]
    n = len(names)
    totals, bad = h["produced_total"], h["defective_total"]
    for scan in range(0, len(totals), n):
        for i, (capacity, initial) in enumerate(PACKAGING_BUFFERS):
            good_in = totals[scan + i] - bad[scan + i]
            taken = totals[scan + i + 1] * specs[i + 1].pack_size
            assert 0 <= initial + good_in - taken <= capacity, (seed, h["time_s"][scan], i)
    cases, filler = line.units["CasePacker"].produced.total, line.units["Filler"].produced.total
    assert cases * 12 <= filler + sum(level for _, level in PACKAGING_BUFFERS[1:])


def test_a_stopped_filler_starves_downstream_and_blocks_upstream():
    line = quiet_line()
    line.schedule(600, "Filler", Command.STOP, reason=END_OF_PRODUCTION)
    line.schedule(1800, "Filler", Command.RESET)
    line.schedule(1805, "Filler", Command.START)
    line.run(2400)
    assert at(line, "Filler", 1500) == (State.STOPPED, END_OF_PRODUCTION)
    for unit in ("Capper", "Labeler", "CasePacker"):
        assert at(line, unit, 1500) == (State.SUSPENDED, STARVED)
    assert at(line, "Infeed", 1500) == (State.SUSPENDED, BLOCKED)
    for unit in line.units:  # material came back, and every unit unsuspended by itself
        assert at(line, unit, 2399) == (State.EXECUTE, 0)
    # the starved units went SUSPENDING → SUSPENDED → UNSUSPENDING → EXECUTE
    capper = [state for state, *_ in episodes(line.historian.columns, "Capper")]
    assert capper[-4:] == [State.SUSPENDING, State.SUSPENDED, State.UNSUSPENDING, State.EXECUTE]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_oee_performance_of_a_shift_is_believable(seed):
    """Speed losses and micro-stops keep performance at 80-95 %, as on a real line."""
    line = scenario("packaging-line", seed=seed)
    h = line.run(SHIFT).columns
    for name, unit in line.units.items():
        run_s = sum(1 for u, s in zip(h["unit"], h["state"], strict=True) if u == name and s == 6)
        performance = unit.produced.total / (run_s / 60 * unit.spec.design_speed)
        assert 0.80 <= performance <= 0.95, (name, performance)


@pytest.mark.parametrize("seed", [3, 7])
def test_stop_reason_is_set_when_a_stop_begins_and_held_until_execute(seed):
    line = scenario("packaging-line", seed=seed)
    history = line.run(SHIFT).columns
    reasons_seen = set()
    for unit in line.units:
        for state, _, reasons, start in episodes(history, unit):
            if state is State.EXECUTE:
                assert set(reasons) == {0}, (unit, start)
        down = [(s, r) for s, _, r, _ in episodes(history, unit)]
        # consecutive non-EXECUTE episodes form one stop with one reason
        for running, group in groupby(down, key=lambda e: e[0] is State.EXECUTE):
            if not running:
                reasons = {r for _, rs in group for r in rs}
                assert len(reasons) == 1, (unit, reasons)
                reasons_seen |= reasons
    assert {0, STARVED} <= reasons_seen and any(r > 100 for r in reasons_seen)


def test_acting_states_last_as_long_at_start_up_as_after_a_fault():
    line = scenario("packaging-line", seed=3)
    history = line.run(SHIFT).columns
    lengths: dict[State, set[int]] = {State.RESETTING: set(), State.STARTING: set()}
    recoveries = 0
    for unit in line.units:
        eps = episodes(history, unit)
        for (state, scans, *_), (nxt, *_) in zip(eps, eps[1:], strict=False):
            if state in lengths and nxt in (State.IDLE, State.EXECUTE):
                lengths[state].add(scans)
            recoveries += state is State.CLEARING
    assert recoveries >= 2  # faults were recovered from during the shift
    assert lengths == {
        State.RESETTING: {ACTING_SECONDS[State.RESETTING]},
        State.STARTING: {ACTING_SECONDS[State.STARTING]},
    }


def test_tags_include_alarm_state_priority_and_shelving():
    line = scenario("packaging-line", seed=9)
    line.run(600)
    line.alarms[0].shelve(line.clock, 300, line.alarm_log)
    tags = line.tags()
    base = f"{PATH}/Filler/Alarms/Filler.ProductTemp.HI"
    assert tags[f"{base}/State"].value == AlarmState.SHELVED
    assert tags[f"{base}/Priority"].value == "medium"
    assert tags[f"{base}/Shelved"].value is True
    assert tags[f"{PATH}/Capper/Alarms/Capper.Vibration.HI/Shelved"].value is False
    for alarm in line.alarms:
        assert f"{PATH}/{alarm.tag.split('/')[0]}/Alarms/{alarm.id}/State" in tags


def test_every_packml_state_draws_its_own_power():
    assert set(POWER_SHARE) == set(State)
    line = quiet_line()
    line.schedule(600, "*", Command.HOLD)
    line.schedule(900, "*", Command.STOP)
    line.run(1000)
    h = line.historian.columns
    kwh = [k for u, k in zip(h["unit"], h["energy_kwh"], strict=True) if u == "Filler"]
    states = [State(s) for u, s in zip(h["unit"], h["state"], strict=True) if u == "Filler"]
    for state in (State.HOLDING, State.HELD, State.STOPPING, State.STOPPED):
        i = states.index(state)
        assert kwh[i] - kwh[i - 1] == pytest.approx(7.5 * POWER_SHARE[state] / 3600, abs=2e-6)
    assert POWER_SHARE[State.STOPPING] != POWER_SHARE[State.STOPPED]


def test_a_stop_during_fault_recovery_keeps_the_unit_stopped():
    line = quiet_line()
    line.fault(600, "Filler", code=102, repair_minutes=5)
    line.schedule(700, "Filler", Command.STOP)  # while ABORTED: the repair goes on
    line.run(1800)
    assert at(line, "Filler", 650) == (State.ABORTED, 102)
    assert at(line, "Filler", 1799)[0] is State.STOPPED  # no restart by itself


@pytest.mark.parametrize("hold_at", [700, 905])  # during the repair; while starting again
def test_a_hold_during_fault_recovery_takes_effect(hold_at):
    line = quiet_line()
    line.fault(600, "Filler", repair_minutes=5)
    line.schedule(hold_at, "Filler", Command.HOLD, reason=BREAK)
    line.schedule(1500, "Filler", Command.UNHOLD)
    line.run(1800)
    assert at(line, "Filler", 1400)[0] is State.HELD
    assert at(line, "Filler", 1799) == (State.EXECUTE, 0)


def test_recipe_setpoint_is_a_tag_and_a_sensor_log_column():
    line = scenario("packaging-line", seed=4)
    line.run(3600)
    log = line.sensor_log.columns
    for t, tag, sp in zip(log["time_s"], log["tag"], log["setpoint"], strict=True):
        if tag == "Filler/ProductTemp":
            assert sp == pytest.approx(product_temp_recipe(t), abs=1e-4)
        else:
            assert sp is None
    tag = line.tags()[f"{PATH}/Filler/Recipe/ProductTemp"]
    assert tag.value == pytest.approx(product_temp_recipe(line.clock), abs=1e-4)
    assert tag.unit == "degC"


def test_historian_and_sensor_log_start_at_zero_on_the_same_scans():
    line = scenario("packaging-line", seed=2)
    line.run(60)
    h, s = line.historian.columns, line.sensor_log.columns
    assert h["time_s"][0] == s["time_s"][0] == 0.0
    assert set(h["time_s"]) == set(s["time_s"]) == {float(t) for t in range(60)}
    assert at(line, "Filler", 0.0)[0] is State.RESETTING  # the first scan obeys the reset


def test_an_acknowledgement_during_a_dropout_logs_no_value():
    line = quiet_line(seed=5)
    line.add_sensor(
        Sensor("Filler/Temp", "degC", 0, 50, faults=[Fault("dropout", 5, 3000)]),
        lambda line, t: 30.0,
    )
    line.add_alarm(Alarm("Filler.Temp.HI", "Filler/Temp", "HI", 25.0))
    line.run(1200)
    (ack,) = [e for e in line.alarm_log if e.after is AlarmState.ACKNOWLEDGED]
    assert ack.time_s >= 5 and ack.value is None and ack.quality is Quality.BAD


def test_changeover_stops_changes_product_and_restarts():
    line = quiet_line()
    line.changeover(1200, "Labeler", 10, product="0.5 l sparkling")
    line.run(2400)
    assert at(line, "Labeler", 1500) == (State.STOPPED, CHANGEOVER)
    assert at(line, "Capper", 1700) == (State.SUSPENDED, BLOCKED)  # its outfeed filled up
    assert at(line, "Labeler", 2399) == (State.EXECUTE, 0)
    assert line.tags()[f"{PATH}/Labeler/Status/Product"].value == "0.5 l sparkling"


def test_shift_pattern_holds_for_breaks_and_stops_between_shifts():
    line = quiet_line()
    line.events.clear()  # the shift pattern does the start-up
    line.shift_pattern(shifts=[(0, 3600), (5400, 9000)], breaks=[(1800, 2400)])
    line.run(9000)
    assert at(line, "Filler", 2000) == (State.HELD, BREAK)
    assert at(line, "Filler", 3000) == (State.EXECUTE, 0)
    assert at(line, "Filler", 4000) == (State.STOPPED, END_OF_PRODUCTION)
    assert at(line, "Filler", 6000) == (State.EXECUTE, 0)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda line: line.changeover(100, "Filler", -5, product="x"), "positive number"),
        (lambda line: line.changeover(100, "Robot", 5, product="x"), "unknown unit 'Robot'"),
        (lambda line: line.changeover(-1, "Filler", 5, product="x"), "before the start"),
        (
            lambda line: (
                line.changeover(100, "Filler", 10, product="x"),
                line.changeover(400, "*", 10, product="y"),
            ),
            r"changeover of \* at 400-1000 s overlaps the changeover of Filler at 100-700 s",
        ),
        (lambda line: line.shift_pattern(shifts=[(100, 50)]), "end after it starts"),
        (lambda line: line.shift_pattern(shifts=[(0, 100), (50, 200)]), "shifts overlap"),
        (
            lambda line: line.shift_pattern(shifts=[(0, 100)], breaks=[(90, 120)]),
            "not inside a shift",
        ),
        (
            lambda line: line.shift_pattern(shifts=[(0, 900)], breaks=[(100, 300), (200, 400)]),
            "overlaps the break at 100-300 s",
        ),
    ],
)
def test_schedule_helpers_refuse_bad_input_clearly(call, message):
    line = quiet_line()
    with pytest.raises(ValueError, match=message):
        call(line)
    assert line.windows == [] or len(line.windows) == 1  # a refused call books nothing


def test_a_starved_unit_can_be_held_for_a_break():
    """PackML 2015's optional Suspended → Holding: a break holds a starved unit too."""
    line = quiet_line()
    line.schedule(600, "Filler", Command.STOP)
    line.schedule(1500, "*", Command.HOLD, reason=BREAK)
    line.run(1600)
    assert at(line, "Capper", 1400) == (State.SUSPENDED, STARVED)
    assert at(line, "Capper", 1599) == (State.HELD, STARVED)  # the stop began starved

"""The PackML unit's ``fault_in`` option: the operator script's fault strikes in another
state than Execute, so that a state machine which aborts only from Execute is found out.
The default script (and lesson 5.2's numbers taken from it) stays as it was."""

from __future__ import annotations

import pytest

from plcsim.machines import machine
from plcsim.packml import Command, State
from plcsim.packml_unit import FAULT_ROUTES, SCRIPT, PackMLUnit
from tests.plcsim.test_machine_logic import (
    NOT_STOPPABLE,
    ON_COMMAND,
    STATE_COMPLETE,
    packml_logic,
)

S, C = State, Command
ABORT_BRANCH = (S.ABORTING, S.ABORTED)
SEEDS = (1, 2, 3)


def run(logic, seed, fault_in=None):
    unit = machine("packml-unit", seed, fault_in=fault_in)
    unit.run(120, logic)
    return unit, unit.report()


def clean(report):
    return report["script_done"] and not (
        report["illegal"] or report["unexplained"] or report["ignored"]
    )


def aborts_only_from_execute(io, mem, fb):
    """The reference, but a fault is looked at only in Execute."""
    state, command = io.state, io.command
    if ((io.fault and state == S.EXECUTE) or command == C.ABORT) and state not in ABORT_BRANCH:
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


def test_without_fault_in_the_script_and_its_numbers_are_unchanged():
    unit, report = run(packml_logic, 1)
    assert unit.script == SCRIPT and report["fault_in"] == "EXECUTE"
    assert len(report["transitions"]) == 30  # lesson 5.2's figure of seed 1
    assert report["transitions"][-1] == {"time_s": 75.88, "from": "RESETTING", "to": "IDLE"}
    assert report["fault_struck_s"] is not None
    for seed in SEEDS:  # fault_in="EXECUTE" is the default script, delay for delay
        default, explicit = run(packml_logic, seed)[0], run(packml_logic, seed, "EXECUTE")[0]
        assert explicit.truth() == default.truth()
        assert explicit.transitions == default.transitions


@pytest.mark.parametrize("state", list(FAULT_ROUTES), ids=[s.name for s in FAULT_ROUTES])
def test_the_reference_aborts_from_the_state_the_fault_strikes_in(state):
    for seed in SEEDS:
        unit, report = run(packml_logic, seed, state)
        assert report["fault_in"] == state.name and clean(report), report
        struck = report["fault_struck_s"]
        [abort] = [row for row in report["transitions"] if row["to"] == "ABORTING"]
        assert abort["from"] == state.name
        assert abort["time_s"] == pytest.approx(struck)  # answered in the scan it struck
        assert set(report["states_visited"]) >= {"ABORTED", "CLEARING", "COMPLETE"}


def test_a_logic_that_aborts_only_from_execute_is_found_out():
    for seed in SEEDS:
        assert clean(run(aborts_only_from_execute, seed)[1])  # the default script misses it
        for state in (S.STARTING, S.HELD, S.SUSPENDED):
            _, report = run(aborts_only_from_execute, seed, state)
            assert report["ignored"][0]["ignored"] == "fault"
            assert report["ignored"][0]["state"] == state.name
            # Held and Suspended wait for a command or material that the script holds back
            # until Aborted; a faulted Starting completes into Execute, which aborts late.
            stuck = not report["script_done"] and "ABORTED" in report["script_stuck"]
            assert stuck == (state is not S.STARTING)


def test_fault_in_is_deterministic_per_seed_and_keeps_the_rest_of_the_script():
    first = PackMLUnit(7, fault_in="held")  # a name, in any case
    again = PackMLUnit(7, fault_in=S.HELD)
    other = PackMLUnit(8, fault_in=S.HELD)
    default = PackMLUnit(7)
    assert first.delays == again.delays != other.delays
    route = len(FAULT_ROUTES[S.HELD])
    assert len(first.script) == len(SCRIPT) - 1 + route
    assert first.delays[:10] == default.delays[:10]  # the steps before the fault
    assert first.delays[10 + route :] == default.delays[11:]  # and after it
    assert first.acting_s == default.acting_s


@pytest.mark.parametrize("bad", [S.ABORTED, S.ABORTING, "IDLE", "sideways", 99, 3.5])
def test_a_state_without_a_fault_route_is_refused(bad):
    with pytest.raises(ValueError, match="fault_in must be one of STARTING, EXECUTE"):
        PackMLUnit(1, fault_in=bad)

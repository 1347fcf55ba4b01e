"""A PackML unit whose state machine is the learner's control logic.

The logic implements the ISA-TR88.00.02 state model itself: it reads the operator's
command (``io.command``, a `plcsim.packml.Command`, present for one scan, as a PackTags
``CntrlCmd`` with its change request) and the unit's conditions, and writes the current
state (``io.state``, a `plcsim.packml.State`; the unit powers up STOPPED). The conditions:

- ``state_complete``: the current acting state's work is done (SC), after a seeded time
  (`plcsim.units.ACTING_SECONDS`, +/- 20 %): the logic moves on to the next state;
- ``fault``: a machine fault: the logic must abort;
- ``starved``: no material: in EXECUTE the unit suspends itself, and unsuspends when
  material returns (PackML's internal Suspend and Unsuspend).

An operator works through a seeded script that waits for the states the logic reports:
an illegal Start while stopped (to be ignored), reset, start, hold and unhold, a starved
spell, stop, reset and start, a fault (abort, then clear), reset, start, complete, reset.
The script's fault strikes in Execute; ``fault_in=`` moves it to another state the model
aborts from (`FAULT_ROUTES`: Starting, Holding, Held, Suspended, ...), reached through the
commands and conditions the route lists, so that a logic which aborts only from Execute
is found out. The rest of the script, and its seeded delays, stay the same.
The unit checks every transition the logic makes: that `plcsim.packml.is_legal` allows
it, that something caused it (the command, SC or condition), and that no legal command or
condition was ignored for longer than `RESPOND_S`.
"""

from __future__ import annotations

import random
from typing import Any

from plcsim.packml import (
    ABORTABLE,
    COMMANDS,
    STATE_COMPLETE,
    STOPPABLE,
    Command,
    State,
    is_legal,
)
from plcsim.scan import Machine, Point
from plcsim.units import ACTING_SECONDS

RESPOND_S = 0.1  # how long a legal command or a condition may wait for the logic
WAIT_S = 30.0  # the operator gives up waiting for a state after this

# The operator's script: (state to wait for, delay range in s, what to do then).
SCRIPT: tuple[tuple[State, tuple[float, float], Any], ...] = (
    (State.STOPPED, (0.5, 1.0), Command.START),  # not legal in STOPPED: to be ignored
    (State.STOPPED, (0.3, 0.6), Command.RESET),
    (State.IDLE, (0.5, 1.5), Command.START),
    (State.EXECUTE, (2.0, 4.0), Command.HOLD),
    (State.HELD, (1.0, 2.0), Command.UNHOLD),
    (State.EXECUTE, (2.0, 4.0), ("starved", True)),
    (State.SUSPENDED, (1.5, 3.0), ("starved", False)),
    (State.EXECUTE, (2.0, 4.0), Command.STOP),
    (State.STOPPED, (0.5, 1.0), Command.RESET),
    (State.IDLE, (0.5, 1.0), Command.START),
    (State.EXECUTE, (2.0, 4.0), ("fault", True)),
    (State.ABORTED, (1.0, 2.0), ("fault", False)),
    (State.ABORTED, (0.5, 1.0), Command.CLEAR),
    (State.STOPPED, (0.5, 1.0), Command.RESET),
    (State.IDLE, (0.5, 1.0), Command.START),
    (State.EXECUTE, (1.0, 2.0), Command.COMPLETE),
    (State.COMPLETE, (0.5, 1.0), Command.RESET),
    (State.IDLE, (0.0, 0.0), None),  # the end
)
FAULT_STEP = 10  # SCRIPT's fault, struck in EXECUTE; `fault_in` replaces this step

_STRIKE = ("fault", True)
_ACTING_DELAY = (0.2, 0.6)  # strike before the shortest SC struck (Suspending, 0.8 s at least)
_STARVE = (State.EXECUTE, (2.0, 4.0), ("starved", True))
_FED = (State.ABORTED, (0.3, 0.6), ("starved", False))  # material back before the clear
# The state the script's fault strikes in -> the steps that replace SCRIPT[FAULT_STEP]. Each
# route begins just after the Start in Idle (SCRIPT[FAULT_STEP - 1]) and ends with the unit
# Aborted and not starved, where SCRIPT[FAULT_STEP + 1:] carries on.
FAULT_ROUTES: dict[State, tuple[tuple[State, tuple[float, float], Any], ...]] = {
    State.STARTING: ((State.STARTING, _ACTING_DELAY, _STRIKE),),
    State.EXECUTE: (SCRIPT[FAULT_STEP],),
    State.HOLDING: (
        (State.EXECUTE, (2.0, 4.0), Command.HOLD),
        (State.HOLDING, _ACTING_DELAY, _STRIKE),
    ),
    State.HELD: ((State.EXECUTE, (2.0, 4.0), Command.HOLD), (State.HELD, (1.0, 2.0), _STRIKE)),
    State.UNHOLDING: (
        (State.EXECUTE, (2.0, 4.0), Command.HOLD),
        (State.HELD, (1.0, 2.0), Command.UNHOLD),
        (State.UNHOLDING, _ACTING_DELAY, _STRIKE),
    ),
    State.SUSPENDING: (_STARVE, (State.SUSPENDING, _ACTING_DELAY, _STRIKE), _FED),
    State.SUSPENDED: (_STARVE, (State.SUSPENDED, (1.0, 2.0), _STRIKE), _FED),
    State.UNSUSPENDING: (
        _STARVE,
        (State.SUSPENDED, (1.5, 3.0), ("starved", False)),
        (State.UNSUSPENDING, _ACTING_DELAY, _STRIKE),
    ),
    State.STOPPING: (
        (State.EXECUTE, (2.0, 4.0), Command.STOP),
        (State.STOPPING, _ACTING_DELAY, _STRIKE),
    ),
    State.COMPLETING: (
        (State.EXECUTE, (2.0, 4.0), Command.COMPLETE),
        (State.COMPLETING, _ACTING_DELAY, _STRIKE),
    ),
}


def _due(state: State, command: Command) -> State | None:
    """The state *command* leads to from *state* in the PackML model, or None."""
    if command is Command.ABORT and state in ABORTABLE:
        return State.ABORTING
    if command is Command.STOP and state in STOPPABLE:
        return State.STOPPING
    return COMMANDS.get((state, command))


class PackMLUnit(Machine):
    NAME = "PackML unit"
    POINTS = (
        Point("command", "in", "int", "the operator's PackML command (one scan)", enum=Command),
        Point("state_complete", "in", description="the acting state's work is done (SC)"),
        Point("fault", "in", description="a machine fault is active"),
        Point("starved", "in", description="no material at the infeed"),
        Point("state", "out", "int", "the unit's current state", enum=State, start=State.STOPPED),
    )

    def __init__(
        self, seed: int | str = 0, *, scan_s: float = 0.01, fault_in: State | str | None = None
    ) -> None:
        super().__init__(scan_s=scan_s, seed=seed)
        self.fault_in = _fault_state(fault_in)
        rng = random.Random(f"plcsim:packml-unit:{seed}")  # noqa: S311 (simulation)
        self.acting_s = {
            state: round(seconds * rng.uniform(0.8, 1.2), 2)
            for state, seconds in ACTING_SECONDS.items()
        }
        delays = [round(rng.uniform(*span), 2) for _, span, _ in SCRIPT]
        self.script = SCRIPT
        if self.fault_in is not State.EXECUTE:  # (Execute: the default script as it is)
            route = FAULT_ROUTES[self.fault_in]
            # The route's own delays come from a generator of their own, so the rest of the
            # script keeps the delays it has without `fault_in`.
            key = f"plcsim:packml-unit:{seed}:fault-in:{self.fault_in.name}"
            more = random.Random(key)  # noqa: S311 (simulation)
            self.script = SCRIPT[:FAULT_STEP] + route + SCRIPT[FAULT_STEP + 1 :]
            route_delays = [round(more.uniform(*span), 2) for _, span, _ in route]
            delays = delays[:FAULT_STEP] + route_delays + delays[FAULT_STEP + 1 :]
        self.delays = delays
        self.field.update(fault=False, starved=False)
        self.transitions: list[dict[str, Any]] = []
        self.illegal: list[dict[str, Any]] = []
        self.unexplained: list[dict[str, Any]] = []
        self.ignored: list[dict[str, Any]] = []
        self.script_step = 0
        self.script_stuck: str | None = None
        self.fault_struck_s: float | None = None  # when the script's fault struck
        self._command = Command.UNDEFINED
        self._state = State.STOPPED
        self._entered = 0.0
        self._owed: dict[State, tuple[float, str]] = {}  # expected next state -> since, why
        self._reported: set[tuple[State, str]] = set()
        self._next_step()

    def truth(self) -> dict[str, Any]:
        return {"acting_s": dict(self.acting_s), "script_delays_s": list(self.delays)}

    # The operator's script ----------------------------------------------------------------

    def _next_step(self) -> None:
        if self.script_step >= len(self.script):
            return
        state, _, _ = self.script[self.script_step]
        self.when(
            lambda: self.values["state"] == state,
            self._waited,
            not_before=self.clock,
            timeout=WAIT_S,
            on_timeout=lambda: self._give_up(state),
        )

    def _waited(self) -> None:
        self.at(self.clock + self.delays[self.script_step], self._act)

    def _act(self) -> None:
        _, _, action = self.script[self.script_step]
        if isinstance(action, Command):
            self._command = action
            self.log("operator", f"command {action.name}", command=action.name)
        elif action is not None:
            name, value = action
            self.field[name] = value
            if name == "fault" and value:
                self.fault_struck_s = self.clock
            self.log("operator", f"{name} -> {value}", device=name, value=value)
        self.script_step += 1
        self._next_step()

    def _give_up(self, state: State) -> None:
        self.script_stuck = f"waited {WAIT_S:g} s for {state.name}; the unit stayed in "
        self.script_stuck += State(self.values["state"]).name
        self.log("operator", self.script_stuck)

    # Scanning -------------------------------------------------------------------------------

    def sense(self) -> None:
        values = self.values
        values.update(self.field)
        values["command"], self._command = self._command, Command.UNDEFINED
        state = self._state
        values["state_complete"] = (
            not state.is_wait and self.clock - self._entered >= self.acting_s[state] - 1e-9
        )

    def observe(self) -> None:
        v, now, before = self.values, self.clock, self._state
        after = v["state"]
        if v["command"]:
            target = _due(before, v["command"])
            if target is not None:
                self._owed.setdefault(target, (now, f"command {v['command'].name}"))
        for name, target, active in (
            ("fault", State.ABORTING, v["fault"] and before in ABORTABLE),
            ("starved", State.SUSPENDING, v["starved"] and before is State.EXECUTE),
            ("fed", State.UNSUSPENDING, not v["starved"] and before is State.SUSPENDED),
            ("sc", STATE_COMPLETE.get(before), v["state_complete"]),
        ):
            if active:
                self._owed.setdefault(target, (now, name))
        if after != before:
            self._transition(before, after, now)
        else:
            for target, (since, why) in self._owed.items():
                late = now - since > RESPOND_S + 1e-9
                if late and (target, why) not in self._reported:  # once per state visit
                    self._reported.add((target, why))
                    self.ignored.append(
                        {"time_s": since, "state": before.name, "ignored": why}
                        | {"expected": target.name}
                    )

    def _transition(self, before: State, after: State, now: float) -> None:
        row = {"time_s": now, "from": before.name, "to": after.name}
        self.transitions.append(row)
        self.log("state", f"{before.name} -> {after.name}", **row)
        if not is_legal(before, after):
            self.illegal.append(row)
        elif after not in self._owed:
            self.unexplained.append(row)
        self._state, self._entered = after, now
        self._owed, self._reported = {}, set()

    def report(self) -> dict[str, Any]:
        """Graded facts: every transition, the illegal, unexplained and ignored ones, and
        how far the operator's script got."""
        return {
            "time_s": self.clock,
            "state": self._state.name,
            "transitions": list(self.transitions),
            "illegal": list(self.illegal),
            "unexplained": list(self.unexplained),
            "ignored": list(self.ignored),
            "script_steps": len(self.script),
            "script_done": self.script_step >= len(self.script),
            "script_stuck": self.script_stuck,
            "states_visited": sorted({row["to"] for row in self.transitions}),
            "fault_in": self.fault_in.name,
            "fault_struck_s": self.fault_struck_s,
        }


def _fault_state(fault_in: State | str | None) -> State:
    """The state *fault_in* names (None: Execute, the default script's), or ValueError."""
    if fault_in is None:
        return State.EXECUTE
    try:
        state = State[fault_in.upper()] if isinstance(fault_in, str) else State(fault_in)
    except (KeyError, ValueError):
        state = None
    if state not in FAULT_ROUTES:
        names = ", ".join(s.name for s in FAULT_ROUTES)
        raise ValueError(f"fault_in must be one of {names}, not {fault_in!r}")
    return state

"""The PackML unit state machine (ANSI/ISA-TR88.00.02): states, commands, modes.

Enum values follow the PackTags convention (``Status.StateCurrent``, ``Command.CntrlCmd``,
``Status.UnitModeCurrent``), so simulated tags read like a real machine's.
"""

from __future__ import annotations

from enum import IntEnum


class State(IntEnum):
    UNDEFINED = 0
    CLEARING = 1
    STOPPED = 2
    STARTING = 3
    IDLE = 4
    SUSPENDED = 5
    EXECUTE = 6
    STOPPING = 7
    ABORTING = 8
    ABORTED = 9
    HOLDING = 10
    HELD = 11
    UNHOLDING = 12
    SUSPENDING = 13
    UNSUSPENDING = 14
    RESETTING = 15
    COMPLETING = 16
    COMPLETE = 17

    @property
    def is_wait(self) -> bool:
        """Wait states hold until a command; acting states end with state complete (SC)."""
        return self in WAIT_STATES


class Command(IntEnum):
    UNDEFINED = 0
    RESET = 1
    START = 2
    STOP = 3
    HOLD = 4
    UNHOLD = 5
    SUSPEND = 6
    UNSUSPEND = 7
    ABORT = 8
    CLEAR = 9
    COMPLETE = 10


class Mode(IntEnum):
    INVALID = 0
    PRODUCTION = 1
    MAINTENANCE = 2
    MANUAL = 3


WAIT_STATES = frozenset(
    {
        State.STOPPED,
        State.IDLE,
        State.SUSPENDED,
        State.EXECUTE,
        State.ABORTED,
        State.HELD,
        State.COMPLETE,
    }
)

# Acting state → the state its "state complete" leads to (Execute completes a batch).
STATE_COMPLETE = {
    State.CLEARING: State.STOPPED,
    State.STARTING: State.EXECUTE,
    State.STOPPING: State.STOPPED,
    State.ABORTING: State.ABORTED,
    State.HOLDING: State.HELD,
    State.UNHOLDING: State.EXECUTE,
    State.SUSPENDING: State.SUSPENDED,
    State.UNSUSPENDING: State.EXECUTE,
    State.RESETTING: State.IDLE,
    State.COMPLETING: State.COMPLETE,
    State.EXECUTE: State.COMPLETING,
}

# (state, command) → the acting state the command starts.
COMMANDS = {
    (State.STOPPED, Command.RESET): State.RESETTING,
    (State.COMPLETE, Command.RESET): State.RESETTING,
    (State.IDLE, Command.START): State.STARTING,
    (State.EXECUTE, Command.HOLD): State.HOLDING,
    # The 2015 model's optional extension: a suspended (starved/blocked) unit can be held too.
    (State.SUSPENDED, Command.HOLD): State.HOLDING,
    (State.HELD, Command.UNHOLD): State.UNHOLDING,
    (State.EXECUTE, Command.SUSPEND): State.SUSPENDING,
    (State.SUSPENDED, Command.UNSUSPEND): State.UNSUSPENDING,
    (State.EXECUTE, Command.COMPLETE): State.COMPLETING,
    (State.ABORTED, Command.CLEAR): State.CLEARING,
}
# Stop works from every state of the "stop" super-state; Abort from all but aborting/aborted.
STOPPABLE = frozenset(State) - {
    State.UNDEFINED,
    State.STOPPING,
    State.STOPPED,
    State.ABORTING,
    State.ABORTED,
    State.CLEARING,
}
ABORTABLE = frozenset(State) - {State.UNDEFINED, State.ABORTING, State.ABORTED}

LEGAL = (
    {(state, nxt) for state, nxt in STATE_COMPLETE.items()}
    | {(state, nxt) for (state, _), nxt in COMMANDS.items()}
    | {(state, State.STOPPING) for state in STOPPABLE}
    | {(state, State.ABORTING) for state in ABORTABLE}
)


class IllegalCommand(ValueError):
    """The command does nothing in the current state (a real PLC would ignore it)."""


def is_legal(before: State, after: State) -> bool:
    return (before, after) in LEGAL


class StateMachine:
    """One unit's PackML state, changed only by commands and state-complete events."""

    def __init__(self, state: State = State.STOPPED, mode: Mode = Mode.PRODUCTION) -> None:
        self.state = state
        self.mode = mode

    def command(self, command: Command) -> State:
        """Apply *command*; raise IllegalCommand if it does not apply in this state."""
        if command is Command.ABORT and self.state in ABORTABLE:
            return self._go(State.ABORTING)
        if command is Command.STOP and self.state in STOPPABLE:
            return self._go(State.STOPPING)
        nxt = COMMANDS.get((self.state, command))
        if nxt is None:
            raise IllegalCommand(f"{command.name} does nothing in {self.state.name}")
        if self.mode is Mode.MAINTENANCE and nxt in (State.SUSPENDING, State.COMPLETING):
            raise IllegalCommand(f"{command.name} is not available in maintenance mode")
        return self._go(nxt)

    def state_complete(self) -> State:
        """The acting state finished its work (SC); wait states other than Execute stay."""
        nxt = STATE_COMPLETE.get(self.state)
        if nxt is None:
            raise IllegalCommand(f"{self.state.name} is a wait state: nothing to complete")
        return self._go(nxt)

    def _go(self, nxt: State) -> State:
        if not is_legal(self.state, nxt):  # defensive: the tables above are the model
            raise IllegalCommand(f"{self.state.name} → {nxt.name} is not a PackML transition")
        self.state = nxt
        return nxt

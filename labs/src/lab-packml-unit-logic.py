"""Writes labs/lab-packml-unit-logic.ipynb: the PackML state model as control logic.

Run from the repository root:  .venv/bin/python labs/src/lab-packml-unit-logic.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-packml-unit-logic"
TITLE = "The PackML state model as control logic on a simulated unit"


INTRO = r"""
# The PackML state model as control logic on a simulated unit

**Competency:** SM.PLC.5 *Program the PackML state model as control logic* · about 70
minutes.

Module 5 turned the PackML state model into logic: one state variable, commands that last
one scan, state complete (SC) that belongs to the acting state, and the unit's own
conditions as internal commands. In this lab that logic runs a simulated PackML unit,
`machine("packml-unit", seed)` from `plcsim`, and the unit checks every transition it
makes.

| I/O point | Direction | Meaning |
| --- | --- | --- |
| `command` | input | the operator's PackML command (`Command`, PackTags `CntrlCmd`), present for **one scan**; `Command.UNDEFINED` (0) otherwise |
| `state_complete` | input | SC: the current acting state's work is done (after a seeded time, `plcsim.units.ACTING_SECONDS` +/- 20 %) |
| `fault` | input | a machine fault is active: abort |
| `starved` | input | no material at the infeed: suspend in Execute, unsuspend when it returns |
| `state` | output | the unit's state (`State`, PackTags `StateCurrent`); the unit powers up Stopped |

An operator works through a script that waits for the state your logic reports, pauses a
seeded 0.3 to 4 s and then acts: an illegal Start in Stopped (to be ignored), Reset, Start,
Hold and Unhold, a starved spell, Stop, Reset and Start, a fault (abort, then Clear),
Reset, Start, Complete and Reset. If your unit never reaches the state a step waits for,
the operator gives up after 30 s. The unit's `report()` lists:

- `transitions`: every change of `io.state` (`time_s`, `from`, `to`);
- `illegal`: transitions `plcsim.packml.is_legal` does not allow;
- `unexplained`: legal transitions nothing called for (no command, SC or condition);
- `ignored`: a legal command or condition that waited more than **0.1 s** for an answer;
- `script_done`, `script_stuck`, `states_visited`.

You will:

1. read the report of lesson 5.1's state machine, which has no conditions: what it
   ignored, and how long each acting state took on your unit;
2. write the whole state machine, `next_state` and the `unit_logic` that calls it, as
   lesson 5.2 teaches;
3. strike the fault in other states than Execute (`fault_in=`), because the model aborts
   from every state but Aborting and Aborted, and so must your logic.

Your unit's acting times and the operator's pauses come from your seed
(`SHOPFLOOR_SEED`). When you submit, your `unit_logic` runs again on a unit **of a seed you
have not seen**, with the fault in Execute and in every other state `fault_in` offers, and
is judged on the unit's report.

**Safety.** Abort is not a safety function. The E-stop and the guards stop a real machine
through their own safety-rated devices (ISO 13849-1 or IEC 62061, module 4); Aborting
only follows them in the control logic.

Run the cells in order; write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import pandas as pd

from plcsim.machines import machine
from plcsim.packml import Command as C
from plcsim.packml import State as S
from plcsim.packml_unit import FAULT_ROUTES

RUN_S = 120.0  # the script ends after about 75-90 s of simulated time

SC_NEXT = {  # acting state -> where its state complete (SC) leads (lesson 5.1)
    S.RESETTING: S.IDLE, S.STARTING: S.EXECUTE, S.HOLDING: S.HELD,
    S.UNHOLDING: S.EXECUTE, S.SUSPENDING: S.SUSPENDED, S.UNSUSPENDING: S.EXECUTE,
    S.COMPLETING: S.COMPLETE, S.STOPPING: S.STOPPED, S.ABORTING: S.ABORTED,
    S.CLEARING: S.STOPPED,
}
NOT_STOPPABLE = {S.STOPPING, S.STOPPED, S.ABORTING, S.ABORTED, S.CLEARING}
FAULT_STATES = [state.name for state in FAULT_ROUTES]  # where fault_in can strike the fault


def run_unit(logic, fault_in=None, seed=None):
    # A fresh PackML unit of your seed running `logic` for RUN_S. fault_in="HELD" (a name
    # from FAULT_STATES) makes the script strike its fault in that state instead of Execute.
    unit = machine("packml-unit", SHOPFLOOR_SEED if seed is None else seed, fault_in=fault_in)
    unit.run(RUN_S, logic)
    return unit


def summary(unit, label):
    # The unit's report, printed briefly; returns the report.
    report = unit.report()
    print(f"{label}: {len(report['transitions'])} transitions, "
          f"{len(report['states_visited'])} of 17 states visited; script "
          + ("done" if report["script_done"] else f"not done ({report['script_stuck']})"))
    for kind in ("illegal", "unexplained", "ignored"):
        rows = report[kind]
        print(f"  {kind}: {len(rows)}" + "".join(f"\n    {row}" for row in rows[:4]))
    return report


ORDER = ["STOPPED", "RESETTING", "IDLE", "STARTING", "EXECUTE", "COMPLETING", "COMPLETE",
         "HOLDING", "HELD", "UNHOLDING", "SUSPENDING", "SUSPENDED", "UNSUSPENDING",
         "STOPPING", "ABORTING", "ABORTED", "CLEARING"]


def plot_states(unit, title):
    # The unit's state over time, one row per state; dotted lines mark operator actions.
    report = unit.report()
    times = [0.0] + [row["time_s"] for row in report["transitions"]] + [unit.clock]
    states = ["STOPPED"] + [row["to"] for row in report["transitions"]]
    rows = [ORDER.index(name) for name in states] + [ORDER.index(states[-1])]
    fig, ax = plt.subplots(figsize=(10, 5))
    ax.step(times, rows, where="post", lw=1.5)
    for event in unit.events:
        if event.kind == "operator":
            ax.axvline(event.time_s, color="grey", lw=0.6, ls=":")
    ax.set_yticks(range(len(ORDER)))
    ax.set_yticklabels(ORDER)
    ax.invert_yaxis()
    ax.set_xlabel("time (s)")
    ax.set_title(title)
    plt.tight_layout()
    plt.show()
"""

TASK_51 = r"""
## 1. Lesson 5.1's state machine, read from the report

Lesson 5.1's state machine answers the operator's commands and SC, but not the unit's
conditions. The cell runs it on your unit and plots the states it went through.
"""

LOGIC_51 = r"""
def next_state_5_1(st, cmd, sc):
    if st not in (S.ABORTING, S.ABORTED) and cmd == C.ABORT:
        return S.ABORTING
    if cmd == C.STOP and st not in NOT_STOPPABLE:
        return S.STOPPING
    if st == S.STOPPED and cmd == C.RESET:
        return S.RESETTING
    if st == S.IDLE and cmd == C.START:
        return S.STARTING
    if st == S.EXECUTE and cmd == C.HOLD:
        return S.HOLDING
    if st == S.EXECUTE and cmd == C.COMPLETE:
        return S.COMPLETING
    if st == S.HELD and cmd == C.UNHOLD:
        return S.UNHOLDING
    if st == S.COMPLETE and cmd == C.RESET:
        return S.RESETTING
    if st == S.ABORTED and cmd == C.CLEAR:
        return S.CLEARING
    if sc and st in SC_NEXT:
        return SC_NEXT[st]
    return st  # any other command does nothing in this state


def logic_5_1(io, mem, fb):
    io.state = next_state_5_1(io.state, io.command, io.state_complete)


first = run_unit(logic_5_1)
report_51 = summary(first, "lesson 5.1's logic")
plot_states(first, "lesson 5.1's state machine on your unit")
"""

TASK_READ = r"""
`report_51` is that run's report. From it (not typed in), work out:

- `ignored_at_s`: the time (s) at which the condition this logic ignored appeared (the
  `time_s` of the first row of `ignored`);
- `acting_measured`: how long the unit stayed in each **acting** state it left during the
  run, in seconds, as a dict keyed by the state's name as the report writes it
  (`"RESETTING"`, ...): the time of the transition out of the state minus the time of the
  transition into it. `S[name].is_wait` tells a wait state from an acting one.

Then compare `acting_measured` with `plcsim.units.ACTING_SECONDS` (nominal, +/- 20 % by
seed): the logic never times an acting state itself; it waits for SC.
"""

ANSWER_READ = r"""
# ignored_at_s (s) and acting_measured {state name: seconds}
### BEGIN SOLUTION
ignored_at_s = report_51["ignored"][0]["time_s"]
acting_measured = {}
rows = report_51["transitions"]
for into, out in zip(rows, rows[1:]):
    if not S[into["to"]].is_wait:
        acting_measured[into["to"]] = round(out["time_s"] - into["time_s"], 2)
### END SOLUTION
print(f"the condition ignored from {ignored_at_s:.2f} s")
print(acting_measured)
"""

TASK_LOGIC = r"""
## 2. The whole state machine

Write `next_state(st, cmd, sc, fault, starved)`, which returns the unit's next state, and
keep `unit_logic`, which calls it once a scan. Lesson 5.2 builds it; in short:

- **Abort** on the Abort command **or a fault**, from every state except Aborting and
  Aborted (Clearing included). **Stop** from every state except Stopping, Stopped and the
  abort branch (`NOT_STOPPABLE`).
- **Commands** only where the model accepts them (lesson 5.1's table): Reset in Stopped
  and Complete, Start in Idle, Hold and Complete in Execute, Hold in Suspended, Unhold in
  Held, Clear in Aborted. Any other command does nothing: no ELSE.
- **Conditions**: starved in Execute suspends the unit; no longer starved in Suspended
  unsuspends it, both within the 0.1 s the unit allows.
- **SC** moves an acting state on (`SC_NEXT`, from the setup cell), and nothing else does.
  Clear leads to Clearing, never straight to Stopped.

Return one state a scan. Test the command in the scan it arrives, and never store it for
later. The function gets `sc` fresh every scan; keep it so.
"""

ANSWER_LOGIC = r"""
def next_state(st, cmd, sc, fault=False, starved=False):
    ### BEGIN SOLUTION
    if st not in (S.ABORTING, S.ABORTED) and (cmd == C.ABORT or fault):
        return S.ABORTING
    if cmd == C.STOP and st not in NOT_STOPPABLE:
        return S.STOPPING
    if st == S.STOPPED and cmd == C.RESET:
        return S.RESETTING
    if st == S.IDLE and cmd == C.START:
        return S.STARTING
    if st == S.EXECUTE:
        if cmd == C.HOLD:
            return S.HOLDING
        if cmd == C.COMPLETE:
            return S.COMPLETING
        if starved:
            return S.SUSPENDING
    if st == S.SUSPENDED:
        if cmd == C.HOLD:
            return S.HOLDING
        if not starved:
            return S.UNSUSPENDING
    if st == S.HELD and cmd == C.UNHOLD:
        return S.UNHOLDING
    if st == S.COMPLETE and cmd == C.RESET:
        return S.RESETTING
    if st == S.ABORTED and cmd == C.CLEAR:
        return S.CLEARING
    if sc and st in SC_NEXT:
        return SC_NEXT[st]
    return st
    ### END SOLUTION


def unit_logic(io, mem, fb):
    io.state = next_state(io.state, io.command, io.state_complete, io.fault, io.starved)
"""

RUN_LOGIC = r"""
mine = run_unit(unit_logic)
report = summary(mine, "unit_logic")
plot_states(mine, "unit_logic on your unit: the operator script")
"""

TEST_LOGIC = r"""
# Self-check on your seed (your logic runs again on a unit you have not seen when you submit).
assert report["illegal"] == [], "illegal transitions: see the rows above"
assert report["unexplained"] == [], "transitions nothing called for: see the rows above"
assert report["ignored"] == [], "commands or conditions left unanswered: see the rows above"
assert report["script_done"], f"the operator script did not finish: {report['script_stuck']}"
assert len(report["transitions"]) == 30, f"{len(report['transitions'])} transitions, not 30"
assert len(report["states_visited"]) == 17, "not every state was visited"
print("unit_logic passes the operator script on your seed")
"""

TASK_FAULTS = r"""
## 3. The fault in other states

The script strikes its fault in Execute. A logic that aborted on a fault **only** in
Execute would pass it, yet the model aborts from every state but Aborting and Aborted: a
drive trips while the unit is Held just as well. `run_unit(logic, fault_in="HELD")` moves
the script's fault into Held: the operator holds the unit, the fault strikes 1-2 s after
Held, and the script carries on from Aborted as before. `FAULT_STATES` lists the states
`fault_in` can strike in; each one's route there is part of the script (for Suspended, a
starved spell).

The cell runs your `unit_logic` with the fault in each of them, and tabulates where the
unit aborted from, how long after the fault, and what the report says.
"""

RUN_FAULTS = r"""
fault_rows = []
for where in FAULT_STATES:
    report_f = run_unit(unit_logic, fault_in=where).report()
    abort = [row for row in report_f["transitions"] if row["to"] == "ABORTING"]
    fault_rows.append({
        "fault_in": where,
        "fault_s": report_f["fault_struck_s"],
        "aborted_from": abort[0]["from"] if abort else None,
        "after_s": round(abort[0]["time_s"] - report_f["fault_struck_s"], 2) if abort else None,
        "illegal": len(report_f["illegal"]),
        "unexplained": len(report_f["unexplained"]),
        "ignored": len(report_f["ignored"]),
        "script_done": report_f["script_done"],
    })
faults = pd.DataFrame(fault_rows)
faults
"""

TEST_FAULTS = r"""
# Self-check on your seed: the fault, wherever it strikes, aborts the unit in its scan.
for row in fault_rows:
    where = row["fault_in"]
    assert row["aborted_from"] == where, (
        f"fault in {where}: the unit aborted from {row['aborted_from']}, not from {where}")
    assert row["after_s"] is not None and row["after_s"] <= 0.1, f"fault in {where}: aborted late"
    assert row["illegal"] == row["unexplained"] == row["ignored"] == 0, (
        f"fault in {where}: see the table")
    assert row["script_done"], f"fault in {where}: the operator script did not finish"
print(f"the fault aborts the unit from each of {len(fault_rows)} states")
"""

TASK_THINK = r"""
## 4. Explain it

These questions are not graded, but a commissioning engineer will ask them:

- In `faults`, how many seconds after the fault did the unit abort? What does that say
  about where in the logic the abort line sits, and why must it come before the CASE?
- A logic that aborted on a fault only in Execute: what would the table above show for
  `fault_in="STARTING"`, and why does the script still finish there but not for Held or
  Suspended? (Try it: copy `next_state`, change the fault test and run it.)
- Your `acting_measured` against `ACTING_SECONDS`: why must the state machine wait for SC
  instead of timing Starting itself, on a real filler (lesson 5.3)?
- A sensor that chatters on `starved`: where would you filter it, and how long may the
  filter be on this unit?
- Maintenance mode drops Suspending and Completing on many machines (lesson 5.2). Where
  would that rule go: in `next_state`'s branches, or in one mode manager?
"""

WRAP = r"""
## Wrap-up

- One state variable, one assignment a scan. A command is a one-scan pulse, tested where
  it applies; every other command does nothing.
- Abort, on the command or a fault, comes first and applies in every state but Aborting
  and Aborted; Stop in every state but Stopping, Stopped and the abort branch.
- Conditions are internal commands: a fault aborts, starved suspends and fed unsuspends,
  in the scan they appear.
- SC belongs to the acting state it completes. Clear goes through Clearing, Stop through
  Stopping to Stopped, and only Reset leads to Idle.
- A script tests only what it strikes: test the abort from every state the model allows.

When every self-check passes, submit the notebook for grading.
"""

HIDDEN_RUNS = r"""
from plcsim.machines import machine as __machine
from plcsim.packml_unit import FAULT_ROUTES as __FAULT_ROUTES

__SEED = f"{SHOPFLOOR_SEED}/graded"  # a seed the learner has not seen


def __graded(fault_in=None):
    # The report of the learner's unit_logic on a fresh unit of the graded seed, run for
    # 120 s with the fault in `fault_in`; None if the logic is missing or fails.
    logic = globals().get("unit_logic")
    if not callable(logic):
        return None
    try:
        unit = __machine("packml-unit", __SEED, fault_in=fault_in)
        unit.run(120.0, logic)
        return unit.report()
    except Exception:
        return None


__default = __graded()
__elsewhere = {state.name: __graded(state) for state in __FAULT_ROUTES}
"""

HIDDEN_VERDICTS = r"""
def __clean(report):
    return report is not None and report["script_done"] and not (
        report["illegal"] or report["unexplained"] or report["ignored"])


def __aborted_from(report, where):
    aborts = [row for row in report["transitions"] if row["to"] == "ABORTING"]
    return len(aborts) == 1 and aborts[0]["from"] == where


__d = __default
__verdicts = {
    "legal": __d is not None and __d["illegal"] == [],
    "explained": __d is not None and __d["unexplained"] == [],
    "answered": __d is not None and __d["ignored"] == [],
    "script-done": __d is not None and __d["script_done"] is True,
    "full-tour": __d is not None and len(__d["transitions"]) == 30
    and len(__d["states_visited"]) == 17,
    "fault-anywhere": all(__clean(r) and __aborted_from(r, where)
                          for where, r in __elsewhere.items()),
}
"""


def _hidden(check_id: str, points: int, description: str, hint: str) -> dict:
    return {
        "id": check_id,
        "points": points,
        "visible": False,
        "description": description,
        "observe": f"__verdicts['{check_id}']",
        "expected": "True",
        "compare": "equal",
        "hint": hint,
    }


ACTING_ORDER = ("RESETTING", "STARTING", "HOLDING", "UNHOLDING")

CHECKS = [
    {
        "id": "ignored-at",
        "points": 1,
        "description": "lesson 5.1's logic on your unit: when the condition it ignored "
        "appeared, in s (ignored_at_s)",
        "observe": "float(ignored_at_s)",
        "compare": "close",
        "tolerance": 0.005,
        "hint": "The time_s of the first row of report_51['ignored'].",
    },
    {
        "id": "acting-times",
        "points": 1,
        "description": "lesson 5.1's logic on your unit: the seconds spent in Resetting, "
        "Starting, Holding and Unholding (acting_measured)",
        "observe": "[float(acting_measured[name]) for name in "
        + repr(list(ACTING_ORDER)).replace("'", '"')
        + "]",
        "compare": "close",
        "tolerance": 0.015,
        "hint": "Walk through report_51['transitions'] in pairs: for each transition into an "
        "acting state, the next transition's time_s minus its own; key by the 'to' name.",
    },
    _hidden(
        "legal",
        2,
        "unit_logic on a unit you have not seen, the operator script: no illegal transition",
        "Accept each command only in the states lesson 5.1's table lists (Start only in "
        "Idle); Stopping ends in Stopped and Clear leads to Clearing.",
    ),
    _hidden(
        "explained",
        1,
        "unit_logic on a unit you have not seen: no transition that nothing called for",
        "Leave an acting state only on the SC of this scan, and act on a command only in "
        "the scan it arrives; never latch either.",
    ),
    _hidden(
        "answered",
        2,
        "unit_logic on a unit you have not seen: no command or condition left unanswered "
        "for more than 0.1 s",
        "A fault aborts, starved in Execute suspends and fed in Suspended unsuspends, in the "
        "scan the condition appears: no on-delay in the state machine.",
    ),
    _hidden(
        "script-done",
        1,
        "unit_logic on a unit you have not seen: the operator script finished",
        "The script waits for the state each step expects: Idle after Reset, Suspended "
        "while starved, Aborted after the fault, Stopped after Clear.",
    ),
    _hidden(
        "full-tour",
        1,
        "unit_logic on a unit you have not seen: 30 transitions, all 17 states visited",
        "Every acting state leads on through its SC (SC_NEXT); the operator script takes a "
        "correct unit through every state once or more, 30 transitions in all.",
    ),
    _hidden(
        "fault-anywhere",
        2,
        "unit_logic on a unit you have not seen, with the script's fault struck in each state "
        "fault_in offers: the unit aborts from that state and the script finishes cleanly",
        "Test the fault beside the Abort command, before any state's branch, for every state "
        "but Aborting and Aborted.",
    ),
]

ABORT_LINE = "    if st not in (S.ABORTING, S.ABORTED) and (cmd == C.ABORT or fault):\n"
SC_LINE = "    if sc and st in SC_NEXT:\n"
CALL_LINE = (
    "    io.state = next_state(io.state, io.command, io.state_complete, io.fault, io.starved)\n"
)


def _edits(*pairs: tuple[str, str]) -> str:
    source = ANSWER_LOGIC
    for old, new in pairs:
        source = swap(source, old, new)
    return source


PITFALLS = [
    Pitfall(
        "start-in-stopped",
        "Accepts Start in Stopped as well as in Idle: the script's first Start, which must "
        "be ignored, takes the unit from Stopped to Starting (illegal), and the operator "
        "waits in vain for Idle.",
        {
            "answer-unit-logic": _edits(
                (
                    "    if st == S.IDLE and cmd == C.START:\n",
                    "    if st in (S.IDLE, S.STOPPED) and cmd == C.START:\n",
                )
            )
        },
    ),
    Pitfall(
        "stopping-to-idle",
        "Lets Stopping complete into Idle, as if a stopped unit were ready to start: "
        "Stopping to Idle is illegal, and the operator waits in vain for Stopped.",
        {
            "answer-unit-logic": _edits(
                (SC_LINE, "    if sc and st == S.STOPPING:\n        return S.IDLE\n" + SC_LINE)
            )
        },
    ),
    Pitfall(
        "starved-on-delay",
        "Filters starved with a 0.5 s on-delay before the state machine sees it: the unit "
        "suspends 0.5 s late, and the starvation is recorded as ignored.",
        {
            "answer-unit-logic": _edits(
                (
                    CALL_LINE,
                    '    starved = fb.TON("starved_filter", IN=io.starved, PT=0.5).Q  # let it settle\n'
                    "    io.state = next_state(io.state, io.command, io.state_complete, io.fault, starved)\n",
                )
            )
        },
    ),
    Pitfall(
        "latched-sc",
        "Latches state complete in a bit that is never cleared: after the first SC every "
        "acting state completes in its first scan, before its work is done (unexplained).",
        {
            "answer-unit-logic": _edits(
                (
                    CALL_LINE,
                    "    mem.init(done=False)\n"
                    "    mem.done = mem.done or io.state_complete  # remember SC\n"
                    "    io.state = next_state(io.state, io.command, mem.done, io.fault, io.starved)\n",
                )
            )
        },
    ),
    Pitfall(
        "clear-to-stopped",
        "Sends Clear straight from Aborted to Stopped, skipping Clearing: an illegal "
        "transition (and no state in which to reset the fault latches).",
        {
            "answer-unit-logic": _edits(
                (
                    "    if st == S.ABORTED and cmd == C.CLEAR:\n        return S.CLEARING\n",
                    "    if st == S.ABORTED and cmd == C.CLEAR:\n        return S.STOPPED\n",
                )
            )
        },
    ),
    Pitfall(
        "no-conditions",
        "Keeps lesson 5.1's state machine, which answers commands and SC but not the "
        "unit's conditions: the fault and the starvation are ignored and the script stalls "
        "in Execute.",
        {
            "answer-unit-logic": _edits(
                (ABORT_LINE, "    if st not in (S.ABORTING, S.ABORTED) and cmd == C.ABORT:\n"),
                (
                    "        if starved:\n            return S.SUSPENDING\n",
                    "",
                ),
                (
                    "        if not starved:\n            return S.UNSUSPENDING\n",
                    "",
                ),
            )
        },
    ),
    Pitfall(
        "abort-only-from-execute",
        "Aborts on a fault only in Execute (the Abort command everywhere): the default "
        "script passes, but a fault in any other state is ignored. From Starting, Unholding "
        "and Unsuspending the unit aborts only once it is back in Execute (1.3-6.9 s late on "
        "seeds 1-20); in Holding, Held, Suspending, Suspended, Stopping and Completing it "
        "never aborts and the script stalls.",
        {
            "answer-unit-logic": _edits(
                (
                    ABORT_LINE,
                    "    if st not in (S.ABORTING, S.ABORTED) and (\n"
                    "        cmd == C.ABORT or (fault and st == S.EXECUTE)\n"
                    "    ):\n",
                )
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title=TITLE,
        competencies=["SM.PLC.5"],
        minutes=70,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-5-1", TASK_51),
            code("logic-5-1", "readonly", LOGIC_51),
            md("task-read", TASK_READ),
            code("answer-read", "answer", ANSWER_READ),
            md("task-logic", TASK_LOGIC),
            code("answer-unit-logic", "answer", ANSWER_LOGIC),
            code("run-logic", "readonly", RUN_LOGIC),
            code("test-logic", "test", TEST_LOGIC),
            md("task-faults", TASK_FAULTS),
            code("run-faults", "readonly", RUN_FAULTS),
            code("test-faults", "test", TEST_FAULTS),
            md("task-think", TASK_THINK),
            code("hidden-runs", "hidden-test", HIDDEN_RUNS),
            code("hidden-verdicts", "hidden-test", HIDDEN_VERDICTS),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)

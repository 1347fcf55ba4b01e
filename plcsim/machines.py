"""Machines for the PLC programming course: the learner's logic runs them, scan by scan.

``machine(name, seed)`` builds a named machine (see `MACHINES`) whose ``run(seconds,
logic)`` calls ``logic(io, mem, fb)`` once every scan (10 ms by default; ``scan_s=`` for
another) and whose ``report()`` holds the graded facts. `check_interlocks` runs the
filler's fault scenario set. The scan executor is `plcsim.scan`; the function blocks
(TON, TOF, TP, CTU, CTD, CTUD, R_TRIG, F_TRIG, SR, RS) are `plcsim.blocks`.
"""

from __future__ import annotations

from typing import Any

from plcsim.blocks import CTD, CTU, CTUD, F_TRIG, R_TRIG, RS, SR, TOF, TON, TP, Scan
from plcsim.filler import Filler, FillerParams
from plcsim.indexer import Indexer, IndexerParams
from plcsim.interlocks import FAULTS, cases, check_interlocks, fault_scenario
from plcsim.logic import Blocks, Memory
from plcsim.packml import Command, State
from plcsim.packml_unit import PackMLUnit
from plcsim.scan import IOHistorian, LogicError, Machine, Point

__all__ = [
    "CTD",
    "CTU",
    "CTUD",
    "FAULTS",
    "F_TRIG",
    "MACHINES",
    "RS",
    "R_TRIG",
    "SR",
    "TOF",
    "TON",
    "TP",
    "Blocks",
    "Command",
    "Filler",
    "FillerParams",
    "IOHistorian",
    "Indexer",
    "IndexerParams",
    "LogicError",
    "Machine",
    "Memory",
    "PackMLUnit",
    "Point",
    "Scan",
    "State",
    "cases",
    "check_interlocks",
    "fault_scenario",
    "machine",
]

MACHINES = {
    "filler": Filler,  # fill to weight with in-flight compensation; permissives
    "indexer": Indexer,  # infeed, index, fill, cap: a step chain (jams=True for jams)
    "packml-unit": PackMLUnit,  # the PackML state machine as control logic
}


def machine(name: str, seed: int | str = 0, **options: Any) -> Machine:
    """Build the named machine for *seed* (options: ``scan_s``, and per machine
    ``start_at``, ``jams`` or ``fault_in``)."""
    try:
        cls = MACHINES[name]
    except KeyError:
        raise ValueError(f"unknown machine {name!r}; machines: {', '.join(MACHINES)}") from None
    return cls(seed, **options)

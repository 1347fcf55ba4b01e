"""Named scenarios learners and labs start from."""

from __future__ import annotations

from plcsim.line import Line, UnitSpec
from plcsim.machining import machining_cell

PACKAGING_UNITS = [
    UnitSpec("Infeed", design_speed=130, power_kw=2.2, defect_rate=0.0, fault_per_hour=0.1),
    UnitSpec("Filler", design_speed=120, power_kw=7.5, defect_rate=0.012),
    UnitSpec("Capper", design_speed=125, power_kw=3.0, defect_rate=0.006),
    UnitSpec("Labeler", design_speed=128, power_kw=2.5, defect_rate=0.009),
    UnitSpec("CasePacker", design_speed=11, power_kw=4.0, defect_rate=0.002, microstop_per_hour=2),
]


def packaging_line(seed: int, **options) -> Line:
    """The five-unit bottling line of the labs, started at time zero."""
    line = Line([UnitSpec(**vars(spec)) for spec in PACKAGING_UNITS], seed=seed, **options)
    line.start_production()
    return line


SCENARIOS = {"packaging-line": packaging_line}
# Scenarios that produce a table of cycles rather than a running line.
DATASETS = {"machining-cell": machining_cell}


def scenario(name: str, seed: int, **options) -> Line:
    """Build a named scenario; ValueError names the ones that exist."""
    try:
        build = SCENARIOS[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}"
        ) from None
    return build(int(seed), **options)

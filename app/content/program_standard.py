"""Apprenticeship program standards as data: what ``curricula/programs/*.yml`` describe.

A program file is the Appendix A of a registered apprenticeship standard (29 CFR 29.5):
the occupation, the approach and term, the probationary period, the work process schedule
with its competencies, the related-instruction outline and the wage schedule.
``programs`` reads and checks the files; ``app.domain.programs`` measures an
apprentice's progress against a Program.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TIME_BASED, COMPETENCY_BASED, HYBRID = "time-based", "competency-based", "hybrid"
APPROACHES = (TIME_BASED, COMPETENCY_BASED, HYBRID)
MIN_OJL_HOURS = 2000  # 29 CFR 29.5(b)(2): a time-based term is at least 2,000 hours of OJL
RTI_HOURS_PER_YEAR = 144  # 29 CFR 29.5(b)(4): the minimum "normally considered necessary"
MAX_TERM_YEARS = 10  # a longer term is taken for a typing mistake
HOURS_PER_YEAR = 2000  # one year of full-time OJL: sizes program years and the probation cap


@dataclass(frozen=True)
class WorkProcess:
    """A major work process; *min_hours* == *max_hours* when the hours are a fixed number."""

    id: str  # stable: OJL entries are logged against it
    title: str
    description: str = ""
    min_hours: float | None = None  # None: no hours given (competency-based only)
    max_hours: float | None = None
    competencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instruction:
    """One line of the related-instruction outline: a course here, or one given elsewhere."""

    title: str
    hours: float
    year: int  # program year, from 1
    course: str = ""  # a course id under curricula/, or "" for instruction elsewhere
    provider: str = ""


@dataclass(frozen=True)
class WageStep:
    """A wage step that starts after *start* OJL hours or months (by the schedule's basis)."""

    start: float
    percent: float  # of the journeyworker wage
    title: str = ""


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    occupation: str
    onet_soc_code: str
    approach: str  # time-based | competency-based | hybrid
    description: str
    rapids_code: str = ""
    framework: str = ""
    term_hours: float | None = None  # time-based: the OJL hours; hybrid: the minimum
    term_months: int | None = None
    probation_hours: float | None = None  # exactly one of the two probation fields is set
    probation_months: int | None = None
    work_processes: tuple[WorkProcess, ...] = ()
    instruction: tuple[Instruction, ...] = ()
    wage_basis: str = "hours"  # hours | months: what wage steps start after
    wage_steps: tuple[WageStep, ...] = ()
    journeyworker_wage: float | None = None
    wage_unit: str = "hour"
    source: str = ""

    @property
    def years(self) -> int:
        """How many program years the term spans (RTI is planned per program year)."""
        return years_of(self.term_hours, self.term_months) or max(
            [1, *(item.year for item in self.instruction)]
        )

    def competencies(self) -> tuple[str, ...]:
        """Every competency the work processes name, once each, in order."""
        return tuple(dict.fromkeys(c for wp in self.work_processes for c in wp.competencies))


def years_of(term_hours: float | None, term_months: int | None) -> int | None:
    """The program years a term spans: by months if given, else at 2,000 OJL hours a year."""
    if term_months:
        return max(1, math.ceil(term_months / 12))
    if term_hours:
        return max(1, math.ceil(term_hours / HOURS_PER_YEAR))
    return None

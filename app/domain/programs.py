"""An apprentice's progress against a program standard: pure rules, plain values in and out.

Given a Program (``app.content.programs``) and what the apprentice has done (approved OJL
hours per work process, RTI hours per program year, competencies attained, the start date)
``progress`` says where they stand on a given day: hours per work process against its
range, related instruction per program year, the wage step and the next one, probation,
and whether the program is complete for its approach (29 CFR 29.5(b)(2)):

- time-based: approved OJL hours reach the term's hours;
- competency-based: every competency the work processes list is attained;
- hybrid: every work process has its minimum hours, the hours that count reach the
  term's minimum, and every listed competency is attained. A work process counts towards
  the term up to its maximum: hours beyond it are kept but do not count.

Only approved hours are passed in; the services decide what is approved.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from app.content.program_standard import (
    COMPETENCY_BASED,
    HYBRID,
    RTI_HOURS_PER_YEAR,
    TIME_BASED,
    Program,
    WageStep,
    WorkProcess,
)


@dataclass(frozen=True)
class Record:
    """What an apprentice has done, as the services gather it from the database."""

    start: date
    ojl_hours: Mapping[str, float] = field(default_factory=dict)  # approved, by work process id
    rti_hours: Mapping[int, float] = field(default_factory=dict)  # by program year, from 1
    competencies: frozenset[str] = frozenset()  # attained (mastered, or signed off)


@dataclass(frozen=True)
class ProcessProgress:
    """One work process: approved hours against its range, and its competencies."""

    id: str
    title: str
    hours: float  # approved
    counted: float  # what counts towards the term (a hybrid process: up to its maximum)
    min_hours: float | None
    max_hours: float | None
    attained: tuple[str, ...]  # of its competencies, in the program's order
    missing: tuple[str, ...]
    complete: bool

    @property
    def hours_to_go(self) -> float:
        """Hours still needed to reach the minimum (the fixed hours, time-based)."""
        return max(0.0, (self.min_hours or 0.0) - self.hours)


@dataclass(frozen=True)
class RtiYear:
    """Related instruction in one program year, against the program's plan and 144 hours."""

    year: int
    hours: float  # received
    planned: float  # what the program's outline plans for the year
    ends: date  # the day the program year ends (the next one starts)
    over: bool  # the year has ended

    @property
    def met_plan(self) -> bool:
        return self.hours >= self.planned

    @property
    def met_minimum(self) -> bool:
        """At least the 144 hours a year 29 CFR 29.5(b)(4) calls normally necessary."""
        return self.hours >= RTI_HOURS_PER_YEAR


@dataclass(frozen=True)
class Wage:
    """The current wage step, the next one, and when it is due."""

    current: WageStep
    next: WageStep | None = None
    hours_to_go: float | None = None  # steps by hours: approved OJL hours still needed
    due_on: date | None = None  # steps by months: the day the next step starts


@dataclass(frozen=True)
class Progress:
    approach: str
    processes: tuple[ProcessProgress, ...]
    ojl_hours: float  # approved, in the program's work processes
    counted_hours: float  # what counts towards the term
    term_hours: float | None
    rti: tuple[RtiYear, ...]
    program_year: int  # the program year *today* falls in, from 1
    attained: tuple[str, ...]
    missing: tuple[str, ...]  # competencies still to attain
    wage: Wage | None  # None when the program has no wage steps
    in_probation: bool
    probation_ends_on: date | None  # probation by months
    probation_hours_to_go: float | None  # probation by hours
    complete: bool


def progress(program: Program, record: Record, *, today: date) -> Progress:
    """Where the apprentice of *record* stands in *program* on *today*."""
    processes = tuple(_process(program.approach, wp, record) for wp in program.work_processes)
    counted = sum(p.counted for p in processes)
    wanted = program.competencies()
    attained = tuple(c for c in wanted if c in record.competencies)
    missing = tuple(c for c in wanted if c not in record.competencies)
    in_probation, ends_on, hours_left = probation(program, record.start, counted, today=today)
    return Progress(
        approach=program.approach,
        processes=processes,
        ojl_hours=sum(p.hours for p in processes),
        counted_hours=counted,
        term_hours=program.term_hours,
        rti=rti_years(program, record, today=today),
        program_year=program_year(record.start, today),
        attained=attained,
        missing=missing,
        wage=wage(program, record.start, counted, today=today),
        in_probation=in_probation,
        probation_ends_on=ends_on,
        probation_hours_to_go=hours_left,
        complete=_complete(program, processes, counted, missing),
    )


def _process(approach: str, wp: WorkProcess, record: Record) -> ProcessProgress:
    hours = max(0.0, float(record.ojl_hours.get(wp.id, 0.0)))
    counted = min(hours, wp.max_hours) if approach == HYBRID and wp.max_hours else hours
    attained = tuple(c for c in wp.competencies if c in record.competencies)
    missing = tuple(c for c in wp.competencies if c not in record.competencies)
    enough = hours >= (wp.min_hours or 0.0)
    if approach == TIME_BASED:
        complete = enough
    elif approach == HYBRID:
        complete = enough and not missing
    else:
        complete = not missing
    return ProcessProgress(
        wp.id, wp.title, hours, counted, wp.min_hours, wp.max_hours, attained, missing, complete
    )


def _complete(
    program: Program, processes: tuple[ProcessProgress, ...], counted: float, missing: tuple
) -> bool:
    if program.approach == COMPETENCY_BASED:
        return not missing
    term = program.term_hours
    if term is None:  # a valid time-based or hybrid program always states it
        term = sum(p.min_hours or 0.0 for p in processes)
    if program.approach == TIME_BASED:
        return counted >= term
    return counted >= term and not missing and all(p.complete for p in processes)


def wage(program: Program, start: date, hours: float, *, today: date) -> Wage | None:
    """The wage step after *hours* of counted OJL (or on *today*, for steps by months)."""
    steps = sorted(program.wage_steps, key=lambda step: step.start)
    if not steps:
        return None
    by_months = program.wage_basis == "months"
    reached = months_between(start, today) if by_months else hours
    current = steps[0]
    for step in steps:
        if step.start <= reached:
            current = step
    following = [step for step in steps if step.start > reached]
    if not following:
        return Wage(current)
    upcoming = following[0]
    if by_months:
        return Wage(current, upcoming, due_on=add_months(start, int(upcoming.start)))
    return Wage(current, upcoming, hours_to_go=upcoming.start - hours)


def probation(
    program: Program, start: date, hours: float, *, today: date
) -> tuple[bool, date | None, float | None]:
    """Whether the apprentice is still on probation, and when (date) or after what it ends."""
    if program.probation_months is not None:
        ends = add_months(start, program.probation_months)
        return today < ends, ends, None
    if program.probation_hours is not None:
        left = max(0.0, program.probation_hours - hours)
        return left > 0, None, left
    return False, None, None


def rti_years(program: Program, record: Record, *, today: date) -> tuple[RtiYear, ...]:
    """Related instruction received in each program year, against the plan and 144 hours."""
    years = []
    for year in range(1, program.years + 1):
        ends = add_months(record.start, 12 * year)
        planned = sum(item.hours for item in program.instruction if item.year == year)
        hours = max(0.0, float(record.rti_hours.get(year, 0.0)))
        years.append(RtiYear(year, hours, planned, ends, today >= ends))
    return tuple(years)


def program_year(start: date, today: date) -> int:
    """The program year *today* falls in: 1 from the start date for twelve months, then 2..."""
    return months_between(start, today) // 12 + 1


def months_between(start: date, today: date) -> int:
    """Whole months from *start* to *today* (0 before a month has passed, or before start)."""
    months = (today.year - start.year) * 12 + today.month - start.month
    if today < add_months(start, months):
        months -= 1
    return max(0, months)


def add_months(day: date, months: int) -> date:
    """*day* moved *months* later; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

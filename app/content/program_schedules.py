"""Reading apprenticeship program files: typed values, and the two schedules.

``Reader`` reads the values of a program file (each unknown key an E-PROGRAM-KEY error,
each number checked); ``Schedules`` adds the related-instruction outline and the wage
schedule. ``programs`` builds on both for the rest of the file.
"""

from __future__ import annotations

import math
from pathlib import Path

from app.content.fields import Fields
from app.content.problems import Problems
from app.content.program_standard import (
    MAX_TERM_YEARS,
    RTI_HOURS_PER_YEAR,
    TIME_BASED,
    Instruction,
    WageStep,
    WorkProcess,
)
from app.content.yamlfiles import LocatedDict

WAGE_UNITS = ("hour", "week", "month", "year")

# The keys each mapping of a program file may have; any other is E-PROGRAM-KEY.
KEYS = {
    "program": (
        "id title occupation onet_soc_code rapids_code approach framework description term "
        "probation work_processes related_instruction wage_schedule"
    ),
    "term": "hours months",
    "probation": "hours months",
    "work process": "id title description hours competencies",
    "hours": "min max",
    "related instruction": "course title provider hours year",
    "wage schedule": "journeyworker_wage steps",
    "journeyworker wage": "amount per",
    "wage step": "title from_hours from_month percent",
}


class Reader:
    """Typed values of one program file, each problem located where the value is."""

    def __init__(self, path: Path, problems: Problems, courses: dict[str, float]) -> None:
        self.path = path
        self.problems = problems
        self.courses = courses  # course id → the RTI hours its course.yml declares

    def fields(self, data, what: str) -> Fields:
        """Fields of one mapping; each key it may not have is an E-PROGRAM-KEY error."""
        found = Fields(data, self.path, self.problems, _NAMED[what])
        allowed = KEYS[what].split()
        for key in found.data:
            if key not in allowed:
                message = f"unknown key '{key}' in {_NAMED[what]}; use {', '.join(allowed)}"
                found.problem(key, "E-PROGRAM-KEY", message)
        return found

    def section(self, top: Fields, key: str, what: str) -> Fields | None:
        """The required mapping *key* of *top*, or None (reported) if it is missing or not one."""
        value = top.data.get(key)
        if value is None:
            top.text(key)  # reports "needs 'key'" at the mapping
            return None
        if not isinstance(value, LocatedDict):
            top.problem(key, None, f"'{key}' must be a mapping of fields")
            return None
        return self.fields(value, what)

    def count(
        self, fields: Fields, key: str, *, required: bool = False, code: str = ""
    ) -> float | None:
        """A number of hours (or percent) at *key*; negative ones are *code* errors."""
        if key not in fields.data or fields.data[key] is None:
            if required:
                fields.text(key)
            return None
        value = fields.data[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            fields.problem(key, None, f"'{key}' must be a number")
            return None
        if value < 0:
            fields.problem(key, code or "E-PROGRAM-HOURS", f"'{key}' cannot be negative")
            return None
        return float(value)

    def whole(
        self, fields: Fields, key: str, *, required: bool = False, code: str = ""
    ) -> int | None:
        value = self.count(fields, key, required=required, code=code)
        if value is not None and not value.is_integer():
            fields.problem(key, None, f"'{key}' must be a whole number")
            return None
        return None if value is None else int(value)


class Schedules(Reader):
    def instruction(self, top: Fields, years: int | None) -> tuple[Instruction, ...]:
        listed = top.items("related_instruction", required=True)
        found: list[Instruction] = []
        first_of_year: dict[int, tuple[Fields, str]] = {}
        for raw in listed:
            item = self.fields(raw, "related instruction")
            course = item.text("course", required=False)
            declared = self.courses.get(course)
            if course and declared is None:
                message = f"no course '{course}' under curricula/"
                item.problem("course", "E-PROGRAM-COURSE", message)
            hours = self.count(item, "hours", required=not course, code="E-PROGRAM-RTI")
            if hours is None and declared is not None and "hours" not in item.data:
                hours = declared
            if hours is not None and declared is not None and hours > declared:
                message = f"course '{course}' counts for {declared:,g} RTI hours (its rti_hours)"
                item.problem("hours", "E-PROGRAM-RTI", f"{hours:,g} hours, but {message}")
            year = self.whole(item, "year", required=True, code="E-PROGRAM-RTI")
            if year is not None and not 1 <= year <= (years or MAX_TERM_YEARS):
                span = f"1 to {years}" if years else f"1 to {MAX_TERM_YEARS} at most"
                message = f"program year {year} is outside the term's years ({span})"
                item.problem("year", "E-PROGRAM-RTI", message)
                year = None
            if year is None:
                continue
            first_of_year.setdefault(year, (item, "year"))
            title = item.text("title", required=not course, default=course)
            provider = item.text("provider", required=False)
            found.append(Instruction(title, hours or 0.0, year, course, provider))
        for year in range(1, (years or max([1, *first_of_year])) + 1):
            planned = sum(i.hours for i in found if i.year == year)
            if planned < RTI_HOURS_PER_YEAR:
                where, key = first_of_year.get(year, (top, "related_instruction"))
                message = (
                    f"program year {year} plans {planned:,g} hours of related instruction; "
                    f"{RTI_HOURS_PER_YEAR} a year is normally necessary (29 CFR 29.5(b)(4))"
                )
                where.problem(key, "W-PROGRAM-RTI-HOURS", message)
        return tuple(found)

    def wage(
        self,
        top: Fields,
        approach: str,
        work: tuple[WorkProcess, ...],
        term_hours: float | None,
        term_months: int | None,
    ) -> tuple[str, tuple[WageStep, ...], float | None, str]:
        schedule = self.section(top, "wage_schedule", "wage schedule")
        if schedule is None:
            return "hours", (), None, "hour"
        amount, unit = self.journeyworker_wage(schedule)
        basis = ""
        steps: list[WageStep] = []
        ends = {"hours": ojl_ceiling(approach, work, term_hours), "months": term_months}
        listed = schedule.items("steps", required=True)
        if "steps" in schedule.data and not listed:
            schedule.problem("steps", "E-PROGRAM-WAGE", "a wage schedule needs at least one step")
        for raw in listed:
            step = self.fields(raw, "wage step")
            keys = [key for key in ("from_hours", "from_month") if key in step.data]
            if len(keys) != 1:
                message = "a wage step starts after from_hours or from_month (one of them)"
                step.problem("percent", "E-PROGRAM-WAGE", message)
                continue
            key = keys[0]
            this = "hours" if key == "from_hours" else "months"
            if basis and this != basis:
                message = f"the steps start by {basis}, so this one cannot start by {this}"
                step.problem(key, "E-PROGRAM-WAGE", message)
                continue
            if this == "months" and term_months is None and not basis:
                message = "steps by months need the term in months (term: months)"
                step.problem(key, "E-PROGRAM-WAGE", message)
            basis = this
            read = self.count if this == "hours" else self.whole
            start = read(step, key, required=True, code="E-PROGRAM-WAGE")
            percent = self.count(step, "percent", required=True, code="E-PROGRAM-WAGE-PERCENT")
            if start is None or percent is None:
                continue
            if not 0 < percent <= 100:
                message = (
                    f"{percent:g} %: a step is above 0 and at most 100 % of the journeyworker wage"
                )
                step.problem("percent", "E-PROGRAM-WAGE-PERCENT", message)
            if self.out_of_order(step, key, start, percent, steps, ends[this], this):
                continue
            steps.append(WageStep(start, percent, step.text("title", required=False)))
        return basis or "hours", tuple(steps), amount, unit

    def out_of_order(
        self,
        step: Fields,
        key: str,
        start: float,
        percent: float,
        before: list[WageStep],
        end: float | None,
        basis: str,
    ) -> bool:
        """Report a step that does not follow the previous one, or that is never reached."""
        if not before and start != 0:  # reported, yet kept: the next steps follow it
            step.problem(key, "E-PROGRAM-WAGE", "the first wage step starts at 0 (the entry wage)")
        if before and start <= before[-1].start:
            previous = before[-1].start
            message = f"the step at {start:,g} {basis} is not after the one before ({previous:,g})"
            step.problem(key, "E-PROGRAM-WAGE-ORDER", message)
            return True
        if before and percent <= before[-1].percent:
            message = (
                f"wages must increase: {percent:g} % is not above {before[-1].percent:g} % before"
            )
            step.problem("percent", "E-PROGRAM-WAGE-ORDER", message)
            return True
        if end is not None and start >= end:
            message = f"this step starts at {start:,g} {basis}, when the term is over ({end:,g})"
            step.problem(key, "E-PROGRAM-WAGE", message)
            return True
        return False

    def journeyworker_wage(self, schedule: Fields) -> tuple[float | None, str]:
        if "journeyworker_wage" not in schedule.data:
            return None, "hour"
        wage = self.section(schedule, "journeyworker_wage", "journeyworker wage")
        if wage is None:
            return None, "hour"
        amount = self.count(wage, "amount", required=True, code="E-PROGRAM-WAGE")
        if amount == 0:
            wage.problem("amount", "E-PROGRAM-WAGE", "the journeyworker wage is more than 0")
            amount = None
        unit = wage.text("per", required=False, default="hour")
        if unit not in WAGE_UNITS:
            message = f"unknown unit '{unit}'; use {', '.join(WAGE_UNITS)}"
            wage.problem("per", "E-PROGRAM-WAGE", message)
        return amount, unit


_NAMED = {
    "program": "a program",
    "term": "the term",
    "probation": "the probation",
    "work process": "a work process",
    "hours": "the hours",
    "related instruction": "a related-instruction item",
    "wage schedule": "the wage schedule",
    "journeyworker wage": "the journeyworker wage",
    "wage step": "a wage step",
}


def ojl_ceiling(approach: str, work: tuple[WorkProcess, ...], term_hours: float | None):
    """The most OJL hours the program can count: where an hours-based wage schedule must end."""
    if approach == TIME_BASED:
        return term_hours
    if work and all(wp.max_hours is not None for wp in work):
        return sum(wp.max_hours or 0 for wp in work)
    return None

"""Apprenticeship programs: read and check ``curricula/programs/*.yml`` into Programs.

Each rule 29 CFR 29 sets for a program standard is checked here with its own code (see
"Apprenticeship programs" in curricula/README.md), at the line and column of the value.
Files are read through ``confined`` and ``yamlfiles`` like the rest of the tree. The
dataclasses live in ``program_standard`` and are importable from here.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from app.content import confined, yamlfiles
from app.content.fields import Fields
from app.content.limits import YAML_BYTES
from app.content.model import Curriculum
from app.content.problems import Problems
from app.content.program_schedules import Schedules
from app.content.program_standard import (
    APPROACHES,
    COMPETENCY_BASED,
    HOURS_PER_YEAR,
    HYBRID,
    MAX_TERM_YEARS,
    MIN_OJL_HOURS,
    TIME_BASED,
    Program,
    WorkProcess,
    years_of,
)
from app.content.yamlfiles import LocatedDict, LocatedList

ONET_SOC = re.compile(r"^\d{2}-\d{4}\.\d{2}$")  # e.g. 49-9041.00
# RAPIDS occupation codes: digits, a CB (competency-based) or HY (hybrid) suffix, a version.
RAPIDS = re.compile(r"^\d{3,4}[A-Z]{0,2} ?(V\d+)?$")
RAPIDS_SUFFIX = {"CB": COMPETENCY_BASED, "HY": HYBRID}
ID_CHARS = 64  # program and work process ids key apprentices' records


def load_all(root: Path, curriculum: Curriculum, problems: Problems) -> tuple[Program, ...]:
    """Parse and check every ``programs/*.yml`` under *root* against *curriculum*."""
    frameworks = {f.id: frozenset(f.codes()) for f in curriculum.frameworks}
    courses = {c.id: c.rti_hours for c in curriculum.courses}
    try:
        entries = confined.listdir(root, "programs")
    except confined.Refused as exc:
        problems.refused(exc, root / "programs")
        return ()
    found: list[Program] = []
    first: dict[str, Path] = {}
    for entry in entries:
        if entry.kind != "file" or entry.path.suffix != ".yml":
            continue
        path = root / entry.path
        program = load(root / "programs", entry.path.name, frameworks, courses, problems)
        if program is None:
            continue
        if program.id in first:
            shown = first[program.id].relative_to(root)
            problems.add(path, 1, 1, "E-DUP-ID", f"program id '{program.id}' is used in {shown}")
        else:
            first[program.id] = path
            found.append(program)
    return tuple(found)


def load(
    folder: Path,
    name: str,
    frameworks: dict[str, frozenset[str]],
    courses: dict[str, float],
    problems: Problems,
) -> Program | None:
    """Parse and check the program file *name* in *folder*; None if it is not YAML at all.

    *frameworks* maps framework id → its codes, *courses* course id → its RTI hours.
    """
    path = folder / name
    try:
        data = yamlfiles.load(confined.read_text(folder, PurePosixPath(name), limit=YAML_BYTES))
    except confined.Refused as exc:
        problems.refused(exc, path)
        return None
    except yamlfiles.YamlError as exc:
        problems.add(path, exc.mark.line, exc.mark.col, "E-YAML", exc.message)
        return None
    except UnicodeDecodeError:
        problems.add(path, 1, 1, "E-YAML", "the file is not UTF-8 text")
        return None
    return _Parser(path, problems, frameworks, courses).program(data)


class _Parser(Schedules):
    def __init__(
        self,
        path: Path,
        problems: Problems,
        frameworks: dict[str, frozenset[str]],
        courses: dict[str, float],
    ) -> None:
        super().__init__(path, problems, courses)
        self.frameworks = frameworks

    def program(self, data) -> Program:
        top = self.fields(data, "program")
        approach = top.text("approach")
        if approach and approach not in APPROACHES:
            message = f"unknown approach '{approach}'; use {', '.join(APPROACHES)}"
            top.problem("approach", "E-PROGRAM-APPROACH", message)
        onet = top.text("onet_soc_code")
        if onet and not ONET_SOC.match(onet):
            message = f"'{onet}' is not an O*NET-SOC code shaped NN-NNNN.NN, such as 49-9041.00"
            top.problem("onet_soc_code", "E-PROGRAM-ONET", message)
        framework = top.text("framework", required=_names_competencies(top, approach))
        codes = self.frameworks.get(framework)
        if framework and codes is None:
            message = f"no framework '{framework}' in frameworks/"
            top.problem("framework", "E-PROGRAM-FRAMEWORK", message)
        term = self.section(top, "term", "term")
        term_hours, term_months = self.term(term)
        work = self.work_processes(top, approach, codes)
        self.check_term(top, term, approach, work, term_hours)
        probation = self.probation(top, term_hours, term_months)
        years = years_of(term_hours, term_months)
        instruction = self.instruction(top, years)
        basis, steps, jw_amount, jw_unit = self.wage(top, approach, work, term_hours, term_months)
        return Program(
            id=_stable_id(top),
            title=top.text("title"),
            occupation=top.text("occupation"),
            onet_soc_code=onet,
            approach=approach,
            description=top.text("description"),
            rapids_code=self.rapids(top, approach),
            framework=framework,
            term_hours=term_hours,
            term_months=term_months,
            probation_hours=probation[0],
            probation_months=probation[1],
            work_processes=work,
            instruction=instruction,
            wage_basis=basis,
            wage_steps=steps,
            journeyworker_wage=jw_amount,
            wage_unit=jw_unit,
            source=str(self.path),
        )

    def rapids(self, top: Fields, approach: str) -> str:
        code = top.text("rapids_code", required=False)
        if not code:
            return ""
        suffix = re.sub(r"^\d+|[ V].*$|V\d+$", "", code)
        if not RAPIDS.match(code):
            message = f"'{code}' is not a RAPIDS code such as 0926HY V1; leave it empty if unknown"
            top.problem("rapids_code", "E-PROGRAM-RAPIDS", message)
        elif (
            suffix in RAPIDS_SUFFIX and approach in APPROACHES and RAPIDS_SUFFIX[suffix] != approach
        ):
            message = (
                f"'{code}' is a {RAPIDS_SUFFIX[suffix]} RAPIDS code, but the approach is {approach}"
            )
            top.problem("rapids_code", "E-PROGRAM-RAPIDS", message)
        return code

    # Work processes and the term ------------------------------------------------------

    def work_processes(
        self, top: Fields, approach: str, codes: frozenset[str] | None
    ) -> tuple[WorkProcess, ...]:
        listed = top.items("work_processes", required=True)
        if "work_processes" in top.data and isinstance(listed, LocatedList) and not listed:
            top.problem("work_processes", None, "a program needs at least one work process")
        found: list[WorkProcess] = []
        seen: set[str] = set()
        for raw in listed:
            wp = self.fields(raw, "work process")
            ident = _stable_id(wp)
            if ident and ident in seen:
                wp.problem("id", "E-DUP-ID", f"work process '{ident}' is listed twice")
            seen.add(ident)
            low, high = self.hours(wp, approach)
            competencies = wp.texts("competencies")
            self.check_competencies(wp, codes)
            if approach == COMPETENCY_BASED and not competencies:
                message = "a competency-based work process lists the competencies to attain"
                wp.problem("competencies", "E-PROGRAM-NO-COMPETENCY", message)
            found.append(
                WorkProcess(
                    id=ident,
                    title=wp.text("title"),
                    description=wp.text("description", required=False),
                    min_hours=low,
                    max_hours=high,
                    competencies=competencies,
                )
            )
        if approach == HYBRID and found and not any(wp.competencies for wp in found):
            message = "a hybrid program names the competencies to demonstrate in its work processes"
            top.problem("work_processes", "E-PROGRAM-NO-COMPETENCY", message)
        return tuple(found)

    def hours(self, wp: Fields, approach: str) -> tuple[float | None, float | None]:
        raw = wp.data.get("hours")
        if raw is None:
            if approach in (TIME_BASED, HYBRID):
                example = "hours: 500" if approach == TIME_BASED else "hours: {min: 400, max: 600}"
                message = f"a {approach} work process needs its hours ({example})"
                wp.problem("hours", "E-PROGRAM-HOURS", message)
            return None, None
        if isinstance(raw, LocatedDict):
            if approach == TIME_BASED:
                message = "a time-based work process has a fixed number of hours, not a range"
                wp.problem("hours", "E-PROGRAM-HOURS", message)
                return None, None
            span = self.fields(raw, "hours")
            low = self.count(span, "min", required=True)
            high = self.count(span, "max", required=True)
            if low is not None and high is not None and low > high:
                message = f"min {low:,g} is more than max {high:,g}"
                span.problem("min", "E-PROGRAM-RANGE", message)
                return None, None
            return low, high
        if approach == HYBRID:
            message = "a hybrid work process gives a range of hours: {min: 400, max: 600}"
            wp.problem("hours", "E-PROGRAM-HOURS", message)
            return None, None
        value = self.count(wp, "hours")
        return value, value

    def check_competencies(self, wp: Fields, codes: frozenset[str] | None) -> None:
        listed = wp.data.get("competencies")
        if codes is None or not isinstance(listed, LocatedList):
            return
        for index, code in enumerate(listed):
            if isinstance(code, str) and code.strip() not in codes:
                mark = listed.mark(index)
                message = f"competency '{code}' is not in the program's framework"
                self.problems.add(self.path, mark.line, mark.col, "E-PROGRAM-COMPETENCY", message)

    def term(self, term: Fields | None) -> tuple[float | None, int | None]:
        """The term's hours and months, each None if not given or beyond MAX_TERM_YEARS."""
        if term is None:
            return None, None
        if "hours" not in term.data and "months" not in term.data:
            term.problem("hours", "E-PROGRAM-TERM", "state the term in hours, months or both")
        hours, months = self.count(term, "hours"), self.whole(term, "months")
        limits = {"hours": MAX_TERM_YEARS * HOURS_PER_YEAR, "months": MAX_TERM_YEARS * 12}
        for key, value in (("hours", hours), ("months", months)):
            if value is not None and value > limits[key]:
                message = f"a term of {value:,g} {key} is over {MAX_TERM_YEARS} years"
                term.problem(key, "E-PROGRAM-TERM", message)
        hours = hours if hours is None or hours <= limits["hours"] else None
        months = months if months is None or months <= limits["months"] else None
        return hours, months

    def check_term(
        self,
        top: Fields,
        term: Fields | None,
        approach: str,
        work: tuple[WorkProcess, ...],
        term_hours: float | None,
    ) -> None:
        complete = bool(work) and all(wp.min_hours is not None for wp in work)
        if approach == TIME_BASED and complete:
            total = sum(wp.min_hours or 0 for wp in work)
            if total < MIN_OJL_HOURS:
                message = (
                    f"the work processes add up to {total:,g} hours; a time-based program needs "
                    f"at least {MIN_OJL_HOURS:,} hours of on-the-job learning (29 CFR 29.5(b)(2))"
                )
                top.problem("work_processes", "E-PROGRAM-OJL-HOURS", message)
            if term and term_hours is not None and term_hours != total:
                message = (
                    f"the term is {term_hours:,g} hours; the work processes add up to {total:,g}"
                )
                term.problem("hours", "E-PROGRAM-TERM", message)
        if (
            approach in (TIME_BASED, HYBRID)
            and term
            and term_hours is None
            and "hours" not in term.data
        ):
            what = (
                "its hours"
                if approach == TIME_BASED
                else "the minimum hours of on-the-job learning"
            )
            term.problem("hours", "E-PROGRAM-TERM", f"a {approach} term states {what} (hours:)")
        if approach == HYBRID and complete and term and term_hours is not None:
            low = sum(wp.min_hours or 0 for wp in work)
            high = sum(wp.max_hours or 0 for wp in work)
            if not low <= term_hours <= high:
                message = (
                    f"the term's {term_hours:,g} hours are outside what the work processes "
                    f"allow together: {low:,g} to {high:,g} hours"
                )
                term.problem("hours", "E-PROGRAM-TOTAL", message)

    def probation(
        self, top: Fields, term_hours: float | None, term_months: int | None
    ) -> tuple[float | None, int | None]:
        section = self.section(top, "probation", "probation")
        if section is None:
            return None, None
        hours = self.count(section, "hours", code="E-PROGRAM-PROBATION")
        months = self.whole(section, "months", code="E-PROGRAM-PROBATION")
        if ("hours" in section.data) == ("months" in section.data):
            message = "give the probationary period in hours or in months (one of them)"
            section.problem("hours", "E-PROGRAM-PROBATION", message)
            return None, None
        value, unit, year = (
            (hours, "hours", HOURS_PER_YEAR) if hours is not None else (months, "months", 12)
        )
        term = _term_in(unit, term_hours, term_months)
        if value is not None and term is not None and value > min(term / 4, year):
            limit = min(term / 4, year)
            message = (
                f"{value:,g} {unit} of probation is more than {limit:,g}: at most 25 % of the "
                f"term ({term:,g} {unit}) or one year, whichever is shorter (29 CFR 29.5)"
            )
            section.problem(unit, "E-PROGRAM-PROBATION", message)
        return hours, months


def _names_competencies(top: Fields, approach: str) -> bool:
    """Whether the program needs a framework: it is not time-based, or names competencies."""
    listed = top.data.get("work_processes")
    named = isinstance(listed, list) and any(
        isinstance(wp, dict) and wp.get("competencies") for wp in listed
    )
    return named or approach in (COMPETENCY_BASED, HYBRID)


def _stable_id(fields: Fields) -> str:
    """The mapping's slug id, which apprenticeship records store (in at most ID_CHARS)."""
    ident = fields.slug()
    if len(ident) > ID_CHARS:
        fields.problem("id", "E-BAD-ID", f"an id has at most {ID_CHARS} characters")
    return ident


def _term_in(unit: str, term_hours: float | None, term_months: int | None) -> float | None:
    """The term in *unit* (hours or months), converted at 2,000 hours a year if need be."""
    if unit == "hours":
        return term_hours if term_hours is not None else _scale(term_months, HOURS_PER_YEAR / 12)
    return term_months if term_months is not None else _scale(term_hours, 12 / HOURS_PER_YEAR)


def _scale(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor

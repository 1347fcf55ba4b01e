"""Whether a learner meets an achievement's criteria, and in plain words what is missing.

A pure function of the rules (``content.achievement_rules``) and the learner's facts, as
plain dataclasses the services gather from the database. Every rule is monotone in the
facts: a higher level, another completed lesson, a better lab score or more approved hours
never turns a met rule unmet, so an achievement once met stays met while the record grows.

Each rule's result says what is done and what is missing, the way mastery's "why not yet"
does, and how far along it is (0..1), so a credentials page can show what a learner is
close to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from app.content.achievement_rules import (
    OJL_HOURS,
    PROBATION_COMPLETE,
    PROGRAM_COMPLETE,
    WORK_PROCESS_COMPLETE,
    CourseRule,
    LabRule,
    MasteryRule,
    ProgramRule,
    Rule,
)


@dataclass(frozen=True)
class CompetencyFact:
    level: int | None = None  # the level reached; None: not yet
    mastered: bool = False


@dataclass(frozen=True)
class CourseFact:
    completed: int  # lessons completed (of those in the course now)
    lessons: int  # lessons in the course


@dataclass(frozen=True)
class ProcessFact:
    """One work process of an apprenticeship, as its progress stands."""

    hours: float  # approved
    min_hours: float | None = None
    missing: tuple[str, ...] = ()  # its competencies not attained yet
    complete: bool = False


@dataclass(frozen=True)
class ApprenticeshipFact:
    """Where an apprentice stands in one program (``services.apprenticeship_progress``)."""

    complete: bool = False
    in_probation: bool = True
    probation_hours_to_go: float | None = None  # probation by hours
    probation_ends_on: date | None = None  # probation by months
    processes: Mapping[str, ProcessFact] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # the program's competencies not attained yet
    counted_hours: float = 0.0
    term_hours: float | None = None

    @property
    def approved_hours(self) -> float:
        return sum(p.hours for p in self.processes.values())


@dataclass(frozen=True)
class Facts:
    """What a learner has done, keyed by the stable ids the rules use."""

    competencies: Mapping[tuple[str, str], CompetencyFact] = field(default_factory=dict)
    courses: Mapping[str, CourseFact] = field(default_factory=dict)  # by course slug
    labs: Mapping[str, float] = field(default_factory=dict)  # best graded score, percent
    apprenticeships: Mapping[str, ApprenticeshipFact] = field(default_factory=dict)


@dataclass(frozen=True)
class Names:
    """Titles for the messages; anything not named is shown by its id."""

    competencies: Mapping[tuple[str, str], str] = field(default_factory=dict)
    levels: Mapping[str, Mapping[int, str]] = field(default_factory=dict)  # by framework
    courses: Mapping[str, str] = field(default_factory=dict)
    labs: Mapping[str, str] = field(default_factory=dict)
    programs: Mapping[str, str] = field(default_factory=dict)
    work_processes: Mapping[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    met: bool
    done: str  # what the learner has, in plain words ("" if nothing yet)
    missing: str  # what is still needed ("" when met)
    progress: float  # 0..1


@dataclass(frozen=True)
class Evaluation:
    met: bool
    rules: tuple[RuleResult, ...]

    @property
    def progress(self) -> float:
        """The mean progress of the rules (1.0 when met), to rank what a learner is close to."""
        if not self.rules:
            return 0.0
        return sum(r.progress for r in self.rules) / len(self.rules)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(r.missing for r in self.rules if not r.met)


def evaluate(rules: tuple[Rule, ...], facts: Facts, names: Names | None = None) -> Evaluation:
    """Judge every rule against *facts*; met when there are rules and all of them are met."""
    names = names or Names()
    results = tuple(_judge(rule, facts, names) for rule in rules)
    return Evaluation(bool(results) and all(r.met for r in results), results)


def _judge(rule: Rule, facts: Facts, names: Names) -> RuleResult:
    if isinstance(rule, MasteryRule):
        return _mastery(rule, facts, names)
    if isinstance(rule, CourseRule):
        return _course(rule, facts, names)
    if isinstance(rule, LabRule):
        return _lab(rule, facts, names)
    return _program(rule, facts, names)


def _mastery(rule: MasteryRule, facts: Facts, names: Names) -> RuleResult:
    levels = names.levels.get(rule.framework, {})
    wanted = rule.level_title or levels.get(rule.level or 0) or f"level {rule.level}"
    done, missing = [], []
    for code in rule.codes:
        fact = facts.competencies.get((rule.framework, code), CompetencyFact())
        title = names.competencies.get((rule.framework, code))
        if rule.level is None:
            ok = fact.mastered
        else:
            ok = fact.level is not None and fact.level >= rule.level
        now = "not yet" if fact.level is None else f"now {_level_name(fact.level, levels)}"
        if ok:
            done.append(f"{code} ({title})" if title else code)
        else:
            missing.append(f"{code} ({title}; {now})" if title else f"{code} ({now})")
    if rule.level is None:
        text_done = f"mastered {_join(done)}" if done else ""
        text_missing = f"master {_join(missing)}" if missing else ""
    else:
        text_done = f"{_join(done)} at {wanted} or above" if done else ""
        text_missing = f"reach {wanted} in {_join(missing)}" if missing else ""
    return RuleResult(rule, not missing, text_done, text_missing, len(done) / len(rule.codes))


def _course(rule: CourseRule, facts: Facts, names: Names) -> RuleResult:
    title = names.courses.get(rule.course, rule.course)
    fact = facts.courses.get(rule.course, CourseFact(0, 0))
    if fact.lessons == 0:
        return RuleResult(rule, False, "", f"{title} has no lessons to complete yet", 0.0)
    needed = math.ceil(fact.lessons * rule.share / 100)
    done = min(fact.completed, fact.lessons)
    share = "every lesson" if rule.share == 100 else f"{rule.share} % of the lessons"
    text_done = f"{done} of {fact.lessons} lessons of {title} completed" if done else ""
    if done >= needed:
        return RuleResult(rule, True, text_done, "", 1.0)
    more = needed - done
    plural = "lesson" if more == 1 else "lessons"
    missing = f"complete {more} more {plural} of {title} ({share} needed)"
    return RuleResult(rule, False, text_done, missing, done / needed)


def _lab(rule: LabRule, facts: Facts, names: Names) -> RuleResult:
    title = names.labs.get(rule.lab, rule.lab)
    best = facts.labs.get(rule.lab)
    wanted = f"{rule.min_score:g} %"
    if best is None:
        missing = f"submit the lab “{title}” for grading and score at least {wanted}"
        return RuleResult(rule, False, "", missing, 0.0)
    text_done = f"best graded score in “{title}”: {_pct(best)}"
    if best >= rule.min_score:
        return RuleResult(rule, True, text_done, "", 1.0)
    missing = f"score at least {wanted} in the lab “{title}” (best so far {_pct(best)})"
    return RuleResult(rule, False, text_done, missing, max(0.0, best / rule.min_score))


def _program(rule: ProgramRule, facts: Facts, names: Names) -> RuleResult:
    program = names.programs.get(rule.program, rule.program)
    fact = facts.apprenticeships.get(rule.program)
    if fact is None:
        return RuleResult(rule, False, "", f"enrol in the apprenticeship “{program}”", 0.0)
    if rule.milestone == PROGRAM_COMPLETE:
        return _program_complete(rule, fact, program)
    if rule.milestone == PROBATION_COMPLETE:
        return _probation(rule, fact, program)
    wp_title = names.work_processes.get((rule.program, rule.work_process), rule.work_process)
    if rule.milestone == WORK_PROCESS_COMPLETE:
        return _work_process(rule, fact, wp_title)
    if rule.milestone == OJL_HOURS:
        if rule.work_process:
            hours = fact.processes.get(rule.work_process, ProcessFact(0.0)).hours
        else:
            hours = fact.approved_hours
        where = f"in “{wp_title}”" if rule.work_process else f"in “{program}”"
        text_done = f"{_hours(hours)} approved on the job {where}" if hours else ""
        if hours >= rule.hours:
            return RuleResult(rule, True, text_done, "", 1.0)
        missing = f"{_more_hours(rule.hours - hours)} of approved on-the-job learning {where}"
        return RuleResult(rule, False, text_done, missing, hours / rule.hours)
    raise ValueError(f"unknown milestone {rule.milestone!r}")


def _program_complete(rule: ProgramRule, fact: ApprenticeshipFact, program: str) -> RuleResult:
    if fact.complete:
        return RuleResult(rule, True, f"completed the apprenticeship “{program}”", "", 1.0)
    gaps = []
    if fact.term_hours and fact.counted_hours < fact.term_hours:
        gaps.append(f"{_more_hours(fact.term_hours - fact.counted_hours)} of OJL that count")
    short = [p for p in fact.processes.values() if (p.min_hours or 0) > p.hours]
    if short:
        gaps.append(f"the minimum hours in {_count(len(short), 'work process', 'es')}")
    if fact.missing:
        more = ", ..." if len(fact.missing) > 5 else ""
        gaps.append(
            f"{_count(len(fact.missing), 'competency', '')} to master "
            f"({', '.join(fact.missing[:5])}{more})"
        )
    share = fact.counted_hours / fact.term_hours if fact.term_hours else 0.0
    missing = f"to complete “{program}”: " + ("; ".join(gaps) or "the program's requirements")
    done = f"{_hours(fact.counted_hours)} counted" if fact.counted_hours else ""
    return RuleResult(rule, False, done, missing, min(share, 0.99))


def _probation(rule: ProgramRule, fact: ApprenticeshipFact, program: str) -> RuleResult:
    if not fact.in_probation:
        return RuleResult(rule, True, f"probation in “{program}” completed", "", 1.0)
    if fact.probation_ends_on is not None:
        missing = f"probation in “{program}” ends on {fact.probation_ends_on.isoformat()}"
        return RuleResult(rule, False, "", missing, 0.5)
    left = fact.probation_hours_to_go or 0.0
    total = left + fact.counted_hours
    missing = f"{_more_hours(left)} of approved on-the-job learning to end probation"
    return RuleResult(rule, False, "", missing, fact.counted_hours / total if total else 0.0)


def _work_process(rule: ProgramRule, fact: ApprenticeshipFact, title: str) -> RuleResult:
    process = fact.processes.get(rule.work_process, ProcessFact(0.0))
    text_done = f"{_hours(process.hours)} approved in “{title}”" if process.hours else ""
    if process.complete:
        return RuleResult(rule, True, text_done or f"completed “{title}”", "", 1.0)
    gaps = []
    to_go = max(0.0, (process.min_hours or 0.0) - process.hours)
    if to_go:
        gaps.append(f"{_more_hours(to_go)} approved")
    if process.missing:
        gaps.append(f"master {_join(process.missing)}")
    missing = f"to complete “{title}”: " + ("; ".join(gaps) or "its requirements")
    share = process.hours / process.min_hours if process.min_hours else 0.0
    return RuleResult(rule, False, text_done, missing, min(share, 0.99))


def _level_name(level: int | None, titles: Mapping[int, str]) -> str:
    if level is None:
        return "not yet"
    return titles.get(level, f"level {level}")


def _join(items: list[str] | tuple[str, ...]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _pct(value: float) -> str:
    return f"{math.floor(value * 10) / 10:g} %"


def _hours(value: float) -> str:
    rounded = math.ceil(value * 10) / 10
    return f"{rounded:,g} hour" + ("" if rounded == 1 else "s")


def _more_hours(value: float) -> str:
    """'12.5 more hours': rounded up, so a learner is never told less than they need."""
    rounded = math.ceil(value * 10) / 10
    return f"{rounded:,g} more hour" + ("" if rounded == 1 else "s")


def _count(n: int, noun: str, suffix: str) -> str:
    if n == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + suffix
    return f"{n} {plural}"

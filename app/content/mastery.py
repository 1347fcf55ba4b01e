"""Mastery rules as declared in a framework file (``mastery:``), parsed and checked.

A framework says how mastery is decided once, coarsely (``default``), and more precisely
where it matters: for a whole domain, for one competency, and per level. Each declaration
gives only what it changes; ``domain.mastery.resolve`` merges them for a competency.
Percentages in the file (thresholds, weights, minimum scores) become fractions 0..1 here,
so they compare directly with evidence scores.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.content.problems import Problems
from app.content.yamlfiles import LocatedDict, LocatedList, Mark

MOST_RECENT, HIGHEST, DECAYING_AVERAGE, N_OF_M = (
    "most_recent",
    "highest",
    "decaying_average",
    "n_of_m",
)
METHODS = (MOST_RECENT, HIGHEST, DECAYING_AVERAGE, N_OF_M)
# Where assessed evidence comes from: quizzes and labs today; instructors' rubric ratings,
# mentors' observations on the job, approved on-the-job hours and recognised prior learning.
SOURCE_KINDS = ("quiz", "lab", "rubric", "observation", "ojl", "prior")
EVERY_KINDS = ("quiz", "lab")  # the sources a course maps to competencies one by one
DEFAULT_WEIGHT = 0.65  # Canvas's default for the decaying average


@dataclass(frozen=True)
class Requirement:
    """Evidence a level needs besides the method's value.

    ``every``: one piece from each source of ``source`` kind mapped to the competency (each lab
    mapped to it, say). Otherwise at least ``count`` pieces from that kind of source. Each
    piece must reach ``min_score`` (0..1) and ``min_level`` where they are given.
    """

    source: str
    every: bool = False
    count: int = 1
    min_score: float | None = None
    min_level: int | None = None


@dataclass(frozen=True)
class Rule:
    """One declaration; a field left None is inherited from the wider rule."""

    method: str | None = None
    weight: float | None = None  # decaying_average: the most recent score's share, 0..1
    n: int | None = None  # n_of_m: this many scores at the threshold...
    m: int | None = None  # ...among the latest m
    levels: tuple[tuple[int, float], ...] | None = None  # (level, value needed), ascending
    mastery: int | None = None  # the level that counts as mastered
    requires: tuple[tuple[int, tuple[Requirement, ...]], ...] | None = None


@dataclass(frozen=True)
class MasteryRules:
    default: Rule = field(default_factory=Rule)
    domains: tuple[tuple[str, Rule], ...] = ()  # by domain code
    competencies: tuple[tuple[str, Rule], ...] = ()  # by competency code

    def as_json(self) -> dict[str, Any]:
        """A plain form to store next to the framework (``from_json`` reads it back)."""
        return {
            "default": _rule_json(self.default),
            "domains": {code: _rule_json(rule) for code, rule in self.domains},
            "competencies": {code: _rule_json(rule) for code, rule in self.competencies},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> MasteryRules:
        data = data or {}
        return cls(
            default=_rule_from(data.get("default") or {}),
            domains=tuple((k, _rule_from(v)) for k, v in (data.get("domains") or {}).items()),
            competencies=tuple(
                (k, _rule_from(v)) for k, v in (data.get("competencies") or {}).items()
            ),
        )


def _rule_json(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("method", "weight", "n", "m", "mastery"):
        if getattr(rule, name) is not None:
            out[name] = getattr(rule, name)
    if rule.levels is not None:
        out["levels"] = [[level, value] for level, value in rule.levels]
    if rule.requires is not None:
        out["requires"] = [[level, [vars(r).copy() for r in reqs]] for level, reqs in rule.requires]
    return out


def _rule_from(data: dict[str, Any]) -> Rule:
    levels = data.get("levels")
    requires = data.get("requires")
    return Rule(
        method=data.get("method"),
        weight=data.get("weight"),
        n=data.get("n"),
        m=data.get("m"),
        levels=None if levels is None else tuple((int(a), float(b)) for a, b in levels),
        mastery=data.get("mastery"),
        requires=None
        if requires is None
        else tuple((int(lv), tuple(Requirement(**r) for r in reqs)) for lv, reqs in requires),
    )


RULE_KEYS = {"method", "weight", "n", "m", "levels", "mastery", "requires"}
REQUIREMENT_KEYS = {"every", "source", "count", "min_score", "min_level"}


class Parser:
    """Read the ``mastery:`` mapping of one framework file, reporting E-MASTERY problems.

    *levels* are the framework's level numbers; *domains* and *competencies* its codes.
    Unknown codes are E-UNKNOWN-COMPETENCY, like any other reference to the framework.
    """

    def __init__(
        self,
        path: Path,
        problems: Problems,
        levels: set[int],
        domains: set[str],
        competencies: set[str],
    ) -> None:
        self.path = path
        self.problems = problems
        self.levels = levels or {1}
        self.domains = domains
        self.competencies = competencies
        self.mastery_marks: dict[str, Mark] = {}  # scope ("" = default) → its mastery key

    def add(self, mark: Mark, message: str, code: str = "E-MASTERY") -> None:
        self.problems.add(self.path, mark.line, mark.col, code, message)

    def rules(self, data: Any, mark: Mark) -> MasteryRules:
        if data is None:
            return MasteryRules()
        if not isinstance(data, LocatedDict):
            self.add(mark, "'mastery' must be a mapping (default, domains, competencies)")
            return MasteryRules()
        for key in data:
            if key not in {"default", "domains", "competencies"}:
                self.add(data.mark(key), f"unknown key '{key}' in mastery")
        default = self.rule(data.get("default"), data.mark("default"), "the default rule", "")
        return MasteryRules(
            default=default or Rule(),
            domains=self.scoped(data, "domains", self.domains, "domain"),
            competencies=self.scoped(data, "competencies", self.competencies, "competency"),
        )

    def scoped(self, data: LocatedDict, key: str, known: set[str], noun: str):
        raw = data.get(key)
        if raw is None:
            return ()
        if not isinstance(raw, LocatedDict):
            self.add(data.mark(key), f"'{key}' must map {noun} codes to rules")
            return ()
        out = []
        for code, value in raw.items():
            if code not in known:
                message = f"mastery rule for unknown {noun} '{code}'"
                self.add(raw.mark(code), message, "E-UNKNOWN-COMPETENCY")
                continue
            rule = self.rule(value, raw.mark(code), f"the rule for {code}", code)
            if rule is not None:
                out.append((code, rule))
        return tuple(out)

    def rule(self, data: Any, mark: Mark, what: str, scope: str) -> Rule | None:
        if data is None:
            return None
        if not isinstance(data, LocatedDict):
            self.add(mark, f"{what} must be a mapping (method, levels, mastery, requires, ...)")
            return None
        for key in data:
            if key not in RULE_KEYS:
                self.add(data.mark(key), f"unknown key '{key}' in {what}")
        method = data.get("method")
        if method is not None and method not in METHODS:
            self.add(data.mark("method"), f"unknown method '{method}'; use {', '.join(METHODS)}")
            method = None
        self.check_params(data, method, what)
        weight = self.percent(data, "weight", low_open=True)
        n = self.whole(data, "n", 1)
        m = self.whole(data, "m", 1)
        if n is not None and m is not None and n > m:
            self.add(data.mark("n"), f"n_of_m needs n ≤ m, not n={n} and m={m}")
        levels = self.thresholds(data)
        mastery = data.get("mastery")
        if mastery is not None:
            self.mastery_marks[scope] = data.mark("mastery")
        if mastery is not None and not self.is_level(mastery):
            self.add(data.mark("mastery"), f"mastery level {mastery!r} is not a framework level")
            mastery = None
        return Rule(
            method=method,
            weight=weight,
            n=n,
            m=m,
            levels=levels,
            mastery=mastery,
            requires=self.requirements(data),
        )

    def check_mastery_levels(self, rules: MasteryRules, items) -> None:
        """A declared mastery level must be one the competencies it covers can reach."""
        top = max(self.levels)
        reported: set[str] = set()
        parents = {item.code: item.parent for item in items}
        for item in items:
            if item.kind == "domain":
                continue
            chain = ancestors(item.code, parents)
            effective = resolve(rules, item.code, chain, top)
            for scope in ("", *chain, item.code):
                declared = _declared_mastery(rules, scope)
                if declared is None or declared in effective.ladder or scope in reported:
                    continue
                reported.add(scope)
                where = f"for {item.code}" if scope != item.code else "here"
                message = f"mastery level {declared} has no threshold or requirement {where}"
                self.add(self.mastery_marks.get(scope, Mark(1, 1)), message)

    def check_params(self, data: LocatedDict, method: str | None, what: str) -> None:
        """A method's parameters come with it: weight for the decaying average, n and m."""
        wanted = {DECAYING_AVERAGE: {"weight"}, N_OF_M: {"n", "m"}}.get(method or "", set())
        for key in ("weight", "n", "m"):
            if key in data and key not in wanted:
                name = method or "an inherited method"
                self.add(data.mark(key), f"'{key}' does not apply to {name} in {what}")
        if method == N_OF_M:
            for key in ("n", "m"):
                if key not in data:
                    self.add(data.start, f"n_of_m in {what} needs '{key}'")

    def is_level(self, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value in self.levels

    def whole(self, data: LocatedDict, key: str, low: int) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.add(data.mark(key), f"'{key}' must be a whole number, {low} or more")
            return None
        return value

    def percent(
        self, data: LocatedDict, key: str, *, low_open: bool = False, name: str = ""
    ) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        number = _number(value)
        if number is None or number > 100 or number < 0 or (low_open and number == 0):
            bounds = "above 0 and at most 100" if low_open else "between 0 and 100"
            self.add(data.mark(key), f"{name or repr(key)} is a percentage {bounds}, not {value!r}")
            return None
        return number / 100

    def thresholds(self, data: LocatedDict) -> tuple[tuple[int, float], ...] | None:
        raw = data.get("levels")
        if raw is None:
            return None
        if not isinstance(raw, LocatedDict) or not raw:
            self.add(data.mark("levels"), "'levels' maps framework levels to a percentage")
            return None
        out: dict[int, float] = {}
        for key in raw:
            level = _level_key(key)
            if level is None or level not in self.levels:
                self.add(raw.mark(key), f"'{key}' is not a level of this framework")
                continue
            value = self.percent(raw, key, name=f"the threshold of level {level}")
            if value is not None:
                out[level] = value
        ordered = sorted(out.items())
        for (low, a), (high, b) in zip(ordered, ordered[1:], strict=False):
            if b < a:
                message = f"level {high} needs {b:.0%} but level {low} needs more ({a:.0%})"
                self.add(raw.mark(str(high)), message)
        return tuple(ordered) or None

    def requirements(self, data: LocatedDict):
        raw = data.get("requires")
        if raw is None:
            return None
        if not isinstance(raw, LocatedDict):
            self.add(data.mark("requires"), "'requires' maps framework levels to lists")
            return None
        out = []
        for key, items in raw.items():
            level = _level_key(key)
            if level is None or level not in self.levels:
                self.add(raw.mark(key), f"'{key}' is not a level of this framework")
                continue
            if not isinstance(items, LocatedList):
                self.add(raw.mark(key), f"the requirements of level {level} must be a list")
                continue
            reqs = [self.requirement(item, items.mark(i)) for i, item in enumerate(items)]
            out.append((level, tuple(r for r in reqs if r is not None)))
        return tuple(sorted(out))

    def requirement(self, data: Any, mark: Mark) -> Requirement | None:
        if not isinstance(data, LocatedDict):
            self.add(mark, "a requirement is a mapping: {every: lab, min_score: 80} or similar")
            return None
        for key in data:
            if key not in REQUIREMENT_KEYS:
                self.add(data.mark(key), f"unknown key '{key}' in a requirement")
        every, source = data.get("every"), data.get("source")
        if (every is None) == (source is None):
            self.add(data.start, "a requirement names either 'every' or 'source', not both")
            return None
        kinds, key = (EVERY_KINDS, "every") if every is not None else (SOURCE_KINDS, "source")
        kind = every if every is not None else source
        if kind not in kinds:
            self.add(data.mark(key), f"unknown source '{kind}' for '{key}'; use {', '.join(kinds)}")
            return None
        if every is not None and "count" in data:
            self.add(data.mark("count"), "'count' does not apply with 'every'")
        min_level = data.get("min_level")
        if min_level is not None and not self.is_level(min_level):
            self.add(data.mark("min_level"), f"{min_level!r} is not a level of this framework")
            min_level = None
        return Requirement(
            source=kind,
            every=every is not None,
            count=self.whole(data, "count", 1) or 1,
            min_score=self.percent(data, "min_score"),
            min_level=min_level,
        )


def ancestors(code: str, parents: dict[str, str | None]) -> tuple[str, ...]:
    """The domain and parent competencies of *code*, outermost first."""
    chain = []
    parent = parents.get(code)
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = parents.get(parent)
    return tuple(reversed(chain))


def _declared_mastery(rules: MasteryRules, scope: str) -> int | None:
    if scope == "":
        return rules.default.mastery
    rule = dict(rules.domains).get(scope) or dict(rules.competencies).get(scope)
    return None if rule is None else rule.mastery


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _level_key(key: str) -> int | None:
    return int(key) if key.isdigit() else None


@dataclass(frozen=True)
class Effective:
    """The rule that applies to one competency, every field decided."""

    method: str
    weight: float
    n: int
    m: int
    levels: tuple[tuple[int, float], ...]  # ascending by level
    mastery: int
    requires: tuple[tuple[int, tuple[Requirement, ...]], ...] = ()

    @property
    def ladder(self) -> tuple[int, ...]:
        """The levels this rule can give: those with a threshold or requirements."""
        return tuple(sorted({lv for lv, _ in self.levels} | {lv for lv, _ in self.requires}))

    def requirements_up_to(self, level: int) -> tuple[Requirement, ...]:
        """What a learner needs at *level*: its own requirements and those of lower levels."""
        return _requirements_up_to(self.requires, level)


@functools.lru_cache(maxsize=1024)
def _requirements_up_to(requires, level: int) -> tuple[Requirement, ...]:
    return tuple(r for lv, reqs in requires if lv <= level for r in reqs)


@functools.lru_cache(maxsize=4096)
def resolve(rules: MasteryRules, code: str, ancestors: tuple[str, ...], top: int) -> Effective:
    """Merge the built-in rule, the default, the rules of *ancestors* (outermost first)
    and the competency's own rule, each overriding what it names.

    *top* is the framework's highest level (1 without levels): the built-in rule, used when
    a framework says nothing, is a 65 % decaying average that needs 80 % for that level.
    A method brings its parameters with it, so a domain that switches to n_of_m never
    inherits the default's weight. ``requires`` merges level by level: a rule that names
    level 3 replaces level 3's list and keeps the inherited lists of the other levels.
    """
    merged = {
        "method": DECAYING_AVERAGE,
        "weight": DEFAULT_WEIGHT,
        "n": 1,
        "m": 1,
        "levels": ((top, 0.8),),
        "mastery": None,
        "requires": (),
    }
    by_domain, by_code = dict(rules.domains), dict(rules.competencies)
    chain = [rules.default, *(by_domain.get(a) or by_code.get(a) for a in ancestors)]
    for rule in [*chain, by_code.get(code)]:
        if rule is None:
            continue
        if rule.method is not None:
            merged.update(method=rule.method, weight=DEFAULT_WEIGHT, n=1, m=1)
        for name in ("weight", "n", "m", "levels", "mastery"):
            if getattr(rule, name) is not None:
                merged[name] = getattr(rule, name)
        if rule.requires is not None:  # level by level: a level named replaces that level's
            merged["requires"] = tuple(
                sorted({**dict(merged["requires"]), **dict(rule.requires)}.items())
            )
    levels = merged["levels"]
    mastery = merged["mastery"]
    ladder = {lv for lv, _ in levels} | {lv for lv, _ in merged["requires"]}
    if mastery is None or mastery not in ladder:
        # The mastery level defaults to the highest level with a threshold.
        mastery = levels[-1][0]
    return Effective(
        method=merged["method"],
        weight=merged["weight"],
        n=merged["n"],
        m=merged["m"],
        levels=levels,
        mastery=mastery,
        requires=merged["requires"],
    )

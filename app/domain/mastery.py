"""Mastery: the level a learner has reached in a competency, and what is still missing.

A pure, deterministic function of the rule (``content.mastery.Effective``) and the learner's
evidence, as plain dataclasses. Practice evidence never counts: it is only "practised".

The method turns the assessed scores into one value (0..1); the level reached is the
highest level whose threshold that value meets and whose requirements, and those of every
level below it, are met. Evidence that carries a level (a mentor's observation, a rubric
rating) meets requirements with ``min_level``; it has no score to average. A *judgement*
(rubric, observation or accepted prior learning) at level L also stands in for the value
threshold of L and every level below it: a person who assessed the learner at a level is
believed, though the level's other requirements still apply. Which judgement counts follows
the method: the latest one for ``most_recent``, the highest otherwise. Approved OJL hours
are no judgement of a level (they say the work was done, not how well).

Methods (the scores in time order s1 … sk, oldest first):

- ``most_recent``: sk. Ties in time go to the piece written last (the larger id), then
  to the larger (source kind, source ref, score), so the answer never depends on order.
- ``highest``: max(s1 … sk).
- ``decaying_average`` (Canvas's classic form): w·sk + (1 − w)·mean(s1 … sk−1), with
  weight w (0.65 unless the rule says); one score is its own value.
- ``n_of_m``: the value the learner reached at least n times among the latest m scores,
  that is the n-th highest of them (fewer than n scores: no value yet). A level whose
  threshold is t is met when n of the latest m scores are at least t (Canvas's
  "n number of times", limited to the latest m).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.content.mastery import (
    DECAYING_AVERAGE,
    HIGHEST,
    MOST_RECENT,
    N_OF_M,
    Effective,
    Requirement,
)
from app.domain.evidence import ASSESSMENT, PRACTICE

JUDGEMENTS = frozenset({"rubric", "observation", "prior"})  # a person decided a level


@dataclass(frozen=True)
class Evidence:
    source_kind: str
    source_ref: str  # a lab's ref is "<lab id>#attempt-<n>"; a quiz's is the question id
    purpose: str  # practice | assessment
    score: float | None  # 0..1
    level: int | None
    at: datetime
    id: int = 0  # the order it was written in, for ties in time

    @property
    def source_id(self) -> str:
        """The work itself, whichever attempt this is: "lab-oee" for "lab-oee#attempt-2"."""
        return self.source_ref.split("#", 1)[0]


@dataclass(frozen=True)
class Source:
    """A pointer to work that gives evidence: the web layer links it to its lab or lesson."""

    kind: str  # lab | quiz | observation | ...
    ref: str = ""  # the lab id or question id; empty where no page gives it
    title: str = ""  # a noun phrase for the messages: "the graded lab “OEE”"


@dataclass(frozen=True)
class Missing:
    """One thing still missing, in plain words, with the work that would provide it."""

    text: str
    level: int  # the level it is needed for
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Outcome:
    method: str
    value: float | None  # the method's value; None without assessed scores
    level: int | None  # the level reached; None: not yet
    mastery: int  # the level that counts as mastered
    target: int | None  # the level "missing" is about: mastery, or the next one after it
    missing: tuple[Missing, ...]
    assessed: int  # assessed pieces of evidence
    practised: int  # practice pieces: never mastery

    @property
    def mastered(self) -> bool:
        return self.level is not None and self.level >= self.mastery


def value(rule: Effective, evidence: Iterable[Evidence]) -> float | None:
    """The method's value over the assessed, scored evidence (None if there is none)."""
    scores = [e.score for e in chronological(evidence) if e.score is not None]
    if not scores:
        return None
    if rule.method == HIGHEST:
        return max(scores)
    if rule.method == MOST_RECENT:
        return scores[-1]
    if rule.method == DECAYING_AVERAGE:
        if len(scores) == 1:
            return scores[0]
        earlier = scores[:-1]
        return rule.weight * scores[-1] + (1 - rule.weight) * (sum(earlier) / len(earlier))
    if rule.method == N_OF_M:
        latest = sorted(scores[-rule.m :], reverse=True)
        return latest[rule.n - 1] if len(latest) >= rule.n else None
    raise ValueError(f"unknown mastery method {rule.method!r}")


def chronological(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Assessed evidence, oldest first, ties in time broken by id, then by content."""
    return sorted(
        (e for e in evidence if e.purpose == ASSESSMENT),
        key=lambda e: (e.at, e.id, e.source_kind, e.source_ref, e.score or 0.0, e.level or 0),
    )


def assess(
    rule: Effective,
    evidence: Iterable[Evidence],
    sources: Sequence[Source] = (),
    titles: dict[int, str] | None = None,
) -> Outcome:
    """Decide one competency: level reached, the method's value, and why not yet.

    *sources* are the labs and questions mapped to the competency (where evidence can come
    from); *titles* name the framework's levels in the messages.
    """
    evidence = list(evidence)
    assessed = [e for e in evidence if e.purpose == ASSESSMENT]
    practised = sum(1 for e in evidence if e.purpose == PRACTICE)
    reached_value = value(rule, assessed)
    judged = judged_level(rule, assessed)
    reached = None
    for level in rule.ladder:
        if _unmet(rule, level, reached_value, judged, assessed, sources, titles or {}):
            break
        reached = level
    target = _target(rule, reached)
    missing = (
        ()
        if target is None
        else tuple(_unmet(rule, target, reached_value, judged, assessed, sources, titles or {}))
    )
    return Outcome(
        method=rule.method,
        value=reached_value,
        level=reached,
        mastery=rule.mastery,
        target=target,
        missing=missing,
        assessed=len(assessed),
        practised=practised,
    )


def judged_level(rule: Effective, evidence: Iterable[Evidence]) -> int | None:
    """The level people's judgements give: the latest for ``most_recent``, else the highest."""
    levels = [e.level for e in chronological(evidence) if e.source_kind in JUDGEMENTS and e.level]
    if not levels:
        return None
    return levels[-1] if rule.method == MOST_RECENT else max(levels)


def _target(rule: Effective, reached: int | None) -> int | None:
    """Mastery until it is reached; after that the next level up, if the rule has one."""
    if reached is None or reached < rule.mastery:
        return rule.mastery
    higher = [level for level in rule.ladder if level > reached]
    return higher[0] if higher else None


def _unmet(
    rule: Effective,
    level: int,
    reached_value: float | None,
    judged: int | None,
    assessed: list[Evidence],
    sources: Sequence[Source],
    titles: dict[int, str],
) -> list[Missing]:
    """Everything *level* needs that the evidence does not give yet."""
    name = _level_name(level, titles)
    out = []
    threshold = dict(rule.levels).get(level)
    believed = judged is not None and judged >= level  # a person assessed it at this level
    short = reached_value is None or reached_value < (threshold or 0) - 1e-9
    if threshold is not None and short and not believed:
        out.append(
            Missing(_value_text(rule, reached_value, threshold, name), level, tuple(sources))
        )
    for req in rule.requirements_up_to(level):
        out.extend(_requirement_gaps(req, level, name, assessed, sources))
    return out


def _value_text(rule: Effective, found: float | None, threshold: float, name: str) -> str:
    need = _pct(threshold)
    if found is None:
        if rule.method == N_OF_M:
            return f"{name} needs {rule.n} assessed scores of at least {need}; you have fewer."
        return f"{name} needs assessed work scoring at least {need}; there is none yet."
    described = {
        MOST_RECENT: "your most recent score",
        HIGHEST: "your highest score",
        DECAYING_AVERAGE: "your decaying average",
        N_OF_M: f"{rule.n} of your latest {rule.m} scores",
    }[rule.method]
    if rule.method == N_OF_M:
        return f"{name} needs {described} to be at least {need}; so far {_pct_down(found)}."
    return f"{name} needs {described} to be at least {need}; it is {_pct_down(found)}."


def _requirement_gaps(
    req: Requirement,
    level: int,
    name: str,
    assessed: list[Evidence],
    sources: Sequence[Source],
) -> list[Missing]:
    good = [e for e in assessed if e.source_kind == req.source and _piece_meets(req, e)]
    bar = _bar(req)
    if req.every:
        done = {e.source_id for e in good}
        wanted = [s for s in sources if s.kind == req.source]
        return [
            Missing(f"{name} needs {_noun(s)}{bar}.", level, (s,))
            for s in wanted
            if s.ref not in done
        ]
    if len(good) >= req.count:
        return []
    pointers = tuple(s for s in sources if s.kind == req.source) or (Source(req.source),)
    what = _plural(req.source, req.count)
    have = f" (you have {len(good)})" if good else ""
    return [Missing(f"{name} needs {what}{bar}{have}.", level, pointers)]


def _noun(source: Source) -> str:
    """The source's own title (a noun phrase such as "the graded lab “OEE”"), else its id."""
    if source.title:
        return source.title
    return f"the {NOUNS.get(source.kind, (source.kind,))[0]} '{source.ref}'"


def _piece_meets(req: Requirement, e: Evidence) -> bool:
    if req.min_score is not None and (e.score is None or e.score < req.min_score - 1e-9):
        return False
    return not (req.min_level is not None and (e.level is None or e.level < req.min_level))


def _bar(req: Requirement) -> str:
    parts = []
    if req.min_score is not None:
        parts.append(f"a score of at least {_pct(req.min_score)}")
    if req.min_level is not None:
        parts.append(f"level {req.min_level} or higher")
    return (" with " + " and ".join(parts)) if parts else ""


NOUNS = {
    "quiz": ("checked question", "checked questions"),
    "lab": ("graded lab", "graded labs"),
    "rubric": ("instructor assessment", "instructor assessments"),
    "observation": ("mentor observation", "mentor observations"),
    "ojl": ("approved on-the-job entry", "approved on-the-job entries"),
    "prior": ("recognised prior learning decision", "recognised prior learning decisions"),
}


def _plural(kind: str, count: int) -> str:
    one, many = NOUNS.get(kind, (kind, kind + "s"))
    return f"{_article(one)} {one}" if count == 1 else f"{count} {many}"


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def _level_name(level: int, titles: dict[int, str]) -> str:
    title = titles.get(level)
    return f"Level {level} ({title})" if title else f"Level {level}"


def _pct(fraction: float) -> str:
    return f"{round(fraction * 100)} %"


def _pct_down(fraction: float) -> str:
    """A value shown against a bar: rounded down, so 79.6 % never reads as 80 %."""
    return f"{math.floor(fraction * 100 + 1e-9)} %"

"""The robustness pass of ``flask labs check``: for each lab and learner seed, the reference
solution earns full marks, the learner version earns zero, and every pitfall the lab
declares (a typical wrong approach, ``shopfloor.lab.pitfalls``) loses points.

A mistake that loses nothing for some seed is a finding about the lab: a learner with that
seed would pass while making it.

Every notebook is graded as a learner's is (the engine's ``grade_notebook``): against the
values of one run of the reference solution per lab and seed, which the engine's reference
cache computes once and keeps. The reference solution is graded first, beside that run;
the learner version and each pitfall then cost one run each, against the kept values. So a
lab with two pitfalls costs five runs per seed, and never more than ``jobs`` kernels run
at once (the first grade of a seed counts two, for the reference run beside it).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.content import labs as lab_files
from app.content.labs import Lab
from app.services.lab_grading import GradedRun

if TYPE_CHECKING:
    import nbformat

logger = logging.getLogger(__name__)
Grader = Callable[[Lab, "nbformat.NotebookNode", int], GradedRun]  # lab, notebook, seed
REFERENCE, LEARNER = "reference", "learner"  # pitfalls are graded as "pitfall <id>"
INDENT = "     "  # detail lines sit under the lab's name, past "FAIL "


@dataclass(frozen=True)
class LabWork:
    """What is graded for each seed of one lab, besides its reference solution."""

    lab: Lab
    others: tuple[tuple[str, nbformat.NotebookNode], ...]  # (LEARNER or "pitfall <id>", notebook)

    @classmethod
    def read(cls, root: Path, lab: Lab) -> LabWork:
        """The learner version and every pitfall notebook from *root*; LabError if one is bad."""
        others = [(LEARNER, lab_files.learner_version(lab))]
        for pitfall in lab.pitfalls:
            others.append((f"pitfall {pitfall.id}", lab_files.pitfall_notebook(root, lab, pitfall)))
        return cls(lab, tuple(others))


@dataclass(frozen=True)
class Graded:
    total: float = 0.0
    failed: tuple[str, ...] = ()  # ids of the checks that did not pass
    problem: str = ""  # why it could not be graded (then the total means nothing)


@dataclass(frozen=True)
class Outcome:
    """One seed of one lab: the grades, or why there are none (``problem``)."""

    seed: int
    problem: str = ""
    reference: Graded = Graded()
    learner: Graded = Graded()
    pitfalls: tuple[tuple[str, Graded], ...] = ()


@dataclass(frozen=True)
class Report:
    ok: bool
    text: str  # one summary line, then a line for every seed and notebook that failed
    graded: int = 0  # notebooks graded (reference solution included)


def check_labs(
    labs: list[Lab], root: Path, seeds: range, *, grade: Grader, jobs: int
) -> Iterator[Report]:
    """Check *labs* (their pitfalls read from *root*) on *seeds*; yield each lab's report in
    the order of *labs*. A lab whose learner version or pitfalls cannot be had fails at
    once, without a run."""
    broken: dict[str, str] = {}
    works = []
    for lab in labs:
        try:
            works.append(LabWork.read(root, lab))
        except lab_files.LabError as exc:
            broken[lab.id] = str(exc)
    found: dict[str, list[tuple[int, dict[str, GradedRun | str]]]] = {lab.id: [] for lab in labs}
    waiting = deque(labs)

    def finished() -> Iterator[Report]:
        while waiting and (waiting[0].id in broken or len(found[waiting[0].id]) == len(seeds)):
            lab = waiting.popleft()
            outcomes = sorted(found[lab.id], key=lambda pair: pair[0])
            yield report(lab, [_outcome(lab, s, r) for s, r in outcomes], broken.get(lab.id, ""))

    yield from finished()
    for work, seed, results in _grade_all([(w, s) for w in works for s in seeds], grade, jobs):
        found[work.lab.id].append((seed, results))
        yield from finished()


def _grade_all(
    tasks: list[tuple[LabWork, int]], grade: Grader, jobs: int
) -> Iterator[tuple[LabWork, int, dict[str, GradedRun | str]]]:
    """Grade each (work, seed): the reference solution, then (if it could be graded) the
    learner version and the pitfalls. Yields each seed's grades (or error texts) by name as
    soon as they are all in, in about the order of *tasks*.

    At most *jobs* kernels: the first grade of a seed counts two (the engine runs the
    reference solution beside it for the expected values), later ones one.
    """
    first = min(2, jobs)
    waiting = deque(tasks)
    ready: deque = deque()  # (work, seed, name, notebook) whose reference values are kept
    running: dict[Future, tuple[LabWork, int, str, int]] = {}
    grades: dict[tuple[str, int], dict[str, GradedRun | str]] = {}
    left: dict[tuple[str, int], int] = {}
    free = jobs
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="labs-check")
    try:
        while waiting or ready or running:
            while (ready and free >= 1) or (waiting and free >= first):
                if ready and free >= 1:  # finish started seeds first: their lab reports sooner
                    work, seed, name, notebook = ready.popleft()
                    weight = 1
                else:
                    work, seed = waiting.popleft()
                    name, notebook, weight = REFERENCE, work.lab.notebook, first
                free -= weight
                running[pool.submit(grade, work.lab, notebook, seed)] = (work, seed, name, weight)
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                work, seed, name, weight = running.pop(future)
                free += weight
                key = (work.lab.id, seed)
                result = grades.setdefault(key, {})[name] = _result(future, key)
                if name == REFERENCE:
                    others = work.others if _gradable(result) else ()
                    ready.extend((work, seed, other, notebook) for other, notebook in others)
                    left[key] = len(others)
                else:
                    left[key] -= 1
                if not left[key]:
                    yield work, seed, grades.pop(key)
    finally:  # stopped early (Ctrl+C): drop what has not started
        pool.shutdown(wait=False, cancel_futures=True)


def _result(future: Future, key: tuple[str, int]) -> GradedRun | str:
    try:
        return future.result()
    except Exception as exc:  # an engine failure, not the lab's: reported, the rest goes on
        logger.exception("checking %s for seed %s failed", *key)
        return f"the check could not run ({type(exc).__name__}: {exc})"


def _gradable(result: GradedRun | str) -> bool:
    return not isinstance(result, str) and result.gradable


def _graded(result: GradedRun | str) -> Graded:
    if isinstance(result, str):
        return Graded(problem=result)
    if not result.gradable:
        return Graded(problem=result.problem or result.run.message)
    failed = tuple(check.id for check in result.grade.checks if not check.passed)
    return Graded(result.grade.total, failed)


def _outcome(lab: Lab, seed: int, results: dict[str, GradedRun | str]) -> Outcome:
    reference = _graded(results[REFERENCE])
    if reference.problem:  # no expected values: nothing else was graded
        return Outcome(seed, problem=reference.problem)
    pitfalls = tuple((p.id, _graded(results[f"pitfall {p.id}"])) for p in lab.pitfalls)
    return Outcome(seed, "", reference, _graded(results[LEARNER]), pitfalls)


def report(lab: Lab, outcomes: list[Outcome], problem: str = "") -> Report:
    """The lab's summary line, then every failing (seed, notebook) with its grade.

    A lab that declares no pitfall is told so, but does not fail here: the shipped labs'
    tests require pitfalls, and a lab being written can be checked before it has them.
    """
    if problem:
        return Report(False, f"FAIL {lab.id}: {problem}")
    top = lab.max_points
    first, last = outcomes[0].seed, outcomes[-1].seed
    seeds = f"seed {first}" if first == last else f"seeds {first}-{last}"
    details = [line for outcome in outcomes for line in _failures(outcome, top)]
    graded = [o for o in outcomes if not o.problem]
    if not details:
        summary = f"ok   {lab.id}: reference {top:g}/{top:g}, learner version 0/{top:g} on {seeds}"
    else:
        full = sum(_full(o.reference, top) for o in graded)
        empty = sum(_full(o.learner, 0) for o in graded)
        summary = (
            f"FAIL {lab.id} on {seeds}: reference {top:g}/{top:g} {_on(full, outcomes)}, "
            f"learner version 0/{top:g} {_on(empty, outcomes)}"
        )
    best: dict[str, float] = {}
    for outcome in graded:
        for pitfall, result in outcome.pitfalls:
            if not result.problem:
                best[pitfall] = max(best.get(pitfall, 0.0), result.total)
    if best:
        summary += "; pitfalls: " + ", ".join(
            f"{pitfall} at most {total:g}/{top:g}" for pitfall, total in best.items()
        )
    elif not lab.pitfalls:
        summary += "; it declares no pitfall (labs/README.md, Pitfalls)"
    count = len(outcomes) + sum(1 + len(o.pitfalls) for o in graded)
    return Report(not details, "\n".join([summary, *details]), count)


def _failures(outcome: Outcome, top: float) -> list[str]:
    at = f"{INDENT}seed {outcome.seed}:"
    if outcome.problem:
        return [f"{at} not graded: {outcome.problem}"]
    found = []
    if not _full(outcome.reference, top):
        found.append(f"{at} reference {_grade(outcome.reference, top)}")
    if not _full(outcome.learner, 0):
        found.append(f"{at} learner version {_grade(outcome.learner, top)}, not 0")
    for pitfall, graded in outcome.pitfalls:
        if graded.problem or graded.total >= top:
            found.append(f"{at} pitfall {pitfall} {_grade(graded, top)}: it must lose points")
    return found


def _full(graded: Graded, total: float) -> bool:
    """Graded, and earned exactly *total*."""
    return not graded.problem and graded.total == total


def _grade(graded: Graded, top: float) -> str:
    if graded.problem:
        return f"not graded: {graded.problem}"
    failed = f" (did not pass: {', '.join(graded.failed)})" if graded.failed else ""
    return f"{graded.total:g}/{top:g}{failed}"


def _on(count: int, outcomes: list[Outcome]) -> str:
    return "on every seed" if count == len(outcomes) else f"on {count} of {len(outcomes)} seeds"

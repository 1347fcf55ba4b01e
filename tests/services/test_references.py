"""Reference expectations: computed once per lab version and seed, ahead of the submit."""

from __future__ import annotations

import threading

import nbformat
import pytest

from app.content import labs
from app.engine.references import References
from app.services import lab_grading
from tests.factories import LocalExecutor
from tests.sandbox.labs_fixture import HONEST, source_notebook, submission
from tests.waiting import poll


@pytest.fixture
def lab():
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["checks"].append(
        {"id": "margin", "points": 1, "observe": "round(availability * 100, 1)"}
    )
    return labs.parse(notebook)


class Gate:
    """A reference computation that waits until released, counting how often it ran."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.calls: list[int] = []

    def __call__(self, lab, seed):
        self.calls.append(seed)
        self.started.set()
        assert self.release.wait(30)
        return lab_grading.reference_values(lab, seed=seed, executor=LocalExecutor())


def test_opening_a_lab_computes_its_reference_once_for_that_seed(lab):
    gate = Gate()
    references = References(LocalExecutor(), compute=gate)
    try:
        references.prepare(lab, 5)
        references.prepare(lab, 5)  # a second tab, a reload: no second run
        assert gate.started.wait(30)
        waiting = references.start(lab, 5)  # the submit waits for the run under way
        assert not waiting.done()
        gate.release.set()
        values = waiting.result(timeout=30)
        assert values == references.get(lab, 5)
        assert references.ready(lab, 5) and gate.calls == [5]
    finally:
        references.close()


def test_a_new_lab_version_or_seed_gets_its_own_reference(lab):
    gate = Gate()
    gate.release.set()
    references = References(LocalExecutor(), compute=gate)
    try:
        first = references.get(lab, 5, timeout=30)
        other_seed = references.get(lab, 6, timeout=30)
        assert first["margin"]["value"] != other_seed["margin"]["value"]
        changed = labs.parse(nbformat.from_dict({**lab.notebook, "metadata": {
            **lab.notebook.metadata, "shopfloor": {**lab.notebook.metadata["shopfloor"],
            "lab": {**lab.notebook.metadata["shopfloor"]["lab"], "version": "2"}}}}))  # fmt: skip
        references.get(changed, 5, timeout=30)
        assert gate.calls == [5, 6, 5]
    finally:
        references.close()


def test_grading_with_a_reference_computed_ahead_matches_grading_without(lab):
    executor = LocalExecutor()
    references = References(executor)
    try:
        references.prepare(lab, 9)
        assert poll(lambda: references.ready(lab, 9))
        ahead = lab_grading.grade(
            lab, submission(HONEST), seed=9, executor=executor, reference=references.start(lab, 9)
        )
        inline = lab_grading.grade(lab, submission(HONEST), seed=9, executor=executor)
        assert ahead.gradable and ahead.grade == inline.grade
        assert ahead.grade.total == ahead.grade.maximum
        assert references.computed == 1
    finally:
        references.close()


def test_only_the_newest_references_are_kept(lab):
    references = References(LocalExecutor(), keep=2)
    try:
        for seed in (1, 2, 3):
            references.get(lab, seed, timeout=30)
        assert [references.ready(lab, s) for s in (1, 2, 3)] == [False, True, True]
    finally:
        references.close()


def test_closing_answers_whoever_still_waits(lab):
    gate = Gate()
    references = References(LocalExecutor(), compute=gate)
    waiting = references.start(lab, 4)
    assert gate.started.wait(30)
    references.close()
    with pytest.raises(lab_grading.NotGradable, match="stopped"):
        waiting.result(timeout=30)
    gate.release.set()


def test_a_lab_without_reference_checks_needs_no_run():
    lab = labs.parse(source_notebook())  # its checks give their expected values themselves
    assert not lab_grading.needs_reference(lab)
    gate = Gate()
    references = References(LocalExecutor(), compute=gate)
    try:
        references.prepare(lab, 1)
        assert references.get(lab, 1, timeout=5) == {} and gate.calls == []
    finally:
        references.close()


def test_a_submit_does_not_wait_behind_other_learners_ahead_of_time_work(lab):
    """Review finding: the submit's reference sat behind the whole background queue."""
    blocker = Gate()

    def compute(lab, seed):
        if seed == 1:  # another learner's reference, in the one background thread
            return blocker(lab, seed)
        return lab_grading.reference_values(lab, seed=seed, executor=LocalExecutor())

    references = References(LocalExecutor(), compute=compute)
    try:
        references.prepare(lab, 1)
        assert blocker.started.wait(30)
        references.prepare(lab, 2)  # queued behind seed 1
        values = references.start(lab, 2).result(timeout=30)  # the submit: taken over now
        assert "margin" in values and not blocker.release.is_set()
    finally:
        blocker.release.set()
        references.close()


def test_a_reference_run_ended_by_any_exception_answers_its_waiters(lab):
    """Review finding: a BaseException left the future unanswered, blocking every grade."""

    def compute(lab, seed):
        raise KeyboardInterrupt

    references = References(LocalExecutor(), compute=compute)
    try:
        with pytest.raises(lab_grading.NotGradable):
            references.start(lab, 3).result(timeout=30)
        assert references.stats()["references_running"] == 0
    finally:
        references.close()

"""Grading fails closed: no expected value, no credit; code in the kernel cannot forge the
record the grader reads, nor read hidden tests through the feedback."""

from __future__ import annotations

import pytest

from app.content import labs
from app.sandbox.base import CellResult, RunResult
from app.services import lab_grading
from tests.sandbox.labs_fixture import HONEST, source_notebook, submission

# What a learner would need the record to say to earn every point without the work:
# availability for seed 1 and the hidden oee() cases, as they would be observed.
FORGED = (
    '{"availability": {"value": 0.8755555555555555}, "oee-function": {"value": [0.846450, 0.125]}}'
)
WRONG = {
    "answer-availability": "availability = 0.5",
    "answer-oee": "def oee(a, p, q):\n    return 0",
}

# Ways code in the kernel has tried to put a record where the grader looks for one.
ATTACKS = {
    "post_run_cell print": (
        "get_ipython().events.register('post_run_cell', lambda result: print(FORGED))"
    ),
    "post_execute print": "get_ipython().events.register('post_execute', lambda: print(FORGED))",
    "pre_run_cell reads the next cell": (
        "def spy(info):\n"
        "    global SEEN\n"
        "    SEEN = info.raw_cell\n"
        "    print(info.raw_cell.replace('found', 'ignored'), FORGED)\n"
        "get_ipython().events.register('pre_run_cell', spy)"
    ),
    "input transformer rewrites the grader's code": (
        "get_ipython().input_transformers_post.append(lambda lines: ['print(FORGED)\\n'])"
    ),
    "display hook": (
        "import sys\n_old = sys.displayhook\nsys.displayhook = lambda value: print(FORGED)"
    ),
    "text/plain printer for str": (
        "get_ipython().display_formatter.formatters['text/plain']"
        ".for_type(str, lambda value, p, cycle: p.text(repr(FORGED)))"
    ),
    "background thread printing": (
        "import threading, time\n"
        "def chatter():\n"
        "    for _ in range(400):\n"
        "        print(FORGED, flush=True)\n"
        "        time.sleep(0.01)\n"
        "threading.Thread(target=chatter, daemon=True).start()"
    ),
    "trace function tampering with the grader's frame": (
        "import json, sys\n"
        "def tracer(frame, event, arg):\n"
        "    g = frame.f_globals\n"
        "    if 'EXPRESSIONS' in g and g.get('found') and frame.f_code.co_name == '<module>':\n"
        "        g['found'] = json.loads(FORGED)\n"
        "    return tracer\n"
        "sys.settrace(tracer)"
    ),
}


@pytest.fixture(scope="module")
def lab():
    return labs.parse(source_notebook())


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_code_in_the_kernel_cannot_forge_the_grading_record(lab, executor, attack):
    answers = {
        **WRONG,
        "answer-availability": f"FORGED = {FORGED!r}\n{ATTACKS[attack]}\navailability = 0.5",
    }
    result = lab_grading.grade(lab, submission(answers), seed=1, executor=executor)
    assert result.gradable
    assert [check.earned for check in result.grade.checks] == [0, 0]


def test_a_forged_reply_claims_values_and_values_without_the_work_earn_nothing(lab, executor):
    """Code in the kernel can replace the kernel's own machinery (here, how it answers user
    expressions) and claim any record. What it claims is judged like any observation: nulls,
    errors, odd shapes and wrong values earn nothing, and nothing crashes the grader."""
    forge = (
        "import json\n"
        "shell = get_ipython()\n"
        "def forged(expressions):\n"
        "    record = json.dumps({'availability': {'value': None}, 'oee-function': "
        "{'inputs': ['error']}, 'extra': {'value': [[[[1]]]]}})\n"
        "    return {k: {'status': 'ok', 'data': {'text/plain': repr(record)}, 'metadata': {}}"
        " for k in expressions}\n"
        "shell.user_expressions = forged\n"
        "availability = 0.5"
    )
    result = lab_grading.grade(
        lab, submission({**WRONG, "answer-availability": forge}), seed=1, executor=executor
    )
    assert result.gradable
    assert [check.earned for check in result.grade.checks] == [0, 0]


def test_visible_checks_are_read_before_any_hidden_test_runs(lab, executor):
    """A learner's object cannot smuggle hidden inputs into a visible check's error text."""
    smuggler = (
        "class Leaky(type):\n"
        "    @property\n"
        "    def __name__(cls):\n"
        "        return 'LEAK ' + repr(globals().get('__cases', 'nothing hidden yet'))\n"
        "availability = Leaky('x', (), {})()"
    )
    result = lab_grading.grade(
        lab, submission({**HONEST, "answer-availability": smuggler}), seed=1, executor=executor
    )
    visible = result.grade.checks[0]
    assert not visible.passed
    assert "nothing hidden yet" in visible.feedback and "0.95" not in visible.feedback


def test_a_hidden_checks_error_never_reaches_the_learner(lab, executor):
    """Review finding: an exception quoting hidden inputs came back as feedback."""
    raising = "def oee(a, p, q):\n    raise ValueError(f'called with {a!r}, {p!r}, {q!r}')"
    result = lab_grading.grade(
        lab, submission({**HONEST, "answer-oee": raising}), seed=1, executor=executor
    )
    hidden = result.grade.checks[1]
    assert not hidden.passed and hidden.feedback == "This hidden check did not pass."
    assert "0.95" not in str(result.as_dict())


class Scripted:
    """An executor whose runs are scripted: the reference run fails, the learner's forges."""

    sandboxed = True

    def __init__(self, reference_status: str) -> None:
        from app.sandbox.base import Limits

        self.limits = Limits()
        self.reference_status = reference_status
        self.runs = 0

    def run(self, notebook, limits=None, *, pooled=True, on_cell=None):
        self.runs += 1
        cells = [CellResult(index=n, status="ok") for n, _ in enumerate(notebook.cells)]
        if self.runs == 1:  # the reference solution's run
            cells[-1].status = self.reference_status
            return RunResult("completed", cells)
        for cell in cells:
            cell.value = repr('{"availability": {"value": null}, "margin": {"value": null}}')
        return RunResult("completed", cells)


@pytest.mark.parametrize("status", ["timeout", "error", "killed"])
def test_a_failed_reference_run_grades_nothing_and_is_not_kept(status):
    """Review finding: a timed-out reference observed nulls, and forged nulls matched them."""
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["checks"].append(
        {"id": "margin", "points": 1, "observe": "round(availability * 100, 1)"}
    )
    lab = labs.parse(notebook)
    executor = Scripted(status)
    result = lab_grading.grade(lab, submission(HONEST), seed=7, executor=executor)
    assert not result.gradable and "reference solution" in result.problem
    assert result.grade.checks == () and result.grade.total == 0
    assert executor.runs == 1  # the learner's notebook did not even run


@pytest.mark.parametrize("status", ["timeout", "error", "killed"])
def test_a_failed_reference_computed_ahead_grades_nothing_and_is_not_kept(status):
    """The engine's references: a failed run is told to whoever waits, never kept, and the
    next attempt runs the reference again; the learner's forged record earns nothing."""
    from app.engine.references import References

    notebook = source_notebook()
    notebook.metadata["shopfloor"]["checks"].append(
        {"id": "margin", "points": 1, "observe": "round(availability * 100, 1)"}
    )
    lab = labs.parse(notebook)
    executor = Scripted(status)
    references = References(executor)
    try:
        pending = references.start(lab, 7)
        with pytest.raises(lab_grading.NotGradable):
            pending.result(timeout=30)
        assert not references.ready(lab, 7)
        result = lab_grading.grade(
            lab, submission(HONEST), seed=7, executor=executor, reference=pending
        )
        assert not result.gradable and "reference solution" in result.problem
        assert result.grade.checks == () and result.grade.total == 0
        assert references.stats()["references_kept"] == 0
        again = references.start(lab, 7)
        assert again is not pending  # tried afresh, not the failure remembered
    finally:
        references.close()


def test_a_reference_that_times_out_in_the_sandbox_is_not_gradable(executor):
    """The review's first repro: a cell limit below the setup cell's time."""
    notebook = source_notebook()
    notebook.cells[1].source = (
        "import time\nend = time.monotonic() + 3\nwhile time.monotonic() < end:\n    pass\n"
        + notebook.cells[1].source
    )
    notebook.metadata["shopfloor"]["lab"]["limits"] = {"cell_seconds": 1}
    notebook.metadata["shopfloor"]["checks"].append(
        {"id": "margin", "points": 1, "observe": "round(availability * 100, 1)"}
    )
    lab = labs.parse(notebook)
    forger = {**WRONG, "answer-availability": "availability = None"}
    result = lab_grading.grade(lab, submission(forger), seed=3, executor=executor)
    assert not result.gradable and "did not run cleanly" in result.problem

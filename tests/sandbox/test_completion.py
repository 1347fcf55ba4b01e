"""Completion and help from a learner's own kernel (Jupyter's complete and inspect requests).

Kernels complete from what has run (IPython's own completer, not jedi: see
app/sandbox/bwrap.py), so each test runs the code that defines the names it completes. A
loaded machine can still be slower than the two seconds a completion may take: the tests
ask until the answer comes, as a learner would press Tab again.
"""

from __future__ import annotations

import asyncio
import re
import threading

import pytest

from app.sandbox.replies import INSPECT_CHARS, MATCH_CHARS, MATCHES_MAX
from app.sandbox.sessions import SessionManager
from tests.waiting import poll

MATH = "import math\nmath.sq"
# A control character other than the newline and the tab, or a bidirectional override.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def sessions(executor):
    manager = SessionManager(executor.config(), idle_seconds=60)
    yield manager
    manager.close()


def completed(sessions, code: str, cursor: int | None = None, key: str = "ana") -> dict:
    """The first completion with matches, asking again while the kernel warms up."""
    cursor = len(code) if cursor is None else cursor
    answer = {}

    def ask():
        answer.update(sessions.complete(key, code, cursor))
        return answer["matches"]

    poll(ask, seconds=30)
    return answer


def applied(code: str, answer: dict, match: str) -> str:
    return code[: answer["cursor_start"]] + match + code[answer["cursor_end"] :]


def test_an_attribute_completes_with_the_range_it_replaces(sessions):
    sessions.execute("ana", "import math")
    kernel = sessions.sessions["ana"].kernel
    before = kernel.last_used
    answer = completed(sessions, MATH)
    assert set(answer) == {"matches", "cursor_start", "cursor_end"}
    assert "sqrt" in "".join(answer["matches"])
    sqrt = next(m for m in answer["matches"] if m.endswith("sqrt"))
    assert applied(MATH, answer, sqrt) == "import math\nmath.sqrt"
    assert answer["cursor_end"] == len(MATH)
    assert sqrt.startswith(MATH[answer["cursor_start"] : answer["cursor_end"]])
    assert kernel.last_used > before  # completing is the learner at work: not culled


def test_cursors_count_code_points_not_utf16_units_or_bytes(sessions):
    code = 'café = "naïve 😀 ünïcode"\nimport math\nmath.sq'
    assert len(code) != len(code.encode("utf-16-le")) // 2 != len(code.encode())
    sessions.execute("ana", code.rpartition("\n")[0])
    answer = completed(sessions, code)
    assert answer["matches"][0] == ".sqrt"
    assert (answer["cursor_start"], answer["cursor_end"]) == (len(code) - 3, len(code))
    assert applied(code, answer, answer["matches"][0]).endswith("\nmath.sqrt")
    # The cursor in the middle of the code: only what is before it is completed.
    middle = 'café = "😀"\nca\nprint(café)'
    cursor = middle.index("\nprint")
    answer = completed(sessions, middle, cursor)
    assert "café" in answer["matches"]
    assert (answer["cursor_start"], answer["cursor_end"]) == (cursor - 2, cursor)


def test_inspect_gives_the_signature_and_docstring_as_plain_text(sessions):
    sessions.execute("ana", "x = 1")
    answer = sessions.inspect("ana", "n = len(", len("n = len("))
    assert answer["found"] is True
    assert "Return the number of items" in answer["text"]
    assert "len(obj, /)" in answer["text"]
    assert not CONTROL.search(answer["text"])  # IPython's colours are gone
    assert sessions.inspect("ana", "   ", 2) == {"found": False, "text": ""}


def test_a_kernel_running_a_cell_answers_busy_at_once(sessions):
    sessions.execute("ana", "import math")
    running = threading.Event()
    worker = threading.Thread(
        target=sessions.execute,
        args=("ana", "import time\nprint('go', flush=True)\ntime.sleep(60)"),
        kwargs={"on_output": lambda output: running.set()},
    )
    worker.start()
    try:
        assert running.wait(timeout=20)
        # "busy" at once: waiting for the kernel would have outlasted the 60 s cell.
        assert sessions.complete("ana", "ma", 2) == {
            "matches": [],
            "cursor_start": 2,
            "cursor_end": 2,
            "reason": "busy",
        }
        assert sessions.inspect("ana", "len(", 4) == {"found": False, "text": "", "reason": "busy"}
    finally:
        sessions.interrupt("ana")
        worker.join(timeout=20)
    assert completed(sessions, MATH)["matches"]


def test_without_a_kernel_nothing_starts(executor):
    from app.sandbox.pool import KernelPool

    pool = KernelPool(executor.config(), 1)
    manager = SessionManager(executor.config(), pool=pool, idle_seconds=60)
    assert manager.complete("ana", "ma", 2) == {
        "matches": [],
        "cursor_start": 2,
        "cursor_end": 2,
        "reason": "no-kernel",
    }
    assert manager.inspect("ana", "len(", 4) == {"found": False, "text": "", "reason": "no-kernel"}
    assert manager.status("ana") == "none"
    assert not pool.started


def test_requests_at_once_each_get_their_own_reply(sessions):
    """Completions and an evaluation share the shell channel; none eats another's reply."""
    sessions.execute("ana", "import math, os")
    completed(sessions, MATH)  # the completer is warm
    kernel = sessions.sessions["ana"].kernel
    os_code = "import os\nos.getc"

    async def together():
        return await asyncio.gather(
            kernel.complete(MATH, len(MATH), timeout=20),
            kernel.complete(os_code, len(os_code), timeout=20),
            kernel.evaluate("6 * 7", 0, timeout=20),
            kernel.inspect("len(", 4, timeout=20),
        )

    maths, oses, value, help_ = sessions.runner.call(together(), 60)
    assert applied(MATH, maths, maths["matches"][0]).endswith("math.sqrt")
    assert all(m.startswith(".getc") for m in oses["matches"]) and ".getcwd" in oses["matches"]
    assert value.value == "42"
    assert "Return the number of items" in help_["text"]


def hostile(sessions, *, complete: str = "", inspect: str = "") -> None:
    """Replace the kernel's completer and inspector with functions returning *content*."""
    code = "kernel = get_ipython().kernel\n"
    if complete:
        code += f"async def do_complete(code, cursor_pos):\n    return {complete}\n"
        code += "kernel.do_complete = do_complete\n"
    if inspect:
        code += f"async def do_inspect(code, cursor_pos, *args):\n    return {inspect}\n"
        code += "kernel.do_inspect = do_inspect\n"
    assert sessions.execute("ana", code).status == "ok"


def test_a_hostile_completion_reply_is_bounded_and_cleaned(sessions):
    hostile(
        sessions,
        complete="""{
        "status": "ok",
        "matches": [5, None, {"a": 1}, "x" * 100_000, "\\x1b[31mred", "bad\\nline", "",
                    "m0", "\\u202egnp.exe", *("m%d" % i for i in range(10_000))],
        "cursor_start": 0, "cursor_end": len(code), "metadata": {},
    }""",
    )
    answer = sessions.complete("ana", "abc", 3)
    assert answer["cursor_start"] == 0 and answer["cursor_end"] == 3
    matches = answer["matches"]
    assert len(matches) == MATCHES_MAX
    assert matches[:3] == ["m0", "m1", "m2"]  # junk dropped, duplicates once
    assert all(isinstance(m, str) and 0 < len(m) <= MATCH_CHARS for m in matches)
    assert not any(CONTROL.search(m) for m in matches)


@pytest.mark.parametrize(
    "cursors",
    [
        '"cursor_start": -1, "cursor_end": 2',
        '"cursor_start": 0, "cursor_end": len(code) + 1',
        '"cursor_start": 3, "cursor_end": 1',
        '"cursor_start": True, "cursor_end": 2',
        '"cursor_start": "0", "cursor_end": 2',
        '"cursor_start": 0.0, "cursor_end": 2',
        '"cursor_end": 2',
    ],
)
def test_a_completion_with_a_bad_range_gives_nothing(sessions, cursors):
    hostile(sessions, complete=f'{{"status": "ok", "matches": ["abs"], {cursors}}}')
    assert sessions.complete("ana", "abc", 3) == {
        "matches": [],
        "cursor_start": 3,
        "cursor_end": 3,
    }


@pytest.mark.parametrize(
    "content",
    [
        '{"status": "error", "matches": ["abs"], "cursor_start": 0, "cursor_end": 0}',
        '{"status": "ok", "matches": "abs", "cursor_start": 0, "cursor_end": 0}',
        '["abs"]',
        "None",
    ],
)
def test_a_malformed_completion_reply_gives_nothing(sessions, content):
    hostile(sessions, complete=content, inspect=content)
    assert sessions.complete("ana", "abc", 3)["matches"] == []
    assert sessions.inspect("ana", "abc", 3) == {"found": False, "text": ""}


def test_a_hostile_inspection_is_plain_bounded_text(sessions):
    hostile(
        sessions,
        inspect="""{
        "status": "ok", "found": True, "metadata": {},
        "data": {"text/plain": "\\x1b[0;31mSignature:\\x1b[0m f()\\r\\n\\tx\\x07\\x00"
                 "\\x1b]0;title\\x07"
                 "\\x1b]8;;https://evil.example\\x1b\\\\link\\x1b]8;;\\x1b\\\\ \\u202eevil\\x9b2J"
                 + "A" * 1_000_000, "text/html": "<script>alert(1)</script>"},
    }""",
    )
    answer = sessions.inspect("ana", "f(", 2)
    assert answer["found"] is True
    text = answer["text"]
    assert text.startswith("Signature: f()\n\txlink evilAAA")
    assert len(text) <= INSPECT_CHARS + 20 and text.endswith("… (cut)")
    assert not CONTROL.search(text)
    assert "<script>" not in text


def test_a_reply_too_late_is_dropped_and_the_next_request_gets_its_own(sessions):
    sessions.execute("ana", "calls = []")
    hostile(
        sessions,
        complete="""(calls.append(code), await __import__("asyncio").sleep(4 if len(calls) == 1
        else 0), {"status": "ok", "matches": [f"late{len(calls)}" if len(calls) == 1
        else "fresh"], "cursor_start": 0, "cursor_end": 0})[-1]""",
    )
    # The two seconds ran out: had it waited for the four-second reply, "late1" would be here.
    assert sessions.complete("ana", "abc", 3)["matches"] == []
    answer = completed(sessions, "abc")
    assert answer["matches"] == ["fresh"]


def test_a_dead_kernel_gives_nothing(sessions):
    sessions.execute("ana", "import os\nos._exit(1)")
    assert sessions.status("ana") == "dead"
    assert sessions.complete("ana", "ma", 2) == {"matches": [], "cursor_start": 2, "cursor_end": 2}
    assert sessions.inspect("ana", "len(", 4) == {"found": False, "text": ""}

"""Interactive sessions: one kernel per learner, streamed outputs, interrupt, restart, cull."""

from __future__ import annotations

import threading
import time

import pytest

from app.sandbox.base import SandboxUnavailable
from app.sandbox.sessions import SessionManager
from tests.sandbox.conftest import text
from tests.waiting import poll


@pytest.fixture
def sessions(executor):
    manager = SessionManager(executor.config(), idle_seconds=60)
    yield manager
    manager.close()


def test_each_learner_has_a_kernel_of_their_own(sessions):
    sessions.execute("ana", "x = 'ana'")
    sessions.execute("ben", "x = 'ben'")
    assert text(sessions.execute("ana", "print(x)")) == "ana\n"
    assert text(sessions.execute("ben", "print(x)")) == "ben\n"
    assert sessions.status("ana") == "idle" and sessions.status("nobody") == "none"


def test_outputs_stream_while_the_cell_runs(sessions):
    seen = []
    result = sessions.execute(
        "ana",
        "import sys\nfor i in range(3):\n    print(i, flush=True)",
        on_output=lambda output: seen.append(output.text),
    )
    assert "".join(seen) == "0\n1\n2\n" and result.status == "ok"


def test_interrupt_stops_a_running_cell(sessions):
    sessions.start("ana")
    running = threading.Event()
    outcome = {}

    def work():
        outcome["result"] = sessions.execute(
            "ana",
            "import time\nprint('started', flush=True)\ntime.sleep(60)",
            on_output=lambda output: running.set(),
        )

    worker = threading.Thread(target=work)
    worker.start()
    assert running.wait(timeout=20)
    sessions.interrupt("ana")
    worker.join(timeout=20)
    assert outcome["result"].error["name"] == "KeyboardInterrupt"
    assert text(sessions.execute("ana", "print('after')")) == "after\n"


def test_restart_forgets_everything(sessions):
    sessions.execute("ana", "secret = 42")
    sessions.restart("ana")
    assert text(sessions.execute("ana", "print(globals().get('secret'))")) == "None\n"


def test_a_new_kernel_runs_its_setup_before_the_first_cell(sessions):
    result = sessions.execute("ana", "print(seed)", setup="seed = 7")
    assert text(result) == "7\n" and result.execution_count == 1  # the set-up took no number
    sessions.execute("ana", "seed = 8", setup="seed = 7")  # a kept kernel is not set up again
    assert text(sessions.execute("ana", "print(seed)", setup="seed = 7")) == "8\n"


def test_a_run_asked_for_during_a_restart_waits_for_the_new_kernel(sessions):
    sessions.execute("ana", "secret = 42", setup="seed = 1")
    restarted = {}
    restart = threading.Thread(
        target=lambda: restarted.update(id=sessions.restart("ana", setup="seed = 2"))
    )
    restart.start()
    # The old kernel is gone and the new one not started yet: the learner presses Run.
    assert poll(lambda: "ana" not in sessions.sessions, seconds=30)
    result = sessions.execute("ana", "print(globals().get('secret'), seed)", setup="seed = 2")
    restart.join(timeout=60)
    assert text(result) == "None 2\n" and result.execution_count == 1
    # One kernel for the session: the run did not start one of its own beside the restart's.
    assert sessions.sessions["ana"].kernel.id == restarted["id"]


def test_idle_sessions_are_culled(sessions):
    sessions.execute("ana", "1")
    assert sessions.cull_idle(now=time.monotonic()) == []
    assert sessions.cull_idle(now=time.monotonic() + 3600) == ["ana"]
    assert sessions.status("ana") == "none"


def test_a_dead_kernel_is_reported_and_replaced(sessions):
    sessions.execute("ana", "import os\nos._exit(1)")
    assert sessions.status("ana") == "dead"
    assert text(sessions.execute("ana", "print('back')")) == "back\n"


def test_at_the_cap_the_kernel_unused_longest_makes_room(executor):
    manager = SessionManager(executor.config(), idle_seconds=60, max_sessions=2)
    try:
        manager.execute("ana", "x = 1")
        manager.execute("ben", "x = 2")
        manager.execute("ana", "x = 3")  # ben's kernel is now the one unused longest
        assert text(manager.execute("cam", "print('cam')")) == "cam\n"
        assert manager.status("ben") == "none"
        assert manager.status("ana") == "idle" and manager.status("cam") == "idle"
    finally:
        manager.close()


def test_at_the_cap_with_every_kernel_busy_a_new_learner_is_told_to_wait(executor):
    manager = SessionManager(executor.config(), idle_seconds=60, max_sessions=1)
    running = threading.Event()
    worker = threading.Thread(
        target=manager.execute,
        args=("ana", "import time\nprint('go', flush=True)\ntime.sleep(60)"),
        kwargs={"on_output": lambda output: running.set()},
    )
    worker.start()
    try:
        assert running.wait(timeout=20)
        with pytest.raises(SandboxUnavailable, match="All 1 lab kernels"):
            manager.execute("ben", "1")
    finally:
        manager.interrupt("ana")
        worker.join(timeout=20)
        manager.close()


def test_asking_about_kernels_never_starts_the_pool(executor):
    """The culler and the pages ask often; only running code may start kernels."""
    from app.sandbox.pool import KernelPool

    pool = KernelPool(executor.config(), 1)
    manager = SessionManager(executor.config(), pool=pool, idle_seconds=60)
    assert manager.status("ana") == "none"
    assert manager.cull_idle() == []
    assert not pool.started


def test_each_run_takes_the_kernels_next_execution_count_as_in_jupyter(sessions):
    """Set-up code without history takes no count; a traceback names the count shown."""
    assert sessions.execute("ana", "SEED = 1", history=False).execution_count is None
    assert sessions.execute("ana", "x = 1").execution_count == 1
    failed = sessions.execute("ana", "1 / 0")
    assert failed.status == "error" and failed.execution_count == 2
    assert "Cell In[2], line 1" in failed.outputs[-1].text
    sessions.restart("ana")
    assert sessions.execute("ana", "x = 2").execution_count == 1

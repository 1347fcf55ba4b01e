"""The app a test's child process runs (a Celery worker, a kernel host, a web server):
built from the JSON config the test passes in SHOPFLOOR_TEST_APP_CONFIG, so child and test
share a database, Redis prefix and labs.

Two test-only settings in that config, taken out before the app is built:
``TEST_RETRY_AFTER_SECONDS`` shortens the wait before a submission that could not be
graded is tried again (30 s; a test cannot wait that long); ``TEST_LINE_SECONDS`` makes the
workspace's pretend kernels run the cell's Python here, each line it prints taking that long
(for tests that follow printed lines as they stream, without a real kernel).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta

from app import create_app
from app.sandbox.base import CellResult, Output
from app.sandbox.sessions import FakeSessions
from app.services import lab_submissions


class PrintingSessions(FakeSessions):
    """Pretend kernels that run the test's own cell code in this process: each ``print``
    is an output event, *line_seconds* after the one before. Tests' code only, never a
    learner's: nothing here is sandboxed."""

    def __init__(self, line_seconds: float) -> None:
        super().__init__()
        self.line_seconds = line_seconds
        self.namespaces: dict[str, dict] = {}

    def execute(
        self,
        key: str,
        code: str,
        *,
        on_output=None,
        history: bool = True,
        timeout=None,
        setup: str = "",
    ) -> CellResult:
        new = key not in self.kernels
        self.start(key, setup=setup)
        namespace = self.namespaces.setdefault(key, {})
        if new and setup:
            exec(setup, namespace)  # noqa: S102 - the seed line the engine sets up with
        pause = threading.Event()

        def emit(*values, sep=" ", end="\n", **_ignored) -> None:
            if on_output is not None:
                on_output(Output("stream", name="stdout", text=sep.join(map(str, values)) + end))
            pause.wait(self.line_seconds)

        namespace["print"] = emit
        exec(code, namespace)  # noqa: S102 - the test's own code, see the class docstring
        if not history:
            return CellResult(index=0, status="ok")
        self.counts[key] = self.counts.get(key, 0) + 1
        return CellResult(index=0, status="ok", execution_count=self.counts[key])


config = json.loads(os.environ["SHOPFLOOR_TEST_APP_CONFIG"])
if "TEST_RETRY_AFTER_SECONDS" in config:
    lab_submissions.RETRY_AFTER = timedelta(seconds=config.pop("TEST_RETRY_AFTER_SECONDS"))
line_seconds = config.pop("TEST_LINE_SECONDS", None)
app = create_app(config)
celery_app = app.extensions.get("celery")
if line_seconds is not None:  # this process's own kernels (a kernel host's)
    app.extensions["lab_engine"]._local_runs().sessions = PrintingSessions(line_seconds)

"""A grading worker's disk fills: the learner is told why, no attempt is lost, grading goes on.

What grading writes to disk: a learner's kernel writes only inside its sandbox (a home, a
/tmp and a /dev/shm, tmpfs in memory within ``disk_mb``, its sockets in a small tmpfs of its
own, and files of at most ``file_mb``); the grader writes each kernel's few host files (its
connection file and a link to the sandbox's sockets) under the machine's temp folder
(``app/sandbox/kernel.py``: ``$TMPDIR/shopfloor-kernels/<id>``), none writable from inside.
So there are two disks to fill: the learner's, which their own notebook fills (a real
sandboxed kernel here), and the worker's temp folder (a full tmpfs of its own here, made
with bubblewrap, under a Celery worker with pretend cells).
"""

from __future__ import annotations

import errno
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest

from app.database import utcnow
from app.engine import grading
from app.sandbox.base import STATUS_TEXT
from app.services import lab_attempts
from tests import factories
from tests.distributed.processes import Children, child_config, row, store
from tests.sandbox.labs_fixture import HONEST, source_notebook
from tests.waiting import poll

pytestmark = pytest.mark.distributed

FILL_HOME = "f = open('big', 'wb')\nwhile True:\n    f.write(b'0' * 1024 * 1024)"
DISK_FULL = "the grading machine ran out of disk space"


def labs_root(tmp_path: Path) -> Path:
    root = tmp_path / "labs"
    root.mkdir(exist_ok=True)
    nbformat.write(source_notebook(), root / f"{factories.LAB_ID}.ipynb")
    return root


@pytest.mark.kernel
def test_a_notebook_that_fills_its_disk_is_graded_with_the_disk_limit_and_grading_goes_on(
    make_app, tmp_path
):
    app = make_app(
        LABS_ROOT=str(labs_root(tmp_path)),
        SANDBOX={
            "backend": "jupyter",
            "pool_size": 0,
            "limits": {"disk_mb": 16, "file_mb": 8, "cell_seconds": 15, "notebook_seconds": 60},
        },
    )
    engine = app.extensions["lab_engine"]
    filler = store(app, answers={**HONEST, "answer-availability": FILL_HOME})
    honest = store(app)  # the next learner, same seed (one reference run)
    engine.graders.count = 1  # one grading thread: it grades the filler first, then the next
    try:
        engine.submitted(filler)
        engine.submitted(honest)
        assert poll(lambda: row(app, honest).status == "graded", seconds=120)
    finally:
        engine.stop()
    graded = row(app, filler)
    assert graded.status == "graded" and graded.tries == 1  # a result, not a crash or a retry
    stopped = next(c for c in graded.result["cells"] if c["id"] == "answer-availability")
    assert stopped["status"] == "disk" and stopped["message"] == STATUS_TEXT["disk"]
    assert graded.total < graded.maximum
    with app.app_context():  # what the learner's attempt page says
        assert lab_attempts.progress(graded)["text"] == "Graded."
    nxt = row(app, honest)
    assert nxt.tries == 1 and nxt.total == nxt.maximum == 5  # the worker went on, unharmed


def test_a_grade_that_runs_out_of_disk_goes_back_on_the_queue_and_is_graded_next_time(
    make_app, tmp_path
):
    """The disk fills after the grader took the submission (another kernel filled it)."""

    class FullOnce:
        """The app's executor, whose first run finds no space for a kernel's files."""

        def __init__(self, executor) -> None:
            self.executor, self.limits, self.failed = executor, executor.limits, False

        def check(self) -> None:
            self.executor.check()

        def run(self, notebook, limits=None, **kw):
            if not self.failed:
                self.failed = True
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.executor.run(notebook, limits, **kw)

    app = make_app(LABS_ROOT=str(labs_root(tmp_path)))
    engine = app.extensions["lab_engine"]
    engine.executor = FullOnce(engine.executor)
    submission_id = store(app)
    with pytest.raises(OSError):
        engine.grade_one()  # the grading thread logs it and goes on
    back = row(app, submission_id)
    assert back.status == "queued" and back.tries == 1
    assert DISK_FULL in back.message and "it will be tried again" in back.message
    with app.app_context():
        later = grading.grade_next(  # the next try, once RETRY_AFTER has passed
            load_lab=engine.lab,
            executor=engine.executor,
            now=lambda: utcnow() + timedelta(minutes=1),
        )
        assert later is not None and later.id == submission_id
    assert row(app, submission_id).status == "graded" and row(app, submission_id).tries == 2


def bubblewrap_mounts() -> bool:
    """Whether bubblewrap can give a process a filesystem of its own here (CI: yes)."""
    binary = shutil.which("bwrap")
    if binary is None:
        return False
    probe = subprocess.run(
        [binary, "--dev-bind", "/", "/", "--tmpfs", "/mnt", "--", "true"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def own_scratch(scratch: Path, size: int = 1024 * 1024) -> tuple[str, ...]:
    """The command prefix that runs a process with *scratch*, its TMPDIR, a tmpfs of its
    own of *size* bytes (the machine's disk stays out of it)."""
    return (
        "bwrap", "--dev-bind", "/", "/", "--size", str(size), "--tmpfs", str(scratch),
        "--setenv", "TMPDIR", str(scratch), "--",
    )  # fmt: skip


def inside(process: subprocess.Popen) -> int:
    """The pid of the program bubblewrap runs for *process* (its mounts are that one's)."""
    pid = process.pid
    while True:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if not children:
            return pid
        pid = int(children[0])
        if Path(f"/proc/{pid}/comm").read_text().strip() != "bwrap":
            return pid


@pytest.fixture
def worker_site(make_app, tmp_path, redis_url, redis_prefix):
    if not bubblewrap_mounts():
        pytest.skip("bubblewrap cannot mount a tmpfs here (it must, for the lab sandbox)")
    prefix = redis_prefix
    settings = {
        "LAB_ENGINE": "distributed",
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "CELERY_TRANSPORT_OPTIONS": {"global_keyprefix": prefix},
        "LABS_ROOT": str(labs_root(tmp_path)),
        "SANDBOX": {"backend": "fake", "fake_seconds_per_cell": 0.05},
    }
    app = make_app(**settings)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    children = Children({**child_config(app, settings), "TEST_RETRY_AFTER_SECONDS": 1}, tmp_path)
    app.worker = children.celery_worker(prefix=own_scratch(scratch), log="worker.log")
    app.log = tmp_path / "worker.log"
    assert poll(lambda: "[queues]" in app.log.read_text(errors="replace"), seconds=60)
    # What the worker sees as its scratch folder (its mounts are its own).
    app.scratch = Path(f"/proc/{inside(app.worker)}/root") / str(scratch).lstrip("/")
    yield app
    children.kill_all()


def test_a_worker_whose_scratch_space_is_full_takes_no_attempt_and_grades_once_it_has_room(
    worker_site,
):
    site = worker_site
    with open(site.scratch / "fill", "wb") as fill, pytest.raises(OSError) as full:
        while True:  # the worker's disk fills up (logs, a stray process, anything)
            fill.write(b"\0" * 65536)
    assert full.value.errno == errno.ENOSPC
    first = store(site)
    site.extensions["lab_engine"].submitted(first)
    # The worker sees that it cannot run kernels, says so, and leaves the attempt alone.
    assert poll(lambda: DISK_FULL in site.log.read_text(errors="replace"), seconds=60)
    waiting = row(site, first)
    assert waiting.status == "queued" and waiting.tries == 0 and not waiting.message
    with site.app_context():
        assert lab_attempts.progress(waiting)["text"] == "Queued: waiting for a free grader."

    # The operator makes room (here: the filler goes); the same worker, never restarted,
    # grades the attempt, then the next one.
    (site.scratch / "fill").unlink()
    assert poll(lambda: row(site, first).status == "graded", seconds=60)
    assert row(site, first).tries == 1
    second = store(site, seed=4)
    site.extensions["lab_engine"].submitted(second)
    assert poll(lambda: row(site, second).status == "graded", seconds=60)
    assert row(site, second).tries == 1 and site.worker.poll() is None

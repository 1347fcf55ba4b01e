"""Lab workspace under class load: N learners running cells in their own kernels, then submitting.

    .venv/bin/python benchmarks/lab_workspace.py [--learners 20] [--warm 5] [--ramp 0]

Serves the app as one threaded process on a loopback port (SQLite with the real migrations,
the curriculum synced, sandboxed Jupyter kernels with the warm pool, LAB_WORKERS = 2 grading
threads in the process) and drives it over HTTP the way the workspace page does. Each learner
signs in, opens lab-oee-historian, saves `print(1)` into an answer cell and runs it: once to
start their kernel, then --warm times; then runs the lab's setup cell (an 8-hour shift
simulation with pandas); then saves the reference answers and submits. Outputs and grading
progress are followed over the pages' Server-Sent Events streams. It reports, p50/p95:
  - first run (kernel start) and warm cell round trip: POST run to the cell's "done" event,
  - the setup cell's round trip,
  - grading turnaround: POST submit to "graded" (the attempt stream looks every 0.5 s),
and the memory of each active kernel (PSS of its sandbox processes) with all N alive.
Baseline, measured in the same run: one learner alone on the idle server. Ratios are
p50(N)/p50(1) and p95(N)/p50(1). No targets are asserted; the issue asks for the figures.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from procmem import available_mib, measure  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
from workspace_client import LAB, PASSWORD, EventFeed, Failed, Learner  # noqa: E402

from app import create_app  # noqa: E402
from app.content import validate  # noqa: E402
from app.content import version as content_version  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.engine.runs import CellRuns  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import accounts, curriculum_sync  # noqa: E402

SETUP_CELL = "setup"
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


@dataclass
class Figures:
    page: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    setup: list[float] = field(default_factory=list)
    grading: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # server side, from the submissions
    runs: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            getattr(self, name).append(seconds)

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


# -- the server ----------------------------------------------------------------------------


def build_app(tmp: Path, users: int):
    url = f"sqlite:///{tmp / 'bench.sqlite'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp / "instance"),
            "RATELIMIT_ENABLED": False,
            "LAB_WORKERS": 2,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        root = Path(app.config["CURRICULUM_ROOT"]).resolve()
        curriculum, problems = validate.load(root, labs_root=Path(app.config["LABS_ROOT"]))
        if problems.errors:
            raise SystemExit(f"curriculum: {len(problems.errors)} errors; fix them first")
        curriculum_sync.sync(curriculum, version=content_version.describe(root), now=utcnow())
        for n in range(users):
            account = accounts.NewAccount(f"learner{n}@bench.example.com", f"Learner {n}", PASSWORD)
            accounts.register(account, now=utcnow())
        db.session.commit()
    return app


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    return server, thread


def shut_down(app, server, thread) -> None:
    for step in (
        app.extensions["lab_engine"].graders.stop,
        app.extensions["lab_engine"].culler.stop,
        app.extensions["lab_engine"].runs.sessions.close,
        app.extensions["lab_engine"].runs.close,
        app.extensions["lab_engine"].executor.pool.close,
        server.shutdown,
    ):
        try:
            step()
        except Exception as exc:  # report and go on: everything else must still stop
            print(f"shutdown: {step.__qualname__} failed: {exc!r}")
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def solutions() -> dict[str, str]:
    """The reference answers of the lab, by answer cell id, without the solution markers."""
    notebook = nbformat.read(ROOT / "labs" / f"{LAB}.ipynb", as_version=4)
    return {
        cell.id: MARKER.sub("", cell.source)
        for cell in notebook.cells
        if cell.metadata.get("shopfloor", {}).get("role") == "answer"
    }


# -- one learner, as the workspace page ------------------------------------------------------


def lesson(learner: Learner, figures: Figures, args, answers, gate, *, delay=0.0, settle=None):
    """Open the lab, run cells, wait at *gate*, submit; *settle* runs after the first run.

    A learner whose cell failed (a timeout, a kernel that did not start) still submits.
    """
    deadline = time.monotonic() + delay + args.deadline
    opened = False
    try:
        try:
            time.sleep(delay)
            learner.sign_in()
            start = time.perf_counter()
            learner.open_lab()
            figures.add("page", time.perf_counter() - start)
            cell = learner.answers[0]
            learner.save({cell: "print(1)"})
            learner.feed = EventFeed(learner, deadline)
            learner.feed.start()
            opened = True
            figures.add("first", learner.run(cell, deadline))
            if settle:
                settle()
            for _ in range(args.warm):
                figures.add("warm", learner.run(cell, deadline))
            figures.add("setup", learner.run(SETUP_CELL, deadline))
        except Exception as exc:  # any learner's failure is counted and printed, not raised
            figures.fail(f"{learner.email}: {exc if isinstance(exc, Failed) else repr(exc)}")
        finally:
            gate.arrive()  # the memory snapshot waits for every learner, failed or not
        if opened:
            gate.wait_for_go(deadline)
            submit(learner, figures, answers, deadline)
    finally:
        if learner.feed:
            learner.feed.stopping.set()


def submit(learner: Learner, figures: Figures, answers: dict[str, str], deadline: float) -> None:
    try:
        learner.save(answers)
        seconds, state = learner.submit(deadline)
        if state.get("status") != "graded":
            raise Failed(f"grading ended {state.get('status')}: {state.get('text')}")
        if state.get("total") != state.get("maximum"):
            figures.fail(f"{learner.email}: graded {state.get('total')}/{state.get('maximum')}")
        figures.add("grading", seconds)
    except Exception as exc:
        figures.fail(f"{learner.email}: {exc if isinstance(exc, Failed) else repr(exc)}")


class Gate:
    """Everyone has run their cells (so every kernel is alive): measure, then let them submit."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.arrived = 0
        self.changed = threading.Condition()
        self.go = threading.Event()

    def arrive(self) -> None:
        with self.changed:
            self.arrived += 1
            self.changed.notify_all()

    def wait_for_all(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.arrived >= self.count, timeout)

    def wait_for_go(self, deadline: float) -> None:
        self.go.wait(max(0.0, deadline - time.monotonic()))


# -- memory ------------------------------------------------------------------------------------


def kernel_memory(app, keys: set[str]) -> list[tuple[float, float]]:
    """(PSS, RSS) in MiB of each live workspace kernel whose session key is in *keys*."""
    sessions = dict(app.extensions["lab_engine"].runs.sessions.sessions)
    return measure([s.kernel for key, s in sessions.items() if key in keys])


def pooled_memory(app) -> list[tuple[float, float]]:
    """(PSS, RSS) in MiB of each kernel waiting, fresh, in the warm pool."""
    return measure(list(app.extensions["lab_engine"].executor.pool.ready._queue))


# -- reporting ---------------------------------------------------------------------------------


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def row(label: str, values: list[float], base: list[float]) -> None:
    if not values:
        print(f"{label:<34} no samples")
        return
    ratio = ""
    if base:
        ratio = f"   p50/p50(1) {p50(values) / p50(base):5.2f}"
        ratio += f"  p95/p50(1) {p95(values) / p50(base):5.2f}"
    print(
        f"{label:<34} p50 {p50(values):7.3f} s  p95 {p95(values):7.3f} s  (n={len(values)}){ratio}"
    )


def grading_split(app, first: int, count: int) -> tuple[list[float], list[float]]:
    """Seconds each submission waited for a grader, and seconds its grading run took."""
    from app.models import LabSubmission, User

    with app.app_context():
        emails = [f"learner{n}@bench.example.com" for n in range(first, first + count)]
        query = db.select(LabSubmission).join(User, User.id == LabSubmission.user_id)
        rows = db.session.scalars(query.where(User.email.in_(emails))).all()
        done = [r for r in rows if r.started_at and r.finished_at]
        twice = sum(1 for r in rows if r.tries > 1)
        if twice:
            print(f"note: {twice} submission(s) were claimed by a grader more than once")
        waits = [(r.started_at - r.created_at).total_seconds() for r in done]
        runs = [(r.finished_at - r.started_at).total_seconds() for r in done]
        db.session.remove()
    return waits, runs


def workspace_keys(app, first: int, count: int) -> set[str]:
    from app.models import LabWorkspace, User

    with app.app_context():
        emails = [f"learner{n}@bench.example.com" for n in range(first, first + count)]
        query = db.select(LabWorkspace.id).join(User, User.id == LabWorkspace.user_id)
        ids = db.session.scalars(query.where(User.email.in_(emails))).all()
        db.session.remove()
    return {CellRuns.key(i) for i in ids}


# -- the run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--warm", type=int, default=5, help="warm print(1) runs per learner")
    parser.add_argument("--solo", type=int, default=3, help="lone learners for the baseline")
    parser.add_argument(
        "--ramp", type=float, default=0.0, help="seconds over which the class's learners arrive"
    )
    parser.add_argument("--deadline", type=float, default=900, help="seconds per learner")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    answers = solutions()
    with tempfile.TemporaryDirectory(prefix="bench-workspace-") as tmp:
        started = time.perf_counter()
        app = build_app(Path(tmp), args.solo + args.learners)
        server, thread = serve(app)
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            run(app, base, args, answers, started)
        finally:
            shut_down(app, server, thread)
    print(f"after shutdown: {available_mib():,.0f} MiB available")


def run(app, base: str, args, answers: dict[str, str], started: float) -> None:
    executor = app.extensions["lab_engine"].executor
    executor.prestart()
    if not executor.pool.wait_until_full(120):
        print("warning: the warm pool did not fill within 120 s")
    print(
        f"setup (migrate, sync, {args.solo + args.learners} accounts, warm pool) took "
        f"{time.perf_counter() - started:.1f} s; {available_mib():,.0f} MiB available"
    )
    fresh = pooled_memory(app)
    solo, alone = baseline(app, base, args, answers)
    load = os.getloadavg()[0]
    figures, learners, seen = the_class(app, base, args, answers)
    print(
        f"\n{args.solo} learner(s) alone one after another (baseline), then {args.learners} at "
        f"once (arriving over {args.ramp:g} s); {args.warm} warm runs each; "
        f"the class took {seen['elapsed']:.1f} s"
    )
    print(
        f"load average (1 min) {load:.2f} when the class started, {os.getloadavg()[0]:.2f} "
        f"when it ended, on {os.cpu_count()} CPUs (other work shares this machine)"
    )
    solo.waits, solo.runs = grading_split(app, 0, args.solo)
    figures.waits, figures.runs = grading_split(app, args.solo, args.learners)
    print("-- baseline: 1 learner at a time on the idle server")
    for label, name in ROWS:
        row(label, getattr(solo, name), [])
    print(f"-- {args.learners} learners at once (ratios against the baseline's p50)")
    for label, name in ROWS:  # a queue of ~0 s alone makes no useful ratio
        row(label, getattr(figures, name), [] if name == "waits" else getattr(solo, name))
    report_memory(fresh, seen)
    stats = executor.pool.stats
    print(
        f"{'kernel pool':<34} {stats['warm']} warm, {stats['cold']} cold starts, "
        f"{stats['start_failures']} start failures"
    )
    everyone = [*alone, *learners]
    conflicts = sum(lr.conflicts for lr in everyone)
    if conflicts:
        print(
            f"409 'still running' right after 'done': {conflicts} run requests refused and "
            f"retried ({sum(lr.conflict_seconds for lr in everyone):.3f} s in all; "
            f"{sum(lr.conflicts for lr in alone)} of them in the baseline)"
        )
    problems = solo.failures + figures.failures + seen["problems"]
    print(f"failures: {len(problems)}")
    for problem in problems:
        print(f"  {problem}")


ROWS = (
    ("open lab page", "page"),
    ("first run (kernel start)", "first"),
    ("warm cell round trip", "warm"),
    ("setup cell (8-h shift simulation)", "setup"),
    ("grading turnaround", "grading"),
    ("  of which queued for a grader", "waits"),
    ("  of which the grading run", "runs"),
)


def baseline(app, base: str, args, answers: dict[str, str]):
    """One learner alone on the idle server, --solo times; each one's kernel is then shut."""
    solo, alone = Figures(), [Learner(base, i) for i in range(args.solo)]
    pool = app.extensions["lab_engine"].executor.pool
    for learner in alone:
        lone = Gate(1)
        lone.go.set()
        # The pool refills after the first run takes a kernel: let it, so the warm runs
        # see an idle server.
        lesson(learner, solo, args, answers, lone, settle=lambda: pool.wait_until_full(120))
        for key in workspace_keys(app, learner.number, 1):
            app.extensions["lab_engine"].runs.sessions.shutdown(key)
        pool.wait_until_full(120)
    return solo, alone


def the_class(app, base: str, args, answers: dict[str, str]):
    """Every learner at once; memory is measured when all have run their cells."""
    n = args.learners
    figures, gate = Figures(), Gate(n)
    learners = [Learner(base, i) for i in range(args.solo, args.solo + n)]
    threads = [
        threading.Thread(
            target=lesson,
            args=(lr, figures, args, answers, gate),
            kwargs={"delay": i * args.ramp / n},
            daemon=True,
        )
        for i, lr in enumerate(learners)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    seen = {"everyone": gate.wait_for_all(args.ramp + args.deadline)}
    seen["kernels"] = kernel_memory(app, workspace_keys(app, args.solo, n))
    seen["available"] = available_mib()
    gate.go.set()
    end = time.monotonic() + args.ramp + args.deadline
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    seen["elapsed"] = time.perf_counter() - start
    for lr in learners:
        if lr.feed:
            lr.feed.stopping.set()
    stuck = sum(t.is_alive() for t in threads)
    seen["problems"] = [lr.feed.error for lr in learners if lr.feed and lr.feed.error]
    seen["problems"] += [f"{stuck} learner(s) still busy at the deadline"] if stuck else []
    return figures, learners, seen


def report_memory(fresh: list[tuple[float, float]], seen: dict) -> None:
    for label, kernels in (
        ("idle pooled kernel (fresh)", fresh),
        ("memory per active kernel", seen["kernels"]),
    ):
        if not kernels:
            print(f"{label:<34} no live kernels to measure")
            continue
        pss, rss = [k[0] for k in kernels], [k[1] for k in kernels]
        print(
            f"{label:<34} PSS mean {statistics.mean(pss):6.1f} MiB (max {max(pss):.1f}), "
            f"RSS mean {statistics.mean(rss):6.1f} MiB; {len(kernels)} kernels, "
            f"{sum(pss):,.0f} MiB PSS in all"
        )
    note = "" if seen["everyone"] else " (not every learner got there before the deadline)"
    print(f"{'machine memory available':<34} {seen['available']:,.0f} MiB with them alive{note}")


if __name__ == "__main__":
    main()

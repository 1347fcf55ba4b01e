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
import http.cookiejar
import json
import logging
import os
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.content import validate  # noqa: E402
from app.content import version as content_version  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import accounts, curriculum_sync  # noqa: E402
from app.services.lab_runs import CellRuns  # noqa: E402

COURSE, LESSON, LAB = "smart-manufacturing-foundations", "smf-calculating-oee", "lab-oee-historian"
LAB_URL = f"/courses/{COURSE}/lessons/{LESSON}/labs/{LAB}"
SETUP_CELL = "setup"
PASSWORD = "bench-learner-password-0451"  # noqa: S105 - throwaway accounts, temp database
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)
HTTP_SECONDS = 60.0


class Failed(Exception):
    """One learner's step went wrong; the message says which and why."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


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
        app.extensions["grading_workers"].stop,
        app.extensions["kernel_culler"].stop,
        app.extensions["lab_runs"].sessions.close,
        app.extensions["lab_runs"].close,
        app.extensions["executor"].pool.close,
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


class Learner:
    def __init__(self, base: str, n: int) -> None:
        self.base = base
        self.number = n
        self.email = f"learner{n}@bench.example.com"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""
        self.revision = 0
        self.after = 0
        self.answers: list[str] = []
        self.feed: EventFeed | None = None
        self.conflicts = 0  # runs refused with 409 "still running" right after a "done"
        self.conflict_seconds = 0.0

    def request(self, path: str, body: dict | bytes | None = None, *, expect: int = 200):
        headers = {"Accept": "application/json"}
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers |= {"Content-Type": "application/json", "X-CSRFToken": self.csrf}
        elif body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(req, timeout=HTTP_SECONDS) as response:
                status, text, url = response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as exc:
            status, text, url = exc.code, exc.read().decode(errors="replace"), exc.url
        except OSError as exc:
            raise Failed(f"{'POST' if body else 'GET'} {path}: {exc!r}") from None
        if status != expect:
            method = "POST" if body else "GET"
            raise Failed(f"{method} {path}: HTTP {status}: {text.strip()[:300]}", status)
        return text, url

    def sign_in(self) -> None:
        page, _ = self.request("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        if token is None:
            raise Failed("login page: no csrf_token field")
        form = urllib.parse.urlencode(
            {"csrf_token": token[1], "email": self.email, "password": PASSWORD}
        )
        _, url = self.request("/login", form.encode())
        if url.rstrip("/").endswith("/login"):
            raise Failed(f"{self.email}: sign-in refused")

    def open_lab(self) -> None:
        page, _ = self.request(LAB_URL)
        space = re.search(r'<div class="workspace" id="workspace"(.*?)>', page, re.S)
        if space is None:
            raise Failed("workspace page: no #workspace element")
        attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', space[1]))
        self.csrf, self.revision = attrs["csrf"], int(attrs["revision"])
        self.after = int(attrs["events-after"])
        self.answers = re.findall(r'data-cell="([^"]+)"[^>]*data-editable="true"', page)
        if not self.answers:
            raise Failed("workspace page: no editable answer cell")

    def save(self, cells: dict[str, str]) -> None:
        text, _ = self.request(f"{LAB_URL}/save", {"revision": self.revision, "cells": cells})
        self.revision = json.loads(text)["revision"]

    def run(self, cell: str, deadline: float) -> float:
        """Run *cell*; return the seconds from POST to its "done" event (Failed unless "ok").

        The server publishes "done" a moment before it lets the workspace run again, so a
        run asked for at once can get 409 "still running": retry, as a learner would, and
        count it (the round trip starts at the POST that was taken).
        """
        refused = time.perf_counter()
        while True:
            start = time.perf_counter()
            try:
                self.request(f"{LAB_URL}/run", {"cells": [cell]}, expect=202)
                break
            except Failed as exc:
                if exc.status != 409 or time.monotonic() > deadline:
                    raise
                self.conflicts += 1
                time.sleep(0.01)
        self.conflict_seconds += start - refused
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failed(f"run {cell}: no 'done' event before the deadline (timed out)")
            try:
                at, event = self.feed.events.get(timeout=min(remaining, 5.0))
            except queue.Empty:
                continue
            if event.get("type") == "reload":
                raise Failed(f"run {cell}: the event stream asked for a reload (events lost)")
            if event.get("type") == "done" and event.get("cell") == cell:
                if event.get("status") != "ok":
                    raise Failed(f"run {cell}: {event.get('status')}: {event.get('message')}")
                return at - start

    def submit(self, deadline: float) -> tuple[float, dict]:
        """Submit; return the seconds from POST to a finished grading, and the last progress."""
        start = time.perf_counter()
        text, _ = self.request(f"{LAB_URL}/submit", {}, expect=201)
        url = json.loads(text)["url"]
        state: dict = {}
        for at, state in sse(self, f"{url}/stream", deadline):
            if state.get("done"):
                return at - start, state
        raise Failed(f"grading {url}: not done before the deadline (last: {state})")


def sse(learner: Learner, path: str, deadline: float, *, after: int = 0, stop=None):
    """Yield (receive time, data) of each event of a Server-Sent Events URL, reconnecting.

    Named events (the kernel status) are skipped. A stream ends after 25 s; the next one
    starts after the last ``id:`` seen, as a browser's EventSource does.
    """
    last = after
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        url = f"{learner.base}{path}?after={last}"
        try:
            response = learner.opener.open(url, timeout=30)
        except OSError as exc:
            raise Failed(f"stream {path}: {exc!r}") from None
        with response:
            name, data = "message", []
            for raw in response:
                line = raw.decode().rstrip("\n")
                if stop and stop.is_set():
                    return
                if line.startswith("id:"):
                    last = int(line[3:].strip())
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line:
                    if data and name == "message":
                        yield time.perf_counter(), json.loads("\n".join(data))
                    name, data = "message", []
                if time.monotonic() > deadline:
                    return


class EventFeed(threading.Thread):
    """The workspace page's open event stream: run events go into a queue as they arrive."""

    def __init__(self, learner: Learner, deadline: float) -> None:
        super().__init__(name=f"feed-{learner.email}", daemon=True)
        self.learner, self.deadline = learner, deadline
        self.events: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        path, after = f"{LAB_URL}/stream", self.learner.after
        try:
            for item in sse(self.learner, path, self.deadline, after=after, stop=self.stopping):
                self.events.put(item)
        except Exception as exc:
            self.error = repr(exc)


# -- what a learner does ---------------------------------------------------------------------


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


def available_mib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    return children


def tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; PSS falls back to RSS if smaps_rollup is unreadable."""
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Pss:", "Rss:")):
                fields[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    fields["Rss"] = int(line.split()[1])
        except OSError:
            return 0, 0
    return fields.get("Pss", fields.get("Rss", 0)), fields.get("Rss", 0)


def kernel_memory(app, keys: set[str]) -> list[tuple[float, float]]:
    """(PSS, RSS) in MiB of each live workspace kernel whose session key is in *keys*."""
    sessions = dict(app.extensions["lab_runs"].sessions.sessions)
    return measure([s.kernel for key, s in sessions.items() if key in keys])


def pooled_memory(app) -> list[tuple[float, float]]:
    """(PSS, RSS) in MiB of each kernel waiting, fresh, in the warm pool."""
    return measure(list(app.extensions["executor"].pool.ready._queue))


def measure(kernels) -> list[tuple[float, float]]:
    children = children_map()
    out = []
    for kernel in kernels:
        process = getattr(kernel.manager.provisioner, "process", None)
        if process is None or process.poll() is not None:
            continue
        pss = rss = 0
        for pid in tree(process.pid, children):  # launcher → bubblewrap → ipykernel
            p, r = memory_kib(pid)
            pss, rss = pss + p, rss + r
        out.append((pss / 1024, rss / 1024))
    return out


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
    executor = app.extensions["executor"]
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
    pool = app.extensions["executor"].pool
    for learner in alone:
        lone = Gate(1)
        lone.go.set()
        # The pool refills after the first run takes a kernel: let it, so the warm runs
        # see an idle server.
        lesson(learner, solo, args, answers, lone, settle=lambda: pool.wait_until_full(120))
        for key in workspace_keys(app, learner.number, 1):
            app.extensions["lab_runs"].sessions.shutdown(key)
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

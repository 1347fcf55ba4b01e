"""Shopfloor under a class's load, embedded and distributed side by side, with Locust.

    .venv/bin/python benchmarks/load.py [--quick] [--modes embedded,distributed] [--out FILE]

For each mode, on a database of its own, the benchmark stands Shopfloor up as it is deployed
and drives it from Locust (benchmarks/locustfile.py) in a separate process over loopback:

- embedded: gunicorn, ONE gthread worker (the kernels live in it), SQLite, LAB_WORKERS
  grading threads in the web process;
- distributed: `scripts/run-distributed.sh --serve-only` (2 gunicorn gthread workers,
  2 kernel hosts, 2 Celery grading workers and beat) on a fresh PostgreSQL database made
  for the run and its own Redis database number (flushed before and after).

Each mode gets the real migrations, the shipped curriculum (`flask curriculum sync`,
`flask labs build`) and learner accounts with signed-in sessions made through the app's own
code (``web.sessions.begin`` in a request context: the login form is rate limited and its
password hashing deliberately slow, and neither is what is measured here). Then:

1. requests per second of a signed-in lesson page and of the learner dashboard, each page
   alone as fast as the server answers (--rps-users users, no think time);
2. the class: --browsers learners reading lessons, --cells learners running cells in their
   lab workspaces, --submits learners submitting the lab within --window seconds, until
   every submission is graded (bounded by --max-seconds): request latency p50/p95/p99 and
   error rate, cell round trip (POST run → the cell's output event on the workspace's event
   stream), grading turnaround (POST submit → "done" on the attempt's event stream) and
   grading throughput; then the database is asked how many submissions were graded, and
   whether any was claimed twice;
3. the baseline: a bare Flask hello-world under the same gunicorn settings, measured like 1.

Prints a table (modes side by side) and writes the figures as JSON (default
benchmarks/results/load-<UTC time>.json). Everything it starts runs in process groups of its
own and is stopped, and the database and Redis cleaned, at the end, on failure and on Ctrl+C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from load_report import TARGET_RATIO, print_table, summarize
from load_seed import USER_AGENT
from load_stack import BIN, ROOT, Distributed, Embedded, Mode, gunicorn, run_checked

SEED = str(Path(__file__).resolve().parent / "load_seed.py")


# -- Locust ----------------------------------------------------------------------------------


def locust(mode: Mode, plan: dict, classes: list[str], users: int, seconds: float, tag: str):
    """Run Locust headless against *mode*'s server; return its samples."""
    plan = plan | {"out": str(mode.tmp / f"samples-{tag}.json")}
    path = mode.tmp / f"plan-{tag}.json"
    path.write_text(json.dumps(plan))
    env = os.environ | {"BENCH_LOAD_CONFIG": str(path), "PYTHONUNBUFFERED": "1"}
    rate = max(1.0, users / max(1.0, plan.get("ramp", 1)))
    argv = [
        str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
        "--host", plan["host"], "-u", str(users), "-r", f"{rate:g}",
        "-t", f"{int(seconds)}s", "--stop-timeout", "2", "--only-summary",
        "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    name = f"locust-{tag}"
    process = mode.stack.start(name, argv, env)
    try:
        process.wait(timeout=seconds + 120)
    except subprocess.TimeoutExpired:
        print(f"  locust {tag} overran its time; stopping it")
    finally:
        mode.stack.stop(name, grace=5)
    try:
        return json.loads(Path(plan["out"]).read_text())
    except (OSError, ValueError):
        raise SystemExit(f"locust {tag} wrote no samples:\n{mode.stack.tail(name)}") from None


def requests_per_second(mode: Mode, plan: dict, path: str, cookies: list[str], tag: str):
    """{rps: requests per second after the warm-up, failed: their share} of *path* alone,
    as fast as it answers."""
    args = mode.args
    plan = plan | {
        "scenario": "throughput",
        "counts": {"browsers": 0, "cells": 0, "submitters": 0, "hammer": args.rps_users},
        "cookies": plan.get("cookies", {}) | {"hammer": cookies},
        "hammer_path": path,
        "ramp": 1,
    }
    warm = min(3.0, args.rps_seconds / 3)
    samples = locust(mode, plan, ["Hammer"], args.rps_users, args.rps_seconds + warm, tag)
    hits = [(at, ok) for at, _ms, ok in samples["hammer"] if at >= warm]
    span = max(at for at, _ in hits) - warm if hits else 0.0
    if not hits or span <= 0:
        figures = {"rps": 0.0, "failed": 1.0}
    else:
        figures = {
            "rps": sum(ok for _, ok in hits) / span,
            "failed": sum(not ok for _, ok in hits) / len(hits),
        }
    print(f"    {tag.removeprefix('rps-'):<10} {figures['rps']:8.1f} req/s "
          f"({figures['failed']:.1%} failed)")  # fmt: skip
    return figures


def warm_up(base: str, plan: dict) -> None:
    """A few signed-in page views, so first-render caches are not timed."""
    cookie = f"{plan['cookie_name']}={plan['cookies']['browsers'][0]}"
    for path in [plan["rps_lesson"], "/dashboard", *plan["lessons"]]:
        request = urllib.request.Request(  # noqa: S310
            base + path, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
        )
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=60):  # noqa: S310
            pass


# -- one mode, start to end -------------------------------------------------------------------


def keep_logs(folder: str, kept: Path) -> None:
    """Copy a mode's working folder (server logs; not its databases) out of its temp dir."""
    ignore = shutil.ignore_patterns("*.sqlite*", "plan*")
    shutil.copytree(folder, kept, ignore=ignore, dirs_exist_ok=True)


def run_mode(mode: Mode) -> dict:
    """Everything for one mode: prepare, serve, requests per second, the class, baseline."""
    started = time.monotonic()
    plan = prepare(mode)
    print(f"  seeded the learners ({time.monotonic() - started:.0f} s)")
    mode.serve()
    mode.ready()
    warm_up(mode.base, plan)
    print(f"  serving ({time.monotonic() - started:.0f} s); requests per second, alone:")
    figures: dict = {"settings": mode.settings(), "rps": {}}
    hammer = plan["cookies"]["browsers"][: mode.args.rps_users]
    for label, path in (("lesson", plan["rps_lesson"]), ("dashboard", "/dashboard")):
        figures["rps"][label] = requests_per_second(mode, plan, path, hammer, f"rps-{label}")
    if not mode.args.rps_only:
        figures |= the_class(mode, plan)
    mode.stack.stop()
    hello = figures["rps"]["hello"] = hello_world(mode, plan)
    for label in ("lesson", "dashboard"):
        rps = figures["rps"][label]["rps"]
        figures["rps"][label]["ratio"] = rps / hello["rps"] if hello["rps"] else 0.0
    figures["seconds"] = time.monotonic() - started
    return figures


def prepare(mode: Mode) -> dict:
    """The database, the curriculum and the signed-in learners; the plan Locust follows."""
    args = mode.args
    mode.create()
    for step in (["db", "upgrade"], ["curriculum", "sync"], ["labs", "build"]):
        run_checked([str(BIN / "flask"), *step], mode.env, f"flask {' '.join(step)}")
    plan_path = mode.tmp / "plan.json"
    accounts = {"browsers": args.browsers, "cells": args.cells, "submitters": args.submits}
    plan_path.write_text(json.dumps({"accounts": accounts, "lab": args.lab}))
    run_checked([str(BIN / "python"), SEED, "seed", str(plan_path)], mode.env, "seeding")
    return json.loads(plan_path.read_text()) | {
        "host": mode.base,
        "user_agent": USER_AGENT,
        "cookie_domain": "127.0.0.1",
        "think": {"browse": args.think_browse, "cell": args.think_cell},
        "wait_seconds": args.max_seconds,
    }


def the_class(mode: Mode, plan: dict) -> dict:
    """Readers, cell runners and submitters at once; their figures and the database's."""
    args = mode.args
    plan = plan | {
        "scenario": "mixed",
        "counts": {"browsers": args.browsers, "cells": args.cells, "submitters": args.submits},
        "submit_window": [args.ramp, args.window],
        "min_seconds": args.min_seconds or args.ramp + args.window + 15,
        "ramp": args.ramp,
    }
    users = args.browsers + args.cells + args.submits
    load = os.getloadavg()[0]
    print(f"  the class: {users} learners (load average {load:.2f}) …")
    classes = ["Browser", "CellRunner", "Submitter"]
    samples = locust(mode, plan, classes, users, args.max_seconds, "class")
    ended = os.getloadavg()[0]
    tally_path = mode.tmp / "tally.json"
    run_checked([str(BIN / "python"), SEED, "tally", str(tally_path)], mode.env, "tally")
    figures = summarize(samples, json.loads(tally_path.read_text()), args)
    return figures | {"loadavg": [load, ended]}


def hello_world(mode: Mode, plan: dict) -> dict:
    """The baseline: a bare Flask app under the mode's gunicorn settings, measured alike."""
    hello = Mode(mode.args, mode.tmp / "hello")
    hello.tmp.mkdir()
    hello.stack = mode.stack
    argv = gunicorn(mode.workers, mode.args.threads, hello.port, "benchmarks.load_hello:app")
    mode.stack.start("hello", argv, hello.env)
    try:
        deadline = time.monotonic() + 60
        while not answers(hello.base + "/"):
            if time.monotonic() > deadline:
                raise SystemExit(f"hello-world did not start:\n{mode.stack.tail('hello')}")
            time.sleep(0.3)
        return requests_per_second(hello, plan | {"host": hello.base}, "/", [], "rps-hello")
    finally:
        mode.stack.stop("hello")


def answers(url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5):  # noqa: S310
        return True
    return False


# -- main -------------------------------------------------------------------------------------


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for development")
    parser.add_argument("--modes", default="embedded,distributed")
    parser.add_argument("--browsers", type=int, default=200)
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--submits", type=int, default=50)
    parser.add_argument("--window", type=float, default=60, help="seconds the submits spread over")
    parser.add_argument("--ramp", type=float, default=10, help="seconds to start every learner")
    parser.add_argument("--min-seconds", type=float, default=None)
    parser.add_argument("--max-seconds", type=float, default=240, help="bound of the class run")
    parser.add_argument("--threads", type=int, default=128, help="gthread threads per worker")
    parser.add_argument("--graders", type=int, default=2, help="embedded LAB_WORKERS")
    parser.add_argument("--think-browse", type=float, nargs=2, default=[2.0, 6.0])
    parser.add_argument("--think-cell", type=float, nargs=2, default=[2.0, 6.0])
    parser.add_argument("--rps-users", type=int, default=16)
    parser.add_argument("--rps-seconds", type=float, default=10)
    parser.add_argument(
        "--rps-only", action="store_true", help="only the pages' requests per second, no class"
    )
    parser.add_argument("--lab", default="lab-modbus-decoding")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.browsers, args.cells, args.submits = 20, 4, 5
        args.window, args.ramp, args.max_seconds = 20, 5, 120
        args.min_seconds = args.min_seconds or 30
        args.rps_users, args.rps_seconds = 8, 5
    return args


@contextlib.contextmanager
def uninterrupted():
    """Ctrl+C and SIGTERM wait while everything is stopped and cleaned."""
    previous = (
        signal.signal(signal.SIGINT, signal.SIG_IGN),
        signal.signal(signal.SIGTERM, signal.SIG_IGN),
    )
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])


def interrupted(*_args) -> None:
    """SIGTERM: stop as Ctrl+C does (the finally blocks stop and clean everything)."""
    raise KeyboardInterrupt


def main(argv: list[str]) -> None:
    args = parse(argv)
    signal.signal(signal.SIGTERM, interrupted)
    when = datetime.now(UTC)
    out = args.out or ROOT / "benchmarks" / "results" / f"load-{when:%Y%m%d-%H%M%S}.json"
    results = {
        "benchmark": "load",
        "when": when.isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg()[0],
        "command": " ".join(["benchmarks/load.py", *argv]),
        "load": {
            "browsers": args.browsers,
            "cells": args.cells,
            "submits": args.submits,
            "submit_window_seconds": args.window,
            "lab": args.lab,
            "think_browse": args.think_browse,
            "think_cell": args.think_cell,
        },
        "target": {"lesson_vs_hello": TARGET_RATIO, "error_rate": 0},
        "modes": {},
    }
    kinds = {"embedded": Embedded, "distributed": Distributed}
    unknown = set(args.modes.split(",")) - set(kinds)
    if unknown:
        raise SystemExit(f"--modes: unknown {', '.join(sorted(unknown))} (embedded, distributed)")
    for name in args.modes.split(","):
        print(f"{name}:")
        with tempfile.TemporaryDirectory(prefix=f"bench-load-{name}-") as folder:
            mode = kinds[name](args, Path(folder))
            kept = out.with_suffix("") / name
            try:
                results["modes"][name] = run_mode(mode)
                failed = results["modes"][name].get("requests", {}).get("failed")
                if failed:  # the servers' logs say why; a clean run keeps none
                    keep_logs(folder, kept)
                    print(f"  {failed} requests failed: the logs are kept in {kept}")
            except SystemExit as exc:
                results["modes"][name] = {"error": str(exc)}
                keep_logs(folder, kept)
                print(f"  {name} failed: {exc}\n  (its logs are kept in {kept})")
            finally:
                with uninterrupted():
                    mode.stack.stop()
                    mode.clean()
    print_table(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        sys.exit("interrupted: everything the benchmark started is stopped and cleaned")

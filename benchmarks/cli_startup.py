"""Start-up of the ``flask`` command: ``flask --help`` in fresh processes.

    .venv/bin/python benchmarks/cli_startup.py [--runs 20] [--args "--help"] [--root DIR]

Every ``flask`` command builds the app before it does anything, so ``flask --help`` is the
floor of every command's start. Each run is a fresh process in the checkout (``--root``,
default this one; another checkout compares before and after), with the app's bytecode
compiled first (``compileall``): where PYTHONDONTWRITEBYTECODE is set, compiling the app's
sources would otherwise be part of every run. The baseline, interleaved with it in the same
run, is ``python -c "import flask"``: Python's start and Flask's own imports, which no change
to the app can remove. Prints min and median of wall time and of CPU time (user + system of
the child, which other work on a busy machine inflates less), and the ratios to the baseline.
Target: ``flask --help`` under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run *argv* to its end; return (wall seconds, CPU seconds of the child)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL)  # noqa: S603 - our own arguments
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, for its rusage
    if child.returncode != 0:
        sys.exit(f"{shlex.join(argv)} exited with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def summary(samples: list[float]) -> tuple[float, float]:
    return min(samples), statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--args", default="--help", help="what follows `flask` (default --help)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to start in")
    args = parser.parse_args()
    root = args.root.resolve()
    python = str(ROOT / ".venv" / "bin" / "python")
    flask = str(ROOT / ".venv" / "bin" / "flask")
    env = dict(os.environ)
    # The app refuses to start without a public address; any will do for --help.
    env.setdefault("SHOPFLOOR_PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    sources = [name for name in ("app", "plcsim", "wsgi.py") if (root / name).exists()]
    compile_sources = [python, "-m", "compileall", "-q", *sources]
    subprocess.run(compile_sources, cwd=root, check=True)  # noqa: S603 - our own arguments

    commands = {
        f"flask {args.args}": [flask, *shlex.split(args.args)],
        "python -c 'import flask'": [python, "-c", "import flask"],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # one unmeasured run each: the disk cache warm
        run_once(argv, root, env)
    for _ in range(args.runs):
        for name, argv in commands.items():
            wall, cpu = run_once(argv, root, env)
            walls[name].append(wall)
            cpus[name].append(cpu)

    print(
        f"{root}: {args.runs} runs each; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(f"{'command':28} {'wall min':>9} {'median':>8} {'CPU min':>9} {'median':>8}")
    for name in commands:
        wall_min, wall_median = summary(walls[name])
        cpu_min, cpu_median = summary(cpus[name])
        print(f"{name:28} {wall_min:9.3f} {wall_median:8.3f} {cpu_min:9.3f} {cpu_median:8.3f}")
    app, base = commands
    for label, samples in (("wall", walls), ("CPU", cpus)):
        ratio = statistics.median(samples[app]) / statistics.median(samples[base])
        print(f"median {label} / baseline: {ratio:5.1f}x")
    verdict = "met" if statistics.median(walls[app]) < 0.5 else "NOT met"
    print(f"target: `flask {args.args}` median wall < 0.5 s: {verdict}")


if __name__ == "__main__":
    main()

"""Grading turnaround: Submit → graded, against the learner's notebook run on its own.

    .venv/bin/python benchmarks/grading_turnaround.py [--lab lab-oee-historian] [--rounds 5]

On a shipped lab, with the real sandbox (bubblewrap kernels, the warm pool of 2) and the
lab engine as `make run` builds it (one grading thread here, so rounds do not overlap),
each round measures, for seeds never seen before:

  (a) the learner's notebook on its own: the graded notebook (their answers, the lab's
      visible and hidden checks) run once on a warm pooled kernel, nothing else: the floor;
  (b) Submit → graded with the reference computed ahead: the learner opened the lab (the
      engine computes its reference for their seed in the background while they work),
      then submits; from storing the submission to the graded row;
  (c) Submit → graded without it: a submit that finds no reference (the engine starts it
      beside the learner's run);
  (d) the old way, for comparison: the reference run first, then the learner's.

Medians over --rounds; ratios against (a). Target: (b)/(a) ≤ 1.3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from flask import current_app  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.domain import grading as judging  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import LabSubmission  # noqa: E402
from app.sandbox.base import REPLY_TAG  # noqa: E402
from app.services import lab_grading, lab_submissions  # noqa: E402


def build_app(workdir: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite'}",
            "SECRET_KEY": "benchmark-" + "x" * 40,
            "INSTANCE_PATH": str(workdir / "instance"),
            "LABS_ROOT": str(ROOT / "labs"),
            "LAB_WORKERS": 1,
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def wait_graded(submission_id: int, deadline: float) -> float:
    """Seconds until the submission is graded (polling the database every 20 ms)."""
    pause = threading.Event()
    while time.monotonic() < deadline:
        with db.engine.connect() as connection:
            status = connection.scalar(
                db.select(LabSubmission.status).where(LabSubmission.id == submission_id)
            )
        if status == "graded":
            return time.monotonic()
        if status == "failed":
            raise RuntimeError(f"submission {submission_id} failed to grade")
        pause.wait(0.02)
    raise TimeoutError(f"submission {submission_id} was not graded in time")


def submit(lab, seed: int, deadline: float) -> float:
    engine = current_app.extensions["lab_engine"]
    started = time.monotonic()
    stored = lab_submissions.store(
        None, lab, nbformat.writes(lab.notebook), seed=seed, now=utcnow()
    )
    db.session.commit()
    engine.submitted(stored.id)
    return wait_graded(stored.id, deadline) - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lab", default="lab-oee-historian")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp))
        engine = app.extensions["lab_engine"]
        with app.app_context():
            lab = engine.lab(args.lab)
            answers = {cell.id: cell.source for cell in lab.cells_with_role("answer")}
            engine.executor.prestart()
            engine.executor.pool.wait_until_full(120)
            engine.start()
            alone, ahead, beside, before = [], [], [], []
            base = 700_000 + os.getpid() % 1000 * 100
            for n in range(args.rounds):
                seed = base + 10 * n
                deadline = time.monotonic() + 600
                # (a) the learner's notebook on its own
                plan = judging.plan(lab, answers, seed=seed, reply_tag=REPLY_TAG)
                t0 = time.monotonic()
                run = engine.executor.run(plan.notebook, engine.executor.limits.merged(lab.limits))
                alone.append(time.monotonic() - t0)
                assert run.status == "completed", run.message
                engine.executor.pool.wait_until_full(120)
                # (b) the reference computed while the learner worked
                engine.opened(lab, seed + 1)
                engine.references.get(lab, seed + 1, timeout=600)  # the learner's working time
                engine.executor.pool.wait_until_full(120)
                ahead.append(submit(lab, seed + 1, deadline))
                engine.executor.pool.wait_until_full(120)
                # (c) no reference yet: it runs beside the learner's notebook
                beside.append(submit(lab, seed + 2, deadline))
                engine.executor.pool.wait_until_full(120)
                # (d) the reference first, then the learner's run (before this change)
                t0 = time.monotonic()
                graded = lab_grading.grade(
                    lab, lab.notebook, seed=seed + 3, executor=engine.executor
                )
                before.append(time.monotonic() - t0)
                assert graded.gradable and graded.grade.total == graded.grade.maximum
                engine.executor.pool.wait_until_full(120)
                print(
                    f"round {n + 1}: alone {alone[-1]:.2f} s, ahead {ahead[-1]:.2f} s, "
                    f"beside {beside[-1]:.2f} s, reference first {before[-1]:.2f} s",
                    flush=True,
                )
            engine.stop()
    a = statistics.median(alone)
    print(f"\nGrading turnaround on {args.lab}, {args.rounds} rounds, medians "
          f"(load average {os.getloadavg()[0]:.2f}):")  # fmt: skip
    rows = [
        ("(a) learner's notebook alone (baseline)", a),
        ("(b) Submit → graded, reference computed ahead", statistics.median(ahead)),
        ("(c) Submit → graded, reference beside the run", statistics.median(beside)),
        ("(d) reference first, then the learner's run", statistics.median(before)),
    ]
    for label, value in rows:
        print(f"  {label:48} {value:6.2f} s   {value / a:4.2f}×")
    print("  target: (b)/(a) ≤ 1.3")


if __name__ == "__main__":
    main()

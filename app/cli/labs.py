"""``flask labs``: run notebooks in the lab sandbox."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app import engine
from app.cli import lab_checks
from app.content import confined
from app.content import labs as lab_files
from app.domain.grading import SubmissionError
from app.errors import Conflict
from app.sandbox import notebooks
from app.sandbox.base import STATUS_TEXT

group = AppGroup("labs", help="Run and grade lab notebooks in the sandbox.")


@group.command("exec")
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Seconds allowed for each cell.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every cell.")
def exec_command(notebook: Path, timeout: float | None, as_json: bool) -> None:
    """Run every code cell of NOTEBOOK in a fresh sandboxed kernel."""
    try:
        parsed = notebooks.read(_read(notebook))
    except notebooks.BadNotebook as exc:
        raise click.ClickException(f"{notebook}: {exc}") from None
    result = engine.current().run_notebook(parsed, cell_seconds=timeout)
    if as_json:
        click.echo(json.dumps(result.as_dict()))
    else:
        _print(result)
    if result.status != "completed":
        if not as_json:
            click.echo(result.message, err=True)
        raise SystemExit(1)


def _print(result) -> None:
    for cell in result.cells:
        click.echo(f"--- cell {cell.index}: {cell.status} ({cell.seconds:.2f} s)")
        if cell.status not in ("ok", "error"):
            click.echo(f"    {STATUS_TEXT[cell.status]}")
        for output in cell.outputs:
            if output.mime:
                click.echo(f"    [{output.mime}, {len(output.data) * 3 // 4:,} bytes]")
            else:
                click.echo("    " + output.text.rstrip().replace("\n", "\n    "))
    ran = sum(1 for c in result.cells if c.status != "skipped")
    click.echo(f"{ran} of {len(result.cells)} code cells ran in {result.seconds:.2f} s.")


def _read(path: Path) -> bytes:
    """A notebook's bytes, read like the content loader reads labs/: no link, no FIFO, capped."""
    try:
        return lab_files.read_notebook(path.parent.resolve(), path.name)
    except confined.Refused as exc:
        raise click.ClickException(f"{path}: {exc.message}") from None


def _load_lab(path: Path) -> lab_files.Lab:
    try:
        return lab_files.parse(notebooks.read(_read(path)))
    except (notebooks.BadNotebook, lab_files.LabError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None


def _sources(root: Path) -> list[Path]:
    """The source notebooks in *root*; a link or special file there stops the command."""
    root = root.resolve()
    try:
        entries = confined.listdir(root)
    except confined.Refused as exc:
        raise click.ClickException(f"{root}: {exc.message}") from None
    for entry in entries:
        if entry.refused and entry.path.suffix == ".ipynb":
            raise click.ClickException(f"{root / entry.path}: {entry.refused.message}")
    return [root / e.path for e in entries if e.kind == "file" and e.path.suffix == ".ipynb"]


@group.command("build")
@click.option(
    "--labs",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of lab source notebooks (default: LABS_ROOT).",
)
def build(root: Path | None) -> None:
    """Write the learner version of every source notebook into LABS/learner/."""
    import nbformat

    root = (root or Path(current_app.config["LABS_ROOT"])).resolve()
    out = root / "learner"  # written into without following a link (refused if it is one)
    sources = _sources(root)
    if not sources:
        click.echo(f"No lab notebooks in {root}.")
        return
    out.mkdir(exist_ok=True)
    for path in sources:
        lab = _load_lab(path)
        try:
            learner = lab_files.learner_version(lab)
        except lab_files.LabError as exc:
            raise click.ClickException(
                f"{path}: refusing to write a learner version: {exc}"
            ) from None
        target = out / f"{lab.id}.ipynb"
        try:
            confined.replace_file(out, target.name, nbformat.writes(learner).encode())
        except confined.Refused as exc:
            raise click.ClickException(f"{target}: {exc.message}") from None
        click.echo(f"{path.name} → {target}")


@group.command("grade")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("submission", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="The learner's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def grade_command(source: Path, submission: Path, seed: int, as_json: bool) -> None:
    """Grade SUBMISSION against the lab SOURCE notebook: total, maximum and every check."""
    lab = _load_lab(source)
    try:
        submitted = notebooks.read(_read(submission))
        graded = engine.current().grade_notebook(lab, submitted, seed=seed)
    except (notebooks.BadNotebook, SubmissionError) as exc:
        raise click.ClickException(f"{submission}: {exc}") from None
    if as_json:
        click.echo(json.dumps(graded.as_dict()))
        if not graded.gradable:
            raise SystemExit(1)
        return
    if not graded.gradable:
        raise click.ClickException(
            f"not graded: {graded.problem or graded.run.message} (nothing was counted)"
        )
    for check in graded.grade.checks:
        mark = "PASS" if check.passed else "FAIL"
        click.echo(
            f"{mark} {check.earned:g}/{check.points:g}  {check.description}: {check.feedback}"
        )
    click.echo(f"Total: {graded.grade.total:g} of {graded.grade.maximum:g}")


@group.command("check")
@click.argument("lab_ids", nargs=-1)
@click.option("--labs", "root", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Check learner seeds 1 to N (make check-labs checks 20).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Kernels at once (default: 2, or 1 on one core). A seed's first grade runs the "
    "reference solution beside it and counts two.",
)
def check_command(root: Path | None, lab_ids: tuple[str, ...], seeds: int, jobs: int | None):
    """For every lab (or LAB_IDS) and seeds 1 to N: the reference solution earns full marks,
    the learner version zero, and each declared pitfall loses points."""
    root = (root or Path(current_app.config["LABS_ROOT"])).resolve()
    labs = [_load_lab(path) for path in _sources(root)]
    if lab_ids:
        unknown = sorted(set(lab_ids) - {lab.id for lab in labs})
        if unknown:
            raise click.ClickException(f"No lab {', '.join(unknown)} in {root}.")
        labs = [lab for lab in labs if lab.id in lab_ids]
    if not labs:
        click.echo(f"No lab notebooks in {root}.")
        return
    lab_engine = engine.current()
    jobs = jobs or min(2, os.cpu_count() or 1)
    started, failures, graded = time.monotonic(), 0, 0

    def grade(lab, notebook, seed):
        return lab_engine.grade_notebook(lab, notebook, seed=seed)

    for report in lab_checks.check_labs(labs, root, range(1, seeds + 1), grade=grade, jobs=jobs):
        click.echo(report.text)
        failures += not report.ok
        graded += report.graded
    checked = "seed 1" if seeds == 1 else f"seeds 1-{seeds}"
    click.echo(
        f"{len(labs)} lab(s), {checked}: {graded} notebooks graded in "
        f"{time.monotonic() - started:.0f} s, at most {max(jobs, 2)} kernels at a time."
    )
    if failures:
        raise click.ClickException(f"{failures} lab(s) failed the check.")


@group.command("worker")
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True)
def worker_command(threads: int) -> None:
    """Grade queued lab submissions until stopped (Ctrl+C), in this process.

    Use it with LAB_WORKERS = 0 in the web app's configuration, to keep grading off the
    web servers; both read the same database.
    """
    from app.engine.workers import GradingWorkers

    workers = GradingWorkers(engine.current().grade_one, threads)
    click.echo(f"Grading lab submissions with {threads} thread(s); Ctrl+C stops.")
    workers.start()
    try:
        workers.stopping.wait()
    except KeyboardInterrupt:
        click.echo("Stopping after the submissions being graded now…")
    finally:
        workers.stop()


@group.command("kernel-host")
@click.option("--name", default=None, help="This host's name (default: the machine's name).")
@click.option(
    "--capacity",
    type=click.IntRange(min=1),
    default=None,
    help="Kernels this host takes before others are preferred (default: LAB_MAX_KERNELS).",
)
def kernel_host_command(name: str | None, capacity: int | None) -> None:
    """Run learners' workspace kernels here for web processes elsewhere, until Ctrl+C.

    Needs LAB_ENGINE=distributed and REDIS_URL; the web tier uses hosts when LAB_KERNELS=hosts.
    """
    import signal
    import socket

    lab_engine = engine.current()
    name = name or socket.gethostname()
    capacity = capacity or int(current_app.config["LAB_MAX_KERNELS"]) or 24
    try:
        host = lab_engine.serve_kernels(name, capacity)
    except Conflict as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Kernel host {name}: up to {capacity} kernels; Ctrl+C stops it.")
    signal.signal(signal.SIGTERM, lambda *_: host.stop())  # systemd stop: leave cleanly
    try:
        host.serve()
    except KeyboardInterrupt:
        click.echo("Stopping: this host's kernels shut down; their learners' code is saved.")
    finally:
        host.stop()
        lab_engine.stop()

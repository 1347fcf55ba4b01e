"""``flask labs``: run notebooks in the lab sandbox."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

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
        parsed = notebooks.read(notebook.read_bytes())
    except notebooks.BadNotebook as exc:
        raise click.ClickException(f"{notebook}: {exc}") from None
    executor = current_app.extensions["executor"]
    limits = executor.limits
    if timeout is not None:
        limits = dataclasses.replace(limits, cell_seconds=timeout)
    result = executor.run(parsed, limits, pooled=False)  # one run: no pool to warm up
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

"""``flask exports rapids|xapi``: the RAPIDS apprentice CSV and xAPI statements, to a file or
standard output (what each holds: README.md, "Exports")."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.database import latest_today
from app.errors import DomainError
from app.services import exports_rapids, exports_xapi, organizations, programs

group = AppGroup("exports", help="Export apprenticeship records (RAPIDS) and xAPI statements.")

ORG = click.option("--org", "slug", help="Only this organization (its slug); default: all.")
OUTPUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)  # fmt: skip


@group.command("rapids")
@ORG
@OUTPUT
def rapids(slug: str | None, output: Path | None) -> None:
    """One CSV row per apprenticeship, in the RAPIDS batch-upload columns."""
    org = _org(slug)
    today = latest_today()
    catalog = programs.catalog(Path(current_app.config["CURRICULUM_ROOT"]))
    found = exports_rapids.rows(org, catalog, today=today)
    count = _write(exports_rapids.csv_lines(found), output, newline="")
    _report(count - 1, "apprenticeships", output)


@group.command("xapi")
@ORG
@click.option("--since", help="Only what happened on or after this date (YYYY-MM-DD).")
@OUTPUT
def xapi(slug: str | None, since: str | None, output: Path | None) -> None:
    """xAPI statements as JSON lines: quiz answers, lab grades, lessons, OJL sign-offs."""
    org = _org(slug)
    try:
        scope = exports_xapi.Scope(org=org, since=exports_xapi.parse_since(since))
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    found = exports_xapi.statements(scope, base_url=current_app.config["PUBLIC_BASE_URL"])
    count = _write(exports_xapi.json_lines(found), output)
    _report(count, "statements", output)


def _org(slug: str | None):
    if not slug:
        return None
    try:
        return organizations.get_by_slug(slug)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None


def _write(lines: Iterable[str], output: Path | None, newline: str | None = None) -> int:
    """Write *lines* to *output* (or standard output); return how many there were."""
    count = 0
    with output.open("w", encoding="utf-8", newline=newline) if output else nullcontext() as out:
        for line in lines:
            count += 1
            if out is None:
                click.echo(line, nl=False)
            else:
                out.write(line)
    return count


def _report(count: int, noun: str, output: Path | None) -> None:
    if output is not None:  # on stdout the message would end up in the file
        click.echo(f"wrote {count} {noun} to {output}")

"""``flask badges``: check and load achievement definitions, and show a learner's progress."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from app.content import validate
from app.content import version as content_version
from app.database import utcnow
from app.errors import NotFound
from app.extensions import db
from app.services import achievements, curriculum_sync, users

group = AppGroup("badges", help="Check and load achievements from badges/.")

ROOT = click.Path(exists=True, file_okay=False, path_type=Path)


def _load(root: Path | None):
    return validate.load_parts(
        Path(current_app.config["CURRICULUM_ROOT"]),
        labs_root=Path(current_app.config["LABS_ROOT"]),
        badges_root=root or Path(current_app.config["BADGES_ROOT"]),
    )


@group.command("validate")
@click.argument("root", type=ROOT, required=False)
def validate_command(root: Path | None) -> None:
    """Check every achievement under ROOT against the curriculum; print file:line:col: CODE."""
    curriculum, problems, badge_problems = _load(root)
    for problem in badge_problems.sorted():
        click.echo(str(problem))
    errors = len(badge_problems.errors)
    click.echo(f"{len(curriculum.achievements)} achievements: {errors} errors", err=True)
    _note_unknown_issuers(curriculum.achievements)
    if problems.errors:
        click.echo(
            f"The curriculum has {len(problems.errors)} errors: see `flask curriculum validate`.",
            err=True,
        )
    if errors or problems.errors:
        raise SystemExit(1)


def _note_unknown_issuers(found) -> None:
    """Organizations live in the database: name issuers that have none yet (not an error)."""
    try:
        missing = achievements.unknown_issuers(slug for a in found for slug in a.issuers)
    except SQLAlchemyError:  # no database yet: the files alone were checked
        db.session.rollback()
        return
    if missing:
        click.echo(
            f"Note: no organization yet for issuer {', '.join(missing)} "
            "(`flask orgs`); their credentials wait until it exists.",
            err=True,
        )


@group.command("sync")
@click.argument("root", type=ROOT, required=False)
@click.option("--dry-run", is_flag=True, help="Show what would change and change nothing.")
def sync_command(root: Path | None, dry_run: bool) -> None:
    """Validate, then load the achievements of ROOT (`flask curriculum sync` loads them too)."""
    curriculum, problems, badge_problems = _load(root)
    errors = problems.errors + badge_problems.errors
    if errors:
        for problem in errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(errors)} errors: nothing was changed.")
    version = content_version.describe(Path(current_app.config["CURRICULUM_ROOT"]).resolve())
    report = curriculum_sync.Report(version)
    achievements.sync_definitions(
        curriculum.achievements, version=version, now=utcnow(), changes=report.of("achievements")
    )
    for line in report.lines():
        click.echo(line)
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing was changed.")
    else:
        db.session.commit()
        click.echo("Synced." if report.changed_anything else "Already up to date.")


@group.command("progress")
@click.argument("email")
def progress_command(email: str) -> None:
    """Show which achievements the learner EMAIL meets, and what the others still need."""
    try:
        user = users.get_by_email(email)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    for standing in achievements.progress_of(user, today=utcnow().date()):
        mark = "met" if standing.met else f"{round(standing.evaluation.progress * 100)} %"
        click.echo(f"{standing.achievement.slug}  {standing.achievement.name}  [{mark}]")
        for result in standing.evaluation.rules:
            click.echo(f"    {'✓' if result.met else '·'} {result.done or result.missing}")
            if result.done and not result.met:
                click.echo(f"      still: {result.missing}")

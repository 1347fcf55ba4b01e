"""``flask mastery recompute``: bring learners' kept mastery states up to date."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.database import utcnow
from app.extensions import db
from app.services import mastery

group = AppGroup("mastery", help="Keep competency mastery up to date.")


@group.command("recompute")
@click.option("--dry-run", is_flag=True, help="Count what would be computed; write nothing.")
def recompute(dry_run: bool) -> None:
    """Recompute every learner's mastery from their evidence and the current rules.

    Run it after `flask curriculum sync` changed a framework's mastery rules, and once after
    upgrading to mastery states. A change of level is recorded as a mastery event.
    """
    learners = mastery.learners_with_evidence()
    pairs = mastery.recompute(learners, now=utcnow())
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would recompute" if dry_run else "recomputed"
    click.echo(f"{verb} {pairs} competencies of {len(learners)} learners")

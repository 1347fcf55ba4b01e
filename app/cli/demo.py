from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.database import utcnow
from app.domain.roles import OrgKind
from app.extensions import db
from app.services import demo, demo_credentials, demo_program


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create demo organizations, one account per role and, once the course is loaded, a demo
    state program with months of learners' work (safe to run again).

    The demo accounts share a published password, so this runs only in development.
    """
    if not (current_app.config["DEV_MODE"] or current_app.testing):
        raise click.ClickException(
            "seed-demo creates accounts with a published password, so it runs only with "
            "SHOPFLOOR_DEV_MODE=true (as `make run` sets)."
        )
    report = demo.seed(now=utcnow())
    root = Path(current_app.config["CURRICULUM_ROOT"])
    enrolled = demo.seed_apprenticeship(curriculum_root=root, today=utcnow().date(), now=utcnow())
    keyed = demo_credentials.seed_issuers(now=utcnow())
    earned = demo_credentials.seed_credential(
        curriculum_root=root, today=utcnow().date(), now=utcnow()
    )
    program = demo_program.seed(
        curriculum_root=root,
        labs_root=Path(current_app.config["LABS_ROOT"]),
        today=utcnow().date(),
        now=utcnow(),
    )
    db.session.commit()
    for slug in keyed:
        click.echo(f"Signing keys created for {slug} (in {current_app.config['KEYS_DIR']}).")
    made = len(report.created_orgs) + len(report.created_users) + enrolled + earned
    click.echo(f"Demo data: {made} records created." if made else "Demo data already present.")
    if program is not None:
        click.echo(
            f"Demo state program: {program.organizations} organizations, {program.learners} "
            f"learners in {len(demo_program.COHORTS)} cohorts, {program.credentials} "
            "credentials earned."
        )
    click.echo(f"\nDemo accounts (password for all: {demo.DEMO_PASSWORD}):")
    for user in demo.demo_accounts() + demo_program.staff_accounts():
        org = user.organization.name if user.organization else "no organization"
        staff = user.organization is not None and user.organization.kind is OrgKind.PROGRAM_OPERATOR
        title = "Program staff" if staff else user.role.label
        click.echo(f"  {title:<15} {user.email:<32} {org}")

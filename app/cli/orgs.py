from __future__ import annotations

import click
from flask.cli import AppGroup

from app.database import utcnow
from app.domain.roles import OrgKind
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.services import organizations

from .params import ORG_KIND, fail

group = AppGroup("orgs", help="Create and list organizations.")


@group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name, e.g. 'Cuyahoga Community College'.")
@click.option("--kind", type=ORG_KIND, required=True, help="training_partner, employer, ...")
@click.option("--location", default="", help="City and state, e.g. 'Cleveland, OH'.")
@click.option("--description", default="", help="One or two sentences.")
def create(slug: str, name: str, kind: OrgKind, location: str, description: str) -> None:
    """Create an organization identified by SLUG."""
    new = organizations.NewOrganization(slug, name, kind, location, description)
    try:
        org = organizations.create(new, now=utcnow())
    except (InvalidInput, Conflict) as exc:
        raise fail(exc) from None
    db.session.commit()
    click.echo(f"Created {org.kind.label.lower()} {org.name} ({org.slug}).")


@group.command("list")
def list_() -> None:
    """List organizations with their member counts."""
    counts = organizations.member_counts()
    found = organizations.list_all()
    if not found:
        click.echo("No organizations yet.")
    for org in found:
        click.echo(f"{org.slug:<24} {org.kind.value:<18} {counts.get(org.id, 0):>5}  {org.name}")

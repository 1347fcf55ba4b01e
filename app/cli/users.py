from __future__ import annotations

import click
from flask.cli import AppGroup

from app.domain.roles import Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.database import utcnow
from app.services import accounts, organizations
from app.services import users as user_service

from .params import ROLE, fail

group = AppGroup("users", help="Create and list user accounts.")


@group.command("create")
@click.argument("email")
@click.option("--role", type=ROLE, default=Role.APPRENTICE.value, show_default=True)
@click.option("--org", "org_slug", help="Slug of the organization the user belongs to.")
@click.option("--name", help="Full name (default: the part of EMAIL before the @).")
@click.password_option(
    "--password", envvar="SHOPFLOOR_NEW_PASSWORD", help="Prompted for when not given."
)
def create(email: str, role: Role, org_slug: str | None, name: str | None, password: str) -> None:
    """Create an account for EMAIL with a role and, optionally, an organization."""
    try:
        org = organizations.get_by_slug(org_slug) if org_slug else None
        new = accounts.NewAccount(email, name or email.split("@")[0], password, role, org)
        user = accounts.register(new, now=utcnow())
    except (InvalidInput, Conflict, NotFound) as exc:
        raise fail(exc) from None
    db.session.commit()
    where = f" at {org.name}" if org else ""
    click.echo(f"Created {user.email} as {role.label}{where}.")


@group.command("list")
@click.option("--role", type=ROLE, help="Only users with this role.")
@click.option("--org", "org_slug", help="Only members of this organization.")
def list_(role: Role | None, org_slug: str | None) -> None:
    """List accounts, newest first."""
    try:
        org = organizations.get_by_slug(org_slug) if org_slug else None
    except NotFound as exc:
        raise fail(exc) from None
    found = user_service.list_users(role=role, org=org)
    if not found:
        click.echo("No users match.")
        return
    for user in found:
        state = "" if user.is_active else "  (deactivated)"
        org_slug_text = user.organization.slug if user.organization else "-"
        click.echo(f"{user.email:<40} {user.role.value:<15} {org_slug_text:<24} {user.name}{state}")

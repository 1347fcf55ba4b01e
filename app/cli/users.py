from __future__ import annotations

import click
from flask.cli import AppGroup

from app.database import utcnow
from app.domain.roles import Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.services import accounts, memberships, organizations
from app.services import users as user_service

from .params import ROLE, fail

group = AppGroup("users", help="Create, list and administer user accounts.")


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


@group.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE)
@click.option("--org", "org_slug", help="Organization slug (default: their primary one).")
@click.option("--no-org", is_flag=True, help="End their membership of their primary organization.")
def set_role(email: str, role: Role, org_slug: str | None, no_org: bool) -> None:
    """Give the account EMAIL a role in an organization (other memberships stay), or, with
    --no-org, take them out of their primary organization."""
    try:
        user = user_service.get_by_email(email)
        if no_org and user.organization is not None:
            primary = memberships.find(user, user.organization)
            memberships.deactivate(primary, actor=None, now=utcnow(), note="flask users set-role")
        org = (
            None
            if no_org
            else (organizations.get_by_slug(org_slug) if org_slug else user.organization)
        )
        user_service.assign(user, role=role, org=org, now=utcnow())
    except (NotFound, InvalidInput, Conflict) as exc:
        db.session.rollback()
        raise fail(exc) from None
    db.session.commit()
    where = f" at {user.organization.name}" if user.organization else ""
    click.echo(f"{user.email} is now {role.label}{where}.")


@group.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Stop EMAIL from signing in, and sign it out everywhere. Its records are kept."""
    _set_active(email, active=False)


@group.command("activate")
@click.argument("email")
def activate(email: str) -> None:
    """Let a deactivated account sign in again."""
    _set_active(email, active=True)


def _set_active(email: str, *, active: bool) -> None:
    try:
        user = user_service.get_by_email(email)
    except NotFound as exc:
        raise fail(exc) from None
    user_service.set_active(user, active)
    db.session.commit()
    click.echo(f"{user.email} is {'active' if active else 'deactivated'}.")


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

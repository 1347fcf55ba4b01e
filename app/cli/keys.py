"""``flask keys``: issuing organisations' signing keys and DID documents.

Nothing here prints private material: only key ids, dates, statuses and public keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from app.database import utcnow
from app.errors import Conflict, NotFound
from app.services import keys, organizations

group = AppGroup("keys", help="Signing keys and did:web documents of issuing organizations.")

ORG = click.argument("org", required=False)
PLATFORM = click.option(
    "--platform", is_flag=True, help="The platform's own keys (served at /.well-known/did.json)."
)
DRY_RUN = click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")


@contextmanager
def _reported() -> Iterator[None]:
    """Print service errors as one line (exit 1) instead of a traceback."""
    try:
        yield
    except (NotFound, Conflict, keys.KeyStoreError) as exc:
        raise click.ClickException(str(exc)) from None


def _holder(org: str | None, platform: bool):
    """The organization named ORG, or None for --platform."""
    if bool(org) == platform:
        raise click.UsageError("Name an organization by its slug, or give --platform (not both).")
    if platform:
        return None
    with _reported():
        return organizations.get_by_slug(org)


def _name(holder) -> str:
    return "the platform" if holder is None else holder.slug


def _hint(holder) -> str:
    return "--platform" if holder is None else holder.slug


@group.command("generate")
@ORG
@PLATFORM
@click.option(
    "--force",
    is_flag=True,
    help="Set existing keys aside and start again: credentials they signed stop verifying "
    "(for a compromised key). Without it, existing keys are left alone.",
)
@DRY_RUN
def generate(org: str | None, platform: bool, force: bool, dry_run: bool) -> None:
    """Create the first signing key of ORG (an organization's slug)."""
    holder = _holder(org, platform)
    with _reported():
        existing = keys.list_keys(holder)
        if existing and not force:
            click.echo(
                f"{_name(holder)} already has {len(existing)} key(s); nothing changed. "
                f"`flask keys rotate {_hint(holder)}` adds a new active key."
            )
            return
        if dry_run:
            aside = f", setting its {len(existing)} key(s) aside" if existing else ""
            click.echo(f"Would generate a key for {_name(holder)}{aside}.")
            return
        record = keys.generate(holder, now=utcnow(), force=force)
        click.echo(f"Generated key {record.id} for {_name(holder)}.")
        click.echo(f"Verification method: {keys.did_for(holder)}#{record.id}")


@group.command("rotate")
@ORG
@PLATFORM
@DRY_RUN
def rotate(org: str | None, platform: bool, dry_run: bool) -> None:
    """Give ORG a new active key; the old one is retired but stays published, so the
    credentials it signed keep verifying."""
    holder = _holder(org, platform)
    with _reported():
        active = next((r for r in keys.list_keys(holder) if r.status == keys.ACTIVE), None)
        if dry_run:
            if active is None:
                raise NotFound(f"{_name(holder)} has no keys to rotate.")
            click.echo(f"Would retire {active.id} and generate a new key for {_name(holder)}.")
            return
        record = keys.rotate(holder, now=utcnow())
        if active is not None:
            click.echo(f"Retired {active.id} (still published).")
        click.echo(f"Generated key {record.id} for {_name(holder)}; it signs from now on.")


@group.command("list")
@ORG
@PLATFORM
def list_(org: str | None, platform: bool) -> None:
    """List the keys of ORG, or of every organization that has keys."""
    holders = [_holder(org, platform)] if org or platform else None
    with _reported():
        holders = keys.holders() if holders is None else holders
        if not holders:
            click.echo("No keys yet: `flask keys generate ORG` creates an organization's first.")
        for holder in holders:
            click.echo(f"{_name(holder)}  {keys.did_for(holder)}")
            records = keys.list_keys(holder)
            if not records:
                click.echo(f"  no keys: `flask keys generate {_hint(holder)}` creates one")
            for record in records:
                data = record.as_json()
                retired = f"  retired {data['retired']}" if "retired" in data else ""
                click.echo(f"  {record.id}  {record.status:<7}  created {data['created']}{retired}")


@group.command("export-public")
@ORG
@PLATFORM
def export_public(org: str | None, platform: bool) -> None:
    """Print ORG's DID document (public keys only), as its did.json URL serves it."""
    holder = _holder(org, platform)
    with _reported():
        click.echo(json.dumps(keys.did_document(holder), indent=2))

"""``flask credentials``: verify any Open Badges 3.0 credential; issue, revoke, suspend and
reinstate Shopfloor's own; catch up on credentials learners have earned."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup

from app.database import utcnow
from app.errors import DomainError
from app.extensions import db
from app.services import accounts, achievements, awards, credentials, organizations, verification
from app.services.keys import KeyStoreError

group = AppGroup("credentials", help="Verify, issue, revoke and list credentials.")

REASON = click.option("--reason", required=True, help="Why: recorded and shown to the learner.")
MAX_FILE = 8 * 1024 * 1024  # a baked PNG can be large; the verifier bounds the JSON itself


@contextmanager
def _reported() -> Iterator[None]:
    """Service errors as one line (exit 1), the transaction committed only on success."""
    try:
        yield
        db.session.commit()
    except (DomainError, KeyStoreError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None


def _user(email: str):
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


def _achievement(slug: str):
    try:
        return achievements.get(slug)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None


@group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(file: str, as_json: bool) -> None:
    """Verify FILE (JSON, or a baked PNG or SVG; - reads standard input).

    Prints every check and exits 0 whether or not the credential verified; only a file that
    cannot be read exits 1.
    """
    try:
        if file == "-":
            data = sys.stdin.buffer.read(MAX_FILE + 1)
        else:
            with Path(file).open("rb") as handle:
                data = handle.read(MAX_FILE + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None
    if len(data) > MAX_FILE:
        report = {
            "verified": False,
            "checks": [{"name": "json", "passed": False, "message": "the file is over 8 MB"}],
        }
    else:
        report = verification.verify(data, now=utcnow())
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo("VERIFIED" if report["verified"] else "NOT VERIFIED")
    for check in report["checks"]:
        mark = "✓" if check["passed"] else "✗"
        click.echo(f"  {mark} {check['name']:<12} {check['message']}")


@group.command("issue")
@click.argument("email")
@click.argument("achievement")
@click.option("--issuer", "issuer_slug", help="The issuing organization (default: the learner's).")
def issue(email: str, achievement: str, issuer_slug: str | None) -> None:
    """Issue ACHIEVEMENT (its id) to the learner EMAIL, if they meet its criteria.

    Achievements that need an instructor's approval are queued for it.
    """
    user, row = _user(email), _achievement(achievement)
    with _reported():
        standing = next(s for s in achievements.progress_of(user, today=utcnow().date())
                        if s.achievement.id == row.id)  # fmt: skip
        if not standing.met:
            missing = "; ".join(standing.evaluation.missing)
            raise click.ClickException(f"{user.email} does not meet {row.slug} yet: {missing}.")
        issuer = (
            organizations.get_by_slug(issuer_slug)
            if issuer_slug
            else credentials.issuer_for(user, row)
        )
        if issuer is None:
            raise click.ClickException(
                f"None of {user.email}'s organizations issues {row.slug}: give --issuer."
            )
        found = credentials.award(
            user, row, issuer=issuer, evidence=credentials.evidence_of(standing.evaluation),
            now=utcnow(),
        )  # fmt: skip
    word = "queued for an instructor's approval" if found.state != "issued" else "issued"
    click.echo(f"{row.slug} {word} for {user.email} by {issuer.slug}: {found.public_id}")


def _credential(public_id: str):
    with _reported():
        return credentials.get(public_id)


@group.command("revoke")
@click.argument("credential_id")
@REASON
def revoke(credential_id: str, reason: str) -> None:
    """Revoke CREDENTIAL_ID for good (its status bit is set and published)."""
    found = _credential(credential_id)
    with _reported():
        credentials.revoke(found, None, reason=reason, now=utcnow())
    click.echo(f"Revoked {credential_id}. Verifiers see it within 5 minutes (status list TTL).")


@group.command("suspend")
@click.argument("credential_id")
@REASON
def suspend(credential_id: str, reason: str) -> None:
    """Suspend CREDENTIAL_ID until it is reinstated."""
    found = _credential(credential_id)
    with _reported():
        credentials.suspend(found, None, reason=reason, now=utcnow())
    click.echo(f"Suspended {credential_id}.")


@group.command("reinstate")
@click.argument("credential_id")
@REASON
def reinstate(credential_id: str, reason: str) -> None:
    """Lift the suspension of CREDENTIAL_ID."""
    found = _credential(credential_id)
    with _reported():
        credentials.reinstate(found, None, reason=reason, now=utcnow())
    click.echo(f"Reinstated {credential_id}.")


@group.command("award-due")
@click.argument("emails", nargs=-1)
@click.option("--all", "everyone", is_flag=True, help="Every active learner.")
def award_due(emails: tuple[str, ...], everyone: bool) -> None:
    """Issue what learners have earned and do not hold yet (after new rules or new keys)."""
    if bool(emails) == everyone:
        raise click.UsageError("Name learners by email, or give --all (not both).")
    users = awards.active_users() if everyone else [_user(email) for email in emails]
    issued = queued = waiting = 0
    for user in users:
        with _reported():
            outcome = awards.award_due(user, now=utcnow(), today=utcnow().date())
        for found in outcome.awarded:
            state = "issued" if found.state == "issued" else "awaiting approval"
            click.echo(f"{user.email}: {found.achievement.slug} {state}")
        issued += sum(1 for c in outcome.awarded if c.state == "issued")
        queued += sum(1 for c in outcome.awarded if c.state != "issued")
        for name, why in outcome.waiting:
            click.echo(f"{user.email}: {name} met but not issued: {why}")
        waiting += len(outcome.waiting)
    click.echo(f"{len(users)} learner(s): {issued} issued, {queued} awaiting approval, "
               f"{waiting} met but waiting for an issuer.")  # fmt: skip


@group.command("list")
@click.option("--user", "email", help="One learner's credentials.")
@click.option("--issuer", "issuer_slug", help="What one organization issued.")
def list_(email: str | None, issuer_slug: str | None) -> None:
    """List credentials: id, standing, achievement, learner, issuer."""
    if bool(email) == bool(issuer_slug):
        raise click.UsageError("Give --user EMAIL or --issuer SLUG.")
    with _reported():
        if email:
            rows = credentials.of_user(_user(email).id)
        else:
            rows = credentials.issued_by(organizations.get_by_slug(issuer_slug).id)
    now = utcnow()
    for row in rows:
        issuer = row.issuer.slug if row.issuer else "platform"
        click.echo(f"{row.public_id}  {credentials.standing(row, now=now):<17} "
                   f"{row.achievement.slug:<34} {row.user.email}  {issuer}")  # fmt: skip
    if not rows:
        click.echo("No credentials.")


@group.command("show")
@click.argument("credential_id")
def show(credential_id: str) -> None:
    """Print the signed JSON of CREDENTIAL_ID."""
    found = _credential(credential_id)
    if found.document is None:
        raise click.ClickException(f"{credential_id} is {found.state}: nothing is signed yet.")
    click.echo(json.dumps(found.document, indent=2, ensure_ascii=False))

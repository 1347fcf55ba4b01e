"""`flask keys generate|rotate|list|export-public`: never a byte of private material out."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.extensions import db
from tests import factories


@pytest.fixture
def orgs(app):
    with app.app_context():
        factories.make_org(slug="acme")
        factories.make_org(slug="tri-c")
        db.session.commit()


def run(runner, *args):
    return runner.invoke(args=["keys", *args])


def secrets(app) -> list[str]:
    """Every private key on disk (secret Multikeys), to look for in the commands' output."""
    root = Path(app.config["KEYS_DIR"])
    return [path.read_text().strip() for path in root.rglob("*.secret")]


def test_generate_rotate_list_export(app, runner, orgs):
    generated = run(runner, "generate", "acme")
    assert generated.exit_code == 0, generated.output
    assert "Generated key z6Mk" in generated.output
    assert "did:web:localhost:orgs:acme#z6Mk" in generated.output
    folder = Path(app.config["KEYS_DIR"]) / "acme"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())

    rotated = run(runner, "rotate", "acme")
    assert rotated.exit_code == 0 and "Retired z6Mk" in rotated.output
    assert run(runner, "generate", "--platform").exit_code == 0

    listed = run(runner, "list").output
    assert listed.splitlines()[0] == "the platform  did:web:localhost"
    assert "acme  did:web:localhost:orgs:acme" in listed
    assert listed.count(" retired  created") == 1 and listed.count(" active   created") == 2
    assert "tri-c" not in listed  # no keys

    exported = json.loads(run(runner, "export-public", "acme").output)
    assert exported["id"] == "did:web:localhost:orgs:acme"
    assert len(exported["verificationMethod"]) == 2

    outputs = generated.output + rotated.output + listed + json.dumps(exported)
    outputs += (
        run(runner, "list", "acme").output + run(runner, "export-public", "--platform").output
    )
    found = secrets(app)
    assert len(found) == 3
    assert not any(secret in outputs or secret[1:20] in outputs for secret in found)


def test_generate_is_idempotent_and_force_starts_again(app, runner, orgs):
    first = run(runner, "generate", "acme")
    again = run(runner, "generate", "acme")
    assert again.exit_code == 0 and "already has 1 key(s); nothing changed" in again.output
    dry = run(runner, "generate", "acme", "--force", "--dry-run")
    assert "Would generate a key for acme, setting its 1 key(s) aside." in dry.output
    forced = run(runner, "generate", "acme", "--force")
    assert forced.exit_code == 0
    old_id = first.output.split()[2]
    assert old_id not in run(runner, "export-public", "acme").output


def test_dry_runs_write_nothing(app, runner, orgs):
    assert "Would generate a key for acme." in run(runner, "generate", "acme", "--dry-run").output
    assert not (Path(app.config["KEYS_DIR"]) / "acme").exists()
    run(runner, "generate", "acme")
    before = run(runner, "list", "acme").output
    assert "Would retire z6Mk" in run(runner, "rotate", "acme", "--dry-run").output
    assert run(runner, "list", "acme").output == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate", "nobody"), "No organization called 'nobody'."),
        (("rotate", "acme"), "has no keys to rotate: run `flask keys generate acme`"),
        (("rotate", "acme", "--dry-run"), "acme has no keys to rotate"),
        (("export-public", "acme"), "has no keys: run `flask keys generate acme`"),
        (("export-public", "--platform"), "has no keys: run `flask keys generate --platform`"),
        (("list", "nobody"), "No organization called 'nobody'."),
    ],
)
def test_clear_errors_for_unknown_orgs_and_missing_keys(runner, orgs, args, message):
    result = run(runner, *args)
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [("generate",), ("generate", "acme", "--platform")])
def test_an_organization_or_the_platform_is_required(runner, orgs, args):
    result = run(runner, *args)
    assert result.exit_code == 2 and "or give --platform" in result.output


def test_list_without_keys_says_how_to_start(runner, orgs):
    assert "No keys yet" in run(runner, "list").output
    assert "no keys: `flask keys generate tri-c`" in run(runner, "list", "tri-c").output


def test_unsafe_key_file_is_reported_without_a_traceback(app, runner, orgs):
    run(runner, "generate", "acme")
    secret = next((Path(app.config["KEYS_DIR"]) / "acme").glob("*.secret"))
    secret.chmod(0o644)
    with app.app_context():
        from app.services import keys

        with pytest.raises(keys.KeyStoreError, match="too open"):
            keys.signing_key(keys.organizations.get_by_slug("acme"))
    # Listing and exporting read public material only, so they still work.
    assert run(runner, "export-public", "acme").exit_code == 0

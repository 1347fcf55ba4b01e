"""Signing keys in files (modes, refusing readable ones, rotation); local did:web identities."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.credentials import keys as multikeys
from app.credentials.exceptions import KeyResolutionError
from app.errors import Conflict, NotFound
from app.extensions import db
from app.services import keys
from tests import factories

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=400)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def ring(tmp_path):
    return keys.Keyring(tmp_path / "keys", "acme")


def test_generate_writes_private_files_0600_in_folders_0700(ring, tmp_path):
    record = ring.generate(now=NOW)
    secret = ring.path / f"{record.id}.secret"
    assert mode(tmp_path / "keys") == 0o700 and mode(ring.path) == 0o700
    assert mode(secret) == 0o600 and mode(ring.path / "keyring.json") == 0o600
    assert sorted(p.name for p in ring.path.iterdir()) == sorted(["keyring.json", secret.name])
    listed = json.loads((ring.path / "keyring.json").read_text())["keys"]
    assert listed == [
        {
            "id": record.id,
            "created": "2026-12-06T09:30:00Z",
            "status": "active",
            "publicKeyMultibase": record.id,
        }
    ]
    assert "z3u2" not in (ring.path / "keyring.json").read_text()  # no secret Multikey in it
    key = ring.private_key(record)
    assert multikeys.public_key_multibase(key.public_key()) == record.public_key_multibase
    assert record.id.startswith("z6Mk")


@pytest.mark.parametrize("loose", [0o640, 0o644, 0o604, 0o660, 0o602])
def test_private_key_readable_or_writable_by_others_is_refused(ring, loose):
    """Like ssh: a key others can read may already be someone else's; it is not used."""
    record = ring.generate(now=NOW)
    secret = ring.path / f"{record.id}.secret"
    secret.chmod(loose)
    with pytest.raises(keys.KeyStoreError, match=f"Permissions {loose:04o} .* too open") as exc:
        ring.private_key(record)
    assert f"chmod 600 {secret}" in str(exc.value)
    secret.chmod(0o400)  # read-only for the owner is fine
    assert ring.private_key(record)


def test_missing_or_foreign_private_key_is_a_clear_error(ring):
    record = ring.generate(now=NOW)
    secret = ring.path / f"{record.id}.secret"
    other = multikeys.secret_key_multibase(Ed25519PrivateKey.generate())
    secret.write_text(other)
    with pytest.raises(keys.KeyStoreError, match="does not hold the key"):
        ring.private_key(record)
    secret.write_text("not a key")
    with pytest.raises(keys.KeyStoreError, match="no Ed25519 secret Multikey"):
        ring.private_key(record)
    secret.unlink()
    with pytest.raises(keys.KeyStoreError, match="is missing"):
        ring.private_key(record)


def test_damaged_keyring_is_reported(ring):
    ring.generate(now=NOW)
    (ring.path / "keyring.json").write_text('{"keys": [{"id": "../../etc/passwd"}]}')
    with pytest.raises(keys.KeyStoreError, match="damaged"):
        ring.records()


def test_rotate_retires_the_active_key_and_keeps_it_published(ring):
    first = ring.generate(now=NOW)
    second = ring.rotate(now=LATER)
    third = ring.rotate(now=LATER + timedelta(days=1))
    records = ring.records()
    assert [r.id for r in records] == [first.id, second.id, third.id]
    assert [r.status for r in records] == ["retired", "retired", "active"]
    assert records[0].retired == LATER and records[1].retired == LATER + timedelta(days=1)
    assert ring.active() == third
    assert list(ring.public_keys()) == [first.id, second.id, third.id]
    assert ring.private_key(records[0])  # old secrets are kept too


def test_generate_twice_needs_force_which_sets_old_keys_aside(ring, tmp_path):
    first = ring.generate(now=NOW)
    with pytest.raises(Conflict):
        ring.generate(now=NOW)
    fresh = ring.generate(now=LATER, force=True)
    assert [r.id for r in ring.records()] == [fresh.id] and fresh.id != first.id
    aside = tmp_path / "keys" / "acme.discarded-20280110T093000Z"
    assert (aside / f"{first.id}.secret").is_file()


def test_rotate_without_keys_is_not_found(ring):
    with pytest.raises(NotFound):
        ring.rotate(now=NOW)


def test_keys_dir_defaults_to_the_instance_folder_and_comes_from_the_environment(
    make_app, tmp_path, monkeypatch
):
    assert make_app().config["KEYS_DIR"] == str(tmp_path / "instance" / "keys")
    monkeypatch.setenv("SHOPFLOOR_KEYS_DIR", str(tmp_path / "elsewhere"))
    assert make_app().config["KEYS_DIR"] == str(tmp_path / "elsewhere")


@pytest.mark.parametrize(
    ("base", "platform", "org", "document"),
    [
        (
            "http://localhost",
            "did:web:localhost",
            "did:web:localhost:orgs:acme",
            "https://localhost/orgs/acme/did.json",
        ),
        (
            "https://learn.example.org:8443",
            "did:web:learn.example.org%3A8443",
            "did:web:learn.example.org%3A8443:orgs:acme",
            "https://learn.example.org:8443/orgs/acme/did.json",
        ),
        (
            "https://learn.example.org/shop/floor",
            "did:web:learn.example.org:shop:floor",
            "did:web:learn.example.org:shop:floor:orgs:acme",
            "https://learn.example.org/shop/floor/orgs/acme/did.json",
        ),
    ],
)
def test_did_for_follows_public_base_url(make_app, base, platform, org, document):
    """A port is percent-encoded; a base path becomes more colon segments."""
    app = make_app(PUBLIC_BASE_URL=base)
    with app.app_context():
        acme = factories.make_org(slug="acme")
        assert keys.platform_did() == keys.did_for(None) == platform
        assert keys.did_for(acme) == org
        assert multikeys.did_web_url(org) == document
        assert keys.is_local(f"{org}#z6Mk") and not keys.is_local("did:web:other.example")


def test_signing_key_is_the_active_one_and_public_keys_list_all(ctx):
    acme = factories.make_org(slug="acme")
    db.session.commit()
    with pytest.raises(NotFound, match="flask keys generate acme"):
        keys.signing_key(acme)
    first = keys.generate(acme, now=NOW)
    second = keys.rotate(acme, now=LATER)
    method, private = keys.signing_key(acme)
    assert method == f"did:web:localhost:orgs:acme#{second.id}"
    assert multikeys.public_key_multibase(private.public_key()) == second.id
    assert list(keys.public_keys(acme)) == [
        f"did:web:localhost:orgs:acme#{first.id}",
        f"did:web:localhost:orgs:acme#{second.id}",
    ]


def test_resolve_local_dids_and_key_urls_without_the_network(ctx):
    acme = factories.make_org(slug="acme")
    factories.make_org(slug="keyless")
    db.session.commit()
    record = keys.generate(acme, now=NOW)
    did = keys.did_for(acme)
    document = keys.resolve(did)
    assert document == multikeys.did_document(did, keys.keyring(acme).public_keys())
    method = keys.resolve(f"{did}#{record.id}")
    assert method == {
        "id": f"{did}#{record.id}",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": record.id,
    }
    for unknown in (
        f"{did}#z6MkNotOurs",
        "did:web:localhost:orgs:keyless",
        "did:web:localhost:orgs:nobody",
        "did:web:localhost:orgs:../x",
        "did:web:elsewhere.example:orgs:acme",
        "did:web:localhost",  # the platform has no key yet
    ):
        with pytest.raises(NotFound):
            keys.resolve(unknown)


def test_local_fetcher_serves_our_documents_and_passes_on_the_rest(ctx):
    acme = factories.make_org(slug="acme")
    db.session.commit()
    keys.generate(acme, now=NOW)
    keys.generate(None, now=NOW)
    fetch = keys.local_fetcher()
    assert fetch("https://localhost/orgs/acme/did.json")["id"] == "did:web:localhost:orgs:acme"
    assert fetch("https://localhost/.well-known/did.json")["id"] == "did:web:localhost"
    with pytest.raises(KeyResolutionError, match="no DID document|no keys|No organization"):
        fetch("https://localhost/orgs/nobody/did.json")
    with pytest.raises(KeyResolutionError, match="not a document of this Shopfloor"):
        fetch("https://elsewhere.example/.well-known/did.json")
    passed = keys.local_fetcher(lambda url: {"fetched": url})
    assert passed("https://elsewhere.example/did.json") == {
        "fetched": "https://elsewhere.example/did.json"
    }


def test_holders_are_the_platform_then_organizations_with_keys(ctx, app):
    acme, zeta = factories.make_org(slug="acme"), factories.make_org(slug="zeta")
    factories.make_org(slug="keyless")
    db.session.commit()
    assert keys.holders() == []
    keys.generate(zeta, now=NOW)
    keys.generate(acme, now=NOW)
    keys.generate(None, now=NOW)
    keys.Keyring(keys.keyring(None).root, "gone").generate(now=NOW)  # no such organization
    assert keys.holders() == [None, acme, zeta]

"""Issuing organisations' Ed25519 signing keys, kept in files, and their did:web identities.

Private keys never go into the database. They live under KEYS_DIR (default instance/keys):

    keys/                        0700
      <org-slug>/                0700  one folder per issuing organisation
        keyring.json             0600  its keys: id, created, status, publicKeyMultibase
        <key id>.secret          0600  the secretKeyMultibase (0x8026 + seed) of one key
      _platform/                 0700  the platform's own keys (`flask keys generate --platform`)

A key's id is its publicKeyMultibase (``z6Mk…``), which is also the fragment of its
verification method: unique without coordination, and it names the key it stands for.
Exactly one key is active (it signs); rotated keys are retired but stay published, so the
credentials they signed keep verifying.

Identity: each organisation is ``did:web:<host>[:<base path>]:orgs:<slug>``, whose document
Shopfloor serves at ``<PUBLIC_BASE_URL>/orgs/<slug>/did.json`` (web/did.py); the platform is
``did:web:<host>[:<base path>]``. Functions taking ``org`` read ``None`` as the platform.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app

from app.credentials import keys as multikeys
from app.credentials.exceptions import KeyResolutionError
from app.errors import Conflict, NotFound
from app.models import Organization
from app.services import organizations

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

logger = logging.getLogger(__name__)

ACTIVE, RETIRED = "active", "retired"
PLATFORM = "_platform"  # never an organisation slug (those are [a-z0-9-])
KEYRING = "keyring.json"
KEY_ID = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]{40,60}$")  # base58btc multibase

FetchDocument = Callable[[str], dict[str, Any]]


class KeyStoreError(Exception):
    """A key file is missing, damaged or unsafe to use; the message says what to do."""


@dataclass(frozen=True)
class KeyRecord:
    """One key as its keyring lists it: public material and dates only."""

    id: str
    created: datetime
    status: str
    public_key_multibase: str
    retired: datetime | None = None

    def as_json(self) -> dict[str, str]:
        data = {
            "id": self.id,
            "created": _iso(self.created),
            "status": self.status,
            "publicKeyMultibase": self.public_key_multibase,
        }
        if self.retired is not None:
            data["retired"] = _iso(self.retired)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyRecord:
        if data.get("status") not in (ACTIVE, RETIRED) or not KEY_ID.match(data.get("id", "")):
            raise ValueError(f"bad key entry {data.get('id')!r}")
        retired = data.get("retired")
        return cls(
            id=data["id"],
            created=datetime.fromisoformat(data["created"]),
            status=data["status"],
            public_key_multibase=data["publicKeyMultibase"],
            retired=datetime.fromisoformat(retired) if retired else None,
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Keyring:
    """The keys of one organisation (or the platform) in their folder under *root*."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.name = name
        self.path = root / name

    def records(self) -> list[KeyRecord]:
        """Every key, oldest first; [] when the organisation has none."""
        try:
            data = json.loads((self.path / KEYRING).read_text())
            return [KeyRecord.from_json(entry) for entry in data["keys"]]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyStoreError(f"{self.path / KEYRING} is damaged: {exc}") from None

    def active(self) -> KeyRecord | None:
        return next((record for record in self.records() if record.status == ACTIVE), None)

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every key (active and retired) by id, as a DID document lists them."""
        return {
            record.id: multikeys.public_key_from_multibase(record.public_key_multibase)
            for record in self.records()
        }

    def private_key(self, record: KeyRecord) -> Ed25519PrivateKey:
        """Read *record*'s private key; KeyStoreError if missing, unsafe or not that key."""
        path = self.path / f"{record.id}.secret"
        try:
            key = multikeys.private_key_from_multibase(read_private_file(path))
        except KeyResolutionError as exc:
            raise KeyStoreError(f"{path} holds no Ed25519 secret Multikey ({exc}).") from None
        if multikeys.public_key_multibase(key.public_key()) != record.public_key_multibase:
            raise KeyStoreError(f"{path} does not hold the key {record.id} its keyring lists.")
        return key

    def generate(self, *, now: datetime, force: bool = False) -> KeyRecord:
        """Create the first key. With *force*, set any existing keys aside first (their
        credentials stop verifying: for a compromised key). Raises Conflict if keys exist
        and not *force*."""
        with self._locked():
            if self.records():
                if not force:
                    raise Conflict(f"{self.name} already has keys.")
                aside = self.root / f"{self.name}.discarded-{now.strftime('%Y%m%dT%H%M%SZ')}"
                self.path.rename(aside)
                logger.warning("keys of %s set aside in %s", self.name, aside)
            return self._add(now, retire=[])

    def rotate(self, *, now: datetime) -> KeyRecord:
        """Add a new active key; the active one is retired but stays published."""
        with self._locked():
            records = self.records()
            if not records:
                raise NotFound(f"{self.name} has no keys to rotate.")
            return self._add(now, retire=records)

    def _add(self, now: datetime, *, retire: list[KeyRecord]) -> KeyRecord:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        _make_private_dir(self.path)
        secret = Ed25519PrivateKey.generate()
        public = multikeys.public_key_multibase(secret.public_key())
        record = KeyRecord(public, now, ACTIVE, public)
        # The secret first: a keyring never lists a key whose secret is not on disk.
        _write_private_file(self.path / f"{record.id}.secret", _secret_text(secret))
        kept = [
            r if r.status == RETIRED else replace(r, status=RETIRED, retired=now) for r in retire
        ]
        document = {"keys": [r.as_json() for r in [*kept, record]]}
        temporary = self.path / f".{KEYRING}.tmp"
        temporary.unlink(missing_ok=True)
        _write_private_file(temporary, json.dumps(document, indent=2) + "\n")
        temporary.replace(self.path / KEYRING)
        return record

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the key store's lock, so two commands never rotate the same keys at once."""
        _make_private_dir(self.root)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def _secret_text(key: Ed25519PrivateKey) -> str:
    return multikeys.secret_key_multibase(key) + "\n"


def _make_private_dir(path: Path) -> None:
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True)
        path.chmod(0o700)  # whatever the umask


def _write_private_file(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def read_private_file(path: Path) -> str:
    """Read a private key file, refusing it (as ssh does) if others may read or write it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise KeyStoreError(f"The private key file {path} is missing.") from None
    except PermissionError:
        raise KeyStoreError(f"The private key file {path} cannot be read by this user.") from None
    with os.fdopen(fd) as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise KeyStoreError(f"{path} is not a regular file.")
        if mode & 0o077:
            raise KeyStoreError(
                f"Permissions {stat.S_IMODE(mode):04o} for {path} are too open: a private key "
                f"must not be accessible by others, so it is not used. Run: chmod 600 {path}"
            )
        return handle.read().strip()


# -- The application's keys and identities --------------------------------------------------


def keyring(org: Organization | None) -> Keyring:
    """The keyring of *org* (None: the platform) under KEYS_DIR."""
    return Keyring(Path(current_app.config["KEYS_DIR"]), PLATFORM if org is None else org.slug)


def _label(org: Organization | None) -> str:
    return "The platform" if org is None else f"The organization '{org.slug}'"


def _generate_hint(org: Organization | None) -> str:
    return "flask keys generate " + ("--platform" if org is None else org.slug)


def platform_did() -> str:
    """The platform's own DID, named by PUBLIC_BASE_URL."""
    return multikeys.did_web(current_app.config["PUBLIC_BASE_URL"])


def did_for(org: Organization | None) -> str:
    """The did:web DID of *org*: ``did:web:<host>[:<base path>]:orgs:<slug>``."""
    if org is None:
        return platform_did()
    return multikeys.did_web(f"{current_app.config['PUBLIC_BASE_URL']}/orgs/{org.slug}")


def list_keys(org: Organization | None) -> list[KeyRecord]:
    return keyring(org).records()


def holders() -> list[Organization | None]:
    """The organisations with keys, by slug (None, the platform, first if it has keys)."""
    root = Path(current_app.config["KEYS_DIR"])
    if not root.is_dir():
        return []
    names = sorted(path.name for path in root.iterdir() if (path / KEYRING).is_file())
    found: list[Organization | None] = [None] if PLATFORM in names else []
    for name in names:
        if organizations.SLUG.match(name):
            try:
                found.append(organizations.get_by_slug(name))
            except NotFound:
                logger.warning("keys for %s, which is no organization, are ignored", name)
    return found


def public_keys(org: Organization | None) -> dict[str, Ed25519PublicKey]:
    """Every published key of *org* (active and retired), by verification method id."""
    did = did_for(org)
    return {f"{did}#{key_id}": key for key_id, key in keyring(org).public_keys().items()}


def signing_key(org: Organization | None) -> tuple[str, Ed25519PrivateKey]:
    """Return (verification method id, private key) of *org*'s active key.

    Raises NotFound when it has no key, KeyStoreError when the key file is unusable.
    """
    ring = keyring(org)
    record = ring.active()
    if record is None:
        raise NotFound(f"{_label(org)} has no signing key: run `{_generate_hint(org)}`.")
    return f"{did_for(org)}#{record.id}", ring.private_key(record)


def did_document(org: Organization | None) -> dict[str, Any]:
    """The DID document of *org*: every key as a Multikey it controls, for assertions.

    Raises NotFound when it has no keys.
    """
    published = keyring(org).public_keys()
    if not published:
        raise NotFound(f"{_label(org)} has no keys: run `{_generate_hint(org)}`.")
    return multikeys.did_document(did_for(org), published)


def published_document(slug: str | None) -> dict[str, Any]:
    """The DID document served for organisation *slug* (None: the platform).

    Raises the same NotFound whether the organisation is unknown or has no keys, so the
    public address tells nobody which organisations exist.
    """
    try:
        return did_document(None if slug is None else organizations.get_by_slug(slug))
    except NotFound:
        raise NotFound("There is no DID document at this address.") from None


def generate(org: Organization | None, *, now: datetime, force: bool = False) -> KeyRecord:
    """Create *org*'s first key (see Keyring.generate)."""
    return keyring(org).generate(now=now, force=force)


def rotate(org: Organization | None, *, now: datetime) -> KeyRecord:
    """Give *org* a new active key; the old one is retired and stays published."""
    ring = keyring(org)
    if not ring.records():
        raise NotFound(f"{_label(org)} has no keys to rotate: run `{_generate_hint(org)}`.")
    return ring.rotate(now=now)


# -- Resolving our own DIDs without the network ---------------------------------------------


def _holder_of(did: str) -> Organization | None:
    """The organisation (None: the platform) a local DID names; NotFound if none here."""
    platform = platform_did()
    if did == platform:
        return None
    prefix = f"{platform}:orgs:"
    slug = did[len(prefix) :] if did.startswith(prefix) else ""
    if not organizations.SLUG.match(slug):
        raise NotFound(f"{did} is not a DID of this Shopfloor.")
    return organizations.get_by_slug(slug)


def is_local(did_or_vm_url: str) -> bool:
    """Whether the DID (or DID URL) is one this Shopfloor names (whether or not it exists)."""
    did = did_or_vm_url.partition("#")[0]
    platform = platform_did()
    return did == platform or did.startswith(f"{platform}:orgs:")


def resolve(did_or_vm_url: str) -> dict[str, Any]:
    """Resolve a local DID to its document, or a DID URL (``…#z6Mk…``) to its Multikey.

    Reads the key files, never the network. Raises NotFound for DIDs that are not ours, or
    name no organisation, key or document here.
    """
    did, _, fragment = did_or_vm_url.partition("#")
    document = did_document(_holder_of(did))
    if not fragment:
        return document
    for method in document["verificationMethod"]:
        if method["id"] == did_or_vm_url:
            return method
    raise NotFound(f"{did_or_vm_url} is not a key of {did}.")


def _did_of_document_url(url: str) -> str | None:
    """The did:web DID whose document is at *url*, or None if *url* is no did.json URL."""
    if not url.startswith("https://") or not url.endswith("/did.json"):
        return None
    base = url.removesuffix("/did.json")
    if base.count("/") == 3 and base.endswith("/.well-known"):
        base = base.removesuffix("/.well-known")
    try:
        return multikeys.did_web(base)
    except KeyResolutionError:
        return None


def local_fetcher(fallback: FetchDocument | None = None) -> FetchDocument:
    """A verifier ``fetch_document`` that answers this Shopfloor's DID documents from the key
    files and passes every other URL to *fallback* (none: they are unresolvable)."""

    def fetch(url: str) -> dict[str, Any]:
        did = _did_of_document_url(url)
        if did is not None and is_local(did):
            try:
                return resolve(did)
            except NotFound as exc:
                raise KeyResolutionError(str(exc)) from None
        if fallback is None:
            raise KeyResolutionError(f"{url} is not a document of this Shopfloor")
        return fallback(url)

    return fetch

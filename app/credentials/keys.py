"""Ed25519 keys as Multikeys, did:key, and resolving a proof's verification method to a key.

A Multikey public key is ``z`` + base58btc(0xed 0x01 ‖ 32-byte key); a secret key is
``z`` + base58btc(0x80 0x26 ‖ 32-byte seed), or seed ‖ public key (64 bytes) as 1EdTech's test
key has it. Resolving never uses the network: did:web and http(s) documents come from a
``fetch_document(url)`` callback that the caller supplies (and caches, and bounds).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import base58

from app.credentials.exceptions import KeyResolutionError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"

FetchDocument = Callable[[str], dict[str, Any]]
# DID Core verification relationships: what a document's keys may be used for.
RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)


def multibase_decode(value: str) -> bytes:
    """Decode a base58btc multibase string (``z…``)."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 200:
        raise KeyResolutionError(f"{value!r} is not a base58btc multibase value")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise KeyResolutionError(f"{value!r} is not valid base58btc") from exc


def multibase_encode(data: bytes) -> str:
    """Encode bytes as base58btc multibase (``z…``)."""
    return "z" + base58.b58encode(data).decode("ascii")


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """Return the Multikey ``publicKeyMultibase`` (``z6Mk…``) of an Ed25519 public key."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Decode a ``z6Mk…`` Multikey; raise KeyResolutionError unless it is an Ed25519 key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = multibase_decode(value)
    if len(data) != 34 or not data.startswith(ED25519_PUB_PREFIX):
        raise KeyResolutionError(f"{value!r} is not an Ed25519 Multikey (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def secret_key_multibase(key: Ed25519PrivateKey) -> str:
    """Return the Multikey ``secretKeyMultibase`` (0x8026 + 32-byte seed) of a private key."""
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return multibase_encode(ED25519_PRIV_PREFIX + raw)


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    """Decode a secret Multikey holding a 32-byte seed, or seed ‖ public key (64 bytes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = multibase_decode(value)
    if not data.startswith(ED25519_PRIV_PREFIX) or len(data) not in (34, 66):
        raise KeyResolutionError("not an Ed25519 secret Multikey (0x8026 + seed)")
    key = Ed25519PrivateKey.from_private_bytes(data[2:34])
    if len(data) == 66 and public_key_multibase(key.public_key()) != multibase_encode(
        ED25519_PUB_PREFIX + data[34:]
    ):
        raise KeyResolutionError("secret Multikey: the public half does not match the seed")
    return key


def did_key(key: Ed25519PublicKey) -> str:
    """Return the did:key DID of an Ed25519 public key."""
    return "did:key:" + public_key_multibase(key)


def did_key_verification_method(key: Ed25519PublicKey) -> str:
    """Return ``did:key:z6Mk…#z6Mk…``, the verification method id of a did:key."""
    multibase = public_key_multibase(key)
    return f"did:key:{multibase}#{multibase}"


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method: its id, its controller and its Ed25519 public key."""

    id: str
    controller: str
    public_key: Ed25519PublicKey

    @property
    def public_key_multibase(self) -> str:
        return public_key_multibase(self.public_key)

    def as_multikey(self) -> dict[str, str]:
        """Return the Multikey document, as a DID document lists it."""
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
        }


_HOST = re.compile(
    r"^(?=[^:]{1,253}(?::|$))[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::[0-9]{1,5})?$"
)
_UNSAFE_SEGMENT = re.compile(r"[/?#\\\s\x00-\x1f\x7f]")


def did_web_url(did: str) -> str:
    """Return the https URL of the DID document of a did:web DID (did:web spec, "Read").

    Refuses DIDs whose host is not a plain host name (optionally ``%3A`` and a port) or whose
    path segments would step outside their place in the URL (``/``, ``?``, ``#``, ``..``).
    """
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise KeyResolutionError(f"{did!r} is not a did:web DID")
    parts = [unquote(part) for part in did[len("did:web:") :].split(":")]
    host, segments = parts[0], parts[1:]
    if not _HOST.match(host) or any(
        not segment or segment in (".", "..") or _UNSAFE_SEGMENT.search(segment)
        for segment in segments
    ):
        raise KeyResolutionError(f"{did!r} is not a valid did:web DID")
    path = "/".join(quote(segment, safe="") for segment in segments) or ".well-known"
    return f"https://{host}/{path}/did.json"


def did_web(url: str) -> str:
    """Return the did:web DID whose document lives under *url* (``https://host[:port][/path]``).

    The inverse of did_web_url: a port's colon is percent-encoded and each path segment
    becomes a colon-separated segment (``https://h:8443/a/b`` → ``did:web:h%3A8443:a:b``).
    The scheme is ignored, as did:web always resolves over https.
    """
    parts = urlsplit(url)
    if (
        not parts.hostname
        or ":" in parts.hostname  # an IPv6 literal: did:web has no way to write one
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise KeyResolutionError(f"{url!r} cannot be named by a did:web DID")
    segments = [segment for segment in parts.path.split("/") if segment]
    if any(segment in (".", "..") for segment in segments):
        raise KeyResolutionError(f"{url!r} cannot be named by a did:web DID")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return ":".join(["did:web", quote(host, safe="")] + [quote(s, safe="") for s in segments])


def _did_key(url: str) -> VerificationMethod:
    """A did:key names its key: it is self-certifying, and its own controller."""
    did, hashed, fragment = url.partition("#")
    multibase = did[len("did:key:") :]
    key = public_key_from_multibase(multibase)
    if hashed and fragment != multibase:
        raise KeyResolutionError(f"{url!r}: the did:key and its fragment name different keys")
    return VerificationMethod(f"{did}#{multibase}", did, key)


def _from_fragment(url: str) -> VerificationMethod | None:
    """``https://issuer#z6Mk…``: the key read from the fragment, claimed by the URL before it."""
    base, _, fragment = url.partition("#")
    if not fragment.startswith("z6Mk"):
        return None
    try:
        key = public_key_from_multibase(fragment)
    except KeyResolutionError:
        return None
    return VerificationMethod(url, base, key)


def _listed(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _absolute(method_id: Any, document_id: str) -> str | None:
    """Return a method id made absolute against its document (``#key-1`` → ``<id>#key-1``)."""
    if not isinstance(method_id, str):
        return None
    return document_id + method_id if method_id.startswith("#") else method_id


def _from_controller_document(
    url: str, document_id: str, document: dict[str, Any]
) -> VerificationMethod:
    """Find *url* in the document fetched for *document_id*, which must be that document's.

    Whatever the document asserts, the key's controller is *document_id*: the DID or URL
    the key was fetched from. A document that names itself otherwise, a method id under
    another document, or a method naming another controller is refused, never trusted.
    """
    named = document.get("id")
    if named != document_id:
        raise KeyResolutionError(
            f"the document fetched for {document_id} names itself {_short(named)}, "
            "so it cannot vouch for that key"
        )
    if "#" not in url:
        return _bare_key(url, document)
    if not url.partition("#")[2]:
        raise KeyResolutionError(f"{url!r} has an empty fragment")
    assertion = _listed(document.get("assertionMethod"))
    candidates = [
        method
        for method in _listed(document.get("verificationMethod")) + assertion
        if isinstance(method, dict) and _absolute(method.get("id"), document_id) == url
    ]
    if not candidates:
        raise KeyResolutionError(f"verification method {url!r} not found in its document")
    method = candidates[0]
    _check_controller(url, method, document_id)
    authorised = {
        _absolute(entry.get("id") if isinstance(entry, dict) else entry, document_id)
        for entry in assertion
    }
    # A document that says what its keys are for must list this one for assertions; one
    # that says nothing (a bare list of keys) lets each of them assert.
    if url not in authorised and any(name in document for name in RELATIONSHIPS):
        raise KeyResolutionError(f"{url!r} is not listed under assertionMethod")
    key = public_key_from_multibase(method.get("publicKeyMultibase"))
    return VerificationMethod(url, document_id, key)


def _bare_key(url: str, document: dict[str, Any]) -> VerificationMethod:
    """A key document fetched from the key's own URL: it controls itself, and nothing else."""
    _check_controller(url, document, url)
    key = public_key_from_multibase(document.get("publicKeyMultibase"))
    return VerificationMethod(url, url, key)


def _check_controller(url: str, method: dict[str, Any], document_id: str) -> None:
    controller = method.get("controller", document_id)
    if controller != document_id:
        raise KeyResolutionError(
            f"{url!r} names {_short(controller)} as its controller, but was fetched from "
            f"{document_id}: a key is controlled by the document it is published in"
        )


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_verification_method(
    url: str, *, fetch_document: FetchDocument | None = None, fragment_keys: bool = False
) -> VerificationMethod:
    """Resolve a proof's ``verificationMethod`` to its controller and Ed25519 key.

    The controller is always what the key is bound to, never what a document claims:
    ``did:key:z6Mk…[#z6Mk…]`` controls itself; a did:web DID URL ``<did>#<fragment>`` is
    read from the DID's document (its ``id`` must be the DID, the method must name no other
    controller and, if the document lists verification relationships, be listed under
    ``assertionMethod``) and is controlled by the DID; an https
    key URL ``<url>#<fragment>`` likewise by ``<url>``, from the document at ``<url>``.
    Documents come from *fetch_document*, over https only; without it they raise
    KeyResolutionError. With *fragment_keys*, ``https://issuer#z6Mk…`` is read from the
    fragment without fetching, controlled by the URL before it, as the 1EdTech validator
    reads it; nothing then proves that the URL's owner holds the key, so it is off by default.
    """
    if not isinstance(url, str) or not url or len(url) > 2048:
        raise KeyResolutionError("the proof has no usable verificationMethod")
    if url.startswith("did:key:"):
        return _did_key(url)
    if fragment_keys and url.startswith(("https://", "http://")):
        method = _from_fragment(url)
        if method is not None:
            return method
    document_id = url.partition("#")[0]
    if url.startswith("did:web:"):
        if "#" not in url:
            raise KeyResolutionError(f"{url!r} names a DID, not one of its keys (#fragment)")
        document_url = did_web_url(document_id)
    elif url.startswith("https://"):
        document_url = document_id
    elif url.startswith("http://"):
        raise KeyResolutionError(f"{url!r}: key documents are only fetched over https")
    else:
        raise KeyResolutionError(f"unsupported verification method {_short(url)}")
    if fetch_document is None:
        raise KeyResolutionError(f"{url!r} needs {document_url} (no fetcher was given)")
    try:
        document = fetch_document(document_url)
    except KeyResolutionError:
        raise
    except Exception as exc:  # the caller's fetcher: report any failure as unresolvable
        raise KeyResolutionError(f"{document_url} could not be fetched: {exc}") from exc
    if not isinstance(document, dict):
        raise KeyResolutionError(f"{document_url} is not a JSON object")
    return _from_controller_document(url, document_id, document)


def did_document(did: str, keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """Return the DID document of an issuer: each key (by fragment) as a Multikey that the
    DID controls and may use for assertions. Old keys stay listed so old credentials verify."""
    methods = [
        VerificationMethod(f"{did}#{fragment}", did, key).as_multikey()
        for fragment, key in keys.items()
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }

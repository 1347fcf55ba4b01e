"""Ed25519 keys as Multikeys, did:key, and resolving a proof's verification method to a key.

A Multikey public key is ``z`` + base58btc(0xed 0x01 ‖ 32-byte key); a secret key is
``z`` + base58btc(0x80 0x26 ‖ 32-byte seed), or seed ‖ public key (64 bytes) as 1EdTech's test
key has it. Resolving never uses the network: did:web and http(s) documents come from a
``fetch_document(url)`` callback that the caller supplies (and caches, and bounds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.credentials.exceptions import KeyResolutionError

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"

FetchDocument = Callable[[str], dict[str, Any]]


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
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Decode a ``z6Mk…`` Multikey; raise KeyResolutionError unless it is an Ed25519 key."""
    data = multibase_decode(value)
    if len(data) != 34 or not data.startswith(ED25519_PUB_PREFIX):
        raise KeyResolutionError(f"{value!r} is not an Ed25519 Multikey (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def secret_key_multibase(key: Ed25519PrivateKey) -> str:
    """Return the Multikey ``secretKeyMultibase`` (0x8026 + 32-byte seed) of a private key."""
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return multibase_encode(ED25519_PRIV_PREFIX + raw)


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    """Decode a secret Multikey holding a 32-byte seed, or seed ‖ public key (64 bytes)."""
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


def did_web_url(did: str) -> str:
    """Return the https URL of the DID document of a did:web DID (did:web spec, "Read")."""
    if not did.startswith("did:web:"):
        raise KeyResolutionError(f"{did!r} is not a did:web DID")
    parts = [unquote(part) for part in did[len("did:web:") :].split(":")]
    if not parts[0] or any("/" in part for part in parts):
        raise KeyResolutionError(f"{did!r} is not a valid did:web DID")
    path = "/".join(parts[1:]) if len(parts) > 1 else ".well-known"
    return f"https://{parts[0]}/{path}/did.json"


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


def _from_fragment(url: str) -> VerificationMethod | None:
    base, _, fragment = url.partition("#")
    if not fragment.startswith("z6Mk"):
        return None
    try:
        key = public_key_from_multibase(fragment)
    except KeyResolutionError:
        return None
    if base.startswith("did:key:") and base[len("did:key:") :] != fragment:
        raise KeyResolutionError(f"{url!r}: the did:key and its fragment name different keys")
    return VerificationMethod(url, base, key)


def _from_controller_document(url: str, document: dict[str, Any]) -> VerificationMethod:
    controller = document.get("id")
    methods = document.get("verificationMethod") or []
    methods = methods if isinstance(methods, list) else [methods]
    for method in methods:
        if not isinstance(method, dict):
            continue
        method_id = method.get("id", "")
        if method_id.startswith("#") and isinstance(controller, str):
            method_id = controller + method_id
        if method_id != url:
            continue
        assertion = document.get("assertionMethod")
        if assertion is not None:
            ids = [a if isinstance(a, str) else a.get("id") for a in assertion]
            ids = [controller + i if i and i.startswith("#") else i for i in ids]
            if url not in ids:
                raise KeyResolutionError(f"{url!r} is not listed under assertionMethod")
        key = public_key_from_multibase(method.get("publicKeyMultibase", ""))
        return VerificationMethod(url, method.get("controller", controller), key)
    if document.get("publicKeyMultibase") and document.get("id") == url:
        key = public_key_from_multibase(document["publicKeyMultibase"])
        return VerificationMethod(url, document.get("controller", ""), key)
    raise KeyResolutionError(f"verification method {url!r} not found in its document")


def resolve_verification_method(
    url: str, *, fetch_document: FetchDocument | None = None, fragment_keys: bool = True
) -> VerificationMethod:
    """Resolve a proof's ``verificationMethod`` to its controller and Ed25519 key.

    Understood without the network: ``did:key:z6Mk…[#z6Mk…]`` and, when *fragment_keys*,
    ``https://issuer#z6Mk…`` (the key in the fragment, controlled by the URL before it, as the
    1EdTech validator reads it; nothing proves the URL's owner holds that key, so a strict
    verifier turns this off). did:web DIDs and other http(s) URLs are read through
    *fetch_document*; without it they raise KeyResolutionError.
    """
    if not isinstance(url, str) or not url or len(url) > 2048:
        raise KeyResolutionError("the proof has no usable verificationMethod")
    if url.startswith("did:key:") or (fragment_keys and url.startswith(("https://", "http://"))):
        method = _from_fragment(url)
        if method is not None:
            return method
    if url.startswith("did:key:"):
        multibase = url[len("did:key:") :].partition("#")[0]
        key = public_key_from_multibase(multibase)
        return VerificationMethod(f"did:key:{multibase}#{multibase}", f"did:key:{multibase}", key)
    if url.startswith("did:web:"):
        document_url = did_web_url(url.partition("#")[0])
    elif url.startswith(("https://", "http://")):
        document_url = url.partition("#")[0]
    else:
        raise KeyResolutionError(f"unsupported verification method {url!r}")
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
    return _from_controller_document(url, document)


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

"""Multikeys, did:key, did:web and resolving verification methods."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.credentials import keys
from app.credentials.exceptions import KeyResolutionError

OB3_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def test_multikey_round_trip_and_prefix():
    secret = Ed25519PrivateKey.generate()
    encoded = keys.public_key_multibase(secret.public_key())
    assert encoded.startswith("z6Mk")
    assert keys.multibase_decode(encoded)[:2] == b"\xed\x01"
    assert keys.public_key_from_multibase(encoded).public_bytes_raw() == (
        secret.public_key().public_bytes_raw()
    )
    again = keys.private_key_from_multibase(keys.secret_key_multibase(secret))
    assert again.private_bytes_raw() == secret.private_bytes_raw()


@pytest.mark.parametrize(
    "value", ["", "6Mk", "z0OIl", "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"]
)
def test_multikey_rejects_non_ed25519(value):
    with pytest.raises(KeyResolutionError):
        keys.public_key_from_multibase(value)


def test_did_key_resolves_to_its_verification_method():
    method = keys.resolve_verification_method(f"did:key:{OB3_KEY}")
    assert method.id == f"did:key:{OB3_KEY}#{OB3_KEY}"
    assert method.controller == f"did:key:{OB3_KEY}"
    assert method.public_key_multibase == OB3_KEY
    assert keys.resolve_verification_method(method.id) == method


def test_did_key_fragment_must_name_the_same_key():
    other = keys.public_key_multibase(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(KeyResolutionError, match="different keys"):
        keys.resolve_verification_method(f"did:key:{OB3_KEY}#{other}")


def test_fragment_key_is_controlled_by_the_url_before_it():
    method = keys.resolve_verification_method(f"https://example.edu/issuers/1#{OB3_KEY}")
    assert method.controller == "https://example.edu/issuers/1"
    with pytest.raises(KeyResolutionError, match="no fetcher"):
        keys.resolve_verification_method(
            f"https://example.edu/issuers/1#{OB3_KEY}", fragment_keys=False
        )


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        (
            "did:web:shopfloor.example:issuers:acme",
            "https://shopfloor.example/issuers/acme/did.json",
        ),
        ("did:web:localhost%3A5000:issuers:acme", "https://localhost:5000/issuers/acme/did.json"),
    ],
)
def test_did_web_url(did, url):
    assert keys.did_web_url(did) == url


def test_did_web_resolves_through_the_callers_fetcher():
    secret = Ed25519PrivateKey.generate()
    did = "did:web:shopfloor.example:issuers:acme"
    document = keys.did_document(did, {"key-1": secret.public_key()})
    fetched = []

    def fetch(url):
        fetched.append(url)
        return document

    method = keys.resolve_verification_method(f"{did}#key-1", fetch_document=fetch)
    assert fetched == ["https://shopfloor.example/issuers/acme/did.json"]
    assert method.controller == did
    assert method.public_key_multibase == keys.public_key_multibase(secret.public_key())
    with pytest.raises(KeyResolutionError, match="not found"):
        keys.resolve_verification_method(f"{did}#key-2", fetch_document=fetch)
    with pytest.raises(KeyResolutionError, match="no fetcher"):
        keys.resolve_verification_method(f"{did}#key-1")


def test_did_web_key_must_be_an_assertion_method():
    secret = Ed25519PrivateKey.generate()
    did = "did:web:example.com"
    document = keys.did_document(did, {"key-1": secret.public_key()})
    document["assertionMethod"] = []
    with pytest.raises(KeyResolutionError, match="assertionMethod"):
        keys.resolve_verification_method(f"{did}#key-1", fetch_document=lambda url: document)


def test_fetcher_failure_is_a_resolution_error():
    def fetch(url):
        raise OSError("connection refused")

    with pytest.raises(KeyResolutionError, match="connection refused"):
        keys.resolve_verification_method("did:web:example.com#key-1", fetch_document=fetch)


@pytest.mark.parametrize(
    ("url", "did", "document_url"),
    [
        ("https://shopfloor.example", "did:web:shopfloor.example", None),
        (
            "http://localhost:5000/orgs/acme",
            "did:web:localhost%3A5000:orgs:acme",
            "https://localhost:5000/orgs/acme/did.json",
        ),
        (
            "https://learn.example.org/shopfloor/orgs/tri-c/",
            "did:web:learn.example.org:shopfloor:orgs:tri-c",
            "https://learn.example.org/shopfloor/orgs/tri-c/did.json",
        ),
    ],
)
def test_did_web_names_the_url_its_document_lives_under(url, did, document_url):
    assert keys.did_web(url) == did
    assert keys.did_web_url(did) == (
        document_url or "https://shopfloor.example/.well-known/did.json"
    )


@pytest.mark.parametrize("url", ["https://[::1]:5000/x", "https://h/a?b=1", "https://h/../x", "x"])
def test_did_web_refuses_urls_it_cannot_name(url):
    with pytest.raises(KeyResolutionError):
        keys.did_web(url)

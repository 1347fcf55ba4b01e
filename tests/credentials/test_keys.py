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


def test_fragment_key_is_read_only_when_asked_for():
    """``https://issuer#z6Mk…`` binds nothing to the issuer: by default it must be fetched."""
    url = f"https://example.edu/issuers/1#{OB3_KEY}"
    method = keys.resolve_verification_method(url, fragment_keys=True)
    assert method.controller == "https://example.edu/issuers/1"
    with pytest.raises(KeyResolutionError, match="no fetcher"):
        keys.resolve_verification_method(url)


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


@pytest.mark.parametrize(
    "did",
    [
        "did:web:victim.example@evil.example",
        "did:web:evil.example%2F..%2Fvictim",
        "did:web:evil.example:a%2Fb",
        "did:web:evil.example:..",
        "did:web:evil.example:a%3Fq=1",
        "did:web:evil.example:a%23frag",
        "did:web:evil.example::a",
        "did:web:",
        "did:web:evil example",
        "did:web:%5B::1%5D",
    ],
)
def test_did_web_url_refuses_dids_that_would_leave_their_host_or_path(did):
    with pytest.raises(KeyResolutionError):
        keys.did_web_url(did)


DID = "did:web:issuer.example"
KEY = Ed25519PrivateKey.generate()


def _resolve(url, document, **options):
    return keys.resolve_verification_method(url, fetch_document=lambda _: document, **options)


def test_controller_is_always_the_document_the_key_was_fetched_from():
    document = keys.did_document(DID, {"key-1": KEY.public_key()})
    method = _resolve(f"{DID}#key-1", document)
    assert (method.id, method.controller) == (f"{DID}#key-1", DID)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(id="did:web:victim.example"), "names itself"),
        (lambda d: d.pop("id"), "names itself"),
        (lambda d: d["verificationMethod"][0].update(controller="did:web:victim"), "controller"),
        (lambda d: d["verificationMethod"][0].update(controller=None), "controller"),
        (lambda d: d.update(authentication=d.pop("assertionMethod")), "assertionMethod"),
        (lambda d: d.update(assertionMethod=["did:web:victim#key-1"]), "assertionMethod"),
        (lambda d: d["verificationMethod"][0].update(id="did:web:victim#key-1"), "not found"),
    ],
)
def test_documents_that_vouch_for_others_are_refused(change, words):
    document = keys.did_document(DID, {"key-1": KEY.public_key()})
    change(document)
    with pytest.raises(KeyResolutionError, match=words):
        _resolve(f"{DID}#key-1", document)


def test_a_document_naming_no_relationships_lets_its_keys_assert():
    document = keys.did_document(DID, {"key-1": KEY.public_key()})
    del document["assertionMethod"]
    assert _resolve(f"{DID}#key-1", document).controller == DID


def test_relative_method_ids_resolve_against_the_document():
    document = keys.did_document(DID, {"key-1": KEY.public_key()})
    document["verificationMethod"][0]["id"] = "#key-1"
    document["assertionMethod"] = ["#key-1"]
    assert _resolve(f"{DID}#key-1", document).controller == DID


def test_a_bare_key_document_controls_only_itself():
    url = "https://issuer.example/keys/1"
    multikey = keys.public_key_multibase(KEY.public_key())
    own = {"id": url, "type": "Multikey", "publicKeyMultibase": multikey}
    assert _resolve(url, own).controller == url
    with pytest.raises(KeyResolutionError, match="controller"):
        _resolve(url, {**own, "controller": "did:web:victim.example"})


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://issuer.example/keys#k", "https"),
        (DID, "not one of its keys"),
        (f"{DID}#", "empty fragment"),
        ("did:example:123#k", "unsupported"),
        (f"did:key:{OB3_KEY}#", "different keys"),
        (f"did:key:{OB3_KEY}#key-1", "different keys"),
    ],
)
def test_verification_method_urls_that_bind_nothing_are_refused(url, words):
    document = keys.did_document(DID, {"key-1": KEY.public_key()})
    with pytest.raises(KeyResolutionError, match=words):
        _resolve(url, document)

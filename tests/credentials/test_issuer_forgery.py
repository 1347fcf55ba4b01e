"""Forged issuers: a key is bound to the DID or URL it was fetched from, never to the
controller a document claims. Each forgery signs a Lakeshore credential with the attacker's
key, and must fail the ``issuer_key`` check."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.credentials import keys, ob3, proofs
from app.credentials.verifier import verify_credential
from tests.credentials import factories
from tests.credentials.vectors import FIXTURES

NOW = datetime(2026, 12, 6, tzinfo=UTC)
VICTIM = factories.ISSUER_DID
ATTACKER = Ed25519PrivateKey.generate()
ATTACKER_KEY = keys.public_key_multibase(ATTACKER.public_key())
EVIL_DID = "did:web:evil.example"
EVIL_DID_URL = keys.did_web_url(EVIL_DID)


def failed(result: dict) -> set[str]:
    return {check["name"] for check in result["checks"] if not check["passed"]}


def message(result: dict, name: str) -> str:
    return next(check["message"] for check in result["checks"] if check["name"] == name)


def forged(verification_method: str, credential: dict | None = None) -> dict:
    """A credential naming Lakeshore as issuer, signed by the attacker's key."""
    return proofs.sign(
        credential or factories.credential(),
        ATTACKER,
        verification_method=verification_method,
        created=factories.VALID_FROM,
    )


def verify(credential: dict, documents: dict[str, dict], **options) -> dict:
    world = factories.world(documents)
    world.pop("fetched")
    return verify_credential(json.dumps(credential), now=NOW, **world, **options)


def attacker_method(method_id: str, controller: str) -> dict:
    return {
        "id": method_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": ATTACKER_KEY,
    }


def evil_did_document(**overrides) -> dict:
    """The brief's attack: evil.example's DID document says its key is controlled by Lakeshore."""
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": EVIL_DID,
        "verificationMethod": [attacker_method(f"{EVIL_DID}#k", VICTIM)],
        "assertionMethod": [f"{EVIL_DID}#k"],
    }
    return document | overrides


FORGERIES = {
    "did:web document asserting another controller": (
        f"{EVIL_DID}#k",
        {EVIL_DID_URL: evil_did_document()},
    ),
    "did:web document with a relative method id asserting another controller": (
        f"{EVIL_DID}#k",
        {
            EVIL_DID_URL: evil_did_document(
                verificationMethod=[attacker_method("#k", VICTIM)], assertionMethod=["#k"]
            )
        },
    ),
    "did:web document whose id is the victim's DID": (
        f"{EVIL_DID}#k",
        {
            EVIL_DID_URL: evil_did_document(
                id=VICTIM,
                verificationMethod=[attacker_method(f"{EVIL_DID}#k", VICTIM)],
            )
        },
    ),
    "did:web document whose id is the victim's, methods under the victim's DID": (
        f"{EVIL_DID}#k",
        {
            EVIL_DID_URL: evil_did_document(
                id=VICTIM,
                verificationMethod=[attacker_method("#k", VICTIM)],
                assertionMethod=["#k"],
            )
        },
    ),
    "method id under another DID": (
        f"{EVIL_DID}#k",
        {
            EVIL_DID_URL: evil_did_document(
                verificationMethod=[
                    attacker_method(f"{EVIL_DID}#k", EVIL_DID),
                    attacker_method(f"{VICTIM}#k", VICTIM),
                ],
                assertionMethod=[f"{EVIL_DID}#k", f"{VICTIM}#k"],
            )
        },
    ),
    "embedded assertionMethod asserting another controller": (
        f"{EVIL_DID}#k",
        {
            EVIL_DID_URL: evil_did_document(
                verificationMethod=[], assertionMethod=[attacker_method(f"{EVIL_DID}#k", VICTIM)]
            )
        },
    ),
    "https key document asserting a victim controller": (
        "https://evil.example/keys/1",
        {"https://evil.example/keys/1": attacker_method("https://evil.example/keys/1", VICTIM)},
    ),
    "https controller document asserting a victim controller": (
        "https://evil.example/keys#k",
        {
            "https://evil.example/keys": {
                "id": "https://evil.example/keys",
                "verificationMethod": [attacker_method("https://evil.example/keys#k", VICTIM)],
                "assertionMethod": ["https://evil.example/keys#k"],
            }
        },
    ),
    "https controller document whose id is the victim's DID": (
        "https://evil.example/keys#k",
        {
            "https://evil.example/keys": {
                "id": VICTIM,
                "verificationMethod": [attacker_method("https://evil.example/keys#k", VICTIM)],
                "assertionMethod": ["https://evil.example/keys#k"],
            }
        },
    ),
}


@pytest.mark.parametrize(("method", "documents"), FORGERIES.values(), ids=list(FORGERIES))
def test_forged_issuer_fails_the_issuer_key_check(method, documents):
    result = verify(forged(method), documents)
    assert not result["verified"]
    assert "issuer_key" in failed(result), result["checks"]


def test_the_attack_verifies_nothing_even_when_fragment_keys_are_read():
    method, documents = FORGERIES["did:web document asserting another controller"]
    result = verify(forged(method), documents, fragment_keys=True)
    assert "issuer_key" in failed(result)
    assert "controller" in message(result, "issuer_key")


def test_the_victims_own_document_cannot_be_borrowed_for_another_did():
    """A document served for evil.example that is a copy of Lakeshore's, attacker key added."""
    copied = factories.did_document()
    copied["verificationMethod"].append(attacker_method(f"{VICTIM}#key-2", VICTIM))
    copied["assertionMethod"].append(f"{VICTIM}#key-2")
    result = verify(forged(f"{EVIL_DID}#key-2"), {EVIL_DID_URL: copied})
    assert "issuer_key" in failed(result)
    assert "names itself" in message(result, "issuer_key")


def _issued_by(issuer_id: str) -> dict:
    profile = ob3.Profile(id=issuer_id, name="Massachusetts Institute of Technology")
    credential = factories.credential()
    credential["issuer"] = ob3.profile_json(profile)
    return credential


def test_fragment_key_claiming_an_https_issuer_fails_by_default():
    """Anyone can write ``https://www.mit.edu#<their key>``: nothing binds it to MIT."""
    credential = forged(f"https://www.mit.edu#{ATTACKER_KEY}", _issued_by("https://www.mit.edu"))
    strict = verify(credential, {})
    assert "issuer_key" in failed(strict) and not strict["verified"]
    no_fetcher = verify_credential(credential, now=NOW)
    assert "issuer_key" in failed(no_fetcher)
    # The 1EdTech validator's reading, kept for conformance, accepts the key.
    assert "issuer_key" not in failed(verify(credential, {}, fragment_keys=True))


def test_key_documents_over_plain_http_are_not_fetched():
    credential = forged("http://evil.example/keys#k", _issued_by("http://evil.example/keys"))
    document = {
        "id": "http://evil.example/keys",
        "verificationMethod": [attacker_method("#k", "http://evil.example/keys")],
        "assertionMethod": ["#k"],
    }
    result = verify(credential, {"http://evil.example/keys": document})
    assert "issuer_key" in failed(result)
    assert "https" in message(result, "issuer_key")


def test_a_key_not_listed_under_assertion_method_fails():
    document = factories.did_document()
    document["authentication"] = document.pop("assertionMethod")
    result = verify(factories.signed(), {keys.did_web_url(VICTIM): document})
    assert "issuer_key" in failed(result)
    assert "assertionMethod" in message(result, "issuer_key")


# -- What must still verify ---------------------------------------------------------------


def test_legitimate_did_web_credential_verifies():
    result = verify(factories.signed(), {})
    assert result["verified"], result["checks"]


def test_legitimate_did_web_document_with_relative_ids_and_no_method_controller_verifies():
    document = factories.did_document()
    method = document["verificationMethod"][0]
    method["id"] = "#key-1"
    del method["controller"]
    document["assertionMethod"] = ["#key-1"]
    result = verify(factories.signed(), {keys.did_web_url(VICTIM): document})
    assert result["verified"], result["checks"]


def test_https_issuer_with_its_own_controller_document_verifies():
    issuer = "https://issuer.example/orgs/lakeshore"
    credential = proofs.sign(
        _issued_by(issuer),
        factories.TEST_KEY,
        verification_method=f"{issuer}#key-1",
        created=factories.VALID_FROM,
    )
    document = keys.did_document(issuer, {"key-1": factories.TEST_KEY.public_key()})
    result = verify(credential, {issuer: document})
    assert "issuer_key" not in failed(result), result["checks"]
    assert "status" in failed(result)  # the list is Lakeshore's did:web, not this issuer's


def test_did_key_issuer_is_self_certifying():
    """A credential whose issuer is a did:key verifies with no document at all."""
    did = keys.did_key(ATTACKER.public_key())
    method = keys.did_key_verification_method(ATTACKER.public_key())
    unsigned = _issued_by(did)
    signed = ob3.sign_credential(
        unsigned, ATTACKER, verification_method=method, created=factories.VALID_FROM
    )
    world = factories.world(issuer=did, key=ATTACKER, method=method)
    fetched = world.pop("fetched")
    result = verify_credential(signed, now=NOW, **world)
    assert result["verified"], result["checks"]
    assert fetched == [factories.LIST_URL]  # the status list only: no key document


def test_did_key_fixture_still_needs_allow_unbound_did_key():
    data = (FIXTURES / "simple-did-key-method.json").read_bytes()
    assert verify_credential(data, now=NOW, allow_unbound_did_key=True)["verified"]
    assert "issuer_key" in failed(verify_credential(data, now=NOW))


def test_1edtech_fixtures_verify_when_fragment_keys_are_asked_for():
    for name in ("simple.json", "simple-did-web-method.json"):
        data = (FIXTURES / name).read_bytes()
        assert verify_credential(data, now=NOW, fragment_keys=True)["verified"], name
        assert "issuer_key" in failed(verify_credential(data, now=NOW)), name


def test_status_list_keys_follow_the_same_rules():
    """The list must be the issuer's, and its key resolved as strictly as the credential's."""
    method, documents = FORGERIES["did:web document asserting another controller"]
    world = factories.world(documents)
    world.pop("fetched")
    forged_list = factories.status_list(key=ATTACKER, method=method)
    world["fetch_status_list"] = lambda url: copy.deepcopy(forged_list)
    result = verify_credential(factories.signed(), now=NOW, **world)
    assert failed(result) == {"status"}
    assert "issuer_key" in message(result, "status")


def test_a_status_list_cached_under_lax_options_is_not_trusted_under_strict_ones():
    """One status cache, two verifications: the unbound did:key that signed the list is
    accepted only when asked for, even after the lax verification cached the list."""
    method = keys.did_key_verification_method(ATTACKER.public_key())
    world = factories.world()
    world.pop("fetched")
    signed_list = factories.status_list(key=ATTACKER, method=method)
    world["fetch_status_list"] = lambda url: signed_list
    cache: dict = {}
    lax = verify_credential(
        factories.signed(), now=NOW, status_cache=cache, allow_unbound_did_key=True, **world
    )
    assert lax["verified"], lax["checks"]
    strict = verify_credential(factories.signed(), now=NOW, status_cache=cache, **world)
    assert failed(strict) == {"status"}
    assert "is not the issuer" in message(strict, "status")

"""Amplification: what one credential can make the verifier fetch is bounded, each limit is a
failed check named before anything is fetched, and each distinct URL is fetched once."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.credentials import keys, ob3, parsing, proofs
from app.credentials.verifier import verify_credential
from tests.credentials import factories

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def failed(result: dict) -> set[str]:
    return {check["name"] for check in result["checks"] if not check["passed"]}


def message(result: dict, name: str) -> str:
    return next(check["message"] for check in result["checks"] if check["name"] == name)


def run(credential: dict, documents: dict | None = None, **options) -> tuple[dict, list[str]]:
    world = factories.world(documents)
    fetched = world.pop("fetched")
    return verify_credential(json.dumps(credential), now=NOW, **world, **options), fetched


def _proof_naming(host: str) -> dict:
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-06-01T12:00:00Z",
        "verificationMethod": f"did:web:{host}#k",
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 80,
    }


def test_thousands_of_proofs_fetch_nothing():
    credential = factories.signed()
    credential["proof"] += [_proof_naming(f"host{n}.example") for n in range(2000)]
    result, fetched = run(credential)
    assert "issuer_key" in failed(result) and not result["verified"]
    assert message(result, "issuer_key") == "2001 proofs exceed the limit of 4: none resolved"
    assert not any("host" in url for url in fetched)


def test_proofs_up_to_the_limit_are_all_checked():
    credential = factories.signed()
    credential["proof"] += [_proof_naming(f"host{n}.example") for n in range(3)]
    result, fetched = run(credential)
    assert "issuer_key" in failed(result)
    assert sum("host" in url for url in fetched) == 3


def test_a_proof_set_by_one_key_fetches_its_document_once():
    """Each distinct verification method is resolved once per verification: here the
    credential's two proofs and its status list share one key."""
    signed = factories.signed()
    twice = proofs.sign(
        signed, factories.TEST_KEY, verification_method=factories.KEY_ID, created=NOW
    )
    result, fetched = run(twice)
    assert result["verified"], result["checks"]
    assert message(result, "proof") == "2 signature(s) verified"
    assert fetched.count(keys.did_web_url(factories.ISSUER_DID)) == 1


def test_the_fetch_budget_bounds_one_verification():
    credential = factories.signed()
    credential["proof"] += [_proof_naming(f"host{n}.example") for n in range(3)]
    result, fetched = run(credential, limits=parsing.Limits(max_fetches=2))
    assert "one verification fetches at most 2 documents" in message(result, "issuer_key")
    assert len([url for url in fetched if url.endswith("did.json")]) == 2
    assert "status" in failed(result)  # no fetch left for the list either


def test_status_entries_beyond_the_limit_are_not_fetched():
    credential = factories.signed()
    entry = credential["credentialStatus"]
    credential["credentialStatus"] = [
        {**entry, "statusListCredential": f"https://lists{n}.example/1"} for n in range(3)
    ]
    result, fetched = run(credential)
    assert message(result, "status") == "3 status entries exceed the limit of 2: none fetched"
    assert not any("lists" in url for url in fetched)


# -- Endorsements ---------------------------------------------------------------------------


def _endorsement(number: int, host: str, key: Ed25519PrivateKey) -> dict:
    issuer = ob3.Profile(id=f"did:web:{host}", name=f"Partner {number}")
    return ob3.sign_credential(
        ob3.build_endorsement_credential(
            id=f"urn:uuid:00000000-0000-4000-8000-e{number:011d}",
            issuer=issuer,
            endorsed_id=factories.achievement().id,
            comment="Co-assessed.",
            valid_from=factories.VALID_FROM,
            name="Endorsement",
        ),
        key,
        verification_method=f"{issuer.id}#key-1",
        created=factories.VALID_FROM,
    )


def _endorsed(count: int) -> tuple[dict, dict]:
    key = Ed25519PrivateKey.generate()
    items = [_endorsement(n, f"partner{n}.example", key) for n in range(count)]
    documents = {
        keys.did_web_url(f"did:web:partner{n}.example"): keys.did_document(
            f"did:web:partner{n}.example", {"key-1": key.public_key()}
        )
        for n in range(count)
    }
    achievement = factories.achievement()
    achievement = ob3.Achievement(**{**achievement.__dict__, "endorsements": tuple(items)})
    unsigned = ob3.build_achievement_credential(
        id="urn:uuid:00000000-0000-4000-8000-0000000000e1",
        issuer=factories.issuer(),
        achievement=achievement,
        subject=ob3.Subject(did="did:example:ada"),
        valid_from=factories.VALID_FROM,
        status=ob3.Status(factories.LIST_URL, 94567),
    )
    signed = ob3.sign_credential(
        unsigned,
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )
    return signed, documents


def test_endorsements_up_to_the_limit_verify():
    credential, documents = _endorsed(10)
    result, _ = run(credential, documents)
    assert result["verified"], result["checks"]
    assert message(result, "endorsements") == "10 endorsement(s) verified"


def test_endorsements_beyond_the_limit_are_not_fetched():
    credential, documents = _endorsed(11)
    result, fetched = run(credential, documents)
    assert failed(result) == {"endorsements"}
    assert message(result, "endorsements") == (
        "11 endorsements exceed the limit of 10: none verified"
    )
    assert not any("partner" in url for url in fetched)


def test_endorsement_limit_counts_every_place_endorsements_sit():
    credential, documents = _endorsed(6)
    extra = copy.deepcopy(credential["credentialSubject"]["achievement"]["endorsement"])
    credential["issuer"]["endorsement"] = extra  # 12 in all (the proof breaks too)
    result, fetched = run(credential, documents)
    assert message(result, "endorsements") == (
        "12 endorsements exceed the limit of 10: none verified"
    )
    assert not any("partner" in url for url in fetched)


# -- CLR embedded credentials ---------------------------------------------------------------


def test_embedded_credentials_beyond_the_limit_are_not_verified():
    inner = factories.signed(1, did="did:example:ada")
    record = factories.clr_of([inner] * 3)
    result, fetched = run(record, limits=parsing.Limits(max_embedded=2))
    assert message(result, "embedded") == (
        "3 embedded credentials exceed the limit of 2: none verified"
    )
    # The CLR's key only: the embedded credentials' status list was never fetched.
    assert fetched == [keys.did_web_url(factories.ISSUER_DID)]


def test_embedded_credentials_share_one_session():
    inner = factories.signed(1, did="did:example:ada")
    result, fetched = run(factories.clr_of([inner] * 5))
    assert result["verified"], result["checks"]
    assert sorted(fetched) == sorted([keys.did_web_url(factories.ISSUER_DID), factories.LIST_URL])


def test_a_clr_inside_a_clr_is_refused():
    inner = factories.signed(1, did="did:example:ada")
    nested = factories.clr_of([inner])
    outer = copy.deepcopy(nested)
    outer["credentialSubject"]["verifiableCredential"] = [nested]
    result, _ = run(outer)
    assert "is not an AchievementCredential" in message(result, "embedded")

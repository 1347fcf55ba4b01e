"""JSON-LD tricks: contexts only at the top of a credential, no @vocab or @base, no keywords
or IRIs as keys, one copy of each key. Each credential here is signed by the real issuer, so
only the JSON-LD rules stand between it and "verified"."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from app.credentials import canonical, proofs
from app.credentials.exceptions import ContextError
from app.credentials.verifier import verify_credential, verify_status_list_credential
from tests.credentials import factories
from tests.credentials.vectors import W3C, load

NOW = datetime(2026, 12, 6, tzinfo=UTC)
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
EVIL_VOCAB = {"@vocab": "https://evil.example/#"}


def failed(result: dict) -> set[str]:
    return {check["name"] for check in result["checks"] if not check["passed"]}


def message(result: dict, name: str) -> str:
    return next(check["message"] for check in result["checks"] if check["name"] == name)


def signed_with(change) -> dict:
    """The issuer signs a credential changed by *change* (proofs.sign checks no JSON-LD rule)."""
    unsigned = factories.credential()
    change(unsigned)
    return proofs.sign(
        unsigned, factories.TEST_KEY, verification_method=factories.KEY_ID, created=NOW
    )


def verify(document, **options) -> dict:
    world = factories.world()
    world.pop("fetched")
    text = document if isinstance(document, str) else json.dumps(document)
    return verify_credential(text, now=NOW, **world, **options)


def _subject(change):
    return lambda c: change(c["credentialSubject"])


TRICKS = {
    "@vocab in credentialSubject": _subject(
        lambda s: s.update({"@context": EVIL_VOCAB, "clearance": "top secret"})
    ),
    "@vocab in the achievement": lambda c: c["credentialSubject"]["achievement"].update(
        {"@context": EVIL_VOCAB, "level": "master"}
    ),
    "bundled context URL in credentialSubject": _subject(
        lambda s: s.update({"@context": "https://www.w3.org/ns/credentials/v2"})
    ),
    "examples context (it sets @vocab)": lambda c: c.update(
        {"@context": [*c["@context"], EXAMPLES], "clearance": "top secret"}
    ),
    "examples context nested": _subject(
        lambda s: s.update({"@context": [EXAMPLES], "clearance": "top secret"})
    ),
    "@base at the top": lambda c: c["@context"].append({"@base": "https://evil.example/"}),
    "@base nested": _subject(lambda s: s.update({"@context": {"@base": "https://evil/"}})),
    "@context in evidence": lambda c: c["evidence"][0].update({"@context": EVIL_VOCAB}),
    "@context in the status entry": lambda c: c["credentialStatus"].update(
        {"@context": [EXAMPLES]}
    ),
    "@id instead of id": _subject(lambda s: s.update({"@id": "did:example:mallory"})),
    "@type alias": lambda c: c["credentialSubject"]["achievement"].update(
        {"@type": c["credentialSubject"]["achievement"].pop("type")}
    ),
    "@value object": lambda c: c.update({"name": {"@value": c["name"]}}),
    "@included node": lambda c: c.update({"@included": [{"id": "urn:x", "type": "Profile"}]}),
    "IRI as a key": lambda c: c["credentialSubject"]["achievement"].update(
        {"https://schema.org/name": c["credentialSubject"]["achievement"].pop("name")}
    ),
    "compact IRI as a key": lambda c: c.update({"cred:issuer": "did:example:mallory"}),
}


@pytest.mark.parametrize("change", TRICKS.values(), ids=list(TRICKS))
def test_jsonld_tricks_fail_even_when_signed_by_the_issuer(change):
    result = verify(signed_with(change))
    assert not result["verified"]
    assert "jsonld" in failed(result), result["checks"]


@pytest.mark.parametrize("change", TRICKS.values(), ids=list(TRICKS))
def test_jsonld_tricks_fail_when_added_to_a_signed_credential(change):
    tampered = factories.signed()
    change(tampered)
    assert not verify(tampered)["verified"]


def test_a_nested_context_inside_an_endorsement_is_refused_at_every_level():
    endorsement = factories.signed(2)
    endorsement["credentialSubject"]["@context"] = EVIL_VOCAB

    def put(credential):
        credential["credentialSubject"]["achievement"]["endorsement"] = [endorsement]

    result = verify(signed_with(put))
    assert {"jsonld", "endorsements"} <= failed(result)


def test_an_endorsement_naming_the_examples_context_is_refused():
    endorsement = factories.signed(2)
    endorsement["@context"] = [*endorsement["@context"], EXAMPLES]

    def put(credential):
        credential["credentialSubject"]["achievement"]["endorsement"] = [endorsement]

    result = verify(signed_with(put))
    assert "jsonld" in failed(result)
    assert "@vocab" in message(result, "jsonld")


def test_the_top_level_context_of_an_endorsement_is_still_allowed():
    """Every endorsement is a credential with its own @context: that one is fine."""
    assert (
        canonical.check_terms(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "endorsement": [factories.signed()],
            }
        )
        is None
    )


def test_repeated_keys_are_refused():
    """Parsers disagree on which copy counts: a wallet could show what was not verified."""
    text = json.dumps(factories.signed())
    doubled = text.replace(
        '"name": "PLC Fundamentals"', '"name": "PLC Master", "name": "PLC Fundamentals"', 1
    )
    assert doubled != text
    result = verify(doubled)
    assert failed(result) == {"json"}
    assert "repeats the key 'name'" in message(result, "json")


def test_w3c_vector_needs_allow_vocab():
    """The W3C eddsa vectors use the examples context; they verify only when asked to."""
    for path in (
        W3C / "eddsa-rdfc-2022" / "signedDataInt.json",
        W3C / "eddsa-jcs-2022" / "signedJCS.json",
    ):
        vector = load(path)
        allowed = verify_status_list_credential(
            copy.deepcopy(vector), now=NOW, allow_vocab=True, allow_unbound_did_key=True
        )
        assert allowed["verified"], (path.name, allowed["checks"])
        strict = verify_status_list_credential(vector, now=NOW, allow_unbound_did_key=True)
        assert "jsonld" in failed(strict) and "@vocab" in message(strict, "jsonld")


def test_allow_vocab_does_not_allow_nested_contexts():
    result = verify(signed_with(TRICKS["@vocab in credentialSubject"]), allow_vocab=True)
    assert "jsonld" in failed(result)


@pytest.mark.parametrize(
    "document",
    [
        {"@context": [EXAMPLES]},
        {"@context": "https://www.w3.org/ns/credentials/v2", "a": {"@context": []}},
        {"@context": [None]},
        {"@context": ["https://unbundled.example/v1"]},
        {"x": [{"@graph": []}]},
    ],
)
def test_check_terms_refuses(document):
    with pytest.raises(ContextError):
        canonical.check_terms(document)


def test_only_a_credentials_own_proofs_may_name_contexts():
    proof = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "DataIntegrityProof"}
    canonical.check_terms({"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": proof})
    with pytest.raises(ContextError, match="only a credential's top"):
        canonical.check_terms({"credentialSubject": {"proof": proof}})

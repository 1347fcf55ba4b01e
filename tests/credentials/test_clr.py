"""CLR 2.0 ClrCredentials: build, sign, verify (embedded credentials too), offline contexts."""

from __future__ import annotations

import copy
import hashlib
import json
import socket
from datetime import UTC, datetime, timedelta

import pytest

from app.credentials import clr, contexts, keys, ob3, proofs, schema
from app.credentials.exceptions import ContextError, CredentialError, SchemaError
from app.credentials.status_list import StatusList, status_list_credential
from app.credentials.verifier import verify_credential
from tests.credentials import factories

NOW = datetime(2026, 12, 6, tzinfo=UTC)
LIST_URL = "https://shopfloor.example/status/lakeshore/1"
CLR_ID = "urn:uuid:00000000-0000-4000-8000-00000000c1a0"
EMAIL = "ada@example.com"


def failed(result: dict) -> set[str]:
    return {check["name"] for check in result["checks"] if not check["passed"]}


def message(result: dict, name: str) -> str:
    return next(check["message"] for check in result["checks"] if check["name"] == name)


def _safety_achievement() -> ob3.Achievement:
    return ob3.Achievement(
        id="https://shopfloor.example/achievements/lockout-tagout",
        name="Lockout/Tagout",
        description="Isolates energy sources before servicing a machine.",
        criteria_narrative="Pass the lockout/tagout lab and the safety quiz.",
        achievement_type="Competency",
    )


def _program() -> ob3.Achievement:
    return ob3.Achievement(
        id="https://shopfloor.example/programs/smart-manufacturing-technician",
        name="Smart Manufacturing Technician",
        description="The technician program: PLCs, safety, sensors and line maintenance.",
        criteria_narrative="Earn every competency of the program.",
        achievement_type="LearningProgram",
    )


def _signed_safety_credential(**subject) -> dict:
    subject = subject or {"hashed_email": ob3.HashedEmail(EMAIL, salt="salt-2")}
    credential = ob3.build_achievement_credential(
        id="urn:uuid:00000000-0000-4000-8000-000000000002",
        issuer=factories.issuer(),
        achievement=_safety_achievement(),
        subject=ob3.Subject(**subject),
        valid_from=factories.VALID_FROM,
        status=ob3.Status(LIST_URL, 94568),
    )
    return ob3.sign_credential(
        credential,
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )


def _build(**overrides) -> dict:
    values = {
        "id": CLR_ID,
        "issuer": factories.issuer(),
        "learner": clr.Learner(hashed_email=ob3.HashedEmail(EMAIL, salt="clr-salt")),
        "name": "Comprehensive Learner Record: Ada",
        "description": "Competencies Ada earned on Shopfloor.",
        "valid_from": factories.VALID_FROM,
        "credentials": [factories.signed(1), _signed_safety_credential()],
        "achievements": [_program()],
        "associations": [
            clr.Association("isParentOf", _program().id, factories.achievement().id),
            clr.Association("isParentOf", _program().id, _safety_achievement().id),
        ],
    }
    return clr.build_clr_credential(**(values | overrides))


def _sign(credential: dict) -> dict:
    return ob3.sign_credential(
        credential,
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )


def _world(revoked=()) -> dict:
    did_doc = keys.did_document(factories.ISSUER_DID, {"key-1": factories.TEST_KEY.public_key()})
    bits = StatusList()
    for index in revoked:
        bits.set(index)
    status = proofs.sign(
        status_list_credential(
            list_url=LIST_URL,
            issuer=factories.ISSUER_DID,
            status_list=bits,
            valid_from="2026-01-01T00:00:00Z",
            purpose="revocation",
        ),
        factories.TEST_KEY,
        verification_method=factories.KEY_ID,
        created=factories.VALID_FROM,
    )
    return {"fetch_document": lambda url: did_doc, "fetch_status_list": lambda url: status}


def verify(credential: dict, **world) -> dict:
    return verify_credential(json.dumps(credential), now=NOW, **(world or _world()))


def test_clr_shape_and_schema():
    credential = _build()
    assert credential["@context"] == [
        contexts.VC_V2,
        contexts.CLR_V2P0_2_0_1,
        contexts.OB_V3P0_3_0_3,
        contexts.OB_EXTENSIONS,
    ]
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential["credentialSchema"] == [
        {"id": clr.CLR_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["ClrSubject"] and "id" not in subject
    assert ob3.email_matches(subject["identifier"][0], EMAIL)
    assert [c["id"] for c in subject["verifiableCredential"]] == [
        factories.signed(1)["id"],
        "urn:uuid:00000000-0000-4000-8000-000000000002",
    ]
    assert subject["achievement"][0]["achievementType"] == "LearningProgram"
    assert subject["association"][1]["targetId"] == _safety_achievement().id
    assert schema.schema_name_for(credential) == schema.CLR_CREDENTIAL
    assert schema.schema_errors(credential, schema.CLR_CREDENTIAL) == []
    assert EMAIL not in json.dumps(credential)


def test_clr_signs_with_eddsa_rdfc_and_verifies_every_check():
    """Does a CLR bundling two signed OB 3.0 credentials sign, and verify end to end?"""
    signed = _sign(_build())
    (proof,) = signed["proof"]
    assert proof["cryptosuite"] == proofs.EDDSA_RDFC_2022
    result = verify(signed)
    assert result["verified"], result["checks"]
    assert [check["name"] for check in result["checks"]] == [
        "json",
        "jsonld",
        "schema",
        "issuer",
        "issuer_key",
        "proof",
        "validity",
        "status",
        "endorsements",
        "embedded",
    ]
    assert message(result, "schema") == "valid against the CLR 2.0 JSON Schema"
    assert message(result, "embedded") == "2 embedded credential(s) verified"


def test_did_learner_and_optional_fields():
    did = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    credential = _build(
        learner=clr.Learner(did=did),
        credentials=[factories.signed(1, did=did), _signed_safety_credential(did=did)],
        achievements=[],
        associations=[],
        valid_until=factories.VALID_FROM + timedelta(days=365),
        partial=True,
        status=ob3.Status(LIST_URL, 7),
    )
    subject = credential["credentialSubject"]
    assert subject["id"] == did and "identifier" not in subject and "achievement" not in subject
    assert credential["partial"] is True
    assert credential["credentialStatus"]["statusListIndex"] == "7"
    assert verify(_sign(credential))["verified"]


def test_tampered_embedded_credential_fails_embedded():
    """The CLR's own signature breaks, and the embedded check names the inner credential."""
    signed = _sign(_build())
    inner = signed["credentialSubject"]["verifiableCredential"][1]
    inner["credentialSubject"]["achievement"]["name"] = "Master Electrician"
    result = verify(signed)
    assert {"embedded", "proof"} <= failed(result)
    assert message(result, "embedded").startswith(
        "credential 2 (urn:uuid:00000000-0000-4000-8000-000000000002) fails proof"
    )


@pytest.mark.parametrize(
    ("change", "inner_check", "outer"),
    [
        (lambda c: c["credentialSubject"]["achievement"].update(name="Master"), "proof", set()),
        (lambda c: c.update(validFrom="2026-05-01T12:00:00Z"), "proof", set()),
        # An embedded context is refused wherever it sits, the CLR's own JSON-LD included.
        (
            lambda c: c["@context"].append({"@vocab": "https://evil.example/#"}),
            "jsonld",
            {"jsonld"},
        ),
    ],
)
def test_forged_credential_in_a_validly_signed_clr_fails_only_embedded(change, inner_check, outer):
    """An issuer that signs a CLR around a forged credential vouches for nothing inside it."""
    forged = factories.signed(1)
    change(forged)
    result = verify(_sign(_build(credentials=[forged, _signed_safety_credential()])))
    assert failed(result) == {"embedded"} | outer
    assert message(result, "embedded").startswith(f"credential 1 ({forged['id']}) fails")
    assert inner_check in message(result, "embedded")


def test_revoked_embedded_credential_fails_embedded():
    result = verify(_sign(_build()), **_world(revoked=[94568]))
    assert failed(result) == {"embedded"}
    assert "fails status: revoked: entry 94568" in message(result, "embedded")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(name="Comprehensive Learner Record: Grace"),
        lambda c: c["credentialSubject"]["association"].pop(),
        lambda c: c["credentialSubject"]["verifiableCredential"].pop(),
        lambda c: c.update(partial=False),
    ],
)
def test_tampered_clr_fails_proof(change):
    signed = _sign(_build())
    change(signed)
    result = verify(signed)
    assert "proof" in failed(result)
    assert "embedded" not in failed(result)


def test_builder_refuses_unsigned_or_foreign_credentials():
    unsigned = factories.credential(1)
    with pytest.raises(CredentialError, match="no proof"):
        _build(credentials=[unsigned])
    grace = factories.signed(1, email="grace@example.com")
    with pytest.raises(CredentialError, match="not about this learner") as caught:
        _build(credentials=[factories.signed(2), grace])
    assert caught.value.field == "credentials[1]"
    with pytest.raises(CredentialError, match="at least one credential"):
        _build(credentials=[])


def test_builder_refuses_bad_learners_associations_and_dates():
    with pytest.raises(CredentialError, match="exactly one"):
        _build(learner=clr.Learner())
    with pytest.raises(CredentialError, match="no achievement in the CLR"):
        _build(associations=[clr.Association("isParentOf", _program().id, "urn:x:unknown")])
    with pytest.raises(CredentialError, match="unknown association type"):
        _build(associations=[clr.Association("isCousinOf", _program().id, _program().id)])
    with pytest.raises(CredentialError, match="validUntil"):
        _build(valid_until=factories.VALID_FROM)


def test_clr_schema_rules():
    credential = _build()
    no_learner = copy.deepcopy(credential)
    del no_learner["credentialSubject"]["identifier"]
    assert schema.schema_errors(no_learner, schema.CLR_CREDENTIAL) == [
        "$.credentialSubject: needs an id or at least one identifier"
    ]
    with pytest.raises(SchemaError) as caught:
        schema.validate(no_learner, schema.CLR_CREDENTIAL)
    assert caught.value.path == "$.credentialSubject"
    no_criteria = copy.deepcopy(credential)
    no_criteria["credentialSubject"]["achievement"][0]["criteria"] = {}
    assert schema.schema_errors(no_criteria, schema.CLR_CREDENTIAL) == [
        "$.credentialSubject.achievement[0].criteria: needs an id or a narrative"
    ]
    empty = copy.deepcopy(credential)
    empty["credentialSubject"]["verifiableCredential"] = []
    assert schema.schema_errors(empty, schema.CLR_CREDENTIAL)


def test_bundled_clr_context_and_schema_are_the_published_bytes():
    """Pinned: a changed context changes the N-Quads and breaks every CLR signature."""
    context_file = contexts.CONTEXTS_DIR / contexts.CONTEXT_FILES[contexts.CLR_V2P0_2_0_1]
    assert hashlib.sha256(context_file.read_bytes()).hexdigest() == (
        "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6"
    )
    schema_file = schema.SCHEMAS_DIR / f"{schema.CLR_CREDENTIAL}.json"
    assert hashlib.sha256(schema_file.read_bytes()).hexdigest() == (
        "59d778659204b0bd593e9e2ab1683fb6f688e339885c44019f606ed6feb4caee"
    )
    assert schema.SCHEMA_URLS[clr.CLR_SCHEMA_URL] == schema.CLR_CREDENTIAL


def test_clr_contexts_never_come_from_the_network(monkeypatch):
    """The loader refuses unbundled CLR URLs, and build, sign and verify open no socket."""
    for url in (
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.2.json",
    ):
        with pytest.raises(ContextError, match="never fetched"):
            contexts.document_loader(url)

    def refuse(*args, **kwargs):
        raise AssertionError("the credentials package tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    contexts.clear_caches()
    signed = _sign(_build())
    assert verify(signed)["verified"]
    unbundled = copy.deepcopy(signed)
    unbundled["@context"][1] = "https://purl.imsglobal.org/spec/clr/v2p0/context.json"
    result = verify(unbundled)
    assert "jsonld" in failed(result)
    assert "never fetched" in message(result, "jsonld")


# 1EdTech's signed CLR 2.0 test credential: digital-credentials-public-validator
# @ 0442cf4fe3defda269e0816ab3833c31fa16a312, inspector-clr/src/test/resources/clr20/simple.json
# (values verbatim; only the JSON layout differs, which neither proof signs).
_TEST_KEY_FRAGMENT = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
EDTECH_SIMPLE_CLR = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ],
    "id": "http://example.edu/credentials/3732",
    "type": ["VerifiableCredential", "ClrCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "name": "Example University",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Sample Transcript",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["ClrSubject"],
        "verifiableCredential": [
            {
                "@context": [
                    "https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                ],
                "id": "http://example.com/credentials/3527",
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {
                    "id": "https://example.com/issuers/876543",
                    "type": ["Profile"],
                    "name": "Example Corp",
                },
                "validFrom": "2010-01-01T00:00:00Z",
                "name": "Teamwork Badge",
                "credentialSubject": {
                    "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
                    "type": ["AchievementSubject"],
                    "achievement": {
                        "id": "https://example.com/achievements/21st-century-skills/teamwork",
                        "type": ["Achievement"],
                        "criteria": {
                            "narrative": (
                                "Team members are nominated for this badge by their peers and "
                                "recognized upon review by Example Corp management."
                            )
                        },
                        "description": (
                            "This badge recognizes the development of the capacity to "
                            "collaborate within a group environment."
                        ),
                        "name": "Teamwork",
                    },
                },
                "proof": [
                    {
                        "type": "DataIntegrityProof",
                        "created": "2024-03-21T18:13:02Z",
                        "verificationMethod": (
                            "https://example.com/issuers/876543"
                            "#z6MkvREVgsHx7Ppae68vCoByy73ZD4aMSJiPML2cryVL8JAx"
                        ),
                        "cryptosuite": "eddsa-rdfc-2022",
                        "proofPurpose": "assertionMethod",
                        "proofValue": (
                            "z5rBXds3Efc6Ks8b4gLqBqFZTnFJM9a6ZeMFTbULckDohcpW4zS4dNP33iDvi6Qej4u"
                            "J4vzHvR3wRUSw8ykMS1bR1"
                        ),
                    }
                ],
            }
        ],
        "achievement": [
            {
                "id": f"urn:uuid:{uuid}",
                "type": ["Achievement"],
                "creator": {"id": "https://example.edu/issuers/565049", "type": ["Profile"]},
                "name": f"Achievement {number}",
                "criteria": {"id": f"https://example.edu/achievements/{uuid}/criteria"},
                "description": f"Achievement {number}",
                "image": {"id": "https://example.edu/achievements/sample.png", "type": "Image"},
            }
            for number, uuid in (
                (1, "a7467ef6-56cb-11ec-bf63-0242ac130002"),
                (2, "dd887f0a-56cb-11ec-bf63-0242ac130002"),
            )
        ],
        "association": [
            {
                "type": "Association",
                "associationType": "isParentOf",
                "sourceId": "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002",
                "targetId": "urn:uuid:dd887f0a-56cb-11ec-bf63-0242ac130002",
            }
        ],
    },
    "credentialSchema": [
        {
            "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ],
    "proof": [
        {
            "type": "DataIntegrityProof",
            "created": "2010-01-01T19:23:24Z",
            "verificationMethod": f"https://example.edu/issuers/565049#{_TEST_KEY_FRAGMENT}",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "proofValue": (
                "z3d7QnJK9rH5H8ARTViDA8oygpawXzqZxY6DwdizBo19rmMWDLKDGwHyF4whGm2WZv7PRNmiw9mmGDjTWoVKXCoWj"
            ),
        }
    ],
}


def test_1edtech_clr_fixture_verifies_with_the_bundled_context():
    """1EdTech signed this CLR over the published context: both signatures must verify."""
    credential = copy.deepcopy(EDTECH_SIMPLE_CLR)
    assert schema.schema_errors(credential, schema.CLR_CREDENTIAL) == []
    result = verify_credential(credential, now=NOW, fragment_keys=True)
    assert result["verified"], result["checks"]
    assert message(result, "embedded") == "1 embedded credential(s) verified"


def test_1edtech_clr_fixture_tampered_inside_fails_embedded():
    credential = copy.deepcopy(EDTECH_SIMPLE_CLR)
    inner = credential["credentialSubject"]["verifiableCredential"][0]
    inner["name"] = "Leadership Badge"
    result = verify_credential(credential, now=NOW, fragment_keys=True)
    assert failed(result) == {"proof", "embedded"}
    assert "credential 1 (http://example.com/credentials/3527) fails proof" in message(
        result, "embedded"
    )

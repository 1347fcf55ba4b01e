"""Building OB 3.0 credentials from dataclasses, validated before they are signed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.credentials import ob3, schema
from app.credentials.contexts import OB_EXTENSIONS, OB_V3P0_3_0_3, VC_V2
from app.credentials.exceptions import CredentialError, SchemaError, SigningError
from tests.credentials import factories


def test_credential_shape():
    credential = factories.credential()
    assert credential["@context"] == [VC_V2, OB_V3P0_3_0_3, OB_EXTENSIONS]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    issuer = credential["issuer"]
    assert issuer["type"] == ["Profile"] and issuer["id"].startswith("did:web:")
    assert issuer["otherIdentifier"][0] == {
        "type": "IdentifierEntry",
        "identifier": "239017",
        "identifierType": "ext:IPEDS",
    }
    assert issuer["parentOrg"]["type"] == ["Profile"]
    subject = credential["credentialSubject"]
    assert subject["source"]["id"] == factories.ISSUER_DID
    assert subject["achievement"]["creator"]["name"] == "Shopfloor"
    assert subject["achievement"]["alignment"][0]["targetType"] == "CFItem"
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert credential["credentialStatus"]["statusListIndex"] == "94567"
    assert credential["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    assert schema.schema_errors(credential) == []


def test_hashed_email_identity():
    identity = factories.credential(email=" Ada@Example.com ")["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    assert identity["identityHash"] == ob3.identity_hash("ada@example.com", "salt-1")
    assert identity["identityHash"].startswith("sha256$")
    assert ob3.email_matches(identity, "ADA@example.com")
    assert not ob3.email_matches(identity, "grace@example.com")
    assert "ada@example.com" not in str(factories.credential())


def test_did_subject_has_no_identifier():
    subject = factories.credential(did="did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi")[
        "credentialSubject"
    ]
    assert subject["id"].startswith("did:key:") and "identifier" not in subject


def test_extensions_context_only_when_used():
    credential = ob3.build_achievement_credential(
        id="urn:uuid:1",
        issuer=factories.issuer(),
        achievement=factories.achievement(),
        subject=ob3.Subject(did="did:example:ada"),
        valid_from=factories.VALID_FROM,
        status=ob3.Status("https://shopfloor.example/status/1", 5),
        credential_schema=False,
    )
    assert credential["@context"] == [VC_V2, OB_V3P0_3_0_3]


def test_schema_failure_names_the_json_path():
    achievement = ob3.Achievement(id="urn:x", name="", description="d", criteria_narrative="c")
    broken = ob3.Achievement(**{**achievement.__dict__, "achievement_type": "Trophy"})
    with pytest.raises(SchemaError) as caught:
        ob3.build_achievement_credential(
            id="urn:uuid:1",
            issuer=factories.issuer(),
            achievement=broken,
            subject=ob3.Subject(did="did:example:ada"),
            valid_from=factories.VALID_FROM,
            status=ob3.Status("https://shopfloor.example/status/1", 5),
        )
    assert caught.value.path == "$.credentialSubject.achievement.achievementType"


def test_subject_needs_exactly_one_identity():
    with pytest.raises(CredentialError, match="exactly one"):
        ob3.build_achievement_credential(
            id="urn:uuid:1",
            issuer=factories.issuer(),
            achievement=factories.achievement(),
            subject=ob3.Subject(),
            valid_from=factories.VALID_FROM,
            status=ob3.Status("https://shopfloor.example/status/1", 5),
        )


def test_valid_until_must_follow_valid_from():
    with pytest.raises(CredentialError, match="validUntil"):
        factories.credential(valid_until=factories.VALID_FROM - timedelta(days=1))


def test_signed_credential_has_a_proof_array_and_validates():
    signed = factories.signed()
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    proof = signed["proof"][0]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == factories.KEY_ID
    assert proof["proofValue"].startswith("z")
    assert schema.schema_errors(signed) == []
    assert factories.signed() == signed  # deterministic: Ed25519 and the builder are pure


def test_signing_refuses_a_key_the_issuer_does_not_control():
    with pytest.raises(SigningError, match="not the issuer"):
        ob3.sign_credential(
            factories.credential(),
            factories.TEST_KEY,
            verification_method="did:web:elsewhere.example#key-1",
            created=factories.VALID_FROM,
        )


def test_signing_refuses_a_credential_that_breaks_the_schema():
    credential = factories.credential()
    del credential["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(SchemaError, match=r"\$\.credentialSubject\.achievement"):
        ob3.sign_credential(
            credential,
            Ed25519PrivateKey.generate(),
            verification_method=factories.KEY_ID,
            created=factories.VALID_FROM,
        )


def test_endorsement_credential_validates():
    endorsement = ob3.build_endorsement_credential(
        id="urn:uuid:e1",
        issuer=ob3.Profile(id="did:web:shopfloor.example:issuers:hbcu", name="Delta State HBCU"),
        endorsed_id=factories.achievement().id,
        comment="We co-designed and assessed this achievement.",
        valid_from=factories.VALID_FROM,
        name="Delta State endorses PLC Fundamentals",
    )
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert schema.schema_errors(endorsement, schema.ENDORSEMENT_CREDENTIAL) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda c: c["credentialSubject"].pop("identifier"), "$.credentialSubject"),
        (
            lambda c: c["credentialSubject"]["achievement"].update(criteria={}),
            "$.credentialSubject.achievement.criteria",
        ),
    ],
)
def test_rules_the_schema_leaves_out_are_checked_too(change, path):
    credential = factories.credential()
    change(credential)
    with pytest.raises(SchemaError) as caught:
        schema.validate(credential)
    assert caught.value.path == path
    assert schema.schema_errors(credential)[0].startswith(path)

"""Build a 1EdTech Comprehensive Learner Record 2.0 ``ClrCredential`` from signed OB 3.0
credentials and plain dataclasses.

A ClrCredential is itself a verifiable credential: sign it with ``ob3.sign_credential`` (it
picks the CLR schema by type) and verify it with ``verifier.verify_credential``, which also
verifies every embedded credential on its own (the ``embedded`` check). Like ``ob3``, the
builder is pure: ids and times arrive as parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.credentials import ob3, proofs, schema, status_list
from app.credentials.contexts import CLR_V2P0_2_0_1, OB_EXTENSIONS, OB_V3P0_3_0_3, VC_V2
from app.credentials.exceptions import CredentialError

CLR_SCHEMA_URL = schema.CLR_SCHEMA_URL
# The CLR schema requires VC 2.0, then CLR 2.0, then OB 3.0 (1EdTech's examples do the same);
# the extensions context defines the 1EdTechJsonSchemaValidator2019 type of credentialSchema.
CONTEXTS = (VC_V2, CLR_V2P0_2_0_1, OB_V3P0_3_0_3, OB_EXTENSIONS)
ASSOCIATION_TYPES = frozenset(
    {
        "exactMatchOf",
        "isChildOf",
        "isParentOf",
        "isPartOf",
        "isPeerOf",
        "isRelatedTo",
        "precedes",
        "replacedBy",
    }
)


@dataclass(frozen=True)
class Learner:
    """The CLR's subject: a DID, or a hashed email identity (exactly one)."""

    did: str | None = None
    hashed_email: ob3.HashedEmail | None = None


@dataclass(frozen=True)
class Association:
    """How two achievements relate: ``source_id`` *association_type* ``target_id``."""

    association_type: str
    source_id: str
    target_id: str


def build_clr_credential(
    *,
    id: str,
    issuer: ob3.Profile,
    learner: Learner,
    name: str,
    description: str | None,
    valid_from: datetime,
    credentials: Sequence[dict[str, Any]],
    achievements: Sequence[ob3.Achievement] = (),
    associations: Sequence[Association] = (),
    valid_until: datetime | None = None,
    partial: bool | None = None,
    status: ob3.Status | None = None,
) -> dict[str, Any]:
    """Return the unsigned ClrCredential, validated against the CLR 2.0 schema.

    *credentials* are signed credentials about *learner* (copied into
    ``credentialSubject.verifiableCredential``); *achievements* are the competencies the record
    attests directly. Raises CredentialError when a credential is unsigned or about someone
    else, or an association names an unknown achievement; SchemaError (naming the JSON path)
    when the result breaks the schema.
    """
    if valid_until is not None and valid_until <= valid_from:
        raise CredentialError("validUntil must be after validFrom", field="validUntil")
    identifier = _identifier(learner)
    embedded = [_embeddable(credential, learner, i) for i, credential in enumerate(credentials)]
    if not embedded:
        raise CredentialError("a CLR embeds at least one credential", field="credentials")
    achievement_list = [ob3.achievement_json(achievement) for achievement in achievements]
    _check_associations(associations, achievement_list, embedded)
    subject = _drop_empty(
        {
            "id": learner.did,
            "type": ["ClrSubject"],
            "identifier": identifier,
            "achievement": achievement_list,
            "verifiableCredential": embedded,
            "association": [_association(a) for a in associations],
        }
    )
    credential = _drop_empty(
        {
            "@context": list(CONTEXTS),
            "id": id,
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": ob3.profile_json(issuer),
            "validFrom": proofs.xsd_datetime(valid_from),
            "validUntil": proofs.xsd_datetime(valid_until) if valid_until else None,
            "name": name,
            "description": description,
            "partial": partial,
            "credentialSubject": subject,
            "credentialSchema": [{"id": CLR_SCHEMA_URL, "type": ob3.SCHEMA_VALIDATOR_TYPE}],
            "credentialStatus": (
                status_list.status_entry(status.list_url, status.index, status.purpose)
                if status
                else None
            ),
        }
    )
    schema.validate(credential, schema.CLR_CREDENTIAL)
    return credential


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, [], ())}


def _identifier(learner: Learner) -> list[dict[str, Any]] | None:
    if (learner.did is None) == (learner.hashed_email is None):
        raise CredentialError("a learner is either a DID or a hashed email, exactly one")
    if learner.hashed_email is None:
        return None
    salt = learner.hashed_email.salt
    return [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": ob3.identity_hash(
                ob3.normalise_email(learner.hashed_email.email), salt
            ),
            "identityType": "emailAddress",
            "salt": salt,
        }
    ]


def _embeddable(credential: Any, learner: Learner, index: int) -> dict[str, Any]:
    """Return a copy of a credential fit to embed: signed, and about *learner*."""
    field = f"credentials[{index}]"
    if not isinstance(credential, dict):
        raise CredentialError("an embedded credential must be a JSON object", field=field)
    types = credential.get("type")
    if "VerifiableCredential" not in (types if isinstance(types, list) else [types]):
        raise CredentialError("an embedded credential must be a VerifiableCredential", field=field)
    if not proofs.proofs_of(credential):
        raise CredentialError(
            "an embedded credential must be signed (it has no proof)", field=field
        )
    if not _about(credential, learner):
        raise CredentialError("the credential is not about this learner", field=field)
    return copy.deepcopy(credential)


def _about(credential: dict[str, Any], learner: Learner) -> bool:
    """Return whether the credential's subject is *learner* (by DID, or by email hash)."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return False
    if learner.did is not None:
        return subject.get("id") == learner.did
    if learner.hashed_email is None:
        return False
    email = ob3.normalise_email(learner.hashed_email.email)
    identities = subject.get("identifier") or []
    for identity in identities if isinstance(identities, list) else [identities]:
        if not isinstance(identity, dict) or identity.get("identityType") != "emailAddress":
            continue
        if identity.get("hashed") is False and identity.get("identityHash") == email:
            return True
        if identity.get("hashed") is True and ob3.email_matches(identity, email):
            return True
    return False


def _association(association: Association) -> dict[str, Any]:
    if association.association_type not in ASSOCIATION_TYPES:
        raise CredentialError(
            f"unknown association type {association.association_type!r}", field="associations"
        )
    return {
        "type": "Association",
        "associationType": association.association_type,
        "sourceId": association.source_id,
        "targetId": association.target_id,
    }


def _check_associations(
    associations: Sequence[Association],
    achievements: list[dict[str, Any]],
    embedded: list[dict[str, Any]],
) -> None:
    """Refuse an association whose ends are neither listed nor awarded by an embedded credential."""
    known = {achievement["id"] for achievement in achievements}
    for credential in embedded:
        subject = credential.get("credentialSubject")
        awarded = subject.get("achievement") if isinstance(subject, dict) else None
        if isinstance(awarded, dict) and isinstance(awarded.get("id"), str):
            known.add(awarded["id"])
    for association in associations:
        for end in (association.source_id, association.target_id):
            if end not in known:
                raise CredentialError(
                    f"association names {end!r}, which no achievement in the CLR has",
                    field="associations",
                )

"""Build Open Badges 3.0 credentials (AchievementCredential, EndorsementCredential) from
plain dataclasses, and sign them once they validate.

The builders are pure: the same input gives the same JSON. Ids, times and salts arrive as
parameters; nothing here reads a clock or a database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.credentials import canonical, proofs, schema, status_list
from app.credentials.contexts import OB_EXTENSIONS, OB_V3P0_3_0_3, VC_V2
from app.credentials.exceptions import CredentialError, SigningError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ACHIEVEMENT_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ENDORSEMENT_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
# Terms that only the OB extensions context defines (validator issue #64: leave it out and
# "1EdTechJsonSchemaValidator2019" is an undefined term).
EXTENSION_TYPES = {SCHEMA_VALIDATOR_TYPE, "1EdTechRevocationList", "1EdTechCredentialRefresh"}


@dataclass(frozen=True)
class Image:
    id: str
    caption: str | None = None


@dataclass(frozen=True)
class IdentifierEntry:
    """An institutional identifier: ``identifier_type`` such as ``ext:IPEDS`` or ``ext:OPEID``."""

    identifier: str
    identifier_type: str


@dataclass(frozen=True)
class Profile:
    """An issuer, creator, source or parent organisation."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: Image | None = None
    other_identifiers: tuple[IdentifierEntry, ...] = ()
    parent_org: Profile | None = None


@dataclass(frozen=True)
class Alignment:
    """An alignment to a framework item (``target_type`` ``CFItem`` for CASE items)."""

    target_name: str
    target_url: str
    target_framework: str | None = None
    target_code: str | None = None
    target_type: str | None = None
    target_description: str | None = None


@dataclass(frozen=True)
class Achievement:
    """What is awarded. *endorsements* are signed EndorsementCredentials whose subject is this
    achievement's id: they go in the achievement's own ``endorsement`` list, where OB 3.0 puts
    claims about the achievement (the verifier refuses them about anything else)."""

    id: str
    name: str
    description: str
    criteria_narrative: str
    achievement_type: str | None = None
    criteria_id: str | None = None
    image: Image | None = None
    alignments: tuple[Alignment, ...] = ()
    creator: Profile | None = None
    human_code: str | None = None
    tags: tuple[str, ...] = ()
    endorsements: tuple[dict[str, Any], ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class HashedEmail:
    """A learner identified by a salted SHA-256 of their email, not the address itself."""

    email: str
    salt: str


@dataclass(frozen=True)
class Subject:
    """The learner: a DID, or a hashed email identity (exactly one)."""

    did: str | None = None
    hashed_email: HashedEmail | None = None
    source: Profile | None = None
    activity_start: datetime | None = None
    activity_end: datetime | None = None


@dataclass(frozen=True)
class Evidence:
    name: str
    narrative: str | None = None
    description: str | None = None
    id: str | None = None
    genre: str | None = None


@dataclass(frozen=True)
class Status:
    """Where the credential's revocation (or suspension) bit lives."""

    list_url: str
    index: int
    purpose: str = "revocation"


def identity_hash(identifier: str, salt: str) -> str:
    """Return ``sha256$<hex>`` of identifier ‖ salt, as OB 3.0 IdentityObject requires."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    """Return the form of an email address that is hashed (trimmed, lower case)."""
    return email.strip().lower()


def email_matches(identity: dict[str, Any], email: str) -> bool:
    """Return whether a hashed email IdentityObject is this *email* (an employer's check)."""
    salt = identity.get("salt") or ""
    if not isinstance(salt, str):
        return False
    return identity.get("identityHash") == identity_hash(normalise_email(email), salt)


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, [], ())}


def _image(image: Image | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return _drop_none({"id": image.id, "type": "Image", "caption": image.caption})


def profile_json(profile: Profile) -> dict[str, Any]:
    """Return a Profile object (always an object with ``type: ["Profile"]``)."""
    return _drop_none(
        {
            "id": profile.id,
            "type": ["Profile"],
            "name": profile.name,
            "url": profile.url,
            "email": profile.email,
            "description": profile.description,
            "image": _image(profile.image),
            "otherIdentifier": [
                {
                    "type": "IdentifierEntry",
                    "identifier": entry.identifier,
                    "identifierType": entry.identifier_type,
                }
                for entry in profile.other_identifiers
            ],
            "parentOrg": profile_json(profile.parent_org) if profile.parent_org else None,
        }
    )


def _alignment(alignment: Alignment) -> dict[str, Any]:
    return _drop_none(
        {
            "type": ["Alignment"],
            "targetName": alignment.target_name,
            "targetUrl": alignment.target_url,
            "targetFramework": alignment.target_framework,
            "targetCode": alignment.target_code,
            "targetType": alignment.target_type,
            "targetDescription": alignment.target_description,
        }
    )


def achievement_json(achievement: Achievement) -> dict[str, Any]:
    """Return the Achievement object of a credential subject."""
    return _drop_none(
        {
            "id": achievement.id,
            "type": ["Achievement"],
            "achievementType": achievement.achievement_type,
            "name": achievement.name,
            "description": achievement.description,
            "criteria": _drop_none(
                {"id": achievement.criteria_id, "narrative": achievement.criteria_narrative}
            ),
            "image": _image(achievement.image),
            "alignment": [_alignment(a) for a in achievement.alignments],
            "creator": profile_json(achievement.creator) if achievement.creator else None,
            "humanCode": achievement.human_code,
            "tag": list(achievement.tags),
            "endorsement": list(achievement.endorsements),
        }
    )


def _subject(subject: Subject, achievement: Achievement) -> dict[str, Any]:
    if (subject.did is None) == (subject.hashed_email is None):
        raise CredentialError("a subject is either a DID or a hashed email, exactly one")
    identifier = None
    if subject.hashed_email is not None:
        email = normalise_email(subject.hashed_email.email)
        identifier = [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": identity_hash(email, subject.hashed_email.salt),
                "identityType": "emailAddress",
                "salt": subject.hashed_email.salt,
            }
        ]
    return _drop_none(
        {
            "id": subject.did,
            "type": ["AchievementSubject"],
            "identifier": identifier,
            "achievement": achievement_json(achievement),
            "source": profile_json(subject.source) if subject.source else None,
            "activityStartDate": _when(subject.activity_start),
            "activityEndDate": _when(subject.activity_end),
        }
    )


def _when(moment: datetime | None) -> str | None:
    return proofs.xsd_datetime(moment) if moment is not None else None


def _contexts(body: dict[str, Any]) -> list[str]:
    uses_extensions = any(
        entry.get("type") in EXTENSION_TYPES
        for key in ("credentialSchema", "credentialStatus", "refreshService")
        for entry in _as_list(body.get(key))
        if isinstance(entry, dict)
    )
    return [VC_V2, OB_V3P0_3_0_3, *([OB_EXTENSIONS] if uses_extensions else [])]


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def build_achievement_credential(
    *,
    id: str,
    issuer: Profile,
    achievement: Achievement,
    subject: Subject,
    valid_from: datetime,
    status: Status,
    valid_until: datetime | None = None,
    name: str | None = None,
    description: str | None = None,
    evidence: tuple[Evidence, ...] = (),
    endorsements: tuple[dict[str, Any], ...] = (),
    credential_schema: bool = True,
) -> dict[str, Any]:
    """Return the unsigned OpenBadgeCredential, validated against the OB 3.0 schema.

    *endorsements* go in the credential's own ``endorsement`` list: claims about this
    credential, or its issuer. Endorsements of the achievement belong in
    ``Achievement.endorsements``.

    Raises SchemaError (naming the JSON path) or CredentialError when the input cannot make a
    valid credential; ContextError when a value would leave a JSON-LD term undefined.
    """
    if valid_until is not None and valid_until <= valid_from:
        raise CredentialError("validUntil must be after validFrom", field="validUntil")
    body: dict[str, Any] = _drop_none(
        {
            "id": id,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": name or achievement.name,
            "description": description,
            "issuer": profile_json(issuer),
            "validFrom": proofs.xsd_datetime(valid_from),
            "validUntil": _when(valid_until),
            "awardedDate": proofs.xsd_datetime(valid_from),
            "credentialSubject": _subject(subject, achievement),
            "evidence": [
                _drop_none(
                    {
                        "id": item.id,
                        "type": ["Evidence"],
                        "name": item.name,
                        "narrative": item.narrative,
                        "description": item.description,
                        "genre": item.genre,
                    }
                )
                for item in evidence
            ],
            "endorsement": list(endorsements),
            "credentialSchema": (
                [{"id": ACHIEVEMENT_SCHEMA_URL, "type": SCHEMA_VALIDATOR_TYPE}]
                if credential_schema
                else None
            ),
            "credentialStatus": status_list.status_entry(
                status.list_url, status.index, status.purpose
            ),
        }
    )
    credential = {"@context": _contexts(body), **body}
    schema.validate(credential, schema.ACHIEVEMENT_CREDENTIAL)
    return credential


def build_endorsement_credential(
    *,
    id: str,
    issuer: Profile,
    endorsed_id: str,
    comment: str,
    valid_from: datetime,
    name: str,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """Return an unsigned EndorsementCredential by *issuer* vouching for *endorsed_id*."""
    body = _drop_none(
        {
            "id": id,
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": name,
            "issuer": profile_json(issuer),
            "validFrom": proofs.xsd_datetime(valid_from),
            "validUntil": _when(valid_until),
            "credentialSubject": {
                "id": endorsed_id,
                "type": ["EndorsementSubject"],
                "endorsementComment": comment,
            },
            "credentialSchema": [{"id": ENDORSEMENT_SCHEMA_URL, "type": SCHEMA_VALIDATOR_TYPE}],
        }
    )
    credential = {"@context": _contexts(body), **body}
    schema.validate(credential, schema.ENDORSEMENT_CREDENTIAL)
    return credential


def sign_credential(
    credential: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    cryptosuite: str = proofs.EDDSA_RDFC_2022,
) -> dict[str, Any]:
    """Validate *credential* (schema, then JSON-LD safe mode) and return it signed.

    Refuses a verification method whose controller is not the issuer: verifiers reject that.
    """
    schema.validate(credential, schema.schema_name_for(credential))
    issuer = credential["issuer"]
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    # A verification method id is <controller DID or URL>#<fragment>.
    controller = verification_method.partition("#")[0]
    if controller != issuer_id:
        raise SigningError(f"key controller {controller} is not the issuer {issuer_id}")
    canonical.expand(credential)  # fail on undefined terms before anything is signed
    signed = proofs.sign(
        credential,
        private_key,
        verification_method=verification_method,
        created=created,
        cryptosuite=cryptosuite,
    )
    schema.validate(signed, schema.schema_name_for(signed))
    return signed

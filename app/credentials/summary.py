"""What a credential says, in words an employer reads: achievement, issuer, learner, dates,
evidence.

The document may be unverified or hostile, so every field is optional, only strings are
kept, each cut to a display length, and lists are capped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.credentials import endorsements, ob3

TEXT = 2000  # characters kept of a description or narrative
SHORT = 300  # of a name, id or URL
ITEMS = 50  # entries kept of a list (identifiers, evidence)

# identifierType values Shopfloor writes, and the usual ones, in plain words.
IDENTIFIER_LABELS = {
    "ext:IPEDSUnitID": "IPEDS Unit ID",
    "ext:IPEDS": "IPEDS Unit ID",
    "ext:OPEID": "OPEID",
    "sourcedId": "Sourced ID",
    "nationalIdentityNumber": "National identity number",
}


@dataclass(frozen=True)
class Identifier:
    label: str
    value: str


@dataclass(frozen=True)
class Identity:
    """An IdentityObject of the subject: hashed (checkable with a guess) or plain."""

    kind: str  # identityType: emailAddress, name, studentId, ...
    hashed: bool
    value: str  # the plain value, or the hash when hashed


@dataclass(frozen=True)
class EvidenceItem:
    name: str
    narrative: str
    genre: str
    url: str


@dataclass(frozen=True)
class Summary:
    id: str
    name: str
    achievement: str
    achievement_type: str
    description: str
    criteria: str
    issuer: str
    issuer_id: str
    issuer_url: str
    issuer_identifiers: tuple[Identifier, ...]
    parent_org: str
    learner_id: str  # a DID, when the learner is named by one
    identities: tuple[Identity, ...]
    valid_from: str
    valid_until: str
    awarded: str
    evidence: tuple[EvidenceItem, ...]
    endorsements: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def hashed_email(self) -> bool:
        """Whether the learner is named by a hashed email address (which a guess can check)."""
        return any(i.kind == "emailAddress" and i.hashed for i in self.identities)


def summarise(document: dict[str, Any]) -> Summary:
    """Read *document* (an OB 3.0 credential, maybe malformed) into a Summary."""
    subject = _dict(document.get("credentialSubject"))
    achievement = _dict(subject.get("achievement"))
    issuer = _issuer(document.get("issuer"))
    return Summary(
        id=_text(document.get("id")),
        name=_text(document.get("name")),
        achievement=_text(achievement.get("name")),
        achievement_type=_text(achievement.get("achievementType")),
        description=_text(achievement.get("description"), TEXT),
        criteria=_text(_dict(achievement.get("criteria")).get("narrative"), TEXT),
        issuer=_text(issuer.get("name")),
        issuer_id=_text(issuer.get("id")),
        issuer_url=_text(issuer.get("url")),
        issuer_identifiers=tuple(_identifiers(issuer)),
        parent_org=_text(_dict(issuer.get("parentOrg")).get("name")),
        learner_id=_text(subject.get("id")),
        identities=tuple(_identities(subject)),
        valid_from=_text(document.get("validFrom", document.get("issuanceDate"))),
        valid_until=_text(document.get("validUntil", document.get("expirationDate"))),
        awarded=_text(document.get("awardedDate")),
        evidence=tuple(_evidence(document)),
        endorsements=len(endorsements.endorsements_of(document)),
    )


def email_matches(document: dict[str, Any], email: str) -> bool | None:
    """Whether *email* is the learner's: None when no email identity names the learner."""
    identities = [
        entry
        for entry in _list(_dict(document.get("credentialSubject")).get("identifier"))
        if isinstance(entry, dict) and entry.get("identityType") == "emailAddress"
    ]
    if not identities:
        return None
    for entry in identities:
        if entry.get("hashed") is False:
            if ob3.normalise_email(str(entry.get("identityHash", ""))) == ob3.normalise_email(
                email
            ):
                return True
        elif ob3.email_matches(entry, email):
            return True
    return False


def _issuer(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"id": value}


def _identifiers(issuer: dict[str, Any]) -> list[Identifier]:
    found = []
    for entry in _list(issuer.get("otherIdentifier"))[:ITEMS]:
        entry = _dict(entry)
        kind, value = _text(entry.get("identifierType")), _text(entry.get("identifier"))
        if value:
            found.append(Identifier(IDENTIFIER_LABELS.get(kind, kind or "Identifier"), value))
    return found


def _identities(subject: dict[str, Any]) -> list[Identity]:
    found = []
    for entry in _list(subject.get("identifier"))[:ITEMS]:
        entry = _dict(entry)
        value = _text(entry.get("identityHash"))
        if value:
            kind = _text(entry.get("identityType")) or "identifier"
            found.append(Identity(kind, entry.get("hashed") is not False, value))
    return found


def _evidence(document: dict[str, Any]) -> list[EvidenceItem]:
    found = []
    for entry in _list(document.get("evidence"))[:ITEMS]:
        entry = _dict(entry)
        item = EvidenceItem(
            name=_text(entry.get("name")),
            narrative=_text(entry.get("narrative") or entry.get("description"), TEXT),
            genre=_text(entry.get("genre")),
            url=_text(entry.get("id")),
        )
        if item.name or item.narrative or item.url:
            found.append(item)
    return found


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _text(value: Any, limit: int = SHORT) -> str:
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"

"""A typical Shopfloor credential, built from plain dataclasses (shared by tests and benchmark)."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.credentials import clr, keys, ob3, proofs
from app.credentials.status_list import StatusList, status_list_credential

ISSUER_DID = "did:web:shopfloor.example:issuers:lakeshore-tech"
KEY_ID = f"{ISSUER_DID}#key-1"
VALID_FROM = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# A fixed test seed, so signatures are reproducible (never used outside tests).
TEST_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def issuer() -> ob3.Profile:
    return ob3.Profile(
        id=ISSUER_DID,
        name="Lakeshore Technical College",
        url="https://www.lakeshore.example",
        email="registrar@lakeshore.example",
        image=ob3.Image("https://shopfloor.example/partners/lakeshore/logo.png", "Lakeshore"),
        other_identifiers=(
            ob3.IdentifierEntry("239017", "ext:IPEDS"),
            ob3.IdentifierEntry("00578200", "ext:OPEID"),
        ),
        parent_org=ob3.Profile(
            id="https://www.wtcsystem.example", name="Wisconsin Technical College System"
        ),
    )


def achievement() -> ob3.Achievement:
    return ob3.Achievement(
        id="https://shopfloor.example/achievements/plc-fundamentals",
        name="PLC Fundamentals",
        description="Reads ladder logic and wires, programs and tests a simple PLC line.",
        criteria_narrative="Pass the PLC module labs with at least 80% and the module quiz.",
        achievement_type="Competency",
        image=ob3.Image("https://shopfloor.example/achievements/plc-fundamentals.svg"),
        alignments=(
            ob3.Alignment(
                target_name="Program and troubleshoot PLCs",
                target_url="https://case.example/uri/6b3c1f0e-plc",
                target_framework="Smart Manufacturing Technician",
                target_code="SMT-4.2",
                target_type="CFItem",
            ),
        ),
        creator=ob3.Profile(id="https://shopfloor.example", name="Shopfloor"),
    )


def credential(
    number: int = 1,
    *,
    did: str | None = None,
    email: str | None = "ada@example.com",
    valid_until: datetime | None = None,
    status_index: int = 94567,
) -> dict:
    subject = ob3.Subject(
        did=did,
        hashed_email=None if did else ob3.HashedEmail(email or "", salt=f"salt-{number}"),
        source=issuer(),
    )
    return ob3.build_achievement_credential(
        id=f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        issuer=issuer(),
        achievement=achievement(),
        subject=subject,
        valid_from=VALID_FROM,
        valid_until=valid_until,
        status=ob3.Status("https://shopfloor.example/status/lakeshore/1", status_index),
        evidence=(
            ob3.Evidence(
                name="PLC lab 3: conveyor interlock",
                narrative="Scored 92% on the conveyor interlock lab.",
                id="https://shopfloor.example/evidence/lab-runs/4711",
            ),
        ),
    )


def signed(number: int = 1, **kwargs) -> dict:
    return ob3.sign_credential(
        credential(number, **kwargs), TEST_KEY, verification_method=KEY_ID, created=VALID_FROM
    )


LIST_URL = "https://shopfloor.example/status/lakeshore/1"


def did_document() -> dict:
    """The issuer's DID document: key-1, listed under assertionMethod."""
    return keys.did_document(ISSUER_DID, {"key-1": TEST_KEY.public_key()})


def status_list(issuer: str = ISSUER_DID, key=TEST_KEY, method: str = KEY_ID, revoked=()) -> dict:
    """A signed revocation list at LIST_URL, by *issuer*."""
    bits = StatusList()
    for index in revoked:
        bits.set(index)
    unsigned = status_list_credential(
        list_url=LIST_URL, issuer=issuer, status_list=bits, valid_from="2026-01-01T00:00:00Z"
    )
    return proofs.sign(unsigned, key, verification_method=method, created=VALID_FROM)


def world(documents: dict[str, dict] | None = None, **status) -> dict:
    """Fetchers serving the issuer's DID document plus *documents* (by URL), and its list;
    each fetch is recorded in ``world["fetched"]``."""
    served = {keys.did_web_url(ISSUER_DID): did_document(), **(documents or {})}
    listed = status_list(**status)
    fetched: list[str] = []

    def fetch_document(url: str) -> dict:
        fetched.append(url)
        if url not in served:
            raise LookupError(f"{url} answered HTTP 404")
        return served[url]

    def fetch_status_list(url: str) -> dict:
        fetched.append(url)
        return listed

    return {
        "fetch_document": fetch_document,
        "fetch_status_list": fetch_status_list,
        "fetched": fetched,
    }


# An endorsing partner with its own did:web key (a fixed test seed, like TEST_KEY).
PARTNER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
PARTNER = ob3.Profile(id="did:web:shopfloor.example:issuers:hbcu", name="Delta State")


def partner_documents() -> dict[str, dict]:
    """The partner's DID document, by URL (pass to ``world``)."""
    return {
        keys.did_web_url(PARTNER.id): keys.did_document(
            PARTNER.id, {"key-1": PARTNER_KEY.public_key()}
        )
    }


def endorsement(about: str, number: int = 1) -> dict:
    """The partner's signed EndorsementCredential about *about*."""
    return ob3.sign_credential(
        ob3.build_endorsement_credential(
            id=f"urn:uuid:00000000-0000-4000-8000-e{number:011d}",
            issuer=PARTNER,
            endorsed_id=about,
            comment="Co-assessed.",
            valid_from=VALID_FROM,
            name="Endorsement",
        ),
        PARTNER_KEY,
        verification_method=f"{PARTNER.id}#key-1",
        created=VALID_FROM,
    )


def clr_of(credentials: list[dict], learner_did: str = "did:example:ada") -> dict:
    """A signed ClrCredential by the issuer, embedding *credentials*."""
    unsigned = clr.build_clr_credential(
        id="urn:uuid:00000000-0000-4000-8000-00000000c1a0",
        issuer=issuer(),
        learner=clr.Learner(did=learner_did),
        name="Record",
        description=None,
        valid_from=VALID_FROM,
        credentials=credentials,
    )
    return ob3.sign_credential(unsigned, TEST_KEY, verification_method=KEY_ID, created=VALID_FROM)

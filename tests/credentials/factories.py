"""A typical Shopfloor credential, built from plain dataclasses (shared by tests and benchmark)."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.credentials import ob3

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

"""Data Integrity proofs with Ed25519: eddsa-rdfc-2022 (primary), eddsa-jcs-2022, and
verification of the legacy Ed25519Signature2020 suite that older credentials carry.

For each suite the signed bytes are ``sha256(canon(proof config)) ‖ sha256(canon(document))``,
where the proof config is the proof without ``proofValue`` and with the document's ``@context``,
and the document is the credential without ``proof`` (W3C vc-di-eddsa, sections 3.2 and 3.3).
A proof with ``previousProof`` (a proof chain) signs the document carrying the proofs it names.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.credentials import canonical
from app.credentials.exceptions import CredentialError, SigningError
from app.credentials.keys import multibase_decode, multibase_encode

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
EDDSA_JCS_2022 = "eddsa-jcs-2022"
CRYPTOSUITES = (EDDSA_RDFC_2022, EDDSA_JCS_2022)
LEGACY_ED25519_2020 = "Ed25519Signature2020"


def xsd_datetime(moment: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    if moment.tzinfo is None:
        raise ValueError("datetimes in credentials must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def proofs_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the document's proofs as a list (a single proof object counts as one)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def _suite(proof: dict[str, Any]) -> str:
    if proof.get("type") == "DataIntegrityProof" and proof.get("cryptosuite") in CRYPTOSUITES:
        return proof["cryptosuite"]
    if proof.get("type") == LEGACY_ED25519_2020:
        return LEGACY_ED25519_2020
    raise CredentialError(
        f"unsupported proof type {proof.get('type')!r} / cryptosuite {proof.get('cryptosuite')!r}"
    )


def proof_config(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """Return the proof options that are hashed: the proof without proofValue, in context."""
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    contexts = document.get("@context")
    if "@context" in proof:
        own = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        mine = contexts if isinstance(contexts, list) else [contexts]
        if mine[: len(own)] != own:
            raise CredentialError("the proof's @context is not a prefix of the document's")
    if _suite(proof) == EDDSA_JCS_2022 and "@context" in proof:
        return config
    config["@context"] = contexts
    return config


def canonical_forms(
    document: dict[str, Any], proof: dict[str, Any], *, document_nquads: str | None = None
) -> tuple[bytes | str, bytes | str]:
    """Return the canonical (proof config, document) pair the suite hashes.

    *document* is what the proof covers: without proofs, or with the ones a chained proof
    names (see ``document_for``). *document_nquads*, when given, is its RDFC-1.0 form
    already computed (a verifier that checked the JSON-LD first need not do it twice).
    """
    config = proof_config(document, proof)
    if _suite(proof) == EDDSA_JCS_2022:
        return canonical.jcs(config), canonical.jcs(document)
    if document_nquads is None or "previousProof" in proof:
        document_nquads = canonical.rdfc(document)
    return canonical.rdfc(config), document_nquads


def hash_data(
    document: dict[str, Any], proof: dict[str, Any], *, document_nquads: str | None = None
) -> bytes:
    """Return ``sha256(proof config) ‖ sha256(document)``: the 64 bytes that are signed."""
    config_form, document_form = canonical_forms(document, proof, document_nquads=document_nquads)
    return _sha256(config_form) + _sha256(document_form)


def _sha256(form: bytes | str) -> bytes:
    return hashlib.sha256(form.encode("utf-8") if isinstance(form, str) else form).digest()


def create_proof(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    cryptosuite: str = EDDSA_RDFC_2022,
    proof_purpose: str = "assertionMethod",
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """Sign *document* (its existing proofs are not covered) and return the new proof object.

    With *previous_proof* the proof joins a chain and also covers the proofs it names.
    eddsa-jcs-2022 proofs keep ``@context``, as the W3C vectors do.
    """
    if cryptosuite not in CRYPTOSUITES:
        raise SigningError(f"unknown cryptosuite {cryptosuite!r}")
    proof: dict[str, Any] = {"type": "DataIntegrityProof"}
    if proof_id:
        proof["id"] = proof_id
    proof |= {
        "cryptosuite": cryptosuite,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if previous_proof is not None:
        proof["previousProof"] = previous_proof
    if cryptosuite == EDDSA_JCS_2022:
        proof["@context"] = copy.deepcopy(document["@context"])
    signed_document = document_for(document, proof)
    signature = private_key.sign(hash_data(signed_document, proof))
    proof["proofValue"] = multibase_encode(signature)
    return proof


def sign(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    cryptosuite: str = EDDSA_RDFC_2022,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Return a copy of *document* with a new proof added to its ``proof`` array.

    Proofs already present stay (a proof set): each one signs the document without proofs.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof = create_proof(
        unsecured,
        private_key,
        verification_method=verification_method,
        created=created,
        cryptosuite=cryptosuite,
        proof_purpose=proof_purpose,
    )
    secured = copy.deepcopy(document)
    secured["proof"] = [*proofs_of(document), proof]
    return secured


def document_for(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """Return the document a proof signed: no proofs, or the ones its previousProof names."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    previous = proof.get("previousProof")
    if previous is None:
        return unsecured
    wanted = [previous] if isinstance(previous, str) else previous
    if not isinstance(wanted, list) or not all(isinstance(ref, str) for ref in wanted):
        raise CredentialError("previousProof must name proofs by their id strings")
    named = [p for p in proofs_of(document) if isinstance(p, dict)]
    by_id = {p["id"]: p for p in named if isinstance(p.get("id"), str)}
    missing = [ref for ref in wanted if ref not in by_id]
    if missing:
        raise CredentialError(
            f"previousProof {missing[0][:200]!r} is not among the document's proofs"
        )
    unsecured["proof"] = [by_id[ref] for ref in wanted]
    return unsecured


def verify_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    public_key: Ed25519PublicKey,
    *,
    document_nquads: str | None = None,
) -> bool:
    """Return whether *proof* (one of *document*'s proofs) is a valid signature by *public_key*.

    Raises CredentialError or ContextError when the proof or document cannot be processed
    (unknown suite, undefined terms, malformed proofValue).
    """
    from cryptography.exceptions import InvalidSignature

    _suite(proof)
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise CredentialError("the proof has no proofValue")
    signature = multibase_decode(value)
    if len(signature) != 64:
        raise CredentialError("proofValue is not a 64-byte Ed25519 signature")
    try:
        signed = hash_data(document_for(document, proof), proof, document_nquads=document_nquads)
        public_key.verify(signature, signed)
    except InvalidSignature:
        return False
    return True

"""Every Data Integrity vector in shared/conformance, reproduced byte for byte."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from app.credentials import canonical, keys, proofs
from app.credentials.exceptions import ContextError
from tests.credentials.vectors import OB3_VECTOR, W3C, load, text

W3C_KEY = keys.private_key_from_multibase(load(W3C / "keyPair.json")["privateKeyMultibase"])
SUITES = [
    ("eddsa-rdfc-2022", "DataInt", W3C / "eddsa-rdfc-2022"),
    ("eddsa-jcs-2022", "JCS", W3C / "eddsa-jcs-2022"),
]


def _as_text(form: bytes | str) -> str:
    return form.decode("utf-8") if isinstance(form, bytes) else form


def test_w3c_key_pair_round_trips():
    pair = load(W3C / "keyPair.json")
    assert keys.public_key_multibase(W3C_KEY.public_key()) == pair["publicKeyMultibase"]
    assert keys.secret_key_multibase(W3C_KEY) == pair["privateKeyMultibase"]


@pytest.mark.parametrize(("suite", "suffix", "folder"), SUITES)
def test_w3c_vector_canonical_forms_hashes_and_signature(suite, suffix, folder):
    """Does each step (canonical forms, both hashes, signature, proofValue) match?"""
    unsigned = load(W3C / "unsigned.json")
    config = load(folder / f"proofConfig{suffix}.json")
    proof = {key: value for key, value in config.items() if key != "@context"}
    if suite == "eddsa-jcs-2022":
        proof["@context"] = config["@context"]
    config_form, document_form = proofs.canonical_forms(unsigned, proof)
    assert _as_text(document_form) == text(folder / f"canonDoc{suffix}.txt")
    assert _as_text(config_form) == text(folder / f"proofCanon{suffix}.txt")
    doc_hash = hashlib.sha256(_as_text(document_form).encode()).hexdigest()
    proof_hash = hashlib.sha256(_as_text(config_form).encode()).hexdigest()
    assert doc_hash == text(folder / f"docHash{suffix}.txt").strip()
    assert proof_hash == text(folder / f"proofHash{suffix}.txt").strip()
    assert proof_hash + doc_hash == text(folder / f"combinedHash{suffix}.txt").strip()
    signature = W3C_KEY.sign(proofs.hash_data(unsigned, proof))
    assert signature.hex() == text(folder / f"sigHex{suffix}.txt").strip()

    created = proofs.create_proof(
        unsigned,
        W3C_KEY,
        verification_method=config["verificationMethod"],
        created=datetime.fromisoformat(config["created"]),
        cryptosuite=suite,
    )
    assert created["proofValue"] == text(folder / f"sigBTC58{suffix}.txt").strip()
    signed = load(folder / f"signed{suffix}.json")
    assert created == signed["proof"]
    assert proofs.verify_proof(signed, signed["proof"], W3C_KEY.public_key())


def test_w3c_ed25519signature2020_vector_reproduces():
    """The legacy suite hashes the same way; older credentials still verify."""
    folder = W3C / "Ed25519Signature2020"
    signed = load(folder / "signedEdSig.json")
    unsigned = proofs.document_for(signed, signed["proof"])
    config_form, document_form = proofs.canonical_forms(unsigned, signed["proof"])
    assert document_form == text(folder / "canonDocEdSig.txt")
    assert config_form == text(folder / "proofCanonEdSig.txt")
    data = proofs.hash_data(unsigned, signed["proof"])
    assert data.hex() == text(folder / "combinedHashEdSig.txt").strip()
    assert W3C_KEY.sign(data).hex() == text(folder / "sigHexEdSig.txt").strip()
    assert signed["proof"]["proofValue"] == text(folder / "sigBTC58EdSig.txt").strip()
    assert proofs.verify_proof(signed, signed["proof"], W3C_KEY.public_key())


def test_w3c_employment_vector_needs_a_context_we_do_not_bundle():
    """The citizenship context is not saved: canonicalising refuses, never fetches; from the
    published N-Quads the hashes and signature still reproduce."""
    folder = W3C / "eddsa-rdfc-2022" / "employ"
    signed = load(folder / "signedDataInt.json")
    with pytest.raises(ContextError, match="citizenship"):
        canonical.rdfc({k: v for k, v in signed.items() if k != "proof"})
    document_hash = hashlib.sha256(text(folder / "canonDocDataInt.txt").encode()).hexdigest()
    proof_hash = hashlib.sha256(text(folder / "proofCanonDataInt.txt").encode()).hexdigest()
    assert document_hash == text(folder / "docHashDataInt.txt").strip()
    assert proof_hash == text(folder / "proofHashDataInt.txt").strip()
    signature = W3C_KEY.sign(bytes.fromhex(proof_hash + document_hash))
    assert signature.hex() == text(folder / "sigHexDataInt.txt").strip()
    assert keys.multibase_encode(signature) == signed["proof"]["proofValue"]


def _chain_keys():
    pairs = load(W3C / "proof-set-chain" / "multiKeyPairs.json")
    return [
        keys.private_key_from_multibase(pairs[f"keyPair{n}"]["privateKeyMultibase"])
        for n in (1, 2, 3, 4)
    ]


@pytest.mark.parametrize("name", ["signedProofSet2.json", "signedProofChain2.json"])
def test_w3c_proof_set_and_chain_reproduce_and_verify(name):
    folder = W3C / "proof-set-chain"
    unsigned = load(folder / "unsigned.json")
    signed = load(folder / name)
    secret_keys = _chain_keys()
    document = dict(unsigned)
    for number, expected in enumerate(signed["proof"]):
        proof = proofs.create_proof(
            document,
            secret_keys[number],
            verification_method=expected["verificationMethod"],
            created=datetime.fromisoformat(expected["created"]),
            proof_id=expected.get("id"),
            previous_proof=expected.get("previousProof"),
        )
        assert proof == expected
        document = {**document, "proof": [*document.get("proof", []), proof]}
    for number, proof in enumerate(signed["proof"]):
        assert proofs.verify_proof(signed, proof, secret_keys[number].public_key())


def test_ob3_vector_reproduces_byte_for_byte():
    """1EdTech's OB 3.0 eddsa-rdfc-2022 vector: the OB 3.0.3 context, a 64-byte secret key."""
    pair, expected = load(OB3_VECTOR / "keyPair.json"), load(OB3_VECTOR / "expected.json")
    secret = keys.private_key_from_multibase(pair["secretKeyMultibase"])
    assert secret.public_key().public_bytes_raw().hex() == pair["publicKeyHex"]
    assert keys.public_key_multibase(secret.public_key()) == pair["publicKeyMultibase"]
    unsigned, options = load(OB3_VECTOR / "unsigned.json"), load(OB3_VECTOR / "proof-options.json")
    config_form, document_form = proofs.canonical_forms(unsigned, options)
    assert document_form == text(OB3_VECTOR / "document-canon.txt")
    assert config_form == text(OB3_VECTOR / "proof-canon.txt")
    data = proofs.hash_data(unsigned, options)
    assert data.hex() == expected["dataToSignHex"]
    assert data[32:].hex() == expected["documentHashHex"]
    assert secret.sign(data).hex() == expected["signatureHex"]
    proof = proofs.create_proof(
        unsigned,
        secret,
        verification_method=options["verificationMethod"],
        created=datetime.fromisoformat(options["created"]),
    )
    assert proof["proofValue"] == expected["proofValue"]
    signed = load(OB3_VECTOR / "signed.json")
    assert proofs.verify_proof(signed, signed["proof"], secret.public_key())

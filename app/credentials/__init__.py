"""Open Badges 3.0 credentials: build, sign (Data Integrity eddsa-rdfc-2022), verify.

Flask-free and database-free: callers pass plain data, keys, ``now`` and fetcher callbacks.

- ``ob3``: dataclasses and ``build_achievement_credential`` / ``build_endorsement_credential``
  / ``sign_credential``.
- ``proofs``: ``create_proof``, ``sign``, ``verify_proof`` (eddsa-rdfc-2022, eddsa-jcs-2022).
- ``keys``: Multikey encoding, did:key, did:web URLs, DID documents, verification methods.
- ``canonical``: RDFC-1.0 N-Quads (safe mode, bundled contexts only) and JCS.
- ``status_list``: Bitstring Status List encode/decode, index allocation, list credential.
- ``verifier``: ``verify_credential`` → ``{"verified": bool, "checks": [...]}``; its checks
  for status lists (``statuses``) and endorsements (``endorsements``), its ``options``.
"""

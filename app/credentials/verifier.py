"""Verify a credential and report each check: ``{"verified": bool, "checks": [...]}``.

Checks, in order: ``json`` (size, depth), ``jsonld`` (bundled contexts only, no undefined
terms), ``schema`` (official OB 3.0 or CLR 2.0 JSON Schema, chosen by type), ``issuer`` (a
Profile object), ``issuer_key`` (each proof's key resolves and its controller is the issuer),
``proof`` (the signatures), ``validity`` (validFrom/validUntil against *now*), ``status``
(Bitstring Status List through the caller's fetcher), ``endorsements`` (each verified the same
way, to a bounded depth) and, for a ClrCredential only, ``embedded`` (each credential in
``credentialSubject.verifiableCredential`` verified the same way). The library never uses the
network: status lists and did:web or key documents come from callbacks that the caller
supplies, caches and bounds.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.credentials import canonical, parsing, proofs, schema
from app.credentials.exceptions import CredentialError
from app.credentials.keys import FetchDocument, VerificationMethod, resolve_verification_method
from app.credentials.statuses import check_status

FetchStatusList = Callable[[str], dict[str, Any]]
CREDENTIAL_TYPES = {
    "OpenBadgeCredential",
    "AchievementCredential",
    "EndorsementCredential",
    "ClrCredential",
}


@dataclass
class Options:
    """How to verify. *fragment_keys*: accept ``https://issuer#z6Mk…`` keys without fetching
    (the 1EdTech validator does); *allow_unbound_did_key*: accept a did:key that is not the
    issuer (the validator does; an employer learns nothing about the issuer from it);
    *status_cache*: the caller's mapping (give it a TTL) of status list credentials already
    verified, by content digest, so that a list shared by many credentials is checked once."""

    now: datetime
    fetch_status_list: FetchStatusList | None = None
    fetch_document: FetchDocument | None = None
    limits: parsing.Limits = field(default_factory=parsing.Limits)
    fragment_keys: bool = True
    allow_unbound_did_key: bool = False
    status_cache: MutableMapping[str, dict[str, Any]] | None = None


class Report:
    def __init__(self) -> None:
        self.checks: list[dict[str, Any]] = []

    def add(self, name: str, passed: bool, message: str) -> bool:
        self.checks.append({"name": name, "passed": passed, "message": message})
        return passed

    def as_dict(self) -> dict[str, Any]:
        verified = bool(self.checks) and all(check["passed"] for check in self.checks)
        return {"verified": verified, "checks": self.checks}


def verify_credential(
    data: bytes | str | dict[str, Any],
    *,
    now: datetime,
    fetch_status_list: FetchStatusList | None = None,
    fetch_document: FetchDocument | None = None,
    limits: parsing.Limits | None = None,
    fragment_keys: bool = True,
    allow_unbound_did_key: bool = False,
    status_cache: MutableMapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Verify a credential (JSON text, bytes of JSON/PNG/SVG, or parsed) and report why.

    Never raises for bad input: every problem becomes a failed check.
    """
    options = Options(
        now,
        fetch_status_list,
        fetch_document,
        limits or parsing.Limits(),
        fragment_keys,
        allow_unbound_did_key,
        status_cache,
    )
    return verify_with(data, options, depth=0)


def verify_with(
    data: bytes | str | dict[str, Any], options: Options, *, depth: int, open_badge: bool = True
) -> dict:
    """Verify with explicit *options*; *depth* counts endorsement nesting.

    With ``open_badge=False`` (a status list credential) the OB 3.0 schema, issuer profile,
    status and endorsement checks are left out.
    """
    report = Report()
    try:
        document = _parse(data, options.limits)
    except CredentialError as exc:
        report.add("json", False, str(exc))
        return report.as_dict()
    report.add("json", True, "well-formed JSON within the size and depth limits")
    nquads = _check_jsonld(document, report)
    if open_badge:
        _check_schema(document, report)
        _check_issuer(document, report)
    methods = _check_keys(document, options, report)
    _check_proofs(document, methods, nquads, report)
    _check_validity(document, options.now, report)
    if open_badge:
        report.add(*check_status(document, options, _verify_status_list))
        _check_endorsements(document, options, depth, report)
        if schema.schema_name_for(document) == schema.CLR_CREDENTIAL:
            _check_embedded(document, options, depth, report)
    return report.as_dict()


def _verify_status_list(document: dict[str, Any], options: Options) -> dict[str, Any]:
    return verify_with(document, options, depth=0, open_badge=False)


def verify_status_list_credential(
    data: bytes | str | dict[str, Any], *, now: datetime, **options: Any
) -> dict[str, Any]:
    """Verify a BitstringStatusListCredential: JSON-LD, key, proof and dates."""
    return verify_with(data, Options(now, **options), depth=0, open_badge=False)


def _parse(data: bytes | str | dict[str, Any], limits: parsing.Limits) -> dict[str, Any]:
    if isinstance(data, dict):
        parsing.check_shape(data, limits)
        return data
    if isinstance(data, bytes) and len(data) > limits.max_bytes * 4:
        raise CredentialError(f"the upload is larger than {limits.max_bytes * 4:,} bytes")
    raw = parsing.unbake(data) if isinstance(data, bytes) else data
    return parsing.parse_json(raw, limits)


def _check_jsonld(document: dict[str, Any], report: Report) -> str | None:
    contexts = document.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or contexts[0] not in (
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/2018/credentials/v1",
    ):
        report.add("jsonld", False, "@context must start with the W3C credentials context")
        return None
    inline = [entry for entry in contexts if not isinstance(entry, str)]
    if inline:
        # An embedded context can define any term (even @vocab), which would defeat the
        # undefined-term check; credentials name published contexts by URL.
        report.add("jsonld", False, "@context holds an embedded context; only URLs are accepted")
        return None
    try:
        nquads = canonical.rdfc({k: v for k, v in document.items() if k != "proof"})
    except CredentialError as exc:
        report.add("jsonld", False, str(exc))
        return None
    report.add("jsonld", True, "every term is defined by the bundled contexts")
    return nquads


def _check_schema(document: dict[str, Any], report: Report) -> None:
    types = document.get("type") or []
    types = types if isinstance(types, list) else [types]
    if "VerifiableCredential" not in types or not CREDENTIAL_TYPES & set(types):
        report.add("schema", False, "type must name VerifiableCredential and an OB or CLR type")
        return
    unknown = [
        entry.get("id")
        for entry in _as_list(document.get("credentialSchema"))
        if isinstance(entry, dict) and entry.get("id") not in schema.SCHEMA_URLS
    ]
    if unknown:
        report.add("schema", False, f"credentialSchema {unknown[0]!r} is not a known schema")
        return
    # VC 2.0 allows a single proof object; the OB schema only an array (a known 1EdTech
    # discrepancy that their own test vector trips). Judge the rest of the document.
    shaped = document
    if isinstance(document.get("proof"), dict):
        shaped = {**document, "proof": [document["proof"]]}
    name = schema.schema_name_for(document)
    errors = schema.schema_errors(shaped, name)
    if errors:
        report.add("schema", False, "; ".join(_short(e) for e in errors[:3]))
    else:
        spec = "CLR 2.0" if name == schema.CLR_CREDENTIAL else "OB 3.0"
        report.add("schema", True, f"valid against the {spec} JSON Schema")


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _is_profile(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    types = value.get("type")
    return "Profile" in (types if isinstance(types, list) else [types])


def _check_issuer(document: dict[str, Any], report: Report) -> None:
    issuer = document.get("issuer")
    if not _is_profile(issuer):
        report.add("issuer", False, "issuer must be a Profile object with an id")
        return
    parent = issuer.get("parentOrg")
    if parent is not None and not _is_profile(parent):
        report.add("issuer", False, "issuer.parentOrg must be a Profile")
        return
    for entry in issuer.get("otherIdentifier") or []:
        if not isinstance(entry, dict) or entry.get("type") != "IdentifierEntry":
            report.add("issuer", False, "issuer.otherIdentifier entries must be IdentifierEntry")
            return
    report.add("issuer", True, f"issued by {issuer.get('name') or issuer.get('id')}")


def issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _supported(proof: Any) -> bool:
    if not isinstance(proof, dict):
        return False
    if proof.get("type") == "DataIntegrityProof":
        return proof.get("cryptosuite") in proofs.CRYPTOSUITES
    return proof.get("type") == proofs.LEGACY_ED25519_2020


def _check_keys(
    document: dict[str, Any], options: Options, report: Report
) -> dict[int, VerificationMethod]:
    usable = [p for p in proofs.proofs_of(document) if _supported(p)]
    if not usable:
        report.add("issuer_key", False, "no Ed25519 Data Integrity proof to take a key from")
        return {}
    methods: dict[int, VerificationMethod] = {}
    problems = []
    for proof in usable:
        try:
            method = resolve_verification_method(
                proof.get("verificationMethod"),
                fetch_document=options.fetch_document,
                fragment_keys=options.fragment_keys,
            )
        except CredentialError as exc:
            problems.append(str(exc))
            continue
        if method.controller != issuer_id(document) and not (
            options.allow_unbound_did_key and method.controller.startswith("did:key:")
        ):
            problems.append(f"key controller {method.controller} is not the issuer")
            continue
        methods[id(proof)] = method
    if problems:
        report.add("issuer_key", False, "; ".join(problems))
    else:
        names = ", ".join(sorted({m.id for m in methods.values()}))
        report.add("issuer_key", True, f"key {names} is controlled by the issuer")
    return methods


def _check_proofs(
    document: dict[str, Any],
    methods: dict[int, VerificationMethod],
    nquads: str | None,
    report: Report,
) -> None:
    all_proofs = proofs.proofs_of(document)
    if not all_proofs:
        report.add("proof", False, "the credential has no proof")
        return
    usable = [p for p in all_proofs if _supported(p)]
    if not usable:
        report.add("proof", False, "no eddsa-rdfc-2022, eddsa-jcs-2022 or Ed25519 proof")
        return
    failures = []
    for proof in usable:
        method = methods.get(id(proof))
        if method is None:
            failures.append("its key could not be resolved")
        elif proof.get("proofPurpose") != "assertionMethod":
            failures.append("proofPurpose is not assertionMethod")
        else:
            failures.extend(_signature_problem(document, proof, method, nquads))
    if failures:
        report.add("proof", False, "signature does not verify: " + "; ".join(failures))
    else:
        skipped = len(all_proofs) - len(usable)
        note = f" ({skipped} proof(s) of unknown type ignored)" if skipped else ""
        report.add("proof", True, f"{len(usable)} signature(s) verified{note}")


def _signature_problem(
    document: dict[str, Any], proof: dict[str, Any], method: VerificationMethod, nquads: str | None
) -> list[str]:
    try:
        if proofs.verify_proof(document, proof, method.public_key, document_nquads=nquads):
            return []
        return [f"the signature by {method.id} does not match the document"]
    except CredentialError as exc:
        return [str(exc)]


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _check_validity(document: dict[str, Any], now: datetime, report: Report) -> None:
    start_raw = document.get("validFrom", document.get("issuanceDate"))
    end_raw = document.get("validUntil", document.get("expirationDate"))
    start, end = parse_time(start_raw), parse_time(end_raw)
    if start is None:
        report.add("validity", False, "validFrom is missing or not a date-time with a zone")
    elif end_raw is not None and end is None:
        report.add("validity", False, "validUntil is not a date-time with a zone")
    elif now < start:
        report.add("validity", False, f"not valid yet: valid from {start_raw}")
    elif end is not None and now >= end:
        report.add("validity", False, f"expired: valid until {end_raw}")
    else:
        until = f" until {end_raw}" if end_raw else ""
        report.add("validity", True, f"valid from {start_raw}{until}")


def endorsements_of(document: dict[str, Any]) -> list[Any]:
    """Return embedded endorsements: on the credential, its achievement and its issuer."""
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    holders = [document, achievement, document.get("issuer")]
    found = []
    for holder in holders:
        if isinstance(holder, dict) and isinstance(holder.get("endorsement"), list):
            found.extend(holder["endorsement"])
    return found


def _check_endorsements(
    document: dict[str, Any], options: Options, depth: int, report: Report
) -> None:
    endorsements = endorsements_of(document)
    if not endorsements:
        report.add("endorsements", True, "no endorsements")
        return
    if depth >= options.limits.max_endorsement_depth:
        report.add("endorsements", False, "endorsements are nested too deeply")
        return
    failed = []
    for number, endorsement in enumerate(endorsements, start=1):
        result = verify_with(endorsement, options, depth=depth + 1)
        if not result["verified"]:
            bad = [c for c in result["checks"] if not c["passed"]]
            failed.append(f"endorsement {number}: {bad[0]['name']}: {bad[0]['message']}")
    if failed:
        report.add("endorsements", False, "; ".join(failed))
    else:
        report.add("endorsements", True, f"{len(endorsements)} endorsement(s) verified")


def _check_embedded(document: dict[str, Any], options: Options, depth: int, report: Report) -> None:
    """Verify each credential a ClrCredential embeds, naming every one that fails.

    The CLR's own proof covers the embedded JSON, not the embedded issuers' claims: each
    inner credential must verify on its own (key, signature, dates, status). Nesting is
    bounded by the JSON depth limit, so an embedded CLR is verified at the same depth.
    """
    subject = document.get("credentialSubject")
    embedded = _as_list(subject.get("verifiableCredential")) if isinstance(subject, dict) else []
    if not embedded:
        report.add("embedded", False, "the ClrCredential embeds no verifiableCredential")
        return
    failed = []
    for number, credential in enumerate(embedded, start=1):
        result = verify_with(credential, options, depth=depth)
        bad = [check for check in result["checks"] if not check["passed"]]
        if bad:
            label = credential.get("id") if isinstance(credential, dict) else None
            names = ", ".join(check["name"] for check in bad)
            failed.append(
                f"credential {number} ({label or 'no id'}) fails {names}: {bad[0]['message']}"
            )
    if failed:
        report.add("embedded", False, "; ".join(failed))
    else:
        report.add("embedded", True, f"{len(embedded)} embedded credential(s) verified")

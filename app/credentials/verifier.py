"""Verify a credential and report each check: ``{"verified": bool, "checks": [...]}``.

Checks, in order: ``json`` (size, depth, plain JSON), ``jsonld`` (bundled contexts only,
named at the top of each credential, no ``@vocab``, no undefined terms), ``schema`` (official
OB 3.0 or CLR 2.0 JSON Schema, chosen by type), ``issuer`` (a Profile object), ``issuer_key``
(each proof's key resolves and is bound to the issuer), ``proof`` (the signatures),
``validity`` (validFrom/validUntil against *now*), ``status`` (Bitstring Status List through
the caller's fetcher), ``endorsements`` (each bound to what carries it and verified the same
way, to a bounded depth) and, for a ClrCredential only, ``embedded`` (each credential in
``credentialSubject.verifiableCredential`` verified the same way). The library never uses the
network: status lists and did:web or key documents come from callbacks that the caller
supplies, caches and bounds; within one verification each URL is fetched at most once, and at
most ``Limits.max_fetches`` URLs in all.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Any

from app.credentials import canonical, endorsements, parsing, proofs, schema
from app.credentials.exceptions import CredentialError
from app.credentials.keys import FetchDocument, VerificationMethod, resolve_verification_method
from app.credentials.options import FetchStatusList, Options, Session, in_session
from app.credentials.statuses import check_status

__all__ = ["Options", "Session", "verify_credential", "verify_status_list_credential"]
CREDENTIAL_TYPES = {
    "OpenBadgeCredential",
    "AchievementCredential",
    "EndorsementCredential",
    "ClrCredential",
}
EMBEDDABLE_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
MAX_MESSAGE = 2000


class Report:
    def __init__(self) -> None:
        self.checks: list[dict[str, Any]] = []

    def add(self, name: str, passed: bool, message: str) -> bool:
        self.checks.append({"name": name, "passed": passed, "message": _short(message)})
        return passed

    def run(self, name: str, check: Callable[..., Any], *args: Any) -> Any:
        """Run *check*; an exception nobody foresaw fails *name* instead of escaping."""
        start = len(self.checks)
        try:
            return check(*args)
        except Exception as exc:  # hostile input must never turn into a 500
            del self.checks[start:]
            self.add(name, False, f"cannot be checked: {type(exc).__name__}: {exc}")
            return None

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
    fragment_keys: bool = False,
    allow_unbound_did_key: bool = False,
    allow_vocab: bool = False,
    status_cache: MutableMapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Verify a credential (JSON text, bytes of JSON/PNG/SVG, or parsed) and report why.

    Never raises for bad input: every problem becomes a failed check.
    """
    options = Options(
        now=now,
        fetch_status_list=fetch_status_list,
        fetch_document=fetch_document,
        limits=limits or parsing.Limits(),
        fragment_keys=fragment_keys,
        allow_unbound_did_key=allow_unbound_did_key,
        allow_vocab=allow_vocab,
        status_cache=status_cache,
    )
    return verify_with(data, options, depth=0)


def verify_with(
    data: bytes | str | dict[str, Any],
    options: Options,
    *,
    depth: int,
    open_badge: bool = True,
) -> dict:
    """Verify with explicit *options*; *depth* counts endorsement nesting.

    With ``open_badge=False`` (a status list credential) the OB 3.0 schema, issuer profile,
    status and endorsement checks are left out. Never raises: a check that meets input it
    cannot handle fails with the reason.
    """
    options = in_session(options)
    report = Report()
    try:
        document = _parse(data, options.limits)
    except Exception as exc:  # CredentialError, or anything a hostile image provokes
        report.add("json", False, str(exc) if isinstance(exc, CredentialError) else repr(exc))
        return report.as_dict()
    report.add("json", True, "well-formed JSON within the size and depth limits")
    nquads = report.run("jsonld", _check_jsonld, document, options, report)
    if open_badge:
        report.run("schema", _check_schema, document, report)
        report.run("issuer", _check_issuer, document, report)
    methods = report.run("issuer_key", _check_keys, document, options, report) or {}
    report.run("proof", _check_proofs, document, methods, nquads, report)
    report.run("validity", _check_validity, document, options.now, report)
    if open_badge:
        report.run("status", lambda: report.add(*check_status(document, options, _verify_list)))
        report.run(
            "endorsements",
            lambda: report.add(
                *endorsements.check_endorsements(document, options, depth, _verify_endorsement)
            ),
        )
        if "ClrCredential" in _as_list(document.get("type")):  # as schema.schema_name_for
            report.run("embedded", _check_embedded, document, options, depth, report)
    return report.as_dict()


def _verify_list(document: dict[str, Any], options: Options) -> dict[str, Any]:
    return verify_with(document, options, depth=0, open_badge=False)


def _verify_endorsement(document: Any, options: Options, depth: int) -> dict[str, Any]:
    return verify_with(document, options, depth=depth)


def verify_status_list_credential(
    data: bytes | str | dict[str, Any], *, now: datetime, **options: Any
) -> dict[str, Any]:
    """Verify a BitstringStatusListCredential: JSON-LD, key, proof and dates."""
    return verify_with(data, Options(now=now, **options), depth=0, open_badge=False)


def _parse(data: Any, limits: parsing.Limits) -> dict[str, Any]:
    if isinstance(data, dict):
        parsing.check_shape(data, limits)
        return data
    if isinstance(data, bytes | bytearray):
        if len(data) > limits.max_bytes * 4:
            raise CredentialError(f"the upload is larger than {limits.max_bytes * 4:,} bytes")
        return parsing.parse_json(parsing.unbake(bytes(data), limits), limits)
    if isinstance(data, str):
        return parsing.parse_json(data, limits)
    raise CredentialError("a credential is a JSON object")


def _check_jsonld(document: dict[str, Any], options: Options, report: Report) -> str | None:
    contexts = document.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or contexts[0] not in (
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/2018/credentials/v1",
    ):
        report.add("jsonld", False, "@context must start with the W3C credentials context")
        return None
    try:
        # Embedded or nested contexts, @vocab, keywords and IRIs as keys could each give an
        # undefined term a meaning, or say a signed thing where readers do not look.
        canonical.check_terms(document, allow_vocab=options.allow_vocab)
        nquads = canonical.rdfc({k: v for k, v in document.items() if k != "proof"})
    except CredentialError as exc:
        report.add("jsonld", False, str(exc))
        return None
    report.add("jsonld", True, "every term is defined by the bundled contexts")
    return nquads


def _strings(value: Any) -> list[str] | None:
    """Return *value* (one string or a list) as a list of strings; None if anything else."""
    values = _as_list(value)
    return values if all(isinstance(item, str) for item in values) else None


def _check_schema(document: dict[str, Any], report: Report) -> None:
    types = _strings(document.get("type"))
    if types is None or "VerifiableCredential" not in types or not CREDENTIAL_TYPES & set(types):
        report.add("schema", False, "type must name VerifiableCredential and an OB or CLR type")
        return
    unknown = [
        entry.get("id")
        for entry in _as_list(document.get("credentialSchema"))
        if isinstance(entry, dict)
        and not (isinstance(entry.get("id"), str) and entry["id"] in schema.SCHEMA_URLS)
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
        report.add("schema", False, "; ".join(_short(e, 200) for e in errors[:3]))
    else:
        spec = "CLR 2.0" if name == schema.CLR_CREDENTIAL else "OB 3.0"
        report.add("schema", True, f"valid against the {spec} JSON Schema")


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _short(message: str, limit: int = MAX_MESSAGE) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _is_profile(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return False
    return "Profile" in (_strings(value.get("type")) or [])


def _check_issuer(document: dict[str, Any], report: Report) -> None:
    issuer = document.get("issuer")
    if not _is_profile(issuer):
        report.add("issuer", False, "issuer must be a Profile object with an id")
        return
    parent = issuer.get("parentOrg")
    if parent is not None and not _is_profile(parent):
        report.add("issuer", False, "issuer.parentOrg must be a Profile")
        return
    for entry in _as_list(issuer.get("otherIdentifier")):
        if not isinstance(entry, dict) or entry.get("type") != "IdentifierEntry":
            report.add("issuer", False, "issuer.otherIdentifier entries must be IdentifierEntry")
            return
    name = issuer.get("name")
    report.add("issuer", True, f"issued by {name if isinstance(name, str) else issuer['id']}")


def issuer_id(document: dict[str, Any]) -> str | None:
    """Return the issuer's id (of a Profile object, or the issuer URL itself), if a string."""
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


def _supported(proof: Any) -> bool:
    if not isinstance(proof, dict):
        return False
    if proof.get("type") == "DataIntegrityProof":
        return proof.get("cryptosuite") in proofs.CRYPTOSUITES
    return proof.get("type") == proofs.LEGACY_ED25519_2020


def _resolve(url: Any, options: Options) -> VerificationMethod:
    """Resolve a verification method once per verification (the session remembers it)."""

    def resolve() -> VerificationMethod:
        return resolve_verification_method(
            url, fetch_document=options.fetch_document, fragment_keys=options.fragment_keys
        )

    if not isinstance(url, str) or options.session is None:
        return resolve()
    return options.session.once(("method", url), resolve, fetch=False)


def _check_keys(
    document: dict[str, Any], options: Options, report: Report
) -> dict[int, VerificationMethod]:
    all_proofs = proofs.proofs_of(document)
    if len(all_proofs) > options.limits.max_proofs:
        limit = options.limits.max_proofs
        too_many = f"{len(all_proofs)} proofs exceed the limit of {limit}: none resolved"
        report.add("issuer_key", False, too_many)
        return {}
    usable = [p for p in all_proofs if _supported(p)]
    if not usable:
        report.add("issuer_key", False, "no Ed25519 Data Integrity proof to take a key from")
        return {}
    issuer = issuer_id(document)
    methods: dict[int, VerificationMethod] = {}
    problems = []
    for proof in usable:
        try:
            method = _resolve(proof.get("verificationMethod"), options)
        except CredentialError as exc:
            problems.append(str(exc))
            continue
        if method.controller != issuer and not (
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
    """Return the endorsements a credential carries, wherever OB 3.0 lets them sit."""
    return [placed.endorsement for placed in endorsements.endorsements_of(document)]


def _check_embedded(document: dict[str, Any], options: Options, depth: int, report: Report) -> None:
    """Verify each credential a ClrCredential embeds, naming every one that fails.

    The CLR's own proof covers the embedded JSON, not the embedded issuers' claims: each
    inner credential must verify on its own (key, signature, dates, status). CLR 2.0 embeds
    AchievementCredentials only, so a CLR inside a CLR (which would multiply the work) is
    refused, as is anything beyond ``Limits.max_embedded``, before anything is fetched.
    """
    subject = document.get("credentialSubject")
    embedded = _as_list(subject.get("verifiableCredential")) if isinstance(subject, dict) else []
    if not embedded:
        report.add("embedded", False, "the ClrCredential embeds no verifiableCredential")
        return
    limit = options.limits.max_embedded
    if len(embedded) > limit:
        report.add(
            "embedded",
            False,
            f"{len(embedded)} embedded credentials exceed the limit of {limit}: none verified",
        )
        return
    failed = []
    for number, credential in enumerate(embedded, start=1):
        label = credential.get("id") if isinstance(credential, dict) else None
        label = label if isinstance(label, str) else "no id"
        types = _strings(credential.get("type")) if isinstance(credential, dict) else None
        if not types or not EMBEDDABLE_TYPES & set(types) or "ClrCredential" in types:
            failed.append(f"credential {number} ({label}) is not an AchievementCredential")
            continue
        result = verify_with(credential, options, depth=depth)
        bad = [check for check in result["checks"] if not check["passed"]]
        if bad:
            names = ", ".join(check["name"] for check in bad)
            failed.append(f"credential {number} ({label}) fails {names}: {bad[0]['message']}")
    if failed:
        report.add("embedded", False, "; ".join(failed))
    else:
        report.add("embedded", True, f"{len(embedded)} embedded credential(s) verified")

"""The verifier's status check: is this credential revoked or suspended?

The status list credential comes from the caller's ``fetch_status_list(url)``; this module
verifies it like any credential (its own proof, issuer and dates), then reads the bit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.credentials import canonical, parsing
from app.credentials.exceptions import CredentialError
from app.credentials.status_list import StatusList

if TYPE_CHECKING:
    from app.credentials.options import Options

Verify = Callable[[dict[str, Any], "Options"], dict[str, Any]]
NAME = "status"


def check_status(document: dict[str, Any], options: Options, verify: Verify) -> tuple:
    """Return ``("status", passed, message)`` for every credentialStatus entry."""
    entries = document.get("credentialStatus")
    if entries is None:
        return NAME, True, "the credential declares no status list"
    entries = entries if isinstance(entries, list) else [entries]
    limit = options.limits.max_status_entries
    if len(entries) > limit:
        too_many = f"{len(entries)} status entries exceed the limit of {limit}: none fetched"
        return NAME, False, too_many
    messages = []
    for entry in entries:
        try:
            messages.append(_check_entry(document, entry, options, verify))
        except CredentialError as exc:
            return NAME, False, str(exc)
    return NAME, True, "; ".join(messages)


def _check_entry(document: dict[str, Any], entry: Any, options: Options, verify: Verify) -> str:
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        kind = entry.get("type") if isinstance(entry, dict) else entry
        raise CredentialError(
            f"status type {str(kind)[:100]!r} cannot be checked (BitstringStatusListEntry)"
        )
    url, purpose = entry.get("statusListCredential"), entry.get("statusPurpose")
    index = _index(entry.get("statusListIndex"))
    if not isinstance(url, str) or not 0 < len(url) <= 2048:
        raise CredentialError("the status entry needs a statusListCredential URL")
    if purpose not in ("revocation", "suspension"):
        raise CredentialError("the status entry needs statusListCredential and statusPurpose")
    if options.fetch_status_list is None:
        raise CredentialError(f"the status list {url} could not be checked (no fetcher)")
    try:
        status_credential = options.fetch_status_list(url)
    except Exception as exc:  # the caller's fetcher: any failure means "unknown status"
        raise CredentialError(f"the status list {url} could not be fetched: {exc}") from exc
    try:
        parsing.check_shape(status_credential, options.limits)
    except CredentialError as exc:
        raise CredentialError(f"the status list {url} is not usable: {exc}") from exc
    subject = _list_subject(document, status_credential, url, purpose)
    result = _verified_list(status_credential, options, verify)
    if not result["verified"]:
        bad = next(c for c in result["checks"] if not c["passed"])
        raise CredentialError(f"the status list does not verify: {bad['name']}: {bad['message']}")
    if StatusList.decode(subject.get("encodedList")).get(index):
        word = "revoked" if purpose == "revocation" else "suspended"
        raise CredentialError(f"{word}: entry {index} is set in {url}")
    return f"not {'revoked' if purpose == 'revocation' else 'suspended'} ({url} entry {index})"


def _index(value: Any) -> int:
    # The spec says a base-10 string; 1EdTech's fixture uses a JSON integer. Accept both.
    if isinstance(value, bool):
        raise CredentialError("statusListIndex is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        return int(value)
    raise CredentialError("statusListIndex is not a base-10 number")


def _list_subject(
    document: dict[str, Any], status_credential: Any, url: str, purpose: str
) -> dict[str, Any]:
    types = status_credential.get("type") if isinstance(status_credential, dict) else None
    if "BitstringStatusListCredential" not in (types if isinstance(types, list) else [types]):
        raise CredentialError(f"{url} is not a BitstringStatusListCredential")
    subject = status_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise CredentialError(f"{url} is not a BitstringStatusList credential")
    if subject.get("statusPurpose") != purpose:
        kind = str(subject.get("statusPurpose"))[:50]
        raise CredentialError(f"{url} is a {kind} list, not {purpose}")
    if _issuer(status_credential) != _issuer(document):
        raise CredentialError(f"{url} was not issued by the credential's issuer")
    return subject


def _issuer(document: dict[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _verified_list(status_credential: dict[str, Any], options: Options, verify: Verify) -> dict:
    """Verify the list credential, or reuse the result for the very same content.

    Only verified lists without an end date are cached (then only ``validFrom`` can change
    the answer, and it is checked again); the caller's cache bounds how long a list's key is
    trusted without being resolved again.
    """
    from app.credentials.verifier import parse_time

    cache = options.status_cache
    key = ""
    if cache is not None:
        # A list verified under laxer options (fragment keys, unbound did:keys, @vocab) must
        # not count as verified under stricter ones: the options are part of the key.
        relaxed = (options.fragment_keys, options.allow_unbound_did_key, options.allow_vocab)
        digest = hashlib.sha256(canonical.jcs(status_credential)).hexdigest()
        key = digest + "".join("1" if flag else "0" for flag in relaxed)
    cached = cache.get(key) if cache is not None else None
    start = parse_time(status_credential.get("validFrom"))
    if cached is not None and start is not None and start <= options.now:
        return cached
    result = verify(status_credential, options)
    if cache is not None and result["verified"] and "validUntil" not in status_credential:
        cache[key] = result
    return result

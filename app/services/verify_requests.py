"""Verifying one credential for anyone who asks (an employer, no account needed): from its
address, a file (JSON or a baked PNG/SVG) or pasted JSON.

A credential of this Shopfloor named by its address is read from the database, never over
the network, and only when its holder made its page public (or the asker may see it
anyway). Other addresses are fetched with the caller's *remote* fetcher. The answer is an
Outcome: one verdict (verified, not verified, revoked, suspended, expired), every check, what
the credential says, whether its issuer is one of this Shopfloor's organizations, and, for
our own revoked or suspended credentials, since when. Why a credential was revoked or
suspended is between its holder and its issuer: it is never given here.

Each verification fetches other sites within one budget (services.verification.FetchBudget),
the credential's own address included.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from app import policy
from app.credentials import canonical, parsing, summary
from app.credentials.exceptions import CredentialError
from app.errors import NotFound
from app.models import Credential, User
from app.services import credentials, keys, verification
from app.services.remote_fetch import FetchError

Remote = Callable[[str], dict[str, Any]]

VERDICTS = {
    "verified": "Verified",
    "not_verified": "Not verified",
    "revoked": "Revoked",
    "suspended": "Suspended",
    "expired": "Expired",
}
# The verifier's checks (and "fetch", ours), in plain words.
CHECK_LABELS = {
    "fetch": "Credential found",
    "json": "Readable",
    "jsonld": "Terms defined",
    "schema": "Open Badges 3.0 format",
    "issuer": "Issuer profile",
    "issuer_key": "Issuer's key",
    "proof": "Signature",
    "validity": "Dates",
    "status": "Not revoked or suspended",
    "endorsements": "Endorsements",
}
# The status check's message when the list has the credential's bit set (app.credentials.statuses).
_BIT_SET = re.compile(r"^(revoked|suspended): entry \d+ is set")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The credential's page, its JSON and its baked badges all name the credential.
_PAGE_SUFFIX = re.compile(r"(\.json|/badge\.svg|/badge\.png|/)$")
MAX_URL = 2048


@dataclass(frozen=True)
class Standing:
    """This Shopfloor's record of a credential it issued and has revoked or suspended (the
    reason stays private: only the holder and the issuer's staff see it, on its page)."""

    state: str  # revoked | suspended
    since: datetime | None


@dataclass(frozen=True)
class Outcome:
    verdict: str
    checks: list[dict[str, Any]]
    summary: summary.Summary | None = None
    standing: Standing | None = None
    email_matches: bool | None = None  # None: no email asked, or none to compare
    # The issuer is one of this Shopfloor's organizations, and its key signed the credential;
    # otherwise the issuer's name is only what the credential declares.
    issuer_local: bool = False

    @property
    def verified(self) -> bool:
        return self.verdict == "verified"

    @property
    def label(self) -> str:
        return VERDICTS[self.verdict]

    @property
    def failing(self) -> dict[str, Any] | None:
        """The first check that failed, if any."""
        return next((check for check in self.checks if not check["passed"]), None)

    def as_json(self) -> dict[str, Any]:
        standing = self.standing
        return {
            "verified": self.verified,
            "verdict": self.verdict,
            "checks": self.checks,
            "credential": self.summary.as_json() if self.summary else None,
            "issuer_local": self.issuer_local,
            "standing": {
                "state": standing.state,
                "since": standing.since.isoformat() if standing.since else None,
            }
            if standing
            else None,
            "email_matches": self.email_matches,
        }


def verify_url(
    url: str,
    *,
    now: datetime,
    viewer: User | None,
    remote: Remote | None,
    email: str = "",
) -> Outcome:
    """Verify the credential at *url*: ours from the database, others' through *remote*
    (the credential and everything it names fetched within one budget)."""
    url = (url or "").strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > MAX_URL:
        return _unfetched(f"“{url[:80]}” is not a web address (https://…)")
    own = own_public_id(url)
    if own is not None:
        return _verify_own(own, now=now, viewer=viewer, remote=remote, email=email)
    if remote is None:
        return _unfetched(
            "this Shopfloor does not fetch other sites (VERIFY_REMOTE_FETCH is off): download "
            "the credential and upload the file instead"
        )
    remote = verification.budgeted(remote)
    try:
        document = remote(url)
    except FetchError as exc:
        return _unfetched(f"could not fetch the credential at {url}: {exc}")
    fetched = _check("fetch", True, f"fetched from {urlsplit(url).hostname}")
    return _outcome(document, [fetched], now=now, remote=remote, email=email)


def verify_data(
    data: bytes | str, *, now: datetime, remote: Remote | None, email: str = ""
) -> Outcome:
    """Verify an uploaded file (JSON, or a PNG or SVG with the credential baked in) or JSON
    text; deep nesting and oversized JSON fail the ``json`` check at once."""
    try:
        raw = parsing.unbake(data) if isinstance(data, bytes) else data
        document: dict[str, Any] | bytes | str = parsing.parse_json(raw)
    except CredentialError:
        document = data  # the verifier reports what is wrong with it
    return _outcome(document, [], now=now, remote=remote, email=email)


def api_request(body: bytes) -> tuple[str, str, str]:
    """Read a JSON API body: ``("url", url, email)`` for ``{"url": …, "email": …}``,
    else ``("data", "", "")``: the body is the credential itself."""
    try:
        value = parsing.parse_json(body)
    except CredentialError:
        return "data", "", ""
    if "@context" not in value and isinstance(value.get("url"), str):
        email = value.get("email")
        return "url", value["url"], email if isinstance(email, str) else ""
    return "data", "", ""


def own_public_id(url: str) -> str | None:
    """The public id when *url* is a credential page of this Shopfloor, "" when it is
    another address of this Shopfloor, None when it is not ours."""
    prefix = credentials.credential_url("")
    parts = urlsplit(url)
    bare = f"{parts.scheme}://{parts.netloc}{parts.path}".lower()
    base = prefix.removesuffix("/credentials/").lower()
    if not (bare == base or bare.startswith(base + "/")):
        return None
    if not bare.startswith(prefix.lower()):
        return ""
    public_id = _PAGE_SUFFIX.sub("", bare.removeprefix(prefix.lower()))
    return public_id if _UUID.match(public_id) else ""


def _verify_own(
    public_id: str, *, now: datetime, viewer: User | None, remote: Remote | None, email: str
) -> Outcome:
    if not public_id:
        return _unfetched(
            "this is a page of this Shopfloor, not a credential: use the address of a "
            "credential page (…/credentials/…)"
        )
    try:
        row = credentials.get(public_id)
    except NotFound:
        row = None
    if row is None or row.document is None or not policy.can_view_credential(viewer, row):
        # The same words whether it does not exist or is not shared: no guessing game.
        return _unfetched(
            "there is no public credential at this address: its holder may not have made it "
            "public; ask them for the credential file"
        )
    found = _check("fetch", True, "read from this Shopfloor's records")
    return _outcome(row.document, [found], now=now, remote=remote, email=email, row=row)


def _outcome(
    document: dict[str, Any] | bytes | str,
    checks: list[dict[str, Any]],
    *,
    now: datetime,
    remote: Remote | None,
    email: str,
    row: Credential | None = None,
) -> Outcome:
    report = verification.verify(document, now=now, remote=remote)
    checks = checks + report["checks"]
    if not isinstance(document, dict):
        return Outcome(verdict_of(checks, None), checks)
    standing = _standing(document, checks, row)
    email = email.strip()
    said = summary.summarise(document)
    return Outcome(
        verdict_of(checks, standing),
        checks,
        said,
        standing,
        summary.email_matches(document, email) if email else None,
        issuer_local=_issuer_local(said.issuer_id, checks),
    )


def _issuer_local(issuer_id: str, checks: list[dict[str, Any]]) -> bool:
    """Whether the issuer is one of this Shopfloor's organizations, proven by its key."""
    proven = {check["name"] for check in checks if check["passed"]} >= {"issuer_key", "proof"}
    return bool(issuer_id) and proven and keys.is_local(issuer_id)


def verdict_of(checks: list[dict[str, Any]], standing: Standing | None) -> str:
    """One word for the checks: any failure but dates and status means not verified; a set
    status bit means revoked (or suspended, by our record); failed dates mean expired."""
    failed = {check["name"]: check for check in checks if not check["passed"]}
    if not failed:
        return "verified"
    if set(failed) - {"status", "validity"}:
        return "not_verified"
    if "status" in failed:
        bit = _BIT_SET.match(failed["status"]["message"])
        if bit is None:
            return "not_verified"  # the status could not be checked
        return standing.state if standing is not None else bit[1]
    return "expired" if failed["validity"]["message"].startswith("expired") else "not_verified"


def _standing(
    document: dict[str, Any], checks: list[dict[str, Any]], row: Credential | None
) -> Standing | None:
    """For our own credential whose status bit is set: revoked or suspended, and since when.

    Only for the very document we issued (equal to our record, canonically): a document
    failing any other check, or any other document that names our credential's id and
    points at our status list (a forgery signed with the forger's own key), learns nothing.
    """
    failed = {check["name"]: check for check in checks if not check["passed"]}
    status = failed.get("status")
    if status is None or set(failed) - {"status", "validity"}:
        return None
    if not _BIT_SET.match(status["message"]):
        return None
    if row is None:
        public_id = own_public_id(str(document.get("id") or ""))
        if not public_id:
            return None
        try:
            row = credentials.get(public_id)
        except NotFound:
            return None
    if row.document is None or not _same_document(row.document, document):
        return None
    if row.revoked:
        return Standing("revoked", row.revoked_at)
    if row.suspended:
        return Standing("suspended", row.suspended_at)
    return None


def _same_document(stored: dict[str, Any], given: dict[str, Any]) -> bool:
    """Whether *given* is exactly *stored* (RFC 8785 canonical JSON, nothing left out)."""
    try:
        return canonical.jcs(stored) == canonical.jcs(given)
    except (CredentialError, TypeError, ValueError):
        return False


def _check(name: str, passed: bool, message: str) -> dict[str, Any]:
    return {"name": name, "passed": passed, "message": message}


def _unfetched(message: str) -> Outcome:
    return Outcome("not_verified", [_check("fetch", False, message)])

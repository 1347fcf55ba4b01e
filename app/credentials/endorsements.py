"""Endorsements embedded in a credential: where they sit, what each must be about, and the
verifier's ``endorsements`` check.

OB 3.0 lets three kinds of object carry ``endorsement``: an Achievement ("claims about the
Achievement"), a Profile ("claims about the individual or organization represented by this
profile") and the credential itself ("claims about the Credential, and the Achievement and
Profiles in the Credential"). An endorsement counts only when it is an EndorsementCredential
whose ``credentialSubject.id`` is the object carrying it, or, at the top of a credential, the
credential or an Achievement or Profile in it: a real endorsement copied onto something else
is refused before anything is fetched. Each bound endorsement is then verified in full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.credentials.options import Options

Verify = Callable[[Any, "Options", int], dict[str, Any]]
NAME = "endorsements"
HOLDER_TYPES = frozenset({"Achievement", "Profile"})
# Not searched: each endorsement and embedded credential is verified on its own (its own
# endorsements with it), and proofs carry none.
_NOT_SEARCHED = frozenset({"endorsement", "endorsementJwt", "verifiableCredential", "proof"})


@dataclass(frozen=True)
class Placed:
    """An endorsement, where it sits (a JSON path) and the ids it may be about."""

    path: str
    endorsement: Any
    subjects: frozenset[str]
    jwt: bool = False


def endorsements_of(document: dict[str, Any]) -> list[Placed]:
    """Return every endorsement the credential carries (not those of nested credentials),
    in document order, each with the ids it may be about."""
    top = _top_subjects(document)
    found: list[Placed] = []
    for node, path in _nodes(document):
        subjects = top if node is document else _own_id(node)
        for key, jwt in (("endorsement", False), ("endorsementJwt", True)):
            if key in node:
                for i, entry in enumerate(_as_list(node[key])):
                    found.append(Placed(f"{path}.{key}[{i}]", entry, subjects, jwt))
    return found


def _nodes(document: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every object of the credential, outside nested credentials, in document order."""
    nodes = []
    stack: list[tuple[Any, str]] = [(document, "$")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed([(item, f"{path}[{i}]") for i, item in enumerate(node)]))
        elif isinstance(node, dict):
            nodes.append((node, path))
            children = [(v, f"{path}.{k}") for k, v in node.items() if k not in _NOT_SEARCHED]
            stack.extend(reversed(children))
    return nodes


def _top_subjects(document: dict[str, Any]) -> frozenset[str]:
    ids = set(_own_id(document))
    for node, _ in _nodes(document):
        types = _as_list(node.get("type"))
        if any(isinstance(t, str) and t in HOLDER_TYPES for t in types):
            ids |= _own_id(node)
    return frozenset(ids)


def _own_id(node: dict[str, Any]) -> frozenset[str]:
    value = node.get("id")
    return frozenset({value}) if isinstance(value, str) and value else frozenset()


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def binding_problem(placed: Placed) -> str | None:
    """Why this endorsement does not count where it sits (None when it may)."""
    if placed.jwt:
        return "an endorsementJwt cannot be verified (only embedded Data Integrity proofs)"
    endorsement = placed.endorsement
    if not isinstance(endorsement, dict):
        return "is not a credential object"
    types = _as_list(endorsement.get("type"))
    if "EndorsementCredential" not in [t for t in types if isinstance(t, str)]:
        return "is not an EndorsementCredential"
    subject = endorsement.get("credentialSubject")
    about = subject.get("id") if isinstance(subject, dict) else None
    if not isinstance(about, str) or about not in placed.subjects:
        if not placed.subjects:
            return "sits on an object without an id, so it cannot be about it"
        allowed = ", ".join(sorted(placed.subjects))
        return f"is about {_short(about)}, not {_short(allowed, 300)}"
    return None


def check_endorsements(
    document: dict[str, Any], options: Options, depth: int, verify: Verify
) -> tuple[str, bool, str]:
    """Return ``("endorsements", passed, message)``; limits and bindings come before fetches."""
    placed = endorsements_of(document)
    if not placed:
        return NAME, True, "no endorsements"
    limit = options.limits.max_endorsements
    if len(placed) > limit:
        return NAME, False, f"{len(placed)} endorsements exceed the limit of {limit}: none verified"
    if depth >= options.limits.max_endorsement_depth:
        return NAME, False, "endorsements are nested too deeply"
    unbound = [
        f"endorsement {number} ({item.path}) {problem}"
        for number, item in enumerate(placed, start=1)
        if (problem := binding_problem(item)) is not None
    ]
    if unbound:
        return NAME, False, "; ".join(unbound)
    failed = []
    for number, item in enumerate(placed, start=1):
        result = verify(item.endorsement, options, depth + 1)
        if not result["verified"]:
            bad = [c for c in result["checks"] if not c["passed"]]
            failed.append(f"endorsement {number}: {bad[0]['name']}: {bad[0]['message']}")
    if failed:
        return NAME, False, "; ".join(failed)
    return NAME, True, f"{len(placed)} endorsement(s) verified"


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"

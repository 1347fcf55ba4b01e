"""Validate credentials against the official OB 3.0 and CLR 2.0 JSON Schemas (bundled copies)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.credentials.exceptions import SchemaError

if TYPE_CHECKING:
    from jsonschema import Draft201909Validator

SCHEMAS_DIR = Path(__file__).parent / "schemas"
ACHIEVEMENT_CREDENTIAL = "achievementcredential"
ENDORSEMENT_CREDENTIAL = "endorsementcredential"
PROFILE = "profile"
CLR_CREDENTIAL = "clrcredential"
# Schemas of credentials whose subject is a learner: the subject-identity rule applies.
_LEARNER_CREDENTIALS = (ACHIEVEMENT_CREDENTIAL, CLR_CREDENTIAL)

_PURL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
CLR_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
# What credentialSchema[].id names, mapped to the bundled file.
SCHEMA_URLS = {
    f"{_PURL}ob_v3p0_achievementcredential_schema.json": ACHIEVEMENT_CREDENTIAL,
    f"{_PURL}ob_v3p0_endorsementcredential_schema.json": ENDORSEMENT_CREDENTIAL,
    f"{_PURL}ob_v3p0_profile_schema.json": PROFILE,
    CLR_SCHEMA_URL: CLR_CREDENTIAL,
}


@cache
def _validator(name: str) -> Draft201909Validator:
    # jsonschema (with referencing, rpds and attrs) loads with the first check, not at start.
    from jsonschema import Draft201909Validator, FormatChecker

    schema = json.loads((SCHEMAS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return Draft201909Validator(schema, format_checker=FormatChecker())


def schema_errors(document: Any, name: str = ACHIEVEMENT_CREDENTIAL) -> list[str]:
    """Return every schema violation as ``"<JSON path>: <message>"`` (empty when valid)."""
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.path))
    found = [f"{error.json_path}: {error.message}" for error in errors]
    if not found and name in _LEARNER_CREDENTIALS:
        found = [f"{path}: {message}" for path, message in rule_errors(document)]
    return found


def rule_errors(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the OB 3.0 / CLR 2.0 rules the generated schemas leave out, as (JSON path, message).

    Both specs require a subject ``id`` or at least one ``identifier``, and criteria with an
    ``id`` or a ``narrative``; 1EdTech's validator checks both. A CLR subject holds a list of
    achievements, each checked.
    """

    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return []
    errors = []
    if not subject.get("id") and not subject.get("identifier"):
        errors.append(("$.credentialSubject", "needs an id or at least one identifier"))
    achievement = subject.get("achievement")
    if isinstance(achievement, list):
        paths = [(f"$.credentialSubject.achievement[{i}]", a) for i, a in enumerate(achievement)]
    else:
        paths = [("$.credentialSubject.achievement", achievement)]
    for path, item in paths:
        criteria = item.get("criteria") if isinstance(item, dict) else None
        if isinstance(criteria, dict) and not criteria.get("id") and not criteria.get("narrative"):
            errors.append((f"{path}.criteria", "needs an id or a narrative"))
    return errors


def validate(document: Any, name: str = ACHIEVEMENT_CREDENTIAL) -> None:
    """Raise SchemaError, naming the JSON path, if *document* breaks the schema *name*."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator(name).iter_errors(document))
    if error is not None:
        raise SchemaError(_shorten(error.message), path=error.json_path)
    if name in _LEARNER_CREDENTIALS and isinstance(document, dict):
        for path, message in rule_errors(document):
            raise SchemaError(message, path=path)


def schema_name_for(document: dict[str, Any]) -> str:
    """Pick the schema for a credential from its ``type``."""
    types = document.get("type") or []
    types = types if isinstance(types, list) else [types]
    if "ClrCredential" in types:
        return CLR_CREDENTIAL
    return ENDORSEMENT_CREDENTIAL if "EndorsementCredential" in types else ACHIEVEMENT_CREDENTIAL


def _shorten(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"

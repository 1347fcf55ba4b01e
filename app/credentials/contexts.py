"""Serve JSON-LD contexts from the files under ``contexts/``; refuse every other URL.

Canonicalization must not depend on the network: a fetched context could change what a signed
credential means, and a verifier that fetches can be made to make requests for an attacker.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from app.credentials.exceptions import ContextError

CONTEXTS_DIR = Path(__file__).parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3P0_3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_V2P0_2_0_1 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"

CONTEXT_FILES: dict[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    VC_V1: "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "credentials-status-v1.jsonld",
    OB_V3P0_3_0_3: "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context.json",
    OB_EXTENSIONS: "ob-v3p0-extensions.json",
    CLR_V2P0_2_0_1: "clr-v2p0-context-2.0.1.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-2020-v1.jsonld",
}


@cache
def _load(url: str) -> dict[str, Any]:
    return json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def context_document(url: str) -> dict[str, Any]:
    """Return a copy of the context document for *url*; raise ContextError for unknown URLs."""
    if url not in CONTEXT_FILES:
        raise ContextError(f"context {url!r} is not one of the bundled contexts (never fetched)")
    return copy.deepcopy(_load(url))


@cache
def defines_vocab(url: str) -> bool:
    """Return whether the bundled context *url* sets ``@vocab`` or ``@base`` anywhere.

    Either gives a meaning to terms nothing else defines (``@vocab`` maps any key to an IRI,
    ``@base`` makes relative ids absolute), which would defeat the undefined-term rule.
    """
    stack: list[Any] = [_load(url)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "@vocab" in node or "@base" in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Load a context for pyld: the bundled copy, or ContextError (never the network)."""
    if url not in CONTEXT_FILES:
        raise ContextError(f"context {url!r} is not one of the bundled contexts (never fetched)")
    # "static" lets pyld keep the resolved context across operations (without a tag it
    # re-resolves, and re-canonicalises, every context document for every credential).
    return {"contextUrl": None, "documentUrl": url, "document": _load(url), "tag": "static"}


def clear_caches() -> None:
    """Forget parsed context files and pyld's resolved contexts (the benchmark's cold runs)."""
    from pyld import jsonld

    from app.credentials import canonical

    _load.cache_clear()
    defines_vocab.cache_clear()
    jsonld._resolved_context_cache.clear()
    canonical.clear_cache()

"""Canonical forms that proofs hash: RDFC-1.0 N-Quads (eddsa-rdfc-2022) and JCS (eddsa-jcs-2022).

RDFC-1.0 is computed by pyld's URDNA2015, which RDFC-1.0 standardised unchanged for these inputs
(the W3C and 1EdTech test vectors are checked byte for byte in the tests). Contexts come only from
``contexts.document_loader``.

Safe mode: JSON-LD silently drops terms that no context defines, so a property the verifier
never sees would ride along unsigned. Every such drop, and every relative ``@id`` or ``@type``
left after expansion, raises ContextError instead. ``check_terms`` adds the rules that keep
the JSON a reader sees the same as the graph that is signed: contexts named only at the top
of a credential, no ``@vocab``/``@base``, no other keywords, no IRIs as keys.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

import rfc8785
from cachetools import LRUCache

from app.credentials.contexts import CONTEXT_FILES, defines_vocab, document_loader
from app.credentials.exceptions import ContextError

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_KEYWORDS_WITH_IRIS = ("@id", "@type")
# Properties whose values are credentials of their own, each with its @context; a
# credential's proofs may carry one too (eddsa-jcs-2022).
NESTED_CREDENTIALS = ("endorsement", "verifiableCredential")


@cache
def _processor() -> type:
    """pyld's processor, subclassed below; pyld (and lxml) load with the first credential."""
    from pyld import jsonld

    class _Processor(jsonld.JsonLdProcessor):
        """pyld's processor, remembering processed contexts across documents.

        pyld caches a processed context per active context, but every node with a type-scoped
        context (OB 3.0 scopes terms to Achievement, Profile, ...) first gets a fresh copy of the
        active context, so the cache never hits and each credential re-creates hundreds of term
        definitions: most of the time a verification takes. The result depends only on the active
        context and the local context (the base IRI and processing mode are fixed here), so it is
        memoised on the identity of both. Entries keep both objects alive, so an id is never
        reused while its entry exists; pyld itself treats processed contexts as immutable and
        shares them the same way.
        """

        def __init__(self, on_property_dropped=jsonld.noop, expanded: list | None = None):
            super().__init__(on_property_dropped=on_property_dropped)
            self._expanded = expanded

        def expand(self, input_, options):
            # normalize() expands again what rdfc() has just expanded and checked: skip that.
            if self._expanded is not None and input_ is self._expanded:
                return input_
            return super().expand(input_, options)

        def _process_context(
            self,
            active_ctx,
            local_ctx,
            options,
            override_protected=False,
            propagate=True,
            validate_scoped=True,
            cycles=None,
        ):
            key = (id(active_ctx), id(local_ctx), override_protected, propagate, validate_scoped)
            with _memo_lock:
                hit = _memo.get(key)
            if hit is not None and hit[0] is active_ctx and hit[1] is local_ctx:
                return hit[2]
            result = super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
            with _memo_lock:
                _memo[key] = (active_ctx, local_ctx, result)
            return result

    return _Processor


_memo: LRUCache = LRUCache(maxsize=4096)
_memo_lock = threading.Lock()


def clear_cache() -> None:
    """Forget memoised processed contexts (the benchmark's cold runs)."""
    with _memo_lock:
        _memo.clear()


def _dropped(term: str | None) -> None:
    raise ContextError(f"undefined JSON-LD term {term!r}: no context in @context defines it")


def _is_absolute(value: Any) -> bool:
    return isinstance(value, str) and _ABSOLUTE_IRI.match(value) is not None


def _check_iris(node: Any, path: str) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_iris(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        datatype = node.get("@type")
        if datatype is not None and datatype != "@json" and not _is_absolute(datatype):
            raise ContextError(f"undefined JSON-LD datatype {datatype!r} at {path}")
        return
    for key in _KEYWORDS_WITH_IRIS:
        values = node.get(key)
        for value in values if isinstance(values, list) else [values]:
            if value is not None and not _is_absolute(value):
                kind = "type" if key == "@type" else "id"
                raise ContextError(f"undefined JSON-LD {kind} {str(value)[:200]!r} at {path}")
    for key, value in node.items():
        if key not in _KEYWORDS_WITH_IRIS:
            _check_iris(value, f"{path}.{key}" if not key.startswith("@") else path)


def check_terms(document: Any, *, allow_vocab: bool = False) -> None:
    """Raise ContextError unless every key of *document* is a term its contexts define.

    ``@context`` may only sit at the top of a credential (the document itself, and each
    endorsement, embedded credential or proof), as a URL or list of URLs of bundled
    contexts, none of which sets ``@vocab`` or ``@base`` unless *allow_vocab* (the W3C
    examples context does). Anywhere else an embedded context could redefine or invent
    terms, and keywords (``@id``, ``@value``, ...) or IRIs used as keys could say what a term
    says in a form readers of the JSON do not look for; all are refused.
    """
    stack: list[tuple[Any, str, bool]] = [(document, "$", True)]
    while stack:
        node, path, root = stack.pop()
        if isinstance(node, list):
            stack.extend((item, f"{path}[{i}]", root) for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key == "@context":
                if not root:
                    raise ContextError(f"@context at {path}: only a credential's top may have one")
                _check_context_urls(value, path, allow_vocab)
            elif key.startswith("@"):
                raise ContextError(f"JSON-LD keyword {key[:50]!r} at {path} is not accepted")
            elif ":" in key:
                raise ContextError(f"{key[:100]!r} at {path} is an IRI, not a term")
            else:
                nested = key in NESTED_CREDENTIALS or (root and key == "proof")
                stack.append((value, f"{path}.{key}", nested))


def _check_context_urls(value: Any, path: str, allow_vocab: bool) -> None:
    for entry in value if isinstance(value, list) else [value]:
        if not isinstance(entry, str):
            raise ContextError(
                f"@context at {path} holds an embedded context; only URLs are accepted"
            )
        if entry not in CONTEXT_FILES:
            raise ContextError(
                f"context {entry[:200]!r} is not one of the bundled contexts (never fetched)"
            )
        if defines_vocab(entry) and not allow_vocab:
            raise ContextError(
                f"context {entry} sets @vocab, giving every undefined term a meaning; it is refused"
            )


def expand(document: dict[str, Any]) -> list[Any]:
    """Expand *document* with the bundled contexts; raise ContextError on any undefined term."""
    # pyld resolves relative IRIs against http://example.org/base/ when base is "";
    # with no base they stay relative, and _check_iris refuses them.
    options = {"documentLoader": document_loader, "base": None}
    try:
        expanded = _processor()(on_property_dropped=_dropped).expand(document, options)
    except ContextError:
        raise
    except Exception as exc:
        # pyld raises more than JsonLdError on hostile input (ValueError for an empty IRI,
        # TypeError, AttributeError, RecursionError for odd shapes): all mean "cannot process".
        raise ContextError(f"JSON-LD processing failed: {_cause(exc)}") from exc
    _check_iris(expanded, "$")
    return expanded


def _cause(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        if isinstance(exc.__cause__, ContextError):
            return str(exc.__cause__)
        exc = exc.__cause__
    return str(exc)


def rdfc(document: dict[str, Any]) -> str:
    """Return the RDFC-1.0 canonical N-Quads of a JSON-LD *document* (safe mode)."""
    expanded = expand(document)
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
    }
    try:
        return _processor()(expanded=expanded).normalize(expanded, options)
    except Exception as exc:
        raise ContextError(f"RDF canonicalization failed: {_cause(exc)}") from exc


def jcs(value: Any) -> bytes:
    """Return the RFC 8785 (JSON Canonicalization Scheme) UTF-8 bytes of *value*.

    Raises ContextError for values JCS cannot represent (integers beyond ±2**53, NaN).
    """
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise ContextError(f"JSON canonicalization failed: {exc}") from exc

"""Read untrusted credential input: JSON with size and depth limits, and baked images.

Every limit is checked before work proportional to the input's structure is done, so a
hostile upload costs bounded time: the byte size first, then ``json.loads`` (C code; deep
nesting raises RecursionError at once), then an iterative walk bounded by ``max_nodes``.

Only plain JSON passes: an object that repeats a key is refused (parsers disagree about which
copy counts, so a verifier and a wallet would read different credentials), and so are
``NaN``/``Infinity``, lone surrogates and, in objects handed over already parsed, any value
JSON cannot hold.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree

from app.credentials.exceptions import CredentialError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"


@dataclass(frozen=True)
class Limits:
    """Bounds on one verification. The counts are per credential (endorsements and embedded
    credentials have their own); ``max_fetches`` bounds the distinct documents (DID documents,
    key documents, status lists) fetched for the whole verification, nested ones included."""

    max_bytes: int = 1_000_000
    max_depth: int = 32
    max_nodes: int = 20_000
    max_endorsement_depth: int = 2
    max_proofs: int = 4
    max_endorsements: int = 10
    max_status_entries: int = 2
    max_embedded: int = 100
    max_fetches: int = 64


def parse_json(data: bytes | str, limits: Limits = Limits()) -> dict[str, Any]:
    """Parse a credential; raise CredentialError naming the limit or rule it breaks."""
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else data
    except UnicodeEncodeError as exc:
        raise CredentialError("the text is not valid Unicode (a lone surrogate)") from exc
    if not isinstance(raw, bytes | bytearray):
        raise CredentialError("a credential is JSON text or bytes")
    if len(raw) > limits.max_bytes:
        raise CredentialError(
            f"the credential is {len(raw):,} bytes; the limit is {limits.max_bytes:,}"
        )
    try:
        value = json.loads(raw, object_pairs_hook=_object, parse_constant=_constant)
    except RecursionError as exc:
        raise CredentialError(f"the JSON is nested deeper than {limits.max_depth} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        hint = " (a VC-JWT? only embedded Data Integrity proofs are supported)" if _jwt(raw) else ""
        raise CredentialError(f"not valid JSON: {exc}{hint}") from exc
    check_shape(value, limits)
    if not isinstance(value, dict):
        raise CredentialError("a credential is a JSON object")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise CredentialError(
                f"the JSON repeats the key {key[:100]!r} in one object "
                "(parsers disagree on which copy counts)"
            )
        seen.add(key)
    return value


def _constant(name: str) -> Any:
    raise CredentialError(f"{name} is not a JSON number")


def _jwt(raw: bytes) -> bool:
    return raw.count(b".") == 2 and raw.lstrip().startswith(b"eyJ")


def check_shape(value: Any, limits: Limits = Limits()) -> None:
    """Raise CredentialError if *value* is not plain JSON (string keys, finite numbers, valid
    Unicode) or nests deeper or holds more values than *limits* allow."""
    stack = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise CredentialError(f"the JSON has more than {limits.max_nodes:,} values")
        if depth > limits.max_depth:
            raise CredentialError(f"the JSON is nested deeper than {limits.max_depth} levels")
        if isinstance(item, dict):
            for key in item:
                _check_text(key, "a key")
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item, "a string")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise CredentialError("the JSON holds a number that is not finite")
        elif item is not None and not isinstance(item, bool | int):
            raise CredentialError(f"the JSON holds a {type(item).__name__}, which JSON cannot")


def _check_text(text: Any, what: str) -> None:
    if not isinstance(text, str):
        raise CredentialError(f"the JSON holds {what} that is not a string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CredentialError(f"the JSON holds {what} that is not valid Unicode") from exc


def unbake(data: bytes, limits: Limits = Limits()) -> bytes:
    """Return the credential baked into a PNG (iTXt) or SVG, or *data* itself otherwise.

    Raises CredentialError (never anything else) when the image is damaged, holds no
    credential, or holds more than one (readers would disagree on which one counts).
    """
    data = bytes(data)
    if data.startswith(PNG_SIGNATURE):
        return _unbake_png(data, limits)
    head = data[:512].lstrip()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return _unbake_svg(data)
    return data


def _unbake_png(data: bytes, limits: Limits) -> bytes:
    found: list[bytes] = []
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"iTXt" and body.startswith(PNG_KEYWORD + b"\x00"):
            if len(body) < length:
                raise CredentialError("the PNG is truncated inside its baked credential")
            found.append(body[len(PNG_KEYWORD) + 1 :])
        if kind == b"IEND" or len(body) < length:
            break
        offset += 12 + length
    if not found:
        raise CredentialError("the PNG holds no baked credential (iTXt 'openbadgecredential')")
    if len(found) > 1:
        raise CredentialError("the PNG holds more than one baked credential")
    return _itxt_text(found[0], limits)


def _itxt_text(rest: bytes, limits: Limits) -> bytes:
    """Return the text of an iTXt chunk body after its keyword (PNG 1.2, 11.3.4.5)."""
    if len(rest) < 2:
        raise CredentialError("the PNG's credential chunk is cut short")
    compressed, method = rest[0], rest[1]
    # Then language tag and translated keyword, each NUL-terminated, then the text.
    _language, found_language, rest = rest[2:].partition(b"\x00")
    _translated, found_translated, text = rest.partition(b"\x00")
    if not (found_language and found_translated):
        raise CredentialError("the PNG's credential chunk is cut short")
    if compressed == 0:
        return text
    if compressed != 1 or method != 0:
        raise CredentialError("the PNG's credential chunk uses an unknown compression")
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(text, limits.max_bytes + 1)
    except zlib.error as exc:
        raise CredentialError(f"the PNG's compressed credential cannot be read: {exc}") from exc
    if len(text) > limits.max_bytes or inflater.unconsumed_tail:
        raise CredentialError(f"the PNG's credential is larger than {limits.max_bytes:,} bytes")
    if not inflater.eof:
        raise CredentialError("the PNG's compressed credential is cut short")
    return text


def _unbake_svg(data: bytes) -> bytes:
    try:
        root = ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except Exception as exc:  # defusedxml raises several types for hostile XML
        raise CredentialError(f"the SVG cannot be read: {exc}") from exc
    elements = root.findall(f".//{{{SVG_NAMESPACE}}}credential")
    if root.tag == f"{{{SVG_NAMESPACE}}}credential":
        elements.insert(0, root)
    if not elements:
        raise CredentialError("the SVG holds no baked credential (openbadges:credential)")
    if len(elements) > 1:
        raise CredentialError("the SVG holds more than one baked credential")
    text = (elements[0].text or "").strip()
    if not text:
        raise CredentialError("the SVG's credential element is empty (a 'verify' URL only?)")
    return text.encode("utf-8")

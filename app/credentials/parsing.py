"""Read untrusted credential input: JSON with size and depth limits, and baked images.

Every limit is checked before work proportional to the input's structure is done, so a
hostile upload costs bounded time: the byte size first, then ``json.loads`` (C code; deep
nesting raises RecursionError at once), then an iterative walk bounded by ``max_nodes``.
"""

from __future__ import annotations

import json
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
    max_bytes: int = 1_000_000
    max_depth: int = 32
    max_nodes: int = 20_000
    max_endorsement_depth: int = 2


def parse_json(data: bytes | str, limits: Limits = Limits()) -> dict[str, Any]:
    """Parse a credential; raise CredentialError naming the limit it breaks."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > limits.max_bytes:
        raise CredentialError(
            f"the credential is {len(raw):,} bytes; the limit is {limits.max_bytes:,}"
        )
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise CredentialError(f"the JSON is nested deeper than {limits.max_depth} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        hint = " (a VC-JWT? only embedded Data Integrity proofs are supported)" if _jwt(raw) else ""
        raise CredentialError(f"not valid JSON: {exc}{hint}") from exc
    check_shape(value, limits)
    if not isinstance(value, dict):
        raise CredentialError("a credential is a JSON object")
    return value


def _jwt(raw: bytes) -> bool:
    return raw.count(b".") == 2 and raw.lstrip().startswith(b"eyJ")


def check_shape(value: Any, limits: Limits = Limits()) -> None:
    """Raise CredentialError if *value* nests deeper or holds more nodes than *limits* allow."""
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
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def unbake(data: bytes, limits: Limits = Limits()) -> bytes:
    """Return the credential baked into a PNG (iTXt) or SVG, or *data* itself otherwise."""
    if data.startswith(PNG_SIGNATURE):
        return _unbake_png(data)
    head = data[:512].lstrip()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return _unbake_svg(data)
    return data


def _unbake_png(data: bytes) -> bytes:
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"iTXt" and body.startswith(PNG_KEYWORD + b"\x00"):
            return _itxt_text(body[len(PNG_KEYWORD) + 1 :])
        if kind == b"IEND":
            break
        offset += 12 + length
    raise CredentialError("the PNG holds no baked credential (iTXt 'openbadgecredential')")


def _itxt_text(rest: bytes) -> bytes:
    compressed, _method = rest[0], rest[1]
    # Then language tag and translated keyword, each NUL-terminated, then the text.
    _language, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if compressed:
        inflater = zlib.decompressobj()
        text = inflater.decompress(text, Limits().max_bytes + 1)
    return text


def _unbake_svg(data: bytes) -> bytes:
    try:
        root = ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except Exception as exc:  # defusedxml raises several types for hostile XML
        raise CredentialError(f"the SVG cannot be read: {exc}") from exc
    element = root.find(f".//{{{SVG_NAMESPACE}}}credential")
    if element is None:
        raise CredentialError("the SVG holds no baked credential (openbadges:credential)")
    text = (element.text or "").strip()
    if not text:
        raise CredentialError("the SVG's credential element is empty (a 'verify' URL only?)")
    return text.encode("utf-8")

"""Bake a credential into its image, as Open Badges 3.0 says (``parsing.unbake`` reads it back).

PNG: an uncompressed ``iTXt`` chunk with the keyword ``openbadgecredential`` just before
``IEND``. SVG: ``xmlns:openbadges`` on the root and an ``<openbadges:credential>`` first child
holding the JSON in a CDATA section. Baking replaces a credential already baked in, so an image
never carries two. The JSON is compact and kept as written, except that characters a PNG text
chunk or XML cannot carry (and ``]]>``, which would end the CDATA section) are written as
JSON ``\\u`` escapes, which read back as the same strings.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from typing import Any
from xml.parsers import expat

from app.credentials.exceptions import CredentialError
from app.credentials.parsing import PNG_KEYWORD, PNG_SIGNATURE, SVG_NAMESPACE

SVG_ROOT = "http://www.w3.org/2000/svg svg"
PREFIX = "openbadges"
_UNSAFE = re.compile("[\ud800-\udfff\ufffe\uffff]|(?<=]])>")
# A start tag: its name, then attributes whose quoted values may hold any other character.
_START_TAG = re.compile(
    rb"""<(?P<name>[^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(?P<empty>/?)>"""
)


def bake_png(png: bytes, credential: dict[str, Any]) -> bytes:
    """Return *png* with *credential* baked in; raise CredentialError if it is not a sound PNG.

    Chunks are copied as they are, less any earlier ``openbadgecredential`` chunk and any
    bytes after ``IEND``.
    """
    if not png.startswith(PNG_SIGNATURE):
        raise CredentialError("not a PNG image (bad signature)")
    kept = [PNG_SIGNATURE]
    offset = len(PNG_SIGNATURE)
    while True:
        if offset + 12 > len(png):
            raise CredentialError("the PNG ends before its IEND chunk")
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        end = offset + 12 + length
        if end > len(png):
            raise CredentialError("the PNG is truncated (a chunk runs past its end)")
        kind, body = png[offset + 4 : offset + 8], png[offset + 8 : end - 4]
        if zlib.crc32(kind + body) != struct.unpack(">I", png[end - 4 : end])[0]:
            raise CredentialError(f"the PNG's {kind!r} chunk has a bad CRC")
        if offset == len(PNG_SIGNATURE) and kind != b"IHDR":
            raise CredentialError("the PNG does not start with an IHDR chunk")
        if kind == b"IEND":
            kept.append(_chunk(b"iTXt", _itxt(credential)))
            kept.append(png[offset:end])
            return b"".join(kept)
        if not (kind == b"iTXt" and body.startswith(PNG_KEYWORD + b"\x00")):
            kept.append(png[offset:end])
        offset = end


def bake_svg(svg_text: str, credential: dict[str, Any]) -> str:
    """Return *svg_text* with *credential* baked in; raise CredentialError if it is not an SVG.

    The document is otherwise left as written: an earlier ``openbadges:credential`` element
    (under any prefix) is cut out, the namespace is declared on the root if it is not already,
    and the new element goes first inside the root.
    """
    try:
        data = svg_text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CredentialError(f"the SVG cannot be read: {exc}") from exc
    layout = _SvgLayout.read(data)
    root = _START_TAG.match(data, layout.root_start)
    if root is None:
        raise CredentialError("the SVG's root element cannot be read")
    element = (
        f"<{PREFIX}:credential><![CDATA[{_compact_json(credential)}]]></{PREFIX}:credential>"
    ).encode()
    edits = [(start, end, b"") for start, end in layout.credentials]
    if root["empty"]:  # <svg .../>: open it, so that it can hold the credential
        edits.append((root.end() - 2, root.end(), b">" + element + b"</" + root["name"] + b">"))
    else:
        edits.append((root.end(), root.end(), element))
    if not layout.declares_prefix:
        declaration = f' xmlns:{PREFIX}="{SVG_NAMESPACE}"'.encode()
        edits.append((root.end("name"), root.end("name"), declaration))
    for start, end, replacement in sorted(edits, reverse=True):
        data = data[:start] + replacement + data[end:]
    return data.decode("utf-8")


# -- PNG ------------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _itxt(credential: dict[str, Any]) -> bytes:
    # keyword, NUL, compression flag 0 and method 0, empty language tag and translated keyword
    return PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + _compact_json(credential).encode("utf-8")


def _compact_json(credential: dict[str, Any]) -> str:
    text = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    # Outside strings compact JSON is ASCII without ">", so every match is inside a string.
    return _UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


# -- SVG ------------------------------------------------------------------------------------


class _SvgLayout:
    """Where an SVG's root starts and its baked credentials lie, in bytes, found by expat."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
        self.root_start = -1
        self.declares_prefix = False
        self.credentials: list[tuple[int, int]] = []
        self._open: list[tuple[str, int]] = []

    @classmethod
    def read(cls, data: bytes) -> _SvgLayout:
        layout = cls(data)
        parser = layout._parser
        parser.StartElementHandler = layout._start
        parser.EndElementHandler = layout._end
        parser.StartNamespaceDeclHandler = layout._namespace
        # Refuse what defusedxml refuses: entity declarations (billion laughs) and external
        # entities, so an SVG from anywhere costs bounded time and reads no file.
        parser.EntityDeclHandler = _refuse
        parser.UnparsedEntityDeclHandler = _refuse
        parser.ExternalEntityRefHandler = _refuse
        try:
            parser.Parse(data, True)
        except (expat.ExpatError, ValueError) as exc:
            raise CredentialError(f"the SVG cannot be read: {exc}") from exc
        return layout

    def _start(self, name: str, _attributes: dict[str, str]) -> None:
        index = self._parser.CurrentByteIndex
        if self.root_start < 0:
            if name != SVG_ROOT:
                raise ValueError("the root element is not an SVG <svg>")
            self.root_start = index
        self._open.append((name, index))

    def _end(self, name: str) -> None:
        _name, start = self._open.pop()
        if name != f"{SVG_NAMESPACE} credential" or not self._open:
            return
        tag = _START_TAG.match(self._data, start)
        if tag is None or tag["empty"]:  # <credential/>: its start tag is all of it
            end = tag.end() if tag else self._parser.CurrentByteIndex
        else:  # at its end tag, which holds no ">" but its last
            end = self._data.index(b">", self._parser.CurrentByteIndex) + 1
        # A credential inside another goes with it.
        self.credentials = [span for span in self.credentials if span[0] < start]
        self.credentials.append((start, end))

    def _namespace(self, prefix: str | None, uri: str) -> None:
        if self.root_start >= 0 or prefix != PREFIX:
            return
        if uri != SVG_NAMESPACE:
            raise ValueError(f"the root binds the prefix {PREFIX!r} to {uri!r}")
        self.declares_prefix = True


def _refuse(*_args: object) -> None:
    raise ValueError("entities are not allowed in a baked SVG")

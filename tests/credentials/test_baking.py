"""Baking: what is baked reads back exactly, images stay valid, and one credential per image."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from defusedxml import ElementTree
from PIL import Image

from app.credentials import artwork
from app.credentials.baking import bake_png, bake_svg
from app.credentials.exceptions import CredentialError
from app.credentials.parsing import unbake
from app.credentials.verifier import verify_credential
from tests.credentials.vectors import FIXTURES, load

OB = "https://purl.imsglobal.org/ob/v3p0"
NOW = datetime(2026, 12, 6, tzinfo=UTC)
ARTWORK = Path(__file__).resolve().parents[2] / "badges" / "artwork" / "default.svg"
# Strings that a careless baker would break: CDATA's end, the element's own end tag, an XML
# non-character, a lone surrogate (json.loads makes them), and text beyond ASCII.
AWKWARD = {
    "id": "urn:uuid:3f6a",
    "name": "Tricky ]]> </openbadges:credential> \ufffe \ud800 Prüfung 検定",
    "nested": {"list": [1, 2.5, None, True, "<![CDATA[x]]>"]},
}


def png(width: int = 16, height: int = 12) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 20, 30, 255)).save(out, "PNG")
    return out.getvalue()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks, asserting each one's CRC."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    found, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        found.append((kind, body))
        offset += 12 + length
    return found


def baked_chunks(data: bytes) -> list[bytes]:
    return [body for kind, body in chunks(data) if body.startswith(b"openbadgecredential\x00")]


def svg() -> str:
    return artwork.render_svg(
        ARTWORK.read_text(encoding="utf-8"),
        name="Plant Data and OEE",
        issuer="Lakeshore CC",
        primary="#1f4e79",
        secondary="#f2b134",
    )


# -- PNG ------------------------------------------------------------------------------------


def test_png_round_trip_reads_back_the_same_json():
    assert json.loads(unbake(bake_png(png(), AWKWARD))) == AWKWARD


def test_baked_png_is_still_a_valid_png():
    original = png(16, 12)
    baked = bake_png(original, AWKWARD)
    kinds = [kind for kind, _body in chunks(baked)]
    assert kinds[0] == b"IHDR" and kinds[-2:] == [b"iTXt", b"IEND"]
    image = Image.open(io.BytesIO(baked))
    image.load()
    assert image.size == (16, 12)
    assert image.tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_png_chunk_is_uncompressed_itxt_with_compact_json():
    body = baked_chunks(bake_png(png(), {"a": [1, 2], "b": "é"}))[0]
    assert body == b'openbadgecredential\x00\x00\x00\x00\x00{"a":[1,2],"b":"\xc3\xa9"}'


def test_baking_a_png_twice_keeps_one_credential():
    baked = bake_png(bake_png(png(), {"id": "first"}), {"id": "second"})
    assert len(baked_chunks(baked)) == 1
    assert json.loads(unbake(baked)) == {"id": "second"}


def test_baking_over_the_1edtech_png_replaces_its_credential():
    original = (FIXTURES / "simple-json.png").read_bytes()
    assert json.loads(unbake(original))["name"] == "Teamwork Badge"
    baked = bake_png(original, AWKWARD)
    assert len(baked_chunks(baked)) == 1
    assert json.loads(unbake(baked)) == AWKWARD
    # Every other chunk (the fixture's tEXt dates among them) is kept as it was.
    others = [chunk for chunk in chunks(original) if not chunk[1].startswith(b"openbadge")]
    assert [chunk for chunk in chunks(baked) if not chunk[1].startswith(b"openbadge")] == others


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a", "signature"),
        (png()[:40], "truncated|ends before"),
        (png()[:-12], "ends before its IEND"),
        (png()[:20] + bytes([png()[20] ^ 1]) + png()[21:], "bad CRC"),
    ],
    ids=["not-png", "truncated", "no-iend", "bad-crc"],
)
def test_bake_png_refuses_what_is_not_a_sound_png(data, message):
    with pytest.raises(CredentialError, match=message):
        bake_png(data, AWKWARD)


def test_bytes_after_iend_are_dropped():
    baked = bake_png(png() + b"<script>trailing</script>", {"id": "x"})
    assert baked.endswith(b"IEND\xaeB`\x82")


# -- SVG ------------------------------------------------------------------------------------


def test_svg_round_trip_reads_back_the_same_json():
    assert json.loads(unbake(bake_svg(svg(), AWKWARD).encode("utf-8"))) == AWKWARD


def test_baked_svg_declares_the_namespace_on_the_root_and_stays_well_formed():
    baked = bake_svg(svg(), AWKWARD)
    root = ElementTree.fromstring(baked.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root[0].tag == f"{{{OB}}}credential"
    assert baked.startswith(f'<svg xmlns:openbadges="{OB}" xmlns="http://www.w3.org/2000/svg"')
    assert "<openbadges:credential><![CDATA[{" in baked
    assert baked.count("]]>") == 1  # the one that closes the CDATA section


def test_baking_an_svg_twice_keeps_one_credential_and_one_declaration():
    once = bake_svg(svg(), {"id": "first"})
    twice = bake_svg(once, {"id": "second"})
    assert twice.count("xmlns:openbadges") == 1
    assert twice.count("<openbadges:credential>") == 1
    assert json.loads(unbake(twice.encode())) == {"id": "second"}
    assert bake_svg(twice, {"id": "first"}) == once


def test_baking_over_the_1edtech_svg_replaces_its_credential():
    original = (FIXTURES / "simple-json.svg").read_text(encoding="utf-8")
    assert json.loads(unbake(original.encode()))["name"] == "Teamwork Badge"
    baked = bake_svg(original, AWKWARD)
    root = ElementTree.fromstring(baked.encode("utf-8"))
    assert len(root.findall(f".//{{{OB}}}credential")) == 1
    assert baked.count("xmlns:openbadges") == 1
    assert "<!DOCTYPE svg PUBLIC" in baked and "Teamwork" not in baked
    assert json.loads(unbake(baked.encode())) == AWKWARD


def test_credentials_under_other_prefixes_and_depths_are_replaced_too():
    original = (
        '<?xml version="1.0"?>\n<s:svg xmlns:s="http://www.w3.org/2000/svg">'
        f'<ob:credential xmlns:ob="{OB}" verify="/>"/>'
        f'<s:g><credential xmlns="{OB}">old<credential xmlns="{OB}"/></credential></s:g>'
        "</s:svg>"
    )
    baked = bake_svg(original, {"id": "new"})
    assert baked == (
        f'<?xml version="1.0"?>\n<s:svg xmlns:openbadges="{OB}" '
        'xmlns:s="http://www.w3.org/2000/svg"><openbadges:credential><![CDATA[{"id":"new"}]]>'
        "</openbadges:credential><s:g></s:g></s:svg>"
    )


def test_an_empty_svg_root_is_opened_to_hold_the_credential():
    baked = bake_svg('<svg xmlns="http://www.w3.org/2000/svg" width="1"/>', {"id": "x"})
    assert baked.endswith('{"id":"x"}]]></openbadges:credential></svg>')
    assert json.loads(unbake(baked.encode())) == {"id": "x"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<svg", "cannot be read"),
        ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "not an SVG"),
        ("<svg/>", "not an SVG"),
        (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB}x"/>', "binds"),
        (
            '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "entities",
        ),
    ],
    ids=["broken", "html", "no-namespace", "prefix-taken", "entity"],
)
def test_bake_svg_refuses_what_is_not_a_plain_svg(text, message):
    with pytest.raises(CredentialError, match=message):
        bake_svg(text, {"id": "x"})


# -- What a holder does with it -------------------------------------------------------------


def test_baked_artwork_still_renders():
    baked = bake_svg(svg(), AWKWARD)
    image = Image.open(io.BytesIO(artwork.render_png(baked)))
    assert image.size == (400, 400)


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_signed_credential_baked_into_our_artwork_still_verifies(kind):
    credential = load(FIXTURES / "simple.json")
    if kind == "png":
        baked = bake_png(artwork.render_png(svg(), size=128), credential)
    else:
        baked = bake_svg(svg(), credential).encode("utf-8")
    assert json.loads(unbake(baked)) == credential
    # 1EdTech's fixture names its key in the URL fragment: the validator's reading.
    assert verify_credential(baked, now=NOW, fragment_keys=True)["verified"]

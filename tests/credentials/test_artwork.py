"""Badge artwork: the shipped templates filled with hostile values, fitted and rasterised."""

from __future__ import annotations

import base64
import io
import math
import struct
import zlib
from pathlib import Path

import pytest
from defusedxml import ElementTree
from PIL import Image

from app.credentials import artwork
from app.credentials.exceptions import CredentialError

ARTWORK = Path(__file__).resolve().parents[2] / "badges" / "artwork"
TEMPLATES = sorted(path.stem for path in ARTWORK.glob("*.svg"))
SVG = "{http://www.w3.org/2000/svg}"
LONG_NAME = "Smart Manufacturing Foundations: PLCs, Machine States and Networks for Technicians"


def template(name: str = "default") -> str:
    return (ARTWORK / f"{name}.svg").read_text(encoding="utf-8")


def render(name="Plant Data and OEE", issuer="Lakeshore CC", *, tpl="default", **kwargs) -> str:
    colours = {"primary": "#1f4e79", "secondary": "#f2b134"} | kwargs
    return artwork.render_svg(template(tpl), name=name, issuer=issuer, **colours)


def parse(svg: str):
    return ElementTree.fromstring(svg.encode("utf-8"))


def texts(root) -> list[str]:
    """The visible text lines, in document order."""
    lines = []
    for element in root.iter(f"{SVG}text"):
        spans = element.findall(f"{SVG}tspan")
        lines.extend(span.text or "" for span in spans) if spans else lines.append(element.text)
    return lines


def png(width: int = 8, height: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_shipped_templates_hold_only_the_documented_placeholders():
    """badges/README.md promises name, issuer, primary and secondary; nothing else may appear."""
    assert set(TEMPLATES) >= {"default", "certificate", "apprenticeship"}
    for name in TEMPLATES:
        svg = render(tpl=name)
        assert "{{" not in svg, name
        root = parse(svg)
        assert root.find(f"{SVG}title").text == "Plant Data and OEE"
        assert root.get("aria-label") == "Plant Data and OEE, issued by Lakeshore CC"
        assert {"Plant Data and OEE", "Lakeshore CC"} <= set(texts(root))


def test_script_in_a_name_stays_text():
    """Can an organization or achievement name inject markup into the badge?"""
    name = '<script>alert("x")</script> & {{ issuer }}'
    issuer = 'Evil" onload="alert(1)\' <b>'
    root = parse(render(name, issuer))
    assert not [el for el in root.iter() if el.tag.endswith(("script", "b"))]
    assert root.find(f"{SVG}title").text == name
    assert root.get("aria-label") == f"{name}, issued by {issuer}"
    assert root.get("onload") is None


def test_characters_xml_cannot_hold_are_dropped_and_spaces_collapsed():
    root = parse(render("Line\x00one\x1b\n\n  two\ufffe", "\ud800Lakeshore"))
    assert root.find(f"{SVG}title").text == "Lineone two"
    assert "Lakeshore" in texts(root)


@pytest.mark.parametrize(
    "bad", ["red", "#12", "#1234", "#ggg", '#fff" onload="x', "#fff\n", "url(#a)", "", None]
)
def test_a_bad_colour_falls_back_to_the_default(bad):
    root = parse(render(primary=bad, secondary=bad))
    fills = {el.get("fill") for el in root.iter() if el.get("fill")}
    assert artwork.PRIMARY_DEFAULT in fills and artwork.SECONDARY_DEFAULT in fills
    assert not {str(bad)} & fills
    assert root.find(f"{SVG}circle").get("onload") is None


def test_good_colours_are_used_in_lower_case():
    root = parse(render(primary="#ABC", secondary="#00ff7F"))
    fills = {el.get("fill") for el in root.iter()}
    assert {"#abc", "#00ff7f"} <= fills


def test_a_png_logo_is_embedded_as_a_data_uri():
    logo = png(120, 60)
    svg = artwork.render_svg(
        template(), name="A", issuer="B", primary="#000", secondary="#fff", logo_png=logo
    )
    images = list(parse(svg).iter(f"{SVG}image"))
    assert len(images) == 1
    prefix = "data:image/png;base64,"
    assert images[0].get("href").startswith(prefix)
    assert base64.b64decode(images[0].get("href")[len(prefix) :]) == logo
    assert images[0].get("data-slot") is None


def _with_bad_ihdr_crc(data: bytes) -> bytes:
    return data[:29] + bytes([data[29] ^ 1]) + data[30:]


@pytest.mark.parametrize(
    "logo",
    [
        None,
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"\xff\xd8\xff\xe0 a JPEG",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
        b"\x89PNG\r\n\x1a\n and then nothing like a PNG",
        png(artwork.LOGO_MAX_PIXELS + 1, 1),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * artwork.LOGO_MAX_BYTES,
    ],
    ids=["none", "empty", "gif", "jpeg", "svg", "signature-only", "too-wide", "too-big"],
)
def test_a_logo_that_is_not_a_small_png_is_left_out(logo):
    svg = artwork.render_svg(
        template(), name="A", issuer="B", primary="#000", secondary="#fff", logo_png=logo
    )
    assert not list(parse(svg).iter(f"{SVG}image"))


def test_a_png_with_a_corrupt_header_is_left_out():
    svg = artwork.render_svg(
        template(),
        name="A",
        issuer="B",
        primary="#000",
        secondary="#fff",
        logo_png=_with_bad_ihdr_crc(png()),
    )
    assert "<image" not in svg


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_long_name_takes_two_lines_and_ends_with_an_ellipsis(name):
    root = parse(render(LONG_NAME, tpl=name))
    lines = [line for line in texts(root) if line and line[:5] in LONG_NAME]
    assert len(lines) == 2
    assert lines[0] == "Smart Manufacturing"
    assert lines[1].endswith("\u2026") and lines[1][:-1] in LONG_NAME
    assert root.find(f"{SVG}title").text == LONG_NAME  # the full name stays for screen readers


def test_a_name_that_fits_on_one_line_is_left_as_the_template_sets_it():
    svg = render("Plant Data and OEE")
    assert 'font-size="22" font-weight="700" fill="#ffffff">Plant Data and OEE</text>' in svg
    assert "data-max-width" not in svg


def test_a_name_a_little_too_long_is_set_smaller_on_one_line():
    root = parse(render("Plant Data and Its OEE"))
    text = next(el for el in root.iter(f"{SVG}text") if el.text == "Plant Data and Its OEE")
    assert float(text.get("font-size")) < 22


def test_two_short_words_wrap_evenly_and_one_endless_word_is_broken():
    lines = texts(parse(render("Maintenance Electrotechnology")))
    assert lines[:2] == ["Maintenance", "Electrotechnology"]
    lines = texts(parse(render("W" * 60)))
    assert lines[0].startswith("WWWW") and lines[1].endswith("\u2026")


def test_an_issuer_gets_one_line():
    root = parse(render(issuer="The Lakeshore Community College District Workforce Institute"))
    issuer_lines = [line for line in texts(root) if line.startswith("The Lakeshore")]
    assert len(issuer_lines) == 1 and issuer_lines[0].endswith("\u2026")


def test_an_unknown_placeholder_or_a_broken_template_is_refused():
    with pytest.raises(CredentialError, match="unknown placeholder"):
        artwork.render_svg(
            '<svg xmlns="http://www.w3.org/2000/svg">{{ colour }}</svg>',
            name="A",
            issuer="B",
            primary="#000",
            secondary="#fff",
        )
    with pytest.raises(CredentialError, match="well-formed"):
        artwork.render_svg("<svg>{{ name }}", name="A", issuer="B", primary="", secondary="")


def test_rendering_is_deterministic():
    assert render(LONG_NAME) == render(LONG_NAME)
    svg = render(LONG_NAME)
    assert artwork.render_png(svg) == artwork.render_png(svg)


@pytest.mark.parametrize("name", TEMPLATES)
def test_png_decodes_at_the_size_asked(name):
    svg = render(LONG_NAME, tpl=name)
    assert decode(artwork.render_png(svg)).size == (400, 400)
    assert decode(artwork.render_png(svg, size=128)).size == (128, 128)


def test_png_sets_the_text():
    """Are the fonts found? A text-only SVG must put ink on the canvas."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 50">'
        '<text x="10" y="35" font-family="sans-serif" font-size="30">Shopfloor</text></svg>'
    )
    alpha = decode(artwork.render_png(svg, size=200)).convert("RGBA").getchannel("A")
    inked = sum(alpha.histogram()[129:])
    assert inked > 300


def test_a_long_name_stays_inside_the_ring():
    """White text must not spill over the default badge's ring, whatever the name."""
    svg = render("W" * 30 + " " + "M" * 30, issuer="W" * 80, primary="#000000", secondary="#000000")
    image = decode(artwork.render_png(svg)).convert("RGB")
    inside_ring = 0
    for y in range(400):
        for x in range(400):
            if image.getpixel((x, y))[0] > 60:  # white text, anti-aliased edges included
                distance = math.hypot(x - 200, y - 200)
                assert distance < 160, (x, y)
                inside_ring += 1
    assert inside_ring > 500


def test_the_logo_appears_in_the_png():
    logo = png(40, 40)
    svg = artwork.render_svg(
        template(), name="A", issuer="B", primary="#000000", secondary="#000000", logo_png=logo
    )
    image = decode(artwork.render_png(svg)).convert("RGB")
    assert image.getpixel((200, 332)) == (200, 30, 30)


def test_png_refuses_an_svg_that_refers_to_a_file():
    for href in ('href="file:///etc/hostname"', 'xlink:href="logo.png"'):
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            f'<image {href} width="10" height="10"/></svg>'
        )
        with pytest.raises(CredentialError, match="refers to"):
            artwork.render_png(svg)


def test_png_refuses_odd_sizes_and_says_which_fonts_are_missing(tmp_path):
    with pytest.raises(CredentialError, match="16 to 4096"):
        artwork.render_png(render(), size=100_000)
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        artwork.render_png(render(), font_dir=tmp_path)


def test_logo_check_reads_the_png_header():
    """The IHDR helper below builds a PNG header by hand: 1×1 passes, 0×1 does not."""

    def header(width, height):
        body = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        crc = struct.pack(">I", zlib.crc32(b"IHDR" + body))
        return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + body + crc

    assert artwork._logo_uri(header(1, 1)) is not None
    assert artwork._logo_uri(header(0, 1)) is None

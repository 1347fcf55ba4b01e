"""Partner logos are judged by their content and always come out as a small, clean PNG; hostile
files (bombs, SVGs that reach outside themselves, polyglots) are refused or drawn harmlessly."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib

import pytest
from PIL import Image, ImageFile

from app.credentials import artwork
from app.domain import logos
from app.errors import InvalidInput

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '


def raster(kind: str, size=(200, 100), colour=(11, 83, 148, 255), **save) -> bytes:
    mode = "RGBA" if kind in ("PNG", "WEBP") else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, colour[: len(mode)]).save(out, kind, **save)
    return out.getvalue()


def svg(body: str, attrs: str = 'viewBox="0 0 300 100"') -> bytes:
    return f"{SVG}{attrs}>{body}</svg>".encode()


RED_RECT = '<rect width="300" height="100" fill="#c00"/>'


def decoded(logo: logos.Logo) -> Image.Image:
    image = Image.open(io.BytesIO(logo.png))
    assert image.format == "PNG" and image.mode == "RGBA"
    assert image.size == (logo.width, logo.height)
    return image


def chunks(png: bytes) -> list[bytes]:
    """The chunk types of a PNG, in order."""
    found, at = [], 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        found.append(kind)
        at += 12 + length
    return found


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims *width* × *height* pixels: a valid header, an empty image stream."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as raised:
        logos.normalise(data)
    assert raised.value.field == "logo"
    return raised.value.message


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any image's pixels are decoded."""

    def load(self):
        raise AssertionError(f"decoded a {self.size} image")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


# -- Good logos -----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name"), [("PNG", "PNG"), ("JPEG", "JPEG"), ("WEBP", "WebP")])
def test_each_raster_format_becomes_an_rgba_png(kind, name):
    logo = logos.normalise(raster(kind, (200, 100)))
    assert (logo.width, logo.height, logo.source) == (200, 100, name)
    assert decoded(logo).getpixel((100, 50))[3] == 255


def test_an_svg_is_drawn_into_a_png_fitting_the_box():
    logo = logos.normalise(svg(RED_RECT))
    assert (logo.width, logo.height, logo.source) == (512, 171, "SVG")
    assert decoded(logo).getpixel((256, 85)) == (204, 0, 0, 255)
    assert b"<svg" not in logo.png


def test_an_svg_with_text_a_gradient_stylesheet_and_use_is_drawn():
    body = (
        "<style>.a{fill:url(#g)}</style><defs><linearGradient id='g'><stop offset='0' "
        "stop-color='red'/><stop offset='1' stop-color='blue'/></linearGradient>"
        "<rect id='r' width='50' height='50'/></defs><rect class='a' width='300' height='100'/>"
        "<use href='#r' x='10' fill='green'/><text x='100' y='60' font-size='30'>Tri-C</text>"
    )
    image = decoded(logos.normalise(svg(body)))
    assert image.getpixel((5, 150))[:3] == (252, 0, 3)  # the gradient's red end
    assert image.getpixel((30, 30)) == (0, 128, 0, 255)  # the <use>


def test_a_large_logo_is_fitted_within_512_pixels_keeping_its_shape():
    logo = logos.normalise(raster("PNG", (2000, 1000)))
    assert (logo.width, logo.height) == (512, 256)
    small = logos.normalise(raster("PNG", (40, 32)))
    assert (small.width, small.height) == (40, 32)  # never enlarged


def test_metadata_is_stripped():
    out = io.BytesIO()
    info = Image.new("RGB", (64, 64)).getexif()
    info[0x010E] = "secret description"  # ImageDescription
    Image.new("RGB", (64, 64), "navy").save(
        out, "JPEG", exif=info.tobytes(), icc_profile=b"\0" * 128, comment=b"secret comment"
    )
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "secret author")
    for data in (out.getvalue(), raster("PNG", (64, 64), pnginfo=text)):
        png = logos.normalise(data).png
        assert set(chunks(png)) == {b"IHDR", b"IDAT", b"IEND"}
        assert b"secret" not in png


def test_a_photo_taken_sideways_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    data = raster("JPEG", (64, 32), exif=exif.tobytes())
    logo = logos.normalise(data)
    assert (logo.width, logo.height) == (32, 64)


def test_palette_grey_and_16_bit_images_keep_their_colours():
    out = io.BytesIO()
    Image.new("I;16", (40, 40), 32768).save(out, "PNG")
    assert decoded(logos.normalise(out.getvalue())).getpixel((1, 1)) == (128, 128, 128, 255)
    palette = Image.new("P", (40, 40), 1)
    palette.putpalette([200, 10, 10, 0, 0, 0])
    palette.paste(0, (0, 0, 20, 40))
    out = io.BytesIO()
    palette.save(out, "PNG", transparency=1)
    image = decoded(logos.normalise(out.getvalue()))
    assert (image.getpixel((1, 1)), image.getpixel((30, 1))[3]) == ((200, 10, 10, 255), 0)


def test_a_detailed_photo_is_made_small_enough_for_badge_artwork():
    noise = Image.effect_noise((900, 900), 100).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90)
    assert len(out.getvalue()) <= logos.MAX_UPLOAD_BYTES
    logo = logos.normalise(out.getvalue())
    assert len(logo.png) <= logos.MAX_PNG_BYTES == artwork.LOGO_MAX_BYTES
    assert max(logo.width, logo.height) < 512
    assert artwork._logo_uri(logo.png) is not None  # badge artwork embeds it


def test_limits_agree_with_badge_artwork():
    assert logos.BOX <= artwork.LOGO_MAX_PIXELS
    assert logos.MAX_PNG_BYTES == artwork.LOGO_MAX_BYTES


# -- Sizes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((3000, 20), "The logo is 3,000 × 20 pixels: it must be between 32 and 4,096 pixels a"),
        ((20, 20), "The logo is 20 × 20 pixels: it must be between 32 and 4,096 pixels a side."),
        ((4097, 100), "The logo is 4,097 × 100 pixels: it must be between 32 and 4,096"),
        ((1000, 40), "The logo is 1,000 × 40 pixels: too narrow to show. Make it at most 16"),
    ],
)  # fmt: skip
def test_too_small_too_large_or_too_narrow_is_refused_saying_its_size(size, message):
    assert refused(raster("PNG", size)).startswith(message)


def test_the_size_message_in_full():
    assert refused(raster("PNG", (3000, 20))) == (
        "The logo is 3,000 × 20 pixels: it must be between 32 and 4,096 pixels a side."
    )


def test_an_upload_over_1_mb_is_refused_before_anything_else():
    assert refused(b"\x89PNG\r\n\x1a\n" + b"\0" * logos.MAX_UPLOAD_BYTES).startswith(
        "Larger than 1 MB"
    )


def test_a_png_claiming_50000_pixels_a_side_is_refused_without_decoding(no_decoding):
    started = time.monotonic()
    message = refused(png_header(50_000, 50_000))
    assert message.startswith("The logo is 50,000 × 50,000 pixels")
    assert time.monotonic() - started < 1


def test_a_jpeg_claiming_65500_pixels_a_side_is_refused_without_decoding(no_decoding):
    data = bytearray(raster("JPEG", (32, 32)))
    sof = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65500, 65500)
    assert refused(bytes(data)).startswith("The logo is 65,500 × 65,500 pixels")


def test_an_svg_embedding_a_bomb_is_refused_without_decoding(no_decoding):
    uri = "data:image/png;base64," + base64.b64encode(png_header(50_000, 50_000)).decode()
    assert "too large" in refused(svg(f'<image href="{uri}" width="10" height="10"/>'))


# -- What is not an image we accept ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # a GIF: not accepted, whatever its name
        b"%PDF-1.7\n",
        b"<!doctype html><html><script>alert(1)</script></html>",
        b"<svg>no namespace, not SVG</svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><unclosed></svg>',
        raster("PNG")[:60],  # truncated
        b"\xff\xd8\xff\xe0" + b"\0" * 40,  # a JPEG start and nothing else
        b"RIFF\x10\x00\x00\x00WEBPVP8 junk",
    ],
    ids=["empty", "gif", "pdf", "html", "svg-no-ns", "bad-xml", "truncated-png", "jpeg", "webp"],
)
def test_anything_else_is_not_an_image_we_can_read(data):
    assert refused(data) == logos.UNREADABLE


def test_a_polyglot_is_judged_by_its_content_and_comes_out_clean():
    """A PNG with a script appended (served as HTML it might run) stores only pixels."""
    tail = b"<html><script>alert(document.cookie)</script></html>"
    logo = logos.normalise(raster("PNG", (64, 64)) + tail)
    assert logo.source == "PNG" and b"script" not in logo.png
    assert chunks(logo.png)[-1] == b"IEND" and logo.png.endswith(b"IEND\xaeB`\x82")


def test_an_svg_named_png_is_drawn_as_svg_and_a_png_named_svg_read_as_png():
    # The name never reaches the domain: only the bytes do.
    assert logos.normalise(svg(RED_RECT)).source == "SVG"
    assert logos.normalise(raster("PNG", (64, 64))).source == "PNG"


def test_a_blank_logo_is_refused():
    assert "blank" in refused(raster("PNG", (64, 64), colour=(0, 0, 0, 0)))
    assert "blank" in refused(svg("<script>alert(1)</script>"))


# -- Hostile SVGs ---------------------------------------------------------------------------


def test_script_and_foreign_html_in_an_svg_are_inert():
    body = (
        RED_RECT + "<script>alert(1)</script>"
        '<foreignObject width="300" height="100"><div xmlns="http://www.w3.org/1999/xhtml">'
        "<img src='https://evil.example/x.png'/></div></foreignObject>"
        '<a href="https://tri-c.example"><rect width="1" height="1" onclick="alert(2)"/></a>'
    )
    logo = logos.normalise(svg(body, 'viewBox="0 0 300 100" onload="alert(3)"'))
    assert decoded(logo).getpixel((256, 85)) == (204, 0, 0, 255)
    assert b"alert" not in logo.png


@pytest.mark.parametrize(
    "body",
    [
        '<image href="file:///etc/passwd" width="10" height="10"/>',
        '<image href="/etc/hostname" width="10" height="10"/>',
        '<image xlink:href="/tmp/logo.png" width="10" height="10"/>',
        '<image href="https://evil.example/track.png" width="10" height="10"/>',
        '<image href="logo.png" width="10" height="10"/>',
        '<use href="other.svg#shape"/>',
        '<filter id="f"><feImage href="/etc/x.png"/></filter>',
        '<rect width="9" height="9" fill="url(/tmp/p.svg#p)"/>',
        '<rect width="9" height="9" style="fill: url(\'https://evil.example/p\')"/>',
        "<style>@import url(https://evil.example/x.css);</style>",
        "<style>rect { fill: url(file:///tmp/p.svg#p) }</style>",
        '<image href="data:image/svg+xml;base64,PHN2Zy8+" width="10" height="10"/>',
    ],
)
def test_an_svg_reaching_outside_itself_is_refused(body, no_decoding):
    message = refused(svg(RED_RECT + body))
    assert "outside the file" in message or "not a PNG, JPEG or WebP" in message


def test_a_real_local_file_named_by_an_svg_is_never_drawn(tmp_path):
    """resvg reads any path an href names: the check stops it before rendering."""
    secret = tmp_path / "secret.png"
    Image.new("RGB", (64, 64), "lime").save(secret)
    body = f'<image href="{secret}" width="300" height="100"/>'
    assert "outside the file" in refused(svg(body))


def test_an_svg_embedding_a_small_png_is_drawn():
    uri = "data:image/png;base64," + base64.b64encode(raster("PNG", (40, 40))).decode()
    logo = logos.normalise(svg(f'<image href="{uri}" width="300" height="100"/>'))
    assert decoded(logo).getpixel((256, 85))[3] == 255


def test_entities_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    )
    assert "entities" in refused(bomb)
    external = (
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    )
    assert "entities" in refused(external)


def test_a_doctype_without_entities_is_fine():
    doctype = (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    )
    assert logos.normalise(doctype + svg(RED_RECT)).source == "SVG"


def test_nested_use_that_multiplies_is_refused_quickly():
    """Ten levels of ten <use> each would be ten billion shapes."""
    levels = ['<rect id="l0" width="1" height="1"/>']
    for n in range(1, 11):
        uses = "".join(f'<use href="#l{n - 1}" x="{i}"/>' for i in range(10))
        levels.append(f'<g id="l{n}">{uses}</g>')
    started = time.monotonic()
    message = refused(svg(f"<defs>{''.join(levels)}</defs><use href='#l10'/>"))
    assert message.startswith("The SVG draws more than 10,000 shapes")
    assert time.monotonic() - started < 2


def test_a_pattern_painted_from_a_stylesheet_is_refused():
    body = (
        '<defs><pattern id="p" width="2" height="2"><rect width="1" height="1"/></pattern></defs>'
        "<style>rect { fill: url(#p) }</style>" + RED_RECT
    )
    assert "only gradients" in refused(svg(body))


def test_a_reference_loop_is_refused():
    body = '<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'
    assert "loop" in refused(svg(RED_RECT + body))


def test_too_many_elements_are_refused():
    body = '<rect width="1" height="1"/>' * (logos.MAX_SVG_ELEMENTS + 1)
    assert refused(svg(body)).startswith("The SVG draws more than")


def test_deep_nesting_is_refused():
    assert logos.normalise(svg("<g>" * 200 + RED_RECT + "</g>" * 200)).source == "SVG"
    message = refused(svg("<g>" * 5000 + RED_RECT + "</g>" * 5000))
    assert message.startswith("The SVG nests elements more than 256 deep")


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ('viewBox="0 0 3000 20"', "The logo is 3,000 × 20 units: too narrow to show"),
        ('width="20" height="1000"', "The logo is 20 × 1,000 units: too narrow to show"),
    ],
)
def test_a_very_narrow_svg_is_refused(attrs, message):
    assert refused(svg(RED_RECT, attrs)).startswith(message)


def test_an_svg_claiming_a_huge_size_is_drawn_within_the_box():
    logo = logos.normalise(
        svg(RED_RECT, 'width="100000000" height="50000000" viewBox="0 0 300 100"')
    )
    assert (logo.width, logo.height) == (512, 256)

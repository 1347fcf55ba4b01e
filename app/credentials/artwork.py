"""Render an achievement's artwork: fill an SVG template from ``badges/artwork/``, rasterise it.

Every value is untrusted (an organization names itself, an author names an achievement):
text is XML-escaped and stripped of characters XML cannot hold, colours must be ``#rgb`` or
``#rrggbb``, and a partner logo is embedded only as a small PNG ``data:`` URI. A ``<text>``
element holding nothing but ``{{ name }}`` (two lines at most) or ``{{ issuer }}`` (one line)
is fitted to the template's ``data-max-width``: shrunk a little, then wrapped, then cut with an
ellipsis. Widths are measured with DejaVu Sans Bold's advances, the font ``render_png`` uses.

The output depends only on the arguments: rendering the same badge twice gives the same bytes.
"""

from __future__ import annotations

import base64
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

import resvg_py
from defusedxml import ElementTree

from app.credentials.exceptions import CredentialError

PRIMARY_DEFAULT = "#1f4e79"
SECONDARY_DEFAULT = "#f2b134"
MAX_TEXT_CHARS = 200
LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_PIXELS = 2048  # per side: a small file can still decode to gigabytes of pixels
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ELLIPSIS = "\u2026"
SHRINK = 0.85  # the smallest font size, as a share of the template's, before wrapping
LINE_HEIGHT = 1.15
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

# DejaVu Sans advance widths of " " to "~", in hundredths of an em: regular, then bold.
_REGULAR = (
    32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 34, 34, 84, 84, 84, 53, 100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86,
    75, 79, 60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50, 50, 61, 63, 55, 63,
    62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61, 63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64,
    34, 64, 84,
)  # fmt: skip
_BOLD = (
    35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 70, 70, 70, 70, 70, 70, 70,
    70, 70, 70, 40, 40, 84, 84, 84, 58, 100, 77, 76, 73, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100,
    84, 85, 73, 85, 77, 72, 68, 81, 77, 110, 77, 72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72,
    68, 44, 72, 71, 34, 34, 67, 34, 104, 71, 69, 72, 72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71,
    37, 71, 84,
)  # fmt: skip
_ADVANCES = {
    bold: dict(zip(map(chr, range(32, 127)), table, strict=True))
    for bold, table in ((False, _REGULAR), (True, _BOLD))
}

_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PLACEHOLDER = r"\{\{\s*(\w+)\s*\}\}"
_TEMPLATE = re.compile(
    rf"(?P<open><text\b[^>]*>)\s*{_PLACEHOLDER}\s*</text>"
    rf"|(?P<slot><image\b[^>]*\bdata-slot=\"logo\"[^>]*/>)"
    rf"|{_PLACEHOLDER}"
)
_ATTRIBUTE = re.compile(r'\s([\w:-]+)="([^"]*)"')


def render_svg(
    template_text: str,
    *,
    name: str,
    issuer: str,
    primary: str,
    secondary: str,
    logo_png: bytes | None = None,
) -> str:
    """Fill an artwork template's placeholders with escaped, fitted and validated values.

    The placeholders are ``{{ name }}``, ``{{ issuer }}``, ``{{ primary }}`` and
    ``{{ secondary }}`` (see the module docstring for fitting).
    Colours that are not ``#rgb``/``#rrggbb`` become the defaults. *logo_png* fills the
    template's ``<image data-slot="logo" .../>`` when it is a PNG of at most LOGO_MAX_BYTES
    and LOGO_MAX_PIXELS a side; otherwise (or without a logo) the slot is removed.
    Raises CredentialError if the template names another placeholder or is not well-formed.
    """
    values = {
        "name": _clean_text(name),
        "issuer": _clean_text(issuer),
        "primary": _colour(primary, PRIMARY_DEFAULT),
        "secondary": _colour(secondary, SECONDARY_DEFAULT),
    }
    logo = _logo_uri(logo_png)
    view_width = _view_width(template_text)

    def fill(match: re.Match[str]) -> str:
        if match["slot"]:
            return _logo_element(match["slot"], logo)
        key = match.group(2) or match.group(4)
        if key not in values:
            raise CredentialError(f"the artwork names an unknown placeholder {{{{ {key} }}}}")
        if match["open"] and key in ("name", "issuer"):
            lines = 2 if key == "name" else 1
            return _fitted_text(match["open"], values[key], lines, 0.6 * view_width)
        return _escape(values[key])

    svg = _TEMPLATE.sub(fill, template_text)
    _check_svg(svg, field="artwork")
    return svg


def render_png(svg_text: str, size: int = 400, *, font_dir: Path = FONT_DIR) -> bytes:
    """Rasterise *svg_text* to a PNG *size* pixels wide (the height keeps the aspect ratio).

    Text is set in DejaVu Sans from *font_dir*, the only fonts loaded, so the result does not
    depend on what else a machine has installed. References to anything but embedded PNG
    images or fragments of the document are refused (CredentialError), so rendering never
    reads a file the SVG names. Raises FileNotFoundError when the fonts are not installed.
    """
    if not 16 <= size <= 4096:
        raise CredentialError(f"the image size must be 16 to 4096 pixels, not {size}")
    _check_svg(svg_text, field="svg", references=True)
    fonts = [font_dir / name for name in FONT_FILES]
    missing = [str(path) for path in fonts if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"badge images need the DejaVu fonts (Debian: fonts-dejavu-core): {missing[0]}"
        )
    try:
        return bytes(
            resvg_py.svg_to_bytes(
                svg_string=svg_text,
                width=size,
                skip_system_fonts=True,
                font_files=[str(path) for path in fonts],
                font_family="DejaVu Sans",
                serif_family="DejaVu Sans",
                sans_serif_family="DejaVu Sans",
            )
        )
    except ValueError as exc:
        raise CredentialError(f"the SVG cannot be rendered: {exc}", field="svg") from exc


# -- Values ---------------------------------------------------------------------------------


def _clean_text(value: str) -> str:
    text = " ".join(_NOT_XML.sub("", unicodedata.normalize("NFC", str(value))).split())
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1].rstrip() + ELLIPSIS
    return text


def _colour(value: str, default: str) -> str:
    return value.lower() if isinstance(value, str) and _COLOUR.fullmatch(value) else default


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _logo_uri(data: bytes | None) -> str | None:
    if not data or len(data) > LOGO_MAX_BYTES or not data.startswith(PNG_SIGNATURE):
        return None
    header = data[8:33]  # the IHDR chunk: length, type, 13 bytes of data, CRC
    if len(header) < 25 or header[:8] != b"\x00\x00\x00\x0dIHDR":
        return None
    width, height = struct.unpack(">II", header[8:16])
    if zlib.crc32(header[4:21]) != struct.unpack(">I", header[21:25])[0]:
        return None
    if not (0 < width <= LOGO_MAX_PIXELS and 0 < height <= LOGO_MAX_PIXELS):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _logo_element(slot: str, uri: str | None) -> str:
    if uri is None:
        return ""
    kept = "".join(
        f' {key}="{value}"'
        for key, value in _ATTRIBUTE.findall(slot)
        if key not in ("data-slot", "href", "xlink:href", "preserveAspectRatio")
    )
    return f'<image{kept} preserveAspectRatio="xMidYMid meet" href="{uri}"/>'


def _view_width(template_text: str) -> float:
    match = re.search(r'<svg\b[^>]*\sviewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)', template_text)
    try:
        return float(match[1]) if match else 400.0
    except ValueError:
        return 400.0


# -- Fitting text ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Font:
    size: float
    bold: bool

    def width(self, text: str) -> float:
        return sum(self._advance(char) for char in text) * self.size / 100

    def _advance(self, char: str) -> int:
        table = _ADVANCES[self.bold]
        if char in table:
            return table[char]
        if unicodedata.east_asian_width(char) in ("W", "F"):
            return 100
        if unicodedata.combining(char):
            return 0
        return table.get(unicodedata.normalize("NFD", char)[0], 80)  # é is as wide as e


def _fitted_text(open_tag: str, text: str, max_lines: int, default_width: float) -> str:
    """Return the ``<text>`` element for *text*, shrunk, wrapped or cut to fit its width."""
    attributes = dict(_ATTRIBUTE.findall(open_tag))
    weight = attributes.get("font-weight", "")
    bold = weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600)
    font = _Font(_number(attributes.get("font-size"), 16.0), bold)
    width = _number(attributes.get("data-max-width"), default_width)
    open_tag = re.sub(r'\sdata-max-width="[^"]*"', "", open_tag)
    if font.width(text) <= width:
        return f"{open_tag}{_escape(text)}</text>"
    font = _Font(font.size * SHRINK, bold)
    open_tag = _set_attribute(open_tag, "font-size", _format(font.size))
    if font.width(text) <= width or max_lines == 1:
        return f"{open_tag}{_escape(_shorten(text, font, width))}</text>"
    x = attributes.get("x", "0")
    y = _number(attributes.get("y"), 0.0)
    half = font.size * LINE_HEIGHT / 2
    lines = zip(_wrap(text, font, width), (y - half, y + half), strict=True)
    spans = "".join(
        f'<tspan x="{_escape(x)}" y="{_format(line_y)}">{_escape(line)}</tspan>'
        for line, line_y in lines
    )
    return f"{open_tag}{spans}</text>"


def _wrap(text: str, font: _Font, width: float) -> tuple[str, str]:
    """Split *text* into two lines, as even as the words allow; cut the second if needed."""
    words = text.split(" ")
    splits = [
        (" ".join(words[:k]), " ".join(words[k:]))
        for k in range(1, len(words))
        if font.width(" ".join(words[:k])) <= width
    ]
    fitting = [pair for pair in splits if font.width(pair[1]) <= width]
    if fitting:
        return min(fitting, key=lambda pair: max(map(font.width, pair)))
    if splits:
        first, rest = splits[-1]
    else:  # the first word alone is too wide: break it
        first = _shorten(text, font, width, ellipsis="")
        rest = text[len(first) :].lstrip()
    return first, _shorten(rest, font, width)


def _shorten(text: str, font: _Font, width: float, ellipsis: str = ELLIPSIS) -> str:
    if font.width(text) <= width:
        return text
    end = len(text)
    while end > 1 and font.width(text[:end] + ellipsis) > width:
        end -= 1
    return text[:end].rstrip(" ,;:-") + ellipsis


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default


def _format(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _set_attribute(open_tag: str, key: str, value: str) -> str:
    replaced, count = re.subn(rf'(\s{key}=")[^"]*(")', rf"\g<1>{value}\g<2>", open_tag)
    return replaced if count else open_tag.replace("<text", f'<text {key}="{value}"', 1)


# -- Checking -------------------------------------------------------------------------------


def _check_svg(svg: str, *, field: str, references: bool = False) -> None:
    try:
        root = ElementTree.fromstring(svg.encode("utf-8"), forbid_entities=True)
    except Exception as exc:  # defusedxml raises several types for hostile XML
        raise CredentialError(f"the {field} is not well-formed SVG: {exc}", field=field) from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise CredentialError(f"the {field} is not an SVG document", field=field)
    if not references:
        return
    for element in root.iter():
        for key in ("href", XLINK_HREF):
            target = element.get(key)
            if target and not target.startswith(("#", "data:image/png;base64,")):
                raise CredentialError(f"the SVG refers to {target[:80]!r}", field=field)

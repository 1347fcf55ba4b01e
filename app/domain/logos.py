"""Partner logos: judge an upload by its content and turn it into a small, clean PNG.

A logo may be a PNG, JPEG, WebP or SVG of at most MAX_UPLOAD_BYTES. Its bytes decide what it
is, never its name or declared type, and anything else is refused. Every logo comes out as an
RGBA PNG that fits BOX × BOX pixels, with no metadata (EXIF, ICC profile, text chunks), small
enough (MAX_PNG_BYTES) for badge artwork to embed. An SVG is never kept: only the PNG drawn
from it.

Hostile files:
- Rasters are decoded by Pillow's PNG, JPEG and WebP plugins only, and their dimensions are
  read from the header and checked before a pixel is decoded: a few bytes can claim
  50,000 × 50,000 pixels (ten gigabytes).
- An SVG is parsed without entities (billion laughs), may refer only to its own fragments and
  to embedded PNG, JPEG or WebP images (resvg reads any file path an ``href`` names), may not
  multiply past MAX_SVG_ELEMENTS once its references are followed (ten nested ``<use>`` of ten
  make ten billion shapes), and is drawn from the tree as checked, straight into the box.
  Scripts and ``foreignObject`` are inert: resvg draws shapes, text and images only.
"""

from __future__ import annotations

import base64
import io
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import resvg_py
from defusedxml import ElementTree, EntitiesForbidden

from app.errors import InvalidInput

if TYPE_CHECKING:
    from PIL import Image

FIELD = "logo"
MAX_UPLOAD_BYTES = 1024 * 1024
MIN_SIDE, MAX_SIDE = 32, 4096  # pixels a side, of an uploaded raster
MAX_ASPECT = 16  # at most this many times as wide as tall, or as tall as wide
BOX = 512  # the stored PNG fits BOX × BOX
MAX_PNG_BYTES = 256 * 1024  # what badge artwork embeds (credentials.artwork.LOGO_MAX_BYTES)
MAX_SVG_ELEMENTS = 10_000  # elements drawn, references followed
MAX_SVG_DEPTH = 256  # elements inside elements (serialising and drawing recurse)

# As badge artwork is drawn (credentials.artwork.render_png): DejaVu only, no system fonts.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

UNREADABLE = "Not an image we can read: upload a PNG, JPEG, WebP or SVG."
TOO_LARGE = "Larger than 1 MB: upload a smaller file (a logo rarely needs more than 200 KB)."
SVG_ELSEWHERE = (
    "The SVG refers to {target}, outside the file: embed everything in it, or upload a PNG."
)

SVG_NS = "{http://www.w3.org/2000/svg}"
RASTERS = ("PNG", "JPEG", "WEBP")  # read with Pillow's plugins for these three only
_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "SVG": "SVG"}
# What Pillow raises for a broken or truncated file.
_BROKEN = (OSError, SyntaxError, ValueError, IndexError, KeyError, TypeError, struct.error)
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpe?g|webp);base64,", re.IGNORECASE)
_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"]*)", re.IGNORECASE)
_GRADIENTS = {f"{SVG_NS}linearGradient", f"{SVG_NS}radialGradient"}


@dataclass(frozen=True)
class Logo:
    """A normalised logo: an RGBA PNG and its size; *source* is what was uploaded."""

    png: bytes
    width: int
    height: int
    source: str  # "PNG", "JPEG", "WebP" or "SVG"


def normalise(data: bytes) -> Logo:
    """Check *data* and return it as a PNG fitting BOX × BOX; raise InvalidInput("logo", ...)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(FIELD, TOO_LARGE)
    kind = sniff(data)
    if kind is None:
        raise InvalidInput(FIELD, UNREADABLE)
    image = _rasterise_svg(data) if kind == "SVG" else _decode(data, kind)
    return _clean_png(image, _NAMES[kind])


def sniff(data: bytes) -> str | None:
    """What *data* is by its first bytes: "PNG", "JPEG", "WEBP", "SVG" (XML, to be parsed)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return "SVG"
    return None


# -- Rasters --------------------------------------------------------------------------------


def _open(data: bytes, kind: str) -> Image.Image:
    """Read the header of a *kind* image (no pixels yet); raise InvalidInput if unreadable."""
    try:
        # The plugin itself, not Image.open: it would warn or refuse on its own thresholds
        # (89 and 179 megapixels) without saying the size, which ours checks next.
        return _plugins()[kind](io.BytesIO(data))
    except _BROKEN as exc:
        raise InvalidInput(FIELD, UNREADABLE) from exc


def _check_size(width: int, height: int) -> None:
    """Refuse a raster outside MIN_SIDE..MAX_SIDE a side, or narrower than 1:MAX_ASPECT."""
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidInput(
            FIELD,
            f"The logo is {width:,} × {height:,} pixels: it must be between {MIN_SIDE} and "
            f"{MAX_SIDE:,} pixels a side.",
        )
    _check_shape(width, height, "pixels")


def _check_shape(width: float, height: float, unit: str) -> None:
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise InvalidInput(
            FIELD,
            f"The logo is {width:,.0f} × {height:,.0f} {unit}: too narrow to show. Make it at "
            f"most {MAX_ASPECT} times as wide as it is tall (or as tall as it is wide).",
        )


def _plugins() -> dict[str, Any]:
    """The three raster plugins we trust; Image.open would try every format Pillow knows.

    Pillow loads with the first logo, not with the app.
    """
    from PIL import JpegImagePlugin, PngImagePlugin, WebPImagePlugin

    return {
        "PNG": PngImagePlugin.PngImageFile,
        "JPEG": JpegImagePlugin.JpegImageFile,
        "WEBP": WebPImagePlugin.WebPImageFile,
    }


def _decode(data: bytes, kind: str) -> Image.Image:
    from PIL import ImageOps

    image = _open(data, kind)
    _check_size(*image.size)
    try:
        if kind == "JPEG":
            image.draft(None, (BOX, BOX))  # decode at 1/2 to 1/8 scale when that suffices
        image.load()
        # Phones store photos sideways with an EXIF note to turn them; turn them before the
        # metadata goes.
        return ImageOps.exif_transpose(image)
    except _BROKEN as exc:
        raise InvalidInput(FIELD, UNREADABLE) from exc


def _clean_png(image: Image.Image, source: str) -> Logo:
    """*image* fitted into BOX × BOX as an RGBA PNG of at most MAX_PNG_BYTES, no metadata."""
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey: scale, not clip, to 8
        image = image.point(lambda value: value / 256)
    rgba = image.convert("RGBA")
    if rgba.getchannel("A").getbbox() is None:
        raise InvalidInput(FIELD, "The logo is blank: nothing in it is visible.")
    rgba.thumbnail((BOX, BOX), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of the upload's info (ICC profile, EXIF,
    # text) can reach the saved file.
    clean = Image.frombytes("RGBA", rgba.size, rgba.tobytes())
    side = BOX
    while True:
        clean.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        clean.save(out, "PNG", optimize=True)
        if out.tell() <= MAX_PNG_BYTES or side <= 64:
            return Logo(out.getvalue(), clean.width, clean.height, source)
        side = side * 3 // 4  # a detailed photo: smaller, until badge artwork may embed it


# -- SVG ------------------------------------------------------------------------------------


def _rasterise_svg(data: bytes) -> Image.Image:
    root = _parse_svg(data)
    _check_svg(root)
    _check_shape(*_svg_size(root), "units")
    fonts = [str(FONT_DIR / name) for name in FONT_FILES if (FONT_DIR / name).is_file()]
    try:
        png = bytes(
            resvg_py.svg_to_bytes(
                # What was checked, re-serialised: no DTD, comment or parser quirk of the
                # upload reaches resvg.
                svg_string=ElementTree.tostring(root, encoding="unicode"),
                width=BOX,  # both: fitted into the box whatever size the SVG claims
                height=BOX,
                skip_system_fonts=True,
                font_files=fonts,
                font_family="DejaVu Sans",
                serif_family="DejaVu Sans",
                sans_serif_family="DejaVu Sans",
            )
        )
    except (ValueError, OSError) as exc:  # resvg raises ValueError for what it cannot draw
        raise InvalidInput(FIELD, UNREADABLE) from exc
    image = _open(png, "PNG")
    image.load()
    return image


def _parse_svg(data: bytes) -> Any:
    try:
        root = ElementTree.fromstring(data, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        message = "The SVG declares entities (<!ENTITY>): export it without them."
        raise InvalidInput(FIELD, message) from exc
    except Exception as exc:  # expat and defusedxml raise several types for hostile XML
        raise InvalidInput(FIELD, UNREADABLE) from exc
    if root.tag != f"{SVG_NS}svg":
        raise InvalidInput(FIELD, UNREADABLE)
    return root


def _svg_size(root: Any) -> tuple[float, float]:
    """The SVG's shape: its viewBox, else its width and height, else a square."""
    box = re.split(r"[\s,]+", (root.get("viewBox") or "").strip())
    try:
        width, height = (float(box[2]), float(box[3])) if len(box) == 4 else (0.0, 0.0)
        if width <= 0 or height <= 0:
            width, height = (_length(root.get("width")), _length(root.get("height")))
    except ValueError:
        width = height = 0.0
    return (width, height) if width > 0 and height > 0 else (1.0, 1.0)


def _length(value: str | None) -> float:
    match = re.match(r"\s*([\d.]+(?:e[-+]?\d+)?)\s*(px|pt|pc|mm|cm|in)?\s*$", value or "", re.I)
    return float(match[1]) if match else 0.0


def _check_svg(root: Any) -> None:
    """Refuse references outside the file, and more than MAX_SVG_ELEMENTS to draw."""
    _check_depth(root)
    ids: dict[str, Any] = {}
    pixels = 0
    for count, element in enumerate(root.iter(), start=1):
        if count > MAX_SVG_ELEMENTS:
            raise InvalidInput(FIELD, _too_complex())
        ids.setdefault(element.get("id", ""), element)
        for target in _references(element):
            if target.startswith("#"):
                continue
            if not _DATA_IMAGE.match(target):
                raise InvalidInput(FIELD, SVG_ELSEWHERE.format(target=_shown(target)))
            pixels += _embedded_pixels(target)
            if pixels > MAX_SIDE * MAX_SIDE:  # resvg decodes each one it draws
                raise InvalidInput(FIELD, "The SVG embeds images too large to draw.")
        if element.tag == f"{SVG_NS}style":
            _check_stylesheet(element.text or "", ids, root)
    _check_expansion(root, ids)


def _check_depth(root: Any) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_SVG_DEPTH:
            raise InvalidInput(
                FIELD, f"The SVG nests elements more than {MAX_SVG_DEPTH} deep: simplify it."
            )
        stack.extend((child, depth + 1) for child in element)


def _references(element: Any) -> Iterator[str]:
    """Every address *element* draws from: its ``href`` (but a link's: ``<a>`` only groups
    for resvg) and each ``url(...)`` in an attribute."""
    for key, value in element.attrib.items():
        if (key == "href" or key.endswith("}href")) and element.tag != f"{SVG_NS}a":
            yield value.strip()
        yield from (match.strip() for match in _URL.findall(value))


def _check_stylesheet(text: str, ids: dict[str, Any], root: Any) -> None:
    """A ``<style>`` may use ``url(#id)`` of gradients only: a selector applies it to any
    number of elements, so a pattern or marker there could be drawn without bound."""
    if "@import" in text.lower():
        raise InvalidInput(FIELD, SVG_ELSEWHERE.format(target="another stylesheet (@import)"))
    for target in (match.strip() for match in _URL.findall(text)):
        if not target.startswith("#"):
            raise InvalidInput(FIELD, SVG_ELSEWHERE.format(target=_shown(target)))
        found = ids.get(target[1:])
        if found is None:  # defined after the stylesheet
            found = next((e for e in root.iter() if e.get("id") == target[1:]), None)
        if found is not None and found.tag not in _GRADIENTS:
            raise InvalidInput(
                FIELD,
                f"The SVG's stylesheet paints with {_shown(target)}: only gradients may be "
                "used there. Set it on the elements themselves, or upload a PNG.",
            )


def _check_expansion(root: Any, ids: dict[str, Any]) -> None:
    """Count the elements drawn once every ``#id`` reference is followed (without recursion:
    nesting can be deep); refuse a cycle or more than MAX_SVG_ELEMENTS."""
    edges: dict[int, list[Any]] = {}

    def edges_of(element: Any) -> list[Any]:
        if id(element) not in edges:
            referenced = [
                ids[target[1:]]
                for target in _references(element)
                if target.startswith("#") and target[1:] in ids
            ]
            edges[id(element)] = [*element, *referenced]
        return edges[id(element)]

    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        element, finished = stack.pop()
        key = id(element)
        if finished:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in edges_of(element))
            sizes[key] = min(total, MAX_SVG_ELEMENTS + 1)
            continue
        if key in sizes:
            continue
        on_path.add(key)
        stack.append((element, True))
        for child in edges_of(element):
            if id(child) in on_path:
                raise InvalidInput(FIELD, "The SVG refers to itself in a loop: it cannot be drawn.")
            if id(child) not in sizes:
                stack.append((child, False))
    if sizes[id(root)] > MAX_SVG_ELEMENTS:
        raise InvalidInput(FIELD, _too_complex())


def _embedded_pixels(uri: str) -> int:
    """The pixels of an embedded ``data:`` image, read from its header; refuse a bad one."""
    try:
        data = base64.b64decode(uri.split(",", 1)[1])
    except ValueError as exc:
        raise InvalidInput(FIELD, "The SVG embeds an image that cannot be read.") from exc
    kind = sniff(data)
    if kind not in RASTERS:
        raise InvalidInput(FIELD, "The SVG embeds an image that is not a PNG, JPEG or WebP.")
    width, height = _open(data, kind).size
    if width > MAX_SIDE or height > MAX_SIDE:
        raise InvalidInput(FIELD, "The SVG embeds images too large to draw.")
    return width * height


def _too_complex() -> str:
    return (
        f"The SVG draws more than {MAX_SVG_ELEMENTS:,} shapes once its references are "
        "followed: simplify it, or upload a PNG."
    )


def _shown(target: str) -> str:
    return f"“{target[:60]}…”" if len(target) > 60 else f"“{target}”"

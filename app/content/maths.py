"""LaTeX to MathML on the server, with the output reduced to an allowlist of MathML.

latex2mathml copies ``\\text{...}`` through unescaped, so its output is parsed again and
only known MathML elements and attributes survive; everything else becomes plain text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parses our own converter's output

from markupsafe import Markup, escape

NS = "{http://www.w3.org/1998/Math/MathML}"
ELEMENTS = frozenset(
    {
        "math",
        "mrow",
        "mi",
        "mo",
        "mn",
        "mtext",
        "ms",
        "mspace",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "mfenced",
        "merror",
        "semantics",
    }
)
ATTRIBUTES = frozenset(
    {
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "width",
        "height",
        "depth",
        "columnalign",
        "rowspacing",
        "columnspacing",
        "accent",
        "accentunder",
        "linethickness",
        "minsize",
        "maxsize",
        "movablelimits",
        "displaystyle",
        "scriptlevel",
        "notation",
        "form",
        "largeop",
        "symmetric",
        "columnlines",
        "rowlines",
        "frame",
        "align",
        "open",
        "close",
        "separators",
    }
)


def to_mathml(latex: str, *, block: bool) -> Markup:
    """Render *latex*; on any failure show the source as code rather than break the page."""
    import latex2mathml.converter

    try:
        raw = latex2mathml.converter.convert(latex, display="block" if block else "inline")
        root = ET.fromstring(raw)  # noqa: S314 - our converter's output, not user XML
    except Exception:  # the converter raises many kinds of error on bad LaTeX
        return Markup(f'<code class="math-error">{escape(latex)}</code>')  # noqa: S704
    _clean(root)
    ET.register_namespace("", NS[1:-1])
    # Safe: rebuilt from an element and attribute allowlist; ElementTree escapes all text.
    xml = ET.tostring(root, encoding="unicode", method="xml")
    if block:
        return Markup(xml)  # noqa: S704
    # Inline maths wider than a phone scrolls in a box of its own (app.css, scrollable.js).
    return Markup(f'<span class="math inline">{xml}</span>')  # noqa: S704


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if child.tag.removeprefix(NS) not in ELEMENTS:
            text = "".join(child.itertext()) + (child.tail or "")
            index = list(element).index(child)
            element.remove(child)
            if index == 0:
                element.text = (element.text or "") + text
            else:
                previous = element[index - 1]
                previous.tail = (previous.tail or "") + text
        else:
            _clean(child)
    for name in list(element.attrib):
        if name not in ATTRIBUTES:
            del element.attrib[name]

"""Brand colours: the ``#rrggbb`` form and WCAG 2 contrast between two colours."""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
WHITE = "#ffffff"
# WCAG 2.2 SC 1.4.3 (AA) for normal-size text.
MIN_TEXT_CONTRAST = 4.5


def normalise(value: str) -> str:
    """Return *value* trimmed and lower-cased (``#0B5394`` → ``#0b5394``)."""
    return value.strip().lower()


def is_hex_colour(value: str) -> bool:
    return bool(HEX_COLOUR.match(value))


def relative_luminance(colour: str) -> float:
    """The WCAG relative luminance (0 black … 1 white) of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    red, green, blue = linear
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio (1 … 21) of two ``#rrggbb`` colours."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

"""Cells written to CSV files people open in spreadsheets."""

from __future__ import annotations

# A spreadsheet runs a cell as a formula when its text starts with one of these, also after
# leading spaces or line breaks, and (in some) with their full-width forms.
FORMULA_STARTS = frozenset("=+-@＝＋－＠")
CONTROL_STARTS = ("\t", "\r", "\n")


def safe_cell(text: str) -> str:
    """Keep a spreadsheet from running *text* as a formula (CSV injection): such text gets a
    leading apostrophe, which spreadsheets show as plain text."""
    if text.startswith(CONTROL_STARTS) or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text

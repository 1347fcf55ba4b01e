"""CSV cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import pytest

from app.domain.spreadsheets import safe_cell


@pytest.mark.parametrize(
    "text",
    ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "  =1", " \n+1",
     "＝1", "＋1", "－1", "＠x"],
)  # fmt: skip
def test_formula_starts_are_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Ana Learner", "O'Brien", "", "3 = 3", "a-b", "ana@x.example"])
def test_ordinary_text_is_unchanged(text):
    assert safe_cell(text) == text

"""Reading a CSV of credential addresses: the url column or the first, row numbers as a
spreadsheet shows them, and reasons for what cannot be read."""

from __future__ import annotations

import pytest

from app.domain import url_lists
from app.errors import InvalidInput


def test_first_column_without_a_header():
    found = url_lists.parse(b"https://a.example/c/1,Ana\nhttps://b.example/c/2,Ben\n")
    assert [(row.number, row.url) for row in found.urls] == [
        (1, "https://a.example/c/1"),
        (2, "https://b.example/c/2"),
    ]


def test_url_column_by_its_header_in_any_case_with_a_bom_and_quotes():
    data = '\ufeffName,URL\r\n"Lopez, Ana", https://a.example/c/1 \r\n\r\nBen,ftp://x\r\n'.encode()
    found = url_lists.parse(data)
    assert [(row.number, row.url) for row in found.urls] == [(2, "https://a.example/c/1")]
    assert [row.problem for row in found.problems] == [
        "Row 4: “ftp://x” is not a web address (https://…)."
    ]


def test_a_header_that_does_not_say_url_is_skipped():
    found = url_lists.parse(b"credential\nhttps://a.example/c/1\n")
    assert [row.number for row in found.urls] == [2] and found.problems == []


def test_exactly_the_limit_is_accepted_and_one_more_is_not():
    rows = b"https://a.example/c\n" * 3
    assert len(url_lists.parse(rows, max_rows=3).urls) == 3
    with pytest.raises(InvalidInput, match="more than 2 rows"):
        url_lists.parse(rows, max_rows=2)


def test_a_file_that_is_not_csv_text_is_refused():
    with pytest.raises(InvalidInput, match="NUL bytes"):
        url_lists.parse(b"url\nhttps://a.example/\x00\n")

"""Learner-displayed HTML keeps its tables and loses anything that could run."""

from __future__ import annotations

import pytest

from app.domain.notebook_html import clean

PANDAS_TABLE = (
    "<div><style scoped>.dataframe tbody tr th {vertical-align: top;}</style>"
    '<table border="1" class="dataframe"><thead><tr style="text-align: right;">'
    "<th></th><th>state</th><th>seconds</th></tr></thead><tbody>"
    "<tr><th>0</th><td>EXECUTE</td><td>3600</td></tr></tbody></table></div>"
)


def test_a_pandas_table_survives_without_its_styles():
    html = clean(PANDAS_TABLE)
    assert '<table class="dataframe">' in html
    assert "<td>EXECUTE</td>" in html
    assert "style" not in html and "vertical-align" not in html


@pytest.mark.parametrize(
    ("hostile", "gone"),
    [
        ("<script>fetch('/account')</script><b>hi</b>", "fetch"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">table</a>', "javascript"),
        ('<iframe src="/account/password"></iframe>', "iframe"),
        ('<form action="/logout" method="post"><button>go</button></form>', "form"),
        ('<td onclick="steal()">1</td>', "steal"),
        ("<svg><script>alert(1)</script></svg>", "alert"),
    ],
)
def test_nothing_that_runs_survives(hostile, gone):
    assert gone not in clean(hostile)


def test_links_cannot_reach_the_opener():
    html = clean('<a href="https://www.nist.gov/">NIST</a>')
    assert 'href="https://www.nist.gov/"' in html and "noopener" in html


def test_the_corner_above_a_pandas_index_is_named_row():
    """Does a screen reader hear a name for the unnamed index column's header?"""
    html = clean(PANDAS_TABLE)
    assert '<th><span class="visually-hidden">Row</span></th>' in html
    assert "<th></th>" not in html


def test_empty_header_cells_beside_a_named_index_become_plain_cells():
    named = (
        "<table><thead><tr><th></th><th>a</th></tr>"
        '<tr><th>day</th><th class="x"> </th></tr></thead></table>'
    )
    html = clean(named)
    assert '<td class="x"></td>' in html and "<th>day</th>" in html
    assert html.count("visually-hidden") == 1

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

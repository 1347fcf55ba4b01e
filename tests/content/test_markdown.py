"""Lesson rendering: the features authors use, and hostile content rendered harmless."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.content.markdown import inline, render


class _Audit(HTMLParser):
    """Collect every element and attribute a browser would act on."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "style", "base", "form"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src") and value.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"{tag}[{name}={value[:20]}]")


def dangerous(html: str) -> list[str]:
    audit = _Audit()
    audit.feed(html)
    return audit.found


def html_of(source: str, **kwargs) -> str:
    return "".join(str(part.html) for part in render(source, **kwargs).parts if part.kind == "html")


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<iframe src='https://evil.example'></iframe>",
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "$\\text{<script>alert(1)</script>}$",
        "::: note <script>alert(1)</script>\nbody\n:::",
        '![alt" onerror="alert(1)](x.png "t\\" onload=\\"alert(1)")',
    ],
)
def test_hostile_markdown_is_not_rendered_as_markup(hostile):
    assert dangerous(html_of(hostile)) == []


def test_the_audit_itself_catches_markup():
    assert dangerous('<p><img src="x" onerror="a()"><a href="javascript:x">y</a></p>') == [
        "img[onerror]",
        "a[href=javascript:x]",
    ]


def test_authoring_features_render():
    source = """## Scan cycle

A table:

| a | b |
|---|---|
| 1 | 2 |

::: safety Lock out first
Reach in only when locked out.
:::

![A dot](assets/dot.svg "One dot")

```python
x = 1
```

Energy $E = P t$ and a note.[^1]

[^1]: Source, https://example.org/spec
"""
    result = render(source, asset=lambda src: "/static-assets/" + src)
    html = "".join(str(p.html) for p in result.parts)
    assert '<h2 id="s-scan-cycle">Scan cycle</h2>' in html
    assert '<div class="table-scroll"' in html and "<td>2</td>" in html
    assert 'class="admonition admonition-safety"' in html and "Lock out first" in html
    assert 'src="/static-assets/assets/dot.svg"' in html and 'class="figcaption">One dot <a' in html
    assert '<a class="figure-full" href="/static-assets/assets/dot.svg">' in html  # to zoom
    assert '<span class="n">x</span>' in html  # highlighted by Pygments
    assert '<span class="math inline"><math' in html and "<mi>E</mi>" in html  # scrolls alone
    assert 'href="https://example.org/spec"' in html  # bare URL in a footnote becomes a link
    assert [(h.level, h.id, h.text) for h in result.toc] == [(2, "s-scan-cycle", "Scan cycle")]
    assert "Reach in only when locked out" in result.text


def test_quiz_and_lab_blocks_split_the_page():
    source = (
        "Before.\n\n```quiz\nid: q-1\ntype: single\n```\n\n"
        "Middle.\n\n```lab\nid: lab-x\n```\n\nAfter."
    )
    parts = render(source).parts
    assert [(p.kind, p.ref) for p in parts] == [
        ("html", ""),
        ("quiz", "q-1"),
        ("html", ""),
        ("lab", "lab-x"),
        ("html", ""),
    ]
    assert "type: single" not in "".join(str(p.html) for p in parts)  # answers never in HTML


def test_lesson_links_are_resolved():
    html = html_of("[next](02-next.md#part) [web](https://example.org)", link=lambda h: f"/L/{h}")
    assert 'href="/L/02-next.md#part"' in html
    assert 'rel="noopener noreferrer"' in html


def test_inline_renders_without_a_paragraph():
    assert str(inline("**OEE** is `A × P × Q`")) == "<strong>OEE</strong> is <code>A × P × Q</code>"
    assert dangerous(str(inline("<script>x</script> [a](javascript:x)"))) == []


def test_structured_text_is_highlighted():
    html = html_of("```iecst\nIF Start THEN (* run *)\n  Motor := TRUE;\nEND_IF;\n```")
    assert '<span class="k">IF</span>' in html
    assert '<span class="cm">(* run *)</span>' in html
    assert '<span class="kc">TRUE</span>' in html


def test_tables_are_numbered_regions_and_an_empty_corner_heads_nothing():
    """Two tables get distinct region names; the blank corner cell is not a nameless header."""
    html = html_of("| | A |\n| --- | --- |\n| **x** | 1 |\n\n| B |\n| --- |\n| 2 |\n")
    assert 'aria-label="Table 1"' in html and 'aria-label="Table 2"' in html
    assert "<tr>\n<td></td>\n<th>A</th>" in html and "<th></th>" not in html

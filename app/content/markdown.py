"""Render lesson Markdown to HTML that is safe to insert into a page.

CommonMark plus tables, footnotes, admonitions, figures, highlighted code and maths.
Raw HTML is never rendered (``js-default`` turns it off) and ``javascript:``-style links are
refused. Quiz and lab blocks become markers that split the output into parts, so the page
template can render them as interactive forms and cards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter

from app.content.lexers import lexer_for
from app.content.limits import MARKDOWN_NESTING
from app.content.maths import to_mathml

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ADMONITIONS = {"note": "Note", "tip": "Tip", "warning": "Warning", "safety": "Safety"}
HEADING_PREFIX = "s-"  # ids the renderer makes never clash with the page's own
_MARKER = re.compile(r"<!--shopfloor:(quiz|lab):([a-z0-9-]+)-->")
_FORMATTER = HtmlFormatter(nowrap=True)


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Part:
    """A piece of a rendered lesson: HTML, or a quiz or lab to render in its place."""

    kind: str  # html | quiz | lab
    html: Markup = Markup("")
    ref: str = ""


@dataclass(frozen=True)
class Rendered:
    parts: tuple[Part, ...]
    toc: tuple[Heading, ...]
    text: str  # plain text, for search


Links = Callable[[str], str | None]


def render(source: str, *, link: Links | None = None, asset: Links | None = None) -> Rendered:
    """Render lesson Markdown. *link* maps a relative ``.md`` href to a URL, *asset* an image.

    Either may return None for "leave as it is".
    """
    md = _parser()
    env = {"link": link or (lambda _: None), "asset": asset or (lambda _: None)}
    tokens = md.parse(source, env)
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(tuple(_split(html)), tuple(_toc(tokens)), plain_text(tokens))


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.anchors import anchors_plugin
    from mdit_py_plugins.container import container_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    options = {"highlight": _highlight, "linkify": True, "maxNesting": MARKDOWN_NESTING}
    md = MarkdownIt("js-default", options).enable("linkify")
    md.use(footnote_plugin)
    md.use(
        dollarmath_plugin,
        renderer=lambda content, options: to_mathml(
            content, block=options.get("display_mode", False)
        ),
        allow_space=True,
        double_inline=True,
    )
    md.use(anchors_plugin, min_level=2, max_level=3, slug_func=lambda s: HEADING_PREFIX + _slug(s))
    for name in ADMONITIONS:
        md.use(container_plugin, name=name, render=_admonition(name))
    md.add_render_rule("fence", _fence)
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    md.add_render_rule("th_open", _th_open)
    return md


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _highlight(code: str, lang: str, _attrs) -> str:
    lexer = lexer_for(lang) if lang else None
    if lexer is None:
        return ""  # markdown-it escapes and wraps it itself
    return highlight(code, lexer, _FORMATTER)


def _fence(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    info = token.info.strip().split()[0] if token.info.strip() else ""
    if info in ("quiz", "lab"):
        found = re.search(r"^id:\s*([a-z0-9-]+)\s*$", token.content, re.MULTILINE)
        return f"<!--shopfloor:{info}:{found.group(1)}-->" if found else ""
    highlighted = _highlight(token.content, info, None)
    code = highlighted or str(escape(token.content))
    lang = f' data-lang="{escape(info)}"' if info else ""
    return f'<pre class="highlight"{lang}><code>{code}</code></pre>\n'


def _image(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    src = env["asset"](src) or src
    alt = self.renderInlineAsText(token.children or [], options, env)
    title = token.attrGet("title")
    img = f'<img src="{escape(src)}" alt="{escape(alt)}" loading="lazy">'
    if not title:
        return img
    caption = escape(str(title))
    # The frame scrolls a wide figure on a phone at a size its labels can be read
    # (scrollable.js marks it), and the link opens it alone, to zoom.
    return (
        f'<span class="figure" role="figure" aria-label="{caption}">'
        f'<span class="figure-frame">{img}</span><span class="figcaption">{caption} '
        f'<a class="figure-full" href="{escape(src)}">Open the figure full size</a>'
        "</span></span>"
    )


def _link_open(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if href and not re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", href):
        token.attrSet("href", env["link"](href) or href)
    elif href.startswith(("http://", "https://")):
        token.attrSet("rel", "noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


def _table_open(self, tokens: list[Token], idx: int, options, env) -> str:
    # Wide tables scroll sideways on a phone instead of breaking the layout. The box is a
    # focusable region so keyboards can scroll it; regions need distinct names, so number them.
    env["tables"] = number = env.get("tables", 0) + 1
    label = f"Table {number}"
    return f'<div class="table-scroll" role="region" aria-label="{label}" tabindex="0"><table>\n'


def _table_close(self, tokens: list[Token], idx: int, options, env) -> str:
    return "</table></div>\n"


def _th_open(self, tokens: list[Token], idx: int, options, env) -> str:
    # An empty header cell (the corner above row labels) heads nothing: make it a plain cell,
    # so screen readers do not announce a nameless header.
    inline, close = tokens[idx + 1], tokens[idx + 2]
    if inline.type == "inline" and not inline.content.strip() and close.type == "th_close":
        tokens[idx].tag = close.tag = "td"
    return self.renderToken(tokens, idx, options, env)


def _admonition(name: str):
    def render(self, tokens: list[Token], idx: int, options, env) -> str:
        token = tokens[idx]
        if token.nesting == -1:
            return "</aside>\n"
        title = token.info.strip()[len(name) :].strip() or ADMONITIONS[name]
        icon = {"safety": "⚠", "warning": "!", "tip": "✓", "note": "i"}[name]
        label = escape(ADMONITIONS[name])
        return (
            f'<aside class="admonition admonition-{name}" role="note" aria-label="{label}">'
            f'<p class="admonition-title"><span aria-hidden="true" class="admonition-icon">'
            f"{icon}</span> {escape(title)}</p>\n"
        )

    return render


def _split(html: str):
    position = 0
    for match in _MARKER.finditer(html):
        chunk = html[position : match.start()]
        if chunk.strip():
            yield Part("html", Markup(chunk))  # noqa: S704 - renderer output, raw HTML is off
        yield Part(match.group(1), ref=match.group(2))
        position = match.end()
    rest = html[position:]
    if rest.strip():
        yield Part("html", Markup(rest))  # noqa: S704


def _toc(tokens: list[Token]):
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            inline = tokens[index + 1]
            text = "".join(
                c.content for c in inline.children or [] if c.type in ("text", "code_inline")
            )
            yield Heading(int(token.tag[1]), str(token.attrGet("id")), text)


def plain_text(tokens: list[Token]) -> str:
    words: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words.extend(child.content for child in token.children or [] if child.type == "text")
        elif token.type == "fence" and token.info.strip() not in ("quiz", "lab"):
            continue
    return " ".join(w for w in words if w)


@lru_cache(maxsize=4096)  # quiz prompts and choices: the same few texts on every page
def inline(text: str) -> Markup:
    """Render one line of Markdown (emphasis, code, links, maths) without a paragraph."""
    return Markup(_parser().renderInline(text, {"link": lambda _: None, "asset": lambda _: None}))  # noqa: S704


def block(source: str) -> Markup:
    """Render a piece of Markdown (a notebook's text cell) as one block of safe HTML."""
    return Markup("").join(part.html for part in render(source).parts if part.kind == "html")

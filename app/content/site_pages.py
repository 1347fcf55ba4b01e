"""The site's own pages (privacy, terms of use, accessibility): short Markdown texts.

Shopfloor ships a plain, honest version of each in ``site_pages/``. The operator of a
deployment replaces one by writing ``<instance folder>/pages/<name>.md``; either way the text
goes through the lesson renderer, so it is Markdown only (no raw HTML). The page's title is
its ``<h1>``, so the text starts at ``##`` headings.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from app.content import confined, markdown

PAGES = {"privacy": "Privacy", "terms": "Terms of use", "accessibility": "Accessibility"}
SHIPPED = Path(__file__).parent / "site_pages"
LIMIT = 256 * 1024


def source(name: str, instance_path: Path) -> str:
    """The Markdown of page *name*: the operator's file if there is one, else ours.

    Raises confined.Refused if the operator's file is a link, a special file or too large.
    """
    filename = f"{name}.md"
    folder = instance_path / "pages"
    if confined.kind(folder, filename) == "file":
        return confined.read_text(folder, filename, limit=LIMIT)
    return (SHIPPED / filename).read_text(encoding="utf-8")


def render(name: str, instance_path: Path) -> Markup:
    """Page *name* as safe HTML."""
    return markdown.block(source(name, instance_path))

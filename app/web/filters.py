"""Template filters."""

from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup, escape

from app.domain.ojl import hours_text

_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Escape plain text and make its http(s) URLs clickable; keeps line breaks."""
    escaped = str(escape(text))
    linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    return Markup(linked.replace("\n", "<br>\n"))  # noqa: S704 - built from escaped text


def init_app(app: Flask) -> None:
    app.jinja_env.filters["linkify"] = linkify
    app.jinja_env.filters["ojl_hours"] = hours_text  # minutes as "7 h 30 min"

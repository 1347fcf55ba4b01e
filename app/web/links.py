"""Absolute URLs for mail and documents, from PUBLIC_BASE_URL and never from the request.

``url_for(..., _external=True)`` takes the host from the request's Host header, which the
client chooses: a password-reset link built that way can point at an attacker's site. So
every absolute URL the app hands out is built here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of *endpoint* under PUBLIC_BASE_URL (works outside requests too)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:  # check_config refuses this at start-up; never build a link from a guess
        raise RuntimeError("PUBLIC_BASE_URL is not set: no absolute link can be built.")
    # Bound to a placeholder host with no script root: only the path is used.
    path = current_app.url_map.bind("public.invalid").build(endpoint, values)
    return base + path


def public_base(path: str = "") -> str:
    """PUBLIC_BASE_URL followed by *path* (which starts with '/')."""
    return current_app.config["PUBLIC_BASE_URL"] + path

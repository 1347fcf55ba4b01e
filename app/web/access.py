"""Applying the policy to requests: ``require`` in views, ``can`` in templates."""

from __future__ import annotations

from flask import Flask, abort
from flask_login import current_user

from app import policy


def require(allowed: bool) -> None:
    """Abort with 403 unless *allowed* (a ``policy`` predicate's answer)."""
    if not allowed:
        abort(403)


def can(name: str, *args) -> bool:
    """Template helper: ``can('view_members', org)`` asks ``policy.can_view_members``."""
    predicate = getattr(policy, f"can_{name}")
    return predicate(current_user, *args)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["can"] = can

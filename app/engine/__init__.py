"""The lab runtime as one engine: grading, interactive kernels, their events, references.

``create_app`` builds one ``LabEngine`` per app (``build_engine``); views and commands reach
it through ``current()`` and call its methods, nothing deeper.
"""

from __future__ import annotations

from flask import current_app

from app.engine.core import LabEngine, build_engine

__all__ = ["LabEngine", "build_engine", "current"]


def current() -> LabEngine:
    """The engine of the app handling this request or command."""
    return current_app.extensions["lab_engine"]

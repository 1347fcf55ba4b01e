"""The instructor's gradebook of a cohort, and what staff do from it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("gradebook", __name__)

"""Cohorts: their pages, enrolment by code, link and roster, people and due dates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cohorts", __name__)

"""Accepting an invitation: by signing in or by registering with the invited address."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("invitations", __name__)

"""Administering organizations: members, roles, invitations, the audit trail."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("org_admin", __name__)

"""Competency frameworks as 1EdTech CASE 1.1 JSON (read-only, public)."""

from __future__ import annotations

from flask import Blueprint

from app.services import frameworks
from app.web.links import public_base

bp = Blueprint("case", __name__, url_prefix="/ims/case/v1p1")


def _base() -> str:
    # CASE URIs are identifiers others store: the configured address, not the Host header.
    return public_base(bp.url_prefix)


@bp.get("/CFDocuments")
def documents():
    return {"CFDocuments": [frameworks.document(row, _base()) for row in frameworks.active()]}


@bp.get("/CFDocuments/<identifier>")
def document(identifier: str):
    return frameworks.document(frameworks.by_uuid(identifier), _base())


@bp.get("/CFPackages/<identifier>")
def package(identifier: str):
    return frameworks.package(frameworks.by_uuid(identifier), _base())


@bp.get("/CFItems/<identifier>")
def item(identifier: str):
    return frameworks.item(frameworks.competency_by_uuid(identifier), _base())

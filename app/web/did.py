"""did:web DID documents of the issuing organisations and the platform (public, read-only).

Verifiers anywhere fetch these to check a credential's signature, so they answer everyone,
cross-origin, and may be cached for a few minutes (a rotation only adds a key).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, json, request

from app.services import keys

bp = Blueprint("did", __name__)

# DID Core's media types; plain JSON for browsers and generic fetchers.
DID_TYPES = ["application/json", "application/did+json", "application/did+ld+json"]
CACHE_SECONDS = 300


def _did_json(document: dict[str, Any]) -> Response:
    best = request.accept_mimetypes.best_match(DID_TYPES, default="application/json")
    response = Response(json.dumps(document, indent=2) + "\n", mimetype=best)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.vary.add("Accept")
    response.add_etag()
    return response.make_conditional(request)


@bp.after_request
def _cross_origin(response: Response) -> Response:
    # On 404s too, so a verifier in a browser can tell "no such DID" from a network error.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/orgs/<slug>/did.json")
def org_document(slug: str):
    return _did_json(keys.published_document(slug))


# did:web puts a bare host's document under /.well-known; with a base path (PUBLIC_BASE_URL
# https://host/shopfloor) the platform's DID is did:web:host:shopfloor, read at /did.json.
@bp.get("/.well-known/did.json")
@bp.get("/did.json")
def platform_document():
    return _did_json(keys.published_document(None))

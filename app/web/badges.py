"""The public badge catalogue, each achievement's page (its ``id`` in every credential issued
for it, which also answers the OB 3.0 Achievement JSON) and its co-branded artwork.

An artwork branded by an organization (``?issuer=<slug>``) is public when the organization
issues the badge or a public credential carries it; a holder and the issuer's staff also see
it for a credential that is not public, and that answer is neither cached nor shared.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from app.extensions import limiter
from app.services import badge_pages
from app.web.credentials import IMAGE_CSP, JSON_TYPES, PAGE_TYPES, PRIVATE, json_response

bp = Blueprint("badges", __name__, url_prefix="/badges")

ARTWORK_SECONDS = 3600
# Per client address. A page of badges loads one artwork per badge, so those get more.
PAGE_RATE_LIMIT = "60 per minute"
IMAGE_RATE_LIMIT = "300 per minute"


@bp.after_request
def _vary(response: Response) -> Response:
    if request.args.get("issuer"):  # the answer may depend on who is signed in
        response.vary.add("Cookie")
    return response


@bp.get("")
@limiter.limit(PAGE_RATE_LIMIT)
def catalogue():
    return render_template("badges/catalogue.html", entries=badge_pages.catalogue())


@bp.get("/<slug>")
@limiter.limit(PAGE_RATE_LIMIT)
def detail(slug: str):
    row = badge_pages.get(slug)
    best = request.accept_mimetypes.best_match(PAGE_TYPES, default="text/html")
    if best in JSON_TYPES:
        return json_response(badge_pages.document(row), best)
    shown = badge_pages.page(row)
    response = Response(render_template("badges/detail.html", page=shown))
    response.vary.add("Accept")
    return response


@bp.get("/<slug>/image.svg")
@limiter.limit(IMAGE_RATE_LIMIT)
def image(slug: str):
    row = badge_pages.get(slug)
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    issuer = badge_pages.artwork_issuer(row, request.args.get("issuer"), viewer=viewer)
    response = Response(badge_pages.artwork_svg(row, issuer), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    if issuer is not None and not badge_pages.brands_publicly(row, issuer):
        response.headers["Cache-Control"] = PRIVATE
        return response
    response.headers["Cache-Control"] = f"public, max-age={ARTWORK_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # wallets show it beside the badge
    response.add_etag()
    return response.make_conditional(request)

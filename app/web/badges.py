"""The public badge catalogue, each achievement's page (its ``id`` in every credential issued
for it, which also answers the OB 3.0 Achievement JSON) and its co-branded artwork."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from app.services import badge_pages
from app.web.credentials import IMAGE_CSP, JSON_TYPES, PAGE_TYPES, json_response

bp = Blueprint("badges", __name__, url_prefix="/badges")

ARTWORK_SECONDS = 3600


@bp.get("")
def catalogue():
    return render_template("badges/catalogue.html", entries=badge_pages.catalogue())


@bp.get("/<slug>")
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
def image(slug: str):
    row = badge_pages.get(slug)
    issuer = badge_pages.artwork_issuer(row, request.args.get("issuer"))
    response = Response(badge_pages.artwork_svg(row, issuer), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.headers["Cache-Control"] = f"public, max-age={ARTWORK_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # wallets show it beside the badge
    response.add_etag()
    return response.make_conditional(request)

"""Organization pages, and each organization's logo (public, as branding is)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from app import policy
from app.extensions import limiter
from app.services import organizations
from app.web.access import require
from app.web.credentials import IMAGE_CSP

bp = Blueprint("orgs", __name__, url_prefix="/orgs")

LOGO_SECONDS = 300  # a new logo shows within five minutes where a page's address lacks ?v=
LOGO_RATE_LIMIT = "300 per minute"  # per client address, as badge artwork: wallets show many


@bp.get("/<slug>")
@login_required
def detail(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_view_organization(current_user, org))
    members = organizations.members(org) if policy.can_view_members(current_user, org) else None
    counts = organizations.role_counts(org)
    return render_template("orgs/detail.html", org=org, members=members, counts=counts)


@bp.get("/<slug>/logo.png")
@limiter.limit(LOGO_RATE_LIMIT)
def logo(slug: str):
    """The logo credentials name as their issuer's image: for verifiers and wallets anywhere."""
    response = Response(organizations.logo_png(slug), mimetype="image/png")
    response.headers["Cache-Control"] = f"public, max-age={LOGO_SECONDS}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)

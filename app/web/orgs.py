"""Organization pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app import policy
from app.services import organizations
from app.web.access import require

bp = Blueprint("orgs", __name__, url_prefix="/orgs")


@bp.get("/<slug>")
@login_required
def detail(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_view_organization(current_user, org))
    members = organizations.members(org) if policy.can_view_members(current_user, org) else None
    counts = organizations.role_counts(org)
    return render_template("orgs/detail.html", org=org, members=members, counts=counts)

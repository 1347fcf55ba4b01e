"""Platform administration. Every route here is for platform admins only."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app import policy
from app.domain.roles import Role
from app.extensions import login_manager
from app.services import organizations, users
from app.web.access import require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _only_platform_admins():
    # Checked for the whole blueprint, so no admin route can forget it.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(policy.can_view_platform_admin(current_user))
    return None


@bp.get("/")
def overview():
    orgs = organizations.list_all()
    return render_template(
        "admin/overview.html",
        orgs=orgs,
        member_counts=organizations.member_counts(),
        role_counts=organizations.role_counts(),
        recent=users.recent(10),
    )


@bp.get("/users")
def user_list():
    role = _role_filter(request.args.get("role", ""))
    return render_template(
        "admin/users.html", users=users.list_users(role=role), roles=list(Role), selected=role
    )


def _role_filter(value: str) -> Role | None:
    try:
        return Role.parse(value) if value else None
    except ValueError:
        return None

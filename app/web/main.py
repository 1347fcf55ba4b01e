"""The home page, the signed-in dashboard and the site's own pages (health checks: ops.py)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from app import policy
from app.content import site_pages
from app.database import latest_today, utcnow
from app.services import dashboards
from app.web.access import require

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    require(policy.can_view_dashboard(current_user))
    root = Path(current_app.config["CURRICULUM_ROOT"])
    board = dashboards.for_user(
        current_user, curriculum_root=root, now=utcnow(), today=latest_today()
    )
    return render_template("main/dashboard.html", board=board)


def _site_page(name: str):
    body = site_pages.render(name, Path(current_app.instance_path))
    return render_template("main/site_page.html", title=site_pages.PAGES[name], body=body)


@bp.get("/privacy")
def privacy():
    return _site_page("privacy")


@bp.get("/terms")
def terms():
    return _site_page("terms")


@bp.get("/accessibility")
def accessibility():
    return _site_page("accessibility")

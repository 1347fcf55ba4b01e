"""The home page, the signed-in dashboard and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from app import policy
from app.extensions import db
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
    return render_template("main/dashboard.html", board=dashboards.for_user(current_user))


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and uptime checks."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}

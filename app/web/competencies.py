"""Competency maps: a learner's own, a learner's for their instructors, and the cohort heatmap."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from app import policy
from app.models import User
from app.services import competency_maps
from app.web import competency_charts
from app.web.access import require

bp = Blueprint("competencies", __name__, url_prefix="/competencies")


@bp.get("/")
@login_required
def own_map():
    require(policy.can_view_own_competencies(current_user))
    return _map(current_user)


@bp.get("/learners/<user_id>")
@login_required
def learner_map(user_id: str):
    learner = competency_maps.get_learner(user_id)
    require(policy.can_view_learner_mastery(current_user, learner))
    return _map(learner)


def _map(learner: User):
    framework = competency_maps.pick_framework(request.args.get("framework"))
    board = competency_maps.learner_map(learner, framework)
    return render_template(
        "competencies/map.html",
        board=board,
        chart=competency_charts.level_chart(board),
        sparkline=competency_charts.sparkline,
        own=learner.id == current_user.id,
    )


@bp.get("/cohort")
@login_required
def cohort():
    require(policy.can_view_cohort_mastery(current_user))
    board = _heatmap()
    return render_template("competencies/heatmap.html", board=board)


@bp.get("/cohort.csv")
@login_required
def cohort_csv():
    require(policy.can_view_cohort_mastery(current_user))
    board = _heatmap()
    name = f"mastery-{board.framework.slug}.csv"
    return Response(
        competency_maps.heatmap_csv(board),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _heatmap() -> competency_maps.Heatmap:
    framework = competency_maps.pick_framework(request.args.get("framework"))
    return competency_maps.heatmap(
        current_user,
        framework,
        domain=request.args.get("domain") or None,
        course=request.args.get("course") or None,
    )

"""The instructor's gradebook of a cohort, and its CSV export.

What staff do from it (comment, set a score, grant attempts) happens on the attempt a cell
links to: see ``web.lab_attempts``.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.models import Cohort
from app.services import gradebook
from app.web.access import require

bp = Blueprint("gradebook", __name__)


@bp.get("/cohorts/<public_id>/gradebook")
@login_required
def cohort(public_id: str):
    found = gradebook.get_cohort(public_id)
    require(policy.can_teach_cohort(current_user, found))
    return render_template("gradebook/cohort.html", book=_build(found))


@bp.get("/cohorts/<public_id>/gradebook.csv")
@login_required
def cohort_csv(public_id: str):
    found = gradebook.get_cohort(public_id)
    require(policy.can_teach_cohort(current_user, found))
    book = _build(found)
    name = re.sub(r"[^a-z0-9]+", "-", found.name.lower()).strip("-") or "cohort"
    filename = f"gradebook-{name}-{book.now:%Y-%m-%d}.csv"
    return Response(
        gradebook.as_csv(book),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _build(found: Cohort) -> gradebook.Gradebook:
    """The gradebook as the query string asks: ?q= text, ?attention=1, ?sort=, ?dir=."""
    args = request.args
    return gradebook.build(
        found,
        labs_root=Path(current_app.config["LABS_ROOT"]),
        now=utcnow(),
        sort=args.get("sort", "name"),
        direction=args.get("dir", "asc"),
        query=args.get("q", ""),
        attention_only=args.get("attention") == "1",
    )

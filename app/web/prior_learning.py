"""Recognised prior learning: claims with a document, their review, and the document itself.

Thin: ``services.prior_learning`` checks the rules, stores the document and writes the
evidence; ``app.policy`` decides who may see and decide a claim.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import PriorLearningClaim
from app.services import assessments, competency_maps
from app.services import prior_learning as service
from app.web import awarding
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.assessments import ClaimForm, ClaimReviewForm, WithdrawClaimForm

bp = Blueprint("prior_learning", __name__, url_prefix="/prior-learning")


def _folder() -> Path:
    """Documents live in the instance folder, outside anything the web server serves."""
    return Path(current_app.instance_path) / "prior-learning"


def _claim(claim_id: str) -> PriorLearningClaim:
    found = service.get(claim_id)
    require(policy.can_view_prior_learning(current_user, found.learner))
    return found


@bp.get("/")
@login_required
def index():
    """The signed-in person's own claims and, for reviewers, the claims waiting for them."""
    waiting = (
        service.waiting_for(current_user)
        if policy.can_view_prior_learning_queue(current_user)
        else []
    )
    return render_template(
        "prior_learning/index.html", mine=service.of_learner(current_user), waiting=waiting
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Claim prior learning: for oneself, or (reviewers) for a learner
    (``?learner=<public id>``)."""
    learner_id = request.args.get("learner", "")
    learner = competency_maps.get_learner(learner_id) if learner_id else current_user
    require(policy.can_claim_prior_learning(current_user, learner))
    framework = competency_maps.pick_framework(request.args.get("framework"))
    form = ClaimForm()
    form.competency.choices = [("", "Choose…")] + [
        (c.code, f"{c.code} · {c.title}") for c in assessments.competencies_of(framework)
    ]
    if request.method == "GET":
        form.competency.data = request.args.get("competency", "")
    if form.validate_on_submit():
        upload = request.files.get(form.document.name)
        document = service.Upload(upload.filename or "", upload.stream) if upload else None
        try:
            found = service.claim(
                learner, framework, form.competency.data, form.statement.data, document,
                by=current_user, folder=_folder(), now=utcnow(),
            )  # fmt: skip
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash("Claim submitted: a reviewer of your organization decides it.", "success")
            return redirect(url_for(".claim", claim_id=found.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template("prior_learning/new.html", form=form, learner=learner), status


@bp.get("/<claim_id>")
@login_required
def claim(claim_id: str):
    found = _claim(claim_id)
    form = ClaimReviewForm()
    form.level.choices = [
        (str(n), t) for n, t in assessments.levels_of(found.competency.framework).items()
    ]
    return render_template(
        "prior_learning/claim.html",
        claim=found,
        form=form,
        rubric=assessments.rubric_of(found.competency.framework),
        withdraw=WithdrawClaimForm(),
    )


@bp.post("/<claim_id>/review")
@login_required
def review(claim_id: str):
    found = _claim(claim_id)
    require(policy.can_review_prior_learning(current_user, found.learner))
    form = ClaimReviewForm()
    form.level.choices = [
        (str(n), t) for n, t in assessments.levels_of(found.competency.framework).items()
    ]
    if form.validate_on_submit():
        try:
            service.review(
                found, request.form.get("decision", ""), level=form.level.data,
                reason=form.reason.data or "", by=current_user, now=utcnow(),
            )  # fmt: skip
        except (InvalidInput, Conflict) as exc:
            db.session.rollback()
            if isinstance(exc, Conflict):
                flash(str(exc), "error")
                return redirect(url_for(".claim", claim_id=claim_id))
            attach_error(form, exc)
        else:
            db.session.commit()
            awarding.after_progress(found.learner_id)
            flash(f"Claim {found.status}.", "success")
            return redirect(url_for(".index"))
    return render_template(
        "prior_learning/claim.html", claim=found, form=form,
        rubric=assessments.rubric_of(found.competency.framework), withdraw=WithdrawClaimForm(),
    ), 422  # fmt: skip


@bp.post("/<claim_id>/withdraw")
@login_required
def withdraw(claim_id: str):
    found = _claim(claim_id)
    require(current_user.id == found.learner_id)
    if not WithdrawClaimForm().validate_on_submit():
        raise InvalidInput(None, "Reload the page and try again.")
    service.withdraw(found, by=current_user, now=utcnow())
    db.session.commit()
    flash("Claim withdrawn.", "info")
    return redirect(url_for(".index"))


@bp.get("/<claim_id>/document")
@login_required
def document(claim_id: str):
    """The claim's document, as a download only (never shown inline under our origin)."""
    found = _claim(claim_id)
    response = send_file(
        service.document_path(found, _folder()),
        mimetype=found.media_type,
        as_attachment=True,
        download_name=found.file_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

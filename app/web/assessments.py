"""Judgements as evidence: an instructor's rubric assessment of a learner, and a mentor's
observations of their apprentice on the job (the list the apprentice sees, and the form).

Thin: ``services.assessments`` checks the rules and writes the evidence, ``app.policy``
decides who may.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policy
from app.database import latest_today, utcnow
from app.domain import assessments as rules
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Apprenticeship, Framework
from app.services import assessments as service
from app.services import competency_maps, programs
from app.web import awarding
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.assessments import (
    JudgementForm,
    ObservationForm,
    RubricForm,
    WithdrawAssessmentForm,
)

bp = Blueprint("assessments", __name__)


def _prepare(form: JudgementForm, framework: Framework) -> JudgementForm:
    form.competency.choices = [("", "Choose…")] + [
        (c.code, f"{c.code} · {c.title}") for c in service.competencies_of(framework)
    ]
    form.level.choices = [(str(n), title) for n, title in service.levels_of(framework).items()]
    if request.method == "GET":
        form.competency.data = request.args.get("competency", "")
        form.occurred_on.data = latest_today().isoformat()
    return form


def _draft(form: JudgementForm) -> rules.Draft:
    return rules.Draft(
        competency=form.competency.data or "",
        level=form.level.data or "",
        subject=form.subject.data or "",
        note=form.note.data or "",
        occurred_on=form.occurred_on.data or "",
        score=getattr(form, "score", None) and form.score.data,
    )


@bp.route("/competencies/learners/<user_id>/assess", methods=["GET", "POST"])
@login_required
def assess(user_id: str):
    """An instructor rates a learner on a competency against the framework's levels."""
    learner = competency_maps.get_learner(user_id)
    require(policy.can_assess_learner(current_user, learner))
    framework = competency_maps.pick_framework(request.args.get("framework"))
    form = _prepare(RubricForm(), framework)
    if form.validate_on_submit():
        try:
            row = service.assess(
                learner,
                framework,
                _draft(form),
                by=current_user,
                today=latest_today(),
                now=utcnow(),
            )
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            awarding.after_progress(row.learner_id)
            flash(
                f"Assessed {learner.name} at level {row.level} in {row.competency.code}.", "success"
            )
            return redirect(url_for("competencies.learner_map", user_id=learner.public_id))
    return render_template(
        "assessments/rubric.html", learner=learner, framework=framework, form=form,
        rubric=service.rubric_of(framework), history=service.of_learner(learner, rules.RUBRIC),
        titles=service.levels_of(framework),
    ), 422 if request.method == "POST" else 200  # fmt: skip


def _enrolment(enrolment_id: str) -> Apprenticeship:
    enrolment = db.session.scalar(
        select(Apprenticeship).where(Apprenticeship.public_id == enrolment_id)
    )
    if enrolment is None:
        raise NotFound("There is no such apprenticeship.")
    require(policy.can_view_observations(current_user, enrolment))
    return enrolment


def _framework(enrolment: Apprenticeship) -> Framework:
    program = programs.get(Path(current_app.config["CURRICULUM_ROOT"]), enrolment.program_id)
    framework = service.framework_of(program)
    if framework is None:
        raise NotFound("This program names no competency framework to observe against.")
    return framework


@bp.route("/apprenticeships/<enrolment_id>/observations", methods=["GET", "POST"])
@login_required
def observations(enrolment_id: str):
    """The mentor's observations of the apprentice on the job; the mentor records more here."""
    enrolment = _enrolment(enrolment_id)
    framework = _framework(enrolment)
    form = _prepare(ObservationForm(), framework)
    if request.method == "POST":
        require(policy.can_observe(current_user, enrolment))
    if form.validate_on_submit():
        try:
            row = service.observe(
                enrolment,
                framework,
                _draft(form),
                by=current_user,
                today=latest_today(),
                now=utcnow(),
            )
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            awarding.after_progress(row.learner_id)
            flash(f"Observation recorded: level {row.level} in {row.competency.code}.", "success")
            return redirect(url_for(".observations", enrolment_id=enrolment.public_id))
    return render_template(
        "assessments/observations.html", enrolment=enrolment, framework=framework, form=form,
        rubric=service.rubric_of(framework), found=service.observations(enrolment),
        titles=service.levels_of(framework),
    ), 422 if request.method == "POST" else 200  # fmt: skip


@bp.post("/assessments/<assessment_id>/withdraw")
@login_required
def withdraw(assessment_id: str):
    """Its author withdraws a rubric assessment or an observation made in error."""
    row = service.get(assessment_id)
    require(policy.can_withdraw_assessment(current_user, row))
    form = WithdrawAssessmentForm()
    back = (
        url_for(".observations", enrolment_id=row.apprenticeship.public_id)
        if row.apprenticeship is not None
        else url_for(".assess", user_id=row.learner.public_id)
    )
    if not form.validate_on_submit():
        flash("Not withdrawn: say why it is withdrawn.", "error")
        return redirect(back)
    try:
        service.withdraw(row, form.reason.data, by=current_user, now=utcnow())
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        flash(f"Not withdrawn: {exc}", "error")
        return redirect(back)
    db.session.commit()
    flash(f"Withdrawn: level {row.level} in {row.competency.code} no longer counts.", "info")
    return redirect(back)

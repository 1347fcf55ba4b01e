"""Employer pages: register a company, follow its people, send workers to cohorts, assign
mentors. Thin: ``services.employers`` holds the rules, ``app.policy`` who may."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policy
from app.database import latest_today, utcnow
from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Apprenticeship, Cohort, Organization, User
from app.services import employers, invitations, organizations
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.employers import MentorForm, RegisterEmployerForm, SponsorForm, VerifyForm

bp = Blueprint("employers", __name__)


@bp.route("/employers/new", methods=["GET", "POST"])
@login_required
def register():
    require(policy.can_register_employer(current_user))
    on_behalf = policy.can_invite_company(current_user)
    form = RegisterEmployerForm()
    operators = [o for o in organizations.list_all() if o.kind is OrgKind.PROGRAM_OPERATOR]
    form.program_operator.choices = [("", "None"), *((o.slug, o.name) for o in operators)]
    if form.validate_on_submit():
        if on_behalf and not form.admin_email.data:
            form.admin_email.errors.append("Give the email of the person who will run it.")
        else:
            try:
                org, invited = _register(form, operators, on_behalf=on_behalf)
            except (InvalidInput, Conflict) as exc:
                db.session.rollback()
                problem = exc if isinstance(exc, InvalidInput) else InvalidInput(None, str(exc))
                attach_error(form, problem)
            else:
                db.session.commit()
                if invited:
                    flash(f"{org.name} is registered; {invited} was invited to run it.", "success")
                    return redirect(url_for("main.dashboard"))
                flash(f"{org.name} is registered, and you run its page.", "success")
                return redirect(url_for(".people", slug=org.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("employers/register.html", form=form, on_behalf=on_behalf), status


def _register(form: RegisterEmployerForm, operators, *, on_behalf: bool):
    operator = next((o for o in operators if o.slug == form.program_operator.data), None)
    now = utcnow()
    org = employers.register(
        employers.NewEmployer(
            name=form.name.data or "", location=form.location.data or "",
            state=form.state.data or "", county=form.county.data or "",
            description=form.description.data or "",
            program_operator_id=operator.id if operator else None,
        ),
        actor=current_user, admin=not on_behalf, now=now,
    )  # fmt: skip
    if not on_behalf:
        return org, None
    issued = invitations.create(
        org, form.admin_email.data, Role.EMPLOYER, actor=current_user, now=now
    )
    _mail(issued)
    return org, issued.invitation.email


@bp.get("/orgs/<slug>/people")
@login_required
def people(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_view_employer_people(current_user, org))
    may_sponsor = policy.can_sponsor(current_user, org)
    rows = employers.people(org)
    sponsor_form = _sponsor_form(org, rows) if may_sponsor else None
    mentors = employers.mentors(org) if may_sponsor else []
    return render_template(
        "employers/people.html", org=org, rows=rows, sponsor_form=sponsor_form,
        mentors=mentors, may_sponsor=may_sponsor,
    )  # fmt: skip


def _sponsor_form(org: Organization, rows) -> SponsorForm:
    form = SponsorForm()
    form.worker.choices = [(p.user.public_id, p.user.name) for p in rows if p.worker]
    form.cohort.choices = [
        (c.public_id, f"{c.name} · {c.host.name} · {c.starts_on:%b %-d, %Y}")
        for c in employers.open_cohorts(org, today=latest_today())
    ]
    return form


@bp.post("/orgs/<slug>/people/sponsor")
@login_required
def sponsor(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_sponsor(current_user, org))
    form = _sponsor_form(org, employers.people(org))
    if not form.validate_on_submit():
        flash("Choose a worker and an open cohort.", "error")
        return redirect(url_for(".people", slug=slug))
    worker = _one(User, form.worker.data)
    cohort = _one(Cohort, form.cohort.data)
    try:
        issued = employers.sponsor(
            org, worker, cohort, actor=current_user, now=utcnow(), today=latest_today()
        )
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        flash(f"Not enrolled: {exc}", "error")
        return redirect(url_for(".people", slug=slug))
    db.session.commit()
    if issued is None:
        flash(f"{worker.name} is enrolled in {cohort.name}, sponsored by {org.name}.", "success")
    else:
        _mail(issued)
        flash(
            f"{worker.name} is invited to {cohort.name}, sponsored by {org.name}: they join when "
            "they accept the email.",
            "success",
        )
    return redirect(url_for(".people", slug=slug))


def _mail(issued: invitations.Issued) -> None:
    base = current_app.config["PUBLIC_BASE_URL"]
    invitations.send(
        issued, mailer=current_app.extensions["mailer"],
        link_for=lambda token: f"{base}/invitations/{token}", inviter_name=current_user.name,
    )  # fmt: skip


@bp.post("/orgs/<slug>/apprenticeships/<enrolment_id>/mentor")
@login_required
def assign_mentor(slug: str, enrolment_id: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_sponsor(current_user, org))
    enrolment = _one(Apprenticeship, enrolment_id)
    form = MentorForm()
    form.mentor.choices = [(m.public_id, m.name) for m in employers.mentors(org)]
    if not form.validate_on_submit():
        flash("Choose one of your mentors.", "error")
        return redirect(url_for(".people", slug=slug))
    mentor = _one(User, form.mentor.data)
    try:
        employers.assign_mentor(org, enrolment, mentor, actor=current_user, now=utcnow())
    except InvalidInput as exc:
        db.session.rollback()
        flash(f"Mentor not changed: {exc}", "error")
    else:
        db.session.commit()
        flash(f"{mentor.name} now mentors {enrolment.apprentice.name}.", "success")
    return redirect(url_for(".people", slug=slug))


def _one(model, public_id: str):
    found = db.session.scalar(select(model).where(model.public_id == public_id))
    if found is None:
        raise NotFound("That is no longer here; reload the page.")
    return found


# -- Confirming companies that registered themselves -----------------------------------------


@bp.get("/employers/waiting")
@login_required
def waiting():
    require(policy.can_list_companies_to_verify(current_user))
    programs = (
        None if policy.is_platform_admin(current_user) else policy.program_staff_of(current_user)
    )
    companies = employers.awaiting_verification(programs)
    return render_template("employers/waiting.html", companies=companies, form=VerifyForm())


@bp.post("/employers/<slug>/verify")
@login_required
def verify(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_verify_company(current_user, org))
    if not VerifyForm().validate_on_submit():
        flash("Reload the page and try again.", "error")
    else:
        employers.verify(org, actor=current_user, now=utcnow())
        db.session.commit()
        flash(f"{org.name} is confirmed: it may now enrol apprentices and send workers.", "success")
    return redirect(url_for(".waiting"))

"""Administering organizations: founding one with its first admin, editing its details, its
members (roles, deactivation), its invitations, and its audit trail.

Thin: ``services.invitations``, ``services.memberships`` and ``services.audit`` do the work
and record every change; ``app.policy`` decides who may. A refused change says why, on the
page, and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.domain.roles import OrgKind, Role, role_title
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import Membership, Organization
from app.services import audit, invitations, memberships, org_details, organizations
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.org_admin import (
    ActionForm,
    DeactivateForm,
    DetailsForm,
    InviteForm,
    NewOrganizationForm,
    RoleForm,
)
from app.web.links import public_url

bp = Blueprint("org_admin", __name__)


@bp.context_processor
def _words() -> dict:
    return {"role_title": role_title}


# -- Founding and editing an organization ----------------------------------------------------


@bp.route("/admin/orgs/new", methods=["GET", "POST"])
@login_required
def new_org():
    require(policy.can_create_organization(current_user))
    form = NewOrganizationForm()
    form.program_operator.choices = _operator_choices(None)
    if form.validate_on_submit():
        try:
            issued = org_details.found(
                form.slug.data,
                _details(form, None),
                form.admin_email.data,
                admin_name=form.admin_name.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            _mail(issued)
            org, invited = issued.invitation.organization, issued.invitation
            role = invitations.role_phrase(invited.role, org.kind)
            flash(
                f"{org.name} is created, and {invited.email} is invited to run it as {role}.",
                "success",
            )
            return redirect(url_for(".members", slug=org.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("org_admin/new.html", form=form), status


@bp.route("/orgs/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_org(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_edit_organization(current_user, org))
    form = DetailsForm(
        obj=org, kind=org.kind.value, program_operator=str(org.program_operator_id or "")
    )
    if _may_set_kind():
        form.program_operator.choices = _operator_choices(org)
    else:  # kind and program are the platform admin's (policy.can_edit_organization)
        del form.kind, form.program_operator
    if form.validate_on_submit():
        try:
            changed = org_details.update_details(
                org, _details(form, org), actor=current_user, now=utcnow()
            )
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(
                f"Saved: {', '.join(changed)}." if changed else "Nothing changed.",
                "success" if changed else "info",
            )
            return redirect(url_for("orgs.detail", slug=org.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("org_admin/edit.html", form=form, org=org), status


def _may_set_kind() -> bool:
    return policy.can_create_organization(current_user)


def _details(form: DetailsForm, org: Organization | None) -> org_details.Details:
    if org is None or _may_set_kind():
        kind = OrgKind(form.kind.data)
        operator = form.program_operator.data
        operator_id = int(operator) if operator and operator.isdigit() else None
    else:
        kind, operator_id = org.kind, org.program_operator_id
    return org_details.Details(
        name=form.name.data or "",
        kind=kind,
        location=form.location.data or "",
        state=form.state.data or "",
        county=form.county.data or "",
        description=form.description.data or "",
        program_operator_id=operator_id,
    )


def _operator_choices(org: Organization | None) -> list[tuple[str, str]]:
    programs = [(str(o.id), o.name) for o in org_details.program_operators() if o is not org]
    return [("", "None"), *programs]


# -- Members and invitations -----------------------------------------------------------------


def _managed(slug: str) -> Organization:
    org = organizations.get_by_slug(slug)
    require(policy.can_manage_members(current_user, org))
    return org


def _member(slug: str, public_id: str) -> tuple[Organization, Membership]:
    org = _managed(slug)  # before the lookup: outsiders learn nothing of who belongs
    membership = memberships.get(org, public_id)
    require(policy.can_change_membership(current_user, org, membership.user))
    return org, membership


def _role_choices(org: Organization) -> list[tuple[str, str]]:
    return [(r.value, role_title(r, org.kind)) for r in memberships.allowed_roles(org)]


@bp.get("/orgs/<slug>/members")
@login_required
def members(slug: str):
    return _members_page(_managed(slug), InviteForm())


def _members_page(org: Organization, invite: InviteForm, status: int = 200):
    invite.role.choices = _role_choices(org)
    everyone = memberships.of_organization(org, include_inactive=True)
    return render_template(
        "org_admin/members.html",
        org=org,
        active=[m for m in everyone if m.active],
        inactive=[m for m in everyone if not m.active],
        pending=invitations.pending_for(org),
        invite=invite,
        roles=_role_choices(org),
        now=utcnow(),
    ), status


@bp.post("/orgs/<slug>/invitations")
@login_required
def invite(slug: str):
    org = _managed(slug)
    form = InviteForm()
    form.role.choices = _role_choices(org)
    if form.validate_on_submit():
        try:
            issued = invitations.create(
                org,
                form.email.data,
                Role(form.role.data),
                actor=current_user,
                now=utcnow(),
                name=form.name.data or "",
            )
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        except Conflict as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            db.session.commit()
            _mail(issued)
            role = invitations.role_phrase(issued.invitation.role, org.kind)
            days = invitations.LIFETIME.days
            flash(
                f"Invitation sent to {_whom(issued.invitation)} as {role}. The link works for "
                f"{days} days.",
                "success",
            )
            return redirect(url_for(".members", slug=org.slug))
    return _members_page(org, form, 422)


@bp.post("/orgs/<slug>/invitations/<public_id>/resend")
@login_required
def resend(slug: str, public_id: str):
    org = _managed(slug)
    invitation = invitations.get(org, public_id)
    if ActionForm().validate_on_submit():
        try:
            issued = invitations.resend(invitation, actor=current_user, now=utcnow())
        except (Conflict, InvalidInput) as exc:
            db.session.rollback()
            flash(f"Nothing was sent: {exc}", "error")
        else:
            db.session.commit()
            _mail(issued)
            flash(
                f"A new invitation went to {_whom(issued.invitation)}; the earlier link no "
                "longer works.",
                "success",
            )
    return redirect(url_for(".members", slug=org.slug))


@bp.post("/orgs/<slug>/invitations/<public_id>/withdraw")
@login_required
def withdraw(slug: str, public_id: str):
    org = _managed(slug)
    invitation = invitations.get(org, public_id)
    if ActionForm().validate_on_submit():
        try:
            invitations.revoke(invitation, actor=current_user, now=utcnow())
        except Conflict as exc:
            db.session.rollback()
            flash(f"Nothing changed: {exc}", "error")
        else:
            db.session.commit()
            flash(
                f"The invitation of {invitation.email} is withdrawn; its link no longer works.",
                "success",
            )
    return redirect(url_for(".members", slug=org.slug))


@bp.post("/orgs/<slug>/members/<public_id>/role")
@login_required
def change_role(slug: str, public_id: str):
    org, membership = _member(slug, public_id)
    form = RoleForm()
    form.role.choices = _role_choices(org)
    name = membership.user.name
    if not form.validate_on_submit():
        flash(f"Nothing changed for {name}: choose one of the roles listed.", "error")
        return redirect(url_for(".members", slug=org.slug))
    role = Role(form.role.data)
    try:
        memberships.change_role(membership, role, actor=current_user, now=utcnow())
    except (Conflict, InvalidInput) as exc:
        db.session.rollback()
        flash(f"Nothing changed: {exc}", "error")
    else:
        db.session.commit()
        flash(f"{name} is now {invitations.role_phrase(role, org.kind)} at {org.name}.", "success")
    return redirect(url_for(".members", slug=org.slug))


@bp.route("/orgs/<slug>/members/<public_id>/deactivate", methods=["GET", "POST"])
@login_required
def deactivate(slug: str, public_id: str):
    """GET asks for confirmation; POST deactivates."""
    org, membership = _member(slug, public_id)
    form = DeactivateForm()
    if form.validate_on_submit():
        name = membership.user.name
        try:
            memberships.deactivate(
                membership, actor=current_user, now=utcnow(), note=form.note.data or ""
            )
        except Conflict as exc:
            db.session.rollback()
            flash(f"Nothing changed: {exc}", "error")
        else:
            db.session.commit()
            flash(
                f"{name} is deactivated at {org.name}. Their account and work are kept; "
                "reactivate them below if needed.",
                "success",
            )
        return redirect(url_for(".members", slug=org.slug))
    status = 422 if form.errors else 200
    return render_template(
        "org_admin/deactivate.html", org=org, membership=membership, form=form
    ), status


@bp.post("/orgs/<slug>/members/<public_id>/reactivate")
@login_required
def reactivate(slug: str, public_id: str):
    org, membership = _member(slug, public_id)
    if ActionForm().validate_on_submit():
        try:
            memberships.reactivate(membership, actor=current_user, now=utcnow())
        except (Conflict, InvalidInput) as exc:
            db.session.rollback()
            flash(f"Nothing changed: {exc}", "error")
        else:
            db.session.commit()
            flash(
                f"{membership.user.name} is active again, as "
                f"{invitations.role_phrase(membership.role, org.kind)}.",
                "success",
            )
    return redirect(url_for(".members", slug=org.slug))


def _mail(issued: invitations.Issued) -> None:
    invitations.send(
        issued,
        mailer=current_app.extensions["mailer"],
        link_for=lambda token: public_url("invitations.show", token=token),
        inviter_name=current_user.name,
    )


def _whom(invitation) -> str:
    return f"{invitation.name} ({invitation.email})" if invitation.name else invitation.email


# -- The audit trail ---------------------------------------------------------------------------


@bp.get("/orgs/<slug>/audit")
@login_required
def audit_trail(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_view_audit(current_user, org))
    before = request.args.get("before", type=int)
    page = audit.page(org, before=before)
    lines = [(event, audit.describe(event, org.kind)) for event in page.events]
    return render_template(
        "org_admin/audit.html", org=org, lines=lines, older=page.older, paged=before is not None
    )

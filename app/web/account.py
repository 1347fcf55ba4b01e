"""The signed-in user's own account: profile, password, and what they share with employers."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.services import accounts, consents, login_sessions, organizations
from app.web import sessions
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.auth import ChangePasswordForm
from app.web.forms.employers import ConsentForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@login_required
def settings():
    require(policy.can_manage_own_account(current_user))
    return render_template("account/settings.html", form=ChangePasswordForm())


@bp.post("/password")
@login_required
def change_password():
    require(policy.can_manage_own_account(current_user))
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.password.data, now=utcnow()
            )
        except InvalidInput as exc:
            attach_error(form, exc)
        else:
            user = current_user._get_current_object()
            sessions.begin(user)  # every session ended with the change: start this one again
            db.session.commit()
            accounts.notify_password_changed(user, mailer=current_app.extensions["mailer"])
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form), 422


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of this account: other browsers, copied cookies, and this one."""
    require(policy.can_manage_own_account(current_user))
    login_sessions.end_all(current_user)
    sessions.end()
    db.session.commit()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("auth.login"))


# -- Sharing progress with employers ---------------------------------------------------------


@bp.get("/sharing")
@login_required
def sharing():
    require(policy.can_manage_consent(current_user, current_user))
    links = consents.employers_of(current_user)
    return render_template("account/sharing.html", links=links, form=ConsentForm())


@bp.post("/sharing/<slug>")
@login_required
def change_sharing(slug: str):
    require(policy.can_manage_consent(current_user, current_user))
    org = organizations.get_by_slug(slug)
    form = ConsentForm()
    if not form.validate_on_submit():
        flash("Reload the page and try again.", "error")
        return redirect(url_for(".sharing"))
    try:
        if request.form.get("share") == "yes":
            consents.grant(current_user, org, now=utcnow())
            message = f"{org.name} can now see your course progress and credentials."
        else:
            withdrawn = consents.withdraw(current_user, org, now=utcnow())
            message = f"{org.name} no longer sees your progress." if withdrawn else ""
    except InvalidInput as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if message:
            flash(message, "success")
    return redirect(url_for(".sharing"))

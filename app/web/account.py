"""The signed-in user's own account: profile and password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.services import accounts, login_sessions
from app.web import sessions
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.auth import ChangePasswordForm

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

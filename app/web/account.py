"""The signed-in user's own account: profile and password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user

from app import policy
from app.database import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.services import accounts
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
            db.session.commit()
            accounts.notify_password_changed(current_user, mailer=current_app.extensions["mailer"])
            # The session id includes the rotated session token: renew this device's session.
            login_user(current_user._get_current_object())
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form), 422

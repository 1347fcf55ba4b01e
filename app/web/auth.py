"""Register, sign in, sign out and reset a forgotten password."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote, urlsplit, urlunsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.database import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db, limiter
from app.services import accounts, registrations
from app.web import sessions
from app.web.forms import attach_error
from app.web.forms.auth import (
    FinishRegistrationForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from app.web.links import public_url

bp = Blueprint("auth", __name__)
MAX_NEXT = 2048
# Characters that browsers drop or read as '/' in a Location: controls, DEL, backslash.
_LOOSE = re.compile(r"[\x00-\x1f\x7f\\]")


def _limit(key: str):
    return limiter.limit(lambda: current_app.config[key], methods=["POST"])


@bp.route("/register", methods=["GET", "POST"])
@_limit("REGISTER_RATE_LIMIT")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registration = registrations.check(form.email.data, form.name.data)
        except InvalidInput as exc:
            attach_error(form, exc)
        else:
            # One answer for every address: whether it has an account is looked up, and
            # mailed about, off the request path.
            current_app.extensions["deferred"].submit(
                registrations.send_mail,
                registration,
                secret=current_app.secret_key,
                lifetime=_registration_lifetime(),
                link_for=lambda token: public_url("auth.finish_registration", token=token),
                sign_in_link=public_url("auth.login"),
                reset_link=public_url("auth.forgot_password"),
                mailer=current_app.extensions["mailer"],
            )
            return render_template("auth/register_sent.html", email=registration.email)
    return render_template("auth/register.html", form=form)


@bp.route("/register/<token>", methods=["GET", "POST"])
@_limit("REGISTER_RATE_LIMIT")
def finish_registration(token: str):
    secret, lifetime = current_app.secret_key, _registration_lifetime()
    registration = registrations.from_token(token, secret=secret, max_age=lifetime)
    if registration is None:
        return render_template("auth/register_invalid.html"), 410
    form = FinishRegistrationForm()
    if form.validate_on_submit():
        account = accounts.NewAccount(registration.email, registration.name, form.password.data)
        try:
            user = accounts.register(account, now=utcnow())
        except InvalidInput as exc:
            attach_error(form, exc)
        except Conflict:  # whoever holds the link reads that mailbox: they may know
            flash("This address already has an account. Sign in with it.", "info")
            return redirect(url_for("auth.login"))
        else:
            sessions.begin(user)
            db.session.commit()
            flash(f"Welcome to Shopfloor, {user.name}.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register_finish.html", form=form, registration=registration)


@bp.route("/login", methods=["GET", "POST"])
@_limit("LOGIN_RATE_LIMIT")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data, now=utcnow())
        if user is None:
            form.form_errors.append("That email and password do not match an active account.")
        else:
            next_page = _safe_next(request.args.get("next"))
            sessions.begin(user)
            db.session.commit()
            return redirect(next_page)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    sessions.end()
    db.session.commit()
    flash("You are signed out.", "info")
    return redirect(url_for("main.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@_limit("RESET_RATE_LIMIT")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Off the request path: only a real account gets a token written and a mail sent,
        # and that must not show in the time the answer takes.
        current_app.extensions["deferred"].submit(
            accounts.request_password_reset,
            form.email.data,
            now=utcnow(),
            lifetime=timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
            link_for=lambda token: public_url("auth.reset_password", token=token),
            mailer=current_app.extensions["mailer"],
        )
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@_limit("RESET_RATE_LIMIT")
def reset_password(token: str):
    if accounts.user_for_reset_token(token, now=utcnow()) is None:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(
                token, form.password.data, now=utcnow(), mailer=current_app.extensions["mailer"]
            )
        except InvalidInput as exc:
            attach_error(form, exc)
        else:
            sessions.end()
            db.session.commit()
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, token=token)


def _registration_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["REGISTRATION_LINK_HOURS"])


def _safe_next(target: str | None) -> str:
    """Follow ?next= only to a path on this site, never to another host.

    Browsers and servers read a Location loosely: they drop tabs and newlines, take a
    backslash for a slash, collapse runs of slashes, and some decode ``%2F`` again. So the
    target must be a plain local path in every form it can take, and what goes out is
    rebuilt from its path (slashes collapsed) and query alone.
    """
    if target and len(target) <= MAX_NEXT:
        forms = [target]
        for _ in range(3):
            forms.append(unquote(forms[-1]))
        if all(_is_local_path(form) for form in forms):
            parts = urlsplit(target)
            return urlunsplit(("", "", re.sub(r"/{2,}", "/", parts.path), parts.query, ""))
    return url_for("main.dashboard")


def _is_local_path(target: str) -> bool:
    if _LOOSE.search(target) or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc

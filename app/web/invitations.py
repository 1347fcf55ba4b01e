"""Accepting an invitation: by signing in or by registering with the invited address.

The link's token is the only proof of the invitation, so these pages send no Referer at all
(another site never sees the address), and each POST carries the CSRF token. A used,
withdrawn or expired invitation answers 410 with the reason; a link that never was, 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app.database import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db, limiter
from app.models import Invitation
from app.services import accounts, invitations
from app.web import sessions
from app.web.forms import attach_error
from app.web.forms.org_admin import ActionForm, JoinForm

bp = Blueprint("invitations", __name__)


@bp.after_request
def _no_referrer(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _unusable(exc: invitations.Unusable):
    status = 404 if exc.reason == "invalid" else 410
    page = render_template("invitations/unusable.html", reason=exc.reason, message=exc.message)
    return page, status


@bp.get("/invitations/<token>")
def show(token: str):
    try:
        invitation = invitations.redeemable(token, now=utcnow())
    except invitations.Unusable as exc:
        return _unusable(exc)
    offer = invitations.offer(invitation)
    form = JoinForm(name=invitation.name) if _step(offer) == "register" else ActionForm()
    return _page(token, offer, form)


def _step(offer: invitations.Offer) -> str:
    """What the visitor does next: accept, sign out (another address), sign in or register."""
    if current_user.is_authenticated:
        return "accept" if current_user.email == offer.invitation.email else "other_address"
    return "sign_in" if offer.has_account else "register"


def _page(token: str, offer: invitations.Offer, form, status: int = 200):
    page = render_template(
        "invitations/show.html", token=token, offer=offer, step=_step(offer), form=form
    )
    return page, status


@bp.post("/invitations/<token>/accept")
def accept(token: str):
    if not current_user.is_authenticated:
        return redirect(url_for(".show", token=token))
    try:  # the CSRF token is checked before this view (extensions.csrf)
        invitation = invitations.redeemable(token, now=utcnow())
        invitations.accept(invitation, current_user, now=utcnow())
    except invitations.Unusable as exc:
        db.session.rollback()
        return _unusable(exc)
    except Conflict as exc:  # signed in with another address
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".show", token=token))
    db.session.commit()
    _welcome(invitation)
    return redirect(_landing(invitation))


@bp.post("/invitations/<token>/register")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
def register(token: str):
    """Create the invited address's account, sign it in and accept, in one transaction."""
    if current_user.is_authenticated:
        return redirect(url_for(".show", token=token))
    try:
        invitation = invitations.redeemable(token, now=utcnow())
    except invitations.Unusable as exc:
        return _unusable(exc)
    form = JoinForm()
    if form.validate_on_submit():
        new = accounts.NewAccount(invitation.email, form.name.data, form.password.data)
        try:
            user = accounts.register(new, now=utcnow())
            invitations.accept(invitation, user, now=utcnow())
        except invitations.Unusable as exc:
            db.session.rollback()
            return _unusable(exc)
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        except Conflict:  # the account was made meanwhile, in another tab perhaps
            db.session.rollback()
            flash(f"{invitation.email} has an account now. Sign in to accept.", "info")
            return redirect(url_for("auth.login", next=url_for(".show", token=token)))
        else:
            sessions.begin(user)
            db.session.commit()
            _welcome(invitation)
            return redirect(_landing(invitation))
    return _page(token, invitations.offer(invitation), form, 422)


@bp.post("/invitations/<token>/sign-out")
def sign_out(token: str):
    """Sign out and come back to the invitation, to accept it with the invited address."""
    sessions.end()
    db.session.commit()
    flash("You are signed out. Sign in or create an account with the invited address.", "info")
    return redirect(url_for(".show", token=token))


def _welcome(invitation: Invitation) -> None:
    org = invitation.organization
    flash(
        f"Welcome: you joined {org.name} as {invitations.role_phrase(invitation.role, org.kind)}.",
        "success",
    )


def _landing(invitation: Invitation) -> str:
    """A learner invited to a cohort starts at their dashboard; staff at the organization."""
    if invitation.cohort_id is not None:
        return url_for("main.dashboard")
    return url_for("orgs.detail", slug=invitation.organization.slug)

"""A learner's credentials, each credential's public page and downloads, and the issuers'
published status lists.

A credential's ``id`` is its page's URL, so the page answers JSON to verifiers that ask for it
(``Accept: application/json`` or ``application/ld+json``). A page the policy does not show
is a 404, the same as a credential that does not exist: a private credential's address
reveals nothing. ``services.credential_pages`` prepares what the templates show.

Caching: what only some may see (a private credential, the wallet, any page drawn for a
signed-in visitor, and every 404, which may hide a private credential) is ``private,
no-store``; a public credential's page and files may be kept PUBLIC_SECONDS. Answers that
depend on who is signed in say ``Vary: Cookie``. Each public address is rate limited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, json, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import policy
from app.database import latest_today, utcnow
from app.errors import NotFound
from app.extensions import db, limiter
from app.models import Credential
from app.models.credentials import ISSUED
from app.services import credential_pages, credentials, status_lists
from app.web.access import require
from app.web.forms.credentials import sharing_form

bp = Blueprint("credentials", __name__)

# What a verifier may ask a credential's address for; the first is what browsers get.
PAGE_TYPES = ["text/html", "application/ld+json", "application/vc+ld+json", "application/json"]
JSON_TYPES = ["application/json", "application/ld+json", "application/vc+ld+json"]
# Images we render ourselves: no script, no fetch, nothing but embedded PNGs.
IMAGE_CSP = "default-src 'none'; img-src data:; sandbox"
STATUS_LIST_SECONDS = 300
PUBLIC_SECONDS = 60  # a public credential's page and files, in browsers and shared caches
PRIVATE = "private, no-store"
# Per client address: generous for people, a ceiling for scripts (the page verifies the
# credential and the PNG is rendered, though both are remembered a while).
PAGE_RATE_LIMIT = "60 per minute"
STATUS_LIST_RATE_LIMIT = "120 per minute"


@bp.after_request
def _private_by_default(response: Response) -> Response:
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = PRIVATE
        response.vary.add("Cookie")
    return response


def _cache(response: Response, credential: Credential, *, personal: bool = False) -> Response:
    """Let caches keep *response* briefly only if anyone may see it alike (*personal*: it
    shows the signed-in visitor's own view)."""
    shown_to_all = credential.state == ISSUED and credential.public and not personal
    response.headers["Cache-Control"] = (
        f"public, max-age={PUBLIC_SECONDS}" if shown_to_all else PRIVATE
    )
    response.vary.add("Cookie")
    return response


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _visible(public_id: str) -> Credential:
    """The credential, if the policy shows it to the current user; NotFound otherwise."""
    credential = credentials.get(public_id)
    if not policy.can_view_credential(current_user, credential):
        raise NotFound("There is no credential at this address.")
    return credential


def json_response(document: Any, mimetype: str, *, cache: int | None = None) -> Response:
    response = Response(json.dumps(document, indent=2) + "\n", mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers running in browsers
    if cache is not None:
        response.headers["Cache-Control"] = f"public, max-age={cache}"
    response.vary.add("Accept")
    return response


@bp.get("/credentials")
@login_required
def wallet():
    require(policy.can_view_own_credentials(current_user))
    found = credential_pages.wallet(current_user, now=utcnow(), today=latest_today())
    forms = {
        held.credential.public_id: sharing_form(
            held.credential.public_id,
            public=held.credential.public,
            show_name=held.credential.show_name,
        )
        for held in found.issued
    }
    return render_template("credentials/wallet.html", wallet=found, forms=forms)


@bp.post("/credentials/<public_id>/sharing")
@login_required
def sharing(public_id: str):
    credential = _visible(public_id)
    require(policy.can_share_credential(current_user, credential))
    form = sharing_form(public_id)
    if not form.validate_on_submit():
        flash("Reload the page and try again.", "error")
    else:
        public, show_name = bool(form.public.data), bool(form.show_name.data)
        credentials.set_sharing(
            credential, public=public, show_name=show_name, actor=current_user, now=utcnow()
        )
        db.session.commit()
        flash(_sharing_message(credential.achievement.name, public, show_name), "success")
    return redirect(url_for(".wallet", _anchor=f"c-{public_id}"))


def _sharing_message(name: str, public: bool, show_name: bool) -> str:
    if not public:
        return f"Saved. The page of {name} is private: only you and its issuer's staff see it."
    who = "shows your name" if show_name else "says “the holder” instead of your name"
    return f"Saved. The page of {name} is public and {who}."


@bp.get("/credentials/<public_id>")
@limiter.limit(PAGE_RATE_LIMIT)
def page(public_id: str):
    credential = _visible(public_id)
    best = request.accept_mimetypes.best_match(PAGE_TYPES, default="text/html")
    if best in JSON_TYPES:
        response = json_response(credential_pages.document_of(credential), best)
        return _cache(response, credential)
    shown = credential_pages.page(credential, now=utcnow(), viewer=_viewer())
    response = Response(render_template("credentials/page.html", page=shown))
    response.vary.add("Accept")
    return _cache(response, credential, personal=current_user.is_authenticated)


@bp.get("/credentials/<public_id>.json")
@limiter.limit(PAGE_RATE_LIMIT)
def download_json(public_id: str):
    credential = _visible(public_id)
    response = json_response(credential_pages.document_of(credential), "application/json")
    return _attachment(response, credential, ".json")


@bp.get("/credentials/<public_id>/badge.svg")
@limiter.limit(PAGE_RATE_LIMIT)
def badge_svg(public_id: str):
    credential = _visible(public_id)
    response = Response(credential_pages.baked_svg(credential), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    return _attachment(response, credential, ".svg")


@bp.get("/credentials/<public_id>/badge.png")
@limiter.limit(PAGE_RATE_LIMIT)
def badge_png(public_id: str):
    credential = _visible(public_id)
    response = Response(credential_pages.baked_png(credential), mimetype="image/png")
    return _attachment(response, credential, ".png")


def _attachment(response: Response, credential: Credential, suffix: str) -> Response:
    name = credential_pages.download_name(credential, suffix)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return _cache(response, credential)


@bp.get("/credentials/status/<list_id>")
@limiter.limit(STATUS_LIST_RATE_LIMIT)
def status_list(list_id: str):
    """An issuer's signed BitstringStatusListCredential (signed again if it changed)."""
    document = status_lists.published(status_lists.get(list_id), now=utcnow())
    db.session.commit()
    best = request.accept_mimetypes.best_match(JSON_TYPES, default="application/json")
    return json_response(document, best, cache=STATUS_LIST_SECONDS)

"""The issuing partner's credential pages: the approval queue, the register of what an
organization issued (each credential's history and status), its endorsements, and the
branding its credentials carry; plus the public JSON of an endorsement.

Thin: ``services.credentials``, ``services.credential_register``, ``services.endorsements``
and ``services.organizations`` do the work; ``app.policy`` decides who may. A refused action
shows its page again with the message and with what was typed, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from flask import (
    Blueprint,
    Response,
    flash,
    json,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import policy
from app.database import utcnow
from app.domain import logos
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Credential, Endorsement, Organization
from app.services import (
    apprenticeships,
    credential_register,
    credentials,
    endorsements,
    keys,
    organizations,
    status_lists,
)
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.credential_admin import (
    BrandingForm,
    DecisionForm,
    EndorseForm,
    ReasonForm,
    ReinstateForm,
)

bp = Blueprint("credential_admin", __name__)

# What a service may refuse with: shown on the page, never as an error page.
REFUSALS = (Conflict, InvalidInput, NotFound, keys.KeyStoreError)


@dataclass(frozen=True)
class Outcome:
    done: bool
    result: object = None  # what the action returned, when done
    message: str = ""  # why not, when refused
    field_error: str = ""  # the message again when it belongs at the text box
    status: int = 200


def _attempt(form: FlaskForm, act: Callable[[], object]) -> Outcome:
    """Check *form*, run *act* and commit; on a refusal roll back and say why."""
    error: Exception | None = None
    if form.validate_on_submit():
        try:
            result = act()
        except REFUSALS as exc:
            db.session.rollback()
            error = exc
        else:
            db.session.commit()
            return Outcome(True, result)
    if error is None or isinstance(error, InvalidInput):
        message = error.message if error else next(iter(form.errors.values()), [""])[0]
        return Outcome(False, None, message, message, 422)
    return Outcome(False, None, str(error), "", 409)


def _why(outcome: Outcome) -> str:
    """The end of a refusal's flash message: the reason, unless it shows at the text box."""
    return ": see the message by the text box." if outcome.field_error else f": {outcome.message}"


# -- The approval queue ---------------------------------------------------------------------


def _queue() -> list[Credential]:
    """Awaiting approval by the user's organization (every organization's for platform admins)."""
    if policy.is_platform_admin(current_user):
        return credentials.awaiting_approval(org.id for org in organizations.list_all())
    orgs = policy.orgs_where(current_user, policy.CREDENTIAL_APPROVERS)
    return credentials.awaiting_approval(sorted(orgs))


@bp.app_context_processor
def _dashboard_count() -> dict:
    """The dashboard's "Credentials to approve (N)" (kept here, beside the queue it counts)."""
    if request.endpoint != "main.dashboard" or not policy.can_view_approval_queue(current_user):
        return {}
    return {"credentials_to_approve": len(_queue())}


@bp.get("/credentials/approvals")
@login_required
def approvals():
    require(policy.can_view_approval_queue(current_user))
    return _approvals_page()


def _approvals_page(failed: str = "", text: str = "", message: str = "", status: int = 200):
    waiting = _queue()
    learners = {c.user_id: c.user for c in waiting}
    return render_template(
        "credential_admin/approvals.html",
        waiting=waiting,
        enrolments={i: apprenticeships.of_apprentice(u) for i, u in learners.items()},
        failed=failed, text=text, message=message,
    ), status  # fmt: skip


def _decide(public_id: str, act, done: str):
    """Approve or decline with the posted comment; on refusal show the queue again."""
    credential = credentials.get(public_id)
    require(policy.can_decide_credential(current_user, credential))
    form = DecisionForm()
    what = f"{credential.achievement.name} for {credential.user.name}"
    outcome = _attempt(form, lambda: act(credential, form.comment.data or ""))
    if outcome.done:
        flash(f"{done}: {what}.", "success")
        return redirect(url_for(".approvals"))
    flash(f"Nothing changed for {what}{_why(outcome)}", "error")
    text = form.comment.data or ""
    return _approvals_page(public_id, text, outcome.field_error, outcome.status)


@bp.post("/credentials/<public_id>/approve")
@login_required
def approve(public_id: str):
    def act(credential: Credential, comment: str) -> None:
        credentials.approve(credential, current_user, now=utcnow(), comment=comment)

    return _decide(public_id, act, "Approved and signed")


@bp.post("/credentials/<public_id>/decline")
@login_required
def decline(public_id: str):
    def act(credential: Credential, comment: str) -> None:
        credentials.decline(credential, current_user, now=utcnow(), comment=comment)

    return _decide(public_id, act, "Declined")


@bp.post("/credentials/<public_id>/reconsider")
@login_required
def reconsider(public_id: str):
    credential = credentials.get(public_id)
    require(policy.can_decide_credential(current_user, credential))
    try:
        credentials.reconsider(credential, current_user, now=utcnow())
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(_detail_url(credential))
    db.session.commit()
    flash(f"Back in the approval queue: {credential.achievement.name} for "
          f"{credential.user.name}.", "success")  # fmt: skip
    return redirect(url_for(".approvals"))


# -- The register of what an organization issued --------------------------------------------


def _filters() -> credential_register.Filters:
    standing = request.args.get("standing", "")
    return credential_register.Filters(
        standing=standing if standing in credential_register.STANDINGS else "",
        achievement=request.args.get("achievement", "")[:64],
        learner=request.args.get("learner", "")[:100],
    )


def _register_org(slug: str) -> Organization:
    org = organizations.get_by_slug(slug)
    require(policy.can_view_issued_credentials(current_user, org))
    return org


@bp.get("/orgs/<slug>/credentials")
@login_required
def issued(slug: str):
    org, filters = _register_org(slug), _filters()
    number = request.args.get("page", 1, type=int)
    return render_template(
        "credential_admin/issued.html",
        org=org,
        filters=filters,
        page=credential_register.page(org, filters, number=number, now=utcnow()),
        achievements=credential_register.achievements_of(org),
        standings=credential_register.STANDING_LABELS,
        args={name: value for name, value in asdict(filters).items() if value},
    )


@bp.get("/orgs/<slug>/credentials.csv")
@login_required
def issued_csv(slug: str):
    org = _register_org(slug)
    body = credential_register.as_csv(org, _filters(), now=utcnow())
    name = f"credentials-{org.slug}-{utcnow().date().isoformat()}.csv"
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _detail_url(credential: Credential) -> str:
    if credential.issuer is None:  # the platform's own: in no organization's register
        return url_for(".approvals")
    return url_for(".detail", slug=credential.issuer.slug, public_id=credential.public_id)


@bp.get("/orgs/<slug>/credentials/<public_id>")
@login_required
def detail(slug: str, public_id: str):
    org = _register_org(slug)
    credential = credentials.get(public_id)
    if credential.issuer_id != org.id:
        raise NotFound("There is no credential at this address.")
    return _detail_page(credential)


def _detail_page(credential: Credential, failed="", text="", message="", status=200):
    return render_template(
        "credential_admin/detail.html",
        org=credential.issuer,
        credential=credential,
        standing=credentials.standing(credential, now=utcnow()),
        events=credentials.events_of(credential),
        public_url=credentials.credential_url(credential.public_id),
        ttl_minutes=status_lists.TTL_MS // 60_000,
        failed=failed, text=text, message=message,
    ), status  # fmt: skip


def _status_target(public_id: str) -> Credential:
    credential = credentials.get(public_id)
    require(policy.can_change_credential_status(current_user, credential))
    if credential.issuer is None:  # the platform's own: no organization's register shows it
        raise NotFound("There is no credential at this address.")
    return credential


def _change_status(credential: Credential, form, name: str, act, done: str):
    """Revoke, suspend or reinstate with the posted reason; on refusal show the page again."""
    outcome = _attempt(form, lambda: act(form.reason.data or ""))
    if outcome.done:
        flash(done, "success")
        return redirect(_detail_url(credential))
    flash(f"Nothing changed{_why(outcome)}", "error")
    text = form.reason.data or ""
    return _detail_page(credential, name, text, outcome.field_error, outcome.status)


def _propagation() -> str:
    minutes = status_lists.TTL_MS // 60_000
    return f"Verifiers will see this within {minutes} minutes (status list TTL)."


@bp.post("/credentials/<public_id>/revoke")
@login_required
def revoke(public_id: str):
    """Two steps, since a revocation is permanent: the reason, then a confirmation page."""
    credential = _status_target(public_id)
    form = ReasonForm()
    if form.validate_on_submit() and form.confirm.data != "yes":
        return render_template(
            "credential_admin/revoke_confirm.html",
            credential=credential,
            form=form,
            ttl_minutes=status_lists.TTL_MS // 60_000,
        )

    def act(reason: str) -> None:
        credentials.revoke(credential, current_user, reason=reason, now=utcnow())

    return _change_status(credential, form, "revoke", act, f"Revoked. {_propagation()}")


@bp.post("/credentials/<public_id>/suspend")
@login_required
def suspend(public_id: str):
    credential = _status_target(public_id)

    def act(reason: str) -> None:
        credentials.suspend(credential, current_user, reason=reason, now=utcnow())

    done = f"Suspended until reinstated. {_propagation()}"
    return _change_status(credential, ReasonForm(), "suspend", act, done)


@bp.post("/credentials/<public_id>/reinstate")
@login_required
def reinstate(public_id: str):
    credential = _status_target(public_id)

    def act(reason: str) -> None:
        credentials.reinstate(credential, current_user, reason=reason, now=utcnow())

    done = f"Reinstated: the credential stands again. {_propagation()}"
    return _change_status(credential, ReinstateForm(), "reinstate", act, done)


# -- Endorsements ---------------------------------------------------------------------------


def _endorser(slug: str) -> Organization:
    org = organizations.get_by_slug(slug)
    require(policy.can_endorse(current_user, org))
    return org


@bp.get("/orgs/<slug>/endorsements")
@login_required
def endorsements_page(slug: str):
    return _endorsements_page(_endorser(slug))


def _endorsements_page(org: Organization, failed="", text="", message="", status=200):
    return render_template(
        "credential_admin/endorsements.html",
        org=org,
        lines=endorsements.lines(org),
        can_sign=credentials.can_sign(org),
        max_comment=endorsements.MAX_COMMENT,
        failed=failed, text=text, message=message,
    ), status  # fmt: skip


@bp.post("/orgs/<slug>/endorsements")
@login_required
def endorse(slug: str):
    org, form = _endorser(slug), EndorseForm()

    def act() -> Endorsement:
        achievement = endorsements.endorsable(form.achievement.data)
        return endorsements.endorse(org, achievement, form.comment.data, actor=current_user,
                                    now=utcnow())  # fmt: skip

    outcome = _attempt(form, act)
    if outcome.done:
        flash(f"Endorsed and signed: {outcome.result.achievement.name}. Credentials issued from "
              "now on carry your endorsement.", "success")  # fmt: skip
        return redirect(url_for(".endorsements_page", slug=org.slug))
    flash(f"Not endorsed{_why(outcome)}", "error")
    failed, text = form.achievement.data or "", form.comment.data or ""
    return _endorsements_page(org, failed, text, outcome.field_error, outcome.status)


@bp.post("/endorsements/<public_id>/withdraw")
@login_required
def withdraw_endorsement(public_id: str):
    found = endorsements.get(public_id)
    require(policy.can_endorse(current_user, found.endorser))
    try:
        endorsements.withdraw(found, current_user, now=utcnow())
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Withdrawn: your endorsement of {found.achievement.name}. Credentials issued "
              "from now on no longer carry it.", "success")  # fmt: skip
    return redirect(url_for(".endorsements_page", slug=found.endorser.slug))


@bp.get("/endorsements/<public_id>")
def endorsement_json(public_id: str):
    """The signed EndorsementCredential, for verifiers anywhere; 410 Gone once withdrawn."""
    try:
        found = endorsements.get(public_id)
    except NotFound as exc:
        return _public_json({"error": "Not found", "message": str(exc)}, 404)
    if found.withdrawn_at is not None:
        when = found.withdrawn_at.date().isoformat()
        message = f"{found.endorser.name} withdrew this endorsement on {when}."
        return _public_json({"error": "Gone", "message": message, "withdrawn": when}, 410)
    response = _public_json(found.document, 200)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _public_json(body: dict, status: int) -> Response:
    """JSON any verifier may read, also from a page of another origin (errors too)."""
    response = Response(json.dumps(body, indent=2) + "\n", status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- Branding -------------------------------------------------------------------------------


@bp.route("/orgs/<slug>/branding", methods=["GET", "POST"])
@login_required
def branding(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_edit_branding(current_user, org))
    form, now = BrandingForm(obj=org), utcnow()
    if form.validate_on_submit():
        try:  # the fields and the logo together: either is refused, nothing is saved
            organizations.update_branding(org, _branding(form), now=now)
            if form.logo.data:  # read one byte past the limit, to tell "larger than 1 MB"
                upload = form.logo.data.stream.read(logos.MAX_UPLOAD_BYTES + 1)
                organizations.set_logo(org, upload, actor=current_user, now=now)
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash("Branding saved. Credentials signed from now on carry it; those already "
                  "issued keep the branding they were signed with.", "success")  # fmt: skip
            return redirect(url_for(".branding", slug=org.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("credential_admin/branding.html", org=org, form=form), status


@bp.post("/orgs/<slug>/branding/remove-logo")
@login_required
def remove_logo(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_edit_branding(current_user, org))
    if organizations.remove_logo(org, actor=current_user, now=utcnow()):
        db.session.commit()
        flash("Logo removed: badge artwork no longer shows it, and credentials signed from "
              "now on name none.", "success")  # fmt: skip
    return redirect(url_for(".branding", slug=org.slug))


def _branding(form: BrandingForm) -> organizations.Branding:
    return organizations.Branding(
        short_name=form.short_name.data or "",
        website=form.website.data or "",
        brand_primary=form.brand_primary.data or "",
        brand_secondary=form.brand_secondary.data or "",
        ipeds_unit_id=form.ipeds_unit_id.data or "",
        opeid=form.opeid.data or "",
    )

"""Verifying credentials, for employers and anyone else, without an account: one credential by
its address, a file or pasted JSON (page and JSON API), or a CSV list of addresses in the
background.

The JSON API is for programs: it takes no session (a signed-in visitor is treated as anyone
else there), changes nothing, and so needs no CSRF token. The forms of the pages keep theirs.
A bulk list is checked as anyone would see it, whoever sends it: its results page is read by
whoever holds its link. No answer here is stored by a cache: a result may be a signed-in
visitor's own view, and a list's link is all that guards its results.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.database import utcnow
from app.domain import url_lists
from app.errors import Conflict, InvalidInput
from app.extensions import csrf, limiter
from app.services import remote_fetch, verify_jobs, verify_requests
from app.web.forms import attach_error
from app.web.forms.verify import MAX_UPLOAD, MAX_UPLOAD_TEXT, BulkForm, VerifyForm

bp = Blueprint("verify", __name__)

# Verifying is public and may fetch other sites: a client gets this many per address.
RATE_LIMIT = "30 per minute;600 per day"
BULK_RATE_LIMIT = "10 per hour"
TOO_LARGE = f"The upload is larger than {MAX_UPLOAD_TEXT}. A credential is a few kilobytes: " \
    "check that you chose the right file."  # fmt: skip


@bp.record_once
def _start_registry(state) -> None:
    state.app.extensions["verify_jobs"] = verify_jobs.JobRegistry(state.app)


@bp.after_request
def _not_stored(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "private, no-store")
    response.vary.add("Cookie")
    return response


@bp.url_value_preprocessor
def _limit_upload(_endpoint, _values) -> None:
    # Runs before every before_request hook, CSRF's included, so no body over the limit is
    # read: a larger one is refused with 413 at once.
    request.max_content_length = MAX_UPLOAD
    request.max_form_memory_size = MAX_UPLOAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    if request.path.startswith("/api/"):
        return {"error": "Too large", "message": TOO_LARGE, "status": 413}, 413
    form, bulk_form = VerifyForm(formdata=None), BulkForm(formdata=None)
    if request.path.startswith("/verify/bulk"):
        bulk_form.csv_file.errors = [TOO_LARGE]
    else:
        form.form_errors.append(TOO_LARGE)
    return _index(form, bulk_form, 413)


def _public_limit(limit: str):
    return limiter.limit(limit, methods=["POST"])


@bp.get("/verify")
def index():
    return _index(VerifyForm(), BulkForm())


@bp.post("/verify")
@_public_limit(RATE_LIMIT)
def check():
    form = VerifyForm()
    if not form.validate_on_submit():
        return _index(form, BulkForm(formdata=None), 422)
    outcome = _verify(
        form.url.data, form.file.data, form.json.data, form.email.data, viewer=_signed_in_viewer()
    )
    return render_template(
        "verify/result.html",
        outcome=outcome,
        email=form.email.data or "",
        labels=verify_requests.CHECK_LABELS,
    )


@bp.post("/api/verify")
@csrf.exempt
@_public_limit(RATE_LIMIT)
def api():
    outcome = None
    if request.mimetype == "multipart/form-data":
        form = request.form
        outcome = _verify(form.get("url"), request.files.get("file"), form.get("json"),
                          form.get("email", ""), viewer=None)  # fmt: skip
    elif request.is_json:
        kind, url, email = verify_requests.api_request(request.get_data())
        data = None if kind == "url" else request.get_data()
        outcome = _verify(url, None, data, email or request.args.get("email", ""), viewer=None)
    if outcome is None:
        message = 'Send a credential: JSON, {"url": …}, or a multipart upload in “file”.'
        return {"error": "Bad request", "message": message, "status": 400}, 400
    return outcome.as_json()


@bp.post("/verify/bulk")
@_public_limit(BULK_RATE_LIMIT)
def bulk():
    form = BulkForm()
    if form.validate_on_submit():
        try:
            urls = url_lists.parse(form.csv_file.data.read())
            job = _jobs().submit(urls, now=utcnow(), remote=_remote())
        except (InvalidInput, Conflict) as exc:
            attach_error(form, InvalidInput("csv_file", str(exc)))
        else:
            return redirect(url_for(".job", job_id=job.id), code=303)
    return _index(VerifyForm(formdata=None), form, 422)


@bp.get("/verify/bulk/<job_id>")
def job(job_id: str):
    return render_template("verify/job.html", job=_jobs().get(job_id))


@bp.get("/verify/bulk/<job_id>/progress")
def job_progress(job_id: str):
    return _jobs().get(job_id).progress()


@bp.get("/verify/bulk/<job_id>/results.csv")
def job_csv(job_id: str):
    found = _jobs().get(job_id)
    if not found.finished:
        raise Conflict("The list is still being checked: download the results when it is done.")
    return Response(
        verify_jobs.results_csv(found),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="verification-results.csv"'},
    )


def _index(form: VerifyForm, bulk_form: BulkForm, status: int = 200):
    return render_template("verify/index.html", form=form, bulk_form=bulk_form), status


def _signed_in_viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _verify(url, upload, text, email, *, viewer) -> verify_requests.Outcome | None:
    """Verify what was sent; *viewer* is whose view of this site's private credentials counts
    (None: anyone's)."""
    email, now, remote = (email or "").strip(), utcnow(), _remote()
    if url and url.strip():
        return verify_requests.verify_url(url, now=now, viewer=viewer, remote=remote, email=email)
    if upload:
        return verify_requests.verify_data(upload.read(), now=now, remote=remote, email=email)
    if text:
        return verify_requests.verify_data(text, now=now, remote=remote, email=email)
    return None


def _remote() -> remote_fetch.Fetcher | None:
    return remote_fetch.for_config(current_app.config)


def _jobs() -> verify_jobs.JobRegistry:
    return current_app.extensions["verify_jobs"]

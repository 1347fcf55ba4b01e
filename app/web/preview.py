"""The preview's own pages, registered only on the app ``flask curriculum preview`` serves.

Everything else a preview shows is the real app's pages: the author reads exactly what
learners read. Every page here but the entry link needs a signed-in person who may preview
drafts (checked before each request, so no route can forget); the banner of problems and
the live-reload script ride on every page through ``base.html``.

The entry link is a GET that signs the browser in, as Jupyter's token link and the magic
sign-in links of other sites are: it is typed or clicked from the terminal, so it cannot be
a form. Its token works once (``preview.tokens``).
"""

from __future__ import annotations

import json
import time

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from app import policy
from app.errors import NotFound, PermissionDenied
from app.extensions import db, login_manager
from app.preview.session import PreviewSession, lab_files
from app.services import courses
from app.web import sessions
from app.web.access import require

bp = Blueprint("preview", __name__, url_prefix="/preview")
STREAM_SECONDS = 25.0  # a stream ends after this; the browser opens the next one
BEAT_SECONDS = 5.0  # a comment this often keeps proxies and the server's thread honest
PUBLIC = frozenset({"preview.enter"})


def _preview() -> PreviewSession:
    found = current_app.extensions.get("preview")
    if found is None:
        raise NotFound("No preview runs in this process.")
    return found


@bp.before_request
def _authors_only():
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(policy.can_preview_drafts(current_user))
    return None


@bp.get("/enter")
def enter():
    preview = _preview()
    if not preview.token.redeem(request.args.get("token", "")):
        raise PermissionDenied(
            "This entry link is not valid: each link works once. Open the newest link "
            "that `flask curriculum preview` printed in its terminal."
        )
    sessions.begin(preview.author())
    db.session.commit()
    return redirect(url_for(".index"))


@bp.get("/")
def index():
    preview = _preview()
    return render_template(
        "preview/index.html",
        cards=courses.catalog(current_user),
        labs=preview.lab_list(),
        banner=preview.banner(()),
    )


@bp.get("/problems")
def problems():
    return render_template("preview/problems.html", groups=_preview().problems_by_file())


@bp.get("/events")
def events():
    """Server-Sent Events: the generation now, then each new one, for STREAM_SECONDS."""
    preview = _preview()

    def generate():
        yield "retry: 1000\n\n"
        deadline, seen = time.monotonic() + STREAM_SECONDS, None
        while (left := deadline - time.monotonic()) > 0:
            generation = (
                preview.generation
                if seen is None
                else preview.wait_for_change(seen, min(BEAT_SECONDS, left))
            )
            if generation == seen:
                yield ": still here\n\n"
                continue
            seen = generation
            banner = preview.banner(())
            data = {"generation": generation, "errors": banner.errors, "warnings": banner.warnings}
            yield f"id: {generation}\ndata: {json.dumps(data)}\n\n"
        yield "event: again\ndata: {}\n\n"

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.get("/labs/<lab_id>")
def lab(lab_id: str):
    preview = _preview()
    build = preview.lab(lab_id)
    return render_template(
        "preview/lab.html",
        lab=build,
        lessons=preview.lessons_with_lab(lab_id),
        check=preview.check_status(lab_id),
        can_check=preview.checks is not None,
    )


@bp.get("/labs/<lab_id>/learner.ipynb")
def learner_notebook(lab_id: str):
    build = _preview().lab(lab_id)
    if build.learner is None:
        raise NotFound("This lab has no learner version: fix its problems first.")
    return send_file(
        build.learner,
        mimetype="application/x-ipynb+json",
        as_attachment=True,
        download_name=f"{lab_id}.ipynb",
        max_age=0,
    )


@bp.post("/labs/<lab_id>/check")
def check(lab_id: str):
    _preview().start_check(lab_id)
    flash("The check has started: it grades the reference, the learner version and each pitfall.")
    return redirect(url_for(".lab", lab_id=lab_id))


@bp.get("/labs/<lab_id>/check")
def check_status(lab_id: str):
    state = _preview().check_status(lab_id)
    if state is None:
        raise NotFound("This lab has not been checked in this preview.")
    return jsonify(state.as_dict())


@bp.app_context_processor
def _banner() -> dict:
    """``preview_banner`` for base.html: this page's problems first, then the others."""
    preview = current_app.extensions.get("preview")
    if preview is None or not has_request_context():
        return {}
    if not policy.can_preview_drafts(current_user):
        return {"preview_banner": None}
    return {"preview_banner": preview.banner(_page_files(preview))}


def _page_files(preview: PreviewSession) -> tuple[str, ...]:
    """The files the page being rendered is made from, as problems name them."""
    args = request.view_args or {}
    if "lab_id" in args:
        return lab_files(args["lab_id"])
    if "lesson_slug" in args and args["lesson_slug"] in preview.files.lessons:
        return preview.files.lessons[args["lesson_slug"]].files
    if "slug" in args and request.blueprint == "courses":
        return preview.files.courses.get(args["slug"], ())
    return ()

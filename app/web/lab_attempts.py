"""Lab attempts: grading progress and feedback for learners; lists and re-grades for reviewers."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from app import policy
from app.errors import NotFound
from app.extensions import db
from app.services import courses, lab_attempts, lab_catalog, lab_submissions
from app.web.access import require

bp = Blueprint("lab_attempts", __name__)
STREAM_SECONDS = 25.0
POLL_SECONDS = 0.5  # how often a stream looks at the attempt (graders may be elsewhere)


@bp.get("/labs/attempts/<int:submission_id>")
@login_required
def attempt(submission_id: int):
    submission, learner = _visible(submission_id)
    lab = lab_catalog.load(Path(current_app.config["LABS_ROOT"]), submission.lab_slug)
    return render_template(
        "labs/attempt.html",
        report=lab_attempts.report(submission),
        progress=lab_attempts.progress(submission, own=learner.id == current_user.id),
        learner=learner,
        lab=lab,
        history=lab_submissions.attempts(learner, submission.lab_slug),
        back=courses.lab_lesson(submission.lab_slug),
        own=learner.id == current_user.id,
    )


@bp.get("/labs/attempts/<int:submission_id>/progress")
@login_required
def progress(submission_id: int):
    """The polling fallback of ``stream``."""
    submission, learner = _visible(submission_id)
    return lab_attempts.progress(submission, own=learner.id == current_user.id)


@bp.get("/labs/attempts/<int:submission_id>/stream")
@login_required
def stream(submission_id: int):
    """Server-Sent Events: the attempt's progress each time it changes, until it is graded."""
    _, learner = _visible(submission_id)
    own = learner.id == current_user.id
    pause = threading.Event()

    def generate():
        yield "retry: 2000\n\n"
        last, deadline = None, time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline:
            db.session.expire_all()
            state = lab_attempts.progress(lab_attempts.get(submission_id), own=own)
            if state != last:
                yield f"data: {json.dumps(state)}\n\n"
                last = state
            if state["done"]:
                return
            db.session.rollback()  # end the read so the connection is not held open
            pause.wait(POLL_SECONDS)

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.post("/labs/attempts/<int:submission_id>/regrade")
@login_required
def regrade(submission_id: int):
    submission = lab_attempts.get(submission_id)
    require(policy.can_regrade(current_user, lab_attempts.learner_of(submission)))
    lab_attempts.regrade(submission)
    db.session.commit()
    current_app.extensions["grading_workers"].wake()
    flash(f"Attempt {submission.attempt} is queued to be graded again.")
    return redirect(url_for(".attempt", submission_id=submission_id))


@bp.get("/labs/<lab_id>/submissions")
@login_required
def submissions(lab_id: str):
    require(policy.can_review_labs(current_user))
    lab = lab_catalog.load(Path(current_app.config["LABS_ROOT"]), lab_id)
    return render_template(
        "labs/submissions.html",
        lab=lab,
        rows=lab_attempts.for_reviewer(current_user, lab.id),
        back=courses.lab_lesson(lab.id),
    )


def _visible(submission_id: int):
    submission = lab_attempts.get(submission_id)
    learner = lab_attempts.learner_of(submission)
    if not policy.can_view_submission(current_user, learner):
        raise NotFound("There is no such attempt.")  # do not confirm that it exists
    return submission, learner

"""Lab attempts: grading progress and feedback for learners; lists, re-grades, comments, score
overrides and extra attempts for the staff who teach them.

Attempts are reached by their public id only: a sequential id in an address would let anyone
count, or guess at, other people's work.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import engine, policy
from app.database import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import LabSubmission, User
from app.services import (
    courses,
    gradebook,
    lab_attempts,
    lab_feedback,
    lab_submissions,
)
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.lab_feedback import ClearOverrideForm, CommentForm, GrantForm, OverrideForm

bp = Blueprint("lab_attempts", __name__)
STREAM_SECONDS = 25.0
POLL_SECONDS = 0.5  # how often a stream looks at the attempt (graders may be elsewhere)
ATTEMPT = "/labs/attempts/<public_id>"
# Where on the attempt page each staff form sits (a redirect returns there).
ANCHORS = {
    "comment": "comments",
    "override": "score",
    "clear": "score",
    "grant": "attempts-allowed",
}


@bp.get(ATTEMPT)
@login_required
def attempt(public_id: str):
    submission, learner = _visible(public_id)
    return _page(submission, learner)


@bp.get(f"{ATTEMPT}/progress")
@login_required
def progress(public_id: str):
    """The polling fallback of ``stream``."""
    submission, learner = _visible(public_id)
    return lab_attempts.progress(submission, own=learner.id == current_user.id)


@bp.get(f"{ATTEMPT}/stream")
@login_required
def stream(public_id: str):
    """Server-Sent Events: the attempt's progress each time it changes, until it is graded."""
    _, learner = _visible(public_id)
    own = learner.id == current_user.id
    pause = threading.Event()

    def generate():
        yield "retry: 2000\n\n"
        last, deadline = None, time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline:
            db.session.expire_all()
            state = lab_attempts.progress(lab_attempts.get(public_id), own=own)
            if state != last:
                yield f"data: {json.dumps(state)}\n\n"
                last = state
            if state["done"]:
                return
            db.session.rollback()  # end the read so the connection is not held open
            pause.wait(POLL_SECONDS)
        yield "event: again\ndata: {}\n\n"  # ended on purpose: the page follows on at once

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.post(f"{ATTEMPT}/regrade")
@login_required
def regrade(public_id: str):
    submission = lab_attempts.get(public_id)
    require(policy.can_regrade(current_user, lab_attempts.learner_of(submission)))
    lab_attempts.regrade(submission)
    db.session.commit()
    engine.current().submitted(submission.id)
    flash(f"Attempt {submission.attempt} is queued to be graded again.")
    return redirect(_here(submission))


@bp.get("/labs/<lab_id>/submissions")
@login_required
def submissions(lab_id: str):
    require(policy.can_review_labs(current_user))
    lab = engine.current().lab(lab_id)
    return render_template(
        "labs/submissions.html",
        lab=lab,
        rows=lab_attempts.for_reviewer(current_user, lab.id),
        back=courses.lab_lesson(lab.id),
    )


# Staff feedback: comments, score overrides, extra attempts ----------------------------------


@bp.post(f"{ATTEMPT}/comments")
@login_required
def comment(public_id: str):
    submission, learner = _teaching(public_id)
    form = CommentForm()

    def change():
        lab_feedback.comment(submission, current_user, form.body.data, now=utcnow())

    done = "Comment saved: the learner sees it on this attempt's page."
    return _act(form, "comment", submission, learner, done, change)


@bp.post(f"{ATTEMPT}/score")
@login_required
def override_score(public_id: str):
    submission, learner = _teaching(public_id)
    form = OverrideForm()

    def change():
        org = lab_feedback.audit_org(current_user, learner)
        lab_feedback.override(
            submission, current_user, form.total.data, form.reason.data, now=utcnow(), org=org
        )

    done = "Score set. The learner sees it with your reason."
    return _act(form, "override", submission, learner, done, change)


@bp.post(f"{ATTEMPT}/score/clear")
@login_required
def clear_score(public_id: str):
    submission, learner = _teaching(public_id)
    form = ClearOverrideForm()

    def change():
        org = lab_feedback.audit_org(current_user, learner)
        lab_feedback.clear_override(submission, current_user, form.reason.data, now=utcnow(),
                                    org=org)  # fmt: skip

    done = "The autograded score counts again."
    return _act(form, "clear", submission, learner, done, change)


@bp.post(f"{ATTEMPT}/extra-attempts")
@login_required
def grant_attempts(public_id: str):
    submission, learner = _teaching(public_id)
    form = GrantForm()
    lab = engine.current().lab(submission.lab_slug)

    def change():
        org = lab_feedback.audit_org(current_user, learner)
        lab_feedback.grant(learner, lab, form.extra.data, form.reason.data, author=current_user,
                           now=utcnow(), org=org)  # fmt: skip

    done = f"Extra attempts granted: {learner.name} sees them in the lab."
    return _act(form, "grant", submission, learner, done, change)


def _act(form: FlaskForm, name: str, submission, learner, done: str, change: Callable):
    """Validate *form*, make the *change* and commit; or show the page again with the errors
    by their fields (422), or the reason it cannot be done (409)."""
    if form.validate_on_submit():
        try:
            change()
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _page(submission, learner, forms={name: form}, status=409)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(_here(submission, ANCHORS[name]))
    return _page(submission, learner, forms={name: form}, status=422)


# Who sees what ------------------------------------------------------------------------------


def _teaches(learner: User) -> bool:
    cohorts = lab_feedback.cohorts_of(learner)
    return policy.can_give_lab_feedback(current_user, learner, cohorts)


def _visible(public_id: str) -> tuple[LabSubmission, User]:
    submission = lab_attempts.get(public_id)
    learner = lab_attempts.learner_of(submission)
    cohorts = lab_feedback.cohorts_of(learner)
    if not policy.can_view_lab_attempt(current_user, learner, cohorts):
        raise NotFound("There is no such attempt.")  # do not confirm that it exists
    return submission, learner


def _teaching(public_id: str) -> tuple[LabSubmission, User]:
    """The attempt, for a change only its learner's teachers make (403 for the learner)."""
    submission, learner = _visible(public_id)
    require(_teaches(learner))
    return submission, learner


def _here(submission: LabSubmission, anchor: str | None = None) -> str:
    return url_for(".attempt", public_id=submission.public_id, cohort=_cohort_arg(),
                   _anchor=anchor)  # fmt: skip


def _cohort_arg() -> str | None:
    """The cohort whose gradebook the page was opened from (?cohort=), kept for the way back."""
    value = request.args.get("cohort", "")
    return value[:24] if value else None


def _back_to_gradebook():
    public_id = _cohort_arg()
    if public_id is None:
        return None
    try:
        cohort = gradebook.get_cohort(public_id)
    except NotFound:
        return None
    return cohort if policy.can_teach_cohort(current_user, cohort) else None


def _page(submission: LabSubmission, learner: User, *, forms=None, status: int = 200):
    lab = engine.current().lab(submission.lab_slug)
    own = learner.id == current_user.id
    history = lab_submissions.attempts(learner, submission.lab_slug)
    scores = lab_feedback.scores(history)
    forms = forms or {}
    page = render_template(
        "labs/attempt.html",
        report=lab_attempts.report(submission),
        progress=lab_attempts.progress(submission, own=own),
        learner=learner,
        lab=lab,
        history=history,
        scores=scores,
        score=scores[submission.id],
        comments=lab_feedback.comments(submission),
        score_history=lab_feedback.score_history(submission),
        grants=lab_feedback.grants(learner, lab.id),
        allowance=lab_submissions.allowance(learner, lab),
        back=courses.lab_lesson(submission.lab_slug),
        gradebook=_back_to_gradebook(),
        cohort_arg=_cohort_arg(),
        own=own,
        staff=_teaches(learner),
        comment_form=forms.get("comment") or CommentForm(formdata=None),
        override_form=forms.get("override") or OverrideForm(formdata=None),
        clear_form=forms.get("clear") or ClearOverrideForm(formdata=None),
        grant_form=forms.get("grant") or GrantForm(formdata=None),
        failed=next(iter(forms), None),
    )
    return page, status

"""Cohorts: their pages, enrolment by code, link and roster, people and due dates.

Who may do what (app.policy): the host's admins create and edit cohorts, import rosters and
manage instructors and the join code (can_manage_cohorts); the cohort's teachers see its
people, withdraw and move learners and set due dates (can_teach_cohort); its learners, teachers
and the staff of a sponsoring employer see the cohort's page (can_view_cohort).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app import policy
from app.database import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db, limiter
from app.models import Cohort, Organization
from app.services import cohorts, due_dates, invitations, organizations, programs, rosters
from app.web.access import require
from app.web.errors import render_error
from app.web.forms import attach_error
from app.web.forms.cohorts import (
    CohortForm,
    ConfirmForm,
    InstructorForm,
    JoinCodeForm,
    JoinForm,
    MoveForm,
    RosterConfirmForm,
    RosterUploadForm,
)
from app.web.links import public_url

logger = logging.getLogger(__name__)
bp = Blueprint("cohorts", __name__)

JOIN_RATE_LIMIT = "30 per minute"  # per address: codes cannot be guessed by trying
ROSTER_UPLOAD_LIMIT = rosters.MAX_BYTES + 64 * 1024  # the file and the form around it
ROSTER_CONFIRM_LIMIT = 8 * 1024 * 1024  # the preview's token carries up to 5,000 rows
JOINED_VIA = {
    "code": "Join code",
    "roster": "Roster import",
    "invitation": "Invitation",
    "moved": "Moved in",
    "admin": "Added by staff",
}


@bp.url_value_preprocessor
def _limit_uploads(endpoint: str | None, _values) -> None:
    # Before any before_request hook (CSRF reads the form): a larger body is never read.
    if endpoint == "cohorts.roster":
        request.max_content_length = ROSTER_UPLOAD_LIMIT
    elif endpoint == "cohorts.roster_confirm":
        request.max_content_length = request.max_form_memory_size = ROSTER_CONFIRM_LIMIT


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    if request.endpoint != "cohorts.roster":
        return render_error(413)
    cohort = _managed((request.view_args or {}).get("public_id", ""))
    form = RosterUploadForm(formdata=None)
    size = (request.content_length or 0) / 1024 / 1024
    form.file.errors = [
        f"The file is about {size:.1f} MB; a roster may be at most "
        f"{rosters.MAX_BYTES // 1024 // 1024} MB ({rosters.MAX_ROWS:,} learners). Split it into "
        "smaller files. Nothing was imported."
    ]
    return render_template("cohorts/roster.html", cohort=cohort, form=form), 413


def _programs() -> dict:
    return programs.catalog(Path(current_app.config["CURRICULUM_ROOT"]))


def _viewed(public_id: str) -> Cohort:
    cohort = cohorts.get(public_id)
    require(policy.can_view_cohort(current_user, cohort))
    return cohort


def _taught(public_id: str) -> Cohort:
    cohort = cohorts.get(public_id)
    require(policy.can_teach_cohort(current_user, cohort))
    return cohort


def _managed(public_id: str) -> Cohort:
    cohort = cohorts.get(public_id)
    require(policy.can_manage_cohorts(current_user, cohort.host))
    return cohort


def _status() -> int:
    return 422 if request.method == "POST" else 200


# -- The host's list, creating and editing -------------------------------------------------------


@bp.get("/orgs/<slug>/cohorts")
@login_required
def index(slug: str):
    """The host's cohorts: all of them for its admins, the ones they teach for instructors."""
    org = organizations.get_by_slug(slug)
    require(policy.can_list_cohorts(current_user, org))
    manage = policy.can_manage_cohorts(current_user, org)
    listed = cohorts.of_host(org) if manage else cohorts.teaching(current_user, org)
    listed = [c for c in listed if manage or policy.can_teach_cohort(current_user, c)]
    return render_template(
        "cohorts/index.html", org=org, cohorts=listed, manage=manage, programs=_programs(),
        counts=cohorts.learner_counts([c.id for c in listed]),
    )  # fmt: skip


def _cohort_form(org: Organization, offered: dict, cohort: Cohort | None = None) -> CohortForm:
    form = CohortForm(obj=cohort) if cohort is not None else CohortForm()
    form.course.choices = [("", "No course")] + [
        (c.slug, c.title) for c in cohorts.published_courses()
    ]
    form.program.choices = [("", "No program")] + [(p.id, p.title) for p in offered.values()]
    form.instructors.choices = [
        (u.public_id, f"{u.name} ({u.email})") for u in cohorts.instructor_candidates(org)
    ]
    if cohort is not None and request.method == "GET":
        form.course.data = cohort.course.slug if cohort.course else ""
        form.program.data = cohort.program_id or ""
        form.instructors.data = [u.public_id for u in cohorts.instructors(cohort)]
    return form


def _draft(form: CohortForm) -> cohorts.Draft:
    return cohorts.Draft(
        name=form.name.data or "", course_slug=form.course.data or None,
        program_id=form.program.data or None, starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, schedule=form.schedule.data or "",
        location=form.location.data or "", capacity=form.capacity.data,
        instructor_ids=tuple(form.instructors.data or ()),
    )  # fmt: skip


@bp.route("/orgs/<slug>/cohorts/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    org = organizations.get_by_slug(slug)
    require(policy.can_manage_cohorts(current_user, org))
    offered = _programs()
    form = _cohort_form(org, offered)
    if form.validate_on_submit():
        try:
            cohort = cohorts.create(org, _draft(form), actor=current_user, now=utcnow(),
                                    programs_offered=offered)  # fmt: skip
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(f"Cohort {cohort.name} created. Its join code is {cohort.join_code}.", "success")
            return redirect(url_for(".detail", public_id=cohort.public_id))
    return render_template("cohorts/form.html", org=org, form=form, cohort=None), _status()


@bp.route("/cohorts/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit(public_id: str):
    cohort = _managed(public_id)
    offered = _programs()
    form = _cohort_form(cohort.host, offered, cohort)
    if form.validate_on_submit():
        try:
            changed = cohorts.update(cohort, _draft(form), actor=current_user, now=utcnow(),
                                     programs_offered=offered)  # fmt: skip
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash("Saved." if changed else "Nothing changed.", "success")
            return redirect(url_for(".detail", public_id=cohort.public_id))
    return render_template(
        "cohorts/form.html", org=cohort.host, form=form, cohort=cohort
    ), _status()


# -- The cohort's page ---------------------------------------------------------------------------


@bp.get("/cohorts/<public_id>")
@login_required
def detail(public_id: str):
    cohort = _viewed(public_id)
    learner, now = cohorts.is_learner(cohort, current_user), utcnow()
    code = cohort.join_code
    lines = due_dates.schedule(cohort, current_user if learner else None, now=now)
    return render_template(
        "cohorts/detail.html", cohort=cohort, learner=learner, lines=lines,
        agenda=due_dates.split(lines, now=now) if learner else None,
        program=_programs().get(cohort.program_id) if cohort.program_id else None,
        instructors=cohorts.instructors(cohort), enrolled=cohorts.active_learners(cohort),
        teach=policy.can_teach_cohort(current_user, cohort),
        invite_link=public_url("cohorts.join_code", code=code) if code else "",
    )  # fmt: skip


# -- Joining by code or link ----------------------------------------------------------------------


@bp.get("/join")
@login_required
@limiter.limit(JOIN_RATE_LIMIT)
def join():
    """Type a cohort's code; a code that names a cohort leads to its invite-link page."""
    form = JoinForm(formdata=request.args if "code" in request.args else None)
    if "code" in request.args and form.validate():
        try:
            cohort = cohorts.by_code(form.code.data)
        except NotFound as exc:
            form.code.errors = [str(exc)]
        else:
            return redirect(url_for(".join_code", code=cohort.join_code))
        return render_template("cohorts/join.html", form=form), 422
    return render_template("cohorts/join.html", form=form), 422 if form.errors else 200


@bp.get("/join/<code>")
@limiter.limit(JOIN_RATE_LIMIT)
def join_code(code: str):
    """The invite link: the cohort, and a Join button (or why it cannot be joined). Open to
    visitors, who are asked to sign in or create an account first."""
    cohort = cohorts.by_code(code)
    signed_in = policy.is_signed_in(current_user)
    return render_template(
        "cohorts/join_code.html", cohort=cohort, form=ConfirmForm(),
        problem=cohorts.join_problem(cohort, current_user, now=utcnow()) if signed_in else None,
        member=signed_in and cohorts.is_learner(cohort, current_user),
    )  # fmt: skip


@bp.post("/join/<code>")
@login_required
@limiter.limit(JOIN_RATE_LIMIT)
def join_submit(code: str):
    cohort = cohorts.by_code(code)
    require(policy.can_join_cohorts(current_user))
    try:
        joined = cohorts.join(cohort, current_user, now=utcnow())
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".join_code", code=cohort.join_code))
    db.session.commit()
    flash(f"You joined {cohort.name}." if joined else "You are in this cohort already.", "success")
    return redirect(url_for(".detail", public_id=cohort.public_id))


# -- Roster import ------------------------------------------------------------------------------


@bp.route("/cohorts/<public_id>/roster", methods=["GET", "POST"])
@login_required
def roster(public_id: str):
    """Upload a roster; the answer is a preview, and nothing is written until confirmed."""
    cohort = _managed(public_id)
    form = RosterUploadForm()
    if form.validate_on_submit():
        filename = (form.file.data.filename or "roster.csv")[:200]
        try:
            sheet = rosters.read(form.file.data.read())
            plan = rosters.plan(cohort, sheet, now=utcnow())
        except InvalidInput as exc:
            attach_error(form, exc)
        else:
            token = rosters.token_for(cohort, current_user, sheet, filename,
                                      secret=current_app.secret_key)  # fmt: skip
            return render_template(
                "cohorts/roster_preview.html", cohort=cohort, plan=plan, filename=filename,
                labels=rosters.LABELS, form=RosterConfirmForm(token=token),
            )  # fmt: skip
    return render_template("cohorts/roster.html", cohort=cohort, form=form), _status()


@bp.post("/cohorts/<public_id>/roster/confirm")
@login_required
def roster_confirm(public_id: str):
    """Apply a previewed roster in one transaction, then mail the new learners' invitations."""
    cohort = _managed(public_id)
    form = RosterConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        sheet, filename = rosters.from_token(form.token.data, cohort, current_user,
                                             secret=current_app.secret_key)  # fmt: skip
        applied = rosters.apply(cohort, sheet, actor=current_user, now=utcnow(), filename=filename)
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        flash(f"Nothing was imported: {exc}", "error")
        return redirect(url_for(".roster", public_id=cohort.public_id))
    db.session.commit()
    unsent = _mail(applied.issued)
    flash(_imported(applied, unsent), "success" if not unsent else "error")
    return redirect(url_for(".people", public_id=cohort.public_id))


def _mail(issued: list[invitations.Issued]) -> int:
    """Mail each invitation; return how many could not be sent (they stay pending)."""
    unsent = 0
    for one in issued:
        try:
            invitations.send(
                one, mailer=current_app.extensions["mailer"], inviter_name=current_user.name,
                link_for=lambda token: public_url("invitations.show", token=token),
            )  # fmt: skip
        except Exception:
            logger.exception("roster invitation %s was not mailed", one.invitation.public_id)
            unsent += 1
    return unsent


def _imported(applied: rosters.Applied, unsent: int) -> str:
    totals = applied.totals
    parts = [
        f"{totals[key]} {words}"
        for key, words in (
            (rosters.ENROL, "enrolled"),
            (rosters.INVITE, "invited by email"),
            (rosters.SPONSOR, "given their employer"),
            (rosters.ENROLLED, "already enrolled"),
            (rosters.INVITED, "already invited"),
            (rosters.ERROR, "rows with errors not imported"),
        )
        if totals.get(key)
    ]
    head = "Roster imported" if applied.changes else "Nothing changed"
    tail = f" {unsent} invitation emails could not be sent; see the server log." if unsent else ""
    return f"{head}: {', '.join(parts)}.{tail}"


@bp.get("/cohorts/<public_id>/roster/template.csv")
@login_required
def roster_template(public_id: str):
    _managed(public_id)
    return Response(
        rosters.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="roster-template.csv"'},
    )


# -- People -------------------------------------------------------------------------------------


@bp.get("/cohorts/<public_id>/people")
@login_required
def people(public_id: str):
    cohort = _taught(public_id)
    manage = policy.can_manage_cohorts(current_user, cohort.host)
    teaching = {u.id for u in cohorts.instructors(cohort)}
    adding = InstructorForm()
    adding.instructor.choices = [
        (u.public_id, u.name) for u in cohorts.instructor_candidates(cohort.host)
        if u.id not in teaching
    ]  # fmt: skip
    return render_template(
        "cohorts/people.html", cohort=cohort, manage=manage, learners=cohorts.learners(cohort),
        instructors=cohorts.instructors(cohort), invitations=cohorts.pending_invitations(cohort),
        adding=adding, form=ConfirmForm(), code_form=JoinCodeForm(), joined_via=JOINED_VIA,
        now=utcnow(), can_move=bool(_move_targets(cohort)),
    )  # fmt: skip


@bp.get("/cohorts/<public_id>/people.csv")
@login_required
def people_csv(public_id: str):
    cohort = _taught(public_id)
    return Response(
        rosters.learners_csv(cohorts.learners(cohort)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="cohort-{cohort.public_id}.csv"'},
    )


@bp.post("/cohorts/<public_id>/people/<user_public_id>/withdraw")
@login_required
def withdraw(public_id: str, user_public_id: str):
    cohort = _taught(public_id)
    member = cohorts.learner(cohort, user_public_id)
    if ConfirmForm().validate_on_submit():
        try:
            cohorts.withdraw(member, actor=current_user, now=utcnow())
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"{member.user.name} is withdrawn from {cohort.name}. Their work stays "
                  "theirs.", "success")  # fmt: skip
    return redirect(url_for(".people", public_id=cohort.public_id))


def _move_targets(cohort: Cohort) -> list[Cohort]:
    """Cohorts the current user may move a learner of *cohort* to: the host's others they
    teach too."""
    return [c for c in cohorts.move_targets(cohort) if policy.can_teach_cohort(current_user, c)]


@bp.route("/cohorts/<public_id>/people/<user_public_id>/move", methods=["GET", "POST"])
@login_required
def move(public_id: str, user_public_id: str):
    cohort = _taught(public_id)
    member = cohorts.learner(cohort, user_public_id)
    form = MoveForm()
    form.target.choices = [(c.public_id, c.name) for c in _move_targets(cohort)]
    if form.validate_on_submit():
        try:
            target = next(c for c in _move_targets(cohort) if c.public_id == form.target.data)
            cohorts.move(member, target, actor=current_user, now=utcnow())
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        except Conflict as exc:
            db.session.rollback()
            form.target.errors = [*form.target.errors, str(exc)]
        else:
            db.session.commit()
            flash(f"{member.user.name} moved to {target.name}.", "success")
            return redirect(url_for(".people", public_id=cohort.public_id))
    return render_template("cohorts/move.html", cohort=cohort, member=member, form=form), _status()


@bp.post("/cohorts/<public_id>/instructors")
@login_required
def add_instructor(public_id: str):
    cohort = _managed(public_id)
    form = InstructorForm()
    form.instructor.choices = [
        (u.public_id, u.name) for u in cohorts.instructor_candidates(cohort.host)
    ]
    if form.validate_on_submit():
        user = next(u for u in cohorts.instructor_candidates(cohort.host)
                    if u.public_id == form.instructor.data)  # fmt: skip
        try:
            cohorts.add_instructor(cohort, user, actor=current_user, now=utcnow())
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"{user.name} now teaches {cohort.name}.", "success")
    else:
        flash("Choose one of the host's instructors.", "error")
    return redirect(url_for(".people", public_id=cohort.public_id))


@bp.post("/cohorts/<public_id>/instructors/<user_public_id>/remove")
@login_required
def remove_instructor(public_id: str, user_public_id: str):
    cohort = _managed(public_id)
    if ConfirmForm().validate_on_submit():
        user = cohorts.remove_instructor(cohort, user_public_id, actor=current_user, now=utcnow())
        db.session.commit()
        flash(f"{user.name} no longer teaches {cohort.name}.", "success")
    return redirect(url_for(".people", public_id=cohort.public_id))


@bp.post("/cohorts/<public_id>/join-code")
@login_required
def change_join_code(public_id: str):
    cohort = _managed(public_id)
    form = JoinCodeForm()
    if not form.validate_on_submit() or form.action.data not in ("regenerate", "off"):
        abort(400)
    if form.action.data == "off":
        cohorts.disable_code(cohort, actor=current_user, now=utcnow())
        message = "Joining by code is off. The old code and link no longer work."
    else:
        code = cohorts.regenerate_code(cohort, actor=current_user, now=utcnow())
        message = f"The new join code is {code}. The old code and link no longer work."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".people", public_id=cohort.public_id))


# -- Due dates ----------------------------------------------------------------------------------


@bp.route("/cohorts/<public_id>/due-dates", methods=["GET", "POST"], endpoint="due_dates")
@login_required
def due_dates_page(public_id: str):
    cohort = _taught(public_id)
    offered = due_dates.items(cohort.course)
    errors: dict[str, str] = {}
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        dates, errors = due_dates.read_form(offered, request.form)
        if not errors:
            changed = due_dates.update(cohort, dates, actor=current_user, now=utcnow())
            db.session.commit()
            flash(f"Due dates saved ({changed} changed)." if changed else "Nothing changed.",
                  "success")  # fmt: skip
            return redirect(url_for(".due_dates", public_id=cohort.public_id))
    current = due_dates.of_cohort(cohort)
    values = {
        item.field: request.form.get(item.field, "") if request.method == "POST"
        else (current[item.key].date().isoformat() if item.key in current else "")
        for item in offered
    }  # fmt: skip
    return render_template(
        "cohorts/due_dates.html", cohort=cohort, items=offered, values=values, errors=errors,
        form=ConfirmForm(),
    ), 422 if errors else 200  # fmt: skip

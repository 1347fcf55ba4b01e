"""Registered apprenticeship pages: the apprentice's record and OJL log, the mentor's sign-off
queue, enrolment by program staff, and the printable record for the sponsor's files.

Handlers are thin: ``services.apprenticeships`` does the work, ``app.policy`` decides who may.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policy
from app.content.programs import Program
from app.database import latest_today, utcnow
from app.domain import ojl
from app.domain.roles import Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Apprenticeship, OjlEntry, User
from app.services import (
    apprenticeship_progress,
    memberships,
    programs,
    record_pdf,
    rti,
)
from app.services import apprenticeships as service
from app.services import employers as employer_service
from app.web import awarding
from app.web.access import require
from app.web.forms import attach_error
from app.web.forms.apprenticeship import (
    AttendanceForm,
    EnrolForm,
    OjlEntryForm,
    ReviewForm,
    WithdrawForm,
)

bp = Blueprint("apprenticeship", __name__)


def _root() -> Path:
    return Path(current_app.config["CURRICULUM_ROOT"])


def _enrolment(enrolment_id: str) -> Apprenticeship:
    enrolment = db.session.scalar(
        select(Apprenticeship).where(Apprenticeship.public_id == enrolment_id)
    )
    if enrolment is None:
        raise NotFound("There is no such apprenticeship.")
    require(policy.can_view_apprenticeship(current_user, enrolment))
    return enrolment


def _entry(entry_id: str) -> OjlEntry:
    entry = db.session.scalar(select(OjlEntry).where(OjlEntry.public_id == entry_id))
    if entry is None:
        raise NotFound("There is no such entry.")
    require(policy.can_view_apprenticeship(current_user, entry.apprenticeship))
    return entry


def _program(enrolment: Apprenticeship) -> Program:
    return programs.get(_root(), enrolment.program_id)


# -- the apprentice -----------------------------------------------------------------------------


@bp.get("/apprenticeship")
@login_required
def mine():
    """The signed-in apprentice's apprenticeship (or the list, if enrolled in several)."""
    enrolments = service.of_apprentice(current_user)
    if len(enrolments) == 1:
        return redirect(url_for(".overview", enrolment_id=enrolments[0].public_id))
    return render_template("apprenticeship/mine.html", enrolments=enrolments)


@bp.get("/apprenticeships/<enrolment_id>")
@login_required
def overview(enrolment_id: str):
    enrolment = _enrolment(enrolment_id)
    program = _program(enrolment)
    return render_template(
        "apprenticeship/overview.html",
        enrolment=enrolment,
        program=program,
        standing=apprenticeship_progress.standing(enrolment, program, today=latest_today()),
        entries=service.entries(enrolment),
        attendance=rti.of_apprentice(enrolment.apprentice_id),
        processes={wp.id: wp.title for wp in program.work_processes},
    )


def _entry_form(program: Program, form: OjlEntryForm) -> OjlEntryForm:
    form.work_process.choices = [("", "Choose…")] + [
        (wp.id, wp.title) for wp in program.work_processes
    ]
    form.competencies.choices = [(c, c) for c in program.competencies()]
    return form


def _draft(form: OjlEntryForm) -> ojl.Draft:
    return ojl.Draft(
        work_date=form.work_date.data or "",
        hours=form.hours.data or "",
        work_process=form.work_process.data or "",
        competencies=tuple(form.competencies.data or ()),
        description=form.description.data or "",
    )


@bp.route("/apprenticeships/<enrolment_id>/log", methods=["GET", "POST"])
@login_required
def log_hours(enrolment_id: str):
    enrolment = _enrolment(enrolment_id)
    require(policy.can_log_hours(current_user, enrolment))
    program = _program(enrolment)
    form = _entry_form(program, OjlEntryForm())
    if request.method == "GET":
        form.work_date.data = latest_today().isoformat()
    if form.validate_on_submit():
        try:
            entry = service.log(
                enrolment,
                program,
                _draft(form),
                by=current_user,
                today=latest_today(),
                now=utcnow(),
            )
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            who = enrolment.mentor.name if enrolment.mentor else "your mentor, once assigned,"
            flash(f"Logged {ojl.hours_text(entry.minutes)}. {who} signs it off.", "success")
            return redirect(url_for(".overview", enrolment_id=enrolment.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "apprenticeship/log.html", enrolment=enrolment, program=program, form=form, entry=None,
        titles=programs.competency_titles(program),
    ), status  # fmt: skip


@bp.route("/ojl/<entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: str):
    entry = _entry(entry_id)
    enrolment = entry.apprenticeship
    require(policy.can_log_hours(current_user, enrolment))
    program = _program(enrolment)
    form = _entry_form(program, OjlEntryForm())
    if request.method == "GET":
        form.work_date.data = entry.work_date.isoformat()
        form.hours.data = f"{entry.minutes // 60}:{entry.minutes % 60:02d}"
        form.work_process.data = entry.work_process
        form.competencies.data = list(entry.competencies or [])
        form.description.data = entry.description
        form.version.data = str(entry.version)
    if form.validate_on_submit():
        try:
            service.edit(
                entry, program, _draft(form), by=current_user, version=_version(form.version.data),
                today=latest_today(), now=utcnow(),
            )  # fmt: skip
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".entry", entry_id=entry.public_id))
        else:
            db.session.commit()
            flash("Entry corrected. Your mentor signs it off again.", "success")
            return redirect(url_for(".overview", enrolment_id=enrolment.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "apprenticeship/log.html", enrolment=enrolment, program=program, form=form, entry=entry,
        titles=programs.competency_titles(program),
    ), status  # fmt: skip


@bp.post("/ojl/<entry_id>/withdraw")
@login_required
def withdraw_entry(entry_id: str):
    entry = _entry(entry_id)
    require(policy.can_log_hours(current_user, entry.apprenticeship))
    form = WithdrawForm()
    if not form.validate_on_submit():
        raise InvalidInput("version", "Reload the page and try again.")
    service.withdraw(entry, by=current_user, version=_version(form.version.data), now=utcnow())
    db.session.commit()
    flash("Entry withdrawn: its hours no longer count.", "info")
    return redirect(url_for(".overview", enrolment_id=entry.apprenticeship.public_id))


@bp.get("/ojl/<entry_id>")
@login_required
def entry(entry_id: str):
    found = _entry(entry_id)
    program = _program(found.apprenticeship)
    return render_template(
        "apprenticeship/entry.html",
        entry=found,
        enrolment=found.apprenticeship,
        processes={wp.id: wp.title for wp in program.work_processes},
        history=service.history(found),
        withdraw=WithdrawForm(version=str(found.version)),
        review=ReviewForm(version=str(found.version)),
    )


# -- the mentor ---------------------------------------------------------------------------------


@bp.get("/sign-off")
@login_required
def sign_off():
    require(policy.can_view_sign_off_queue(current_user))
    waiting = service.queue(current_user)
    apprentices = service.supervised_by(current_user)
    enrolments = apprentices + [e.apprenticeship for e in waiting]
    names = {e.program_id: _program_title(e) for e in enrolments}
    return render_template(
        "apprenticeship/sign_off.html",
        waiting=waiting,
        apprentices=apprentices,
        program_titles=names,
        processes=_process_titles([e.apprenticeship for e in waiting]),
        form=ReviewForm(),
    )


def _program_title(enrolment: Apprenticeship) -> str:
    try:
        return _program(enrolment).title
    except NotFound:
        return enrolment.program_id


def _process_titles(enrolments: list[Apprenticeship]) -> dict[str, dict[str, str]]:
    titles: dict[str, dict[str, str]] = {}
    for enrolment in enrolments:
        if enrolment.program_id not in titles:
            try:
                program = _program(enrolment)
            except NotFound:
                titles[enrolment.program_id] = {}
                continue
            titles[enrolment.program_id] = {wp.id: wp.title for wp in program.work_processes}
    return titles


@bp.post("/ojl/<entry_id>/review")
@login_required
def review_entry(entry_id: str):
    entry = _entry(entry_id)
    require(policy.can_sign_off(current_user, entry.apprenticeship))
    form = ReviewForm()
    decision = request.form.get("decision", "")
    back = request.form.get("back") == "entry"
    target = url_for(".entry", entry_id=entry.public_id) if back else url_for(".sign_off")
    if not form.validate_on_submit():
        flash("Reload the page and try again.", "error")
        return redirect(target)
    try:
        service.review(
            entry, decision, form.comment.data or "", by=current_user,
            version=_version(form.version.data), now=utcnow(),
            program=_program(entry.apprenticeship),
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, InvalidInput) else str(exc)
        flash(f"Not signed off: {message}", "error")
        return redirect(url_for(".entry", entry_id=entry.public_id))
    db.session.commit()
    awarding.after_progress(entry.apprenticeship.apprentice_id)
    name = entry.apprenticeship.apprentice.name
    done = "Approved" if decision == ojl.APPROVED else "Rejected"
    flash(f"{done}: {ojl.hours_text(entry.minutes)} of {name} on {entry.work_date}.", "success")
    return redirect(target)


# -- program staff ------------------------------------------------------------------------------


@bp.route("/apprenticeships/new", methods=["GET", "POST"])
@login_required
def enrol():
    require(policy.can_enrol_apprentices(current_user))
    form = EnrolForm()
    offered = programs.catalog(_root())
    candidates, mentors = _people(Role.APPRENTICE), _people(Role.MENTOR)
    form.apprentice.choices = [(u.id, f"{u.name} ({u.email})") for u in candidates]
    form.mentor.choices = [(u.id, f"{u.name} ({u.email})") for u in mentors]
    form.program.choices = [(p.id, p.title) for p in offered.values()]
    everyone = policy.is_platform_admin(current_user)
    employers = {o.id: o for o in employer_service.choosable_by(current_user, everyone=everyone)}
    form.employer.choices = [(o.id, o.name) for o in employers.values()]
    if request.method == "GET":
        form.start_date.data = latest_today()
        if current_user.organization_id in employers:
            form.employer.data = current_user.organization_id
    if form.validate_on_submit():
        apprentice = db.session.get(User, form.apprentice.data)
        mentor = db.session.get(User, form.mentor.data)
        require(policy.can_enrol(current_user, apprentice))
        try:
            enrolment = service.enrol(
                apprentice, offered[form.program.data], mentor=mentor,
                employer=employers[form.employer.data], start_date=form.start_date.data,
                by=current_user, today=latest_today(), now=utcnow(),
            )  # fmt: skip
        except (InvalidInput, Conflict) as exc:
            db.session.rollback()
            if isinstance(exc, InvalidInput):
                attach_error(form, exc)
            else:
                form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{apprentice.name} is enrolled; {mentor.name} is their mentor.", "success")
            return redirect(url_for(".overview", enrolment_id=enrolment.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template("apprenticeship/enrol.html", form=form, empty=not offered), status


def _people(role: Role) -> list[User]:
    """Active people of *role* the signed-in staff member may enrol or assign."""
    query = select(User).where(User.active.is_(True)).order_by(User.name)
    if policy.is_platform_admin(current_user):
        return list(db.session.scalars(query.where(User.role == role)))
    orgs = policy.orgs_where(current_user, policy.ENROLLERS)
    query = query.where(User.id.in_(memberships.people_in(orgs, role=role)))
    return list(db.session.scalars(query))


# -- related instruction -------------------------------------------------------------------------


@bp.route("/apprenticeships/<enrolment_id>/attendance", methods=["GET", "POST"])
@login_required
def record_attendance(enrolment_id: str):
    enrolment = _enrolment(enrolment_id)
    require(policy.can_record_attendance(current_user, enrolment))
    program = _program(enrolment)
    form = AttendanceForm()
    form.course.choices = [(line.course, line.title) for line in program.instruction if line.course]
    if request.method == "GET":
        form.session_date.data = latest_today().isoformat()
    if form.validate_on_submit():
        try:
            session = rti.record(
                enrolment, program, course=form.course.data, session_date=form.session_date.data,
                hours=form.hours.data, topic=form.topic.data, by=current_user, today=latest_today(),
                now=utcnow(),
            )  # fmt: skip
        except InvalidInput as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            given = ojl.hours_text(session.minutes)
            flash(f"Recorded {given} of instruction for {enrolment.apprentice.name}.", "success")
            return redirect(url_for(".overview", enrolment_id=enrolment.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "apprenticeship/attendance.html", enrolment=enrolment, program=program, form=form
    ), status


# -- the record ----------------------------------------------------------------------------------


@bp.get("/apprenticeships/<enrolment_id>/record")
@login_required
def record(enrolment_id: str):
    """The apprentice record for the sponsor's files: HTML that prints cleanly."""
    enrolment = _enrolment(enrolment_id)
    program = _program(enrolment)
    return render_template(
        "apprenticeship/record.html",
        enrolment=enrolment,
        program=program,
        standing=apprenticeship_progress.standing(enrolment, program, today=latest_today()),
        approved=[e for e in service.entries(enrolment) if e.status == ojl.APPROVED],
        processes={wp.id: wp.title for wp in program.work_processes},
        printed=utcnow(),
    )


@bp.get("/apprenticeships/<enrolment_id>/record.pdf")
@login_required
def record_pdf_file(enrolment_id: str):
    """The same record as a PDF file, for the sponsor's files."""
    enrolment = _enrolment(enrolment_id)
    program = _program(enrolment)
    try:
        pdf = record_pdf.build(
            enrolment, program,
            apprenticeship_progress.standing(enrolment, program, today=latest_today()),
            [e for e in service.entries(enrolment) if e.status == ojl.APPROVED],
            processes={wp.id: wp.title for wp in program.work_processes},
            printed=utcnow(),
        )  # fmt: skip
    except record_pdf.PdfUnavailable as exc:
        flash(str(exc), "error")
        return redirect(url_for(".record", enrolment_id=enrolment.public_id))
    name = f"apprentice-record-{enrolment.id}-{latest_today().isoformat()}.pdf"
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _version(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise InvalidInput("version", "Reload the page and try again.") from None

"""The lab workspace: a learner's own notebook, run in their own kernel, saved as they type.

Every learner URL names a course, lesson and lab, never a workspace id: the workspace is
always the signed-in learner's own, so no other learner's work can be reached from here.
"""

from __future__ import annotations

import json
import time

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from app import engine, policy
from app.database import utcnow
from app.errors import BadRequest, Conflict, InvalidInput, NotFound
from app.extensions import db
from app.services import courses, lab_feedback, lab_submissions, lab_workspaces
from app.web.access import require

bp = Blueprint("labs", __name__)
LAB = "/courses/<slug>/lessons/<lesson_slug>/labs/<lab_id>"
STREAM_SECONDS = 25.0  # a stream ends after this; the browser reconnects where it left off


@bp.get(LAB)
@login_required
def workspace(slug: str, lesson_slug: str, lab_id: str):
    """The workspace page; a GET writes nothing (the first POST makes the workspace)."""
    course, lesson, lab = _lab(slug, lesson_slug, lab_id)
    found = lab_workspaces.find(current_user, lab.id)
    kernel, events_after = _kernel_view(found.id if found else None)
    space = lab_workspaces.as_opened(
        current_user, lab, found, now=utcnow(), secret=current_app.secret_key
    )
    if found is not None and found.lab_version != lab.version and _first_notice(lab):
        flash("This lab has been updated since you last opened it. Your answers were kept.")
    attempts = lab_submissions.attempts(current_user, lab.id)
    lab_engine = engine.current()
    lab_engine.opened(lab, space.seed)  # its reference is ready by the time they submit
    return render_template(
        "labs/workspace.html",
        course=course,
        lesson=lesson,
        lab=lab,
        space=space,
        cells=lab_workspaces.cells(space),
        attempts=attempts,
        feedback=lab_feedback.for_workspace(current_user, lab, attempts),
        kernel=kernel,
        events_after=events_after,
    )


def _kernel_view(workspace_id: int | None) -> tuple[str, int]:
    """The kernel's status and the event number a page loaded now follows from."""
    if workspace_id is None:
        return "none", 0
    _let_go_of_the_database()
    lab_engine = engine.current()
    return lab_engine.kernel_status(workspace_id), lab_engine.follow_from(workspace_id)


def _let_go_of_the_database() -> None:
    """Commit and hand this request's connection back to the pool before it waits on the
    kernels' machine.

    Under load a kernel host can take seconds to answer; a request holding a connection
    meanwhile keeps it from every other page (the pool has a few per process, and a page
    that waits 30 s for one fails). Whatever is read after this loads again on a short
    checkout of its own, so callers take the ids they need first.
    """
    db.session.commit()


def _first_notice(lab) -> bool:
    """Whether this browser has not yet been told of this version of *lab* (kept in the
    session cookie, since a GET writes nothing to the database)."""
    noticed = dict(session.get("lab_notices") or {})
    if noticed.get(lab.id) == lab.version:
        return False
    noticed[lab.id] = lab.version
    session["lab_notices"] = noticed
    return True


@bp.post(f"{LAB}/save")
@login_required
def save(slug: str, lesson_slug: str, lab_id: str):
    lab, space = _workspace(slug, lesson_slug, lab_id)
    body = _json()
    lab_workspaces.save(
        space, lab, body.get("cells") or {}, base_revision=_int(body, "revision"), now=utcnow()
    )
    db.session.commit()
    return {"revision": space.revision, "saved_at": space.updated_at.isoformat()}


@bp.post(f"{LAB}/cells")
@login_required
def add_cell(slug: str, lesson_slug: str, lab_id: str):
    """Add a scratch cell of the learner's own: ``{kind, after, revision[, source]}``."""
    lab, space = _workspace(slug, lesson_slug, lab_id)
    body = _json()
    after = body.get("after")
    if after is not None and not isinstance(after, str):
        raise InvalidInput("after", "'after' names a cell, or is null for the top.")
    source = body.get("source", "")
    if not isinstance(source, str):
        raise InvalidInput("source", "The source of a cell is text.")
    cell_id = lab_workspaces.add_cell(
        space,
        lab,
        kind=str(body.get("kind", "")),
        after=after,
        base_revision=_int(body, "revision"),
        now=utcnow(),
        source=source,
    )
    db.session.commit()
    _cells_changed(space, body)
    return {"revision": space.revision, "cell": cell_id}, 201


@bp.post(f"{LAB}/cells/delete")
@login_required
def delete_cell(slug: str, lesson_slug: str, lab_id: str):
    lab, space = _workspace(slug, lesson_slug, lab_id)
    body = _json()
    lab_workspaces.delete_cell(
        space, lab, str(body.get("cell", "")), base_revision=_int(body, "revision"), now=utcnow()
    )
    db.session.commit()
    _cells_changed(space, body)
    return {"revision": space.revision}


@bp.post(f"{LAB}/cells/render")
@login_required
def render_cell(slug: str, lesson_slug: str, lab_id: str):
    """A saved scratch Markdown cell as HTML (the page shows it in place of the editor)."""
    _, space = _saved_workspace(slug, lesson_slug, lab_id)
    return {"html": str(lab_workspaces.markdown_html(space, str(_json().get("cell", ""))))}


def _cells_changed(space, body: dict) -> None:
    """Tell the workspace's other open pages that cells were added or deleted (the page that
    asked, named by ``page`` in its request, knows already)."""
    page = body.get("page")
    event = {"type": "cells", "revision": space.revision, "page": str(page)[:64] if page else ""}
    engine.current().publish(space.id, event)


@bp.post(f"{LAB}/complete")
@login_required
def complete(slug: str, lesson_slug: str, lab_id: str):
    """Tab: completions from the learner's kernel for ``{code, cursor}`` (code points)."""
    workspace_id, code, cursor = _kernel_question(slug, lesson_slug, lab_id)
    _let_go_of_the_database()
    return engine.current().complete(workspace_id, code, cursor)


@bp.post(f"{LAB}/inspect")
@login_required
def inspect(slug: str, lesson_slug: str, lab_id: str):
    """Shift+Tab: the kernel's help for the name at ``cursor`` in ``code``."""
    workspace_id, code, cursor = _kernel_question(slug, lesson_slug, lab_id)
    _let_go_of_the_database()
    return engine.current().inspect(workspace_id, code, cursor)


def _kernel_question(slug: str, lesson_slug: str, lab_id: str) -> tuple[int | None, str, int]:
    """The learner's workspace id (None before it exists), and the code and cursor asked
    about; InvalidInput if they are not text and a position within it."""
    _, space = _saved_workspace(slug, lesson_slug, lab_id, missing_ok=True)
    body = _json()
    code, cursor = body.get("code"), _int(body, "cursor")
    if not isinstance(code, str) or len(code) > lab_workspaces.MAX_SOURCE_CHARS:
        raise InvalidInput("code", "Send the cell's code as text.")
    if not 0 <= cursor <= len(code):
        raise InvalidInput("cursor", "The cursor must be within the code.")
    return (space.id if space else None), code, cursor


@bp.post(f"{LAB}/run")
@login_required
def run(slug: str, lesson_slug: str, lab_id: str):
    lab, space = _workspace(slug, lesson_slug, lab_id)
    cells = _json().get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise InvalidInput("cells", "Send the ids of the cells to run.")
    db.session.flush()  # a first run makes the workspace its outputs are saved to
    workspace_id, seed, code = space.id, space.seed, lab_workspaces.code_of(space, cells)
    _let_go_of_the_database()
    engine.current().run_cells(workspace_id, seed, code, lab=lab)
    return {"queued": cells}, 202


@bp.post(f"{LAB}/widget")
@login_required
def widget(slug: str, lesson_slug: str, lab_id: str):
    """A message from a widget in the page to its model in the kernel:
    ``{cell, comm_id, data, buffers}`` (app.sandbox.widgets.from_page); 409 while a cell runs."""
    _, space = _saved_workspace(slug, lesson_slug, lab_id, missing_ok=True)
    body = _json()
    cell_id = body.get("cell")
    if space is None or not any(c.id == cell_id for c in lab_workspaces.cells(space)):
        raise InvalidInput("cell", "Name the cell that shows the widget.")
    workspace_id = space.id
    _let_go_of_the_database()
    engine.current().send_widget(workspace_id, cell_id, body)
    return {"sent": True}, 202


@bp.post(f"{LAB}/interrupt")
@login_required
def interrupt(slug: str, lesson_slug: str, lab_id: str):
    _, space = _saved_workspace(slug, lesson_slug, lab_id, missing_ok=True)
    if space is None:  # nothing ever ran: nothing to stop, and nothing to make
        return {"kernel": "none"}
    workspace_id = space.id
    _let_go_of_the_database()
    return {"kernel": engine.current().interrupt(workspace_id)}


@bp.post(f"{LAB}/restart")
@login_required
def restart(slug: str, lesson_slug: str, lab_id: str):
    _, space = _workspace(slug, lesson_slug, lab_id)
    db.session.flush()
    workspace_id, seed = space.id, space.seed
    _let_go_of_the_database()
    return {"kernel": engine.current().restart(workspace_id, seed)}


@bp.post(f"{LAB}/reset-cell")
@login_required
def reset_cell(slug: str, lesson_slug: str, lab_id: str):
    lab, space = _workspace(slug, lesson_slug, lab_id)
    cell_id = str(_json().get("cell", ""))
    lab_workspaces.reset_cell(space, lab, cell_id, now=utcnow())
    db.session.commit()
    source = next(c.source for c in lab_workspaces.cells(space) if c.id == cell_id)
    return {"revision": space.revision, "source": source}


@bp.post(f"{LAB}/clear-outputs")
@login_required
def clear_outputs(slug: str, lesson_slug: str, lab_id: str):
    """Forget saved outputs: of the cells listed in ``cells``, or of every cell without it."""
    _, space = _workspace(slug, lesson_slug, lab_id)
    cells = _json().get("cells")
    if cells is not None and (
        not isinstance(cells, list) or not all(isinstance(c, str) for c in cells)
    ):
        raise InvalidInput("cells", "Send the ids of the cells to clear.")
    cells = list(dict.fromkeys(cells)) if cells is not None else None  # each id once
    lab_workspaces.clear_outputs(space, cells)
    db.session.commit()
    engine.current().publish(space.id, {"type": "cleared", "cells": cells})  # other tabs too
    return {"cleared": cells}


@bp.get(f"{LAB}/events")
@login_required
def events(slug: str, lesson_slug: str, lab_id: str):
    """The polling fallback of ``stream``: events after ``?after=N`` and the kernel status.

    Before the learner's workspace exists it answers ``saved: false`` and no events, so a
    page opened then learns when another tab of theirs has made it.
    """
    _, space = _saved_workspace(slug, lesson_slug, lab_id, missing_ok=True)
    if space is None:
        return {"events": [], "kernel": "none", "saved": False}
    after = request.args.get("after", 0, type=int)
    workspace_id = space.id
    _let_go_of_the_database()
    lab_engine = engine.current()
    batch = lab_engine.events_since(workspace_id, after)
    return {"events": [[n, e] for n, e in batch], "kernel": lab_engine.kernel_status(workspace_id)}


@bp.get(f"{LAB}/stream")
@login_required
def stream(slug: str, lesson_slug: str, lab_id: str):
    """Server-Sent Events: the workspace's run events, and the kernel status as it changes."""
    _, space = _saved_workspace(slug, lesson_slug, lab_id)
    raw = request.headers.get("Last-Event-ID") or request.args.get("after", "0")
    after = int(raw) if raw.isdigit() else 0  # anything else: follow from the start
    lab_engine, workspace_id = engine.current(), space.id
    db.session.remove()  # the stream holds no database connection while it waits
    return _event_stream(lab_engine, workspace_id, after)


@bp.post(f"{LAB}/submit")
@login_required
def submit(slug: str, lesson_slug: str, lab_id: str):
    lab, space = _workspace(slug, lesson_slug, lab_id)
    course = courses.get_course(slug)  # its framework is the one the grade is evidence in
    try:
        submission = lab_submissions.submit_workspace(
            current_user, lab, space, now=utcnow(), course=course
        )
    except Conflict as exc:
        if request.is_json:
            raise
        flash(f"Not submitted: {exc}", "error")
        return redirect(url_for(".workspace", slug=slug, lesson_slug=lesson_slug, lab_id=lab_id))
    db.session.commit()
    engine.current().submitted(submission.id)
    url = url_for("lab_attempts.attempt", public_id=submission.public_id)
    if request.is_json:
        return {"attempt": submission.attempt, "url": url}, 201
    return redirect(url)


@bp.post(f"{LAB}/upload")
@login_required
def upload(slug: str, lesson_slug: str, lab_id: str):
    lab, space = _workspace(slug, lesson_slug, lab_id)
    back = redirect(url_for(".workspace", slug=slug, lesson_slug=lesson_slug, lab_id=lab_id))
    file = request.files.get("notebook")
    try:
        if file is None or not file.filename:
            raise InvalidInput("notebook", "Choose a .ipynb file to upload.")
        changed = lab_workspaces.upload(space, lab, file.read(), now=utcnow())
    except InvalidInput as exc:
        if request.accept_mimetypes.best == "application/json":
            raise
        flash(f"Not uploaded: {exc.message} Your saved work is unchanged.", "error")
        return back
    db.session.commit()
    flash(f"Notebook uploaded: {changed} answer cell(s) changed. Run the cells to see outputs.")
    return back


@bp.get(f"{LAB}/notebook.ipynb")
@login_required
def download(slug: str, lesson_slug: str, lab_id: str):
    _, _, lab = _lab(slug, lesson_slug, lab_id)
    found = lab_workspaces.find(current_user, lab.id)
    space = lab_workspaces.as_opened(
        current_user, lab, found, now=utcnow(), secret=current_app.secret_key
    )
    response = Response(lab_workspaces.download(space), mimetype="application/x-ipynb+json")
    response.headers["Content-Disposition"] = f'attachment; filename="{lab_id}.ipynb"'
    return response


def _event_stream(lab_engine: engine.LabEngine, workspace_id: int, after: int) -> Response:
    def generate():
        yield "retry: 2000\n\n"
        kernel, deadline, last = None, time.monotonic() + STREAM_SECONDS, after
        while time.monotonic() < deadline:
            batch = lab_engine.events_since(workspace_id, last, wait=5.0)
            for number, event in batch:
                yield f"id: {number}\ndata: {json.dumps(event)}\n\n"
                last = number
            status = lab_engine.kernel_status(workspace_id)
            if status != kernel:
                kernel = status
                yield f"event: kernel\ndata: {json.dumps({'status': status})}\n\n"
            if not batch:
                yield ": still here\n\n"
        # The stream ends on purpose (so no request holds a thread for long): the page opens
        # the next one at once, where it left off, rather than after the retry delay that
        # a broken connection waits.
        yield "event: again\ndata: {}\n\n"

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass events on as they come
    return response


def _lab(slug: str, lesson_slug: str, lab_id: str):
    course = courses.get_course(slug)
    require(policy.can_read_lesson(current_user, course))
    lesson = courses.get_lesson(course, lesson_slug)
    if lab_id not in {lab["id"] for lab in lesson.labs}:
        raise NotFound("This lesson has no such lab.")
    lab = engine.current().lab(lab_id)
    return course, lesson, lab


def _workspace(slug: str, lesson_slug: str, lab_id: str):
    """The lab and the learner's workspace, made (or moved to the lab's version) if need be.

    Only POSTs call this: a GET never writes (see ``_saved_workspace``).
    """
    _, _, lab = _lab(slug, lesson_slug, lab_id)
    space = lab_workspaces.open_workspace(
        current_user, lab, now=utcnow(), secret=current_app.secret_key
    )
    require(policy.can_use_workspace(current_user, space.user_id))
    return lab, space


def _saved_workspace(slug: str, lesson_slug: str, lab_id: str, *, missing_ok: bool = False):
    """The lab and the learner's saved workspace as it is, never made here (GETs, interrupt);
    NotFound if none yet (None with *missing_ok*)."""
    _, _, lab = _lab(slug, lesson_slug, lab_id)
    space = lab_workspaces.find(current_user, lab.id)
    if space is None and missing_ok:
        return lab, None
    if space is None:
        raise NotFound("This lab has no saved work of yours yet: run or edit a cell first.")
    require(policy.can_use_workspace(current_user, space.user_id))
    return lab, space


def _json() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("Send a JSON object.")
    return body


def _int(body: dict, name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(name, f"'{name}' must be a whole number.")
    return value

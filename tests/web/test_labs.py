"""The lab workspace over HTTP: open, save, run, reset, download, upload and submit.

Cells "run" in FakeSessions (or a stub of them), so these tests are about the pages and
their rules, not about kernels. Every learner URL names a lab, never a workspace id.
"""

from __future__ import annotations

import html
import io
import json
import re
import threading

import nbformat
import pytest
from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import Course, LabSubmission, LabWorkspace
from app.sandbox.base import CellResult, Output
from app.sandbox.sessions import FakeSessions
from app.services import lab_workspaces
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.sandbox.labs_fixture import HIDDEN_CASES, HONEST, source_notebook, submission
from tests.waiting import poll, read_events

LESSON = "/courses/demo-course/lessons/demo-second"
LAB = f"{LESSON}/labs/lab-availability"
JSON = {"Accept": "application/json"}
STARTING = "raise NotImplementedError()"
POSTS = [
    *("save", "run", "interrupt", "restart", "reset-cell", "clear-outputs"),
    *("cells", "cells/delete", "cells/render", "complete", "inspect", "submit", "upload"),
    "widget",
]


@pytest.fixture
def app(lab_app):
    return lab_app


def learner(app, client, **kwargs) -> int:
    with app.app_context():
        if kwargs.get("role", Role.APPRENTICE) is not Role.APPRENTICE and "org" not in kwargs:
            kwargs["org"] = factories.make_org()  # staff teach for an organization
        user = factories.make_user(**kwargs)
        db.session.commit()
        sign_in(client, user)
        return user.id


def open_lab(client) -> tuple[str, int]:
    """Open the workspace page; return its CSRF token and the revision it shows."""
    page = client.get(LAB)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return csrf_token(text), int(re.search(r'data-revision="(\d+)"', text).group(1))


def open_and_make(client) -> tuple[str, int]:
    """Open the workspace page and make the workspace (an empty save); token and revision."""
    token, revision = open_lab(client)
    assert post(client, token, "save", {"revision": revision, "cells": {}}).status_code == 200
    return token, revision + 1


def post(client, token, action, body=None):
    return client.post(f"{LAB}/{action}", json=body or {}, headers={"X-CSRFToken": token, **JSON})


def saved(app, user_id) -> LabWorkspace:
    with app.app_context():
        space = db.session.scalar(select(LabWorkspace).where(LabWorkspace.user_id == user_id))
        db.session.expunge(space)
        return space


def sources(space) -> dict[str, str]:
    return {c.get("id"): c.source for c in lab_workspaces.notebook(space).cells}


def events_until_done(client, cell_id: str, runs: int = 1) -> list[dict]:
    """Every event so far, once ``cell_id`` has finished ``runs`` times."""

    def fetch():
        found = [e for _, e in client.get(f"{LAB}/events?after=0").get_json()["events"]]
        done = sum(e["type"] == "done" and e["cell"] == cell_id for e in found)
        return found if done >= runs else None

    found = poll(fetch)
    assert found, f"cell {cell_id} never finished"
    return found


def sessions_of(app):
    return app.extensions["lab_engine"].runs.sessions


# Who may reach what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ""), ("GET", "/events"), ("GET", "/stream"), ("GET", "/notebook.ipynb")]
    + [("POST", f"/{action}") for action in POSTS],
)
def test_labs_anonymous_visitors_are_sent_to_sign_in(app, client, method, path):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.open(f"{LAB}{path}", method=method, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    with app.app_context():
        assert db.session.query(LabWorkspace).count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "/courses/demo-course/lessons/demo-first/labs/lab-availability",  # not in this lesson
        f"{LESSON}/labs/lab-nope",
        f"{LESSON}/labs/lab-demo",  # offered, but there is no such lab file
        "/courses/no-course/lessons/demo-second/labs/lab-availability",
        "/courses/demo-course/lessons/no-lesson/labs/lab-availability",
    ],
)
def test_labs_a_lab_the_lesson_does_not_offer_is_404(app, client, url):
    learner(app, client)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/notebook.ipynb").status_code == 404
    with app.app_context():
        assert db.session.query(LabWorkspace).count() == 0


def test_labs_a_draft_courses_lab_is_refused_to_learners(app, client):
    with app.app_context():
        db.session.scalar(select(Course)).published = False
        db.session.commit()
    learner(app, client)
    assert client.get(LAB).status_code == 403
    assert client.get(f"{LAB}/notebook.ipynb").status_code == 403
    with app.app_context():
        assert db.session.query(LabWorkspace).count() == 0
    learner(app, client, role=Role.INSTRUCTOR)  # authors may preview their drafts
    assert client.get(LAB).status_code == 200


def test_labs_each_learner_only_ever_reaches_their_own_workspace(app):
    one, two = app.test_client(), app.test_client()
    learner(app, one)
    token, revision = open_lab(one)
    first = post(one, token, "save", {"revision": revision, "cells": {"answer-oee": "ONE"}})
    assert first.status_code == 200
    learner(app, two)
    # Before their first save, the second learner has no workspace: they get the starting
    # notebook, never the first learner's, and no events.
    assert two.get(f"{LAB}/events").get_json() == {"events": [], "kernel": "none", "saved": False}
    assert two.get(f"{LAB}/stream").status_code == 404
    fresh = two.get(f"{LAB}/notebook.ipynb").get_data(as_text=True)
    assert "ONE" not in fresh and STARTING in fresh
    page = html.unescape(two.get(LAB).get_data(as_text=True))
    assert "ONE" not in page and STARTING in page
    token2, revision2 = open_lab(two)
    post(two, token2, "save", {"revision": revision2, "cells": {"answer-oee": "TWO"}})
    assert "ONE" in html.unescape(one.get(LAB).get_data(as_text=True))
    assert "TWO" not in html.unescape(one.get(LAB).get_data(as_text=True))
    with app.app_context():
        assert db.session.query(LabWorkspace).count() == 2


# Opening and saving ----------------------------------------------------------------------


def database_rows(app) -> dict[str, list]:
    """Every row of every table, to tell whether a request wrote anything."""
    with app.app_context():
        return {
            table.name: sorted(map(repr, db.session.execute(table.select()).all()))
            for table in db.metadata.sorted_tables
        }


def test_labs_first_visit_shows_the_starting_code_and_writes_nothing(app, client):
    """Does opening the workspace page (a GET) leave the database as it was?"""
    user_id = learner(app, client)
    before = database_rows(app)
    page = html.unescape(client.get(LAB).get_data(as_text=True))
    assert "Availability and OEE" in page
    assert STARTING in page and "def oee(a, p, q):" in page
    assert "shift = {'planned': 450" in page  # the given code, read-only
    assert "BEGIN SOLUTION" not in page and HIDDEN_CASES not in page
    assert "a * p * q" not in page  # the solution
    assert 'data-revision="1"' in page and 'data-saved="false"' in page
    client.get(LAB)
    client.get(f"{LAB}/notebook.ipynb")
    client.get(f"{LAB}/events")
    assert database_rows(app) == before

    # The first save makes the workspace, from the revision the page showed.
    token, revision = open_lab(client)
    reply = post(client, token, "save", {"revision": revision, "cells": {"answer-oee": "# a"}})
    assert reply.status_code == 200 and reply.get_json()["revision"] == revision + 1
    space = saved(app, user_id)
    assert sources(space)["answer-oee"] == "# a"
    assert space.seed == lab_workspaces.seed_for(user_id, "lab-availability", secret=app.secret_key)
    assert 'data-saved="true"' in client.get(LAB).get_data(as_text=True)
    before = database_rows(app)
    client.get(LAB)
    assert database_rows(app) == before


def test_labs_a_first_run_makes_the_workspace_and_runs_its_code(app, client):
    user_id = learner(app, client)
    token, _ = open_lab(client)
    assert post(client, token, "run", {"cells": ["answer-oee"]}).status_code == 202
    events_until_done(client, "answer-oee")
    assert saved(app, user_id).revision == 1
    ran = [
        code for key, code in sessions_of(app).ran if key == f"workspace-{saved(app, user_id).id}"
    ]
    assert STARTING in ran[-1]


def test_labs_an_updated_lab_says_so_once_and_keeps_the_answers(app, client, labs_root):
    learner(app, client)
    token, revision = open_lab(client)
    post(client, token, "save", {"revision": revision, "cells": {"answer-oee": "# mine"}})
    changed = source_notebook()
    changed.cells[1].source = "shift = {'planned': 480, 'run': 400}"
    nbformat.write(changed, labs_root / "lab-availability.ipynb")
    before = database_rows(app)
    page = html.unescape(client.get(LAB).get_data(as_text=True))
    assert "This lab has been updated since you last opened it. Your answers were kept." in page
    assert "'planned': 480" in page and "# mine" in page
    assert "has been updated" not in client.get(LAB).get_data(as_text=True)  # only once
    assert database_rows(app) == before  # moved onto the new version by the next POST
    shown = int(re.search(r'data-revision="(\d+)"', page).group(1))
    reply = post(client, token, "save", {"revision": shown, "cells": {"answer-oee": "# again"}})
    assert reply.status_code == 200
    again = html.unescape(client.get(LAB).get_data(as_text=True))
    assert "'planned': 480" in again and "# again" in again


def test_labs_save_counts_revisions_and_a_reload_shows_the_edit(app, client):
    user_id = learner(app, client)
    token, revision = open_lab(client)
    answer = HONEST["answer-oee"]
    response = post(client, token, "save", {"revision": revision, "cells": {"answer-oee": answer}})
    assert response.status_code == 200
    assert response.get_json()["revision"] == revision + 1
    assert sources(saved(app, user_id))["answer-oee"] == answer
    _, again = open_lab(client)
    assert again == revision + 1
    assert "return a * p * q" in html.unescape(client.get(LAB).get_data(as_text=True))


def test_labs_a_stale_revision_is_409_and_overwrites_nothing(app, client):
    user_id = learner(app, client)
    token, revision = open_lab(client)
    post(client, token, "save", {"revision": revision, "cells": {"answer-oee": "newer"}})
    stale = post(client, token, "save", {"revision": revision, "cells": {"answer-oee": "older"}})
    assert stale.status_code == 409
    body = stale.get_json()
    assert "saved from another tab" in body["message"]
    # The page gets the saved version, to show both and let the learner choose.
    assert body["revision"] == revision + 1 and body["cells"]["answer-oee"] == "newer"
    assert "hidden-cases" not in body["cells"] and "given" not in body["cells"]
    space = saved(app, user_id)
    assert sources(space)["answer-oee"] == "newer" and space.revision == revision + 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"revision": 2, "cells": {"given": "shift = {}"}}, 422),
        ({"revision": 2, "cells": {"self-check": "pass"}}, 422),
        ({"revision": 2, "cells": {"hidden-cases": "__cases = []"}}, 422),
        ({"revision": 2, "cells": {"answer-oee": 42}}, 422),
        ({"revision": "1", "cells": {"answer-oee": "x"}}, 422),
        ({"cells": {"answer-oee": "x"}}, 422),
        (["not", "an", "object"], 400),
    ],
)
def test_labs_save_refuses_what_may_not_be_written(app, client, body, status):
    user_id = learner(app, client)
    token, _ = open_and_make(client)
    before = saved(app, user_id)
    response = client.post(f"{LAB}/save", json=body, headers={"X-CSRFToken": token, **JSON})
    assert response.status_code == status
    after = saved(app, user_id)
    assert (after.revision, after.notebook) == (before.revision, before.notebook)


def test_labs_reset_cell_returns_the_starting_code_and_bumps_the_revision(app, client):
    user_id = learner(app, client)
    token, revision = open_lab(client)
    post(client, token, "save", {"revision": revision, "cells": {"answer-oee": "mine"}})
    response = post(client, token, "reset-cell", {"cell": "answer-oee"})
    assert response.status_code == 200
    body = response.get_json()
    assert STARTING in body["source"] and body["revision"] == revision + 2
    assert sources(saved(app, user_id))["answer-oee"] == body["source"]
    for cell in ("given", "no-such-cell", ""):
        assert post(client, token, "reset-cell", {"cell": cell}).status_code == 422
    assert saved(app, user_id).revision == revision + 2


# Running cells ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"cells": ["no-such-cell"]}, {"cells": []}, {"cells": "answer-oee"}, {"cells": [1]}, {}],
)
def test_labs_run_of_unknown_cells_is_422(app, client, body):
    learner(app, client)
    token, _ = open_lab(client)
    assert post(client, token, "run", body).status_code == 422
    assert sessions_of(app).ran == []


def test_labs_run_executes_the_saved_source_and_reports_events(app, client):
    user_id = learner(app, client)
    token, revision = open_lab(client)
    answer = HONEST["answer-availability"]
    post(client, token, "save", {"revision": revision, "cells": {"answer-availability": answer}})
    response = post(client, token, "run", {"cells": ["answer-availability"], "source": "import os"})
    assert response.status_code == 202
    found = events_until_done(client, "answer-availability")
    mine = [e["type"] for e in found if e.get("cell") == "answer-availability"]
    assert mine == ["queued", "running", "done"]
    assert found[-1]["status"] == "ok"
    space = saved(app, user_id)
    ran = [code for key, code in sessions_of(app).ran if key == f"workspace-{space.id}"]
    assert ran == [f"SHOPFLOOR_SEED = {space.seed}", answer]  # the seed first, then saved code
    assert client.get(f"{LAB}/events?after=0").get_json()["kernel"] == "idle"


def test_labs_a_lab_with_its_own_cell_limit_runs_with_it_in_the_workspace(app, client, labs_root):
    """A lab whose set-up simulates a long run sets ``cell_seconds``: the workspace's kernel
    uses it, as grading does; other labs keep the default."""
    learner(app, client)
    token, _ = open_lab(client)
    post(client, token, "run", {"cells": ["answer-oee"]})
    events_until_done(client, "answer-oee")
    assert sessions_of(app).timeouts[-1] is None  # the default limit
    slow = source_notebook()
    slow.metadata["shopfloor"]["lab"]["limits"] = {"cell_seconds": 90}
    nbformat.write(slow, labs_root / "lab-availability.ipynb")
    token, _ = open_lab(client)
    assert post(client, token, "run", {"cells": ["answer-oee"]}).status_code == 202
    events_until_done(client, "answer-oee", runs=2)  # the first run's "done" is in the log too
    assert sessions_of(app).timeouts[-1] == 90.0


class BlockingSessions(FakeSessions):
    """A cell runs until the test releases it, or until it is interrupted (then "error")."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.interrupted = threading.Event()
        self.busy = threading.Event()

    def execute(self, key, code, *, on_output=None, history=True, timeout=None, setup=""):
        self.busy.set()
        try:
            self.release.wait(10)
            super().execute(key, code, setup=setup)
        finally:
            self.busy.clear()
        return CellResult(index=0, status="error" if self.interrupted.is_set() else "ok")

    def interrupt(self, key):
        self.interrupted.set()
        self.release.set()

    def status(self, key):
        return "busy" if self.busy.is_set() else super().status(key)


def test_labs_run_while_a_cell_runs_is_409(app, client):
    sessions = app.extensions["lab_engine"].runs.sessions = BlockingSessions()
    learner(app, client)
    token, _ = open_lab(client)
    try:
        assert post(client, token, "run", {"cells": ["answer-oee"]}).status_code == 202
        assert poll(sessions.busy.is_set)
        again = post(client, token, "run", {"cells": ["given"]})
        assert again.status_code == 409
        assert "still running" in again.get_json()["message"]
        assert client.get(f"{LAB}/events").get_json()["kernel"] == "busy"
    finally:
        sessions.release.set()
    events_until_done(client, "answer-oee")
    assert poll(lambda: post(client, token, "run", {"cells": ["given"]}).status_code == 202)


def test_labs_interrupt_stops_the_cell_and_skips_the_queued_ones(app, client):
    sessions = app.extensions["lab_engine"].runs.sessions = BlockingSessions()
    learner(app, client)
    token, _ = open_lab(client)
    try:
        post(client, token, "run", {"cells": ["answer-availability", "answer-oee"]})
        assert poll(sessions.busy.is_set)
        response = post(client, token, "interrupt")
        assert response.status_code == 200 and "kernel" in response.get_json()
    finally:
        sessions.release.set()
    found = events_until_done(client, "answer-oee")
    done = {e["cell"]: e["status"] for e in found if e["type"] == "done"}
    assert done == {"answer-availability": "error", "answer-oee": "skipped"}
    assert not any("def oee" in code for _, code in sessions.ran)


def test_labs_restart_and_interrupt_answer_with_the_kernel_status(app, client):
    user_id = learner(app, client)
    token, _ = open_lab(client)
    assert post(client, token, "interrupt").get_json() == {"kernel": "none"}
    with app.app_context():
        assert db.session.query(LabWorkspace).count() == 0  # nothing to stop, nothing made
    response = post(client, token, "restart")
    assert response.status_code == 200 and response.get_json() == {"kernel": "idle"}
    seed = saved(app, user_id).seed
    assert [code for _, code in sessions_of(app).ran] == [f"SHOPFLOOR_SEED = {seed}"]
    events = client.get(f"{LAB}/events?after=0").get_json()["events"]
    assert [e for _, e in events] == [
        {"type": "kernel", "status": "restarting"},  # other tabs on this lab see it too
        {"type": "kernel", "status": "idle", "restarted": True},
    ]


class WatchingSessions(FakeSessions):
    """Notes, each time the kernels are asked something, whether the request asking still
    holds a database connection (a transaction keeps one checked out)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding: dict[str, bool] = {}

    def _note(self, what: str) -> None:
        self.holding[what] = db.session().in_transaction()

    def status(self, key):
        self._note("status")
        return super().status(key)

    def restart(self, key, *, setup=""):
        self._note("restart")
        return super().restart(key, setup=setup)

    def interrupt(self, key):
        self._note("interrupt")
        return super().interrupt(key)

    def complete(self, key, code, cursor):
        self._note("complete")
        return super().complete(key, code, cursor)


def test_labs_requests_hold_no_database_connection_while_they_wait_on_a_kernel(app, client):
    """A kernel's machine may take seconds to answer under load: a page waiting on it must
    not keep a connection every other page needs."""
    sessions = app.extensions["lab_engine"].runs.sessions = WatchingSessions()
    learner(app, client)
    token, _ = open_and_make(client)
    assert client.get(LAB).status_code == 200
    assert client.get(f"{LAB}/events?after=0").status_code == 200
    assert post(client, token, "restart").status_code == 200
    assert post(client, token, "interrupt").status_code == 200
    assert post(client, token, "complete", {"code": "le", "cursor": 2}).status_code == 200
    assert sessions.holding == dict.fromkeys(["status", "restart", "interrupt", "complete"], False)


class SlowRestartSessions(FakeSessions):
    """A restart that lasts until the test lets it end."""

    def __init__(self) -> None:
        super().__init__()
        self.restarting = threading.Event()
        self.release = threading.Event()

    def restart(self, key, *, setup=""):
        self.restarting.set()
        self.release.wait(20)
        return super().restart(key, setup=setup)


def test_labs_a_page_loaded_during_a_restart_says_the_kernel_is_restarting(app, client):
    engine = app.extensions["lab_engine"]
    sessions = engine.runs.sessions = SlowRestartSessions()
    user_id = learner(app, client)
    open_and_make(client)
    space = saved(app, user_id)
    restart = threading.Thread(target=engine.restart, args=(space.id, space.seed))
    restart.start()
    try:
        assert poll(sessions.restarting.is_set)
        assert "Kernel: restarting…" in client.get(LAB).get_data(as_text=True)
        assert client.get(f"{LAB}/events?after=0").get_json()["kernel"] == "restarting"
    finally:
        sessions.release.set()
        restart.join(20)
    assert client.get(f"{LAB}/events?after=0").get_json()["kernel"] == "idle"


def test_labs_each_run_shows_the_kernels_execution_count_and_a_restart_counts_again(app, client):
    """Is a cell's [n] the kernel's execution count (the seed takes none), saved for a reload?"""
    learner(app, client)
    token, _ = open_lab(client)

    def run(cell_id: str) -> dict:
        known = client.get(f"{LAB}/events").get_json()  # None before the first run
        start = known["events"][-1][0] if known and known["events"] else 0
        assert poll(lambda: post(client, token, "run", {"cells": [cell_id]}).status_code == 202)

        def done():
            found = client.get(f"{LAB}/events?after={start}").get_json()["events"]
            return next((e for _, e in found if e["type"] == "done"), None)

        return poll(done)

    assert run("given")["execution_count"] == 1
    assert run("answer-oee")["execution_count"] == 2
    assert run("given")["execution_count"] == 3
    page = client.get(LAB).get_data(as_text=True)
    assert re.search(r"data-prompt>\[3\]</span>\s*<span class=\"cell-label\">Cell 1 ", page)
    assert re.search(r"data-prompt>\[2\]</span>\s*<span class=\"cell-label\">Cell 3 ", page)
    assert re.search(r"data-prompt>\[\xa0\]</span>\s*<span class=\"cell-label\">Cell 2 ", page)
    post(client, token, "restart")
    assert run("answer-oee")["execution_count"] == 1


def test_labs_clear_outputs_forgets_them_so_a_reload_shows_none(app, client):
    app.extensions["lab_engine"].runs.sessions = PrintingSessions()
    user_id = learner(app, client)
    token, _ = open_lab(client)
    for cell_id in ("given", "answer-oee"):
        assert poll(lambda c=cell_id: post(client, token, "run", {"cells": [c]}).status_code == 202)
        events_until_done(client, cell_id)
    assert poll(lambda: set(saved(app, user_id).outputs) == {"given", "answer-oee"})
    revision = saved(app, user_id).revision

    reply = post(client, token, "clear-outputs", {"cells": ["given"]})
    assert reply.status_code == 200
    assert set(saved(app, user_id).outputs) == {"answer-oee"}
    page = html.unescape(client.get(LAB).get_data(as_text=True))
    assert page.count("ran ") == 1  # only the output of answer-oee is still shown

    events = [e for _, e in client.get(f"{LAB}/events?after=0").get_json()["events"]]
    assert events[-1] == {"type": "cleared", "cells": ["given"]}  # for the learner's other tabs
    assert post(client, token, "clear-outputs").status_code == 200  # no cells: all of them
    assert saved(app, user_id).outputs == {}
    assert saved(app, user_id).revision == revision  # the learner's code is untouched
    assert "ran " not in client.get(LAB).get_data(as_text=True)


@pytest.mark.parametrize(
    "body", [{"cells": ["no-such-cell"]}, {"cells": "given"}, {"cells": [1]}, {"cells": ["md"]}]
)
def test_labs_clear_outputs_of_unknown_cells_is_422(app, client, body):
    learner(app, client)
    token, _ = open_lab(client)
    assert post(client, token, "clear-outputs", body).status_code == 422


class PrintingSessions(FakeSessions):
    """Each cell prints one line, like a kernel would."""

    def execute(self, key, code, *, on_output=None, history=True, timeout=None, setup=""):
        result = super().execute(key, code, history=history, setup=setup)
        if on_output is not None:
            on_output(Output("stream", "stdout", f"ran {len(code)} characters\n"))
        return result


def test_labs_download_is_a_valid_notebook_with_the_edit_and_saved_outputs(app, client):
    app.extensions["lab_engine"].runs.sessions = PrintingSessions()
    learner(app, client)
    token, revision = open_lab(client)
    answer = HONEST["answer-oee"]
    post(client, token, "save", {"revision": revision, "cells": {"answer-oee": answer}})
    post(client, token, "run", {"cells": ["answer-oee"]})
    events_until_done(client, "answer-oee")

    def downloaded():
        response = client.get(f"{LAB}/notebook.ipynb")
        notebook = nbformat.reads(response.get_data(as_text=True), as_version=4)
        cell = next(c for c in notebook.cells if c.get("id") == "answer-oee")
        return (response, notebook, cell) if cell.outputs else None

    found = poll(downloaded)
    assert found, "the outputs of the run were never saved"
    response, notebook, cell = found
    assert "attachment" in response.headers["Content-Disposition"]
    assert "lab-availability.ipynb" in response.headers["Content-Disposition"]
    nbformat.validate(notebook)
    assert cell.source == answer
    assert cell.outputs[0]["text"] == f"ran {len(answer)} characters\n"
    text = response.get_data(as_text=True)
    assert HIDDEN_CASES not in text and "BEGIN SOLUTION" not in text
    page = html.unescape(client.get(LAB).get_data(as_text=True))
    assert f"ran {len(answer)} characters" in page  # and a reload shows the outputs too


# Upload ----------------------------------------------------------------------------------


def upload(client, token, raw: bytes, name="mine.ipynb", **kwargs):
    return client.post(
        f"{LAB}/upload",
        data={"notebook": (io.BytesIO(raw), name), "csrf_token": token},
        content_type="multipart/form-data",
        **kwargs,
    )


def test_labs_an_oversized_upload_or_save_is_refused_before_it_is_read(app, client):
    user_id = learner(app, client)
    token, revision = open_and_make(client)
    before = saved(app, user_id)
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 16 * 1024 * 1024  # a limit by default
    app.config["MAX_CONTENT_LENGTH"] = 4096  # small, so the test need not send megabytes
    huge = upload(client, token, b'{"cells": [' + b" " * 10_000 + b"]}", headers=JSON)
    assert huge.status_code == 413 and huge.get_json()["error"] == "Too large"
    big_save = post(client, token, "save", {"revision": revision, "cells": {"x": "y" * 10_000}})
    assert big_save.status_code == 413
    assert saved(app, user_id).notebook == before.notebook


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not valid JSON|could not be read|not a valid notebook"),
        (nbformat.writes(nbformat.v4.new_notebook()).encode(), "missing 2 answer cell"),
        (b"", "Choose a .ipynb file|not valid JSON|could not be read"),
    ],
)
def test_labs_a_malformed_upload_is_refused_and_changes_nothing(app, client, raw, reason):
    user_id = learner(app, client)
    token, revision = open_lab(client)
    post(client, token, "save", {"revision": revision, "cells": {"answer-oee": "mine"}})
    before = saved(app, user_id)
    from_page = upload(client, token, raw, follow_redirects=True)
    assert from_page.request.path == LAB  # back on the lab page, with the reason
    message = re.search(r"Not uploaded: (.*?) Your saved work is unchanged.", from_page.text)
    assert message and re.search(reason, html.unescape(message.group(1)))
    from_script = upload(client, token, raw, headers=JSON)
    assert from_script.status_code == 422
    assert re.search(reason, from_script.get_json()["message"])
    after = saved(app, user_id)
    assert (after.revision, after.notebook) == (before.revision, before.notebook)
    assert sessions_of(app).ran == []  # nothing was executed


def test_labs_upload_without_a_file_says_so_on_the_lab_page(app, client):
    learner(app, client)
    token, _ = open_lab(client)
    response = client.post(f"{LAB}/upload", data={"csrf_token": token}, follow_redirects=True)
    assert response.request.path == LAB
    assert "Not uploaded: Choose a .ipynb file to upload." in response.get_data(as_text=True)
    as_json = client.post(f"{LAB}/upload", data={"csrf_token": token}, headers=JSON)
    assert as_json.status_code == 422


def test_labs_upload_takes_changed_answer_cells_and_ignores_the_rest(app, client):
    user_id = learner(app, client)
    token, revision = open_lab(client)
    answer = {"answer-oee": HONEST["answer-oee"]}
    post(client, token, "save", {"revision": revision, "cells": answer})
    finished = submission(HONEST)
    given = next(c for c in finished.cells if c.get("id") == "given")
    given.source = "shift = {'planned': 1, 'run': 1}"  # tampered given code
    response = upload(client, token, nbformat.writes(finished).encode())
    assert response.status_code == 302 and response.location.endswith(LAB)
    page = html.unescape(client.get(LAB).get_data(as_text=True))
    assert "Notebook uploaded: 1 answer cell(s) changed" in page
    now = sources(saved(app, user_id))
    assert now["answer-availability"] == HONEST["answer-availability"]
    assert now["answer-oee"] == HONEST["answer-oee"]
    assert now["given"] == source_notebook().cells[1].source
    assert "'planned': 1," not in page


# Submitting ------------------------------------------------------------------------------


def submissions(app) -> list[LabSubmission]:
    with app.app_context():
        found = db.session.scalars(select(LabSubmission).order_by(LabSubmission.id)).all()
        db.session.expunge_all()
        return list(found)


def test_labs_submit_queues_attempt_one_and_shows_the_graded_feedback(app, client, labs_root):
    user_id = learner(app, client)
    token, revision = open_lab(client)
    answers = {"answer-availability": "availability = 0.5", "answer-oee": HONEST["answer-oee"]}
    post(client, token, "save", {"revision": revision, "cells": answers})
    response = client.post(f"{LAB}/submit", data={"csrf_token": token})
    assert response.status_code == 302
    [queued] = submissions(app)
    assert response.location == f"/labs/attempts/{queued.public_id}"
    assert (queued.user_id, queued.attempt, queued.status) == (user_id, 1, "queued")
    assert "availability = 0.5" in queued.notebook
    with app.app_context():  # the course it was taken in: its framework gets the evidence
        course = db.session.scalar(select(Course).where(Course.slug == "demo-course"))
        assert queued.course_id == course.id
    waiting = client.get(response.location).get_data(as_text=True)
    assert "Queued: waiting for a free grader." in waiting
    with app.app_context():
        factories.grade_queued(labs_root)
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert "3 / 5 points" in page and "1 of 2 checks passed" in page
    assert re.search(r"Failed:</span>\s*availability for your shift", page)
    assert "Availability is run time divided by planned production time." in page  # feedback
    assert re.search(r"Passed:</span>\s*oee\(\) multiplies the three factors", page)
    for secret in (HIDDEN_CASES, "__cases", "(393 + seed % 7) / 450", "0.9 * 0.95 * 0.99"):
        assert secret not in page
    workspace = html.unescape(client.get(LAB).get_data(as_text=True))
    assert "Your attempts" in workspace and "3 / 5" in workspace


def test_labs_submit_as_json_answers_201_with_the_attempt(app, client):
    learner(app, client)
    token, _ = open_lab(client)
    response = post(client, token, "submit")
    assert response.status_code == 201
    [queued] = submissions(app)
    assert response.get_json() == {"attempt": 1, "url": f"/labs/attempts/{queued.public_id}"}


def test_labs_a_second_submit_while_the_first_is_queued_is_refused(app, client):
    learner(app, client)
    token, _ = open_lab(client)
    assert client.post(f"{LAB}/submit", data={"csrf_token": token}).status_code == 302
    assert "Attempt 1</a>\n    is being graded" in client.get(LAB).get_data(as_text=True)
    again = client.post(f"{LAB}/submit", data={"csrf_token": token}, follow_redirects=True)
    assert again.request.path == LAB  # back on the lab page, with the reason
    assert "Not submitted: Your previous attempt is still being graded" in html.unescape(
        again.get_data(as_text=True)
    )
    as_json = post(client, token, "submit")
    assert as_json.status_code == 409 and "still being graded" in as_json.get_json()["message"]
    assert len(submissions(app)) == 1


def test_labs_submit_after_the_last_allowed_attempt_is_409(app, client, labs_root):
    limited = source_notebook()
    limited.metadata["shopfloor"]["lab"]["max_attempts"] = 1
    nbformat.write(limited, labs_root / "lab-availability.ipynb")
    learner(app, client)
    token, _ = open_lab(client)
    assert "0 of 1 attempts used" in client.get(LAB).get_data(as_text=True)
    assert post(client, token, "submit").status_code == 201
    with app.app_context():
        factories.grade_queued(labs_root)
    again = post(client, token, "submit")
    assert again.status_code == 409
    assert "used all 1 attempts" in again.get_json()["message"]
    page = client.get(LAB).get_data(as_text=True)
    assert "You have used all 1 attempts at this lab." in page
    assert re.search(r'class="submit-button" disabled', page)
    assert [s.attempt for s in submissions(app)] == [1]


# Live events -----------------------------------------------------------------------------


def data_of(event: str) -> dict:
    return json.loads(next(line[6:] for line in event.splitlines() if line.startswith("data: ")))


def test_labs_a_stream_that_ends_on_time_tells_the_page_to_follow_on_at_once(
    app, client, monkeypatch
):
    """Streams end now and then so no request holds a thread for long; the last event says
    so, and the page opens the next stream at once rather than after the retry delay (an
    output that came meanwhile would wait 2 s)."""
    from app.web import labs as views

    monkeypatch.setattr(views, "STREAM_SECONDS", 0.3)
    learner(app, client)
    token, _ = open_lab(client)
    post(client, token, "run", {"cells": ["given"]})
    events_until_done(client, "given")
    with client.get(f"{LAB}/stream?after=0") as streamed:
        body = streamed.get_data(as_text=True)
    events = [e for e in body.split("\n\n") if e.strip()]
    assert events[0] == "retry: 2000"
    assert events[-1] == "event: again\ndata: {}"


def test_labs_stream_sends_the_run_events_and_resumes_after_an_id(app, client):
    learner(app, client)
    token, _ = open_lab(client)
    post(client, token, "run", {"cells": ["given"]})
    polled = events_until_done(client, "given")
    response = client.get(f"{LAB}/stream?after=0")
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    first = read_events(response, 1 + len(polled) + 1)
    assert first[0] == "retry: 2000"
    streamed = first[1:-1]
    assert [data_of(e) for e in streamed] == polled
    assert [e.splitlines()[0] for e in streamed] == [f"id: {n}" for n in range(1, len(polled) + 1)]
    assert first[-1] == 'event: kernel\ndata: {"status": "idle"}'
    resumed = client.get(f"{LAB}/stream", headers={"Last-Event-ID": "2"})
    assert [data_of(e) for e in read_events(resumed, 2)[1:]] == polled[2:3]
    garbled = client.get(f"{LAB}/stream", headers={"Last-Event-ID": "2'; DROP"})
    assert garbled.status_code == 200  # a bad id follows from the start, it is no error
    assert data_of(read_events(garbled, 2)[1]) == polled[0]


# Scratch cells -------------------------------------------------------------------------------


def test_labs_scratch_cells_are_added_saved_run_rendered_and_deleted(app, client):
    user_id = learner(app, client)
    token, revision = open_and_make(client)
    added = post(client, token, "cells", {"kind": "code", "after": "given", "revision": revision})
    assert added.status_code == 201
    code, revision = added.get_json()["cell"], added.get_json()["revision"]
    body = {"kind": "markdown", "after": code, "revision": revision, "source": "**hi**"}
    notes_reply = post(client, token, "cells", body).get_json()
    notes, revision = notes_reply["cell"], notes_reply["revision"]
    saving = {"revision": revision, "cells": {code: "print('mine')"}}
    revision = post(client, token, "save", saving).get_json()["revision"]

    page = html.unescape(client.get(LAB).get_data(as_text=True))
    assert "print('mine')" in page and "Scratch code · not graded" in page
    assert "<strong>hi</strong>" in page and 'aria-label="Delete scratch 2"' in page
    assert post(client, token, "run", {"cells": [code]}).status_code == 202
    assert any(e["type"] == "done" for e in events_until_done(client, code))
    assert "print('mine')" in [source for _, source in sessions_of(app).ran]
    rendered = post(client, token, "cells/render", {"cell": notes})
    assert rendered.get_json() == {"html": "<p><strong>hi</strong></p>\n"}
    assert post(client, token, "cells/render", {"cell": "given"}).status_code == 422

    deleted = post(client, token, "cells/delete", {"cell": code, "revision": revision})
    assert deleted.status_code == 200
    assert code not in sources(saved(app, user_id))
    gone = post(client, token, "cells/delete", {"cell": "given", "revision": revision + 1})
    assert gone.status_code == 422 and "given" in sources(saved(app, user_id))


def test_labs_a_stale_page_adding_a_cell_gets_409_with_the_saved_cells(app, client):
    learner(app, client)
    token, revision = open_and_make(client)
    post(client, token, "cells", {"kind": "code", "after": None, "revision": revision})
    stale = post(client, token, "cells", {"kind": "code", "after": None, "revision": revision})
    assert stale.status_code == 409
    reply = stale.get_json()
    assert reply["revision"] == revision + 1 and len(reply["scratch"]) == 1
    assert reply["scratch"][0]["after"] == "" and reply["scratch"][0]["kind"] == "code"


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "code", "after": 7},
        {"kind": "code", "after": None, "source": ["x"]},
        {"kind": "cat", "after": None},
        {"kind": "code"},  # no revision
    ],
)
def test_labs_a_malformed_new_cell_is_refused(app, client, body):
    user_id = learner(app, client)
    token, revision = open_and_make(client)
    body = {"revision": revision, **body} if body != {"kind": "code"} else body
    assert post(client, token, "cells", body).status_code == 422
    assert saved(app, user_id).revision == revision


# Completion and help from the kernel ---------------------------------------------------------


def test_labs_tab_and_shift_tab_ask_the_running_kernel_and_never_start_one(app, client):
    learner(app, client)
    token, _ = open_lab(client)
    asked = {"code": "import math\nma", "cursor": 14}
    before = post(client, token, "complete", asked).get_json()
    assert before == {"matches": [], "cursor_start": 14, "cursor_end": 14, "reason": "no-kernel"}
    assert (
        post(client, token, "inspect", {"code": "len(", "cursor": 3}).get_json()["found"] is False
    )
    assert sessions_of(app).kernels == {}  # asking started nothing

    token, _ = open_and_make(client)
    post(client, token, "run", {"cells": ["given"]})
    events_until_done(client, "given")
    reply = post(client, token, "complete", asked).get_json()
    assert "max" in reply["matches"] and (reply["cursor_start"], reply["cursor_end"]) == (12, 14)
    help_text = post(client, token, "inspect", {"code": "len(", "cursor": 3}).get_json()
    assert help_text["found"] and "Return the number of items" in help_text["text"]


@pytest.mark.parametrize(
    "body",
    [
        {"code": "x", "cursor": 2},
        {"code": "x", "cursor": -1},
        {"code": "x", "cursor": "1"},
        {"code": ["x"], "cursor": 0},
        {"cursor": 0},
        {"code": "x" * (lab_workspaces.MAX_SOURCE_CHARS + 1), "cursor": 0},
    ],
)
def test_labs_a_malformed_question_to_the_kernel_is_422(app, client, body):
    learner(app, client)
    token, _ = open_and_make(client)
    for action in ("complete", "inspect"):
        assert post(client, token, action, body).status_code == 422


def widget_done(client) -> dict:
    def fetch():
        found = [e for _, e in client.get(f"{LAB}/events?after=0").get_json()["events"]]
        return next((e for e in reversed(found) if e["type"] == "widget-done"), None)

    event = poll(fetch)
    assert event, "the widget message never ended"
    return event


SLIDER_MOVED = {"method": "update", "state": {"value": 72}, "buffer_paths": []}


def test_labs_a_widgets_change_reaches_the_kernel_that_made_it_and_never_starts_one(app, client):
    learner(app, client)
    token, _ = open_and_make(client)
    message = {"cell": "given", "comm_id": "6f1c2a", "data": SLIDER_MOVED}
    assert post(client, token, "widget", message).status_code == 202
    assert widget_done(client) == {
        "type": "widget-done", "cell": "given", "comm": "6f1c2a", "status": "gone"
    }  # fmt: skip
    assert sessions_of(app).kernels == {} and sessions_of(app).comms == []

    post(client, token, "run", {"cells": ["given"]})
    events_until_done(client, "given")
    assert post(client, token, "widget", message).status_code == 202
    poll(lambda: sessions_of(app).comms)
    [(_, comm_id, data)] = sessions_of(app).comms
    assert (comm_id, data) == ("6f1c2a", SLIDER_MOVED)


@pytest.mark.parametrize(
    "body",
    [
        {"cell": "given", "comm_id": "6f1c2a", "data": {"method": "exec", "code": "1"}},
        {"cell": "given", "comm_id": "../6f1c2a", "data": SLIDER_MOVED},
        {"cell": "given", "comm_id": "6f1c2a", "data": SLIDER_MOVED, "buffers": ["%%%"]},
        {"cell": "given", "comm_id": "6f1c2a", "data": SLIDER_MOVED, "buffers": ["AAAA"]},
        {"cell": "given", "comm_id": "6f1c2a", "data": {**SLIDER_MOVED, "state": float("nan")}},
        {"cell": "no-such-cell", "comm_id": "6f1c2a", "data": SLIDER_MOVED},
        {"cell": "given", "comm_id": "6f1c2a", "data": "update"},
    ],
)
def test_labs_a_malformed_widget_message_is_422_and_reaches_no_kernel(app, client, body):
    learner(app, client)
    token, _ = open_and_make(client)
    post(client, token, "run", {"cells": ["given"]})
    events_until_done(client, "given")
    response = client.post(
        f"{LAB}/widget",
        data=json.dumps(body),  # NaN as JavaScript would never send it, but an attacker may
        headers={"X-CSRFToken": token, "Content-Type": "application/json", **JSON},
    )
    assert response.status_code == 422
    assert sessions_of(app).comms == []


# CSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", POSTS)
def test_labs_every_post_without_a_csrf_token_is_400(app, client, action):
    user_id = learner(app, client)
    open_and_make(client)
    before = saved(app, user_id)
    body = {"revision": before.revision, "cells": {"answer-oee": "x"}, "cell": "answer-oee"}
    as_json = client.post(f"{LAB}/{action}", json=body, headers=JSON)
    assert as_json.status_code == 400 and as_json.get_json()["status"] == 400
    as_form = client.post(f"{LAB}/{action}", data={"cell": "answer-oee"})
    assert as_form.status_code == 400
    assert "This form has expired" in as_form.get_data(as_text=True)
    after = saved(app, user_id)
    assert (after.revision, after.notebook) == (before.revision, before.notebook)
    assert submissions(app) == [] and sessions_of(app).ran == []
    assert sessions_of(app).comms == []

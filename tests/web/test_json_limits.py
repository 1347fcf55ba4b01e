"""Deeply nested JSON (uploads, autosaves, quiz answers) is refused with a 4xx and a reason.

Python's JSON parser recurses once per level: ten thousand levels used to end in a
RecursionError and a 500. Nothing may change when a body is refused.
"""

from __future__ import annotations

import html
import io
import json
import re

import nbformat
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import LabWorkspace, QuizAttempt
from app.sandbox import notebooks
from tests import factories
from tests.conftest import csrf_token, sign_in

LAB = "/courses/demo-course/lessons/demo-second/labs/lab-availability"
JSON = {"Accept": "application/json"}
DEEP = 10_000


RAW = "@nested@"


def nested(levels: int, inner: str = "0") -> str:
    return "[" * levels + inner + "]" * levels


def around(value: dict, levels: int) -> str:
    """*value* as JSON, with ``levels`` nested lists where it holds RAW."""
    return json.dumps(value).replace(f'"{RAW}"', nested(levels))


@pytest.fixture
def app(lab_app):
    return lab_app


@pytest.fixture
def learner(app, client):
    with app.app_context():
        user = factories.make_user()
        sign_in(client, user)
        db.session.commit()
        user_id = user.id
    page = client.get(LAB).get_data(as_text=True)
    token = csrf_token(page)
    revision = int(re.search(r'data-revision="(\d+)"', page).group(1))
    # Opening the page writes nothing; the first save makes the workspace.
    made = post_raw(client, token, "save", json.dumps({"revision": revision, "cells": {}}))
    assert made.status_code == 200
    return user_id, token, made.get_json()["revision"]


def saved(app, user_id) -> tuple[int, str]:
    with app.app_context():
        space = db.session.scalar(select(LabWorkspace).where(LabWorkspace.user_id == user_id))
        return space.revision, space.notebook


def post_raw(client, token, action, body: str):
    headers = {"X-CSRFToken": token, "Content-Type": "application/json", **JSON}
    return client.post(f"{LAB}/{action}", data=body, headers=headers)


def test_deep_autosave_is_refused_with_a_reason_and_changes_nothing(app, client, learner):
    user_id, token, revision = learner
    before = saved(app, user_id)
    bodies = {
        "whole body": nested(DEEP, "{}"),
        "inside a cell": around({"revision": revision, "cells": {"answer-oee": RAW}}, DEEP),
        "just past the bound": around({"revision": revision, "cells": RAW}, 100),
    }
    for what, body in bodies.items():
        response = post_raw(client, token, "save", body)
        assert response.status_code == 400, what
        assert "nested more than 100 levels" in response.get_json()["message"], what
    for action in ("run", "reset-cell"):
        response = post_raw(client, token, action, nested(DEEP, "{}"))
        assert response.status_code == 400 and "nested" in response.get_json()["message"]
    assert saved(app, user_id) == before
    assert app.extensions["lab_engine"].runs.sessions.ran == []


def test_json_at_the_bound_is_parsed_and_judged_on_its_shape(app, client, learner):
    _, token, revision = learner
    # 100 levels in all: the body object and 99 lists. It parses; the service then refuses
    # its shape with its own message, which shows the bound did not get in the way.
    body = around({"revision": revision, "cells": {"answer-oee": RAW}}, 97)
    response = post_raw(client, token, "save", body)
    assert response.status_code == 422
    assert "must be text" in response.get_json()["message"]


def test_deep_notebook_upload_is_refused_with_a_reason_and_changes_nothing(app, client, learner):
    user_id, token, _ = learner
    before = saved(app, user_id)
    deep_cells = around({"cells": RAW, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, DEEP)
    deep_metadata = nbformat.v4.new_notebook()
    deep_metadata.metadata["x"] = json.loads(nested(200))
    for raw in (
        deep_cells.encode(),
        nbformat.writes(deep_metadata).encode(),
        nested(DEEP).encode(),
    ):
        from_script = client.post(
            f"{LAB}/upload",
            data={"notebook": (io.BytesIO(raw), "deep.ipynb"), "csrf_token": token},
            headers=JSON,
        )
        assert from_script.status_code == 422
        assert "nested more than 100 levels" in from_script.get_json()["message"]
        from_page = client.post(
            f"{LAB}/upload",
            data={"notebook": (io.BytesIO(raw), "deep.ipynb"), "csrf_token": token},
            follow_redirects=True,
        )
        assert from_page.request.path == LAB
        assert "nested more than 100 levels" in html.unescape(from_page.get_data(as_text=True))
    assert saved(app, user_id) == before


def test_deep_quiz_answer_is_refused_and_records_nothing(make_app):
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    app = make_app()
    client = app.test_client()
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        sign_in(client, factories.make_user())
        db.session.commit()
    token = csrf_token(client.get("/courses/demo-course/lessons/demo-first").get_data(as_text=True))
    response = client.post(
        "/courses/demo-course/questions/demo-first-q1",
        data=around({"answer": RAW}, DEEP),
        headers={"X-CSRFToken": token, "Content-Type": "application/json", **JSON},
    )
    assert response.status_code == 400
    assert "nested more than 100 levels" in response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_bounded_json_counts_levels_without_recursing():
    from app.domain import bounded_json

    assert bounded_json.loads(nested(100)) is not None
    assert bounded_json.loads('{"a": 1}', max_depth=1) == {"a": 1}
    with pytest.raises(bounded_json.TooDeep):
        bounded_json.loads('{"a": [1]}', max_depth=1)
    for levels in (101, DEEP, 200_000):
        with pytest.raises(bounded_json.TooDeep):
            bounded_json.loads(nested(levels))
    assert isinstance(bounded_json.TooDeep(3), ValueError)


def test_notebook_reader_refuses_deep_json_but_reads_deep_enough_notebooks():
    fine = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    fine.metadata["widgets"] = json.loads('{"a": ' * 90 + "1" + "}" * 90)
    assert notebooks.read(nbformat.writes(fine)).metadata["widgets"]["a"]["a"]
    for raw in (nested(DEEP), around({"cells": [], "x": RAW}, 150)):
        with pytest.raises(notebooks.BadNotebook, match="nested more than 100 levels"):
            notebooks.read(raw)


@pytest.mark.parametrize(
    "answer",
    [10**400, -(10**400), "84.62" + " " * 100_000, "9" * 400, 1e308 * 10],
    ids=["400-digit int", "negative 400-digit int", "100 kB string", "400-digit string", "inf"],
)
def test_a_numeric_answer_that_is_no_usable_number_is_refused_and_not_stored(make_app, answer):
    """A 400-digit integer used to raise OverflowError (500); a huge string was stored as sent."""
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    app = make_app()
    client = app.test_client()
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        sign_in(client, factories.make_user())
    token = csrf_token(
        client.get("/courses/demo-course/lessons/demo-second").get_data(as_text=True)
    )
    response = client.post(
        "/courses/demo-course/questions/demo-second-q1",
        json={"answer": answer},
        headers={"X-CSRFToken": token, **JSON},
    )
    assert response.status_code == 400
    assert "enter a number" in response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0

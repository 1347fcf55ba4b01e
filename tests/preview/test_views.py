"""The preview's pages: entry token, who may see them, the event stream, the banner, the
lab check form. They exist only on the app `flask curriculum preview` serves."""

from __future__ import annotations

import json

import pytest

from app.domain.roles import Role
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token, sign_in

ANON = "anonymous"
ROLES = [ANON, *Role]
OK, LOGIN, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
STAFF = {Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN}  # policy.can_preview_drafts


def drafts_staff_only(role):
    return LOGIN if role == ANON else OK if role in STAFF else FORBIDDEN


def drafts_staff_then_missing(role):
    return LOGIN if role == ANON else NOT_FOUND if role in STAFF else FORBIDDEN


# endpoint → (URL, expected status for each role), as tests/web/test_authorization.py keeps
# for the normal app, whose matrix these routes are absent from.
PREVIEW_MATRIX = {
    "preview.enter": ("/preview/enter?token=wrong", lambda role: FORBIDDEN),  # public
    "preview.index": ("/preview/", drafts_staff_only),
    "preview.problems": ("/preview/problems", drafts_staff_only),
    "preview.events": ("/preview/events", drafts_staff_only),
    "preview.lab": ("/preview/labs/lab-demo", drafts_staff_only),
    "preview.learner_notebook": ("/preview/labs/lab-demo/learner.ipynb", drafts_staff_only),
    "preview.check_status": ("/preview/labs/lab-demo/check", drafts_staff_then_missing),
}
PREVIEW_POST_ONLY = {"preview.check"}  # test_check_form_needs_its_csrf_token below


def entry(app) -> str:
    return f"/preview/enter?token={app.extensions['preview'].token.current}"


def enter(app, client) -> None:
    assert client.get(entry(app)).status_code == 302


def test_preview_routes_are_absent_from_the_normal_app(app, client):
    assert not [r for r in app.url_map.iter_rules() if r.endpoint.startswith("preview.")]
    assert client.get("/preview/enter?token=x").status_code == 404
    page = client.get("/courses").get_data(as_text=True)
    assert "preview-banner" not in page and "preview.js" not in page


def test_preview_matrix_covers_every_preview_route(preview_app):
    endpoints = {r.endpoint for r in preview_app.url_map.iter_rules()}
    assert {e for e in endpoints if e.startswith("preview.")} == (
        set(PREVIEW_MATRIX) | PREVIEW_POST_ONLY
    )


@pytest.fixture
def people(preview_app, tree):
    preview_app.extensions["preview"].refresh({tree.add_lab()})
    with preview_app.app_context():
        home = factories.make_org(slug="home")
        users = {
            role: factories.make_user(role=role, org=None if role is Role.PLATFORM_ADMIN else home)
            for role in Role
        }
        db.session.commit()
        return {role: user.id for role, user in users.items()}


@pytest.mark.parametrize("endpoint", sorted(PREVIEW_MATRIX))
def test_preview_route_answers_each_role_as_expected(preview_app, people, endpoint):
    url, expected = PREVIEW_MATRIX[endpoint]
    answers = {}
    for role in ROLES:
        client = preview_app.test_client()
        if role != ANON:
            with preview_app.app_context():
                sign_in(client, db.session.get(factories.User, people[role]))
        response = client.get(url)
        response.close()  # the event stream ends here
        answers[str(role)] = response.status_code
        if response.status_code == LOGIN and role == ANON:
            assert response.location.startswith("/login?next=")
    assert answers == {str(role): expected(role) for role in ROLES}


def test_the_entry_token_works_once_and_only_when_right(preview_app):
    session = preview_app.extensions["preview"]
    token = session.token.current
    client = preview_app.test_client()
    for wrong in ("", "x", token[:-1], token + "x", "é" * 10):
        assert client.get("/preview/enter", query_string={"token": wrong}).status_code == 403
    assert client.get("/preview/").status_code == 302  # still signed out

    response = client.get(f"/preview/enter?token={token}")
    assert response.status_code == 302 and response.location == "/preview/"
    page = client.get("/preview/").get_data(as_text=True)
    assert "Preview Author" in page and "Demo Course" in page

    other = preview_app.test_client()
    refused = other.get(f"/preview/enter?token={token}")
    assert refused.status_code == 403
    assert "each link works once" in refused.get_data(as_text=True)
    assert session.token.current != token  # the next browser gets a new link
    assert other.get(f"/preview/enter?token={session.token.current}").status_code == 302


def read_event(response) -> dict:
    """The next event of a Server-Sent Events response: its fields, data parsed."""
    text = ""
    for chunk in response.response:
        text += chunk.decode() if isinstance(chunk, bytes) else chunk
        if "\ndata: " in text and text.endswith("\n\n"):
            break
    fields = dict(line.split(": ", 1) for line in text.strip().splitlines()[-2:] if ": " in line)
    return {"id": fields.get("id"), "data": json.loads(fields["data"])}


def test_the_event_stream_sends_the_generation_then_each_new_one(preview_app, tree):
    session = preview_app.extensions["preview"]
    client = preview_app.test_client()
    enter(preview_app, client)
    response = client.get("/preview/events", buffered=False)
    assert response.mimetype == "text/event-stream"
    first = read_event(response)
    assert first["id"] == "1" and first["data"]["generation"] == 1
    session.refresh({tree.lesson})  # what the watcher does on a save
    second = read_event(response)
    assert second["data"]["generation"] == 2
    response.close()


def test_every_page_carries_the_banner_and_the_reload_script(preview_app, tree):
    session = preview_app.extensions["preview"]
    client = preview_app.test_client()
    enter(preview_app, client)
    tree.module.write_text(tree.module.read_text().replace("title: Basics", "title: [Basics"))
    session.refresh({tree.module})
    page = client.get("/courses/demo-course/lessons/demo-first").get_data(as_text=True)
    banner = page.split("data-preview-banner>", 1)[1].split("</div>", 1)[0]
    assert "This page" in banner
    assert 'module.yml:3</code> <strong class="preview-code">E-YAML</strong>' in banner
    assert "1 error," in banner and 'href="/preview/problems"' in banner
    assert 'src="/static/js/preview.js" data-events="/preview/events"' in page
    assert f'data-generation="{session.generation}"' in page

    # Another course page: the same error, not marked as this page's.
    other = client.get("/courses/demo-course/lessons/demo-third").get_data(as_text=True)
    item = other.split('<strong class="preview-code">E-YAML</strong>')[0].rsplit("<li", 1)[1]
    assert "module.yml:3" in item and "This page" not in item
    everything = client.get("/preview/problems").get_data(as_text=True)
    assert "demo-course/m1-basics/module.yml:3:" in everything


def test_signed_out_pages_say_how_to_sign_in(preview_app):
    page = preview_app.test_client().get("/login").get_data(as_text=True)
    assert "open the entry link" in page and "preview.js" not in page


def test_the_lab_page_links_the_learner_workspace_and_the_built_notebook(preview_app, tree):
    lesson = tree.root / "demo-course" / "m1-basics" / "02-second.md"
    lesson.write_text(lesson.read_text().replace("planned: true\n", ""))
    preview_app.extensions["preview"].refresh({tree.add_lab(), lesson})
    client = preview_app.test_client()
    enter(preview_app, client)
    page = client.get("/preview/labs/lab-demo").get_data(as_text=True)
    assert "/courses/demo-course/lessons/demo-second/labs/lab-demo" in page
    assert client.get("/courses/demo-course/lessons/demo-second/labs/lab-demo").status_code == 200
    notebook = client.get("/preview/labs/lab-demo/learner.ipynb")
    text = notebook.get_data(as_text=True)
    notebook.close()
    assert notebook.status_code == 200
    assert "NotImplementedError" in text and "BEGIN SOLUTION" not in text


def test_the_check_button_checks_the_lab_and_shows_the_result(preview_app, tree, fake_check):
    session = preview_app.extensions["preview"]
    session.refresh({tree.add_lab()})
    client = preview_app.test_client()
    enter(preview_app, client)
    page = client.get("/preview/labs/lab-demo").get_data(as_text=True)
    response = client.post("/preview/labs/lab-demo/check", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    session.checks.join(timeout=15)
    status = client.get("/preview/labs/lab-demo/check").get_json()
    assert status == {
        "lab": "lab-demo", "running": False, "done": 2, "total": 2, "passed": True,
        "text": fake_check.text, "seconds": status["seconds"],
    }  # fmt: skip
    page = client.get("/preview/labs/lab-demo").get_data(as_text=True)
    assert "Passed" in page and fake_check.text in page and "Check again" in page


def test_the_check_form_needs_its_csrf_token(preview_app, tree, fake_check):
    preview_app.extensions["preview"].refresh({tree.add_lab()})
    client = preview_app.test_client()
    enter(preview_app, client)
    assert client.post("/preview/labs/lab-demo/check").status_code == 400
    assert fake_check.labs == []

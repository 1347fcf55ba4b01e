"""Attempt pages, progress and streams; reviewers' lists and re-grades, per role and per id.

Organization X has learners Ana and Ben, an instructor, a partner admin and a mentor;
organization Y has the learner Cy and an instructor. Ana and Cy each submitted the lab.
"""

from __future__ import annotations

import html
import json

import pytest

from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import LabSubmission, User
from app.services import lab_catalog, lab_submissions, lab_workspaces
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.factories import SEED_SECRET
from tests.sandbox.labs_fixture import HONEST
from tests.waiting import read_events

ANA_ANSWER = "availability = 0.5"  # wrong: she gets 3 of 5 points with HONEST oee


@pytest.fixture
def app(lab_app):
    return lab_app


@pytest.fixture
def people(app, labs_root) -> dict[str, int | str]:
    with app.app_context():
        x, y = factories.make_org(slug="org-x"), factories.make_org(slug="org-y")
        made = {
            "ana": factories.make_user(org=x, name="Ana Learner", email="ana@x.example"),
            "ben": factories.make_user(org=x, name="Ben Learner", email="ben@x.example"),
            "cy": factories.make_user(org=y, name="Cy Learner", email="cy@y.example"),
            "instructor": factories.make_user(org=x, role=Role.INSTRUCTOR),
            "partner": factories.make_user(org=x, role=Role.PARTNER_ADMIN),
            "mentor": factories.make_user(org=x, role=Role.MENTOR),
            "instructor-y": factories.make_user(org=y, role=Role.INSTRUCTOR),
            "admin": factories.make_user(role=Role.PLATFORM_ADMIN),
        }
        lab = lab_catalog.load(labs_root, factories.LAB_ID)
        ids = {name: user.id for name, user in made.items()}
        for name, answer in (("ana", ANA_ANSWER), ("cy", HONEST["answer-availability"])):
            space = lab_workspaces.open_workspace(made[name], lab, now=utcnow(), secret=SEED_SECRET)
            cells = {"answer-availability": answer, "answer-oee": HONEST["answer-oee"]}
            lab_workspaces.save(space, lab, cells, base_revision=1, now=utcnow())
            submission = lab_submissions.submit_workspace(made[name], lab, space, now=utcnow())
            ids[f"{name}-attempt"] = submission.public_id  # what addresses name
            ids[f"{name}-attempt-id"] = submission.id
        db.session.commit()
    return ids


def as_user(app, client, user_id: int) -> None:
    with app.app_context():
        sign_in(client, db.session.get(User, user_id))


def grade_all(app, labs_root) -> None:
    with app.app_context():
        while (graded := factories.grade_queued(labs_root)) is not None:
            assert graded.status == "graded"


def status_of(app, public_id: str) -> LabSubmission:
    with app.app_context():
        submission = db.session.scalar(
            db.select(LabSubmission).where(LabSubmission.public_id == public_id)
        )
        db.session.expunge(submission)
        return submission


def regrade(client, public_id: str, **kwargs):
    token = csrf_token(client.get("/account/").get_data(as_text=True))  # any signed-in page
    return client.post(f"/labs/attempts/{public_id}/regrade", data={"csrf_token": token}, **kwargs)


def first_events(response, count: int) -> list[dict]:
    """The data of the first *count* events of an SSE response (after its retry line)."""
    assert response.mimetype == "text/event-stream"
    events = read_events(response, count + 1)[1:]
    return [json.loads(e[6:]) for e in events if e.startswith("data: ")]


# Learners --------------------------------------------------------------------------------


def test_attempts_progress_speaks_to_the_learner_and_to_their_instructor(app, client, people):
    """While it is graded, the learner reads about their notebook; a reviewer about the
    learner's, never "your notebook"."""
    with app.app_context():
        db.session.get(LabSubmission, people["ana-attempt-id"]).status = "running"
        db.session.commit()
    url = f"/labs/attempts/{people['ana-attempt']}"
    as_user(app, client, people["ana"])
    assert client.get(f"{url}/progress").get_json()["text"] == "Grading: running your notebook."
    as_user(app, client, people["instructor"])
    staff = client.get(f"{url}/progress").get_json()["text"]
    assert staff == "Grading: running the learner's notebook."
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "running the learner's notebook" in page and "your notebook" not in page


def test_attempts_a_learner_follows_their_own_attempt(app, client, people, labs_root):
    as_user(app, client, people["ana"])
    url = f"/labs/attempts/{people['ana-attempt']}"
    page = client.get(url).get_data(as_text=True)
    assert "Your attempt" in page and "Queued: waiting for a free grader." in page
    assert client.get(f"{url}/progress").get_json() == {
        "id": people["ana-attempt"],
        "attempt": 1,
        "status": "queued",
        "text": "Queued: waiting for a free grader.",
        "detail": "",
        "checking": False,
        "progress": 0,
        "steps": 0,
        "total": None,
        "maximum": None,
        "done": False,
    }
    [queued] = first_events(client.get(f"{url}/stream"), 1)
    assert (queued["status"], queued["done"]) == ("queued", False)
    grade_all(app, labs_root)
    progress = client.get(f"{url}/progress").get_json()
    assert (progress["status"], progress["total"], progress["maximum"]) == ("graded", 3, 5)
    assert progress["done"] and progress["progress"] == progress["steps"] > 0
    with client.get(f"{url}/stream") as streamed:
        assert streamed.mimetype == "text/event-stream"
        body = streamed.get_data(as_text=True)  # a finished attempt's stream ends at once
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    assert [e["status"] for e in events] == ["graded"] and events[0]["total"] == 3
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "3 / 5 points" in page and "Re-grade" not in page


def test_attempts_a_stream_that_ends_on_time_tells_the_page_to_follow_on_at_once(
    app, client, people, monkeypatch
):
    """A stream of an attempt still waiting ends after a while, with an ``again`` event:
    the page opens the next stream at once instead of after the 2 s retry delay, so a
    grade that lands meanwhile is shown without that delay."""
    from app.web import lab_attempts as views

    monkeypatch.setattr(views, "STREAM_SECONDS", 0.3)
    monkeypatch.setattr(views, "POLL_SECONDS", 0.1)
    as_user(app, client, people["ana"])
    with client.get(f"/labs/attempts/{people['ana-attempt']}/stream") as streamed:
        body = streamed.get_data(as_text=True)
    events = [e for e in body.split("\n\n") if e.strip()]
    assert events[0] == "retry: 2000"
    assert json.loads(events[1][6:])["status"] == "queued"
    assert events[-1] == "event: again\ndata: {}"


@pytest.mark.parametrize("path", ["", "/progress", "/stream"])
def test_attempts_another_learners_attempt_is_404(app, client, people, path):
    as_user(app, client, people["ben"])
    for attempt in (people["ana-attempt"], people["cy-attempt"], 99999):
        assert client.get(f"/labs/attempts/{attempt}{path}").status_code == 404
    as_user(app, client, people["ana"])
    assert client.get(f"/labs/attempts/{people['cy-attempt']}{path}").status_code == 404
    assert client.get(f"/labs/attempts/{people['ana-attempt']}{path}").status_code == 200


@pytest.mark.parametrize("path", ["", "/progress", "/stream"])
def test_attempts_are_not_reached_by_their_sequential_id(app, client, people, path):
    """Addresses name an attempt by its public id; the row's integer id finds nothing, even
    for the attempt's own learner."""
    as_user(app, client, people["ana"])
    assert client.get(f"/labs/attempts/{people['ana-attempt-id']}{path}").status_code == 404
    as_user(app, client, people["admin"])
    assert client.get(f"/labs/attempts/{people['ana-attempt-id']}{path}").status_code == 404
    assert regrade(client, people["ana-attempt-id"]).status_code == 404


@pytest.mark.parametrize("who", ["ana", "ben", "mentor", "instructor-y"])
def test_attempts_only_reviewers_of_the_learner_may_regrade(app, client, people, labs_root, who):
    grade_all(app, labs_root)
    as_user(app, client, people[who])
    response = regrade(client, people["ana-attempt"])
    assert response.status_code == 403
    assert status_of(app, people["ana-attempt"]).status == "graded"


@pytest.mark.parametrize("who", ["ana", "ben", "mentor"])
def test_attempts_learners_and_mentors_cannot_open_the_submission_list(app, client, people, who):
    as_user(app, client, people[who])
    assert client.get(f"/labs/{factories.LAB_ID}/submissions").status_code == 403


def test_attempts_anonymous_visitors_are_sent_to_sign_in(app, client, people):
    attempt = people["ana-attempt"]
    for url in (
        f"/labs/attempts/{attempt}",
        f"/labs/attempts/{attempt}/progress",
        f"/labs/attempts/{attempt}/stream",
        f"/labs/{factories.LAB_ID}/submissions",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login?next=")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(f"/labs/attempts/{attempt}/regrade", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.startswith("/login?next=")


# Reviewers -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["instructor", "partner"])
def test_attempts_reviewers_see_their_own_organization_only(app, client, people, labs_root, who):
    grade_all(app, labs_root)
    as_user(app, client, people[who])
    listing = client.get(f"/labs/{factories.LAB_ID}/submissions").get_data(as_text=True)
    assert "ana@x.example" in listing and "3 / 5" in listing
    assert "cy@y.example" not in listing and "Cy Learner" not in listing
    assert "ben@x.example" not in listing  # Ben never submitted
    page = html.unescape(
        client.get(f"/labs/attempts/{people['ana-attempt']}").get_data(as_text=True)
    )
    assert "Attempt by Ana Learner" in page and "ana@x.example" in page
    assert "Re-grade this attempt" in page
    for path in ("", "/progress", "/stream"):
        assert client.get(f"/labs/attempts/{people['cy-attempt']}{path}").status_code == 404
    assert regrade(client, people["cy-attempt"]).status_code == 403
    assert status_of(app, people["cy-attempt"]).status == "graded"


def test_attempts_the_platform_admin_sees_every_organization(app, client, people, labs_root):
    grade_all(app, labs_root)
    as_user(app, client, people["admin"])
    listing = client.get(f"/labs/{factories.LAB_ID}/submissions").get_data(as_text=True)
    assert "ana@x.example" in listing and "cy@y.example" in listing
    assert "5 / 5" in listing  # Cy's honest answers
    for attempt in (people["ana-attempt"], people["cy-attempt"]):
        assert client.get(f"/labs/attempts/{attempt}").status_code == 200
    assert regrade(client, people["cy-attempt"]).status_code == 302


def test_attempts_the_submission_list_of_an_unknown_lab_is_404(app, client, people):
    as_user(app, client, people["instructor"])
    assert client.get("/labs/lab-nope/submissions").status_code == 404
    assert client.get("/labs/..%2Fsecret/submissions").status_code == 404


def test_attempts_a_regrade_queues_the_attempt_and_it_is_graded_again(
    app, client, people, labs_root
):
    grade_all(app, labs_root)
    first = status_of(app, people["ana-attempt"])
    as_user(app, client, people["instructor"])
    response = regrade(client, people["ana-attempt"], follow_redirects=True)
    assert response.request.path == f"/labs/attempts/{people['ana-attempt']}"
    assert "Attempt 1 is queued to be graded again." in response.get_data(as_text=True)
    queued = status_of(app, people["ana-attempt"])
    assert (queued.status, queued.progress, queued.notebook) == ("queued", 0, first.notebook)
    again = regrade(client, people["ana-attempt"])
    assert again.status_code == 409
    assert "already waiting to be graded" in again.get_data(as_text=True)
    progress = client.get(f"/labs/attempts/{people['ana-attempt']}/progress").get_json()
    assert progress["status"] == "queued" and not progress["done"]
    grade_all(app, labs_root)
    regraded = status_of(app, people["ana-attempt"])
    assert (regraded.status, regraded.total, regraded.attempt) == ("graded", 3, 1)
    assert regraded.finished_at >= first.finished_at


def test_attempts_a_regrade_without_a_csrf_token_is_400(app, client, people, labs_root):
    grade_all(app, labs_root)
    as_user(app, client, people["instructor"])
    response = client.post(f"/labs/attempts/{people['ana-attempt']}/regrade")
    assert response.status_code == 400
    assert status_of(app, people["ana-attempt"]).status == "graded"

"""Catalog, course and lesson pages, quizzes in place, completion, search and figures."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from app.domain.roles import Role
from app.extensions import db
from app.models import CompetencyEvidence, Course, Question, QuizAttempt
from app.services.quizzes import spec_of
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, csrf_token, sign_in

LESSON = "/courses/demo-course/lessons/demo-first"


def learner(app, client, role=Role.APPRENTICE):
    with app.app_context():
        # Staff teach for an organization; learners may belong to none.
        org = factories.make_org() if role is not Role.APPRENTICE else None
        user = factories.make_user(role=role, org=org)
        db.session.commit()
        sign_in(client, user)
        return user.id


def keys(app, slug):
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.slug == slug))
        return {c.text: c.key for c in spec_of(question).choices}


def post_answer(client, slug, answer, lesson=LESSON, **kwargs):
    token = csrf_token(client.get(lesson).get_data(as_text=True))
    return client.post(
        f"/courses/demo-course/questions/{slug}",
        json={"answer": answer},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        **kwargs,
    )


def test_catalog_and_course_page_are_public(synced, client):
    catalog = client.get("/courses").get_data(as_text=True)
    assert "Demo Course" in catalog and "3 lessons" in catalog
    course = client.get("/courses/demo-course").get_data(as_text=True)
    assert "The first lesson" in course and "MINI.A.1" in course and "Sign in to start" in course


def test_drafts_are_visible_to_instructors_only(synced, client):
    with synced.app_context():
        db.session.scalar(select(Course)).published = False
        db.session.commit()
    assert "Demo Course" not in client.get("/courses").get_data(as_text=True)
    assert client.get("/courses/demo-course").status_code == 403
    learner(synced, client, Role.INSTRUCTOR)
    assert "Draft: visible to instructors" in client.get("/courses").get_data(as_text=True)
    assert client.get(LESSON).status_code == 200


def test_lesson_page_renders_content_without_answers(synced, client):
    learner(synced, client)
    page = client.get(LESSON).get_data(as_text=True)
    assert '<h2 id="s-reading-inputs">Reading inputs</h2>' in page
    assert 'href="/courses/demo-course/lessons/demo-second#later"' in page
    assert 'src="/courses/demo-course/assets/dot.svg"' in page
    assert "What does a PLC do first in each scan?" in page
    assert "correct" not in page.lower().replace("correct the marked", "")
    assert "Inputs are read into the input image first" not in page  # explanation comes later
    assert 'rel="next"' in page and "The second lesson" in page


def test_answering_records_attempt_and_evidence(synced, client):
    user_id = learner(synced, client)
    choice = keys(synced, "demo-first-q1")
    wrong = post_answer(client, "demo-first-q1", choice["Write outputs"]).get_json()
    assert wrong["correct"] is False
    assert wrong["right"] == [{"key": choice["Read inputs"], "text": "Read inputs"}]
    assert "input image" in wrong["explanation"]
    right = post_answer(client, "demo-first-q1", choice["Read inputs"]).get_json()
    assert right["correct"] is True and right["attempts"] == 2
    with synced.app_context():
        evidence = db.session.scalars(
            select(CompetencyEvidence).where(CompetencyEvidence.user_id == user_id)
        ).all()
        assert [(e.competency.code, e.score, e.source_ref, e.purpose) for e in evidence] == [
            ("MINI.A.1", 0.0, "demo-first-q1", "practice"),
            ("MINI.A.1", 1.0, "demo-first-q1", "practice"),
        ]
        assert all(e.content_version == "test" for e in evidence)
    page = client.get(LESSON).get_data(as_text=True)
    assert "Correct." in page and "Attempt 2." in page


def test_numeric_and_order_answers(synced, client):
    learner(synced, client)
    assert post_answer(client, "demo-second-q1", "84.62").get_json()["correct"] is True
    order = keys(synced, "demo-third-q1")
    steps = [order["Read inputs"], order["Run the program"], order["Write outputs"]]
    assert post_answer(client, "demo-third-q1", steps).get_json()["correct"] is True
    swapped = post_answer(client, "demo-third-q1", [steps[1], steps[0], steps[2]]).get_json()
    assert swapped["correct"] is False and swapped["score"] == 1 / 3


def test_bad_answers_get_a_400_with_a_clear_message(synced, client):
    learner(synced, client)
    unknown = post_answer(client, "no-such-question", "x")
    assert unknown.status_code == 400
    assert (
        unknown.get_json()["message"] == "There is no question 'no-such-question' in this course."
    )
    wrong_type = post_answer(client, "demo-second-q1", ["84.6"])
    assert wrong_type.status_code == 400
    assert "does not fit a numeric question" in wrong_type.get_json()["message"]
    not_a_choice = post_answer(client, "demo-first-q1", "made-up-key")
    assert not_a_choice.status_code == 400
    with synced.app_context():
        assert db.session.query(QuizAttempt).count() == 0


def test_answers_work_without_javascript(synced, client):
    learner(synced, client)
    choice = keys(synced, "demo-first-q1")
    token = csrf_token(client.get(LESSON).get_data(as_text=True))
    response = client.post(
        "/courses/demo-course/questions/demo-first-q1",
        data={"csrf_token": token, "answer": choice["Read inputs"]},
    )
    assert response.status_code == 302 and response.location.endswith("#q-demo-first-q1")
    assert "Correct." in client.get(LESSON).get_data(as_text=True)
    order = keys(synced, "demo-third-q1")
    form = {
        "csrf_token": token,
        f"position-{order['Read inputs']}": "1",
        f"position-{order['Run the program']}": "2",
        f"position-{order['Write outputs']}": "2",
    }
    bad = client.post("/courses/demo-course/questions/demo-third-q1", data=form)
    assert bad.status_code == 400 and "exactly once" in bad.get_data(as_text=True)


def test_mark_complete_moves_on_and_counts_progress(synced, client):
    learner(synced, client)
    token = csrf_token(client.get(LESSON).get_data(as_text=True))
    response = client.post(f"{LESSON}/complete", data={"csrf_token": token, "done": "1"})
    assert response.location == "/courses/demo-course/lessons/demo-second"
    course = client.get("/courses/demo-course").get_data(as_text=True)
    assert "1 of 3 lessons done (33 %)" in course
    client.post(f"{LESSON}/complete", data={"csrf_token": token, "done": "0"})
    assert "0 of 3 lessons done" in client.get("/courses/demo-course").get_data(as_text=True)


def test_search_finds_lessons_by_their_text(synced, client):
    page = client.get("/search?q=reach+running").get_data(as_text=True)
    assert "1 lesson found" in page and "The first lesson" in page
    assert "0 lessons found" in client.get("/search?q=%25").get_data(as_text=True)


def test_figures_are_served_sandboxed(synced, client):
    response = client.get("/courses/demo-course/assets/dot.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get("/courses/demo-course/assets/missing.svg").status_code == 404
    etag = response.headers["ETag"]
    assert (
        client.get(
            "/courses/demo-course/assets/dot.svg", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )


def test_rendered_lessons_are_cached_by_content(synced, client):
    """Two learners' pages differ, but the lesson's rendered text is made once for both."""
    other = synced.test_client()
    learner(synced, client)
    learner(synced, other)
    cache = synced.extensions["lesson_cache"]
    client.get(LESSON)
    other.get(LESSON)
    assert (cache.misses, cache.hits) == (1, 1)


def test_dashboard_shows_course_progress_and_evidence(synced, client):
    """Practice shows as practised, never as a score; a checked answer shows as assessed."""
    learner(synced, client)
    choice = keys(synced, "demo-first-q1")
    post_answer(client, "demo-first-q1", choice["Write outputs"])
    post_answer(client, "demo-first-q1", choice["Read inputs"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Demo Course" in page and "0 of 3 lessons" in page
    assert "Your competency evidence" in page
    row = page[page.index("MINI.A.1") :].split("</li>")[0]
    assert "not assessed" in row and "practised (2)" in row and "%" not in row
    checked = keys(synced, "demo-third-q2")
    post_answer(client, "demo-third-q2", checked["Writing the output image"], lesson=THIRD)
    page = client.get("/dashboard").get_data(as_text=True)
    row = page[page.index("MINI.A.2.1") :].split("</li>")[0]
    assert "100 % (1)" in row and "practised" not in row


THIRD = "/courses/demo-course/lessons/demo-third"


def test_a_checked_question_keeps_its_answer_until_the_attempts_are_used(synced, client):
    """Is the right answer of a summative question anywhere in the JSON or the page before
    the learner's attempts are used up? It must not be."""
    learner(synced, client)
    choice = keys(synced, "demo-third-q2")
    secret = ("Writing the output image", "written to the outputs at the end")
    page = client.get(THIRD).get_data(as_text=True)
    assert "Checked question" in page and "3 attempts; the answer is shown when" in page
    assert "Your last attempt counts." in page
    for attempt in (1, 2):
        reply = post_answer(client, "demo-third-q2", choice["Reading inputs"], lesson=THIRD)
        body = reply.get_json()
        assert reply.status_code == 200 and body["correct"] is False
        assert (body["attempts"], body["allowed"], body["remaining"]) == (attempt, 3, 3 - attempt)
        assert body["revealed"] is False and body["closed"] is False
        assert {"right", "right_number", "explanation"}.isdisjoint(body)
        assert choice["Writing the output image"] not in reply.get_data(as_text=True)
        page = client.get(THIRD).get_data(as_text=True)
        feedback = page[page.index('id="q-demo-third-q2"') :].split("</section>")[0]
        assert f"Attempt {attempt} of 3." in feedback
        assert f"{3 - attempt} attempt" in feedback and "left" in feedback
        assert secret[1] not in page and "The right answer" not in feedback
    last = post_answer(client, "demo-third-q2", choice["Reading inputs"], lesson=THIRD).get_json()
    assert last["closed"] is True and last["revealed"] is True and last["remaining"] == 0
    assert last["right"] == [{"key": choice[secret[0]], "text": secret[0]}]
    assert secret[1] in last["explanation"]
    page = client.get(THIRD).get_data(as_text=True)
    feedback = page[page.index('id="q-demo-third-q2"') :].split("</section>")[0]
    assert "Attempt 3 of 3." in feedback and secret[0] in feedback and secret[1] in feedback
    assert "No attempts left</button>" in feedback
    refused = post_answer(client, "demo-third-q2", choice[secret[0]], lesson=THIRD)
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "You have used all 3 attempts at this checked question; its answer is shown now."
    )
    with synced.app_context():
        assert db.session.query(QuizAttempt).count() == 3


def test_a_checked_question_refuses_more_attempts_without_javascript_too(synced, client):
    learner(synced, client)
    choice = keys(synced, "demo-third-q3")
    token = csrf_token(client.get(THIRD).get_data(as_text=True))
    url = "/courses/demo-course/questions/demo-third-q3"
    right = [choice["The inputs are read"], choice["The program runs"]]
    assert client.post(url, data={"csrf_token": token, "answer": right}).status_code == 302
    again = client.post(url, data={"csrf_token": token, "answer": right}, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and "already answered this checked question right" in page
    assert "Answered</button>" in page
    with synced.app_context():
        assert db.session.query(QuizAttempt).count() == 1


def test_practice_questions_say_so(synced, client):
    learner(synced, client)
    page = client.get(LESSON).get_data(as_text=True)
    assert page.count("Practice question") == 2 and "Checked question" not in page
    assert "Practice never counts as assessment." in page


def test_lab_card_opens_the_lab_and_offers_the_learner_notebook_once_built(make_app, tmp_path):
    labs_root = tmp_path / "labs"
    app = make_app(LABS_ROOT=str(labs_root))
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    client = app.test_client()
    learner(app, client)
    lesson = "/courses/demo-course/lessons/demo-second"
    assert "not available to open or download yet" in client.get(lesson).get_data(as_text=True)
    assert client.get(f"{lesson}/labs/lab-demo.ipynb").status_code == 404
    (labs_root / "learner").mkdir(parents=True)
    (labs_root / "lab-demo.ipynb").write_text('{"cells": []}')
    page = client.get(lesson).get_data(as_text=True)
    assert "Open the lab" in page and "Download the blank notebook" not in page
    (labs_root / "learner" / "lab-demo.ipynb").write_text('{"cells": []}')
    page = client.get(lesson).get_data(as_text=True)
    assert f'href="{lesson}/labs/lab-demo"' in page and "Download the blank notebook" in page
    with client.get(f"{lesson}/labs/lab-demo.ipynb") as download:
        assert download.status_code == 200 and download.data == b'{"cells": []}'
        assert "attachment" in download.headers["Content-Disposition"]
    assert client.get(f"{lesson}/labs/..%2Fsecret.ipynb").status_code == 404


def test_a_figure_or_notebook_that_is_a_link_is_never_served(make_app, tmp_path):
    """A link to a secret in assets/ or labs/learner/ answers 404, never the secret."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SHOPFLOOR_SECRET_KEY=leaked")
    tree = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", tree)
    labs_root = tmp_path / "labs"
    (labs_root / "learner").mkdir(parents=True)
    app = make_app(LABS_ROOT=str(labs_root))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["curriculum", "sync", str(tree)]).exit_code == 0
    (tree / "demo-course/assets/env.png").symlink_to(secret)
    (tree / "demo-course/assets/proc.png").symlink_to("/proc/self/environ")
    refused = runner.invoke(args=["curriculum", "sync", str(tree)])
    assert refused.exit_code == 1 and "E-SYMLINK" in refused.output
    (labs_root / "lab-demo.ipynb").write_text('{"cells": []}')
    (labs_root / "learner/lab-demo.ipynb").symlink_to(secret)
    client = app.test_client()
    for name in ("env.png", "proc.png"):
        assert client.get(f"/courses/demo-course/assets/{name}").status_code == 404
    assert client.get("/courses/demo-course/assets/dot.svg").status_code == 200
    learner(app, client)
    lesson = "/courses/demo-course/lessons/demo-second"
    assert "Download the blank notebook" not in client.get(lesson).get_data(as_text=True)
    download = client.get(f"{lesson}/labs/lab-demo.ipynb")
    assert download.status_code == 404 and b"leaked" not in download.data


def test_the_course_outline_lists_each_lessons_labs(make_app, tmp_path):
    """Learners find every lab from the outline: linked once it can be opened."""
    labs_root = tmp_path / "labs"
    app = make_app(LABS_ROOT=str(labs_root))
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    client = app.test_client()
    workspace = "/courses/demo-course/lessons/demo-second/labs/lab-demo"
    anonymous = client.get("/courses/demo-course").get_data(as_text=True)
    assert 'class="outline-lab"' in anonymous and workspace not in anonymous
    learner(app, client)
    page = client.get("/courses/demo-course").get_data(as_text=True)
    assert "(being written)" in page and workspace not in page
    labs_root.mkdir()
    (labs_root / "lab-demo.ipynb").write_text('{"cells": []}')
    page = client.get("/courses/demo-course").get_data(as_text=True)
    assert f'href="{workspace}"' in page and "(being written)" not in page

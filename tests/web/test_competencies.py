"""The competency map, a learner's map for their instructors, and the cohort heatmap pages."""

from __future__ import annotations

from sqlalchemy import select

from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import Question, User
from app.services import quizzes
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sign_in, sync_tree


def setup(app, *, with_curriculum=True):
    with app.app_context():
        if with_curriculum:
            sync_tree(FIXTURE_CURRICULA / "good")
        org = factories.make_org()
        ana = factories.make_user(name="Ana Lopez", org=org)
        ian = factories.make_user(name="Ian Instructor", org=org, role=Role.INSTRUCTOR)
        db.session.commit()
        return ana.id, ian.id


def ref(app, user_id):
    """The address part of a person: their public id."""
    with app.app_context():
        return db.session.get(factories.User, user_id).public_id


def answer_right(app, user_id, slug):
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.slug == slug))
        spec = quizzes.spec_of(question)
        right = [c.key for c in spec.choices if c.correct]
        raw = right[0] if spec.type == "single" else right
        quizzes.answer(db.session.get(User, user_id), question, raw, now=utcnow())
        db.session.commit()


def as_user(app, client, user_id):
    with app.app_context():
        sign_in(client, db.session.get(User, user_id))


def test_the_map_shows_every_competency_and_what_is_missing(app, client):
    ana, _ = setup(app)
    answer_right(app, ana, "demo-third-q2")
    as_user(app, client, ana)
    page = client.get("/competencies/").get_data(as_text=True)
    assert "Your competency map" in page
    for code in ("MINI.A.1", "MINI.A.2", "MINI.A.2.1"):
        assert f'id="c-{code.replace(".", "-")}"' in page
    assert "0 of 3 competencies mastered · 1 started" in page
    assert 'href="/courses/demo-course/lessons/demo-third#q-demo-third-q3"' in page
    assert "Level 2 (Able) needs assessed work scoring at least 80 %; there is none yet." in page
    assert '<svg viewBox="0 0' in page and 'role="img"' in page and "<title" in page
    assert "style=" not in page  # the CSP allows no inline styles


def test_the_map_shows_mastery_once_reached(app, client):
    ana, _ = setup(app)
    answer_right(app, ana, "demo-third-q2")
    answer_right(app, ana, "demo-third-q3")
    as_user(app, client, ana)
    page = client.get("/competencies/").get_data(as_text=True)
    assert "1 of 3 competencies mastered" in page
    assert 'class="tag tag-mastered">Mastered' in page
    assert "Value over time: 100 %, 100 %" in page


def test_the_nav_leads_learners_to_their_map_and_staff_to_the_heatmap(app, client):
    ana, ian = setup(app)
    as_user(app, client, ana)
    assert 'href="/competencies/"' in client.get("/dashboard").get_data(as_text=True)
    as_user(app, client, ian)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/competencies/cohort"' in dashboard and "Open the cohort heatmap" in dashboard


def test_instructors_see_their_learners_maps_but_not_others(app, client):
    ana, ian = setup(app)
    with app.app_context():
        outsider = factories.make_user(role=Role.INSTRUCTOR, org=factories.make_org()).id
        db.session.commit()
    as_user(app, client, ian)
    page = client.get(f"/competencies/learners/{ref(app, ana)}").get_data(as_text=True)
    assert "Ana Lopez: competency map" in page
    assert client.get("/competencies/learners/999999").status_code == 404
    assert client.get(f"/competencies/learners/{ana}").status_code == 404  # not its number
    as_user(app, client, outsider)
    assert client.get(f"/competencies/learners/{ref(app, ana)}").status_code == 403


def test_the_heatmap_and_its_csv_follow_the_filters(app, client):
    ana, ian = setup(app)
    answer_right(app, ana, "demo-third-q2")
    answer_right(app, ana, "demo-third-q3")
    as_user(app, client, ian)
    page = client.get("/competencies/cohort").get_data(as_text=True)
    assert "Cohort competencies" in page and "Ana Lopez" in page
    assert 'class="heat-cell heat-2 heat-mastered"' in page
    assert "1 / 3" in page
    filtered = client.get("/competencies/cohort?domain=NONE").get_data(as_text=True)
    assert "No competency matches these filters." in filtered
    response = client.get("/competencies/cohort.csv?course=demo-course")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mastery-mini.csv"'
    body = response.get_data(as_text=True).splitlines()
    assert body[0].startswith("learner,email,competency,title,level")
    assert any(line.startswith("Ana Lopez,") and ",MINI.A.2.1," in line for line in body)
    assert client.get("/competencies/cohort?course=no-such-course").status_code == 404


def test_without_a_course_there_is_no_map(app, client):
    ana, _ = setup(app, with_curriculum=False)
    as_user(app, client, ana)
    assert client.get("/competencies/").status_code == 404

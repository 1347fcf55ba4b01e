"""Who may open a cohort's gradebook and its CSV, a learner's lab attempt, and who may comment,
set a score or grant attempts on it: every role, own versus another organization, the sponsor
of a learner, and people who belong to two organizations.

In the matrix everyone belongs to "home", a training partner hosting the cohort; the
instructor teaches the cohort and the apprentice learns in it and submitted the lab (graded).
"""

from __future__ import annotations

import pytest

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import (
    Cohort,
    CohortMember,
    Organization,
    ScoreOverride,
    SubmissionComment,
    User,
)
from app.services import lab_catalog
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.factories import LAB_ID
from tests.services.test_gradebook import enrol, limit_lab, make_cohort
from tests.web.test_gradebook import learner_submits

ANON = "anonymous"
ROLES = [ANON, *Role]
OK, LOGIN, FORBIDDEN, NOT_FOUND, DONE = 200, 302, 403, 404, 302
TEACHERS = {Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN}


def teachers_only(role):
    """The cohort's instructor, the host's partner admin and the platform admin."""
    return LOGIN if role == ANON else OK if role in TEACHERS else FORBIDDEN


def learner_and_teachers(role):
    """The learner's own attempt, and their teachers'; anyone else finds nothing."""
    allowed = TEACHERS | {Role.APPRENTICE}
    return LOGIN if role == ANON else OK if role in allowed else NOT_FOUND


MATRIX_GRADEBOOK = {
    "gradebook.cohort": ("/cohorts/{cohort}/gradebook", teachers_only),
    "gradebook.cohort_csv": ("/cohorts/{cohort}/gradebook.csv", teachers_only),
    "lab_attempts.attempt": ("/labs/attempts/{attempt}", learner_and_teachers),
    "lab_attempts.progress": ("/labs/attempts/{attempt}/progress", learner_and_teachers),
    "lab_attempts.stream": ("/labs/attempts/{attempt}/stream", learner_and_teachers),
}


def teachers_change(role):
    """Staff change it; the learner is refused (403: they see the page); others find nothing."""
    if role == ANON:
        return LOGIN
    return DONE if role in TEACHERS else FORBIDDEN if role is Role.APPRENTICE else NOT_FOUND


POSTS_GRADEBOOK = {
    "lab_attempts.comment": ("/labs/attempts/{attempt}/comments", {"body": "Look at cell 3."}),
    "lab_attempts.override_score": (
        "/labs/attempts/{attempt}/score",
        {"total": "4", "reason": "Rounding in the hidden test"},
    ),
    "lab_attempts.clear_score": ("/labs/attempts/{attempt}/score/clear", {"reason": "Re-graded"}),
    "lab_attempts.grant_attempts": (
        "/labs/attempts/{attempt}/extra-attempts",
        {"extra": "1", "reason": "Missed the session"},
    ),
}


@pytest.fixture
def app(lab_app):
    return lab_app


@pytest.fixture
def home(app, labs_root) -> dict:
    with app.app_context():
        lab = limit_lab(labs_root, max_attempts=1)
        org = factories.make_org(slug="home")
        users = {
            role: factories.make_user(role=role, org=None if role is Role.PLATFORM_ADMIN else org)
            for role in Role
        }
        cohort = make_cohort(org, name="Home cohort")
        enrol(cohort, users[Role.APPRENTICE])
        enrol(cohort, users[Role.INSTRUCTOR], role="instructor")
        attempt = learner_submits(users[Role.APPRENTICE], lab)
        db.session.commit()
        factories.grade_queued(labs_root)
        # An override in force, so that "use the autograded score again" has one to clear.
        db.session.add(ScoreOverride(submission_id=attempt.id, total=3.0, reason="Earlier",
                                     created_at=utcnow()))  # fmt: skip
        db.session.commit()
        return {
            "users": {role: user.id for role, user in users.items()},
            "org": org.id,
            "cohort": cohort.public_id,
            "attempt": attempt.public_id,
        }


def as_user(app, client, user_id: int | None) -> None:
    if user_id is None:
        return
    with app.app_context():
        sign_in(client, db.session.get(User, user_id))


def post(client, url: str, data: dict):
    token = csrf_token(client.get("/forgot-password").get_data(as_text=True))  # open to all
    return client.post(url, data={"csrf_token": token, **data})


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("endpoint", sorted(MATRIX_GRADEBOOK))
def test_authz_gradebook_route_answers_each_role(app, client, home, role, endpoint):
    url, expected = MATRIX_GRADEBOOK[endpoint]
    as_user(app, client, None if role == ANON else home["users"][role])
    response = client.get(url.format(**home))
    assert response.status_code == expected(role)
    if role == ANON:
        assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("endpoint", sorted(POSTS_GRADEBOOK))
def test_authz_gradebook_feedback_posts_answer_each_role(app, client, home, role, endpoint):
    url, data = POSTS_GRADEBOOK[endpoint]
    as_user(app, client, None if role == ANON else home["users"][role])
    response = post(client, url.format(**home), data)
    assert response.status_code == teachers_change(role)
    if role == ANON:
        assert response.location.startswith("/login?next=")
    elif response.status_code == DONE:
        assert response.location.startswith(f"/labs/attempts/{home['attempt']}")


def test_authz_gradebook_matrix_names_every_route_of_the_area(app):
    ours = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("gradebook.")
        or rule.rule.startswith("/labs/attempts/")
        or rule.endpoint == "lab_attempts.submissions"
    }
    assert ours == set(MATRIX_GRADEBOOK) | set(POSTS_GRADEBOOK) | {
        "lab_attempts.regrade",  # tests/web/test_lab_attempts.py
        "lab_attempts.submissions",  # tests/web/test_authorization.py
    }


# Own versus other organizations, sponsors and two memberships ----------------------------------


@pytest.fixture
def network(app, home, labs_root) -> dict:
    """Around "home": a host instructor who does not teach the cohort; another college's
    admin and instructor; an employer sponsoring the cohort's learner (its admin and a
    mentor); another learner of the cohort; and people who belong to two organizations."""
    with app.app_context():
        home_org = db.session.get(Organization, home["org"])
        cohort = db.session.scalar(db.select(Cohort).where(Cohort.public_id == home["cohort"]))
        other = factories.make_org(slug="other-college")
        employer = factories.make_org(slug="acme", kind=OrgKind.EMPLOYER)
        made = {
            "bystander": factories.make_user(org=home_org, role=Role.INSTRUCTOR),
            "other-admin": factories.make_user(org=other, role=Role.PARTNER_ADMIN),
            "other-instructor": factories.make_user(org=other, role=Role.INSTRUCTOR),
            "sponsor-admin": factories.make_user(org=employer, role=Role.EMPLOYER),
            "sponsor-mentor": factories.make_user(org=employer, role=Role.MENTOR),
            "classmate": factories.make_user(org=home_org),
            # Teaches the cohort for home, and is an apprentice at the employer.
            "two-hats": factories.make_user(org=employer),
            # A learner of the cohort at home, and an admin of another college.
            "admin-elsewhere": factories.make_user(org=other, role=Role.PARTNER_ADMIN),
            # Was the cohort's instructor, but no longer teaches for home.
            "left-home": factories.make_user(org=other, role=Role.INSTRUCTOR),
            # Sent by the employer; a cohort learner, not a member of home.
            "worker": factories.make_user(org=employer),
        }
        factories.join(made["two-hats"], home_org, Role.INSTRUCTOR)
        factories.join(made["admin-elsewhere"], home_org, Role.APPRENTICE)
        factories.join(made["left-home"], home_org, Role.INSTRUCTOR, active=False)
        learner = db.session.get(User, home["users"][Role.APPRENTICE])
        member = db.session.scalar(
            db.select(CohortMember).where(CohortMember.user_id == learner.id)
        )
        member.sponsor_id = employer.id
        for key, role in (("classmate", "learner"), ("two-hats", "instructor"),
                          ("admin-elsewhere", "learner"), ("left-home", "instructor"),
                          ("worker", "learner")):  # fmt: skip
            enrol(cohort, made[key], role=role)
        lab = lab_catalog.load(labs_root, LAB_ID)
        worker_attempt = learner_submits(made["worker"], lab)
        db.session.commit()
        return {
            **{key: user.id for key, user in made.items()},
            "worker-attempt": worker_attempt.public_id,
        }


@pytest.mark.parametrize(
    ("who", "gradebook", "attempt", "change"),
    [
        ("bystander", FORBIDDEN, OK, DONE),  # reviews home's learners, does not teach the cohort
        ("other-admin", FORBIDDEN, NOT_FOUND, NOT_FOUND),
        ("other-instructor", FORBIDDEN, NOT_FOUND, NOT_FOUND),
        ("sponsor-admin", FORBIDDEN, NOT_FOUND, NOT_FOUND),
        ("sponsor-mentor", FORBIDDEN, NOT_FOUND, NOT_FOUND),
        ("classmate", FORBIDDEN, NOT_FOUND, NOT_FOUND),
        ("two-hats", OK, OK, DONE),
        ("admin-elsewhere", FORBIDDEN, NOT_FOUND, NOT_FOUND),
        ("left-home", FORBIDDEN, NOT_FOUND, NOT_FOUND),
    ],
)
def test_authz_gradebook_across_organizations(
    app, client, home, network, who, gradebook, attempt, change
):
    as_user(app, client, network[who])
    assert client.get(f"/cohorts/{home['cohort']}/gradebook").status_code == gradebook
    assert client.get(f"/cohorts/{home['cohort']}/gradebook.csv").status_code == gradebook
    assert client.get(f"/labs/attempts/{home['attempt']}").status_code == attempt
    assert client.get(f"/labs/attempts/{home['attempt']}/progress").status_code == attempt
    comment = post(client, f"/labs/attempts/{home['attempt']}/comments", {"body": "Hello"})
    assert comment.status_code == change
    with app.app_context():
        written = db.session.scalar(db.select(db.func.count()).select_from(SubmissionComment))
    assert written == (1 if change == DONE else 0)


def test_authz_gradebook_the_cohort_learner_sees_their_comment_but_not_the_gradebook(
    app, client, home
):
    as_user(app, client, home["users"][Role.INSTRUCTOR])
    assert post(client, f"/labs/attempts/{home['attempt']}/comments",
                {"body": "Nice work on cell 2."}).status_code == DONE  # fmt: skip
    as_user(app, client, home["users"][Role.APPRENTICE])
    assert client.get(f"/cohorts/{home['cohort']}/gradebook").status_code == FORBIDDEN
    own = client.get(f"/labs/attempts/{home['attempt']}")
    assert own.status_code == OK and "Nice work on cell 2." in own.get_data(as_text=True)


def test_authz_gradebook_cohort_teachers_reach_a_learner_from_outside_the_host(
    app, client, home, network
):
    """A learner sent by an employer is in the cohort without belonging to home: the
    cohort's instructor still reviews their attempt; home's other instructors do not."""
    url = f"/labs/attempts/{network['worker-attempt']}"
    as_user(app, client, home["users"][Role.INSTRUCTOR])
    assert client.get(url).status_code == OK
    assert post(client, f"{url}/comments", {"body": "Welcome"}).status_code == DONE
    as_user(app, client, network["bystander"])
    assert client.get(url).status_code == NOT_FOUND
    assert post(client, f"{url}/comments", {"body": "Hi"}).status_code == NOT_FOUND
    as_user(app, client, network["sponsor-admin"])  # the employer sends, but does not teach
    assert client.get(url).status_code == NOT_FOUND


def test_authz_gradebook_an_unknown_or_sequential_id_finds_nothing(app, client, home):
    as_user(app, client, home["users"][Role.PLATFORM_ADMIN])
    with app.app_context():
        query = db.select(Cohort.id).where(Cohort.public_id == home["cohort"])
        cohort_id = db.session.scalar(query)
    assert client.get(f"/cohorts/{cohort_id}/gradebook").status_code == NOT_FOUND
    assert client.get("/labs/attempts/1").status_code == NOT_FOUND

"""Who may open and change each cohort page: endpoint × role (as tests/web/test_authorization.py
asks it, for its merge) and endpoint × person around one cohort: its host's admin, an
instructor who teaches it and one who does not, another partner's admin, a learner in it and
one not in it, the staff of the employer sponsoring a learner, a member of two organizations,
the platform admin and a visitor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Cohort, Membership, Organization, User
from app.services import cohorts
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, csrf_token, sign_in, sync_tree

ANON = "anonymous"
ROLES = [ANON, *Role]
OK, LOGIN, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404

HOME_COHORT = "home-cohort-0000"  # a public id fixed for the matrix's URLs
HOME_CODE = "HMKT4Q7R"


def make_home_cohort(home: Organization, people: dict) -> Cohort:
    """The cohort the matrix reads: hosted by "home", taught by its instructor, with its
    apprentice as a learner. *people* maps Role → user id (as test_authorization's fixture)."""
    admin = db.session.get(User, people[Role.PARTNER_ADMIN])
    instructor = db.session.get(User, people[Role.INSTRUCTOR])
    cohort = cohorts.create(
        home,
        cohorts.Draft(
            "Home cohort",
            "demo-course",
            None,
            utcnow().date(),
            utcnow().date(),
            instructor_ids=(instructor.public_id,),
        ),
        actor=admin,
        now=utcnow(),
    )
    cohort.public_id, cohort.join_code = HOME_COHORT, HOME_CODE
    learner = db.session.get(User, people[Role.APPRENTICE])
    cohorts.enrol(cohort, learner, via="admin", actor=admin, now=utcnow())
    db.session.flush()
    return cohort


def managers(role):
    """The host's partner admins and the platform admin."""
    return {ANON: LOGIN, Role.PARTNER_ADMIN: OK, Role.PLATFORM_ADMIN: OK}.get(role, FORBIDDEN)


def teachers(role):
    """Managers, and the instructors who teach the cohort."""
    return OK if role is Role.INSTRUCTOR else managers(role)


def viewers(role):
    """Teachers and the cohort's learners (home's mentor and employer are neither)."""
    return OK if role is Role.APPRENTICE else teachers(role)


def signed_in_only(role):
    return LOGIN if role == ANON else OK


C = f"/cohorts/{HOME_COHORT}"
# endpoint → (URL, expected status for each role), in test_authorization.MATRIX's form.
MATRIX_COHORTS = {
    "cohorts.index": ("/orgs/home/cohorts", teachers),
    "cohorts.new": ("/orgs/home/cohorts/new", managers),
    "cohorts.detail": (C, viewers),
    "cohorts.edit": (f"{C}/edit", managers),
    "cohorts.join": ("/join", signed_in_only),
    "cohorts.join_code": (f"/join/{HOME_CODE}", lambda role: OK),  # the invite link: anyone
    "cohorts.roster": (f"{C}/roster", managers),
    "cohorts.roster_template": (f"{C}/roster/template.csv", managers),
    "cohorts.people": (f"{C}/people", teachers),
    "cohorts.people_csv": (f"{C}/people.csv", teachers),
    "cohorts.move": (f"{C}/people/{{apprentice}}/move", teachers),
    "cohorts.due_dates": (f"{C}/due-dates", teachers),
}
POST_ONLY_COHORTS = {
    "cohorts.join_submit",
    "cohorts.roster_confirm",
    "cohorts.withdraw",
    "cohorts.add_instructor",
    "cohorts.remove_instructor",
    "cohorts.change_join_code",
}


@pytest.fixture
def people(app):
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        home = factories.make_org(slug="home")
        users = {
            role: factories.make_user(
                role=role, org=None if role is Role.PLATFORM_ADMIN else home
            ).id
            for role in Role
        }
        make_home_cohort(home, users)
        db.session.commit()
    return users


def test_matrix_covers_every_cohort_route(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("cohorts.")}
    assert endpoints == set(MATRIX_COHORTS) | POST_ONLY_COHORTS


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("endpoint", sorted(MATRIX_COHORTS))
def test_cohort_route_answers_each_role_as_expected(app, client, people, role, endpoint):
    url, expected = MATRIX_COHORTS[endpoint]
    if role != ANON:
        with app.app_context():
            sign_in(client, db.session.get(User, people[role]))
    with app.app_context():
        apprentice = db.session.get(User, people[Role.APPRENTICE]).public_id
    response = client.get(url.format(apprentice=apprentice))
    assert response.status_code == expected(role)
    if response.status_code == LOGIN and role == ANON:
        assert response.location.startswith("/login?next=")


# -- Around one cohort: each kind of person ------------------------------------------------------

PERSONS = [
    "host_admin",
    "teaching_instructor",
    "other_instructor",
    "other_admin",
    "learner_in",
    "learner_out",
    "sponsor_hr",
    "sponsor_mentor",
    "two_orgs",
    "platform",
    ANON,
]
VIEW = {
    "host_admin",
    "teaching_instructor",
    "learner_in",
    "sponsor_hr",
    "sponsor_mentor",
    "two_orgs",
    "platform",
}
TEACH = {"host_admin", "teaching_instructor", "platform"}
MANAGE = {"host_admin", "platform"}
# The host's list: its instructors open it too, and see only the cohorts they teach.
LIST = TEACH | {"other_instructor"}


@pytest.fixture
def world(app):
    """Lakeshore hosts the cohort; Carver is another partner; Acme sponsors Lena, a learner in
    it. Tomas is a partner admin at Carver and a learner in Lakeshore's cohort."""
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        host = factories.make_org(slug="lakeshore", name="Lakeshore Community College")
        other = factories.make_org(slug="carver", name="Carver State")
        acme = factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
        make = factories.make_user
        p = {
            "host_admin": make(role=Role.PARTNER_ADMIN, org=host),
            "teaching_instructor": make(role=Role.INSTRUCTOR, org=host),
            "other_instructor": make(role=Role.INSTRUCTOR, org=host),
            "other_admin": make(role=Role.PARTNER_ADMIN, org=other),
            "learner_in": make(role=Role.APPRENTICE, org=host, name="Lena In"),
            "learner_out": make(role=Role.APPRENTICE, org=host),
            "sponsor_hr": make(role=Role.EMPLOYER, org=acme),
            "sponsor_mentor": make(role=Role.MENTOR, org=acme),
            "two_orgs": make(role=Role.PARTNER_ADMIN, org=other, name="Tomas Two"),
            "platform": make(role=Role.PLATFORM_ADMIN),
        }
        cohort = cohorts.create(
            host,
            cohorts.Draft(
                "Fall evening",
                "demo-course",
                None,
                utcnow().date(),
                utcnow().date(),
                instructor_ids=(p["teaching_instructor"].public_id,),
            ),
            actor=p["host_admin"],
            now=utcnow(),
        )
        second = cohorts.create(
            host,
            cohorts.Draft("Spring day", "demo-course", None, utcnow().date(), utcnow().date()),
            actor=p["host_admin"],
            now=utcnow(),
        )
        cohorts.enrol(
            cohort,
            p["learner_in"],
            via="roster",
            actor=p["host_admin"],
            now=utcnow(),
            sponsor_id=acme.id,
        )
        cohorts.enrol(cohort, p["two_orgs"], via="code", actor=None, now=utcnow())
        db.session.commit()
        ids = {name: user.id for name, user in p.items()}
        ids.update(
            cohort=cohort.public_id,
            second=second.public_id,
            code=cohort.join_code,
            lena=p["learner_in"].public_id,
            teacher=p["teaching_instructor"].public_id,
            other_instructor_id=p["other_instructor"].public_id,
        )
        return ids


def act_as(app, client, world, person: str) -> str:
    """Sign *person* in and return a CSRF token of their session."""
    if person == ANON:
        return csrf_token(client.get("/login").get_data(as_text=True))
    with app.app_context():
        sign_in(client, db.session.get(User, world[person]))
    return csrf_token(client.get("/account/").get_data(as_text=True))


def pages(w) -> dict[str, tuple[str, set[str]]]:
    c = f"/cohorts/{w['cohort']}"
    return {
        "list": ("/orgs/lakeshore/cohorts", LIST),
        "new": ("/orgs/lakeshore/cohorts/new", MANAGE),
        "detail": (c, VIEW),
        "edit": (f"{c}/edit", MANAGE),
        "roster": (f"{c}/roster", MANAGE),
        "template": (f"{c}/roster/template.csv", MANAGE),
        "people": (f"{c}/people", TEACH),
        "people_csv": (f"{c}/people.csv", TEACH),
        "move": (f"{c}/people/{w['lena']}/move", TEACH),
        "due_dates": (f"{c}/due-dates", TEACH),
    }


@pytest.mark.parametrize("person", PERSONS)
def test_each_person_reaches_exactly_their_pages(app, client, world, person):
    act_as(app, client, world, person)
    for name, (url, allowed) in pages(world).items():
        response = client.get(url)
        if person == ANON:
            assert response.status_code == LOGIN, name
            assert response.location.startswith("/login?next="), name
        else:
            assert response.status_code == (OK if person in allowed else FORBIDDEN), name


def posts(w) -> dict[str, tuple[str, dict, set[str]]]:
    c = f"/cohorts/{w['cohort']}"
    return {
        "withdraw": (f"{c}/people/{w['lena']}/withdraw", {}, TEACH),
        "move": (f"{c}/people/{w['lena']}/move", {"target": w["second"]}, TEACH),
        "due_dates": (f"{c}/due-dates", {"due-quiz-demo-first": "2026-10-01"}, TEACH),
        "join_code": (f"{c}/join-code", {"action": "regenerate"}, MANAGE),
        "add_instructor": (f"{c}/instructors", {"instructor": w["other_instructor_id"]}, MANAGE),
        "remove_instructor": (f"{c}/instructors/{w['teacher']}/remove", {}, MANAGE),
        "roster_confirm": (f"{c}/roster/confirm", {"token": "forged"}, MANAGE),
        "edit": (f"{c}/edit", {"name": "Renamed"}, MANAGE),
    }


@pytest.mark.parametrize(
    "action",
    [
        "withdraw",
        "move",
        "due_dates",
        "join_code",
        "add_instructor",
        "remove_instructor",
        "roster_confirm",
        "edit",
    ],
)
@pytest.mark.parametrize("person", PERSONS)
def test_each_person_may_change_exactly_what_they_should(app, client, world, person, action):
    token = act_as(app, client, world, person)
    url, data, allowed = posts(world)[action]
    with app.app_context():
        before = _state(world)
    response = client.post(url, data={"csrf_token": token, **data})
    if person == ANON:
        assert response.status_code == LOGIN and response.location.startswith("/login?next=")
    elif person in allowed:
        assert response.status_code in (OK, 302, 422), response.status_code
    else:
        assert response.status_code == FORBIDDEN
    with app.app_context():
        if person not in allowed:
            assert _state(world) == before  # a refused change leaves everything as it was


def _state(world) -> tuple:
    cohort = cohorts.get(world["cohort"])
    members = sorted((m.user_id, m.role, m.status) for m in cohort.members)
    return (cohort.name, cohort.join_code, members, len(cohort.due_dates))


def test_a_member_of_two_organizations_acts_in_each_by_their_role_there(app, client, world):
    """Tomas administers Carver and learns in Lakeshore's cohort: Carver's cohort list is his,
    Lakeshore's cohort page is his as a learner, and nothing of Lakeshore's staff pages."""
    act_as(app, client, world, "two_orgs")
    assert client.get("/orgs/carver/cohorts").status_code == OK
    assert client.get("/orgs/carver/cohorts/new").status_code == OK
    assert client.get(f"/cohorts/{world['cohort']}").status_code == OK
    assert "staff pages" not in client.get(f"/cohorts/{world['cohort']}").get_data(as_text=True)
    for url in ("/orgs/lakeshore/cohorts", f"/cohorts/{world['cohort']}/people"):
        assert client.get(url).status_code == FORBIDDEN


def test_the_invite_link_shows_the_cohort_and_none_of_its_people(app, client, world):
    """The code page is for people about to join: anyone holding the code sees the cohort's
    name, dates and schedule, never who is in it."""
    act_as(app, client, world, "other_admin")
    with app.app_context():
        lena = db.session.get(User, world["learner_in"])
    page = client.get(f"/join/{world['code']}").get_data(as_text=True)
    assert "Join Fall evening" in page
    assert lena.name not in page and lena.email not in page


def test_withdrawing_the_sponsored_learner_closes_the_page_to_the_sponsor(app, client, world):
    """Ending a place never widens who sees the cohort: the sponsor saw it through Lena."""
    act_as(app, client, world, "sponsor_hr")
    assert client.get(f"/cohorts/{world['cohort']}").status_code == OK
    with app.app_context():
        member = cohorts.learner(cohorts.get(world["cohort"]), world["lena"])
        cohorts.withdraw(member, actor=db.session.get(User, world["host_admin"]), now=utcnow())
        db.session.commit()
    assert client.get(f"/cohorts/{world['cohort']}").status_code == FORBIDDEN


def test_an_instructor_who_leaves_the_host_loses_the_cohort(app, client, world):
    act_as(app, client, world, "teaching_instructor")
    assert client.get(f"/cohorts/{world['cohort']}/people").status_code == OK
    with app.app_context():
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == world["teaching_instructor"])
        )
        membership.active = False
        db.session.commit()
    for page in ("people", "people.csv", "due-dates"):
        assert client.get(f"/cohorts/{world['cohort']}/{page}").status_code == FORBIDDEN


def test_teachers_move_learners_only_to_cohorts_they_teach(app, client, world):
    act_as(app, client, world, "teaching_instructor")
    page = client.get(f"/cohorts/{world['cohort']}/people/{world['lena']}/move")
    assert "Spring day" not in page.get_data(as_text=True)  # Ian does not teach it
    token = csrf_token(client.get("/account/").get_data(as_text=True))
    response = client.post(
        f"/cohorts/{world['cohort']}/people/{world['lena']}/move",
        data={"csrf_token": token, "target": world["second"]},
    )
    assert response.status_code == 422
    with app.app_context():
        assert cohorts.is_learner(
            cohorts.get(world["cohort"]), db.session.get(User, world["learner_in"])
        )


def test_unknown_cohorts_and_learners_are_404_for_everyone(app, client, world):
    act_as(app, client, world, "platform")
    assert client.get("/cohorts/not-a-cohort").status_code == NOT_FOUND
    assert client.get(f"/cohorts/{world['cohort']}/people/not-a-person/move").status_code == 404
    assert client.get("/orgs/no-such-org/cohorts").status_code == NOT_FOUND

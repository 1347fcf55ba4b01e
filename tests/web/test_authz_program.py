"""Who may open the state program view: every endpoint × every kind of person, by
organization. Only the program operator's own staff (and the platform admin) see a program's
figures and exports; the staff of another program, the partners and employers taking part,
and their people get 403, whatever else they are."""

from __future__ import annotations

import pytest

from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Organization, User
from tests import factories
from tests.conftest import sign_in

OK, LOGIN, REDIRECT, FORBIDDEN = 200, 302, 302, 403
ANON = "anonymous"

# Who each persona is: (role, organization slug) memberships; "deactivated" ones grant nothing.
PERSONAS: dict[str, list[tuple[Role, str]]] = {
    "program_staff": [(Role.PARTNER_ADMIN, "great-lakes")],
    "other_program_staff": [(Role.PARTNER_ADMIN, "elsewhere")],
    "partner_admin_of_participant": [(Role.PARTNER_ADMIN, "lakeshore")],
    "instructor_of_participant": [(Role.INSTRUCTOR, "lakeshore")],
    "employer_of_participant": [(Role.EMPLOYER, "riverbend")],
    "mentor_of_participant": [(Role.MENTOR, "riverbend")],
    "apprentice": [(Role.APPRENTICE, "lakeshore")],
    "platform_admin": [],
    # Two organizations: what one membership grants, the other does not take away or add to.
    "partner_admin_and_other_program_staff": [
        (Role.PARTNER_ADMIN, "lakeshore"),
        (Role.PARTNER_ADMIN, "elsewhere"),
    ],
    "instructor_and_program_staff": [
        (Role.INSTRUCTOR, "lakeshore"),
        (Role.PARTNER_ADMIN, "great-lakes"),
    ],
    "apprentice_of_the_operator": [(Role.APPRENTICE, "great-lakes")],
}
DEACTIVATED = "former_program_staff"  # a partner admin of the operator, deactivated
ALL = [ANON, *PERSONAS, DEACTIVATED]
STAFF = {"program_staff", "instructor_and_program_staff", "platform_admin"}
OTHER_STAFF = {"other_program_staff", "partner_admin_and_other_program_staff"}


def staff_only(persona: str) -> int:
    if persona == ANON:
        return LOGIN
    return OK if persona in STAFF else FORBIDDEN


def to_own_program(persona: str) -> int:
    """/programs: the one program a person works for (a redirect), the platform admin's list
    of every program, and 403 for people who work for none."""
    if persona == ANON:
        return LOGIN
    if persona == "platform_admin":
        return OK
    return REDIRECT if persona in STAFF | OTHER_STAFF else FORBIDDEN


QUERY = "period=2026&partner=lakeshore"
MATRIX_PROGRAM = {
    "program.index": ("/programs", to_own_program),
    "program.dashboard": (f"/programs/great-lakes?{QUERY}", staff_only),
    "program.competencies": (f"/programs/great-lakes/competencies?{QUERY}", staff_only),
    "program.report_csv": (f"/programs/great-lakes/report.csv?table=partners&{QUERY}", staff_only),
}


@pytest.fixture
def people(app):
    with app.app_context():
        orgs = {
            "great-lakes": factories.make_org(slug="great-lakes", kind=OrgKind.PROGRAM_OPERATOR),
            "elsewhere": factories.make_org(slug="elsewhere", kind=OrgKind.PROGRAM_OPERATOR),
        }
        orgs["lakeshore"] = factories.make_org(slug="lakeshore")
        orgs["riverbend"] = factories.make_org(slug="riverbend", kind=OrgKind.EMPLOYER)
        for slug in ("lakeshore", "riverbend"):
            orgs[slug].program_operator_id = orgs["great-lakes"].id
        ids = {}
        for persona, memberships in PERSONAS.items():
            if persona == "platform_admin":
                ids[persona] = factories.make_user(role=Role.PLATFORM_ADMIN).id
                continue
            (role, slug), *more = memberships
            user = factories.make_user(role=role, org=orgs[slug])
            for role, slug in more:
                factories.join(user, orgs[slug], role)
            ids[persona] = user.id
        former = factories.make_user(role=Role.APPRENTICE, org=orgs["lakeshore"])
        factories.join(former, orgs["great-lakes"], Role.PARTNER_ADMIN, active=False)
        ids[DEACTIVATED] = former.id
        db.session.commit()
    return ids


def test_the_matrix_covers_every_program_route(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("program.")}
    assert endpoints == set(MATRIX_PROGRAM)


@pytest.mark.parametrize("persona", ALL)
@pytest.mark.parametrize("endpoint", sorted(MATRIX_PROGRAM))
def test_program_route_answers_each_persona_as_expected(app, client, people, persona, endpoint):
    url, expected = MATRIX_PROGRAM[endpoint]
    if persona != ANON:
        with app.app_context():
            sign_in(client, db.session.get(User, people[persona]))
    response = client.get(url)
    assert response.status_code == expected(persona), response.get_data(as_text=True)[:300]
    if persona == ANON:
        assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("persona", sorted(OTHER_STAFF))
def test_another_programs_staff_are_sent_to_their_own_program(app, client, people, persona):
    with app.app_context():
        sign_in(client, db.session.get(User, people[persona]))
    assert client.get("/programs").location.endswith("/programs/elsewhere")
    assert client.get("/programs/elsewhere?period=2026").status_code == OK
    assert client.get("/programs/great-lakes").status_code == FORBIDDEN


def test_staff_of_two_programs_choose_between_them(app, client, people):
    with app.app_context():
        user = db.session.get(User, people["program_staff"])
        elsewhere = db.session.scalar(db.select(Organization).filter_by(slug="elsewhere"))
        factories.join(user, elsewhere, Role.PARTNER_ADMIN)
        db.session.commit()
        sign_in(client, user)
    page = client.get("/programs")
    assert page.status_code == OK
    text = page.get_data(as_text=True)
    assert 'href="/programs/great-lakes"' in text and 'href="/programs/elsewhere"' in text


def test_a_partners_own_address_is_no_program_for_its_admin(app, client, people):
    """A participating partner's admin cannot reach figures through their own slug either."""
    with app.app_context():
        sign_in(client, db.session.get(User, people["partner_admin_of_participant"]))
    assert client.get("/programs/lakeshore").status_code == 404
    assert client.get("/programs/lakeshore/report.csv?table=summary").status_code == 404

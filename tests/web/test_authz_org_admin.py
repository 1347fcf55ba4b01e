"""Who may administer an organization: every endpoint × role, then own organization against
another of the same kind, and a person who is an admin in one organization and a learner in
another. Refused changes write nothing.

MATRIX_ORG_ADMIN and POST_ONLY_ORG_ADMIN are in the style of tests/web/test_authorization.py,
to be merged into its MATRIX and POST_ONLY.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import AuditEvent, Organization, User
from app.services import invitations, memberships
from tests import factories
from tests.conftest import csrf_token, sign_in

ANON = "anonymous"
ROLES = [ANON, *Role]
OK, LOGIN, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404


def platform_admin_only(role):
    return {ANON: LOGIN, Role.PLATFORM_ADMIN: OK}.get(role, FORBIDDEN)


def org_admins_only(role):
    """The organization's admins ("home" is a training partner: its partner admins) and the
    platform admin. An "employer" member of a training partner administers nothing there."""
    return {ANON: LOGIN, Role.PARTNER_ADMIN: OK, Role.PLATFORM_ADMIN: OK}.get(role, FORBIDDEN)


def org_admins_but_not_oneself(role):
    """Deactivating the apprentice: the admins, but the apprentice never deactivates themselves."""
    return org_admins_only(role)


# endpoint → (URL, expected status for each role); {apprentice} is the apprentice's public id.
MATRIX_ORG_ADMIN = {
    "org_admin.new_org": ("/admin/orgs/new", platform_admin_only),
    "org_admin.edit_org": ("/orgs/home/edit", org_admins_only),
    "org_admin.members": ("/orgs/home/members", org_admins_only),
    "org_admin.audit_trail": ("/orgs/home/audit", org_admins_only),
    "org_admin.deactivate": (
        "/orgs/home/members/{apprentice}/deactivate",
        org_admins_but_not_oneself,
    ),
    # A made-up link finds nothing, whoever asks; anyone with a real link may open it.
    "invitations.show": ("/invitations/not-a-real-token", lambda role: NOT_FOUND),
}
# Routes that only accept POST (checked in test_csrf and below).
POST_ONLY_ORG_ADMIN = {
    "org_admin.invite",
    "org_admin.resend",
    "org_admin.withdraw",
    "org_admin.change_role",
    "org_admin.reactivate",
    "invitations.accept",
    "invitations.register",
    "invitations.sign_out",
}


@pytest.fixture
def people(app):
    """One person per role in "home" (a training partner); the platform admin in none."""
    with app.app_context():
        home = factories.make_org(slug="home")
        users = {
            role: factories.make_user(role=role, org=None if role is Role.PLATFORM_ADMIN else home)
            for role in Role
        }
        db.session.commit()
        return {role: (user.id, user.public_id) for role, user in users.items()}


def test_matrix_covers_every_route_of_these_blueprints(app):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("org_admin", "invitations")
    }
    assert endpoints == set(MATRIX_ORG_ADMIN) | POST_ONLY_ORG_ADMIN


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("endpoint", sorted(MATRIX_ORG_ADMIN))
def test_route_answers_each_role_as_expected(app, client, people, role, endpoint):
    url, expected = MATRIX_ORG_ADMIN[endpoint]
    if role != ANON:
        with app.app_context():
            sign_in(client, db.session.get(User, people[role][0]))
    response = client.get(url.format(apprentice=people[Role.APPRENTICE][1]))
    assert response.status_code == expected(role)
    if response.status_code == LOGIN and role == ANON:
        assert response.location.startswith("/login?next=")


# -- Own organization, another of the same kind, and a member of two ---------------------------


@pytest.fixture
def world(app):
    """Two colleges and two employers, each with an admin; at college A an instructor and a
    learner; Dana is the partner admin of college A and a learner at college B."""
    with app.app_context():
        a = factories.make_org(slug="college-a", name="College A")
        b = factories.make_org(slug="college-b", name="College B")
        acme = factories.make_org(slug="acme", name="Acme", kind=OrgKind.EMPLOYER)
        bolt = factories.make_org(slug="bolt", name="Bolt Works", kind=OrgKind.EMPLOYER)
        people = {
            "platform": factories.make_user(role=Role.PLATFORM_ADMIN),
            "admin_a": factories.make_user(role=Role.PARTNER_ADMIN, org=a),
            "admin_b": factories.make_user(role=Role.PARTNER_ADMIN, org=b),
            "instructor_a": factories.make_user(role=Role.INSTRUCTOR, org=a),
            "learner_a": factories.make_user(role=Role.APPRENTICE, org=a),
            "learner_b": factories.make_user(role=Role.APPRENTICE, org=b),
            "dana": factories.make_user(name="Dana Two-Orgs", role=Role.PARTNER_ADMIN, org=a),
            "hr_acme": factories.make_user(role=Role.EMPLOYER, org=acme),
            "hr_bolt": factories.make_user(role=Role.EMPLOYER, org=bolt),
            "worker_acme": factories.make_user(role=Role.APPRENTICE, org=acme),
            "worker_bolt": factories.make_user(role=Role.APPRENTICE, org=bolt),
        }
        factories.join(people["dana"], b, Role.APPRENTICE)
        for org in (a, b, acme, bolt):
            admin = next(
                u
                for u in people.values()
                if memberships.find(u, org)
                and memberships.find(u, org).role in (Role.PARTNER_ADMIN, Role.EMPLOYER)
            )
            invitations.create(
                org, f"new@{org.slug}.example", Role.MENTOR, actor=admin, now=utcnow()
            )
        db.session.commit()
        return {
            "ids": {name: (u.id, u.public_id) for name, u in people.items()},
            "invitations": {
                org.slug: invitations.pending_for(org)[0].public_id for org in (a, b, acme, bolt)
            },
        }


def login(app, client, world, name: str) -> None:
    if name != ANON:
        with app.app_context():
            sign_in(client, db.session.get(User, world["ids"][name][0]))


def events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def pages(slug: str) -> list[str]:
    return [f"/orgs/{slug}/members", f"/orgs/{slug}/audit", f"/orgs/{slug}/edit"]


def changes(world, slug: str, learner: str) -> list[tuple[str, dict]]:
    """Every POST of organization administration, aimed at *slug* and its *learner*."""
    member = world["ids"][learner][1]
    invitation = world["invitations"][slug]
    return [
        (f"/orgs/{slug}/invitations", {"email": "x@y.example", "role": "mentor"}),
        (f"/orgs/{slug}/invitations/{invitation}/resend", {}),
        (f"/orgs/{slug}/invitations/{invitation}/withdraw", {}),
        (f"/orgs/{slug}/members/{member}/role", {"role": "mentor"}),
        (f"/orgs/{slug}/members/{member}/deactivate", {"note": ""}),
        (f"/orgs/{slug}/members/{member}/reactivate", {}),
        (f"/orgs/{slug}/edit", {"name": "Renamed"}),
    ]


def post(client, url: str, data: dict):
    token = csrf_token(
        client.get("/login" if _anonymous(client) else "/account/").get_data(as_text=True)
    )
    return client.post(url, data={"csrf_token": token, **data})


def _anonymous(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" not in session


@pytest.mark.parametrize(
    ("name", "slug", "learner", "allowed"),
    [
        ("platform", "college-a", "learner_a", True),
        ("admin_a", "college-a", "learner_a", True),
        ("admin_b", "college-a", "learner_a", False),  # another college's admin
        ("instructor_a", "college-a", "learner_a", False),
        ("learner_a", "college-a", "instructor_a", False),
        ("dana", "college-a", "learner_a", True),  # admin at A …
        ("dana", "college-b", "learner_b", False),  # … a learner at B
        ("hr_acme", "acme", "worker_acme", True),
        ("hr_bolt", "acme", "worker_acme", False),  # another employer's HR
        ("worker_acme", "acme", "hr_acme", False),
        ("admin_a", "acme", "worker_acme", False),  # a college's admin at an employer
    ],
)
def test_who_may_administer_which_organization(app, client, world, name, slug, learner, allowed):
    login(app, client, world, name)
    for url in pages(slug):
        assert client.get(url).status_code == (OK if allowed else FORBIDDEN), url
    before = events(app)
    for url, data in changes(world, slug, learner):
        response = post(client, url, data)
        if allowed:
            assert response.status_code == 302, url
        else:
            assert response.status_code == FORBIDDEN, url
            assert events(app) == before, f"{url} wrote to the audit trail"
    if allowed:
        assert events(app) > before
    else:
        with app.app_context():
            org = db.session.scalar(select(Organization).where(Organization.slug == slug))
            assert org.name != "Renamed"


def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(app, client, world):
    for url in pages("college-a"):
        response = client.get(url)
        assert response.status_code == LOGIN and response.location.startswith("/login?next=")
    for url, data in changes(world, "college-a", "learner_a"):
        response = post(client, url, data)
        assert response.status_code == LOGIN, url
    assert events(app) == 0 + 4  # only the four invitations of the fixture


def test_only_the_platform_admin_creates_organizations(app, client, world):
    data = {"kind": "employer", "name": "New Co", "slug": "new-co", "admin_email": "a@b.example"}
    for name in ("admin_a", "hr_acme", "dana", "learner_a"):
        login(app, client, world, name)
        assert client.get("/admin/orgs/new").status_code == FORBIDDEN
        assert post(client, "/admin/orgs/new", data).status_code == FORBIDDEN
    login(app, client, world, "platform")
    assert post(client, "/admin/orgs/new", data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.slug == "new-co"))


def test_org_admins_see_the_kind_and_program_but_cannot_change_them(app, client, world):
    """Kind and program are the platform admin's: a posted value is ignored."""
    login(app, client, world, "hr_acme")
    data = {"name": "Acme", "kind": "training_partner", "program_operator": ""}
    assert post(client, "/orgs/acme/edit", data).status_code == 302
    with app.app_context():
        acme = db.session.scalar(select(Organization).where(Organization.slug == "acme"))
        assert acme.kind is OrgKind.EMPLOYER


def test_a_deactivated_admin_administers_nothing(app, client, world):
    with app.app_context():
        a = db.session.scalar(select(Organization).where(Organization.slug == "college-a"))
        admin = db.session.get(User, world["ids"]["admin_a"][0])
        memberships.deactivate(memberships.find(admin, a), actor=None, now=utcnow())
        db.session.commit()
    login(app, client, world, "admin_a")
    for url in pages("college-a"):
        assert client.get(url).status_code == FORBIDDEN

"""Organization administration pages: founding an organization with its first admin, editing
its details, the member list (invite, send again, withdraw, change role, deactivate,
reactivate) and the audit trail; each refused change says why and changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import event, func, select

from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import AuditEvent, Invitation, Membership, Organization, User
from app.services import audit, invitations, memberships
from tests import factories
from tests.conftest import csrf_token, sign_in

TOKEN_LINK = re.compile(r"https?://\S+/invitations/(\S+)")


@dataclass
class Site:
    pia: int  # platform admin
    pat: int  # partner admin of the college
    ian: int  # instructor
    ana: int  # learner
    mo: int  # mentor
    ana_id: str  # Ana's public id
    mo_id: str
    pat_id: str
    program: int  # a program operator's id


@pytest.fixture
def site(app) -> Site:
    with app.app_context():
        college = factories.make_org(slug="lakeshore", name="Lakeshore College")
        program = factories.make_org(slug="ohio", name="Ohio SMLP", kind=OrgKind.PROGRAM_OPERATOR)
        pat = factories.make_user(name="Pat Price", role=Role.PARTNER_ADMIN, org=college)
        ian = factories.make_user(name="Ian Reyes", role=Role.INSTRUCTOR, org=college)
        ana = factories.make_user(name="Ana Lopez", email="ana@plant.example", org=college)
        mo = factories.make_user(name="Mo Okafor", role=Role.MENTOR, org=college)
        pia = factories.make_user(name="Pia Platform", role=Role.PLATFORM_ADMIN)
        db.session.commit()
        return Site(
            pia.id,
            pat.id,
            ian.id,
            ana.id,
            mo.id,
            ana.public_id,
            mo.public_id,
            pat.public_id,
            program.id,
        )


def login(app, client, user_id: int) -> None:
    with app.app_context():
        sign_in(client, db.session.get(User, user_id))


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST with the session's CSRF token, as the page's form would."""
    token = csrf_token(client.get("/account/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(client) -> str:
    """The next page's flash messages."""
    page = text(client.get("/account/"))
    found = re.search(r'<div class="flashes" role="status">(.*?)</div>', page, re.S)
    return " ".join(found.group(1).split()) if found else ""


def membership_of(app, user_id: int, slug: str = "lakeshore") -> Membership | None:
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.slug == slug))
        found = memberships.find(db.session.get(User, user_id), org)
        if found is not None:
            db.session.expunge(found)
        return found


def trail(app, slug: str = "lakeshore") -> list[str]:
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.slug == slug))
        return [e.action for e in audit.for_organization(org)]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# -- Founding an organization ------------------------------------------------------------------

NEW = {
    "kind": "employer",
    "name": "Acme Plastics",
    "slug": "acme",
    "location": "Akron, OH",
    "state": "OH",
    "county": "Summit",
    "description": "Injection moulding for the automotive trade.",
    "program_operator": "",
    "admin_email": "Eve@Acme.example",
    "admin_name": "Eve Stone",
}


def test_new_organization_form_offers_kinds_states_and_programs(app, client, site):
    login(app, client, site.pia)
    page = text(client.get("/admin/orgs/new"))
    assert '<option value="employer">Employer</option>' in page
    assert '<option value="OH">OH – Ohio</option>' in page
    assert f'<option value="{site.program}">Ohio SMLP</option>' in page
    assert "First admin&#39;s email address" in page or "First admin's email address" in page


def test_platform_admin_creates_an_organization_and_invites_its_admin(app, client, site, outbox):
    login(app, client, site.pia)
    response = post(client, "/admin/orgs/new", {**NEW, "program_operator": str(site.program)})
    assert response.status_code == 302 and response.location == "/orgs/acme/members"
    assert "Acme Plastics is created, and eve@acme.example is invited" in flashes(client)
    with app.app_context():
        acme = db.session.scalar(select(Organization).where(Organization.slug == "acme"))
        assert (acme.kind, acme.state, acme.county) == (OrgKind.EMPLOYER, "OH", "Summit")
        assert acme.program_operator_id == site.program
        (invitation,) = invitations.pending_for(acme)
        assert (invitation.email, invitation.role) == ("eve@acme.example", Role.EMPLOYER)
    (mail,) = outbox()
    assert mail.to == "eve@acme.example" and "Pia Platform invited you" in mail.body
    token = TOKEN_LINK.search(mail.body).group(1)
    assert client.get(f"/invitations/{token}").status_code == 200
    assert trail(app, "acme") == ["invitation.sent", "organization.created"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state": "XX"}, "Not a valid choice"),
        ({"slug": "lakeshore"}, "is taken"),
        ({"slug": "Acme Plastics!"}, "Use lower-case letters"),
        ({"admin_email": "eve at acme"}, "not valid"),
        ({"name": ""}, "Give the organization&#39;s name."),
        ({"county": "c" * 81}, "Keep this to 80 characters"),
        ({"kind": "program_operator", "program_operator": "PROGRAM"}, "runs its own program"),
        ({"program_operator": "99999"}, "Not a valid choice"),
    ],
)
def test_new_organization_bad_input_is_shown_and_nothing_is_written(
    app, client, site, outbox, changes, message
):
    login(app, client, site.pia)
    data = {k: (str(site.program) if v == "PROGRAM" else v) for k, v in {**NEW, **changes}.items()}
    response = post(client, "/admin/orgs/new", data)
    assert response.status_code == 422
    assert message in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert count(app, Organization) == 2 and count(app, Invitation) == 0 and outbox() == []


# -- Editing an organization's details ---------------------------------------------------------


def test_org_admin_edits_name_and_place_but_not_kind_or_program(app, client, site):
    login(app, client, site.pat)
    page = text(client.get("/orgs/lakeshore/edit"))
    assert 'name="name"' in page and 'name="kind"' not in page
    assert 'name="program_operator"' not in page
    data = {
        "name": "Lakeshore Community College",
        "location": "Painesville, OH",
        "state": "OH",
        "county": "Lake",
        "description": "Two-year college.",
        "kind": "employer",
        "program_operator": str(site.program),
    }
    response = post(client, "/orgs/lakeshore/edit", data)
    assert response.status_code == 302 and response.location == "/orgs/lakeshore"
    assert "Saved: name, location, state, county, description." in flashes(client)
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.slug == "lakeshore"))
        assert (org.name, org.state, org.county) == ("Lakeshore Community College", "OH", "Lake")
        assert org.kind is OrgKind.TRAINING_PARTNER and org.program_operator_id is None
    assert trail(app)[0] == "organization.edited"


def test_platform_admin_sets_the_program(app, client, site):
    login(app, client, site.pia)
    assert 'name="program_operator"' in text(client.get("/orgs/lakeshore/edit"))
    data = {
        "name": "Lakeshore College",
        "location": "Testville, OH",
        "kind": "training_partner",
        "program_operator": str(site.program),
    }
    assert post(client, "/orgs/lakeshore/edit", data).status_code == 302
    assert "Saved: program." in flashes(client)


def test_saving_unchanged_details_records_nothing(app, client, site):
    login(app, client, site.pat)
    data = {"name": "Lakeshore College", "location": "Testville, OH"}
    assert post(client, "/orgs/lakeshore/edit", data).status_code == 302
    assert "Nothing changed." in flashes(client)
    assert trail(app) == []


def test_a_kind_that_does_not_fit_the_members_is_refused_on_the_page(app, client, site):
    login(app, client, site.pia)
    data = {"name": "Lakeshore College", "kind": "employer", "program_operator": ""}
    response = post(client, "/orgs/lakeshore/edit", data)
    assert response.status_code == 422
    assert "change their roles or withdraw the invitations first" in text(response)
    assert trail(app) == []


def test_bad_details_are_refused_field_by_field(app, client, site):
    login(app, client, site.pat)
    response = post(client, "/orgs/lakeshore/edit", {"name": "  ", "state": "ZZ"})
    assert response.status_code == 422
    page = text(response)
    assert "Give the organization" in page and "Not a valid choice" in page
    assert trail(app) == []


# -- Members: the list, inviting, sending again, withdrawing --------------------------------------


def test_member_list_shows_roles_dates_and_controls_but_none_on_oneself(app, client, site):
    login(app, client, site.pat)
    page = text(client.get("/orgs/lakeshore/members"))
    for name in ("Pat Price", "Ian Reyes", "Ana Lopez", "Mo Okafor"):
        assert name in page
    assert "Learner" in page and "Partner admin" in page
    assert f"/orgs/lakeshore/members/{site.ana_id}/role" in page
    assert f"/orgs/lakeshore/members/{site.pat_id}/role" not in page  # not oneself
    assert "This is you" in page
    # The role choices are the college's: no "Employer" role at a training partner.
    roles = re.search(r'<select id="role-[^"]+" name="role">(.*?)</select>', page, re.S)
    assert re.findall(r'value="([a-z_]+)"', roles.group(1)) == [
        "apprentice",
        "instructor",
        "mentor",
        "partner_admin",
    ]


def test_invite_sends_the_link_and_lists_the_invitation(app, client, site, outbox):
    login(app, client, site.pat)
    data = {"email": "Nia@Plant.example", "name": "Nia Brooks", "role": "instructor"}
    response = post(client, "/orgs/lakeshore/invitations", data)
    assert response.status_code == 302
    assert (
        "Invitation sent to Nia Brooks (nia@plant.example) as an instructor. "
        "The link works for 14 days."
    ) in flashes(client)
    (mail,) = outbox()
    assert mail.to == "nia@plant.example"
    assert "Pat Price invited you to join Lakeshore College as an instructor" in mail.body
    page = text(client.get("/orgs/lakeshore/members"))
    assert "Open invitations (1)" in page and "nia@plant.example" in page
    assert "valid until" in page
    assert trail(app)[0] == "invitation.sent"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an address", "role": "instructor"}, "That email address is not valid"),
        ({"email": "", "role": "instructor"}, "Give the address to invite."),
        ({"email": "x@plant.example", "role": "employer"}, "Not a valid choice"),
        ({"email": "x@plant.example", "role": "platform_admin"}, "Not a valid choice"),
        ({"email": "ana@plant.example", "role": "apprentice"}, "is already a learner here"),
    ],
)
def test_bad_invitations_are_refused_and_nothing_is_sent(app, client, site, outbox, data, message):
    login(app, client, site.pat)
    response = post(client, "/orgs/lakeshore/invitations", data)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, Invitation) == 0 and outbox() == []


def test_send_again_mails_a_new_link_and_the_old_one_stops_working(app, client, site, outbox):
    login(app, client, site.pat)
    post(client, "/orgs/lakeshore/invitations", {"email": "nia@plant.example", "role": "mentor"})
    old = TOKEN_LINK.search(outbox()[0].body).group(1)
    with app.app_context():
        public_id = db.session.scalar(select(Invitation.public_id))
    response = post(client, f"/orgs/lakeshore/invitations/{public_id}/resend")
    assert response.status_code == 302
    assert "A new invitation went to nia@plant.example" in flashes(client)
    assert len(outbox()) == 2
    new = TOKEN_LINK.search(outbox()[0].body).group(1)
    assert new != old
    assert client.get(f"/invitations/{old}").status_code == 410
    assert client.get(f"/invitations/{new}").status_code == 200
    assert trail(app)[0] == "invitation.resent"


def test_withdraw_stops_the_link(app, client, site, outbox):
    login(app, client, site.pat)
    post(client, "/orgs/lakeshore/invitations", {"email": "nia@plant.example", "role": "mentor"})
    token = TOKEN_LINK.search(outbox()[0].body).group(1)
    with app.app_context():
        public_id = db.session.scalar(select(Invitation.public_id))
    assert post(client, f"/orgs/lakeshore/invitations/{public_id}/withdraw").status_code == 302
    assert "The invitation of nia@plant.example is withdrawn" in flashes(client)
    assert client.get(f"/invitations/{token}").status_code == 410
    assert "Open invitations (0)" in text(client.get("/orgs/lakeshore/members"))
    assert trail(app)[0] == "invitation.withdrawn"


def test_invitations_of_another_organization_are_not_found(app, client, site):
    with app.app_context():
        other = factories.make_org(slug="carver")
        pia = db.session.get(User, site.pia)
        issued = invitations.create(other, "x@y.example", Role.MENTOR, actor=pia, now=_now())
        public_id = issued.invitation.public_id
        db.session.commit()
    login(app, client, site.pat)
    assert post(client, f"/orgs/lakeshore/invitations/{public_id}/withdraw").status_code == 404
    assert post(client, f"/orgs/lakeshore/invitations/{public_id}/resend").status_code == 404


def _now():
    from app.database import utcnow

    return utcnow()


# -- Members: roles, deactivation, reactivation ------------------------------------------------


def test_change_role(app, client, site):
    login(app, client, site.pat)
    response = post(client, f"/orgs/lakeshore/members/{site.mo_id}/role", {"role": "instructor"})
    assert response.status_code == 302 and response.location == "/orgs/lakeshore/members"
    assert "Mo Okafor is now an instructor at Lakeshore College." in flashes(client)
    assert membership_of(app, site.mo).role is Role.INSTRUCTOR
    assert trail(app) == ["membership.role_changed"]


@pytest.mark.parametrize("role", ["employer", "platform_admin", "", "boss"])
def test_a_role_not_offered_is_refused(app, client, site, role):
    login(app, client, site.pat)
    post(client, f"/orgs/lakeshore/members/{site.mo_id}/role", {"role": role})
    assert "Nothing changed for Mo Okafor: choose one of the roles listed." in flashes(client)
    assert membership_of(app, site.mo).role is Role.MENTOR and trail(app) == []


def test_the_last_admin_guard_is_shown_as_a_message(app, client, site):
    login(app, client, site.pia)
    post(client, f"/orgs/lakeshore/members/{site.pat_id}/role", {"role": "instructor"})
    assert (
        "Nothing changed: Pat Price is the last partner admin of Lakeshore College; "
        "make someone else one first."
    ) in flashes(client)
    post(client, f"/orgs/lakeshore/members/{site.pat_id}/deactivate", {"note": ""})
    assert "is the last partner admin" in flashes(client)
    assert membership_of(app, site.pat).role is Role.PARTNER_ADMIN
    assert membership_of(app, site.pat).active and trail(app) == []


@pytest.mark.parametrize("action", ["role", "deactivate", "reactivate"])
def test_nobody_changes_their_own_membership(app, client, site, action):
    login(app, client, site.pat)
    response = post(client, f"/orgs/lakeshore/members/{site.pat_id}/{action}", {"role": "mentor"})
    assert response.status_code == 403
    assert client.get(f"/orgs/lakeshore/members/{site.pat_id}/deactivate").status_code == 403
    assert membership_of(app, site.pat).role is Role.PARTNER_ADMIN and trail(app) == []


def test_deactivation_asks_for_confirmation_then_deactivates(app, client, site):
    login(app, client, site.pat)
    page = text(client.get(f"/orgs/lakeshore/members/{site.ana_id}/deactivate"))
    assert "Deactivate Ana Lopez?" in page and "Yes, deactivate Ana Lopez" in page
    assert membership_of(app, site.ana).active  # asking changed nothing
    response = post(
        client,
        f"/orgs/lakeshore/members/{site.ana_id}/deactivate",
        {"note": "Moved to another plant."},
    )
    assert response.status_code == 302
    assert "Ana Lopez is deactivated at Lakeshore College." in flashes(client)
    assert not membership_of(app, site.ana).active
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert (event.action, event.note) == ("membership.deactivated", "Moved to another plant.")
    page = text(client.get("/orgs/lakeshore/members"))
    assert "Deactivated (1)" in page and f"/members/{site.ana_id}/reactivate" in page


def test_a_long_note_is_refused_on_the_confirmation_page(app, client, site):
    login(app, client, site.pat)
    response = post(
        client, f"/orgs/lakeshore/members/{site.ana_id}/deactivate", {"note": "x" * 1001}
    )
    assert response.status_code == 422 and "Field cannot be longer" in text(response)
    assert membership_of(app, site.ana).active


def test_reactivate_restores_the_role(app, client, site):
    login(app, client, site.pat)
    post(client, f"/orgs/lakeshore/members/{site.mo_id}/deactivate", {"note": ""})
    response = post(client, f"/orgs/lakeshore/members/{site.mo_id}/reactivate")
    assert response.status_code == 302
    assert "Mo Okafor is active again, as a mentor." in flashes(client)
    found = membership_of(app, site.mo)
    assert found.active and found.role is Role.MENTOR
    assert trail(app)[:2] == ["membership.reactivated", "membership.deactivated"]


def test_people_of_another_organization_are_not_found_here(app, client, site):
    with app.app_context():
        outsider = factories.make_user(org=factories.make_org(slug="carver"))
        db.session.commit()
        outsider_id = outsider.public_id
    login(app, client, site.pat)
    url = f"/orgs/lakeshore/members/{outsider_id}"
    assert post(client, f"{url}/role", {"role": "mentor"}).status_code == 404
    assert client.get(f"{url}/deactivate").status_code == 404
    assert post(client, f"{url}/reactivate").status_code == 404


def test_member_list_needs_no_query_per_member(app, client, site):
    """The page's SQL count stays the same with 4 members and an invitation, or 60 and 11."""
    login(app, client, site.pat)
    post(client, "/orgs/lakeshore/invitations", {"email": "nia@plant.example", "role": "mentor"})

    def statements() -> list[str]:
        seen: list[str] = []
        with app.app_context():
            engine = db.engine

        def listener(conn, cursor, statement, *args) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/orgs/lakeshore/members").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return seen

    few = statements()
    with app.app_context():
        college = db.session.scalar(select(Organization).where(Organization.slug == "lakeshore"))
        for n in range(55):
            person = factories.make_user(name=f"Person {n:02}", org=college)
            if n % 5 == 0:
                memberships.deactivate(memberships.find(person, college), actor=None, now=_now())
        pat = db.session.get(User, site.pat)
        for n in range(10):
            invitations.create(college, f"p{n}@x.example", Role.MENTOR, actor=pat, now=_now())
        db.session.commit()
    many = statements()
    assert "Person 54" in text(client.get("/orgs/lakeshore/members"))
    assert len(many) == len(few), "\n\n".join(many)


# -- The audit trail ---------------------------------------------------------------------------


def test_audit_trail_shows_who_did_what_newest_first(app, client, site):
    login(app, client, site.pat)
    post(client, f"/orgs/lakeshore/members/{site.mo_id}/role", {"role": "instructor"})
    post(client, f"/orgs/lakeshore/members/{site.ana_id}/deactivate", {"note": "Left in May."})
    page = text(client.get("/orgs/lakeshore/audit"))
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]
    cells = [re.sub(r"<[^>]+>", "", row).split() for row in rows]
    first, second = (" ".join(c) for c in cells)
    assert "Pat Price Deactivated (learner) Ana Lopez Left in May." in first
    assert "Pat Price Changed role from mentor to instructor Mo Okafor" in second


def test_audit_trail_pages_back_with_before(app, client, site):
    with app.app_context():
        college = db.session.scalar(select(Organization).where(Organization.slug == "lakeshore"))
        for n in range(audit.PAGE + 5):
            audit.record(
                college,
                None,
                "membership.added",
                subject=f"Person {n:03}",
                details={"role": "mentor"},
                now=_now(),
            )
        db.session.commit()
    login(app, client, site.pat)
    first = text(client.get("/orgs/lakeshore/audit"))
    assert "Person 054" in first and "Person 004" not in first
    older = re.search(r'href="(/orgs/lakeshore/audit\?before=\d+)"', first).group(1)
    second = text(client.get(older))
    assert "Person 004" in second and "Person 000" in second and "Person 005" not in second
    assert "Older changes ›" not in second and "‹ Latest" in second
    assert client.get("/orgs/lakeshore/audit?before=nonsense").status_code == 200


# -- The links the organization's page includes ------------------------------------------------


@pytest.mark.parametrize(
    ("who", "links"),
    [
        ("pat", ["Members and invitations", "Audit trail", "Edit details"]),
        ("pia", ["Members and invitations", "Audit trail", "Edit details"]),
        ("ian", []),
        ("ana", []),
    ],
)
def test_admin_links_show_only_what_the_viewer_may_open(app, site, who, links):
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/orgs/lakeshore"):
        login_user(db.session.get(User, getattr(site, who)))
        org = db.session.scalar(select(Organization).where(Organization.slug == "lakeshore"))
        html = render_template("org_admin/_admin_links.html", org=org)
    assert re.findall(r'<a href="[^"]+">([^<]+)</a>', html) == links
    assert ("Administration" in html) == bool(links)

"""The employer's pages and the learner's sharing page, as their users meet them: who sees
what, per organization, and what each form does with good and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.roles import Role
from app.extensions import db
from app.models import CohortMember, Invitation, Organization, User
from tests import employer_site, factories
from tests.conftest import csrf_token, sign_in, submit

ANON = "anonymous"
OK, LOGIN, FORBIDDEN = 200, 302, 403


@pytest.fixture
def site(app):
    with app.app_context():
        return employer_site.build()


def login(app, client, site, name):
    with app.app_context():
        sign_in(client, db.session.get(User, site.people[name]))


def text(response) -> str:
    return response.get_data(as_text=True)


# Who opens Acme's people page: its admin and the platform admin. Not its mentors (they follow
# the apprentices they supervise), its workers, another employer's admin, the college, nor Tia
# (admin elsewhere, worker here).
PEOPLE_PAGE = {
    ANON: LOGIN, "eve": OK, "mo": FORBIDDEN, "root": OK,
    "wes": FORBIDDEN, "oz": FORBIDDEN, "pat": FORBIDDEN, "lou": FORBIDDEN, "tia": FORBIDDEN,
}  # fmt: skip


@pytest.mark.parametrize("who", sorted(PEOPLE_PAGE))
def test_the_people_page_is_the_employers_staffs(app, client, site, who):
    if who != ANON:
        login(app, client, site, who)
    assert client.get("/orgs/acme/people").status_code == PEOPLE_PAGE[who]


def test_a_college_is_not_an_employer_even_to_its_own_admin(app, client, site):
    login(app, client, site, "pat")
    assert client.get("/orgs/lakeshore/people").status_code == FORBIDDEN


def test_progress_appears_once_the_learner_shares_it_and_goes_when_they_stop(app, client, site):
    login(app, client, site, "eve")
    page = text(client.get("/orgs/acme/people"))
    assert "Sponsored in Evening cohort (Lakeshore CC)" in page
    assert "0 sharing their progress with you" in page and "Not shared with Acme Plastics" in page
    lou = app.test_client()
    login(app, lou, site, "lou")
    sharing = text(lou.get("/account/sharing"))
    assert "it sponsors your place in a cohort" in sharing and "Not shared." in sharing
    done = lou.post(
        "/account/sharing/acme", data={"csrf_token": csrf_token(sharing), "share": "yes"}
    )
    assert done.status_code == 302
    assert "Shared" in text(lou.get("/account/sharing"))
    page = text(client.get("/orgs/acme/people"))
    assert "1 sharing their progress with you" in page and "1 of " in page  # one lesson done
    stop = lou.post(
        "/account/sharing/acme",
        data={"csrf_token": csrf_token(text(lou.get("/account/sharing"))), "share": "no"},
    )
    assert stop.status_code == 302
    assert "0 sharing their progress with you" in text(client.get("/orgs/acme/people"))


def test_sharing_with_an_unlinked_employer_is_refused_and_stores_nothing(app, client, site):
    login(app, client, site, "lou")
    token = csrf_token(text(client.get("/account/sharing")))
    response = client.post(
        "/account/sharing/other-co", data={"csrf_token": token, "share": "yes"},
        follow_redirects=True,
    )  # fmt: skip
    assert "only with your employers" in text(response)
    assert "Other Co" not in text(client.get("/account/sharing"))


def test_the_employer_sends_a_worker_to_an_open_cohort(app, client, site, outbox):
    login(app, client, site, "eve")
    page = text(client.get("/orgs/acme/people"))
    assert "Evening cohort" in page and "Closed cohort" not in page and "Far cohort" not in page
    with app.app_context():
        wes = db.session.get(User, site.people["wes"]).public_id
    response = client.post(
        "/orgs/acme/people/sponsor",
        data={"csrf_token": csrf_token(page), "worker": wes, "cohort": site.cohort},
        follow_redirects=True,
    )
    assert "Wes Worker is invited to Evening cohort, sponsored by Acme Plastics" in text(response)
    (mail,) = [m for m in outbox() if "Evening cohort" in m.body]
    assert "/invitations/" in mail.body
    with app.app_context():  # no place before he accepts
        assert (
            db.session.scalar(
                select(CohortMember).where(CohortMember.user_id == site.people["wes"])
            )
            is None
        )


def test_a_closed_cohort_posted_anyway_is_refused(app, client, site):
    login(app, client, site, "eve")
    page = text(client.get("/orgs/acme/people"))
    with app.app_context():
        wes = db.session.get(User, site.people["wes"]).public_id
    response = client.post(
        "/orgs/acme/people/sponsor",
        data={"csrf_token": csrf_token(page), "worker": wes, "cohort": site.closed},
        follow_redirects=True,
    )
    assert "Choose a worker and an open cohort." in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 1  # Lou's


def test_mentors_neither_send_nor_assign(app, client, site):
    login(app, client, site, "mo")
    token = csrf_token(text(client.get("/account/sharing")))
    assert client.post("/orgs/acme/people/sponsor", data={"csrf_token": token}).status_code == 403
    url = f"/orgs/acme/apprenticeships/{site.enrolment}/mentor"
    assert client.post(url, data={"csrf_token": token}).status_code == 403


def test_the_employer_assigns_one_of_its_mentors(app, client, site):
    login(app, client, site, "eve")
    page = text(client.get("/orgs/acme/people"))
    with app.app_context():
        mo = db.session.get(User, site.people["mo"]).public_id
        wes = db.session.get(User, site.people["wes"]).public_id
    url = f"/orgs/acme/apprenticeships/{site.enrolment}/mentor"
    done = client.post(
        url, data={"csrf_token": csrf_token(page), "mentor": mo}, follow_redirects=True
    )
    assert "Mo Mentor now mentors Ana Apprentice." in text(done)
    refused = client.post(
        url, data={"csrf_token": csrf_token(page), "mentor": wes}, follow_redirects=True
    )
    assert "Choose one of your mentors." in text(refused)


def test_a_company_registers_itself(app, client, site):
    login(app, client, site, "wes")
    response = submit(
        client, "/employers/new", {"name": "Wes Fab", "state": "OH", "program_operator": "ohio-msl"}
    )
    assert response.status_code == 302 and response.location == "/orgs/wes-fab/people"
    assert client.get("/orgs/wes-fab/people").status_code == OK
    with app.app_context():
        made = db.session.scalar(select(Organization).where(Organization.slug == "wes-fab"))
        assert made.program_operator.slug == "ohio-msl"


def test_bad_registration_input_is_shown_beside_its_field(app, client, site):
    login(app, client, site, "wes")
    response = submit(client, "/employers/new", {"name": "Wes Fab", "state": "Ohio"})
    assert response.status_code == 422 and "Not a valid choice" in text(response)
    with app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.name == "Wes Fab")) is None


def test_a_partner_registers_a_company_and_invites_its_hr_lead(app, client, site, outbox):
    login(app, client, site, "pat")
    form = text(client.get("/employers/new"))
    assert "Email of the company" in form
    missing = submit(client, "/employers/new", {"name": "New Co"})
    assert missing.status_code == 422 and "Give the email of the person" in text(missing)
    done = submit(client, "/employers/new", {"name": "New Co", "admin_email": "hr@newco.example"})
    assert done.status_code == 302
    (mail,) = [m for m in outbox() if m.to == "hr@newco.example"]
    assert "/invitations/" in mail.body and "New Co as a employer" not in mail.body
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert (invitation.email, invitation.role.value) == ("hr@newco.example", "employer")
        # The partner's staff member does not join the company.
        pat = db.session.get(User, site.people["pat"])
        assert {m.organization.slug for m in pat.memberships} == {"lakeshore"}


def test_a_self_registered_company_acts_for_apprentices_only_once_confirmed(app, client, site):
    """A company that registered itself cannot enrol apprentices or send workers until its
    state program's staff (or the platform admin) confirm it: nobody sets up a company to
    sign off hours for themselves."""
    login(app, client, site, "wes")
    assert (
        submit(
            client, "/employers/new", {"name": "Wes Fab", "program_operator": "ohio-msl"}
        ).status_code
        == 302
    )
    page = text(client.get("/orgs/wes-fab/people"))
    assert "Waiting to be confirmed." in page and "Send a worker to a cohort" not in page
    assert client.get("/apprenticeships/new").status_code == 403
    token = csrf_token(page)
    assert (
        client.post("/orgs/wes-fab/people/sponsor", data={"csrf_token": token}).status_code == 403
    )
    assert client.get("/employers/waiting").status_code == 403  # not for the company itself
    # The program's staff confirm it.
    staff = app.test_client()
    with app.app_context():
        program = db.session.scalar(select(Organization).where(Organization.slug == "ohio-msl"))
        kim = factories.make_user(name="Kim Program", role=Role.PARTNER_ADMIN, org=program)
        db.session.commit()
        sign_in(staff, kim)
    waiting = text(staff.get("/employers/waiting"))
    assert "Wes Fab" in waiting and "Acme Plastics" not in waiting  # confirmed ones are not
    done = staff.post(
        "/employers/wes-fab/verify", data={"csrf_token": csrf_token(waiting)}, follow_redirects=True
    )
    assert "Wes Fab is confirmed" in text(done)
    assert "Waiting to be confirmed." not in text(client.get("/orgs/wes-fab/people"))
    assert client.get("/apprenticeships/new").status_code == 200
    with app.app_context():
        made = db.session.scalar(select(Organization).where(Organization.slug == "wes-fab"))
        assert made.verified_at is not None


def test_other_programs_staff_and_college_admins_cannot_confirm(app, client, site):
    login(app, client, site, "wes")
    submit(client, "/employers/new", {"name": "Wes Fab", "program_operator": "ohio-msl"})
    for who in ("pat", "eve"):
        login(app, client, site, who)
        assert client.get("/employers/waiting").status_code == 403
        token = csrf_token(text(client.get("/account/sharing")))
        assert (
            client.post("/employers/wes-fab/verify", data={"csrf_token": token}).status_code == 403
        )
    with app.app_context():
        other = db.session.scalar(select(Organization).where(Organization.slug == "iowa-msl"))
        iowa = factories.make_user(role=Role.PARTNER_ADMIN, org=other)
        db.session.commit()
        sign_in(client, iowa)
    assert "Wes Fab" not in text(client.get("/employers/waiting"))
    token = csrf_token(text(client.get("/account/sharing")))
    assert client.post("/employers/wes-fab/verify", data={"csrf_token": token}).status_code == 403

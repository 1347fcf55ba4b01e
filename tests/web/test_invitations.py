"""Accepting an invitation from its emailed link: registering on the page, signing in and
coming back, accepting, or signing out when signed in with another address; a used,
withdrawn, expired or made-up link says so, and nothing is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import Cohort, CohortMember, Invitation, Membership, Organization, User
from app.services import invitations, memberships
from tests import factories
from tests.conftest import csrf_token, sign_in

PASSWORD = "gearbox-thermal-drift-91"


@dataclass
class Site:
    pat: int  # partner admin of the college, who invites
    token: str  # Nia's invitation, as an instructor; she has no account
    url: str


@pytest.fixture
def site(app) -> Site:
    with app.app_context():
        college = factories.make_org(slug="lakeshore", name="Lakeshore College")
        pat = factories.make_user(name="Pat Price", role=Role.PARTNER_ADMIN, org=college)
        issued = invitations.create(
            college,
            "nia@plant.example",
            Role.INSTRUCTOR,
            actor=pat,
            now=utcnow(),
            name="Nia Brooks",
        )
        db.session.commit()
        return Site(pat.id, issued.token, f"/invitations/{issued.token}")


def text(response) -> str:
    return response.get_data(as_text=True)


def post_from(client, page: str, action: str, data: dict | None = None):
    """Load *page*, then post its CSRF token and *data* to *action*."""
    token = csrf_token(text(client.get(page)))
    return client.post(action, data={"csrf_token": token, **(data or {})})


def register(client, site: Site, **data):
    fields = {"name": "Nia Brooks", "password": PASSWORD, "confirm": PASSWORD, **data}
    return post_from(client, site.url, f"{site.url}/register", fields)


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def accepted(app) -> bool:
    with app.app_context():
        return db.session.scalar(select(Invitation.accepted_at)) is not None


def make_user(app, **kwargs) -> int:
    with app.app_context():
        user = factories.make_user(**kwargs)
        db.session.commit()
        return user.id


def test_the_page_says_what_is_offered_and_sends_no_referrer(app, client, site):
    response = client.get(site.url)
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = text(response)
    assert "<h1>Join Lakeshore College</h1>" in page
    assert "Pat Price invited you to join Lakeshore College" in page
    assert "<dt>Your role</dt><dd>Instructor</dd>" in page
    assert "Create your account to accept" in page
    assert 'value="Nia Brooks"' in page  # the name the admin gave
    assert 'name="email"' not in page  # the address is the invitation's


def test_registering_creates_the_account_signs_in_and_accepts(app, client, site):
    response = register(client, site)
    assert response.status_code == 302 and response.location == "/orgs/lakeshore"
    page = text(client.get("/orgs/lakeshore"))
    assert "Welcome: you joined Lakeshore College as an instructor." in page
    with app.app_context():
        nia = db.session.scalar(select(User).where(User.email == "nia@plant.example"))
        assert nia.name == "Nia Brooks" and nia.role is Role.INSTRUCTOR
        assert nia.organization.slug == "lakeshore"
    assert accepted(app)
    again = client.get(site.url)  # the link is used up now
    assert again.status_code == 410 and "already used" in text(again)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password": "password123", "confirm": "password123"}, "password", "common password"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10 characters"),
        ({"confirm": "something-else-entirely"}, "confirm", "The two passwords differ."),
        ({"name": ""}, "name", "Please enter your name."),
        ({"name": "n" * 121}, "name", "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_registration_is_refused_and_nothing_is_written(
    app, client, site, data, field, message
):
    before = users(app)
    response = register(client, site, **data)
    assert response.status_code == 422
    assert f'<small id="{field}-error" class="field-error">' in text(response)
    assert message in text(response)
    assert users(app) == before and not accepted(app)


def test_registering_with_an_expired_invitation_writes_nothing(app, client, site):
    page = text(client.get(site.url))
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    fields = {"name": "Nia", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post(f"{site.url}/register", data={"csrf_token": csrf_token(page), **fields})
    assert response.status_code == 410
    assert "This invitation has expired" in text(response)
    assert re.search(r"expired on \w+ \d+, \d{4}", text(response))
    assert users(app) == 1 and not accepted(app)


def test_an_existing_account_signs_in_and_comes_back(app, client, site):
    make_user(app, email="nia@plant.example", name="Nia Brooks")
    page = text(client.get(site.url))
    assert "Create your account" not in page
    sign_in_link = f"/login?next=/invitations/{site.token}"
    assert f'href="{sign_in_link}">Sign in to accept</a>' in page.replace('class="btn" ', "")
    response = post_from(
        client,
        sign_in_link,
        sign_in_link,
        {"email": "nia@plant.example", "password": factories.PASSWORD},
    )
    assert response.status_code == 302 and response.location == site.url
    page = text(client.get(site.url))
    assert "Accept and join Lakeshore College" in page
    response = post_from(client, site.url, f"{site.url}/accept")
    assert response.status_code == 302 and response.location == "/orgs/lakeshore"
    assert accepted(app)


def test_accepting_twice_says_it_was_used_and_writes_nothing_more(app, client, site):
    nia = make_user(app, email="nia@plant.example")
    with app.app_context():
        sign_in(client, db.session.get(User, nia))
    page = client.get(site.url)
    assert post_from(client, site.url, f"{site.url}/accept").status_code == 302
    second = client.post(f"{site.url}/accept", data={"csrf_token": csrf_token(text(page))})
    assert second.status_code == 410 and "This invitation was already used" in text(second)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 2


def test_signed_in_with_another_address_is_told_and_can_sign_out(app, client, site):
    eve = make_user(app, email="eve@elsewhere.example", name="Eve Stone")
    with app.app_context():
        sign_in(client, db.session.get(User, eve))
    page = text(client.get(site.url))
    assert "but this invitation is for" in page and "Sign out and continue" in page
    assert "Accept and join" not in page
    # Accepting anyway is refused, and nothing is written.
    refused = post_from(client, site.url, f"{site.url}/accept")
    assert refused.status_code == 302 and refused.location == site.url
    assert "you are signed in as eve@elsewhere.example" in text(client.get(site.url))
    assert not accepted(app)
    response = post_from(client, site.url, f"{site.url}/sign-out")
    assert response.status_code == 302 and response.location == site.url
    page = text(client.get(site.url))
    assert "You are signed out." in page and "Create your account to accept" in page
    assert client.get("/dashboard").status_code == 302  # really signed out


def test_accept_without_being_signed_in_goes_back_to_the_page(app, client, site):
    response = post_from(client, site.url, f"{site.url}/accept")
    assert response.status_code == 302 and response.location == site.url
    assert not accepted(app)


def test_posts_without_a_csrf_token_are_refused(app, client, site):
    nia = make_user(app, email="nia@plant.example")
    response = client.post(
        f"{site.url}/register", data={"name": "x", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 400
    with app.app_context():
        sign_in(client, db.session.get(User, nia))
    assert client.post(f"{site.url}/accept").status_code == 400
    assert not accepted(app)


def test_signed_in_visitors_cannot_register_again(app, client, site):
    nia = make_user(app, email="nia@plant.example")
    with app.app_context():
        sign_in(client, db.session.get(User, nia))
    response = register(client, site)
    assert response.status_code == 302 and response.location == site.url
    assert users(app) == 2 and not accepted(app)


@pytest.mark.parametrize(
    ("change", "status", "title"),
    [
        ("used", 410, "This invitation was already used"),
        ("withdrawn", 410, "This invitation was withdrawn"),
        ("expired", 410, "This invitation has expired"),
    ],
)
def test_a_link_that_no_longer_works_says_why(app, client, site, change, status, title):
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        if change == "used":
            invitation.accepted_at = utcnow()
        elif change == "withdrawn":
            invitation.revoked_at = utcnow()
        else:
            invitation.expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
    response = client.get(site.url)
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in text(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Create your account" not in text(response)


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 300])
def test_a_made_up_link_is_not_found(app, client, site, token):
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 404
    assert "This invitation link is not valid" in text(response)


def test_the_organizations_logo_and_the_cohort_are_shown(app, client, site):
    with app.app_context():
        college = db.session.scalar(select(Organization))
        college.logo_png, college.logo_updated_at = b"png", utcnow()
        cohort = Cohort(
            host=college,
            name="Fall 2026 evening",
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 12, 15),
        )
        db.session.add(cohort)
        pat = db.session.get(User, site.pat)
        issued = invitations.create(
            college, "lee@plant.example", Role.APPRENTICE, actor=pat, now=utcnow(), cohort=cohort
        )
        db.session.commit()
    url = f"/invitations/{issued.token}"
    page = text(client.get(url))
    assert 'class="org-logo" src="/orgs/lakeshore/logo.png?v=' in page
    assert "<dt>Cohort</dt><dd>Fall 2026 evening</dd>" in page
    assert "<dt>Your role</dt><dd>Learner</dd>" in page
    response = register(client, Site(site.pat, issued.token, url), name="Lee Park")
    assert response.status_code == 302 and response.location == "/dashboard"
    with app.app_context():
        lee = db.session.scalar(select(User).where(User.email == "lee@plant.example"))
        member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == lee.id))
        assert member.status == "active" and member.joined_via == "invitation"
        assert memberships.find(lee, lee.organization).role is Role.APPRENTICE

"""The issuing partner's credential pages: who may approve, decline, revoke, suspend, reinstate,
endorse and edit the branding; what each action does to the signed credential as verifiers see
it; and that a refused action changes nothing and loses nothing typed."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import CredentialEvent, Endorsement, Organization
from app.services import credentials, keys, status_lists, verification
from tests import credential_site, factories
from tests.conftest import csrf_token, sign_in

ANON = "anonymous"
ROLES = ["apprentice", "instructor", "outsider", "admin", "platform", ANON]
APPROVERS = {"instructor", "admin", "platform"}  # of the college (the platform admin: any)
STATUS_ADMINS = {"admin", "platform"}


@dataclass
class Site:
    college: str  # slug
    other: str  # slug of another organization, with an admin of its own
    star: str  # public id of Ana's issued Lab Star
    master: str  # public id of her Lab Master, awaiting approval
    people: dict[str, int]


@pytest.fixture
def site(app, tmp_path) -> Site:
    with app.app_context():
        built = credential_site.build(app, tmp_path)
        other = factories.make_org(slug="carver-state", name="Carver State")
        people = {
            "apprentice": built.learner.id,
            "instructor": built.instructor.id,
            "admin": built.admin.id,
            "outsider": factories.make_user(org=other, role=Role.INSTRUCTOR, name="Oz Out").id,
            "other_admin": factories.make_user(org=other, role=Role.PARTNER_ADMIN).id,
            "platform": factories.make_user(role=Role.PLATFORM_ADMIN, name="Pia Platform").id,
        }
        db.session.commit()
        return Site(built.college.slug, other.slug, built.star.public_id,
                    built.master.public_id, people)  # fmt: skip


def login(app, client, site: Site, role: str) -> None:
    if role != ANON:
        with app.app_context():
            sign_in(client, db.session.get(factories.User, site.people[role]))


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST with the session's CSRF token, as the page's form would."""
    page = client.get("/account/") if _signed_in(client) else client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def snapshot(app, public_id: str) -> tuple:
    """What an action may change: the credential's state, status, document, and its events."""
    with app.app_context():
        found = credentials.get(public_id)
        events = db.session.scalar(
            select(func.count()).where(CredentialEvent.credential_id == found.id)
        )
        return (found.state, found.revoked_at, found.suspended_at, found.document, events)


def college(site: Site) -> Organization:
    return db.session.scalar(select(Organization).where(Organization.slug == site.college))


def text(response) -> str:
    return response.get_data(as_text=True)


# -- Who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_approval_queue_shows_each_role_what_it_may_decide(app, client, site, role):
    login(app, client, site, role)
    response = client.get("/credentials/approvals")
    expected = {ANON: 302, "apprentice": 403}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        listed = "Lab Master for Ana Learner" in text(response)
        assert listed == (role in APPROVERS), role  # never another organization's learners


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["approve", "decline"])
def test_who_may_approve_and_decline(app, client, site, role, action):
    login(app, client, site, role)
    before = snapshot(app, site.master)
    response = post(client, f"/credentials/{site.master}/{action}", {"comment": "Looked at it."})
    if role in APPROVERS:
        assert response.status_code == 302
        assert response.location.endswith("/credentials/approvals")
        state = snapshot(app, site.master)[0]
        assert state == ("issued" if action == "approve" else "declined")
    else:
        assert response.status_code == (302 if role == ANON else 403)
        assert snapshot(app, site.master) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["suspend", "revoke"])
def test_who_may_suspend_and_revoke(app, client, site, role, action):
    login(app, client, site, role)
    before = snapshot(app, site.star)
    data = {"reason": "Issued in error.", "confirm": "yes"}
    response = post(client, f"/credentials/{site.star}/{action}", data)
    if role in STATUS_ADMINS:
        assert response.status_code == 302
        found = snapshot(app, site.star)
        assert (found[1] if action == "revoke" else found[2]) is not None
    else:
        assert response.status_code == (302 if role == ANON else 403)
        assert snapshot(app, site.star) == before


@pytest.mark.parametrize("role", ROLES)
def test_who_may_reinstate(app, client, site, role):
    with app.app_context():
        star = credentials.get(site.star)
        credentials.suspend(star, None, reason="Under review", now=utcnow())
        db.session.commit()
    login(app, client, site, role)
    before = snapshot(app, site.star)
    response = post(client, f"/credentials/{site.star}/reinstate", {"reason": "Cleared."})
    if role in STATUS_ADMINS:
        assert response.status_code == 302
        assert snapshot(app, site.star)[2] is None
    else:
        assert response.status_code == (302 if role == ANON else 403)
        assert snapshot(app, site.star) == before


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_register_and_a_credential_history(app, client, site, role):
    login(app, client, site, role)
    listing = client.get(f"/orgs/{site.college}/credentials")
    detail = client.get(f"/orgs/{site.college}/credentials/{site.star}")
    expected = {ANON: 302, "apprentice": 403, "outsider": 403}.get(role, 200)
    assert (listing.status_code, detail.status_code) == (expected, expected)
    if expected == 200:
        assert "Ana Learner" in text(listing) and "Lab Star" in text(listing)
        revoke_form = f'action="/credentials/{site.star}/revoke#' in text(detail)
        assert revoke_form == (role in STATUS_ADMINS)


def test_a_credential_is_only_found_in_its_issuer_register(app, client, site):
    login(app, client, site, "other_admin")
    assert client.get(f"/orgs/{site.other}/credentials").status_code == 200
    assert client.get(f"/orgs/{site.other}/credentials/{site.star}").status_code == 404
    login(app, client, site, "admin")
    assert client.get(f"/orgs/{site.college}/credentials/not-a-credential").status_code == 404
    assert post(client, "/credentials/not-a-credential/approve").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_who_may_endorse(app, client, site, role):
    login(app, client, site, role)
    page = client.get(f"/orgs/{site.college}/endorsements")
    data = {"achievement": "lab-star", "comment": "We hire people who hold this."}
    response = post(client, f"/orgs/{site.college}/endorsements", data)
    with app.app_context():
        endorsed = db.session.scalar(select(func.count()).select_from(Endorsement))
    if role in STATUS_ADMINS:
        assert (page.status_code, response.status_code, endorsed) == (200, 302, 1)
    else:
        refused = 302 if role == ANON else 403
        assert (page.status_code, response.status_code, endorsed) == (refused, refused, 0)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_the_branding(app, client, site, role):
    login(app, client, site, role)
    page = client.get(f"/orgs/{site.college}/branding")
    response = post(client, f"/orgs/{site.college}/branding", {"short_name": "Lakeshore"})
    with app.app_context():
        short_name = college(site).short_name
    if role in STATUS_ADMINS:
        assert (page.status_code, response.status_code, short_name) == (200, 302, "Lakeshore")
    else:
        refused = 302 if role == ANON else 403
        assert (page.status_code, response.status_code) == (refused, refused)
        assert short_name == "Lakeshore CC"


def test_every_form_needs_a_csrf_token(app, client, site):
    login(app, client, site, "platform")
    with app.app_context():
        star = credentials.get(site.star)
        credentials.suspend(star, None, reason="Under review", now=utcnow())
        db.session.commit()
    before = (snapshot(app, site.star), snapshot(app, site.master))
    for url, data in [
        (f"/credentials/{site.master}/approve", {}),
        (f"/credentials/{site.master}/decline", {"comment": "No."}),
        (f"/credentials/{site.master}/reconsider", {}),
        (f"/credentials/{site.star}/revoke", {"reason": "x", "confirm": "yes"}),
        (f"/credentials/{site.star}/suspend", {"reason": "x"}),
        (f"/credentials/{site.star}/reinstate", {}),
        (f"/orgs/{site.college}/endorsements", {"achievement": "lab-star", "comment": "x"}),
        (f"/orgs/{site.college}/branding", {"short_name": "X"}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "This form has expired" in text(response)
    assert (snapshot(app, site.star), snapshot(app, site.master)) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Endorsement)) == 0


# -- Approving and declining -----------------------------------------------------------------


def test_the_queue_shows_evidence_and_links_to_the_learner_record(app, client, site):
    login(app, client, site, "instructor")
    page = text(client.get("/credentials/approvals"))
    assert "Waiting for a decision (1)" in page
    assert "Best graded score in" in page  # the evidence, in the evaluator's words
    with app.app_context():
        ref = db.session.get(factories.User, site.people["apprentice"]).public_id
    assert f'href="/competencies/learners/{ref}"' in page
    assert 'formaction="/credentials/' in page  # decline shares the comment box
    assert "Credentials to approve (1)" in text(client.get("/dashboard"))
    login(app, client, site, "apprentice")
    assert "Credentials to approve" not in text(client.get("/dashboard"))


def test_approving_signs_a_credential_that_verifies(app, client, site):
    login(app, client, site, "instructor")
    response = post(client, f"/credentials/{site.master}/approve", {"comment": "Checked."},
                    follow_redirects=True)  # fmt: skip
    assert "Approved and signed: Lab Master for Ana Learner." in text(response)
    assert "Waiting for a decision (0)" in text(response)
    with app.app_context():
        master = credentials.get(site.master)
        assert master.state == "issued" and master.decision_comment == "Checked."
        assert master.document["issuer"]["id"] == keys.did_for(master.issuer)
        report = verification.verify(master.document, now=utcnow() + timedelta(minutes=1))
        assert report["verified"], report


def test_declining_needs_a_reason_and_can_be_reconsidered(app, client, site):
    login(app, client, site, "instructor")
    refused = post(client, f"/credentials/{site.master}/decline", {"comment": "  "})
    assert refused.status_code == 422
    page = text(refused)
    assert "Nothing changed for Lab Master for Ana Learner" in page  # the flash message
    assert 'aria-invalid="true"' in page and "Give a reason" in page
    assert snapshot(app, site.master)[0] == "awaiting_approval"

    post(client, f"/credentials/{site.master}/decline", {"comment": "The lab was copied."})
    assert snapshot(app, site.master)[0] == "declined"
    detail = text(client.get(f"/orgs/{site.college}/credentials/{site.master}"))
    assert "The lab was copied." in detail and "Reconsider" in detail
    response = post(client, f"/credentials/{site.master}/reconsider")
    assert response.status_code == 302
    assert snapshot(app, site.master)[0] == "awaiting_approval"
    again = post(client, f"/credentials/{site.master}/reconsider", follow_redirects=True)
    assert "Only a declined credential can be reconsidered." in text(again)


def test_approving_without_a_signing_key_says_so_and_keeps_the_comment(app, client, site):
    with app.app_context():
        shutil.rmtree(keys.keyring(college(site)).path)
    login(app, client, site, "instructor")
    before = snapshot(app, site.master)
    response = post(client, f"/credentials/{site.master}/approve", {"comment": "Seen on site."})
    assert response.status_code == 409
    page = text(response)
    assert "has no signing key: run" in page and "flask keys generate" in page
    assert "Seen on site.</textarea>" in page  # nothing typed is lost
    assert snapshot(app, site.master) == before


# -- Revoking, suspending, reinstating --------------------------------------------------------


def test_revoking_asks_to_confirm_then_every_verifier_sees_it(app, client, site):
    login(app, client, site, "admin")
    missing = post(client, f"/credentials/{site.star}/revoke", {"reason": ""})
    assert missing.status_code == 422 and "Give a reason" in text(missing)
    before = snapshot(app, site.star)
    confirm = post(client, f"/credentials/{site.star}/revoke", {"reason": "Issued in error."})
    assert confirm.status_code == 200
    assert "Revoke this credential permanently?" in text(confirm)
    assert "Issued in error.</textarea>" in text(confirm)
    assert snapshot(app, site.star) == before  # nothing happens before the confirmation

    confirmed = {"reason": "Issued in error.", "confirm": "yes"}
    done = post(client, f"/credentials/{site.star}/revoke", confirmed, follow_redirects=True)
    assert "Verifiers will see this within 5 minutes (status list TTL)." in text(done)
    with app.app_context():
        star = credentials.get(site.star)
        assert status_lists.is_set(star.status_list, star.status_index)
        assert credentials.standing(star, now=utcnow()) == "revoked"
        report = verification.verify(star.document, now=utcnow() + timedelta(minutes=1))
        status = next(c for c in report["checks"] if c["name"] == "status")
        assert not report["verified"] and not status["passed"]
    again = post(client, f"/credentials/{site.star}/suspend", {"reason": "Again"})
    assert again.status_code == 409 and "already revoked" in text(again)


def test_suspending_then_reinstating_and_the_history_names_who_and_why(app, client, site):
    login(app, client, site, "admin")
    post(client, f"/credentials/{site.star}/suspend", {"reason": "Complaint under review."})
    with app.app_context():
        star = credentials.get(site.star)
        assert credentials.standing(star, now=utcnow()) == "suspended"
        assert not verification.verify(star.document, now=utcnow())["verified"]
    post(client, f"/credentials/{site.star}/reinstate", {"reason": "Complaint dismissed."})
    with app.app_context():
        star = credentials.get(site.star)
        assert credentials.standing(star, now=utcnow()) == "valid"
        assert verification.verify(star.document, now=utcnow() + timedelta(minutes=1))["verified"]
    page = text(client.get(f"/orgs/{site.college}/credentials/{site.star}"))
    history = page.split('id="history-heading"')[1]
    for words in ["Criteria met", "Issued (signed)", "Suspended", "Complaint under review.",
                  "Reinstated", "Complaint dismissed.", "Pat Admin"]:  # fmt: skip
        assert words in history, words


# -- The register ------------------------------------------------------------------------------


def test_the_register_filters_searches_and_exports_csv(app, client, site):
    login(app, client, site, "instructor")
    base = f"/orgs/{site.college}/credentials"
    assert "2 credentials" in text(client.get(base))
    waiting = text(client.get(base + "?standing=awaiting_approval"))
    assert "1 credential found" in waiting and "Lab Master" in waiting
    assert "Lab Star</td>" not in waiting
    assert "1 credential found" in text(client.get(base + "?achievement=lab-star&learner=ANA"))
    assert "No credential matches" in text(client.get(base + "?learner=zoe%"))
    assert "2 credentials" in text(client.get(base + "?standing=nonsense"))  # ignored

    download = client.get(base + ".csv?standing=valid")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text(download))))
    assert [(r["learner"], r["achievement"], r["standing"]) for r in rows] == [
        ("Ana Learner", "Lab Star", "valid")
    ]
    assert rows[0]["credential_url"].endswith(f"/credentials/{site.star}")


# -- Endorsements ------------------------------------------------------------------------------


def test_an_endorsement_is_signed_embedded_in_new_credentials_and_gone_once_withdrawn(
    app, client, site
):
    login(app, client, site, "admin")
    url = f"/orgs/{site.college}/endorsements"
    empty = post(client, url, {"achievement": "lab-master", "comment": ""})
    assert empty.status_code == 422 and "Say why you endorse it" in text(empty)
    done = post(client, url, {"achievement": "lab-master", "comment": "Our techs hold it."},
                follow_redirects=True)  # fmt: skip
    assert "Endorsed and signed: Lab Master." in text(done)
    twice = post(client, url, {"achievement": "lab-master", "comment": "Again."})
    assert twice.status_code == 409 and "already endorses Lab Master" in text(twice)
    with app.app_context():
        endorsement = db.session.scalar(select(Endorsement))
        public_id, document = endorsement.public_id, endorsement.document
        assert verification.verify(document, now=utcnow() + timedelta(minutes=1))["verified"]

    served = client.get(f"/endorsements/{public_id}")
    assert served.status_code == 200 and served.get_json() == document
    assert served.headers["Access-Control-Allow-Origin"] == "*"

    # Approved after the endorsement: the newly signed credential carries it.
    login(app, client, site, "instructor")
    post(client, f"/credentials/{site.master}/approve")
    with app.app_context():
        master = credentials.get(site.master)
        assert master.document["credentialSubject"]["achievement"]["endorsement"] == [document]
        report = verification.verify(master.document, now=utcnow() + timedelta(minutes=1))
        check = next(c for c in report["checks"] if c["name"] == "endorsements")
        assert report["verified"] and check["passed"], report
        assert check["message"] == "1 endorsement(s) verified"

    login(app, client, site, "admin")
    withdrawn = post(client, f"/endorsements/{public_id}/withdraw", follow_redirects=True)
    assert "Withdrawn: your endorsement of Lab Master." in text(withdrawn)
    gone = client.get(f"/endorsements/{public_id}")
    assert gone.status_code == 410
    assert "withdrew this endorsement" in gone.get_json()["message"]
    assert client.get("/endorsements/no-such-endorsement").status_code == 404


def test_another_organization_cannot_withdraw_an_endorsement(app, client, site):
    login(app, client, site, "admin")
    post(client, f"/orgs/{site.college}/endorsements",
         {"achievement": "lab-star", "comment": "Good."})  # fmt: skip
    with app.app_context():
        public_id = db.session.scalar(select(Endorsement.public_id))
    login(app, client, site, "other_admin")
    assert post(client, f"/endorsements/{public_id}/withdraw").status_code == 403
    assert client.get(f"/endorsements/{public_id}").status_code == 200


# -- Branding ----------------------------------------------------------------------------------

GOOD = {
    "short_name": "Lakeshore",
    "website": "https://lakeshore.example",
    "brand_primary": "#0B5394",
    "brand_secondary": "#f1c232",
    "ipeds_unit_id": "654321",
    "opeid": "00654300",
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("short_name", "L" * 41, "Keep the short name to 40 characters."),
        ("website", "http://lakeshore.example", "Give the full https:// address"),
        ("website", "lakeshore.example", "Give the full https:// address"),
        ("brand_primary", "blue", "Give the colour as # and six hex digits"),
        ("brand_primary", "#f2a900", "White text on #f2a900 has a contrast of only 2.00:1"),
        ("brand_secondary", "#12345", "Give the colour as # and six hex digits"),
        ("ipeds_unit_id", "12345", "An IPEDS unit id is 6 digits"),
        ("opeid", "0012340A", "An OPEID is 8 digits"),
    ],
)
def test_branding_errors_are_named_at_their_field(app, client, site, field, value, message):
    login(app, client, site, "admin")
    response = post(client, f"/orgs/{site.college}/branding", {**GOOD, field: value})
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert (
        f'id="{field}-error"' in page and f'aria-describedby="{field}-hint {field}-error"' in page
    )
    with app.app_context():
        org = college(site)
        assert (org.short_name, org.ipeds_unit_id) == ("Lakeshore CC", "123456")  # unchanged


def test_branding_is_saved_and_signs_into_new_credentials(app, client, site):
    login(app, client, site, "admin")
    response = post(client, f"/orgs/{site.college}/branding", GOOD, follow_redirects=True)
    assert "Branding saved." in text(response)
    assert 'fill="#0b5394"' in text(response)  # the swatch of the saved colour
    with app.app_context():
        org = college(site)
        assert (org.brand_primary, org.opeid) == ("#0b5394", "00654300")
        identifiers = credentials.issuer_profile(org).other_identifiers
        assert {(e.identifier, e.identifier_type) for e in identifiers} == {
            ("654321", "ext:IPEDSUnitID"),
            ("00654300", "ext:OPEID"),
        }


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("apprentice", []),
        ("instructor", ["Credentials issued"]),
        ("admin", ["Credentials issued", "Endorsements", "Branding and identifiers"]),
    ],
)
def test_staff_find_their_credential_work_from_the_organization_page(
    app, client, site, role, links
):
    login(app, client, site, role)
    page = text(client.get(f"/orgs/{site.college}"))
    for label in ["Credentials issued", "Endorsements", "Branding and identifiers"]:
        assert (f">{label}</a>" in page) == (label in links), label
    nav = text(client.get("/dashboard")).split('aria-label="Main"')[1].split("</nav>")[0]
    assert ("Approvals" in nav) == (role != "apprentice")

"""The learner's credentials page, a credential's public page and downloads, the status lists
and the badge pages: who sees what, sharing settings, and what verifiers get."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.credentials import artwork, baking, parsing, verifier
from app.database import utcnow
from app.extensions import db
from app.models import (
    Achievement,
    Credential,
    CredentialEvent,
    Endorsement,
    Organization,
    User,
)
from app.services import credentials, keys, verification
from tests import credential_site, factories
from tests.conftest import sign_in

UNKNOWN = "00000000-0000-4000-8000-000000000000"  # a well-formed id no credential has


@pytest.fixture
def site(app, tmp_path):
    with app.app_context():
        built = credential_site.build(app, tmp_path)
        # A learner half-way to Lab Star (50 % of the 80 % needed), at the same college.
        ben = credential_site.learner_with_score(built.college, 5.0, name="Ben Close")
        # A learner who met both badges at a college that issues neither.
        elsewhere = factories.make_org(slug="elsewhere", name="Elsewhere Institute")
        cara = credential_site.learner_with_score(elsewhere, 9.0, name="Cara Elsewhere")
        stranger = factories.make_user(org=built.college, name="Sam Stranger")
        db.session.commit()
        ids = {
            "learner": built.learner.id,
            "instructor": built.instructor.id,
            "admin": built.admin.id,
            "ben": ben.id,
            "cara": cara.id,
            "stranger": stranger.id,
            "star": built.star.public_id,
            "master": built.master.public_id,
        }
    return ids


def login(app, client, user_id):
    with app.app_context():
        sign_in(client, db.session.get(User, user_id))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def tokenless(response) -> str:
    """The page without the sign-out form's CSRF token, which carries the second it was
    made in: two pages a second apart differ there and nowhere else that matters."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r'\1"', text_of(response))


def sharing_token(html: str, public_id: str) -> str:
    found = re.search(rf'name="sharing-{public_id}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "no sharing form for this credential"
    return found.group(1)


def share(client, public_id: str, *, public: bool, show_name: bool, token: bool = True):
    data = {}
    if token:
        data[f"sharing-{public_id}-csrf_token"] = sharing_token(
            text_of(client.get("/credentials")), public_id
        )
    if public:
        data[f"sharing-{public_id}-public"] = "y"
    if show_name:
        data[f"sharing-{public_id}-show_name"] = "y"
    return client.post(f"/credentials/{public_id}/sharing", data=data)


def stored(app, public_id: str) -> Credential:
    with app.app_context():
        credential = credentials.get(public_id)
        db.session.expunge(credential)
        return credential


def star_issuer() -> Organization:
    return db.session.scalar(select(Organization).where(Organization.slug == "lakeshore-cc"))


def make_public(app, public_id: str, *, show_name: bool = True) -> None:
    with app.app_context():
        credential = credentials.get(public_id)
        credential.public, credential.show_name = True, show_name
        db.session.commit()


# -- The learner's credentials ----------------------------------------------------------------


def test_wallet_shows_what_the_holder_holds_and_waits_for(app, client, site):
    login(app, client, site["learner"])
    page = text_of(client.get("/credentials"))
    assert "<h1>Your credentials</h1>" in page
    held = page.split('id="held-heading"')[1].split("</section>")[0]
    assert "Lab Star" in held and "Valid" in held and "Lakeshore Community College" in held
    assert "December 6, 2026" in held
    assert 'fill="#0b5394"' in held and 'fill="#f1c232"' in held  # the college's colours
    assert f"/credentials/{site['star']}.json" in held
    assert f"/credentials/{site['star']}/badge.svg" in held
    assert f"/credentials/{site['star']}/badge.png" in held
    waiting = page.split('id="decision-heading"')[1].split("</section>")[0]
    assert "Lab Master" in waiting and "Awaiting approval" in waiting
    assert "Lakeshore CC issues it once its instructor approves." in waiting
    assert "you hold, or are waiting for, every badge on offer." in page


def test_wallet_shows_progress_and_what_is_missing(app, client, site):
    """Can a learner see how close they are, and in words what is still needed?"""
    login(app, client, site["ben"])
    page = text_of(client.get("/credentials"))
    close = page.split('id="close-heading"')[1].split("</section>")[0]
    assert "You hold no credentials yet." in page
    assert "Lab Star" in close and "Lab Master" in close
    assert "62 % of the way" in close  # 50 % of the 80 % needed
    assert 'class="bar bar-w12"' in close
    assert "Score at least 80 % in the lab “A demo lab” (best so far 50 %)" in close


def test_wallet_says_why_a_met_badge_is_not_issued(app, client, site):
    login(app, client, site["cara"])
    page = text_of(client.get("/credentials"))
    assert page.count("Criteria met.") == 2
    assert "No college of yours issues this yet." in page


def test_wallet_shows_a_declined_credential_with_its_reason(app, client, site):
    with app.app_context():
        master = credentials.get(site["master"])
        instructor = db.session.get(User, site["instructor"])
        credentials.decline(master, instructor, now=utcnow(), comment="Redo the lab alone.")
        db.session.commit()
    login(app, client, site["learner"])
    page = text_of(client.get("/credentials"))
    assert "Declined" in page and "Redo the lab alone." in page


def test_wallet_speaks_to_staff_as_staff(app, client, site):
    login(app, client, site["instructor"])
    page = text_of(client.get("/credentials"))
    assert "You hold no credentials yourself." in page
    assert "the approval queue" in page
    assert "What you are close to" not in page


def test_wallet_needs_sign_in(client, site):
    response = client.get("/credentials")
    assert response.status_code == 302 and "/login" in response.location


# -- Who sees a credential's page -------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "stranger", "ben"])
def test_private_credential_is_not_found_for_others(app, client, site, who):
    """Does a private credential's address tell an outsider anything? (It must not.)"""
    if who:
        login(app, client, site[who])
    missing = client.get("/credentials/00000000-0000-0000-0000-000000000000")
    for url in (
        f"/credentials/{site['star']}",
        f"/credentials/{site['star']}.json",
        f"/credentials/{site['star']}/badge.svg",
        f"/credentials/{site['star']}/badge.png",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert tokenless(response) == tokenless(missing)
    as_json = client.get(f"/credentials/{site['star']}", headers={"Accept": "application/json"})
    assert as_json.status_code == 404


@pytest.mark.parametrize("who", ["learner", "instructor", "admin"])
def test_private_credential_is_shown_to_holder_and_issuer_staff(app, client, site, who):
    login(app, client, site[who])
    response = client.get(f"/credentials/{site['star']}")
    assert response.status_code == 200
    page = text_of(response)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "og:title" not in page
    if who == "learner":
        assert "This is your credential's page." in page and "It is private" in page
    else:
        assert "You see this page as staff of Lakeshore CC." in page
        assert "Add to LinkedIn" not in page


def test_public_credential_page_shows_what_an_employer_needs(app, client, site):
    make_public(app, site["star"])
    response = client.get(f"/credentials/{site['star']}")
    assert response.status_code == 200
    page = text_of(response)
    assert "noindex" not in page
    assert f'<meta property="og:url" content="http://localhost/credentials/{site["star"]}">' in page
    assert "Awarded to\n          <strong>Ana Learner</strong>" in page
    assert "Lakeshore Community College" in page and "Lakeshore CC" in page
    assert "https://lakeshore.example" in page
    assert "123456" in page and "00123400" in page  # IPEDS unit ID and OPE ID
    assert "Defined by</dt><dd>Shopfloor" in page
    assert "Score well in the demo lab." in page  # the criteria narrative
    assert "Best graded score in “A demo lab”: 90 %" in page  # the evidence
    assert "<strong>Verified.</strong>" in page
    assert page.count('class="check-pass"') == 9 and "check-fail" not in page
    assert '<img src="data:image/svg+xml' in page  # the QR code, drawn on the server
    assert "linkedin.com" not in page  # only the holder is offered to add it to a profile
    assert "/badges/lab-star#criteria" in page


def test_holder_gets_the_linkedin_link_once_public(app, client, site):
    make_public(app, site["star"])
    login(app, client, site["learner"])
    page = text_of(client.get(f"/credentials/{site['star']}"))
    found = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page)
    assert found
    link = found.group(1).replace("&amp;", "&")
    assert "startTask=CERTIFICATION_NAME" in link and "name=Lab+Star" in link
    assert "organizationName=Lakeshore+Community+College" in link
    assert "issueYear=2026" in link and "issueMonth=12" in link
    assert f"certId={site['star']}" in link
    assert "certUrl=http%3A%2F%2Flocalhost%2Fcredentials%2F" in link


def test_qr_code_encodes_the_page_address(app, client, site):
    make_public(app, site["star"])
    page = text_of(client.get(f"/credentials/{site['star']}"))
    uri = re.search(r'<img src="(data:image/svg\+xml[^"]+)" alt="QR code', page).group(1)
    from urllib.parse import unquote

    svg = unquote(uri.split(",", 1)[1].replace("&#39;", "'"))
    assert svg.startswith("<svg") and "<path" in svg


def test_show_name_off_hides_the_learner_name(app, client, site):
    make_public(app, site["star"], show_name=False)
    page = text_of(client.get(f"/credentials/{site['star']}"))
    assert "Ana Learner" not in page
    assert "<strong>the holder</strong>" in page


def test_suspended_credential_page_shows_date_and_failed_status(app, client, site):
    make_public(app, site["star"])
    with app.app_context():
        admin = db.session.get(User, site["admin"])
        when = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
        credentials.suspend(credentials.get(site["star"]), admin, reason="Under review.", now=when)
        db.session.commit()
    page = text_of(client.get(f"/credentials/{site['star']}"))
    assert "Suspended on <time" in page and "January 5, 2027" in page
    assert "Under review." not in page  # the reason is the holder's and the college's
    assert "<strong>Not verified.</strong>" in page
    assert "not revoked or suspended" in page  # the failed check, named


@pytest.mark.parametrize(
    "who, sees",
    [("learner", True), ("instructor", True), ("admin", True), ("stranger", False), ("ben", False)],
)
def test_the_reason_for_a_suspension_is_for_the_holder_and_issuer_staff(
    app, client, site, who, sees
):
    make_public(app, site["star"])
    with app.app_context():
        admin = db.session.get(User, site["admin"])
        star = credentials.get(site["star"])
        credentials.suspend(star, admin, reason="Private note.", now=utcnow())
        db.session.commit()
    login(app, client, site[who])
    page = text_of(client.get(f"/credentials/{site['star']}"))
    assert "Suspended on <time" in page
    assert ("Private note." in page) is sees


def test_awaiting_credential_page_is_for_holder_and_staff_only(app, client, site):
    response = client.get(f"/credentials/{site['master']}")
    assert response.status_code == 404
    login(app, client, site["learner"])
    page = text_of(client.get(f"/credentials/{site['master']}"))
    assert "Awaiting approval" in page and "Verification" not in page
    assert client.get(f"/credentials/{site['master']}.json").status_code == 404


# -- Sharing ----------------------------------------------------------------------------------


def test_holder_makes_the_page_public_and_anonymous_visitors_see_it(app, client, site):
    login(app, client, site["learner"])
    response = share(client, site["star"], public=True, show_name=True)
    assert response.status_code == 302
    assert response.location.endswith(f"/credentials#c-{site['star']}")
    assert "is public and shows your name" in text_of(client.get("/credentials"))
    credential = stored(app, site["star"])
    assert credential.public and credential.show_name
    with app.app_context():
        actions = db.session.scalars(select(CredentialEvent.action)).all()
    assert "made_public" in actions
    anonymous = app.test_client()
    assert anonymous.get(f"/credentials/{site['star']}").status_code == 200

    share(client, site["star"], public=False, show_name=False)
    assert not stored(app, site["star"]).public
    assert anonymous.get(f"/credentials/{site['star']}").status_code == 404


@pytest.mark.parametrize("who", ["ben", "instructor", "admin"])
@pytest.mark.parametrize("public", [False, True])
def test_nobody_else_changes_sharing_settings(app, client, site, who, public):
    if public:
        make_public(app, site["star"])
    login(app, client, site[who])
    token = re.search(r'name="csrf_token" value="([^"]+)"', text_of(client.get("/dashboard")))
    response = client.post(
        f"/credentials/{site['star']}/sharing",
        data={
            f"sharing-{site['star']}-csrf_token": token.group(1),
            f"sharing-{site['star']}-public": "" if public else "y",
            f"sharing-{site['star']}-show_name": "",
        },
    )
    # Another learner does not learn that a private credential exists; staff may see it.
    visible = public or who != "ben"
    assert response.status_code == (403 if visible else 404)
    credential = stored(app, site["star"])
    assert credential.public is public and credential.show_name is True


def test_sharing_needs_a_csrf_token(app, client, site):
    login(app, client, site["learner"])
    response = share(client, site["star"], public=True, show_name=True, token=False)
    assert response.status_code == 400
    assert not stored(app, site["star"]).public


# -- What verifiers get ----------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/json", "application/ld+json"])
def test_page_answers_the_stored_document_by_content_negotiation(app, client, site, accept):
    make_public(app, site["star"])
    response = client.get(f"/credentials/{site['star']}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json(force=True) == stored(app, site["star"]).document
    html = client.get(f"/credentials/{site['star']}", headers={"Accept": "text/html,*/*"})
    assert html.mimetype == "text/html"


def test_json_download_is_the_stored_document(app, client, site):
    login(app, client, site["learner"])
    response = client.get(f"/credentials/{site['star']}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="lab-star-credential.json"'
    )
    assert response.get_json() == stored(app, site["star"]).document


@pytest.mark.parametrize("suffix, mimetype", [("svg", "image/svg+xml"), ("png", "image/png")])
def test_baked_badges_unbake_to_the_stored_document(app, client, site, suffix, mimetype):
    login(app, client, site["learner"])
    response = client.get(f"/credentials/{site['star']}/badge.{suffix}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert "attachment" in response.headers["Content-Disposition"]
    if suffix == "svg":
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    baked = json.loads(parsing.unbake(response.data))
    assert baked == stored(app, site["star"]).document


def test_status_list_endpoint_serves_a_list_that_verifies(app, client, site):
    with app.app_context():
        list_url = credentials.get(site["star"]).status_list
        path = f"/credentials/status/{list_url.public_id}"
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    document = response.get_json()
    assert "BitstringStatusListCredential" in document["type"]
    with app.app_context():
        report = verifier.verify_status_list_credential(
            document, now=utcnow(), fetch_document=keys.local_fetcher()
        )
    assert report["verified"], report
    assert client.get("/credentials/status/no-such-list").status_code == 404


def test_status_list_is_signed_again_after_a_revocation(app, client, site):
    with app.app_context():
        credential = credentials.get(site["star"])
        path = f"/credentials/status/{credential.status_list.public_id}"
    before = client.get(path).get_json()
    with app.app_context():
        admin = db.session.get(User, site["admin"])
        credentials.revoke(credentials.get(site["star"]), admin, reason="Fraud.", now=utcnow())
        db.session.commit()
    after = client.get(path).get_json()
    assert after["credentialSubject"]["encodedList"] != before["credentialSubject"]["encodedList"]


# -- Badge pages ------------------------------------------------------------------------------


def test_badge_catalogue_lists_current_badges_with_issuers(client, site):
    response = client.get("/badges")
    assert response.status_code == 200
    page = text_of(response)
    assert "Lab Star" in page and "Lab Master" in page
    assert "Issued by Lakeshore CC" in page
    assert "/badges/lab-star/image.svg" in page


def test_badge_page_has_criteria_rules_and_endorsements(app, client, site):
    with app.app_context():
        star = db.session.scalar(select(Achievement).where(Achievement.slug == "lab-star"))
        partner = factories.make_org(slug="acme", name="Acme Plastics")
        for org, comment, withdrawn in (
            (partner, "We hire for this.", None),
            (star_issuer(), "Withdrawn praise.", utcnow()),
        ):
            db.session.add(
                Endorsement(
                    public_id=f"e-{org.slug}", endorser_id=org.id, achievement_id=star.id,
                    comment=comment, document={}, withdrawn_at=withdrawn,
                )
            )  # fmt: skip
        db.session.commit()
    page = text_of(client.get("/badges/lab-star"))
    assert 'id="criteria"' in page
    assert "Score well in the demo lab." in page
    assert "Score at least 80 % in the graded lab “A demo lab”" in page
    assert "Does not expire." in page
    assert "Acme Plastics" in page and "We hire for this." in page
    assert "Withdrawn praise." not in page
    master = text_of(client.get("/badges/lab-master"))
    assert "Valid for 2 years from the day it is issued." in master
    assert "An instructor of the issuing college approves each credential" in master
    assert client.get("/badges/no-such-badge").status_code == 404


def test_badge_page_links_its_case_alignments(app, client, site):
    with app.app_context():
        star = db.session.scalar(select(Achievement).where(Achievement.slug == "lab-star"))
        star.alignments = [
            {"framework": "mini", "code": "MINI.A.1", "uuid": "u-1", "name": "Scan the line"}
        ]
        db.session.commit()
    page = text_of(client.get("/badges/lab-star"))
    assert '<a href="http://localhost/ims/case/v1p1/CFItems/u-1">MINI.A.1 Scan the line</a>' in page


def test_badge_page_answers_achievement_json(client, site):
    response = client.get("/badges/lab-star", headers={"Accept": "application/json"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["id"] == "http://localhost/badges/lab-star"
    assert data["criteria"]["id"] == "http://localhost/badges/lab-star#criteria"
    assert data["name"] == "Lab Star"


def test_badge_artwork_is_branded_cached_and_locked_down(client, site):
    response = client.get("/badges/lab-star/image.svg?issuer=lakeshore-cc")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "max-age=3600" in response.headers["Cache-Control"]
    svg = text_of(response)
    assert "#0b5394" in svg and "Lakeshore CC" in svg
    plain = text_of(client.get("/badges/lab-star/image.svg"))
    assert "#1f4e79" in plain and "Shopfloor" in plain  # the platform's colours and name
    # A college that neither issues the badge nor ever issued it cannot brand it.
    assert client.get("/badges/lab-star/image.svg?issuer=elsewhere").status_code == 404
    assert client.get("/badges/lab-star/image.svg?issuer=nobody").status_code == 404


def test_badge_artwork_escapes_hostile_names(app, client, site):
    with app.app_context():
        star = db.session.scalar(select(Achievement).where(Achievement.slug == "lab-star"))
        star.name = 'Star</text><script>alert(1)</script><text x="0">'
        college = star_issuer()
        college.short_name = "<img src=x onerror=alert(2)>"
        college.brand_primary = '"/><b x'  # as long as the column allows, and not a colour
        db.session.commit()
    svg = text_of(client.get("/badges/lab-star/image.svg?issuer=lakeshore-cc"))
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg or "&lt;/text&gt;" in svg
    page = text_of(client.get("/badges/lab-star"))
    assert "<script>alert" not in page
    login(app, client, site["learner"])
    for url in ("/credentials", f"/credentials/{site['star']}"):
        page = text_of(client.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(2)&gt;" in page
        assert 'fill="#1f4e79"' in page  # a colour that is not #rrggbb: the default instead


def test_dashboard_shows_the_learner_credentials_and_closest_badge(app, client, site):
    login(app, client, site["learner"])
    page = text_of(client.get("/dashboard"))
    section = page.split('id="credentials-heading"')[1].split("</section>")[0]
    assert "1 credential" in section and "Lab Star" in section
    assert f"/credentials/{site['star']}" in section
    login(app, client, site["ben"])
    section = text_of(client.get("/dashboard")).split('id="credentials-heading"')[1]
    section = section.split("</section>")[0]
    assert "You hold no credentials yet." in section
    assert "Closest next:" in section and "62 % of the way" in section


def test_nav_links_to_the_credentials_page(app, client, site):
    login(app, client, site["learner"])
    assert 'href="/credentials"' in text_of(client.get("/dashboard"))


# -- Costly public pages are remembered, limited and never fail ------------------------------


def test_page_verifies_once_a_minute_and_again_at_once_after_a_revocation(
    app, client, site, monkeypatch
):
    make_public(app, site["star"])
    calls = []
    real = verification.verify
    monkeypatch.setattr(verification, "verify", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(5):
        assert "<strong>Verified.</strong>" in text_of(client.get(f"/credentials/{site['star']}"))
    assert len(calls) == 1
    with app.app_context():
        admin = db.session.get(User, site["admin"])
        credentials.revoke(credentials.get(site["star"]), admin, reason="Fraud.", now=utcnow())
        db.session.commit()
    page = text_of(client.get(f"/credentials/{site['star']}"))
    assert "<strong>Not verified.</strong>" in page and len(calls) == 2


def test_page_shows_a_failed_verification_when_the_verifier_breaks(
    app, client, site, monkeypatch, caplog
):
    make_public(app, site["star"])

    def broken(*args, **kwargs):
        raise RuntimeError("the verifier tripped")

    monkeypatch.setattr(verification, "verify", broken)
    response = client.get(f"/credentials/{site['star']}")
    assert response.status_code == 200
    page = text_of(response)
    assert "<strong>Not verified.</strong>" in page and "could not be completed" in page
    assert "the verifier tripped" not in page
    assert "verifying credential" in caplog.text


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_baked_badge_is_rendered_once_for_many_downloads(app, client, site, monkeypatch, suffix):
    make_public(app, site["star"])
    calls = []
    real_png, real_svg = artwork.render_png, baking.bake_svg
    monkeypatch.setattr(artwork, "render_png", lambda *a, **k: calls.append(1) or real_png(*a, **k))
    monkeypatch.setattr(baking, "bake_svg", lambda *a, **k: calls.append(1) or real_svg(*a, **k))
    bodies = {client.get(f"/credentials/{site['star']}/badge.{suffix}").data for _ in range(4)}
    assert len(bodies) == 1 and len(calls) == 1
    with app.app_context():  # a new brand is new artwork: drawn again
        star_issuer().brand_primary = "#123456"
        db.session.commit()
    again = client.get(f"/credentials/{site['star']}/badge.{suffix}").data
    assert again not in bodies and len(calls) == 2
    assert json.loads(parsing.unbake(again)) == stored(app, site["star"]).document


@pytest.mark.parametrize(
    "path, limit",
    [
        (f"/credentials/{UNKNOWN}", 60),
        (f"/credentials/{UNKNOWN}.json", 60),
        (f"/credentials/{UNKNOWN}/badge.png", 60),
        (f"/credentials/{UNKNOWN}/badge.svg", 60),
        ("/credentials/status/no-such-list", 120),
        ("/badges/no-such-badge", 60),
        ("/badges/no-such-badge/image.svg", 300),
    ],
)
def test_public_credential_and_badge_addresses_are_rate_limited(make_app, path, limit):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    answers = Counter(client.get(path).status_code for _ in range(limit + 1))
    assert answers == {404: limit, 429: 1}


# -- Artwork branded by an organization ------------------------------------------------------


def test_artwork_refusals_are_alike_and_need_an_issuer_or_a_public_credential(app, client, site):
    """Does ?issuer= tell who exists, or who holds a queued, declined or private credential?"""
    with app.app_context():
        star = db.session.scalar(select(Achievement).where(Achievement.slug == "lab-star"))
        star.issuers = []  # Lakeshore no longer issues it: only its credentials can count
        db.session.commit()
    url = "/badges/lab-star/image.svg?issuer="
    refusals = [client.get(url + slug) for slug in ("lakeshore-cc", "elsewhere", "nobody")]
    assert {r.status_code for r in refusals} == {404}
    assert len({text_of(r) for r in refusals}) == 1  # one message, whoever is asked about
    assert "Lakeshore" not in text_of(refusals[0]) and "Elsewhere" not in text_of(refusals[0])
    # Ana's Lab Star is issued but private (above); made public, it counts.
    make_public(app, site["star"])
    public = client.get(url + "lakeshore-cc")
    assert public.status_code == 200 and "Lakeshore CC" in text_of(public)
    assert "public" in public.headers["Cache-Control"]
    with app.app_context():
        master_row = db.session.scalar(select(Achievement).where(Achievement.slug == "lab-master"))
        master_row.issuers = []  # Ana's Lab Master only waits for approval: it does not count
        db.session.commit()
    master = client.get("/badges/lab-master/image.svg?issuer=lakeshore-cc")
    assert master.status_code == 404 and text_of(master) == text_of(refusals[0])


def test_holder_sees_the_artwork_of_a_private_credential_and_nobody_caches_it(app, client, site):
    with app.app_context():
        star = db.session.scalar(select(Achievement).where(Achievement.slug == "lab-star"))
        star.issuers = []
        db.session.commit()
    url = "/badges/lab-star/image.svg?issuer=lakeshore-cc"
    assert client.get(url).status_code == 404
    for who in ("learner", "instructor"):
        login(app, client, site[who])
        response = client.get(url)
        assert response.status_code == 200 and "Lakeshore CC" in text_of(response)
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "Cookie" in response.headers["Vary"]
    login(app, client, site["ben"])
    assert client.get(url).status_code == 404


# -- What browsers and shared caches may keep ------------------------------------------------


def private_paths(public_id: str) -> list[str]:
    base = f"/credentials/{public_id}"
    return [base, f"{base}.json", f"{base}/badge.svg", f"{base}/badge.png"]


def test_private_credential_answers_are_never_stored(app, client, site):
    login(app, client, site["learner"])
    for path in [*private_paths(site["star"]), "/credentials"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "Cookie" in response.headers["Vary"], path
    as_json = client.get(f"/credentials/{site['star']}", headers={"Accept": "application/json"})
    assert as_json.headers["Cache-Control"] == "private, no-store"
    anonymous = app.test_client().get(f"/credentials/{site['star']}")
    assert anonymous.status_code == 404
    assert anonymous.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in anonymous.headers["Vary"]


def test_public_credential_answers_are_kept_briefly_by_anyone(app, client, site):
    make_public(app, site["star"])
    for path in private_paths(site["star"]):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=60", path
        assert "Cookie" in response.headers["Vary"], path
    login(app, client, site["learner"])  # the page drawn for its holder is theirs alone
    page = client.get(f"/credentials/{site['star']}")
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "Add to LinkedIn" in text_of(page)

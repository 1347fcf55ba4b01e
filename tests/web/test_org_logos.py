"""A partner's logo: who may upload and remove it, how a refused upload is explained, how it is
served, and where it shows (its pages, the credentials it signs, badge artwork)."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.credentials import parsing, schema
from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import Organization
from app.services import credentials, organizations, verification
from tests import credential_site, factories
from tests.conftest import csrf_token, sign_in

ANON = "anonymous"
ROLES = ["apprentice", "instructor", "outsider", "other_admin", "admin", "platform", ANON]
EDITORS = {"admin", "platform"}  # the college's partner admin, and the platform admin
COLLEGE = "lakeshore-cc"
BRANDING = f"/orgs/{COLLEGE}/branding"
REMOVE = f"/orgs/{COLLEGE}/branding/remove-logo"
LOGO = f"/orgs/{COLLEGE}/logo.png"
# What the branding form shows filled in (credential_site's values), posted back unchanged.
FIELDS = {
    "short_name": "Lakeshore CC",
    "website": "https://lakeshore.example",
    "brand_primary": "#0b5394",
    "brand_secondary": "#f1c232",
    "ipeds_unit_id": "123456",
    "opeid": "00123400",
}


@dataclass
class Site:
    people: dict[str, int]
    star: str  # Ana's issued Lab Star
    master: str  # her Lab Master, awaiting approval


@pytest.fixture
def site(app, tmp_path) -> Site:
    with app.app_context():
        built = credential_site.build(app, tmp_path)
        other = factories.make_org(slug="carver-state", name="Carver State")
        people = {
            "apprentice": built.learner.id,
            "instructor": built.instructor.id,
            "admin": built.admin.id,
            "outsider": factories.make_user(org=other, role=Role.INSTRUCTOR).id,
            "other_admin": factories.make_user(org=other, role=Role.PARTNER_ADMIN).id,
            "platform": factories.make_user(role=Role.PLATFORM_ADMIN).id,
        }
        db.session.commit()
        return Site(people, built.star.public_id, built.master.public_id)


def login(app, client, site: Site, role: str) -> None:
    if role != ANON:
        with app.app_context():
            sign_in(client, db.session.get(factories.User, site.people[role]))


def png(size=(120, 60), colour=(11, 83, 148, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def token(client) -> str:
    with client.session_transaction() as session:
        signed_in = "_user_id" in session
    page = client.get("/account/" if signed_in else "/login")
    return csrf_token(page.get_data(as_text=True))


def upload(client, data: bytes, name: str = "logo.png", *, with_token=True, **fields):
    """Post the branding form with *data* as the logo file, as a browser would."""
    form = {**FIELDS, **fields, "logo": FileStorage(io.BytesIO(data), name)}
    if with_token:
        form["csrf_token"] = token(client)
    # Encoded here, in memory: the test client spools a body over 500 KB to a temporary file
    # it never closes (a ResourceWarning in some later test).
    boundary, body = encode_multipart(form)
    return client.post(
        BRANDING, data=body, content_type=f'multipart/form-data; boundary="{boundary}"'
    )


def remove(client, *, with_token=True):
    return client.post(REMOVE, data={"csrf_token": token(client)} if with_token else {})


def college() -> Organization:
    return db.session.scalar(select(Organization).where(Organization.slug == COLLEGE))


def stored_logo(app) -> bytes | None:
    with app.app_context():
        return college().logo_png


def give_logo(app, data: bytes | None = None) -> bytes:
    """Store a logo for the college directly (as its admin would); return the stored PNG."""
    with app.app_context():
        admin = db.session.scalar(
            select(factories.User).where(factories.User.role == Role.PARTNER_ADMIN)
        )
        logo = organizations.set_logo(college(), data or png(), actor=admin, now=utcnow())
        db.session.commit()
        return logo.png


def text(response) -> str:
    return response.get_data(as_text=True)


# -- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_upload_a_logo(app, client, site, role):
    login(app, client, site, role)
    response = upload(client, png())
    if role in EDITORS:
        assert response.status_code == 302 and response.location.endswith(BRANDING)
        assert Image.open(io.BytesIO(stored_logo(app))).size == (120, 60)
    else:
        assert response.status_code == (302 if role == ANON else 403)
        if role == ANON:
            assert response.location.startswith("/login")
        assert stored_logo(app) is None


@pytest.mark.parametrize("role", ROLES)
def test_who_may_remove_the_logo(app, client, site, role):
    before = give_logo(app)
    login(app, client, site, role)
    response = remove(client)
    if role in EDITORS:
        assert response.status_code == 302 and response.location.endswith(BRANDING)
        assert stored_logo(app) is None
    else:
        assert response.status_code == (302 if role == ANON else 403)
        assert stored_logo(app) == before


def test_an_unknown_organization_has_no_branding_and_no_logo(app, client, site):
    login(app, client, site, "platform")
    form = {"csrf_token": token(client), "logo": (io.BytesIO(png()), "logo.png")}
    assert client.post("/orgs/nowhere/branding", data=form).status_code == 404
    form.pop("logo")
    assert client.post("/orgs/nowhere/branding/remove-logo", data=form).status_code == 404
    assert client.get("/orgs/nowhere/logo.png").status_code == 404


def test_logo_forms_need_a_csrf_token(app, client, site):
    before = give_logo(app)
    login(app, client, site, "admin")
    for response in (
        upload(client, png((64, 64)), with_token=False),
        remove(client, with_token=False),
    ):
        assert response.status_code == 400
        assert "This form has expired" in text(response)
    assert stored_logo(app) == before


def test_the_branding_page_offers_the_upload_and_removal(app, client, site):
    login(app, client, site, "admin")
    page = text(client.get(BRANDING))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert 'name="logo"' in page and "Remove logo" not in page
    give_logo(app)
    page = text(client.get(BRANDING))
    assert f'action="{REMOVE}"' in page and "Remove logo" in page
    assert f'src="{LOGO}?v=' in page  # the preview


def test_removing_when_there_is_no_logo_changes_nothing(app, client, site):
    login(app, client, site, "admin")
    assert remove(client).status_code == 302
    assert stored_logo(app) is None


# -- Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "logo.png", "Not an image we can read: upload a"),
        (b"%PDF-1.7\n", "logo.svg", "Not an image we can read: upload a PNG, JPEG, WebP or SVG"),
        (png((3000, 20)), "logo.png", "The logo is 3,000 × 20 pixels: it must be between 32 and"),
        (png((20, 20)), "logo.png", "The logo is 20 × 20 pixels"),
        (b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024), "big.png", "Larger than 1 MB"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/x.png"/></svg>', "l.svg",
         "The SVG refers to “/etc/x.png”, outside the file"),
    ],
    ids=["gif", "pdf", "thin", "small", "large", "svg-file"],
)  # fmt: skip
def test_a_refused_logo_is_named_at_its_field_and_nothing_is_saved(
    app, client, site, data, name, message
):
    before = give_logo(app)
    login(app, client, site, "admin")
    response = upload(client, data, name, short_name="Renamed")  # a good change beside it
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'id="logo-error"' in page and 'aria-describedby="logo-hint logo-error"' in page
    with app.app_context():
        assert (college().logo_png, college().short_name) == (before, "Lakeshore CC")


def test_a_bad_field_beside_a_good_logo_saves_neither(app, client, site):
    login(app, client, site, "admin")
    response = upload(client, png(), brand_primary="blue")
    assert response.status_code == 422 and 'id="brand_primary-error"' in text(response)
    assert stored_logo(app) is None


def test_who_changed_the_logo_is_logged(app, client, site, caplog):
    login(app, client, site, "admin")
    with caplog.at_level(logging.INFO, logger="app.services.organizations"):
        upload(client, png())
        remove(client)
    admin = site.people["admin"]
    assert f"logo of {COLLEGE} set by user {admin}: PNG of" in caplog.text
    assert f"logo of {COLLEGE} removed by user {admin}" in caplog.text


# -- Serving ---------------------------------------------------------------------------------


def test_the_logo_is_served_to_anyone_as_a_png_with_cache_headers(app, client, site):
    assert client.get(LOGO).status_code == 404  # none yet
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 1"><rect width="2" height="1"/>'
    svg += b"</svg>"
    login(app, client, site, "admin")
    assert upload(client, svg, "logo.svg").status_code == 302
    anyone = app.test_client()
    response = anyone.get(LOGO)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == stored_logo(app) and response.data.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(response.data)).size == (512, 256)  # the SVG, drawn
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    assert anyone.get(LOGO, headers={"If-None-Match": etag}).status_code == 304

    give_logo(app, png((64, 64)))
    assert anyone.get(LOGO).headers["ETag"] != etag
    remove(client)
    gone = anyone.get(LOGO)
    assert gone.status_code == 404 and "public" not in gone.headers["Cache-Control"]


def test_the_logo_address_is_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    answers = Counter(client.get("/orgs/nowhere/logo.png").status_code for _ in range(301))
    assert answers == {404: 300, 429: 1}


# -- Where it shows ---------------------------------------------------------------------------


def test_the_logo_shows_on_the_org_page_the_credential_page_and_the_wallet(app, client, site):
    login(app, client, site, "apprentice")
    assert "/logo.png" not in text(client.get(f"/orgs/{COLLEGE}"))
    give_logo(app)
    with app.app_context():
        version = college().logo_version
    img = f'src="{LOGO}?v={version}"'
    assert img in text(client.get(f"/orgs/{COLLEGE}"))
    page = text(client.get(f"/credentials/{site.star}"))
    issued_by = page.split('id="issuer-heading"')[1].split("</section>")[0]
    assert img in issued_by
    assert img in text(client.get("/credentials"))


def test_a_credential_signed_after_the_upload_names_the_logo_and_verifies(app, client, site):
    give_logo(app)
    login(app, client, site, "instructor")
    response = client.post(
        f"/credentials/{site.master}/approve", data={"csrf_token": token(client), "comment": ""}
    )
    assert response.status_code == 302
    with app.app_context():
        master, star = credentials.get(site.master), credentials.get(site.star)
        base = app.config["PUBLIC_BASE_URL"]
        assert master.document["issuer"]["image"] == {
            "id": f"{base}/orgs/{COLLEGE}/logo.png",
            "type": "Image",
            "caption": "Lakeshore Community College logo",
        }
        assert schema.schema_errors(master.document) == []
        report = verification.verify(master.document, now=utcnow() + timedelta(minutes=1))
        assert report["verified"], report
        assert "image" not in star.document["issuer"]  # signed before: kept as it was


def test_badge_artwork_and_baked_downloads_carry_the_logo(app, client, site):
    with app.app_context():
        credentials.get(site.star).public = True
        db.session.commit()
    artwork_url = f"/badges/lab-star/image.svg?issuer={COLLEGE}"
    before = client.get(artwork_url)
    baked_before = client.get(f"/credentials/{site.star}/badge.svg").data
    assert b"data:image/png;base64," not in before.data + baked_before

    logo = give_logo(app)
    embedded = b"data:image/png;base64," + base64.b64encode(logo)
    after = client.get(artwork_url)
    assert embedded in after.data and after.headers["ETag"] != before.headers["ETag"]
    baked = client.get(f"/credentials/{site.star}/badge.svg").data
    assert embedded in baked  # not the download remembered from before the logo
    with app.app_context():
        document = credentials.get(site.star).document
    assert json.loads(parsing.unbake(baked)) == document

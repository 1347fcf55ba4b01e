"""?next= after sign-in leads only to a page of this site, whatever the encoding tricks."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import submit

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "////evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/%09/evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "http:evil.example",
    "https:///evil.example",
    "//evil.example@shopfloor.localhost",
]


@pytest.fixture
def kai(app):
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    return {"email": "kai@plant.example", "password": factories.PASSWORD}


@pytest.mark.parametrize("target", EVIL)
def test_sign_in_never_redirects_off_site(app, kai, target):
    """Is every spelling of another host refused (the dashboard instead)?"""
    response = submit(app.test_client(), f"/login?next={quote(target, safe='')}", kai)
    assert response.status_code == 302
    assert response.location == "/dashboard", target


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account/", "/account/"),
        ("/courses/demo?tab=labs", "/courses/demo?tab=labs"),
        ("/courses//demo", "/courses/demo"),  # slashes collapsed: no '//' ever goes out
        ("/search?q=a%20b", "/search?q=a%20b"),
    ],
)
def test_sign_in_follows_next_to_a_page_of_this_site(app, kai, target, expected):
    response = submit(app.test_client(), f"/login?next={quote(target, safe='')}", kai)
    assert response.location == expected

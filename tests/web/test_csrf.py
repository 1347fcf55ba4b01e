"""Every state-changing request without a CSRF token is refused with 400."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User
from tests import factories
from tests.conftest import sign_in

# POST endpoints for programs that take no session and change nothing, so need no token
# (each has a test that a signed-in session gives it no more than anyone gets).
SESSIONLESS = {"verify.api"}


def mutating_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SESSIONLESS:
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield method, rule


@pytest.fixture
def routes(app):
    return list(mutating_routes(app))


def test_every_mutating_route_needs_a_csrf_token(app, client, routes):
    assert routes, "no mutating routes found"
    with app.app_context():
        sign_in(client, factories.make_user())
        db.session.commit()
    for method, rule in routes:
        # "1" fits every converter: slugs and lab ids as well as integer ids.
        url = rule.build({arg: "1" for arg in rule.arguments}, append_unknown=False)[1]
        response = client.open(url, method=method, data={"email": "a@b.example"})
        assert response.status_code == 400, f"{method} {url} answered {response.status_code}"
        assert "This form has expired" in response.get_data(as_text=True)


def test_json_requests_without_a_token_get_a_json_400(app, client):
    response = client.post(
        "/login", json={"email": "a@b.example"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


def test_registration_without_a_token_creates_nobody(app, client):
    response = client.post(
        "/register",
        data={
            "name": "Eve",
            "email": "eve@x.example",
            "password": "a-long-pass-phrase",
            "confirm": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(User).count() == 0

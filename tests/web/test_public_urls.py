"""Links in mail come from PUBLIC_BASE_URL, never from Host; other hosts are refused (400).

The review's case: ``POST /forgot-password`` with ``Host: evil.example`` mailed the real
owner ``http://evil.example/reset-password/<token>``.
"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import csrf_token

PUBLIC = "https://learn.example.org"


@pytest.fixture
def kai(app):
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()


def ask_for_reset(client, headers=None):
    """Load the form and post it, both with *headers* (the Host decides which cookies go)."""
    page = client.get("/forgot-password", headers=headers)
    if page.status_code != 200:
        return page
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "email": "kai@plant.example"}
    return client.post("/forgot-password", data=data, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example"},
        {"Host": "evil.example:80"},
        {"Host": "localhost.evil.example"},
        {"Host": "evil.example", "X-Forwarded-Host": "localhost"},
    ],
)
def test_reset_request_for_another_host_is_refused_and_mails_nothing(app, kai, outbox, headers):
    response = ask_for_reset(app.test_client(), headers=headers)
    assert response.status_code == 400
    assert outbox() == []


def test_reset_link_uses_the_public_base_url_whatever_the_host(make_app, outbox):
    # Even a host the app answers to (an alias, an internal name) never makes the link.
    app = make_app(PUBLIC_BASE_URL=PUBLIC + "/", TRUSTED_HOSTS=["localhost", "internal.example"])
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    client = app.test_client()
    for host in ("localhost", "internal.example"):
        assert ask_for_reset(client, headers={"Host": host}).status_code == 200
    links = [re.search(r"\S+/reset-password/\S+", m.body).group(0) for m in outbox()]
    assert len(links) == 2
    assert all(link.startswith(f"{PUBLIC}/reset-password/") for link in links), links
    path = links[0].removeprefix(PUBLIC)
    assert client.get(path).status_code == 200  # and the link works


def test_forwarded_host_is_checked_behind_a_proxy_and_ignored_without_one(make_app, outbox):
    direct = make_app()
    with direct.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    response = ask_for_reset(direct.test_client(), headers={"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 200
    assert "evil.example" not in outbox()[0].body
    assert outbox()[0].body.count("http://localhost/reset-password/") == 1

    proxied = make_app(PROXY_COUNT=1)
    client = proxied.test_client()
    assert client.get("/", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"X-Forwarded-Host": "localhost"}).status_code == 200


def test_every_page_refuses_a_host_it_does_not_serve(client, caplog):
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "does not answer to that host name" in refused.get_data(as_text=True)
    assert "evil.example" not in refused.get_data(as_text=True)
    assert "Traceback" not in caplog.text  # an expected refusal, not an error to log
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_case_uris_use_the_public_base_url(make_app):
    app = make_app(PUBLIC_BASE_URL=PUBLIC, TRUSTED_HOSTS=["localhost"])
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    documents = app.test_client().get("/ims/case/v1p1/CFDocuments").get_json()["CFDocuments"]
    assert documents and all(d["uri"].startswith(f"{PUBLIC}/ims/case/v1p1/") for d in documents)

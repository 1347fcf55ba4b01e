"""did:web documents served to verifiers anywhere, and credentials verified through them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.credentials import keys as multikeys
from app.credentials import ob3, proofs
from app.credentials.status_list import StatusList, status_list_credential
from app.credentials.verifier import verify_credential
from app.database import utcnow
from app.extensions import db
from app.services import keys
from tests import factories
from tests.credentials import factories as credentials

NOW = datetime(2026, 12, 6, tzinfo=UTC)
LIST_URL = "https://shopfloor.example/status/acme/1"


@pytest.fixture
def acme(app):
    """An organization with one key; its slug."""
    with app.app_context():
        org = factories.make_org(slug="acme")
        factories.make_org(slug="keyless")
        db.session.commit()
        keys.generate(org, now=utcnow())
    return "acme"


def test_org_did_document_is_public_cross_origin_and_cacheable(app, client, acme):
    response = client.get("/orgs/acme/did.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept" in response.headers["Vary"]
    again = client.get("/orgs/acme/did.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    did_json = client.get("/orgs/acme/did.json", headers={"Accept": "application/did+json"})
    assert did_json.mimetype == "application/did+json"
    assert did_json.get_json() == response.get_json()


def test_did_document_lists_every_key_as_a_multikey_the_did_controls(app, client, acme):
    with app.app_context():
        org = keys.organizations.get_by_slug("acme")
        keys.rotate(org, now=utcnow())
        records = keys.list_keys(org)
        secrets = [keys.keyring(org).private_key(record) for record in records]
    document = client.get("/orgs/acme/did.json").get_json()
    did = "did:web:localhost:orgs:acme"
    assert document["id"] == did
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    methods = document["verificationMethod"]
    assert [m["id"] for m in methods] == [f"{did}#{r.id}" for r in records]  # retired too
    assert document["assertionMethod"] == [m["id"] for m in methods]
    for method, secret in zip(methods, secrets, strict=True):
        assert set(method) == {"id", "type", "controller", "publicKeyMultibase"}
        assert method["type"] == "Multikey" and method["controller"] == did
        public = multikeys.public_key_from_multibase(method["publicKeyMultibase"])
        assert multikeys.public_key_multibase(public) == method["publicKeyMultibase"]
        assert multikeys.public_key_multibase(secret.public_key()) == method["publicKeyMultibase"]
    assert "secret" not in str(document).lower() and "z3u" not in str(document)


def test_no_document_without_keys_and_the_same_answer_for_unknown_orgs(client, acme):
    keyless = client.get("/orgs/keyless/did.json", headers={"Accept": "application/json"})
    unknown = client.get("/orgs/nobody/did.json", headers={"Accept": "application/json"})
    assert keyless.status_code == unknown.status_code == 404
    assert keyless.get_json()["message"] == unknown.get_json()["message"]
    assert unknown.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/.well-known/did.json").status_code == 404


def test_platform_document_once_it_has_a_key(app, client):
    with app.app_context():
        keys.generate(None, now=utcnow())
    for path in ("/.well-known/did.json", "/did.json"):
        document = client.get(path).get_json()
        assert document["id"] == "did:web:localhost"
        assert document["verificationMethod"][0]["controller"] == "did:web:localhost"


def _fetcher(client, base: str):
    """The verifier's fetch_document, over the app's own route instead of the network."""

    def fetch(url: str) -> dict:
        assert url.startswith(base), url
        response = client.get(url.removeprefix(base))
        if response.status_code != 200:
            raise LookupError(f"{url} answered {response.status_code}")
        return response.get_json()

    return fetch


def _issue(app, slug: str, number: int) -> dict:
    """Sign a typical Shopfloor credential with the organization's active key."""
    with app.app_context():
        org = keys.organizations.get_by_slug(slug)
        method, private = keys.signing_key(org)
        credential = credentials.credential(number)
        credential["issuer"]["id"] = keys.did_for(org)
        credential["credentialStatus"]["statusListCredential"] = LIST_URL
        created = credentials.VALID_FROM
        return ob3.sign_credential(credential, private, verification_method=method, created=created)


def _status_list(app, slug: str) -> dict:
    with app.app_context():
        org = keys.organizations.get_by_slug(slug)
        method, private = keys.signing_key(org)
        unsigned = status_list_credential(
            list_url=LIST_URL,
            issuer=keys.did_for(org),
            status_list=StatusList(),
            valid_from="2026-01-01T00:00:00Z",
        )
        return proofs.sign(unsigned, private, verification_method=method, created=NOW)


def _verify(client, credential: dict, status_list: dict, base: str) -> dict:
    return verify_credential(
        credential,
        now=NOW,
        fetch_document=_fetcher(client, base),
        fetch_status_list=lambda url: status_list,
        fragment_keys=False,
    )


@pytest.mark.parametrize(
    ("public_base_url", "document_base"),
    [
        ("http://localhost", "https://localhost"),
        ("http://localhost:5000/shopfloor", "https://localhost:5000/shopfloor"),
    ],
)
def test_credential_verifies_through_the_did_route_before_and_after_rotation(
    make_app, public_base_url, document_base
):
    """A port and a base path are in the DID; the document URL a verifier derives from it
    is the route's, so the app answers it."""
    app = make_app(PUBLIC_BASE_URL=public_base_url)
    client = app.test_client()
    with app.app_context():
        org = factories.make_org(slug="acme")
        db.session.commit()
        keys.generate(org, now=utcnow())
    before = _issue(app, "acme", 1)
    result = _verify(client, before, _status_list(app, "acme"), document_base)
    assert result["verified"], result["checks"]

    with app.app_context():
        keys.rotate(keys.organizations.get_by_slug("acme"), now=utcnow() + timedelta(days=1))
    after = _issue(app, "acme", 2)
    assert after["proof"][0]["verificationMethod"] != before["proof"][0]["verificationMethod"]
    status = _status_list(app, "acme")  # re-signed with the new key
    for credential in (before, after):
        result = _verify(client, credential, status, document_base)
        assert result["verified"], result["checks"]


def test_key_of_another_organization_or_none_fails_the_issuer_key_check(app, client, acme):
    credential = _issue(app, "acme", 3)
    status = _status_list(app, "acme")
    with app.app_context():
        keys.generate(keys.organizations.get_by_slug("keyless"), now=utcnow())
        other, _ = keys.signing_key(keys.organizations.get_by_slug("keyless"))
    acme_key = credential["proof"][0]["verificationMethod"]
    for method in (other, acme_key.replace("acme", "nobody")):
        credential["proof"][0]["verificationMethod"] = method
        result = _verify(client, credential, status, "https://localhost")
        failed = {check["name"] for check in result["checks"] if not check["passed"]}
        assert not result["verified"] and "issuer_key" in failed


def test_the_verifier_needs_no_http_for_our_own_dids(app, acme):
    credential = _issue(app, "acme", 4)
    with app.app_context():
        status = _status_list(app, "acme")
        result = verify_credential(
            credential,
            now=NOW,
            fetch_document=keys.local_fetcher(),
            fetch_status_list=lambda url: status,
            fragment_keys=False,
        )
    assert result["verified"], result["checks"]

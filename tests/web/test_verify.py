"""The verification page and its JSON API: an employer, without an account, checks a credential
by its address, its file or its JSON, and a CSV list of addresses in the background."""

from __future__ import annotations

import csv
import io
import json
import socket
import struct
import threading
import zlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.credentials import keys as multikeys
from app.credentials import proofs, status_list
from app.domain import url_lists
from app.domain.roles import Role
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Credential, User
from app.services import credentials, remote_fetch, verify_jobs, verify_requests
from app.services.remote_fetch import FetchError
from tests import credential_site, factories
from tests.conftest import csrf_token, sign_in, submit
from tests.credentials import factories as vc
from tests.waiting import poll

NOW = credential_site.NOW
UNKNOWN = "00000000-0000-4000-8000-000000000000"  # a well-formed id no credential has


@pytest.fixture
def site(app, tmp_path):
    """Lakeshore's learner Ana holds a public Lab Star and a Lab Master awaiting approval."""
    with app.app_context():
        built = credential_site.build(app, tmp_path)
        built.star.public = True
        db.session.commit()
        return SimpleNamespace(
            star=built.star.public_id,
            master=built.master.public_id,
            url=credentials.credential_url(built.star.public_id),
            document=built.star.document,
            email=built.learner.email,
            instructor_id=built.instructor.id,
        )


def _row(app, public_id: str) -> Credential:
    return credentials.get(public_id)


def verify_form(client, **data):
    """Post the verification form as a browser does (with its CSRF token)."""
    return submit(client, "/verify", data, action="/verify", content_type="multipart/form-data")


def api(client, **kwargs):
    """Call the JSON API as a script does: one POST, no session, no token."""
    return client.post("/api/verify", **kwargs)


def check(body: dict, name: str) -> dict:
    return next(c for c in body["checks"] if c["name"] == name)


def text(response) -> str:
    return response.get_data(as_text=True)


# -- The page -------------------------------------------------------------------------------


def test_verify_page_explains_the_checks_and_offers_three_ways_in(client):
    page = text(client.get("/verify"))
    assert "What is checked" in page
    for label in (
        "Address of the credential",
        "Credential file",
        "Credential JSON",
        "Learner’s email address (optional)",
        "List of credential addresses (CSV)",
    ):
        assert label in page  # fmt: skip
    assert 'href="/verify"' in text(client.get("/"))  # in the header for visitors


def test_verify_own_credential_by_url_reads_the_database_and_says_what_it_holds(client, site):
    response = verify_form(client, url=site.url, email=site.email.upper())
    page = text(response)
    assert response.status_code == 200
    assert 'id="verdict-heading">Verified</h1>' in page
    assert "read from this Shopfloor&#39;s records" in page
    assert "Lab Star" in page and "Lakeshore Community College" in page
    assert "IPEDS Unit ID: 123456" in page and "OPEID: 00123400" in page
    assert "the credential was issued to" in page  # the email matches, in any case
    wrong = text(verify_form(client, url=site.url, email="someone@else.example"))
    assert "<strong>No:</strong>" in wrong


def test_verify_api_by_url_answers_every_check(client, site):
    body = api(client, json={"url": site.url + ".json", "email": site.email}).get_json()
    assert body["verified"] is True and body["verdict"] == "verified"
    names = [c["name"] for c in body["checks"]]
    assert names == ["fetch", "json", "jsonld", "schema", "issuer", "issuer_key", "proof",
                     "validity", "status", "endorsements"]  # fmt: skip
    assert body["credential"]["achievement"] == "Lab Star"
    assert body["credential"]["issuer_identifiers"][0] == {"label": "IPEDS Unit ID",
                                                           "value": "123456"}  # fmt: skip
    assert body["email_matches"] is True


def test_a_credential_its_holder_did_not_share_is_not_found_by_url(app, client, site):
    with app.app_context():
        _row(app, site.star).public = False
        db.session.commit()
    body = api(client, json={"url": site.url}).get_json()
    assert body["verified"] is False and body["credential"] is None
    assert "no public credential at this address" in check(body, "fetch")["message"]
    unknown = api(
        client, json={"url": credentials_url(app, "0" * 8 + "-0000-4000-8000-" + "0" * 12)}
    )
    assert check(unknown.get_json(), "fetch")["message"] == check(body, "fetch")["message"]


def credentials_url(app, public_id: str) -> str:
    with app.app_context():
        return credentials.credential_url(public_id)


def test_verify_uploaded_json_file_and_pasted_json(client, site):
    raw = json.dumps(site.document).encode()
    page = text(verify_form(client, file=(io.BytesIO(raw), "star.json")))
    assert "<h1" in page and ">Verified</h1>" in page
    pasted = text(verify_form(client, json=json.dumps(site.document, indent=2)))
    assert ">Verified</h1>" in pasted
    multipart = api(client, data={"file": (io.BytesIO(raw), "star.json")})
    assert multipart.get_json()["verified"] is True


def test_verify_baked_png_and_svg(client, site):
    baking = pytest.importorskip("app.credentials.baking")
    png = baking.bake_png(tiny_png(), site.document)
    svg = baking.bake_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>',
                          site.document)  # fmt: skip
    for name, data in (("star.png", png), ("star.svg", svg.encode())):
        body = api(client, data={"file": (io.BytesIO(data), name)}).get_json()
        assert body["verified"] is True, (name, body["checks"])
        assert body["credential"]["achievement"] == "Lab Star"


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_tampered_credential_fails_and_names_the_failing_check(client, site):
    forged = json.loads(json.dumps(site.document))
    forged["credentialSubject"]["achievement"]["name"] = "Lab Grandmaster"
    body = api(client, json=forged).get_json()
    assert body["verified"] is False and body["verdict"] == "not_verified"
    assert check(body, "proof")["passed"] is False
    assert "does not match" in check(body, "proof")["message"]
    page = text(verify_form(client, json=json.dumps(forged)))
    assert ">Not verified</h1>" in page and "Signature: signature does not verify" in page


# -- Revoked, suspended, expired -------------------------------------------------------------


def test_revoked_credential_reports_revoked_and_since_when_but_not_why(app, client, site):
    """The reason is between the learner and the college: an employer sees state and date."""
    with app.app_context():
        row = _row(app, site.star)
        credentials.revoke(row, None, reason="Issued in error", now=NOW + timedelta(hours=1))
        db.session.commit()
    response = api(client, json=site.document)  # an uploaded copy: found by its id
    body = response.get_json()
    assert body["verdict"] == "revoked"
    assert body["standing"] == {"state": "revoked", "since": "2026-12-06T13:00:00+00:00"}
    assert "Issued in error" not in response.get_data(as_text=True)
    page = text(verify_form(client, url=site.url))
    assert ">Revoked</h1>" in page and "6 December 2026" in page
    assert "Issued in error" not in page and "Reason given" not in page


def test_suspended_credential_reports_suspended(app, client, site):
    with app.app_context():
        row = _row(app, site.star)
        credentials.suspend(row, None, reason="Under review", now=NOW + timedelta(hours=1))
        db.session.commit()
    body = api(client, json={"url": site.url}).get_json()
    assert body["verdict"] == "suspended" and "reason" not in body["standing"]
    assert "Under review" not in json.dumps(body)
    assert "check again later" in text(verify_form(client, url=site.url))
    with app.app_context():
        sign_in(client, db.session.get(User, site.instructor_id))  # not even the staff, here
    assert "Under review" not in text(verify_form(client, url=site.url))


def test_expired_credential_reports_expired(app, client, site):
    with app.app_context():
        row = _row(app, site.master)
        instructor = factories.make_user(org=row.issuer, role=Role.INSTRUCTOR)
        credentials.approve(row, instructor, now=NOW)
        db.session.commit()
        document = row.document
    assert document["validUntil"].startswith("2028-12-05")
    with time_machine.travel(datetime(2029, 1, 15, tzinfo=UTC)):
        body = api(client, json=document).get_json()
        page = text(verify_form(client, json=json.dumps(document)))
    assert body["verdict"] == "expired"
    assert check(body, "validity")["message"].startswith("expired")
    assert ">Expired</h1>" in page and "2028-12-05" in page


# -- Limits and safety ----------------------------------------------------------------------


def test_uploads_over_2_mb_are_refused_with_a_message(client):
    big = b" " * (2 * 1024 * 1024 + 1)
    token = csrf_token(text(client.get("/verify")))
    # Encoded in memory: the test client spools large bodies to a file it does not close.
    upload = FileStorage(io.BytesIO(big), "big.json")
    boundary, body = encode_multipart({"csrf_token": token, "file": upload})
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.post("/verify", data=body, content_type=content_type)
    assert response.status_code == 413
    assert "The upload is larger than 2 MB" in text(response)
    answer = client.post("/api/verify", data=body, content_type=content_type)
    assert answer.status_code == 413 and "larger than 2 MB" in answer.get_json()["message"]


def test_deeply_nested_json_is_refused_with_a_message(client):
    deep = "[" * 300_000 + "]" * 300_000
    body = api(client, data=deep, content_type="application/json").get_json()
    page = text(verify_form(client, json='{"a":' * 50_000 + "1" + "}" * 50_000))
    assert body["verified"] is False and "nested deeper" in check(body, "json")["message"]
    assert "nested deeper" in page


def test_the_forms_need_a_csrf_token_and_the_api_takes_no_session(app, client, site):
    response = client.post("/verify", data={"url": site.url})
    assert response.status_code == 400 and "This form has expired" in text(response)
    assert client.post("/verify/bulk", data={}).status_code == 400
    # The API changes nothing and ignores who is signed in: no token, and a staff member's
    # session does not open a private credential through it, as it does on the page.
    answer = client.post("/api/verify", json={"url": site.url})
    assert answer.status_code == 200 and answer.get_json()["verified"] is True
    with app.app_context():
        credentials.get(site.star).public = False
        staff = db.session.get(User, site.instructor_id)
        db.session.commit()
        sign_in(client, staff)
    private = client.post("/api/verify", json={"url": site.url}).get_json()
    assert private["verified"] is False
    page = verify_form(client, url=site.url)
    assert "Lab Star" in text(page)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/credentials/1",
        "https://10.1.2.3/credential.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:8443/credential",
        "https://[::ffff:192.168.0.1]/credential",
        "http://93.184.215.14/credential",  # a public address, but not https
        "https://user:secret@example.org/credential",
    ],
)
def test_addresses_inside_the_network_are_refused_without_a_connection(client, monkeypatch, url):
    def no_network(*args, **kwargs):
        raise AssertionError(f"the fetcher tried the network: {args}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    body = api(client, json={"url": url}).get_json()
    message = check(body, "fetch")["message"]
    assert body["verified"] is False and message.startswith("could not fetch the credential")
    assert any(word in message for word in ("refused", "https://", "user name")), message


def test_remote_fetching_can_be_turned_off(make_app):
    client = make_app(VERIFY_REMOTE_FETCH=False).test_client()
    body = api(client, json={"url": "https://issuer.example/credentials/1"}).get_json()
    assert "does not fetch other sites" in check(body, "fetch")["message"]


def test_another_issuers_credential_is_checked_through_the_fetcher(app, client, monkeypatch):
    """A credential of another issuer: its address, DID document and status list fetched."""
    document = vc.signed(1)
    did_document = multikeys.did_document(vc.ISSUER_DID, {"key-1": vc.TEST_KEY.public_key()})
    bits = status_list.StatusList()
    unsigned = status_list.status_list_credential(
        list_url="https://shopfloor.example/status/lakeshore/1", issuer=vc.ISSUER_DID,
        status_list=bits, valid_from="2026-01-01T00:00:00Z",
    )  # fmt: skip
    signed_list = proofs.sign(unsigned, vc.TEST_KEY, verification_method=vc.KEY_ID,
                              created=vc.VALID_FROM)  # fmt: skip
    served = {
        "https://other.example/c/1": document,
        "https://shopfloor.example/issuers/lakeshore-tech/did.json": did_document,
        "https://shopfloor.example/status/lakeshore/1": signed_list,
    }

    def fake(url: str) -> dict:
        if url not in served:
            raise FetchError(f"{url} answered HTTP 404")
        return served[url]

    monkeypatch.setattr(remote_fetch, "for_config", lambda config: fake)
    body = api(client, json={"url": "https://other.example/c/1"}).get_json()
    assert body["verified"] is True, body["checks"]
    assert check(body, "fetch")["message"] == "fetched from other.example"
    assert body["credential"]["issuer"] == "Lakeshore Technical College"
    assert body["issuer_local"] is False  # another site's issuer, named as it declares
    # Its DID document is remembered a while: the issuer's site is not asked again.
    del served["https://shopfloor.example/issuers/lakeshore-tech/did.json"]
    assert api(client, json=document).get_json()["verified"] is True
    app.extensions["verification"].documents.clear()
    body = api(client, json=document).get_json()
    assert check(body, "issuer_key")["passed"] is False
    assert "answered HTTP 404" in check(body, "issuer_key")["message"]


# -- Bulk ------------------------------------------------------------------------------------


def test_bulk_csv_reports_bad_rows_polls_progress_and_offers_the_results_csv(app, client, site):
    other = credentials_url(app, UNKNOWN)
    lines = ["name,url", f"Ana,{site.url}", "", "Ben,not a link", f"Cy,{other}", f"Di,{site.url}",
             "Ed,", ""]  # fmt: skip
    data = ("\ufeff" + "\r\n".join(lines)).encode()
    response = submit(client, "/verify", {"csv_file": (io.BytesIO(data), "list.csv")},
                      action="/verify/bulk", content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 303
    page_url = response.headers["Location"]
    progress_url = page_url + "/progress"

    def finished():
        progress = client.get(progress_url).get_json()
        return progress if progress["state"] == "done" else None

    progress = poll(finished, seconds=30)
    assert progress == {"state": "done", "done": 3, "total": 3}
    page = text(client.get(page_url))
    assert "2 of 3</strong> verified" in page
    assert "Row 4: “not a link” is not a web address" in page
    assert "Row 7: the address cell is empty." in page
    results = list(csv.DictReader(io.StringIO(text(client.get(page_url + "/results.csv")))))
    assert [(r["row"], r["verified"], r["verdict"]) for r in results] == [
        ("2", "yes", "Verified"), ("4", "no", "Not checked"), ("5", "no", "Not verified"),
        ("6", "yes", "Verified"), ("7", "no", "Not checked"),
    ]  # fmt: skip
    assert results[0]["achievement"] == "Lab Star"
    assert results[2]["failing check"] == "Credential found"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "holds no credential addresses"),
        (b"url\n\n\n", "holds no credential addresses"),
        (b"\xff\xfeu\x00r\x00l\x00", "not UTF-8 text"),
        (b"url\nfoo\nbar\n", "No row holds a web address. Row 2:"),
        (("url\n" + "https://x.example/c\n" * 1001).encode(), "more than 1,000 rows"),
    ],
)
def test_bulk_csv_that_cannot_be_used_is_refused_with_a_reason(client, content, message):
    response = submit(client, "/verify", {"csv_file": (io.BytesIO(content), "list.csv")},
                      action="/verify/bulk", content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422
    assert message in text(response)


def test_bulk_jobs_are_unguessable_bounded_and_forgotten(app, client, site):
    urls = url_lists.parse(f"url\n{site.url}\n".encode())
    registry = verify_jobs.JobRegistry(app, max_jobs=1, ttl=0)
    gate = threading.Event()
    registry._pool.submit(gate.wait, 30)  # hold the worker: the first job stays queued
    first = registry.submit(urls, now=datetime.now(UTC), viewer_id=None, remote=None)
    assert len(first.id) >= 32 and registry.get(first.id) is first
    with pytest.raises(Conflict, match="Too many lists"):
        registry.submit(urls, now=datetime.now(UTC), viewer_id=None, remote=None)
    gate.set()
    assert poll(lambda: first.finished) and first.verified == 1
    second = registry.submit(urls, now=datetime.now(UTC), viewer_id=None, remote=None)
    with pytest.raises(NotFound, match="no such list"):
        registry.get(first.id)  # finished, and its time is up
    assert poll(lambda: second.finished)
    assert client.get(f"/verify/bulk/{'x' * 32}/progress").status_code == 404


def test_the_api_is_rate_limited_per_address(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    answers = [api(client, json={"url": "ftp://nowhere"}).status_code for _ in range(31)]
    assert answers[:30] == [200] * 30 and answers[30] == 429


def test_the_api_says_what_to_send_in_json(client):
    for kwargs in ({"data": {"email": "a@b.example"}}, {"data": "x", "content_type": "text/plain"}):
        response = api(client, **kwargs)
        assert response.status_code == 400
        assert "Send a credential" in response.get_json()["message"]


def test_a_forged_copy_of_a_revoked_credential_learns_no_reason(app, client, site):
    with app.app_context():
        credentials.revoke(_row(app, site.star), None, reason="Private matter", now=NOW)
        db.session.commit()
    forged = json.loads(json.dumps(site.document))
    forged["credentialSubject"]["achievement"]["name"] = "Something else"
    body = api(client, json=forged).get_json()
    assert body["verdict"] == "not_verified" and body["standing"] is None
    assert "Private matter" not in json.dumps(body)


# -- What a forger, a private credential's link and a bulk list can learn -------------------

# A key of the forger's own, not the college's.
FORGER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def forged_copy(document: dict) -> dict:
    """*document*, signed again by the forger's own did:key as its issuer: the same id and
    the same entry in our status list, a signature that verifies, the forger's name."""
    forged = json.loads(json.dumps(document))
    forged.pop("proof", None)
    method = multikeys.did_key_verification_method(FORGER_KEY.public_key())
    forged["issuer"] = {"id": method.partition("#")[0], "type": ["Profile"], "name": "Forger"}
    forged["credentialSubject"]["achievement"]["creator"] = forged["issuer"]
    return proofs.sign(forged, FORGER_KEY, verification_method=method, created=NOW)


def test_a_forgery_naming_a_private_revoked_credential_learns_nothing_of_it(app, client, site):
    """A document carrying a private credential's id and pointing at our real status list
    must not read our record of that credential (revoked or suspended, when, why)."""
    with app.app_context():
        row = _row(app, site.star)
        row.public = False
        credentials.revoke(row, None, reason="Private matter", now=NOW + timedelta(minutes=67))
        db.session.commit()
    response = api(client, json=forged_copy(site.document))
    body = response.get_json()
    assert body["verified"] is False and body["standing"] is None
    answer = response.get_data(as_text=True)
    assert "Private matter" not in answer and "13:07" not in answer
    page = text(verify_form(client, json=json.dumps(forged_copy(site.document))))
    assert "Private matter" not in page and "Revoked by its issuer on" not in page
    # The very document the college issued still reads its standing.
    assert api(client, json=site.document).get_json()["standing"]["state"] == "revoked"


def test_standing_is_read_only_for_the_very_document_issued(app, site):
    """The root of it: our record is used only when the document equals the stored one."""
    set_bit = [{"name": "status", "passed": False, "message": "revoked: entry 7 is set"}]
    with app.app_context():
        credentials.revoke(_row(app, site.star), None, reason="Private matter", now=NOW)
        db.session.commit()
        genuine = verify_requests._standing(site.document, set_bit, None)
        assert genuine is not None and genuine.state == "revoked"
        for forged in (forged_copy(site.document), {"id": site.document["id"]}):
            assert verify_requests._standing(forged, set_bit, None) is None
        reordered = dict(reversed(list(site.document.items())))  # the same JSON, reordered
        assert verify_requests._standing(reordered, set_bit, None) is not None


def test_the_result_says_whether_the_issuer_is_one_of_ours(client, site):
    body = api(client, json=site.document).get_json()
    assert body["issuer_local"] is True
    page = text(verify_form(client, json=json.dumps(site.document)))
    assert "One of this Shopfloor’s organizations." in page
    forged = forged_copy(site.document)
    forged["issuer"]["name"] = "Lakeshore Community College"  # a name anyone can declare
    body = api(client, json=forged).get_json()
    assert body["issuer_local"] is False
    page = text(verify_form(client, json=json.dumps(forged)))
    assert "the issuer’s name as it declares it" in page
    assert "One of this Shopfloor’s organizations." not in page


def test_a_key_in_an_https_fragment_binds_nothing(client):
    """``https://issuer.example#z6Mk…`` names a key nobody proved the issuer holds."""
    method = multikeys.did_key_verification_method(FORGER_KEY.public_key())
    fragment = method.partition("#")[2]
    document = vc.credential(1)
    document["issuer"]["id"] = "https://lakeshore.example"
    document["credentialSubject"]["source"] = document["issuer"]
    signed = proofs.sign(document, FORGER_KEY, created=NOW,
                         verification_method=f"https://lakeshore.example#{fragment}")  # fmt: skip
    body = api(client, json=signed).get_json()
    assert check(body, "issuer_key")["passed"] is False and body["verified"] is False


def submit_list(client, lines: list[str]):
    data = "\r\n".join(["url", *lines]).encode()
    return submit(client, "/verify", {"csv_file": (io.BytesIO(data), "list.csv")},
                  action="/verify/bulk", content_type="multipart/form-data")  # fmt: skip


def test_a_bulk_list_checks_only_public_credentials_whoever_sends_it(app, client, site):
    """A signed-in college instructor sends a list naming a private credential of theirs:
    the job's link is easily passed on, so its results must hold nothing private."""
    with app.app_context():
        _row(app, site.star).public = False
        db.session.commit()
        sign_in(client, db.session.get(User, site.instructor_id))
    assert "Lab Star" in text(verify_form(client, url=site.url))  # their own view, one by one
    response = submit_list(client, [site.url])
    assert response.status_code == 303
    page_url = response.headers["Location"]
    assert poll(lambda: client.get(page_url + "/progress").get_json()["state"] == "done")
    for reader in (client, app.test_client()):  # the sender, and anyone given the link
        page = text(reader.get(page_url))
        assert "0 of 1</strong> verified" in page
        assert "no public credential at this address" in page
        assert "only credentials whose holders made them public can be checked" in " ".join(
            page.split()
        )
        results = text(reader.get(page_url + "/results.csv"))
        assert "Lab Star" not in page + results and "Lakeshore" not in page + results
        assert reader.get(page_url).headers["Cache-Control"] == "private, no-store"


def test_verification_answers_are_not_stored_by_caches(client, site):
    page = verify_form(client, url=site.url)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in page.headers["Vary"]
    assert api(client, json={"url": site.url}).headers["Cache-Control"] == "private, no-store"


def test_a_check_by_address_fetches_each_address_of_another_site_once(client, monkeypatch):
    """The credential's address, its issuer's DID document (for the credential and for its
    status list, both signed with that key) and the status list: one fetch each."""
    did_document = multikeys.did_document(vc.ISSUER_DID, {"key-1": vc.TEST_KEY.public_key()})
    unsigned = status_list.status_list_credential(
        list_url=vc.LIST_URL, issuer=vc.ISSUER_DID, status_list=status_list.StatusList(),
        valid_from="2026-01-01T00:00:00Z",
    )  # fmt: skip
    served = {
        "https://other.example/c/1": vc.signed(1),
        multikeys.did_web_url(vc.ISSUER_DID): did_document,
        vc.LIST_URL: proofs.sign(unsigned, vc.TEST_KEY, verification_method=vc.KEY_ID,
                                 created=vc.VALID_FROM),
    }  # fmt: skip
    asked = []

    def fake(url: str) -> dict:
        asked.append(url)
        return served[url]

    monkeypatch.setattr(remote_fetch, "for_config", lambda config: fake)
    body = api(client, json={"url": "https://other.example/c/1"}).get_json()
    assert body["verified"] is True, body["checks"]
    assert sorted(asked) == sorted(served)


def test_a_list_that_takes_too_long_leaves_its_other_rows_unchecked(app, site):
    urls = url_lists.parse(f"url\n{site.url}\n{site.url}\n".encode())
    registry = verify_jobs.JobRegistry(app, job_seconds=0)
    job = registry.submit(urls, now=datetime.now(UTC), remote=None)
    assert poll(lambda: job.finished) and job.state == "done"
    assert [result.verdict for result in job.table()] == ["not_checked", "not_checked"]
    assert "took longer than 0 minutes" in job.table()[0].message

"""The learner's Comprehensive Learner Record: their standing credentials and mastered
competencies in one signed ClrCredential that verifies, and nobody else's."""

from __future__ import annotations

import json

import pytest

from app.credentials import ob3
from app.database import utcnow
from app.extensions import db
from app.models import Competency, Credential, MasteryState, User
from app.services import credentials, verification
from tests import credential_site, factories
from tests.conftest import sign_in


@pytest.fixture
def site(app, tmp_path):
    with app.app_context():
        built = credential_site.build(app, tmp_path)
        competency = db.session.query(Competency).filter_by(code="MINI.A.1").one()
        db.session.add(
            MasteryState(
                user_id=built.learner.id, competency_id=competency.id, level=2, mastered=True,
                value=0.9, assessed=2, practised=0, updated_at=utcnow(),
            )
        )  # fmt: skip
        newcomer = factories.make_user(org=built.college, email="new@shopfloor.example")
        db.session.commit()
        return {"learner": built.learner.id, "newcomer": newcomer.id, "star": built.star.id}


def as_user(app, client, user_id):
    with app.app_context():
        sign_in(client, db.session.get(User, user_id))


def test_the_record_bundles_standing_credentials_and_mastery_and_verifies(app, client, site):
    as_user(app, client, site["learner"])
    response = client.get("/credentials/learner-record.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    record = json.loads(response.data)
    assert "ClrCredential" in record["type"]
    subject = record["credentialSubject"]
    (held,) = subject["verifiableCredential"]
    assert held["credentialSubject"]["achievement"]["name"] == "Lab Star"
    assert [a["humanCode"] for a in subject["achievement"]] == ["MINI.A.1"]
    with app.app_context():
        learner = db.session.get(User, site["learner"])
        assert ob3.email_matches(subject["identifier"][0], learner.email)
        assert learner.email not in response.get_data(as_text=True)
        assert record["issuer"]["name"] == "Lakeshore Community College"
        report = verification.verify(record, now=utcnow())
    assert report["verified"], report
    assert next(c for c in report["checks"] if c["name"] == "embedded")["passed"]


def test_a_revoked_credential_leaves_the_record(app, client, site):
    with app.app_context():
        star = db.session.get(Credential, site["star"])
        credentials.revoke(star, None, reason="Issued in error", now=utcnow())
        db.session.commit()
    as_user(app, client, site["learner"])
    response = client.get("/credentials/learner-record.json")
    assert response.status_code == 404
    assert "you hold none yet" in response.get_data(as_text=True)


def test_no_record_without_credentials_or_sign_in(app, client, site):
    assert client.get("/credentials/learner-record.json").status_code in (302, 401)
    as_user(app, client, site["newcomer"])
    assert client.get("/credentials/learner-record.json").status_code == 404


def test_the_credentials_page_offers_the_record_to_holders_only(app, client, site):
    as_user(app, client, site["learner"])
    assert "/credentials/learner-record.json" in client.get("/credentials").get_data(as_text=True)
    as_user(app, client, site["newcomer"])
    assert "/credentials/learner-record.json" not in client.get("/credentials").get_data(
        as_text=True
    )

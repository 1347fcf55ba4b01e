"""Endorsements: a partner's signed EndorsementCredential for an achievement, one at a time,
embedded in the credentials signed while it stands."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.credentials import schema
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import Endorsement
from app.services import credentials, endorsements, keys, verification
from tests import credential_site, factories
from tests.credential_site import NOW


@pytest.fixture
def site(app, ctx, tmp_path):
    return credential_site.build(app, tmp_path)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Endorsement))


def test_an_endorsement_is_signed_by_the_organization_and_verifies(app, site):
    master = site.master.achievement
    found = endorsements.endorse(site.college, master, "  Our technicians hold it.  ",
                                 actor=site.admin, now=NOW)  # fmt: skip
    document = found.document
    base = app.config["PUBLIC_BASE_URL"]
    assert document["id"] == f"{base}/endorsements/{found.public_id}"
    assert document["id"] == endorsements.endorsement_url(found.public_id)
    assert document["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert document["issuer"]["id"] == keys.did_for(site.college)
    assert document["issuer"]["name"] == "Lakeshore Community College"
    assert document["credentialSubject"] == {
        "id": f"{base}/badges/lab-master",
        "type": ["EndorsementSubject"],
        "endorsementComment": "Our technicians hold it.",
    }
    assert document["proof"][0]["verificationMethod"].startswith(keys.did_for(site.college))
    assert schema.schema_errors(document, schema.ENDORSEMENT_CREDENTIAL) == []
    assert verification.verify(document, now=NOW + timedelta(minutes=1))["verified"]
    assert (found.comment, found.created_by_id, found.withdrawn_at) == (
        "Our technicians hold it.", site.admin.id, None,
    )  # fmt: skip


def test_one_endorsement_per_organization_and_achievement_at_a_time(site):
    star = site.star.achievement
    first = endorsements.endorse(site.college, star, "Good.", actor=site.admin, now=NOW)
    with pytest.raises(Conflict, match="already endorses Lab Star"):
        endorsements.endorse(site.college, star, "Again.", actor=site.admin, now=NOW)
    old_id = first.public_id
    endorsements.withdraw(first, site.admin, now=NOW + timedelta(days=1))
    with pytest.raises(Conflict):
        endorsements.withdraw(first, site.admin, now=NOW + timedelta(days=1))
    renewed = endorsements.endorse(site.college, star, "Better now.", actor=site.admin,
                                   now=NOW + timedelta(days=2))  # fmt: skip
    assert renewed.public_id != old_id and renewed.withdrawn_at is None
    assert count() == 1
    with pytest.raises(NotFound):
        endorsements.get(old_id)
    # Another organization endorses the same achievement independently.
    other = factories.make_org(slug="acme-mfg", name="Acme Manufacturing")
    keys.generate(other, now=NOW)
    endorsements.endorse(other, star, "We hire them.", actor=site.admin, now=NOW)
    assert count() == 2


@pytest.mark.parametrize(
    ("comment", "message"),
    [("   ", "Say why you endorse it"), ("x" * 1001, "Keep the comment to 1000 characters")],
)
def test_a_comment_is_required_and_bounded(site, comment, message):
    with pytest.raises(InvalidInput, match=message) as raised:
        endorsements.endorse(site.college, site.star.achievement, comment, actor=site.admin,
                             now=NOW)  # fmt: skip
    assert raised.value.field == "comment"
    assert count() == 0


def test_an_archived_achievement_or_a_keyless_organization_stores_nothing(site):
    star = site.star.achievement
    shutil.rmtree(keys.keyring(site.college).path)
    with pytest.raises(NotFound, match="has no signing key"):
        endorsements.endorse(site.college, star, "Good.", actor=site.admin, now=NOW)
    star.archived_at = NOW
    with pytest.raises(InvalidInput, match="archived"):
        endorsements.endorse(site.college, star, "Good.", actor=site.admin, now=NOW)
    with pytest.raises(NotFound):
        endorsements.endorsable("lab-star")
    assert count() == 0


def test_credentials_signed_while_it_stands_embed_it_and_withdrawn_ones_do_not(site):
    master = site.master
    found = endorsements.endorse(site.college, master.achievement, "Good.", actor=site.admin,
                                 now=NOW)  # fmt: skip
    credentials.approve(master, site.instructor, now=NOW + timedelta(minutes=1))
    assert master.document["credentialSubject"]["achievement"]["endorsement"] == [found.document]
    report = verification.verify(master.document, now=NOW + timedelta(minutes=2))
    assert report["verified"], report
    endorsements.withdraw(found, site.admin, now=NOW + timedelta(minutes=3))
    assert credentials._endorsements_of(master.achievement) == []
    # What was signed stays as it was signed.
    assert master.document["credentialSubject"]["achievement"]["endorsement"] == [found.document]


def test_lines_list_every_current_achievement_with_its_endorsement(site):
    star = site.star.achievement
    endorsements.endorse(site.college, star, "Good.", actor=site.admin, now=NOW)
    lines = {line.achievement.slug: line for line in endorsements.lines(site.college)}
    assert set(lines) == {"lab-star", "lab-master"}
    assert lines["lab-star"].standing and lines["lab-star"].signed_by == "Pat Admin"
    assert not lines["lab-master"].standing and lines["lab-master"].endorsement is None
    assert endorsements.endorsable("lab-master") == site.master.achievement

"""Issuing credentials: once, when the criteria are met, signed by the learner's college, and
standing or not as its status list says."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.content import validate
from app.credentials import ob3, schema
from app.credentials import status_list as bitstring
from app.database import utcnow
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.models import Credential, CredentialEvent, LabSubmission, StatusList
from app.services import awards, credentials, curriculum_sync, keys, status_lists, verification
from tests import badge_trees, factories
from tests.badge_trees import SIMPLE

TODAY = date(2026, 12, 6)
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def tree(tmp_path):
    root = badge_trees.build(tmp_path)
    badges = root.parent / "badges"
    (badges / "oee.yml").write_text(SIMPLE.format(id="lab-star", name="Lab Star", score=80))
    approval = SIMPLE.format(id="lab-master", name="Lab Master", score=80)
    (badges / "master.yml").write_text(approval + "instructor_approval: true\nvalid_for: P2Y\n")
    return root


@pytest.fixture
def college(ctx, tree):
    curriculum, problems = validate.load(tree, labs_root=tree.parent / "labs")
    assert problems.errors == [], problems.errors
    curriculum_sync.sync(curriculum, version="v1", now=utcnow())
    org = factories.make_org(slug="lakeshore-cc", name="Lakeshore Community College")
    org.ipeds_unit_id, org.opeid = "123456", "00123400"
    keys.generate(org, now=NOW)
    db.session.commit()
    return org


def learner(org, score: float):
    user = factories.make_user(org=org)
    db.session.add(
        LabSubmission(
            user_id=user.id, lab_slug="lab-demo", seed=1, notebook="{}", status="graded",
            total=score, maximum=10.0,
        )
    )  # fmt: skip
    db.session.flush()
    return user


def due(user):
    return awards.award_due(user, now=NOW, today=TODAY, curriculum_root=None)


def by_slug(found, slug):
    return next(c for c in found if c.achievement.slug == slug)


@pytest.fixture(autouse=True)
def curriculum_root(app, tree):
    app.config["CURRICULUM_ROOT"] = str(tree)


def test_a_learner_who_meets_the_criteria_gets_one_signed_credential_that_verifies(college):
    user = learner(college, 9.0)
    outcome = due(user)
    db.session.commit()
    star = by_slug(outcome.awarded, "lab-star")
    assert star.state == "issued" and star.issuer_id == college.id
    document = star.document
    assert schema.schema_errors(document) == []
    assert document["issuer"]["id"] == keys.did_for(college)
    assert {"identifier": "123456", "identifierType": "ext:IPEDSUnitID"} in [
        {k: v for k, v in e.items() if k != "type"} for e in document["issuer"]["otherIdentifier"]
    ]
    subject = document["credentialSubject"]
    assert ob3.email_matches(subject["identifier"][0], user.email.upper())
    assert user.email not in str(document)  # hashed, never the address itself
    assert subject["achievement"]["creator"]["name"] == "Shopfloor"
    assert document["evidence"][0]["name"].startswith("Best graded score in")
    assert document["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert isinstance(document["proof"], list)
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    report = verification.verify(document, now=NOW + timedelta(minutes=1))
    assert report["verified"], report
    # Issued once: judging again gives nothing new.
    assert due(user).awarded == []
    with pytest.raises(Conflict):
        credentials.award(user, star.achievement, issuer=college, evidence=[], now=NOW)


def test_not_met_gives_nothing_and_another_learner_is_not_affected(college):
    weak, strong = learner(college, 5.0), learner(college, 10.0)
    assert due(weak).awarded == []
    assert len(due(strong).awarded) == 2
    assert credentials.of_user(weak.id) == []


def test_an_approval_achievement_waits_for_an_instructor_then_is_signed(college):
    user = learner(college, 9.0)
    master = by_slug(due(user).awarded, "lab-master")
    assert master.state == "awaiting_approval" and master.document is None
    instructor = factories.make_user(org=college)
    with pytest.raises(InvalidInput):
        credentials.decline(master, instructor, now=NOW, comment="  ")
    credentials.decline(master, instructor, now=NOW, comment="Lab was copied; redo it.")
    assert master.state == "declined"
    credentials.reconsider(master, instructor, now=NOW)
    credentials.approve(master, instructor, now=NOW + timedelta(hours=1), comment="Checked.")
    db.session.commit()
    assert master.state == "issued" and master.decided_by_id == instructor.id
    assert master.document["validUntil"].startswith("2028-12-05")
    actions = db.session.scalars(
        select(CredentialEvent.action).where(CredentialEvent.credential_id == master.id)
    ).all()
    assert actions == ["criteria_met", "declined", "reconsidered", "approved", "issued"]
    assert verification.verify(master.document, now=NOW + timedelta(hours=2))["verified"]


def failed(report, name):
    return next(c for c in report["checks"] if c["name"] == name)


def test_revoked_suspended_and_reinstated_as_every_verifier_sees_it(college):
    user = learner(college, 9.0)
    star = by_slug(due(user).awarded, "lab-star")
    admin = factories.make_user(org=college)
    later = NOW + timedelta(minutes=5)
    credentials.suspend(star, admin, reason="Under review", now=later)
    report = verification.verify(star.document, now=later)
    assert not report["verified"] and "entry" in failed(report, "status")["message"]
    assert credentials.standing(star, now=later) == "suspended"
    credentials.reinstate(star, admin, reason="Cleared", now=later)
    assert verification.verify(star.document, now=later)["verified"]
    credentials.revoke(star, admin, reason="Issued in error", now=later)
    db.session.commit()
    report = verification.verify(star.document, now=later)
    assert not failed(report, "status")["passed"]
    assert credentials.standing(star, now=later) == "revoked"
    with pytest.raises(Conflict):
        credentials.reinstate(star, admin, reason="", now=later)


def test_status_indexes_are_random_distinct_and_published_signed(college):
    users = [learner(college, 9.0) for _ in range(3)]
    issued = [by_slug(due(u).awarded, "lab-star") for u in users]
    indexes = {c.status_index for c in issued}
    assert len(indexes) == 3
    assert db.session.scalar(select(func.count()).select_from(StatusList)) == 1
    row = issued[0].status_list
    published = status_lists.published(row, now=NOW)
    assert published["credentialSubject"]["ttl"] == status_lists.TTL_MS
    assert published["issuer"] == keys.did_for(college)


def test_an_issuer_without_a_key_leaves_the_credential_owed_not_lost(ctx, tree, college):
    other = factories.make_org(slug="carver-state")
    user = learner(other, 9.0)
    outcome = due(user)  # carver-state is not among SIMPLE's issuers
    assert outcome.awarded == [] and outcome.waiting
    keyless = learner(college, 9.0)
    shutil.rmtree(keys.keyring(college).path)  # the college's keys are gone
    outcome = due(keyless)
    # The approval badge is queued (signed later); the automatic one waits for a key.
    assert [c.achievement.slug for c in outcome.awarded] == ["lab-master"]
    assert any("no signing key" in why for _, why in outcome.waiting)
    assert db.session.scalar(select(func.count()).select_from(Credential)) == 1


def test_a_status_change_made_meanwhile_elsewhere_is_not_lost(college):
    first, second = (by_slug(due(learner(college, 9.0)).awarded, "lab-star") for _ in range(2))
    db.session.commit()
    row = first.status_list
    assert row.bits  # loaded here; now another process revokes `first` behind our back
    theirs = bitstring.StatusList(row.size, bytearray(row.bits))
    theirs.set(first.status_index)
    with db.engine.begin() as connection:
        connection.execute(
            update(StatusList)
            .where(StatusList.id == row.id)
            .values(bits=bytes(theirs.bits), version=row.version + 1)
        )
    admin = factories.make_user(org=college)
    credentials.revoke(second, admin, reason="Issued in error", now=NOW)
    db.session.commit()
    published = status_lists.published(second.status_list, now=NOW)
    final = bitstring.StatusList.decode(published["credentialSubject"]["encodedList"])
    assert final.get(first.status_index) and final.get(second.status_index)


def test_nobody_approves_or_revokes_their_own_credential(college):
    instructor = learner(college, 9.0)  # staff earn badges too
    master = by_slug(due(instructor).awarded, "lab-master")
    with pytest.raises(PermissionDenied):
        credentials.approve(master, instructor, now=NOW)
    with pytest.raises(PermissionDenied):
        credentials.decline(master, instructor, now=NOW, comment="No")
    star = by_slug(credentials.of_user(instructor.id), "lab-star")
    assert star.state == "issued"
    for change in (credentials.revoke, credentials.suspend):
        with pytest.raises(PermissionDenied):
            change(star, instructor, reason="Tidying up", now=NOW)

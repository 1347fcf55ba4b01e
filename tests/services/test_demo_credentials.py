"""What `make run` shows: the demo apprentice holds a co-branded credential that verifies."""

from __future__ import annotations

from datetime import date, timedelta

from app.content import validate
from app.database import utcnow
from app.extensions import db
from app.services import credentials, curriculum_sync, demo, demo_credentials, verification
from tests import badge_trees

TODAY = date(2026, 12, 6)


def test_the_demo_apprentice_earns_the_networks_badge_from_lakeshore_and_it_verifies(ctx):
    root = badge_trees.REPO / "curricula"
    curriculum, problems = validate.load(root, labs_root=badge_trees.REPO / "labs")
    assert problems.errors == []
    curriculum_sync.sync(curriculum, version="test", now=utcnow())
    demo.seed(now=utcnow())
    assert sorted(demo_credentials.seed_issuers(now=utcnow())) == ["carver-state", "lakeshore-cc"]
    assert demo_credentials.seed_credential(curriculum_root=root, today=TODAY, now=utcnow())
    db.session.commit()

    apprentice = next(u for u in demo.demo_accounts() if u.role.value == "apprentice")
    (held,) = credentials.of_user(apprentice.id)
    assert held.achievement.slug == demo_credentials.DEMO_BADGE
    assert held.issuer.slug == "lakeshore-cc" and held.public
    issuer = held.document["issuer"]
    assert issuer["name"] == "Lakeshore Community College (demo)"
    assert [e["identifierType"] for e in issuer["otherIdentifier"]] == [
        "ext:IPEDSUnitID",
        "ext:OPEID",
    ]
    evidence = [e["name"] for e in held.document["evidence"]]
    assert evidence == [
        "Mastered SM.NET.1 (Read Modbus registers) and SM.SEC.1 (Explain OT security principles)",
        "Best graded score in “Decoding Modbus registers”: 90 %",
    ]
    report = verification.verify(held.document, now=utcnow() + timedelta(minutes=1))
    assert report["verified"], report

    # Seeding again changes nothing: no second credential, no second key.
    assert demo_credentials.seed_issuers(now=utcnow()) == []
    assert not demo_credentials.seed_credential(curriculum_root=root, today=TODAY, now=utcnow())
    assert len(credentials.of_user(apprentice.id)) == 1

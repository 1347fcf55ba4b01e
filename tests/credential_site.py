"""A college that issues credentials, and learners holding them, for web and browser tests.

``build(app, tmp_path)`` (inside an app context) syncs a small curriculum with two badges
("Lab Star", automatic; "Lab Master", instructor approval and valid for two years), makes
Lakeshore Community College with signing keys and branding, an instructor and an admin
there, and a learner ("Ana Learner") holding an issued Lab Star and a Lab Master awaiting
approval. Everything is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask

from app.content import validate
from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import Credential, LabSubmission, Organization, User
from app.services import awards, curriculum_sync, keys
from tests import badge_trees, factories
from tests.badge_trees import SIMPLE

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@dataclass
class CredentialSite:
    college: Organization
    instructor: User
    admin: User
    learner: User
    star: Credential  # issued
    master: Credential  # awaiting approval


def badge_tree(tmp_path: Path) -> Path:
    root = badge_trees.build(tmp_path)
    badges = root.parent / "badges"
    (badges / "star.yml").write_text(SIMPLE.format(id="lab-star", name="Lab Star", score=80))
    master = SIMPLE.format(id="lab-master", name="Lab Master", score=80)
    (badges / "master.yml").write_text(master + "instructor_approval: true\nvalid_for: P2Y\n")
    for name in ("plain", "default"):
        shipped = Path(__file__).resolve().parent.parent / "badges/artwork/default.svg"
        (badges / f"artwork/{name}.svg").write_text(shipped.read_text())
    return root


def learner_with_score(org: Organization, score: float, **user) -> User:
    person = factories.make_user(org=org, **user)
    db.session.add(
        LabSubmission(
            user_id=person.id, lab_slug="lab-demo", seed=1, notebook="{}", status="graded",
            total=score, maximum=10.0,
        )
    )  # fmt: skip
    db.session.flush()
    return person


def build(app: Flask, tmp_path: Path, *, now: datetime = NOW) -> CredentialSite:
    root = badge_tree(tmp_path)
    app.config["CURRICULUM_ROOT"] = str(root)
    app.config["BADGES_ROOT"] = str(root.parent / "badges")
    curriculum, problems = validate.load(root, labs_root=root.parent / "labs")
    assert problems.errors == [], problems.errors
    curriculum_sync.sync(curriculum, version="v1", now=utcnow())
    college = factories.make_org(slug="lakeshore-cc", name="Lakeshore Community College")
    college.short_name, college.website = "Lakeshore CC", "https://lakeshore.example"
    college.brand_primary, college.brand_secondary = "#0b5394", "#f1c232"
    college.ipeds_unit_id, college.opeid = "123456", "00123400"
    keys.generate(college, now=now)
    instructor = factories.make_user(org=college, role=Role.INSTRUCTOR, name="Ira Instructor")
    admin = factories.make_user(org=college, role=Role.PARTNER_ADMIN, name="Pat Admin")
    learner = learner_with_score(college, 9.0, name="Ana Learner")
    outcome = awards.award_due(learner, now=now, today=date(2026, 12, 6))
    star = next(c for c in outcome.awarded if c.achievement.slug == "lab-star")
    master = next(c for c in outcome.awarded if c.achievement.slug == "lab-master")
    db.session.commit()
    return CredentialSite(college, instructor, admin, learner, star, master)

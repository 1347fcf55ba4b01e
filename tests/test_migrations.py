"""The migrations build the schema the models describe, and undo it cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app.extensions import db, migrate
from tests.databases import MIGRATIONS


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_single_head(app):
    with app.app_context():
        config = migrate.get_config(MIGRATIONS)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_downgrade_to_base_and_upgrade_again(app):
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS)
        assert {"users", "organizations", "password_reset_tokens"} <= set(
            inspect(db.engine).get_table_names()
        )


BEFORE_EVIDENCE_PURPOSE = "787dd713c21f"


def test_evidence_purpose_migration_keeps_existing_rows(app):
    """An existing database upgrades with its rows: quiz evidence (shown with its answer,
    retried without limit) becomes practice, lab grades stay assessment, and each lab
    submission gets the course that offers its lab."""
    from app.database import utcnow
    from app.models import Competency, CompetencyEvidence, Course, LabSubmission
    from tests import factories
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    with app.app_context():
        # The curriculum is loaded at the head (its tables have grown since), then the
        # database goes back to before evidence had a purpose.
        sync_tree(FIXTURE_CURRICULA / "good")
        user_id = factories.make_user().id
        competency_id = db.session.scalar(select(Competency.id).limit(1))
        db.session.commit()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision=BEFORE_EVIDENCE_PURPOSE)
        try:
            insert = text(
                "INSERT INTO competency_evidence (user_id, competency_id, source_kind, "
                "source_ref, score, content_version, created_at) "
                "VALUES (:user, :competency, :kind, :ref, :score, 'v', :at)"
            )
            for kind, ref, score in [("quiz", "demo-first-q1", 0.0), ("lab", "lab-demo#1", 0.75)]:
                db.session.execute(
                    insert,
                    {"user": user_id, "competency": competency_id, "kind": kind, "ref": ref,
                     "score": score, "at": utcnow()},
                )  # fmt: skip
            for slug in ("lab-demo", "lab-nowhere"):
                db.session.execute(
                    text(
                        "INSERT INTO lab_submissions (user_id, lab_slug, seed, notebook, "
                        "status, attempt, progress, steps, tries, message, created_at) "
                        "VALUES (:user, :slug, 1, '{}', 'graded', 1, 0, 0, 1, '', :at)"
                    ),
                    {"user": user_id, "slug": slug, "at": utcnow()},
                )
            db.session.commit()
        finally:
            upgrade(directory=MIGRATIONS)
        rows = db.session.scalars(select(CompetencyEvidence).order_by(CompetencyEvidence.id))
        assert [(e.source_kind, e.purpose, e.score, e.level) for e in rows] == [
            ("quiz", "practice", 0.0, None),
            ("lab", "assessment", 0.75, None),
        ]
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "demo-course"))
        submissions = db.session.scalars(select(LabSubmission).order_by(LabSubmission.id))
        assert [(s.lab_slug, s.course_id) for s in submissions] == [
            ("lab-demo", course_id),
            ("lab-nowhere", None),
        ]
        # Going back drops only what the old schema cannot hold: evidence without a score.
        db.session.add(
            CompetencyEvidence(
                user_id=user_id, competency_id=competency_id, source_kind="mentor",
                source_ref="obs-1", purpose="assessment", level=2, content_version="v",
                created_at=utcnow(),
            )
        )  # fmt: skip
        db.session.commit()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision=BEFORE_EVIDENCE_PURPOSE)
        try:
            kept = db.session.execute(text("SELECT source_kind FROM competency_evidence"))
            assert sorted(kind for (kind,) in kept) == ["lab", "quiz"]
            db.session.commit()
        finally:
            db.session.remove()
            upgrade(directory=MIGRATIONS)


BEFORE_MEMBERSHIPS = "1bafb67d1d3a"


def test_memberships_migration_keeps_everyone_and_their_work(app):
    """Upgrading a database of one organization per person: each keeps that organization as
    a membership in their role, and nothing that refers to them is lost on SQLite, where
    adding a column copies the table (foreign keys must not cascade the old copy's drop)."""
    from app.database import utcnow
    from app.domain.roles import Role
    from app.models import LabSubmission, Membership, User
    from tests import factories

    with app.app_context():
        org = factories.make_org(slug="lakeshore")
        admin_org_id = org.id
        db.session.commit()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision=BEFORE_MEMBERSHIPS)
        try:
            people = [
                ("ada@x.example", "instructor", admin_org_id),
                ("bo@x.example", "apprentice", admin_org_id),
                ("cy@x.example", "apprentice", None),
                ("root@x.example", "platform_admin", None),
            ]
            for email, role, org_id in people:
                db.session.execute(
                    text(
                        "INSERT INTO users (email, name, password_hash, role, organization_id, "
                        "active, session_token, created_at, password_changed_at) VALUES "
                        "(:e, :e, 'x', :r, :o, true, :e, :at, :at)"
                    ),
                    {"e": email, "r": role, "o": org_id, "at": utcnow()},
                )
            bo = db.session.scalar(text("SELECT id FROM users WHERE email = 'bo@x.example'"))
            db.session.execute(
                text(
                    "INSERT INTO lab_submissions (user_id, lab_slug, seed, notebook, status, "
                    "attempt, progress, steps, tries, message, created_at) "
                    "VALUES (:u, 'lab-demo', 1, '{}', 'graded', 1, 0, 0, 1, '', :at)"
                ),
                {"u": bo, "at": utcnow()},
            )
            db.session.commit()
        finally:
            db.session.remove()
            upgrade(directory=MIGRATIONS)
        found = {(u.email, u.role, u.organization_id) for u in db.session.scalars(select(User))}
        assert {
            ("ada@x.example", Role.INSTRUCTOR, admin_org_id),
            ("bo@x.example", Role.APPRENTICE, admin_org_id),
            ("cy@x.example", Role.APPRENTICE, None),
            ("root@x.example", Role.PLATFORM_ADMIN, None),
        } <= found
        members = db.session.scalars(
            select(Membership).where(Membership.organization_id == admin_org_id)
        )
        assert sorted((m.user.email, m.role, m.active) for m in members) == [
            ("ada@x.example", Role.INSTRUCTOR, True),
            ("bo@x.example", Role.APPRENTICE, True),
        ]
        (submission,) = db.session.scalars(select(LabSubmission))
        assert submission.user_id == bo and len(submission.public_id) == 16
        ids = db.session.scalars(select(User.public_id)).all()
        assert len(set(ids)) == len(ids) and all(len(i) == 16 for i in ids)

"""The migrations build the schema the models describe, and undo it cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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

"""Test databases: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set.

Both run the real Alembic migrations once per session. SQLite gives each test a copy of
the migrated file; PostgreSQL gets a database of its own for the run (dropped at the end),
emptied after each test.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.config import database_url

SECRET = "test-secret-key-" + "x" * 32
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def base_config(url: str, instance: Path) -> dict:
    engine_options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # A transaction a test left open must not hold its locks over the tests after it.
        engine_options["connect_args"] = {"options": "-c idle_in_transaction_session_timeout=30000"}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "MIGRATIONS_DIR": MIGRATIONS,
        "RATELIMIT_ENABLED": False,
        "LAB_WORKERS": 0,  # tests grade explicitly, or start workers themselves
    }


def migrate(url: str, instance: Path) -> None:
    app = create_app(base_config(url, instance))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        app.extensions["sqlalchemy"].engine.dispose()


@dataclass
class SQLiteDatabases:
    template: Path

    def for_test(self, tmp_path: Path) -> str:
        copy = tmp_path / "test.sqlite"
        shutil.copyfile(self.template, copy)
        return f"sqlite:///{copy}"

    def clean(self) -> None:
        """Nothing to do: every test has its own file."""


# Empties, in one round trip, the tables a test wrote to. DELETE of the few rows a test
# leaves costs far less than TRUNCATE (which makes new files for every table, and with
# CASCADE reaches nearly all of them through the foreign keys to users): with triggers off
# for the transaction (session_replication_role) the order of the tables does not matter.
# Sequences that moved start again at 1, as in a fresh database.
EMPTY_USED_TABLES = """
DO $$
DECLARE
  t record;
  has_row boolean;
  called boolean;
  seq text;
BEGIN
  PERFORM set_config('session_replication_role', 'replica', true);
  FOR t IN SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'alembic_version' LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t.relname) INTO has_row;
    IF has_row THEN
      EXECUTE format('DELETE FROM %I', t.relname);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = t.oid AND attname = 'id' AND NOT attisdropped) THEN
      seq := pg_get_serial_sequence(format('%I', t.relname), 'id');
      IF seq IS NOT NULL THEN
        EXECUTE 'SELECT is_called FROM ' || seq INTO called;
        IF called THEN
          PERFORM setval(seq, 1, false);
        END IF;
      END IF;
    END IF;
  END LOOP;
END $$
"""


@dataclass
class PostgresDatabases:
    url: str
    engine: object = None

    def for_test(self, tmp_path: Path) -> str:
        return self.url

    def clean(self) -> None:
        if self.engine is None:
            self.engine = create_engine(self.url, poolclass=NullPool)
        with self.engine.begin() as conn:
            conn.execute(text(EMPTY_USED_TABLES))


def sqlite_databases(workdir: Path) -> SQLiteDatabases:
    template = workdir / "template.sqlite"
    migrate(f"sqlite:///{template}", workdir / "instance")
    return SQLiteDatabases(template)


def postgres_databases(admin_url: str, workdir: Path) -> Iterator[PostgresDatabases]:
    """Create a database just for this run next to *admin_url*'s, and drop it afterwards."""
    admin = make_url(database_url(admin_url))
    name = f"shopfloor_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url, workdir / "instance")
        yield PostgresDatabases(url)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

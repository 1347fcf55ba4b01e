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
from jinja2 import BytecodeCache
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import database_url

SECRET = "test-secret-key-" + "x" * 32
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


class SharedTemplateCache(BytecodeCache):
    """Compiled templates shared by every app of this test process (Jinja checks each
    entry against its template's source, so an edited template compiles again)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = SharedTemplateCache()


def base_config(url: str, instance: Path) -> dict:
    engine_options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # A commit need not wait for the disk: a test database outlives no crash.
        engine_options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "MIGRATIONS_DIR": MIGRATIONS,
        "RATELIMIT_ENABLED": False,
        "LAB_WORKERS": 0,  # tests grade explicitly, or start workers themselves
        "TEMPLATE_BYTECODE_CACHE": TEMPLATES,
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


# A transaction still open once its test is over was leaked (by a thread the test left
# running, say): end it, so that its locks cannot hold up the emptying and the tests after it.
# Only at this boundary: a time limit on idle transactions also ends healthy ones on a busy
# machine (30 s failed a 0.2 s test in CI; 5 s failed 3 of 2,480 tests here at load 3).
END_LEFTOVER_TRANSACTIONS = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND state IN ('idle in transaction', 'idle in transaction (aborted)')
"""


@dataclass
class PostgresDatabases:
    url: str
    engine: Engine | None = None

    def for_test(self, tmp_path: Path) -> str:
        return self.url

    def clean(self) -> None:
        if self.engine is None:
            self.engine = create_engine(
                self.url,
                pool_size=1,
                pool_pre_ping=True,  # a test may have ended every connection on purpose
                connect_args={"options": "-c synchronous_commit=off"},
            )
        with self.engine.begin() as conn:
            conn.execute(text(END_LEFTOVER_TRANSACTIONS))
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
    databases = PostgresDatabases(url)
    try:
        migrate(url, workdir / "instance")
        yield databases
    finally:
        if databases.engine is not None:
            databases.engine.dispose()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

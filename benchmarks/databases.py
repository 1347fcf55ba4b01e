"""Running a benchmark on SQLite, on PostgreSQL, or both: a throwaway database for each."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import database_url


def each_database(database: str, pg_url: str, run: Callable[[str, Path], None]) -> None:
    """Call run(database URL, scratch folder) for SQLite and/or PostgreSQL (*database* is
    "sqlite", "postgresql" or "both"); a PostgreSQL database is made for the run and dropped
    after it, whatever happens."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if database in ("sqlite", "both"):
            print("SQLite")
            run(f"sqlite:///{tmp}/bench.sqlite", tmp)
        if database in ("postgresql", "both"):
            print("PostgreSQL")
            admin = make_url(database_url(pg_url))
            name = f"shopfloor_bench_{uuid.uuid4().hex[:10]}"
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                run(admin.set(database=name).render_as_string(hide_password=False), tmp)
            finally:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                engine.dispose()

"""Flask extensions, created unbound here and bound to an app in ``init_app``."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event

from app.database import Base, render_item


class Migrations:
    """Flask-Migrate's ``Migrate``, imported only when a migration asks for it.

    Flask-Migrate imports Alembic and Mako (about 0.2 s), which only ``flask db`` and code
    that migrates (tests, benchmarks) need, not every command and served process. So
    ``init_app`` puts into ``app.extensions["migrate"]`` what Flask-Migrate's functions and
    migrations/env.py read there, and the ``Migrate`` behind it is made on first use.
    """

    def __init__(self, **configure_args: Any) -> None:
        self.configure_args = configure_args  # for context.configure() in migrations/env.py

    def init_app(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        app.extensions["migrate"] = AppMigrations(db, str(directory), self.configure_args)

    def get_config(self, directory: str | None = None, x_arg=None, opts=None):
        """Alembic's config for the current app's migrations, as ``Migrate.get_config``."""
        return current_app.extensions["migrate"].migrate.get_config(directory, x_arg, opts)


class AppMigrations:
    """One app's migration settings: the attributes of Flask-Migrate's own per-app config."""

    def __init__(self, db: SQLAlchemy, directory: str, configure_args: dict[str, Any]) -> None:
        self.db = db
        self.directory = directory
        self.configure_args = configure_args

    @property
    def metadata(self):
        return self.db.metadata

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, reaching an app's engines only once the app is wired.

    The app binds this extension when first used (app.application); a session's first
    statement, or ``db.engine``, is such a use, so it finishes the app's setup first.
    """

    @property
    def engines(self):
        finish_setup = getattr(current_app, "finish_setup", None)
        if finish_setup is not None:
            finish_setup()
        return super().engines


db = Database(model_class=Base)
migrate = Migrations(compare_type=True, render_as_batch=True, render_item=render_item)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Enforce foreign keys, let readers and the writer work at once, and wait on locks.

    Write-ahead logging keeps page reads (and the workspace's event streams) from blocking
    the threads that save outputs and grading progress, which many learners do at once.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()

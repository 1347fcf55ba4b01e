"""Shopfloor: a learning and apprenticeship platform for smart manufacturing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app import config as app_config
from app import logs
from app.application import Shopfloor
from app.routing import LazyRule


def create_app(overrides: Mapping[str, Any] | None = None) -> Shopfloor:
    """Build the application; do nothing else (no migrations, no network, no prompts).

    The configuration is read and checked here; the database, the lab engine and the web
    layer are wired on the app's first use (``app.application``), so that the ``flask``
    command starts without importing them.
    """
    instance_path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "SHOPFLOOR_INSTANCE_PATH"
    )
    app = Shopfloor(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.url_rule_class = LazyRule
    app.config.from_object(app_config.Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SHOPFLOOR")
    app_config.load_environment(app.config, os.environ)
    app.config.update(overrides or {})
    app_config.finish(app.config, Path(app.instance_path))
    logs.configure(app)

    from app import cli

    cli.register_commands(app)
    app.defer_setup(_wire)
    return app


def _wire(app: Flask) -> None:
    """Connect the database, the mailer, the lab engine and the web layer."""
    from app import extensions, models, web  # noqa: F401  (models: every table on the metadata)
    from app.engine import build_engine
    from app.mail import build_mailer

    app_config.finish_database(app.config)
    extensions.init_app(app)
    app.extensions["mailer"] = build_mailer(app.config)
    app.extensions["lab_engine"] = build_engine(app)
    web.init_app(app)

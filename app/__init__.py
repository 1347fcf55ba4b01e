"""Shopfloor: a learning and apprenticeship platform for smart manufacturing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app import config as app_config
from app import (
    extensions,
    logs,
    models,  # noqa: F401  (registers every table on the metadata)
)
from app.engine import build_engine
from app.mail import build_mailer


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; do nothing else (no migrations, no network, no prompts)."""
    instance_path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "SHOPFLOOR_INSTANCE_PATH"
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.from_object(app_config.Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SHOPFLOOR")
    app_config.load_environment(app.config, os.environ)
    app.config.update(overrides or {})
    app_config.finish(app.config, Path(app.instance_path))
    logs.configure(app)

    extensions.init_app(app)
    app.extensions["mailer"] = build_mailer(app.config)
    app.extensions["lab_engine"] = build_engine(app)

    from app import cli, web

    web.init_app(app)
    cli.register_commands(app)
    return app

"""Put a preview together: the real app on a database of its own, the session, the watcher.

``build`` makes a Shopfloor app configured like the one ``flask`` would make (instance
config, ``SHOPFLOOR_*`` variables) with the preview's differences on top: a temporary SQLite
database migrated with Alembic, the preview flag (which registers the preview's pages), its
own session cookie (so a browser signed in to a development server on another port keeps
that session), and no page cache (the problems banner changes with files, not rows).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from app import create_app
from app.extensions import db
from app.preview.checks import CheckRun, LabChecks
from app.preview.session import PreviewSession
from app.preview.tokens import EntryToken
from app.preview.watch import Watcher

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5


@dataclass
class Preview:
    app: Flask
    session: PreviewSession
    workdir: Path
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def entry_url(self, base: str) -> str:
        return f"{base.rstrip('/')}/preview/enter?token={self.session.token.current}"

    def watch(self, interval: float = POLL_SECONDS) -> threading.Thread:
        """Poll the files in a daemon thread, refreshing the session on every change."""
        watcher = Watcher(self.session.watched, interval=interval)
        self.thread = threading.Thread(
            target=watcher.run,
            args=(self._refresh, self.stop),
            name="preview-watcher",
            daemon=True,
        )
        self.thread.start()
        return self.thread

    def _refresh(self, changed: set[Path]) -> None:
        try:
            generation = self.session.refresh(changed)
        except Exception:  # the watcher goes on: the next save may fix what broke here
            logger.exception("preview: refreshing after %d changed files failed", len(changed))
            return
        errors = sum(1 for p in self.session.problems if p.severity == "error")
        logger.info("preview: generation %d, %d errors", generation, errors)

    def close(self) -> None:
        """Stop watching, release the database, and delete the preview's files."""
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.session.checks is not None:
            self.session.checks.join(timeout=1)
        self.app.extensions["lab_engine"].stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)


def build(
    root: Path,
    labs_root: Path,
    *,
    base_url: str,
    badges_root: Path | None = None,
    make_check: Callable[[Flask], CheckRun] | None = None,
    on_new_token: Callable[[str], object] = lambda token: None,
    overrides: Mapping[str, Any] | None = None,
) -> Preview:
    """Make the preview app for *root* and *labs_root*, served at *base_url*, and load it.

    *make_check(app)* gives what "Check this lab" runs (none: the button is off).
    """
    from flask_migrate import upgrade  # Alembic: only the preview pays for it

    workdir = Path(tempfile.mkdtemp(prefix="shopfloor-preview-"))
    config = {
        "PREVIEW": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'preview.sqlite'}",
        "CURRICULUM_ROOT": str(root),
        "LABS_ROOT": str(labs_root),
        "PUBLIC_BASE_URL": base_url,
        "SESSION_COOKIE_NAME": "shopfloor_preview_session",
        "PAGE_CACHE_BYTES": 0,
        **(overrides or {}),
    }
    if badges_root is not None:
        config["BADGES_ROOT"] = str(badges_root)
    try:
        app = create_app(config)
        with app.app_context():
            upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        session = PreviewSession(
            app,
            root=root,
            labs_root=labs_root,
            workdir=workdir,
            badges_root=badges_root,
            token=EntryToken(on_new_token),
            checks=LabChecks(make_check(app)) if make_check is not None else None,
        )
        app.extensions["preview"] = session
        session.start()
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Preview(app, session, workdir)

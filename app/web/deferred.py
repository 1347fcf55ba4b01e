"""Account work done after the answer is sent: lookups, writes and mail.

Registration and password-reset requests must answer alike whether or not the address has
an account, in words and in time. Looking the address up, writing a reset token and sending
mail take time only when an account exists, so that work runs here, on a thread of its own
with its own app context and transaction, and the request path is the same for every address.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask

from app.extensions import db

logger = logging.getLogger(__name__)


class Deferred:
    """Run ``task(*args, **kwargs)`` in the app's context, commit, and log any failure.

    With ``inline=True`` (tests) the task runs at once, still in an app context and
    transaction of its own, so a test can read the mail as soon as the answer is back.
    """

    def __init__(self, app: Flask, *, inline: bool) -> None:
        self.app = app
        self.inline = inline
        self.pool: ThreadPoolExecutor | None = None
        if not inline:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="account-tasks")
            atexit.register(self.pool.shutdown, wait=True)

    def submit(self, task: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future | None:
        if self.pool is None:
            self._run(task, args, kwargs)
            return None
        return self.pool.submit(self._run, task, args, kwargs)

    def _run(self, task: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        with self.app.app_context():
            try:
                task(*args, **kwargs)
                db.session.commit()
            except Exception:
                db.session.rollback()
                logger.exception("account task %s failed", getattr(task, "__name__", task))
            finally:
                db.session.remove()


def init_app(app: Flask) -> None:
    setting = app.config["BACKGROUND_ACCOUNT_TASKS"]
    background = not app.testing if setting is None else bool(setting)
    app.extensions["deferred"] = Deferred(app, inline=not background)

"""After work that can earn a credential is committed, check the learner's achievements.

The check runs as a deferred task (its own thread, app context and transaction; inline in
tests), so a request never waits on signing and a failure to issue never undoes the work.
"""

from __future__ import annotations

from flask import current_app

from app.database import utcnow
from app.services import awards


def _check(user_id: int) -> None:
    awards.award_due_for(user_id, now=utcnow(), today=utcnow().date())


def after_progress(user_id: int | None) -> None:
    """Queue a check of *user_id*'s achievements; call it after the work is committed."""
    if user_id is not None:
        current_app.extensions["deferred"].submit(_check, user_id)

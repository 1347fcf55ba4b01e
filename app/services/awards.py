"""Awarding credentials when learners meet achievements' criteria.

``award_due`` judges a learner against every current achievement and gives them the
credentials they have earned and do not hold yet. It is called after work that can change
standing (a graded lab, an answered quiz, an assessment, approved on-the-job hours), in its
own transaction so that a failure to issue never undoes the work, and by
``flask credentials award-due`` to catch up (after new rules, or once an issuer has keys).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Credential, User
from app.services import achievements, credentials

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What ``award_due`` did for one learner."""

    awarded: list[Credential]
    # Met, but no issuer can act yet: (achievement name, why), for the operator.
    waiting: list[tuple[str, str]]


def award_due(
    user: User, *, now: datetime, today: date, curriculum_root: Path | None = None
) -> Outcome:
    """Issue (or queue for approval) every credential *user* has earned and does not hold."""
    awarded: list[Credential] = []
    waiting: list[tuple[str, str]] = []
    have = set(
        db.session.scalars(select(Credential.achievement_id).where(Credential.user_id == user.id))
    )
    for standing in achievements.progress_of(user, today=today, curriculum_root=curriculum_root):
        row = standing.achievement
        if not standing.met or row.id in have:
            continue
        issuer = credentials.issuer_for(user, row)
        if issuer is None:
            waiting.append((row.name, "none of the learner's organizations issues it"))
            continue
        if not row.instructor_approval and not credentials.can_sign(issuer):
            waiting.append((row.name, f"{issuer.name} has no signing key yet"))
            continue
        evidence = credentials.evidence_of(standing.evaluation)
        awarded.append(credentials.award(user, row, issuer=issuer, evidence=evidence, now=now))
    if waiting:
        logger.info("credentials met but not issued for user %s: %s", user.id, waiting)
    return Outcome(awarded, waiting)


def active_users() -> list[User]:
    """Everyone whose account is active, for a sweep over all learners."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.id)))


def award_due_for(user_id: int, *, now: datetime, today: date) -> Outcome | None:
    """``award_due`` by user id (for background tasks); None if the user is gone."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    return award_due(user, now=now, today=today)

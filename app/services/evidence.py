"""Summaries of the competency evidence a learner has earned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.database import UTCDateTime
from app.extensions import db
from app.models import Competency, CompetencyEvidence, User


@dataclass(frozen=True)
class EvidenceLine:
    code: str
    title: str
    pieces: int
    best: float  # 0.0 … 1.0
    latest_at: datetime

    @property
    def percent(self) -> int:
        return round(self.best * 100)


def summary(user: User) -> list[EvidenceLine]:
    """One line per competency the learner has evidence for, in framework order."""
    query = (
        select(
            Competency.code,
            Competency.title,
            func.count(CompetencyEvidence.id),
            func.max(CompetencyEvidence.score),
            func.max(CompetencyEvidence.created_at),
        )
        .join(Competency, CompetencyEvidence.competency_id == Competency.id)
        .where(CompetencyEvidence.user_id == user.id)
        .group_by(Competency.id, Competency.code, Competency.title)
        .order_by(Competency.id)
    )
    return [
        EvidenceLine(code, title, pieces, float(best), _aware(latest))
        for code, title, pieces, best, latest in db.session.execute(query)
    ]


def _aware(value) -> datetime:
    # Aggregates bypass the column type, so SQLite hands back a naive value (or a string).
    return UTCDateTime().process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, None
    )

"""Competency evidence: the one place it is written, and the summaries read from it.

Every source (quiz answers, lab grades, and later rubric ratings, mentor observations,
approved on-the-job hours and recognised prior learning) records through ``record``, so one
rule decides which competencies a piece of work is evidence for: the codes it names, looked
up in the one framework the work was done under (the course's). A code that another framework
happens to reuse is never credited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select

from app.database import UTCDateTime
from app.domain.evidence import ASSESSMENT, PRACTICE, PURPOSES
from app.errors import InvalidInput
from app.extensions import db
from app.models import Competency, CompetencyEvidence, User
from app.services import mastery


def record(
    learner_id: int,
    codes: Iterable[str],
    *,
    framework_id: int | None,
    source_kind: str,
    source_ref: str,
    purpose: str,
    score: float | None = None,
    level: int | None = None,
    assessor_id: int | None = None,
    content_version: str,
    now: datetime,
    replace: bool = False,
) -> list[CompetencyEvidence]:
    """Record one piece of work as evidence for each of *codes* in framework *framework_id*.

    *source_kind* and *source_ref* name the work by a stable id (``quiz``/the question's id,
    ``lab``/``<lab>#attempt-<n>``). *purpose* is PRACTICE (shown as practised, never counted
    for mastery) or ASSESSMENT. At least one of *score* (0 to 1) and *level* (a level of the
    framework's scale) is given; *assessor_id* is the person who judged it, if anyone did.

    With *replace*, the learner's earlier evidence of this purpose from the same source goes
    first (a re-graded lab attempt, a summative question whose last attempt counts).
    Without a framework nothing is recorded. The learner's mastery of the competencies
    touched is recomputed (``services.mastery.update``), which records any change of level.
    Flushes; InvalidInput for a value out of range.
    """
    _check(purpose, score, level)
    replaced: list[int] = []
    if replace:
        same_source = (
            CompetencyEvidence.user_id == learner_id,
            CompetencyEvidence.source_kind == source_kind,
            CompetencyEvidence.source_ref == source_ref,
            CompetencyEvidence.purpose == purpose,
        )
        replaced = list(
            db.session.scalars(select(CompetencyEvidence.competency_id).where(*same_source))
        )
        db.session.execute(delete(CompetencyEvidence).where(*same_source))
    rows = [
        CompetencyEvidence(
            user_id=learner_id,
            competency_id=competency_id,
            source_kind=source_kind,
            source_ref=source_ref,
            purpose=purpose,
            score=score,
            level=level,
            assessor_id=assessor_id,
            content_version=content_version,
            created_at=now,
        )
        for competency_id in _in_scope(framework_id, codes)
    ]
    db.session.add_all(rows)
    db.session.flush()
    # Mastery follows at once, for just the competencies this touched (events included).
    touched = [*replaced, *(row.competency_id for row in rows)]
    mastery.update(learner_id, touched, now=now, evidence_id=rows[0].id if rows else None)
    return rows


def _check(purpose: str, score: float | None, level: int | None) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput("purpose", f"Evidence is for {' or '.join(PURPOSES)}, not {purpose!r}.")
    if score is None and level is None:
        raise InvalidInput("score", "Evidence needs a score, a level or both.")
    if score is not None and not 0.0 <= score <= 1.0:
        raise InvalidInput("score", f"A score is between 0 and 1, not {score}.")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or level < 0):
        raise InvalidInput("level", f"A level is a whole number, 0 or more, not {level!r}.")


def _in_scope(framework_id: int | None, codes: Iterable[str]) -> list[int]:
    """The ids of the competencies *codes* name in this one framework (none without one)."""
    wanted = sorted(set(codes))
    if framework_id is None or not wanted:
        return []
    query = (
        select(Competency.id)
        .where(Competency.framework_id == framework_id, Competency.code.in_(wanted))
        .order_by(Competency.id)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class EvidenceLine:
    """A learner's evidence for one competency: assessed and practised, kept apart."""

    code: str
    title: str
    assessed: int  # pieces of assessment evidence
    best: float | None  # best assessed score, 0.0 … 1.0; None if nothing scored was assessed
    practised: int  # pieces of practice evidence (formative quizzes): never mastery
    latest_at: datetime

    @property
    def percent(self) -> int | None:
        return None if self.best is None else round(self.best * 100)


def summary(user: User) -> list[EvidenceLine]:
    """One line per competency the learner has evidence for, in framework order."""
    assessed = CompetencyEvidence.purpose == ASSESSMENT
    query = (
        select(
            Competency.code,
            Competency.title,
            func.count(case((assessed, CompetencyEvidence.id))),
            func.max(case((assessed, CompetencyEvidence.score))),
            func.count(case((CompetencyEvidence.purpose == PRACTICE, CompetencyEvidence.id))),
            func.max(CompetencyEvidence.created_at),
        )
        .join(Competency, CompetencyEvidence.competency_id == Competency.id)
        .where(CompetencyEvidence.user_id == user.id)
        .group_by(Competency.id, Competency.code, Competency.title)
        .order_by(Competency.id)
    )
    return [
        EvidenceLine(
            code, title, count, None if best is None else float(best), practised, _aware(latest)
        )
        for code, title, count, best, practised, latest in db.session.execute(query)
    ]


def _aware(value) -> datetime:
    # Aggregates bypass the column type, so SQLite hands back a naive value (or a string).
    return UTCDateTime().process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, None
    )

"""Competency attainment for the state program: of the workers enrolled in a period, how
many have mastered each competency of their course's framework (``mastery_states``, kept on
write, so this reads one row per learner and competency)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Competency, Course, MasteryState
from app.services.program_figures import Scope, enrolments


@dataclass(frozen=True)
class Attained:
    competency: Competency
    mastered: int
    learners: int  # enrolled learners whose course follows the competency's framework


def attainment(scope: Scope) -> list[Attained]:
    """Per competency of the frameworks the enrolled learners' courses follow: how many of
    those learners have mastered it (their current state)."""
    places = enrolments(scope).subquery()
    people = (
        select(places.c.user_id, Course.framework_id)
        .join(Course, Course.id == places.c.course_id)
        .where(Course.framework_id.is_not(None))
        .distinct()
        .subquery()
    )
    learners = dict(
        db.session.execute(
            select(people.c.framework_id, func.count()).group_by(people.c.framework_id)
        ).all()
    )
    if not learners:
        return []
    competencies = list(
        db.session.scalars(
            select(Competency)
            .where(
                Competency.framework_id.in_(list(learners)),
                Competency.archived_at.is_(None),
                Competency.kind != "domain",
            )
            .order_by(Competency.framework_id, Competency.id)
        )
    )
    mastered: dict[int, int] = {}
    for framework_id in learners:  # a program's courses follow one framework, or a few
        ids = [c.id for c in competencies if c.framework_id == framework_id]
        query = (
            select(MasteryState.competency_id, func.count())
            .select_from(people)
            .join(MasteryState, MasteryState.user_id == people.c.user_id)
            .where(
                people.c.framework_id == framework_id,
                MasteryState.mastered.is_(True),
                # "+ 0": each learner's states are read by the key's prefix, not probed
                # once per competency.
                (MasteryState.competency_id + 0).in_(ids),
            )
            .group_by(MasteryState.competency_id)
        )
        mastered.update(db.session.execute(query).all())
    return [
        Attained(c, int(mastered.get(c.id, 0)), int(learners[c.framework_id])) for c in competencies
    ]

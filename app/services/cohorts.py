"""Cohorts: creating them, and who learns and teaches in each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.domain.roles import Role
from app.errors import Conflict
from app.extensions import db
from app.models import Cohort, CohortMember, User
from app.services import audit, memberships


def active_learners(cohort: Cohort) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(CohortMember)
        .where(
            CohortMember.cohort_id == cohort.id,
            CohortMember.role == "learner",
            CohortMember.status == "active",
        )
    )


def enrol(
    cohort: Cohort,
    user: User,
    *,
    via: str,
    actor: User | None,
    now: datetime,
    sponsor_id: int | None = None,
) -> CohortMember:
    """Put *user* in *cohort* as a learner (again, if they had left); they become a learner
    of its host unless they already belong to it. Enrolling twice changes nothing."""
    member = db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id
        )
    )
    if member is not None and member.status == "active":
        return member
    if cohort.capacity is not None and active_learners(cohort) >= cohort.capacity:
        raise Conflict(f"{cohort.name} is full ({cohort.capacity} learners).")
    host_membership = memberships.find(user, cohort.host)
    if host_membership is None or not host_membership.active:
        memberships.add(user, cohort.host, Role.APPRENTICE, actor=actor, now=now)
    if member is None:
        member = CohortMember(cohort=cohort, user=user, role="learner")
        db.session.add(member)
    member.status, member.left_at, member.joined_at = "active", None, now
    member.joined_via = via
    member.added_by_id = actor.id if actor is not None else None
    if sponsor_id is not None:
        member.sponsor_id = sponsor_id
    db.session.flush()
    audit.record(
        cohort.host, actor or user, "cohort.enrolled", subject=user.name,
        details={"cohort": cohort.name, "via": via, "email": user.email}, now=now,
    )  # fmt: skip
    return member

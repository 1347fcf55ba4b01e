"""The state program's figures about employers: manufacturers served and apprentices, by
the same one-statement-per-figure method as ``services.program_figures``."""

from __future__ import annotations

from sqlalchemy import String, and_, case, cast, distinct, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from app.domain.roles import Role
from app.models import Apprenticeship, Cohort, CohortMember, Membership, Organization
from app.services.program_figures import NONE, Batch, Figure, Scope, enrolments, tag


def _apprentices_of(partner_ids: list[int]) -> Select:
    """The people who learn at the partners (their active apprentice members)."""
    return select(Membership.user_id).where(
        Membership.organization_id.in_(partner_ids),
        Membership.active.is_(True),
        Membership.role == Role.APPRENTICE,
    )


def apprenticeships(scope: Scope) -> Select:
    """Apprenticeships in the program, started by the period's end: their employer takes
    part (in the chosen place), or, with an employer outside the program, their apprentice
    learns at a program partner (in the chosen place). A partner filter keeps those whose
    apprentice learns at that partner."""
    outside = or_(
        Apprenticeship.employer_id.is_(None),
        Apprenticeship.employer_id.not_in(scope.all_employers),
    )
    in_program = or_(
        Apprenticeship.employer_id.in_(scope.employers),
        and_(outside, Apprenticeship.apprentice_id.in_(_apprentices_of(scope.partners))),
    )
    query = select(
        Apprenticeship.id, Apprenticeship.apprentice_id, Apprenticeship.employer_id,
        Apprenticeship.status, Apprenticeship.start_date,
    ).where(in_program, Apprenticeship.start_date <= scope.period.last)  # fmt: skip
    if scope.filtered_by_partner:
        query = query.where(
            Apprenticeship.apprentice_id.in_(_apprentices_of(scope.linked_partners))
        )
    return query


def manufacturers_and_apprentices(batch: Batch) -> tuple[Figure, Figure]:
    """Manufacturers served and apprentices, in one statement sharing the apprenticeships.

    Manufacturers served: program employers (in the chosen place) that sent a worker to a
    cohort of the (chosen) partners in the period, or had an apprenticeship starting in it
    or active. Apprentices: active apprentices (distinct people) in all, per partner they
    learn at and per place of their employer; extra: "new" (started in the period) and
    "completed"."""
    scope = batch.scope
    period = scope.period
    fact = apprenticeships(scope).cte("f_apprenticeships")
    active = fact.c.status == "active"
    people = fact.c.apprentice_id
    sent = enrolments(scope, scope.linked_partners).where(
        CohortMember.sponsor_id.in_(scope.employers)
    )
    apprenticing = select(fact.c.employer_id).where(or_(fact.c.start_date >= period.first, active))
    served = (
        select(Organization.id, Organization.state, Organization.county)
        .where(
            Organization.id.in_(scope.employers),
            or_(
                Organization.id.in_(sent.with_only_columns(CohortMember.sponsor_id)),
                Organization.id.in_(apprenticing),
            ),
        )
        .cte("f_served")
    )
    sending = sent.with_only_columns(Cohort.host_id, CohortMember.sponsor_id).cte("f_sending")

    def count(condition: ColumnElement) -> ColumnElement:
        return func.count(distinct(case((condition, people))))

    at_partner = (
        select(Membership.organization_id, people)
        .join(fact, people == Membership.user_id)
        .where(
            Membership.organization_id.in_(scope.partners),
            Membership.active.is_(True),
            Membership.role == Role.APPRENTICE,
            active,
        )
        .subquery()
    )
    parts = [
        select(tag("m.t"), NONE, NONE, func.count()).select_from(served),
        select(tag("m.p"), served.c.state, served.c.county, func.count())
        .group_by(served.c.state, served.c.county),
        select(tag("m.o"), cast(sending.c.host_id, String), NONE,
               func.count(distinct(sending.c.sponsor_id)))
        .group_by(sending.c.host_id),
        select(tag("a.t"), NONE, NONE, count(active)),
        select(tag("a.new"), NONE, NONE, count(fact.c.start_date >= period.first)),
        select(tag("a.completed"), NONE, NONE, count(fact.c.status == "completed")),
        select(tag("a.p"), Organization.state, Organization.county, count(active))
        .select_from(fact)
        .join(Organization, Organization.id == fact.c.employer_id)
        .where(fact.c.employer_id.in_(scope.employers))
        .group_by(Organization.state, Organization.county),
        select(tag("a.o"), cast(at_partner.c.organization_id, String), NONE,
               func.count(distinct(at_partner.c.apprentice_id)))
        .group_by(at_partner.c.organization_id),
    ]  # fmt: skip
    batch.add("a", Figure(), [])
    return batch.add("m", Figure(), parts), batch.figures["a"]

"""Judgements people make as competency evidence: instructors' rubric assessments, mentors'
observations on the job, and the competencies of approved on-the-job (OJL) entries.

Each writes through ``services.evidence.record`` (``domain.assessments`` says which kind,
level and score each source gives), so mastery follows at once. Who may judge is checked
here as well as in the views (``app.policy``): no caller can save a judgement its author
had no right to make. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app import policy
from app.content.programs import Program
from app.domain import assessments as rules
from app.domain.evidence import ASSESSMENT
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from app.models import Apprenticeship, Assessment, Competency, Framework, OjlEntry, User
from app.services import evidence


def levels_of(framework: Framework) -> dict[int, str]:
    """The framework's scale, level number → title (the rows of its rubric)."""
    return {int(level["level"]): level["title"] for level in framework.levels or []}


def rubric_of(framework: Framework) -> list[dict]:
    """The framework's levels with their descriptions, lowest first."""
    return sorted(framework.levels or [], key=lambda level: int(level["level"]))


def competencies_of(framework: Framework) -> list[Competency]:
    """The competencies a judgement can be about: active ones, not domains, in file order."""
    query = (
        select(Competency)
        .where(
            Competency.framework_id == framework.id,
            Competency.archived_at.is_(None),
            Competency.kind != "domain",
        )
        .order_by(Competency.id)
    )
    return list(db.session.scalars(query))


def framework_of(program: Program | None) -> Framework | None:
    """The framework an apprenticeship program's competencies come from (None without one)."""
    if program is None or not program.framework:
        return None
    query = select(Framework).where(
        Framework.slug == program.framework, Framework.archived_at.is_(None)
    )
    return db.session.scalar(query)


def _judge(
    framework: Framework, draft: rules.Draft, *, today: date, scored: bool
) -> tuple[rules.Judgement, Competency]:
    items = {c.code: c for c in competencies_of(framework)}
    judgement = rules.check(
        draft, levels=levels_of(framework), codes=set(items), today=today, scored=scored
    )
    return judgement, items[judgement.competency]


def _save(
    kind: str,
    learner: User,
    framework: Framework,
    judgement: rules.Judgement,
    competency: Competency,
    *,
    by: User,
    now: datetime,
    enrolment: Apprenticeship | None = None,
) -> Assessment:
    row = Assessment(
        kind=kind,
        learner_id=learner.id,
        competency_id=competency.id,
        level=judgement.level,
        score=judgement.score,
        subject=judgement.subject,
        note=judgement.note,
        occurred_on=judgement.occurred_on,
        assessor_id=by.id,
        apprenticeship_id=enrolment.id if enrolment else None,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    evidence.record(
        learner.id,
        [competency.code],
        framework_id=framework.id,
        source_kind=kind,
        source_ref=row.source_ref,
        purpose=ASSESSMENT,
        score=judgement.score,
        level=judgement.level,
        assessor_id=by.id,
        content_version=framework.version,
        now=now,
    )
    return row


def assess(
    learner: User,
    framework: Framework,
    draft: rules.Draft,
    *,
    by: User,
    today: date,
    now: datetime,
) -> Assessment:
    """An instructor rates *learner* on a competency against the framework's levels.

    PermissionDenied unless *by* may assess the learner (``policy.can_assess_learner``);
    InvalidInput for an unknown competency, a level off the scale, a bad score or date.
    """
    if by.id == learner.id:
        raise PermissionDenied("Nobody assesses themselves: an instructor does.")
    if not policy.can_assess_learner(by, learner):
        raise PermissionDenied("Only an instructor of the learner's organization assesses them.")
    judgement, competency = _judge(framework, draft, today=today, scored=True)
    return _save(rules.RUBRIC, learner, framework, judgement, competency, by=by, now=now)


def observe(
    enrolment: Apprenticeship,
    framework: Framework,
    draft: rules.Draft,
    *,
    by: User,
    today: date,
    now: datetime,
) -> Assessment:
    """The apprentice's mentor records seeing them do a competency on the job, at a level."""
    if by.id == enrolment.apprentice_id:
        raise PermissionDenied("Nobody observes themselves: your mentor does.")
    if not policy.can_observe(by, enrolment):
        raise PermissionDenied("Only the apprentice's mentor records observations on the job.")
    if enrolment.status != "active":
        raise InvalidInput(None, "This apprenticeship has ended: no more observations.")
    judgement, competency = _judge(framework, draft, today=today, scored=False)
    if judgement.occurred_on < enrolment.start_date:
        raise InvalidInput("occurred_on", "That is before the apprenticeship started.")
    return _save(
        rules.OBSERVATION,
        enrolment.apprentice,
        framework,
        judgement,
        competency,
        by=by,
        now=now,
        enrolment=enrolment,
    )


def withdraw(row: Assessment, reason: str, *, by: User, now: datetime) -> None:
    """Withdraw a judgement made in error: its evidence goes (mastery follows), the record
    stays, marked with who withdrew it, when and why."""
    if not policy.can_withdraw_assessment(by, row):
        raise PermissionDenied("Only the person who recorded it withdraws a judgement.")
    if row.withdrawn_at is not None:
        raise Conflict("This was withdrawn already.")
    row.withdrawn_reason = rules.text_of(
        reason, "reason", rules.REASON_CHARS, "Say why it is withdrawn."
    )
    row.withdrawn_at, row.withdrawn_by_id = now, by.id
    db.session.flush()
    evidence.record(
        row.learner_id,
        [],
        framework_id=None,
        source_kind=row.kind,
        source_ref=row.source_ref,
        purpose=ASSESSMENT,
        level=row.level,
        content_version="",
        now=now,
        replace=True,
    )


def get(public_id: str) -> Assessment:
    row = db.session.scalar(select(Assessment).where(Assessment.public_id == public_id))
    if row is None:
        raise NotFound("There is no such assessment.")
    return row


def of_learner(learner: User, kind: str | None = None) -> list[Assessment]:
    """The learner's assessments and observations, newest first."""
    query = select(Assessment).where(Assessment.learner_id == learner.id)
    if kind is not None:
        query = query.where(Assessment.kind == kind)
    return list(
        db.session.scalars(query.order_by(Assessment.occurred_on.desc(), Assessment.id.desc()))
    )


def observations(enrolment: Apprenticeship) -> list[Assessment]:
    query = (
        select(Assessment)
        .where(
            Assessment.apprenticeship_id == enrolment.id,
            Assessment.kind == rules.OBSERVATION,
        )
        .order_by(Assessment.occurred_on.desc(), Assessment.id.desc())
    )
    return list(db.session.scalars(query))


# -- approved on-the-job entries ------------------------------------------------------------------


def ojl_ref(entry: OjlEntry) -> str:
    return f"ojl#{entry.id}"


def credit_ojl(entry: OjlEntry, framework: Framework | None, *, now: datetime) -> None:
    """An approved entry is evidence for each competency it lists, judged by the mentor who
    approved it; any other status is evidence of nothing (what an earlier approval gave goes).

    The evidence carries the framework's first level and no score (``domain.assessments``):
    it counts where a mastery rule asks for OJL entries, and moves no method's value.
    """
    approved = entry.status == "approved" and framework is not None
    levels = levels_of(framework) if framework is not None else {}
    evidence.record(
        entry.apprenticeship.apprentice_id,
        list(entry.competencies or []) if approved else [],
        framework_id=framework.id if approved else None,
        source_kind=rules.OJL,
        source_ref=ojl_ref(entry),
        purpose=ASSESSMENT,
        level=min(levels, default=1),
        assessor_id=entry.reviewer_id,
        content_version=framework.version if framework is not None else "",
        now=now,
        replace=True,
    )

"""Recognised prior learning (RPL): a learner claims a competency they already hold, with a
document (a certificate, a transcript, a photo of a licence) and a statement; a reviewer of
their organization accepts it at a level, which is evidence (``prior``), or rejects it with
a reason.

Documents are stored under *folder* (the instance folder's ``prior-learning``) with a random
name; the name the learner gave is only shown. Their type is decided from their first bytes,
not from the name. Services flush; the caller commits. A file written for a claim whose
transaction then fails is left behind unreferenced, never served.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from app import policy
from app.domain import assessments as rules
from app.domain.evidence import ASSESSMENT
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from app.models import Competency, Framework, PriorLearningClaim, User
from app.services import evidence, memberships
from app.services.assessments import competencies_of, levels_of

PENDING, ACCEPTED, REJECTED, WITHDRAWN = "pending", "accepted", "rejected", "withdrawn"
ACCEPT, REJECT = "accept", "reject"


@dataclass(frozen=True)
class Upload:
    """A document as received: the name it was sent with and a stream of its bytes."""

    file_name: str
    stream: BinaryIO


def claim(
    learner: User,
    framework: Framework,
    competency_code: str,
    statement: str,
    document: Upload | None,
    *,
    by: User,
    folder: Path,
    now: datetime,
) -> PriorLearningClaim:
    """Submit a claim for *learner* (by them, or a reviewer on their behalf)."""
    if not policy.can_claim_prior_learning(by, learner):
        raise PermissionDenied("You may claim prior learning only for yourself.")
    competency = _competency(framework, competency_code)
    text = rules.text_of(
        statement, "statement", rules.STATEMENT_CHARS, "Say where and how you learned it."
    )
    if document is None or not document.file_name:
        raise InvalidInput("document", "Attach the document (a PDF, PNG or JPEG).")
    data = document.stream.read(rules.MAX_DOCUMENT_BYTES + 1)
    media_type = rules.document_type(document.file_name, data[:16], len(data))
    stored = secrets.token_hex(16) + rules.extension(media_type)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)
    row = PriorLearningClaim(
        learner_id=learner.id,
        competency_id=competency.id,
        statement=text,
        file_name=_display_name(document.file_name),
        stored_name=stored,
        media_type=media_type,
        size=len(data),
        status=PENDING,
        submitted_by_id=by.id,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def review(
    found: PriorLearningClaim,
    decision: str,
    *,
    level: str | int | None,
    reason: str,
    by: User,
    now: datetime,
) -> PriorLearningClaim:
    """Accept a pending claim at a level (evidence of kind ``prior``) or reject it."""
    if by.id == found.learner_id:
        raise PermissionDenied(
            "Nobody reviews their own claim: a reviewer of your organization does."
        )
    if not policy.can_review_prior_learning(by, found.learner):
        raise PermissionDenied(
            "Only an instructor or partner admin of the learner's organization reviews claims."
        )
    if found.status != PENDING:
        raise Conflict(f"This claim is already {found.status}.")
    framework = found.competency.framework
    text = rules.text_of(reason, "reason", rules.REASON_CHARS)
    if decision == ACCEPT:
        found.level = rules.level_of(level, levels_of(framework))
        found.status = ACCEPTED
    elif decision == REJECT:
        if not text:
            raise InvalidInput(
                "reason", "Say why the claim is rejected, so the learner can act on it."
            )
        found.status = REJECTED
    else:
        raise InvalidInput("decision", "Accept or reject the claim.")
    found.reason, found.reviewer_id, found.reviewed_at = text, by.id, now
    db.session.flush()
    if found.status == ACCEPTED:
        evidence.record(
            found.learner_id,
            [found.competency.code],
            framework_id=framework.id,
            source_kind=rules.PRIOR,
            source_ref=found.source_ref,
            purpose=ASSESSMENT,
            level=found.level,
            assessor_id=by.id,
            content_version=framework.version,
            now=now,
            replace=True,
        )
    return found


def withdraw(found: PriorLearningClaim, *, by: User, now: datetime) -> None:
    """The learner takes back a claim not decided yet."""
    if by.id != found.learner_id:
        raise PermissionDenied("Only the learner withdraws their claim.")
    if found.status != PENDING:
        raise Conflict(f"This claim is already {found.status}.")
    found.status, found.reviewed_at = WITHDRAWN, now
    db.session.flush()


def get(public_id: str) -> PriorLearningClaim:
    found = db.session.scalar(
        select(PriorLearningClaim).where(PriorLearningClaim.public_id == public_id)
    )
    if found is None:
        raise NotFound("There is no such claim.")
    return found


def document_path(found: PriorLearningClaim, folder: Path) -> Path:
    """Where the claim's document is; NotFound if the file is gone."""
    path = folder / found.stored_name
    if not path.is_file():
        raise NotFound("The document of this claim is no longer stored.")
    return path


def of_learner(learner: User) -> list[PriorLearningClaim]:
    query = (
        select(PriorLearningClaim)
        .where(PriorLearningClaim.learner_id == learner.id)
        .order_by(PriorLearningClaim.created_at.desc(), PriorLearningClaim.id.desc())
    )
    return list(db.session.scalars(query))


def waiting_for(reviewer: User) -> list[PriorLearningClaim]:
    """Pending claims *reviewer* may decide, oldest first."""
    query = (
        select(PriorLearningClaim)
        .join(User, PriorLearningClaim.learner_id == User.id)
        .where(PriorLearningClaim.status == PENDING, User.id != reviewer.id)
        .order_by(PriorLearningClaim.created_at, PriorLearningClaim.id)
    )
    if not policy.is_platform_admin(reviewer):
        orgs = policy.orgs_where(reviewer, policy.PRIOR_LEARNING_REVIEWERS)
        if not orgs:
            return []
        query = query.where(User.id.in_(memberships.people_in(orgs)))
    return [
        c
        for c in db.session.scalars(query)
        if policy.can_review_prior_learning(reviewer, c.learner)
    ]


def _competency(framework: Framework, code: str) -> Competency:
    for competency in competencies_of(framework):
        if competency.code == (code or "").strip():
            return competency
    raise InvalidInput("competency", "Choose a competency of the framework.")


def _display_name(name: str) -> str:
    """The file's own name, without any folder, kept short and printable."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200] or "document"

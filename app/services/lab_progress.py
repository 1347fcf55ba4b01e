"""A learner's labs at a glance: the ones they opened, where to continue, and their best score
(the effective one: an instructor's override counts over the autograded total)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import LabSubmission, LabWorkspace, User
from app.services import courses, lab_feedback


@dataclass(frozen=True)
class LabLine:
    lab_id: str
    title: str
    course_slug: str
    lesson_slug: str
    worked_at: datetime
    attempts: int
    best: float | None
    maximum: float | None
    grading: bool  # an attempt is waiting or being graded


def for_learner(user: User) -> list[LabLine]:
    """The labs *user* opened, most recently worked on first (labs no lesson offers left out)."""
    spaces = db.session.scalars(
        select(LabWorkspace)
        .where(LabWorkspace.user_id == user.id)
        .order_by(LabWorkspace.updated_at.desc())
    )
    submitted: dict[str, list[LabSubmission]] = {}
    mine = list(db.session.scalars(select(LabSubmission).where(LabSubmission.user_id == user.id)))
    for submission in mine:
        submitted.setdefault(submission.lab_slug, []).append(submission)
    scores = lab_feedback.scores(mine)
    offered = courses.lab_lessons()
    lines = []
    for space in spaces:
        place = offered.get(space.lab_slug)
        if place is None:
            continue
        course, lesson = place
        card = next(lab for lab in lesson.labs if lab.get("id") == space.lab_slug)
        attempts = submitted.get(space.lab_slug, [])
        graded = [scores[s.id] for s in attempts if scores[s.id].total is not None]
        best = max(graded, key=lambda score: score.total, default=None)
        lines.append(
            LabLine(
                lab_id=space.lab_slug,
                title=card.get("title") or space.lab_slug,
                course_slug=course.slug,
                lesson_slug=lesson.slug,
                worked_at=space.updated_at,
                attempts=len(attempts),
                best=best.total if best else None,
                maximum=best.maximum if best else None,
                grading=any(s.status in ("queued", "running") for s in attempts),
            )
        )
    return lines

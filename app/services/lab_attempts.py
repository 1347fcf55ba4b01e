"""Reading lab attempts: progress while grading, the report after, and reviewers' lists.

A report never carries a hidden check's code or expected value: only its description,
whether it passed, and the feedback the grader wrote for the learner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from app import policy
from app.domain.notebook_html import for_page
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import LabSubmission, User
from app.sandbox import notebooks
from app.services import lab_feedback, memberships
from app.services.lab_workspaces import text_html

STATUS_TEXT = {
    "queued": "Queued: waiting for a free grader.",
    "running": "Grading: running your notebook.",
    "graded": "Graded.",
    "failed": "Grading could not finish. Your notebook is saved; your instructor can re-grade it.",
}
# The same states as the learner's instructors and reviewers read them.
STAFF_STATUS_TEXT = {
    "queued": "Queued: waiting for a free grader.",
    "running": "Grading: running the learner's notebook.",
    "graded": "Graded.",
    "failed": "Grading could not finish. The notebook is saved; re-grade it from this page.",
}
CHECKING_TEXT = "Grading: your notebook has run; checking your results against the lab's reference…"
STAFF_CHECKING_TEXT = "Grading: the notebook has run; checking the results against the reference…"


def get(public_id: str) -> LabSubmission:
    """The attempt with this public id (the only id its pages are reached by)."""
    submission = db.session.scalar(
        select(LabSubmission).where(LabSubmission.public_id == str(public_id)[:24])
    )
    if submission is None or submission.user_id is None:
        raise NotFound("There is no such attempt.")
    return submission


def learner_of(submission: LabSubmission) -> User:
    learner = db.session.get(User, submission.user_id)
    if learner is None:
        raise NotFound("There is no such attempt.")
    return learner


def progress(submission: LabSubmission, *, own: bool = True) -> dict[str, Any]:
    """What a page following the grading shows: status, "cell i of n", and the score, in the
    learner's words when it is *own* work, else in a reviewer's."""
    done = submission.status in ("graded", "failed")
    words = STATUS_TEXT if own else STAFF_STATUS_TEXT
    # The grader reports each cell of the run as it starts (1..n of n + 1 steps), then one
    # last step while it checks the results against the lab's reference.
    steps = submission.steps or 0
    running = submission.status == "running" and steps > 1
    checking = running and (submission.progress or 0) >= steps
    detail = f"Cell {submission.progress or 0} of {steps - 1}." if running and not checking else ""
    if checking:
        text = CHECKING_TEXT if own else STAFF_CHECKING_TEXT
    elif submission.status == "failed" and submission.message:
        text = submission.message
    else:
        text = words.get(submission.status, submission.status)
    return {
        "id": submission.public_id,
        "attempt": submission.attempt,
        "status": submission.status,
        "text": text,
        "detail": detail,
        "checking": checking,  # the bar shows work going on, not a full bar
        "progress": submission.progress,
        "steps": submission.steps,
        "total": submission.total,
        "maximum": submission.maximum,
        "done": done,
    }


@dataclass(frozen=True)
class ReportCell:
    id: str
    kind: str  # markdown | code
    source: str
    status: str = ""
    message: str = ""
    outputs: list[dict[str, Any]] = field(default_factory=list)
    html: Markup = Markup("")  # rendered markdown


@dataclass(frozen=True)
class Report:
    submission: LabSubmission
    checks: list[dict[str, Any]]
    cells: list[ReportCell]
    passed: int
    engine_message: str


def report(submission: LabSubmission) -> Report:
    """The graded attempt as the learner and their reviewers see it, executed cells included."""
    result = submission.result or {}
    checks = [
        {k: check[k] for k in ("description", "passed", "earned", "points", "visible", "feedback")}
        for check in result.get("checks", [])
    ]
    ran = {cell.get("id"): cell for cell in result.get("cells", []) if cell.get("id")}
    cells = []
    try:
        submitted = notebooks.read(submission.notebook).cells
    except notebooks.BadNotebook:
        submitted = []
    for position, cell in enumerate(submitted):
        if cell.cell_type not in ("markdown", "code"):
            continue
        run = ran.get(cell.get("id"), {})
        cells.append(
            ReportCell(
                cell.get("id", ""),
                cell.cell_type,
                cell.source,
                run.get("status", ""),
                run.get("message", ""),
                for_page(run.get("outputs", [])),
                text_html(cell.source, first=position == 0)
                if cell.cell_type == "markdown"
                else Markup(""),
            )
        )
    passed = sum(1 for check in checks if check["passed"])
    return Report(submission, checks, cells, passed, result.get("message", ""))


@dataclass(frozen=True)
class LearnerRow:
    learner: User
    attempts: int
    best: float | None
    maximum: float | None
    latest: LabSubmission


def for_reviewer(reviewer: User, lab_id: str) -> list[LearnerRow]:
    """Each learner the reviewer may review who attempted *lab_id*, with their best
    (effective) score.

    The same rule as ``policy.can_review_learner``: a platform admin sees everyone, other
    reviewers the learners of their own organization.
    """
    query = select(LabSubmission, User).join(User, User.id == LabSubmission.user_id)
    query = query.where(LabSubmission.lab_slug == lab_id)
    if not policy.is_platform_admin(reviewer):
        orgs = policy.orgs_where(reviewer, policy.LAB_REVIEWERS)
        if not orgs:
            return []
        query = query.where(User.id.in_(memberships.people_in(orgs)))
    rows: dict[int, list[LabSubmission]] = {}
    learners: dict[int, User] = {}
    for submission, learner in db.session.execute(query.order_by(LabSubmission.id)):
        rows.setdefault(learner.id, []).append(submission)
        learners[learner.id] = learner
    scores = lab_feedback.scores(s for attempts in rows.values() for s in attempts)
    table = []
    for learner_id, attempts in rows.items():
        graded = [scores[s.id] for s in attempts if scores[s.id].total is not None]
        best = max(graded, key=lambda score: score.total, default=None)
        table.append(
            LearnerRow(
                learners[learner_id],
                len(attempts),
                best.total if best else None,
                best.maximum if best else None,
                max(attempts, key=lambda s: (s.attempt, s.id)),
            )
        )
    return sorted(table, key=lambda row: row.learner.name.lower())


def regrade(submission: LabSubmission) -> LabSubmission:
    """Queue an attempt to be graded again (after a test was fixed); the notebook is kept."""
    if submission.status in ("queued", "running"):
        raise Conflict("This attempt is already waiting to be graded.")
    submission.status = "queued"
    submission.tries = 0
    submission.progress = 0
    submission.message = ""
    submission.started_at = None
    submission.finished_at = None
    db.session.flush()
    return submission

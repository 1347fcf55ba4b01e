"""What each person sees on their dashboard, gathered in one place per role."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from app import policy
from app.domain.roles import STAFF_ROLES, Role
from app.models import CohortMember, Organization, User
from app.services import (
    apprenticeships,
    cohorts,
    courses,
    credential_pages,
    due_dates,
    evidence,
    lab_progress,
    organizations,
    programs,
    users,
)


@dataclass(frozen=True)
class PeoplePanel:
    title: str
    people: list[User]
    empty: str


@dataclass(frozen=True)
class Dashboard:
    user: User
    org: Organization | None
    panels: list[PeoplePanel] = field(default_factory=list)
    role_counts: dict[Role, int] | None = None
    org_count: int | None = None
    courses: list[courses.CourseCard] = field(default_factory=list)
    evidence: list[evidence.EvidenceLine] = field(default_factory=list)
    labs: list[lab_progress.LabLine] = field(default_factory=list)
    # Learners see their own progress in each course; staff see the courses without it.
    learner: bool = True
    # Apprenticeships: the apprentice's own, a mentor's apprentices, an organization's.
    apprenticeships: list[apprenticeships.Line] = field(default_factory=list)
    waiting: int = 0  # OJL entries waiting for this mentor's sign-off
    # Learners: how many credentials they hold, the latest, and the badge they are closest to.
    credentials: credential_pages.Summary | None = None
    # Cohorts the person learns or teaches in, and a learner's overdue and upcoming work.
    cohorts: list[CohortMember] = field(default_factory=list)
    agenda: due_dates.Agenda | None = None


# Whom each role works with, shown as people panels: (role listed, panel title, empty text).
_PANELS = {
    Role.APPRENTICE: [
        (Role.INSTRUCTOR, "Your instructors", "No instructor is listed for your organization yet."),
    ],
    Role.MENTOR: [  # their own apprentices are listed with their hours, above
        (Role.MENTOR, "Fellow mentors", "You are the only mentor here so far."),
    ],
    Role.INSTRUCTOR: [
        (Role.APPRENTICE, "Learners", "No learners belong to your organization yet."),
        (Role.INSTRUCTOR, "Fellow instructors", "You are the only instructor here so far."),
    ],
    Role.EMPLOYER: [
        (Role.APPRENTICE, "Apprentices", "No apprentices belong to your organization yet."),
        (Role.MENTOR, "Mentors", "No mentors belong to your organization yet."),
    ],
}


def for_user(
    user: User,
    *,
    curriculum_root: Path,
    now: datetime | None = None,
    today: date | None = None,
) -> Dashboard:
    """What *user* sees; with *now* and *today*, a learner's credentials too."""
    board = _people(user)
    board.courses.extend(courses.catalog(user))
    board.evidence.extend(evidence.summary(user))
    board.labs.extend(lab_progress.for_learner(user))
    board.cohorts.extend(cohorts.of_person(user))
    if now is not None and any(m.role == "learner" for m in board.cohorts):
        board = replace(board, agenda=due_dates.for_learner(user, now=now))
    enrolments = _apprenticeships(user)
    if enrolments:
        catalog = programs.catalog(curriculum_root)
        board.apprenticeships.extend(apprenticeships.lines(enrolments, catalog))
    if user.role is Role.MENTOR:
        return replace(board, waiting=len(apprenticeships.queue(user)))
    if board.learner and now is not None and today is not None:
        held = credential_pages.summary(user, now=now, today=today, curriculum_root=curriculum_root)
        return replace(board, credentials=held)
    return board


def _apprenticeships(user: User) -> list:
    if user.role is Role.APPRENTICE:
        return apprenticeships.of_apprentice(user)
    if user.role is Role.MENTOR:
        return apprenticeships.supervised_by(user)
    employers = policy.acting_orgs(user, frozenset({Role.EMPLOYER}))
    partners = policy.acting_orgs(user, frozenset({Role.PARTNER_ADMIN}))
    if not (employers or partners):
        return []
    return apprenticeships.of_organizations(employers, partners)


def _org_counts(org: Organization) -> dict[Role, int]:
    """People per role in *org*; platform admins belong to no organization, so they show
    only if one does."""
    counts = organizations.role_counts(org)
    return {role: n for role, n in counts.items() if n or role is not Role.PLATFORM_ADMIN}


def _people(user: User) -> Dashboard:
    if user.role is Role.PLATFORM_ADMIN:
        return Dashboard(
            user=user,
            org=user.organization,
            panels=[PeoplePanel("Newest accounts", users.recent(8), "No accounts yet.")],
            role_counts=organizations.role_counts(),
            org_count=len(organizations.list_all()),
            learner=False,
        )
    org = user.organization
    learner = user.role not in STAFF_ROLES
    if org is None:
        return Dashboard(user=user, org=None, learner=learner)
    if user.role is Role.PARTNER_ADMIN:
        return Dashboard(
            user=user,
            org=org,
            panels=[PeoplePanel("Everyone at " + org.name, organizations.members(org), "")],
            role_counts=_org_counts(org),
            learner=False,
        )
    panels = [
        PeoplePanel(
            title, [p for p in organizations.members(org, role=role) if p.id != user.id], empty
        )
        for role, title, empty in _PANELS.get(user.role, [])
    ]
    counts = _org_counts(org) if policy.can_view_members(user, org) else None
    return Dashboard(user=user, org=org, panels=panels, role_counts=counts, learner=learner)

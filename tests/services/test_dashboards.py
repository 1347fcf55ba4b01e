"""Each role's dashboard shows the people it works with, and nothing it should not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.services import apprenticeships, dashboards
from tests import factories
from tests.services.test_apprenticeships import PROGRAM

TODAY = date(2026, 12, 6)


def board_of(user, root: Path = Path("/nonexistent")) -> dashboards.Dashboard:
    return dashboards.for_user(user, curriculum_root=root)


def test_apprentice_sees_instructors_of_their_org_only(ctx):
    college = factories.make_org()
    other = factories.make_org()
    me = factories.make_user(role=Role.APPRENTICE, org=college)
    mine = factories.make_user(role=Role.INSTRUCTOR, org=college)
    factories.make_user(role=Role.INSTRUCTOR, org=other)
    factories.make_user(role=Role.APPRENTICE, org=college)
    board = board_of(me)
    assert [p.title for p in board.panels] == ["Your instructors"]
    assert board.panels[0].people == [mine]
    assert board.role_counts is None  # apprentices do not see member statistics


def test_mentor_sees_their_own_apprentices_and_other_mentors(ctx):
    plant = factories.make_org(kind=OrgKind.EMPLOYER)
    me = factories.make_user(role=Role.MENTOR, org=plant)
    apprentice = factories.make_user(role=Role.APPRENTICE, org=plant)
    board = board_of(me)
    assert board.apprenticeships == [] and board.waiting == 0
    assert [p.title for p in board.panels] == ["Fellow mentors"]
    assert board.panels[0].people == []  # not listed as their own colleague
    enrolment = apprenticeships.enrol(
        apprentice, PROGRAM, mentor=me, employer=plant, start_date=TODAY, by=me, today=TODAY,
        now=utcnow(),
    )  # fmt: skip
    board = board_of(me)
    assert [line.enrolment for line in board.apprenticeships] == [enrolment]
    assert board.apprenticeships[0].program_title == "smt"  # the file is not in this root
    assert board.role_counts[Role.MENTOR] == 1 and board.role_counts[Role.APPRENTICE] == 1
    assert Role.PLATFORM_ADMIN not in board.role_counts  # nobody in an org holds it
    assert not board.learner  # staff see courses, not a progress bar of their own


def test_apprentice_sees_their_own_progress(ctx):
    board = board_of(factories.make_user(role=Role.APPRENTICE, org=factories.make_org()))
    assert board.learner


def test_partner_admin_sees_everyone_in_the_org(ctx):
    college = factories.make_org()
    me = factories.make_user(role=Role.PARTNER_ADMIN, org=college)
    others = [factories.make_user(role=r, org=college) for r in (Role.APPRENTICE, Role.INSTRUCTOR)]
    board = board_of(me)
    assert {u.id for u in board.panels[0].people} == {me.id, *(u.id for u in others)}


def test_platform_admin_sees_platform_totals(ctx):
    factories.make_org()
    admin = factories.make_user(role=Role.PLATFORM_ADMIN)
    factories.make_user()
    board = board_of(admin)
    assert board.org_count == 1
    assert sum(board.role_counts.values()) == 2


def test_user_without_org_gets_a_profile_only_dashboard(ctx):
    board = board_of(factories.make_user(role=Role.MENTOR))
    assert board.org is None and board.panels == []

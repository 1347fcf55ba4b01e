"""Cohorts: creating and editing them, join codes, joining, withdrawing and moving learners,
instructors, and due dates with what is upcoming and overdue for a learner."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import (
    AuditEvent,
    Cohort,
    CohortMember,
    LabSubmission,
    Lesson,
    Question,
    QuizAttempt,
)
from app.services import cohorts, due_dates, invitations
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree

NOW = datetime(2026, 9, 10, 15, 0, tzinfo=UTC)
START, END = date(2026, 9, 1), date(2026, 12, 15)
LAB = "lab-ready"


def draft(**changes) -> cohorts.Draft:
    values = {
        "name": "Fall 2026 evening",
        "course_slug": "demo-course",
        "program_id": None,
        "starts_on": START,
        "ends_on": END,
        "schedule": "Tue and Thu, 6–9 pm",
        "location": "Room B12",
        "capacity": None,
        "instructor_ids": (),
    }
    return cohorts.Draft(**{**values, **changes})


def make_cohort(host, admin, **changes) -> Cohort:
    """A cohort of *host* on the fixture course (sync the 'good' curriculum first)."""
    return cohorts.create(host, draft(**changes), actor=admin, now=NOW)


def offer_ready_lab(lesson_slug: str = "demo-second") -> Lesson:
    """Offer a written (not planned) lab in a lesson, besides its planned one."""
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == lesson_slug))
    card = {"id": LAB, "title": "Line availability", "objectives": [], "planned": False}
    lesson.labs = [*lesson.labs, card]
    db.session.flush()
    return lesson


def submit_lab(user, at: datetime, lab: str = LAB) -> LabSubmission:
    submission = LabSubmission(user_id=user.id, lab_slug=lab, seed=1, notebook="{}", created_at=at)
    db.session.add(submission)
    db.session.flush()
    return submission


def answer_all(user, lesson_slug: str, at: datetime) -> list[QuizAttempt]:
    questions = db.session.scalars(
        select(Question).join(Lesson).where(Lesson.slug == lesson_slug)
    ).all()
    attempts = [
        QuizAttempt(
            user_id=user.id,
            question_id=q.id,
            answer=[0],
            correct=True,
            score=1.0,
            content_version="test",
            created_at=at,
        )
        for q in questions
    ]
    db.session.add_all(attempts)
    db.session.flush()
    return attempts


@pytest.fixture
def college(ctx):
    """Lakeshore (a training partner) with an admin, two instructors and two learners."""
    sync_tree(FIXTURE_CURRICULA / "good")
    host = factories.make_org(slug="lakeshore", name="Lakeshore Community College")
    people = {
        "host": host,
        "admin": factories.make_user(role=Role.PARTNER_ADMIN, org=host, name="Pat Admin"),
        "ian": factories.make_user(role=Role.INSTRUCTOR, org=host, name="Ian Reyes"),
        "ivy": factories.make_user(role=Role.INSTRUCTOR, org=host, name="Ivy Chen"),
        "ana": factories.make_user(role=Role.APPRENTICE, org=host, name="Ana Lopez"),
        "ben": factories.make_user(name="Ben Okafor"),  # belongs to no organization yet
    }
    return people


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# -- Creating and editing ------------------------------------------------------------------------


def test_create_gives_a_join_code_instructors_and_an_audit_event(college):
    ian = college["ian"]
    cohort = make_cohort(college["host"], college["admin"], instructor_ids=(ian.public_id,))
    assert len(cohort.join_code) == 8 and set(cohort.join_code) <= set(cohorts.JOIN_ALPHABET)
    assert not set(cohort.join_code) & set("0O1I")
    assert cohorts.instructors(cohort) == [ian]
    assert cohort.course.slug == "demo-course" and cohort.name == "Fall 2026 evening"
    (created,) = events("cohort.created")
    assert created.subject == "Fall 2026 evening" and created.actor_id == college["admin"].id
    assert events("cohort.instructor_added")[0].subject == "Ian Reyes"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "   "}, "name", "Give the cohort a name"),
        ({"ends_on": START - timedelta(days=1)}, "ends_on", "cannot be before the first day"),
        ({"capacity": 0}, "capacity", "above 0"),
        ({"course_slug": None}, "course", "or its program"),
        ({"course_slug": "no-such-course"}, "course", "published courses"),
        ({"program_id": "not-offered"}, "program", "programs offered"),
        ({"instructor_ids": ("not-a-person",)}, "instructors", "instructors of Lakeshore"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(college, changes, field, words):
    with pytest.raises(InvalidInput) as refused:
        make_cohort(college["host"], college["admin"], **changes)
    assert refused.value.field == field and words in refused.value.message


def test_only_active_instructors_of_the_host_may_teach(college):
    other = factories.make_org()
    outsider = factories.make_user(role=Role.INSTRUCTOR, org=other)
    with pytest.raises(InvalidInput):
        make_cohort(college["host"], college["admin"], instructor_ids=(outsider.public_id,))
    with pytest.raises(InvalidInput):  # a learner of the host is no instructor
        make_cohort(college["host"], college["admin"], instructor_ids=(college["ana"].public_id,))


def test_employers_do_not_host_cohorts(college):
    plant = factories.make_org(kind=OrgKind.EMPLOYER)
    with pytest.raises(InvalidInput, match="Only training partners"):
        make_cohort(plant, college["admin"])


def test_update_reports_changes_and_keeps_capacity_above_enrolled(college):
    cohort = make_cohort(college["host"], college["admin"])
    for learner in (college["ana"], college["ben"]):
        cohorts.enrol(cohort, learner, via="admin", actor=college["admin"], now=NOW)
    changed = cohorts.update(
        cohort,
        draft(location="Online", instructor_ids=(college["ivy"].public_id,)),
        actor=college["admin"],
        now=NOW,
    )
    assert changed == ["location", "instructors"]
    assert cohort.location == "Online" and cohorts.instructors(cohort) == [college["ivy"]]
    assert (
        cohorts.update(
            cohort,
            draft(location="Online", instructor_ids=(college["ivy"].public_id,)),
            actor=college["admin"],
            now=NOW,
        )
        == []
    )
    with pytest.raises(InvalidInput, match="2 learners are enrolled already"):
        cohorts.update(cohort, draft(capacity=1), actor=college["admin"], now=NOW)
    assert len(events("cohort.updated")) == 1


# -- Join codes ----------------------------------------------------------------------------------


def test_new_codes_never_repeat_one_in_use(college):
    taken = make_cohort(college["host"], college["admin"]).join_code
    # A scripted chooser: the first 8 picks spell the code in use, the next 8 a free one.
    picks = itertools.chain(taken, "HMKT4Q7R")
    assert cohorts.new_join_code(choose=lambda _alphabet: next(picks)) == "HMKT4Q7R"


def test_codes_are_read_loosely_and_regenerated_or_turned_off(college):
    cohort = make_cohort(college["host"], college["admin"])
    code = cohort.join_code
    typed = f" {code[:4].lower()} -{code[4:]} "
    assert cohorts.normalize_code(typed) == code
    assert cohorts.by_code(typed) is cohort
    assert cohorts.normalize_code("OI01ABCD") is None  # look-alikes are never in a code
    new = cohorts.regenerate_code(cohort, actor=college["admin"], now=NOW)
    assert new != code and cohorts.by_code(new) is cohort
    with pytest.raises(NotFound):
        cohorts.by_code(code)
    cohorts.disable_code(cohort, actor=college["admin"], now=NOW)
    assert cohort.join_code is None
    with pytest.raises(NotFound):
        cohorts.by_code(new)
    assert [len(events(a)) for a in ("cohort.join_code_changed", "cohort.join_code_off")] == [1, 1]


# -- Joining -------------------------------------------------------------------------------------


def test_joining_by_code_makes_a_learner_of_the_host(college):
    cohort = make_cohort(college["host"], college["admin"])
    ben = college["ben"]
    assert cohorts.join(cohort, ben, now=NOW) is True
    assert cohorts.is_learner(cohort, ben)
    assert {m.organization_id for m in ben.memberships if m.active} == {college["host"].id}
    assert cohorts.join(cohort, ben, now=NOW) is False  # again: nothing changes
    member = cohorts.learner(cohort, ben.public_id)
    assert member.joined_via == "code"
    assert len(events("cohort.enrolled")) == 1


def test_a_full_cohort_says_so(college):
    cohort = make_cohort(college["host"], college["admin"], capacity=1)
    cohorts.join(cohort, college["ana"], now=NOW)
    assert "is full: it takes 1 learners" in cohorts.join_problem(cohort, college["ben"], now=NOW)
    with pytest.raises(Conflict, match="is full"):
        cohorts.join(cohort, college["ben"], now=NOW)
    assert not cohorts.is_learner(cohort, college["ben"])


def test_an_archived_or_ended_cohort_takes_nobody(college):
    cohort = make_cohort(college["host"], college["admin"])
    after_end = datetime.combine(END + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    last_day = after_end + timedelta(hours=11)  # still Dec 15 west of UTC−11
    assert cohorts.join_problem(cohort, college["ben"], now=last_day) is None
    assert "ended on December 15, 2026" in cohorts.join_problem(
        cohort, college["ben"], now=after_end + timedelta(hours=13)
    )
    cohort.archived_at = NOW
    with pytest.raises(Conflict, match="archived it"):
        cohorts.join(cohort, college["ben"], now=NOW)


def test_someone_the_host_deactivated_cannot_come_back_by_code(college):
    from app.services import memberships

    cohort = make_cohort(college["host"], college["admin"])
    ana = college["ana"]
    memberships.deactivate(memberships.find(ana, college["host"]), actor=college["admin"], now=NOW)
    assert "has ended" in cohorts.join_problem(cohort, ana, now=NOW)
    with pytest.raises(Conflict):
        cohorts.join(cohort, ana, now=NOW)
    assert not memberships.find(ana, college["host"]).active


def test_instructors_cannot_join_their_own_cohort_as_learners(college):
    cohort = make_cohort(
        college["host"], college["admin"], instructor_ids=(college["ian"].public_id,)
    )
    assert "You teach this cohort" in cohorts.join_problem(cohort, college["ian"], now=NOW)
    with pytest.raises(Conflict):
        cohorts.join(cohort, college["ian"], now=NOW)


def test_withdrawn_learners_come_back_when_the_staff_add_them_not_by_the_code(college):
    cohort = make_cohort(college["host"], college["admin"])
    member = cohorts.enrol(cohort, college["ana"], via="admin", actor=college["admin"], now=NOW)
    cohorts.withdraw(member, actor=college["admin"], now=NOW)
    assert (member.status, member.left_at) == ("withdrawn", NOW)
    assert not cohorts.is_learner(cohort, college["ana"])
    with pytest.raises(Conflict):
        cohorts.withdraw(member, actor=college["admin"], now=NOW)
    assert "took you out" in cohorts.join_problem(cohort, college["ana"], now=NOW)
    with pytest.raises(Conflict):  # taking them out was the staff's decision
        cohorts.join(cohort, college["ana"], now=NOW + timedelta(days=1))
    assert member.status == "withdrawn"
    cohorts.enrol(cohort, college["ana"], via="admin", actor=college["admin"], now=NOW)
    assert member.status == "active" and member.left_at is None and member.joined_via == "admin"


# -- Moving --------------------------------------------------------------------------------------


def test_moving_keeps_the_learners_work_and_sponsor(college):
    plant = factories.make_org(kind=OrgKind.EMPLOYER, name="Acme Plastics")
    first = make_cohort(college["host"], college["admin"])
    second = make_cohort(college["host"], college["admin"], name="Spring 2027 day")
    ana = college["ana"]
    member = cohorts.enrol(
        first, ana, via="roster", actor=college["admin"], now=NOW, sponsor_id=plant.id
    )
    offer_ready_lab()
    submission = submit_lab(ana, NOW)
    attempts = answer_all(ana, "demo-first", NOW)
    placed = cohorts.move(member, second, actor=college["admin"], now=NOW + timedelta(hours=1))
    assert (member.status, member.left_at) == ("moved", NOW + timedelta(hours=1))
    assert placed.cohort is second and placed.status == "active" and placed.joined_via == "moved"
    assert placed.sponsor_id == plant.id
    assert db.session.get(LabSubmission, submission.id).user_id == ana.id
    assert db.session.scalar(
        select(func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id == ana.id)
    ) == len(attempts)
    (moved,) = events("cohort.moved")
    assert moved.details == {"from": first.name, "to": second.name, "email": ana.email}


def test_moving_only_within_the_host_to_an_open_cohort(college):
    elsewhere = factories.make_org()
    admin2 = factories.make_user(role=Role.PARTNER_ADMIN, org=elsewhere)
    first = make_cohort(college["host"], college["admin"])
    foreign = make_cohort(elsewhere, admin2)
    member = cohorts.enrol(first, college["ana"], via="admin", actor=college["admin"], now=NOW)
    with pytest.raises(InvalidInput, match="another cohort of Lakeshore"):
        cohorts.move(member, foreign, actor=college["admin"], now=NOW)
    with pytest.raises(InvalidInput):
        cohorts.move(member, first, actor=college["admin"], now=NOW)
    closed = make_cohort(college["host"], college["admin"], name="Closed")
    closed.archived_at = NOW
    with pytest.raises(InvalidInput, match="archived"):
        cohorts.move(member, closed, actor=college["admin"], now=NOW)
    full = make_cohort(college["host"], college["admin"], name="Full", capacity=1)
    cohorts.enrol(full, college["ben"], via="admin", actor=college["admin"], now=NOW)
    with pytest.raises(Conflict, match="full"):
        cohorts.move(member, full, actor=college["admin"], now=NOW)
    assert member.status == "active"


# -- Instructors ---------------------------------------------------------------------------------


def test_instructors_are_added_and_removed_with_an_audit_trail(college):
    cohort = make_cohort(college["host"], college["admin"])
    assert cohorts.add_instructor(cohort, college["ivy"], actor=college["admin"], now=NOW)
    assert not cohorts.add_instructor(cohort, college["ivy"], actor=college["admin"], now=NOW)
    with pytest.raises(InvalidInput, match="not an instructor"):
        cohorts.add_instructor(cohort, college["ana"], actor=college["admin"], now=NOW)
    cohorts.remove_instructor(cohort, college["ivy"].public_id, actor=college["admin"], now=NOW)
    assert cohorts.instructors(cohort) == []
    with pytest.raises(NotFound):
        cohorts.remove_instructor(cohort, college["ivy"].public_id, actor=college["admin"], now=NOW)
    assert [len(events(a)) for a in ("cohort.instructor_added", "cohort.instructor_removed")] == [
        1,
        1,
    ]


def test_a_roster_employer_reaches_an_invited_learner_when_they_accept(college):
    plant = factories.make_org(kind=OrgKind.EMPLOYER, name="Acme Plastics")
    cohort = make_cohort(college["host"], college["admin"])
    issued = invitations.create(
        college["host"],
        "new@plant.example",
        Role.APPRENTICE,
        actor=college["admin"],
        now=NOW,
        cohort=cohort,
    )
    cohorts.remember_sponsor(cohort, "new@plant.example", plant, actor=college["admin"], now=NOW)
    newcomer = factories.make_user(email="new@plant.example")
    invitations.accept(issued.invitation, newcomer, now=NOW)
    member = cohorts.learner(cohort, newcomer.public_id)
    assert member.joined_via == "invitation" and member.sponsor_id == plant.id


# -- Due dates -----------------------------------------------------------------------------------


def test_due_items_are_the_written_labs_and_the_lessons_with_quizzes(college):
    offer_ready_lab()
    cohort = make_cohort(college["host"], college["admin"])
    found = [(i.kind, i.ref) for i in due_dates.items(cohort.course)]
    assert ("lab", "lab-demo") not in found  # planned, not written yet
    assert ("lab", LAB) in found and ("quiz", "demo-first") in found
    assert found.index(("quiz", "demo-first")) < found.index(("lab", LAB))  # course order


def test_due_dates_are_set_and_cleared_at_the_end_of_the_day_utc(college):
    offer_ready_lab()
    cohort = make_cohort(college["host"], college["admin"])
    day = date(2026, 9, 20)
    changes = {("lab", LAB): day, ("quiz", "demo-first"): day}
    assert due_dates.update(cohort, changes, actor=college["admin"], now=NOW) == 2
    assert due_dates.of_cohort(cohort)[("lab", LAB)] == datetime(
        2026, 9, 20, 23, 59, 59, tzinfo=UTC
    )
    assert due_dates.update(cohort, changes, actor=college["admin"], now=NOW) == 0
    assert due_dates.update(cohort, {("lab", LAB): None}, actor=college["admin"], now=NOW) == 1
    assert ("lab", LAB) not in due_dates.of_cohort(cohort)
    with pytest.raises(InvalidInput):
        due_dates.update(cohort, {("lab", "lab-demo"): day}, actor=college["admin"], now=NOW)
    assert len(events("cohort.due_dates_changed")) == 2


def test_read_form_checks_each_date(college):
    offer_ready_lab()
    offered = due_dates.items(make_cohort(college["host"], college["admin"]).course)
    values = {
        "due-lab-lab-ready": "2026-13-01",
        "due-quiz-demo-first": "",
        "due-quiz-demo-third": "1999-01-01",
    }
    dates, errors = due_dates.read_form(offered, values)
    assert dates == {("quiz", "demo-first"): None}
    assert set(errors) == {"due-lab-lab-ready", "due-quiz-demo-third"}


def test_a_learners_agenda_shows_overdue_and_upcoming_work(college):
    offer_ready_lab()
    cohort = make_cohort(college["host"], college["admin"])
    ana = college["ana"]
    cohorts.enrol(cohort, ana, via="admin", actor=college["admin"], now=NOW)
    due_dates.update(
        cohort,
        {
            ("quiz", "demo-first"): date(2026, 9, 5),  # past, not answered: overdue
            ("lab", LAB): date(2026, 9, 15),  # in 5 days: upcoming
            ("quiz", "demo-third"): date(2026, 10, 30),  # in 7 weeks: not yet listed
        },
        actor=college["admin"],
        now=NOW,
    )
    agenda = due_dates.for_learner(ana, now=NOW)
    assert [line.item.key for line in agenda.overdue] == [("quiz", "demo-first")]
    assert [line.item.key for line in agenda.upcoming] == [("lab", LAB)]
    submit_lab(ana, NOW)
    answer_all(ana, "demo-first", NOW)  # late
    agenda = due_dates.for_learner(ana, now=NOW)
    assert not agenda
    lines = {line.item.key: line for line in due_dates.schedule(cohort, ana, now=NOW)}
    assert lines[("lab", LAB)].status == due_dates.DONE
    assert lines[("quiz", "demo-first")].status == due_dates.LATE
    assert lines[("quiz", "demo-third")].status == due_dates.OPEN
    # A learner who left the cohort has nothing due there.
    cohorts.withdraw(cohorts.learner(cohort, ana.public_id), actor=college["admin"], now=NOW)
    assert due_dates.for_learner(ana, now=NOW + timedelta(days=60)) == due_dates.Agenda([], [])


def test_a_quiz_counts_as_answered_only_when_every_question_is(college):
    cohort = make_cohort(college["host"], college["admin"])
    ana = college["ana"]
    cohorts.enrol(cohort, ana, via="admin", actor=college["admin"], now=NOW)
    due_dates.update(
        cohort, {("quiz", "demo-first"): date(2026, 9, 5)}, actor=college["admin"], now=NOW
    )
    attempts = answer_all(ana, "demo-first", NOW - timedelta(days=7))
    assert len(attempts) > 1
    db.session.delete(attempts[-1])
    db.session.flush()
    assert [line.item.ref for line in due_dates.for_learner(ana, now=NOW).overdue] == ["demo-first"]


def test_the_course_outline_carries_the_learners_due_dates(college):
    from app.services import courses

    offer_ready_lab()
    cohort = make_cohort(college["host"], college["admin"])
    ana = college["ana"]
    cohorts.enrol(cohort, ana, via="admin", actor=college["admin"], now=NOW)
    due_dates.update(cohort, {("lab", LAB): date(2026, 9, 5)}, actor=college["admin"], now=NOW)
    outline = courses.outline(cohort.course, ana, now=NOW)
    assert outline.due[("lab", LAB)].status == due_dates.OVERDUE
    assert courses.outline(cohort.course, college["ben"], now=NOW).due == {}
    assert courses.outline(cohort.course, None, now=NOW).due == {}


def test_the_dashboard_lists_cohorts_and_due_work(college):
    from pathlib import Path

    from app.services import dashboards

    offer_ready_lab()
    cohort = make_cohort(
        college["host"], college["admin"], instructor_ids=(college["ian"].public_id,)
    )
    ana = college["ana"]
    cohorts.enrol(cohort, ana, via="admin", actor=college["admin"], now=NOW)
    due_dates.update(cohort, {("lab", LAB): date(2026, 9, 12)}, actor=college["admin"], now=NOW)
    board = dashboards.for_user(
        ana, curriculum_root=Path("/nonexistent"), now=NOW, today=NOW.date()
    )
    assert [m.cohort for m in board.cohorts] == [cohort]
    assert [line.item.ref for line in board.agenda.upcoming] == [LAB]
    teacher = dashboards.for_user(college["ian"], curriculum_root=Path("/nonexistent"), now=NOW)
    assert [m.role for m in teacher.cohorts] == ["instructor"] and teacher.agenda is None
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 2

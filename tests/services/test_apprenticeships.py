"""Enrolment, the OJL log, the mentor's sign-off and the audit trail, as services."""

from __future__ import annotations

from datetime import date

import pytest

from app.content.programs import Program, WorkProcess
from app.database import utcnow
from app.domain import ojl
from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.services import apprenticeships as service
from tests.factories import make_org, make_user

TODAY = date(2026, 12, 6)
PROGRAM = Program(
    id="smt",
    title="Smart Manufacturing Technician",
    occupation="Industrial Machinery Mechanic",
    onet_soc_code="49-9041.00",
    approach="hybrid",
    description="A test program.",
    work_processes=(
        WorkProcess("maintenance", "Maintenance", min_hours=500, max_hours=800,
                    competencies=("SM.MAINT.1",)),
        WorkProcess("data", "Data and OEE", min_hours=300, max_hours=500),
    ),
)  # fmt: skip


@pytest.fixture
def people(ctx):
    employer = make_org(name="Acme Plastics", kind=OrgKind.EMPLOYER)
    ana = make_user(name="Ana", role=Role.APPRENTICE, org=employer)
    mo = make_user(name="Mo", role=Role.MENTOR, org=employer)
    other = make_user(name="Other mentor", role=Role.MENTOR, org=employer)
    admin = make_user(name="Eve", role=Role.EMPLOYER, org=employer)
    enrolment = service.enrol(
        ana, PROGRAM, mentor=mo, employer=employer, start_date=date(2026, 9, 1), by=admin,
        today=TODAY, now=utcnow(),
    )  # fmt: skip
    db.session.commit()
    return {"ana": ana, "mo": mo, "other": other, "admin": admin, "enrolment": enrolment}


def draft(**changes) -> ojl.Draft:
    values = {
        "work_date": "2026-12-04",
        "hours": "6",
        "work_process": "maintenance",
        "competencies": ("SM.MAINT.1",),
        "description": "Greased the conveyor bearings on line 2.",
    }
    return ojl.Draft(**(values | changes))


def log(people, **changes):
    return service.log(
        people["enrolment"], PROGRAM, draft(**changes), by=people["ana"], today=TODAY, now=utcnow()
    )


def test_enrolment_links_the_mentor_to_the_apprentice(people):
    assert service.supervised_by(people["mo"]) == [people["enrolment"]]
    assert service.supervised_by(people["other"]) == []
    assert service.of_apprentice(people["ana"]) == [people["enrolment"]]
    with pytest.raises(Conflict, match="already enrolled"):
        service.enrol(
            people["ana"], PROGRAM, mentor=None, employer=None, start_date=TODAY,
            by=people["admin"], today=TODAY, now=utcnow(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "mentor", "says"),
    [("mo", "mo", "not an apprentice"), ("ana", "ana", "own mentor"),
     ("ana", "admin", "not an active mentor")],
)  # fmt: skip
def test_enrolment_refuses_the_wrong_people(people, who, mentor, says):
    with pytest.raises(InvalidInput, match=says):
        service.enrol(
            people[who], PROGRAM, mentor=people[mentor], employer=None, start_date=TODAY,
            by=people["admin"], today=TODAY, now=utcnow(),
        )  # fmt: skip


def test_only_approved_hours_count(people):
    first = log(people)
    second = log(people, work_process="data", competencies=(), hours="2:30")
    third = log(people, work_date="2026-12-05")
    service.review(first, "approved", "", by=people["mo"], version=1, now=utcnow())
    service.review(second, "rejected", "This was on the 3rd.", by=people["mo"], version=1,
                   now=utcnow())  # fmt: skip
    hours = service.hours(people["enrolment"])
    assert hours.approved == {"maintenance": 360}
    assert hours.pending == {"maintenance": 360} and third.status == "pending"
    assert service.queue(people["mo"]) == [third]
    assert second.review_comment == "This was on the 3rd." and second.reviewer_id == people["mo"].id


def test_a_day_over_24_hours_is_refused_and_rejected_hours_do_not_count_toward_it(people):
    log(people, hours="16")
    with pytest.raises(InvalidInput, match="already logged 16 h"):
        log(people, hours="9")
    rejected = log(people, hours="8")
    service.review(rejected, "rejected", "Not on that day.", by=people["mo"], version=1,
                   now=utcnow())  # fmt: skip
    assert log(people, hours="8").minutes == 480  # the rejected 8 h no longer take room


@pytest.mark.parametrize(
    ("who", "says"),
    [("ana", "Nobody signs off their own hours"), ("other", "Only the apprentice's mentor"),
     ("admin", "Only the apprentice's mentor")],
)  # fmt: skip
def test_only_the_assigned_mentor_signs_off(people, who, says):
    entry = log(people)
    with pytest.raises(PermissionDenied, match=says):
        service.review(entry, "approved", "", by=people[who], version=1, now=utcnow())
    assert entry.status == "pending"


def test_a_mentor_who_is_also_enrolled_cannot_approve_their_own_hours(people):
    """Even if someone were both: the apprentice's id decides, not the role."""
    entry = log(people)
    people["enrolment"].mentor_id = people["ana"].id  # as if assigned by a broken import
    with pytest.raises(PermissionDenied, match="Nobody signs off their own hours"):
        service.review(entry, "approved", "", by=people["ana"], version=1, now=utcnow())


def test_only_the_apprentice_logs_and_edits_their_hours(people):
    with pytest.raises(PermissionDenied):
        service.log(people["enrolment"], PROGRAM, draft(), by=people["mo"], today=TODAY,
                    now=utcnow())  # fmt: skip
    entry = log(people)
    with pytest.raises(PermissionDenied):
        service.edit(entry, PROGRAM, draft(hours="7"), by=people["mo"], version=1, today=TODAY,
                     now=utcnow())  # fmt: skip


def test_an_edit_after_approval_needs_approval_again_and_everything_is_audited(people):
    entry = log(people)
    service.review(entry, "approved", "Good work.", by=people["mo"], version=1, now=utcnow())
    service.edit(entry, PROGRAM, draft(hours="7"), by=people["ana"], version=2, today=TODAY,
                 now=utcnow())  # fmt: skip
    assert (entry.status, entry.minutes, entry.reviewer_id, entry.version) == (
        "pending",
        420,
        None,
        3,
    )
    assert service.hours(people["enrolment"]).approved == {}
    trail = service.history(entry)
    assert [c.action for c in trail] == ["logged", "approved", "edited"]
    assert trail[2].before["minutes"] == 360 and trail[2].before["status"] == "approved"
    assert trail[2].after["minutes"] == 420 and trail[2].actor_id == people["ana"].id
    assert trail[1].actor_id == people["mo"].id and trail[1].after["review_comment"] == "Good work."


def test_an_edit_that_changes_nothing_keeps_the_sign_off(people):
    entry = log(people)
    service.review(entry, "approved", "", by=people["mo"], version=1, now=utcnow())
    service.edit(entry, PROGRAM, draft(), by=people["ana"], version=2, today=TODAY, now=utcnow())
    assert entry.status == "approved" and len(service.history(entry)) == 2


def test_a_decision_on_an_older_version_is_refused(people):
    entry = log(people)
    service.edit(entry, PROGRAM, draft(hours="5"), by=people["ana"], version=1, today=TODAY,
                 now=utcnow())  # fmt: skip
    with pytest.raises(Conflict, match="changed since you opened it"):
        service.review(entry, "approved", "", by=people["mo"], version=1, now=utcnow())
    service.review(entry, "approved", "", by=people["mo"], version=2, now=utcnow())
    with pytest.raises(Conflict, match="already approved"):
        service.review(entry, "rejected", "Changed my mind.", by=people["mo"], version=3,
                       now=utcnow())  # fmt: skip


def test_a_withdrawn_entry_stops_counting_and_cannot_be_edited(people):
    entry = log(people)
    service.review(entry, "approved", "", by=people["mo"], version=1, now=utcnow())
    service.withdraw(entry, by=people["ana"], version=2, now=utcnow())
    assert service.hours(people["enrolment"]).approved == {}
    with pytest.raises(Conflict, match="withdrawn"):
        service.edit(entry, PROGRAM, draft(), by=people["ana"], version=3, today=TODAY,
                     now=utcnow())  # fmt: skip
    assert [c.action for c in service.history(entry)] == ["logged", "approved", "withdrawn"]


def test_a_broken_entry_saves_nothing(people):
    with pytest.raises(InvalidInput):
        log(people, work_process="welding")
    db.session.rollback()
    assert service.entries(people["enrolment"]) == []

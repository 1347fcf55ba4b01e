"""Apprenticeship pages over HTTP: logging hours, the mentor's sign-off, enrolment, the record,
and who may reach each of them."""

from __future__ import annotations

import html
import re
import shutil
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Apprenticeship, OjlEntry, Organization
from app.services import apprenticeships, programs
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, csrf_token, sign_in, sync_tree

TODAY = (utcnow() + timedelta(hours=14)).date()  # as the pages count "today"
WORKED = (TODAY - timedelta(days=2)).isoformat()


@pytest.fixture
def site(app, tmp_path):
    """The 'good' fixture tree with its demo program; Ana is enrolled, Mo mentors her."""
    root = tmp_path / "curriculum"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (root / "programs").mkdir()
    shutil.copy(FIXTURE_CURRICULA / "programs" / "good.yml", root / "programs" / "demo.yml")
    app.config["CURRICULUM_ROOT"] = str(root)
    with app.app_context():
        sync_tree(root)
        acme = factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
        elsewhere = factories.make_org(slug="elsewhere", kind=OrgKind.EMPLOYER)
        people = {
            "ana": factories.make_user(name="Ana Apprentice", role=Role.APPRENTICE, org=acme),
            "ben": factories.make_user(name="Ben Apprentice", role=Role.APPRENTICE, org=acme),
            "mo": factories.make_user(name="Mo Mentor", role=Role.MENTOR, org=acme),
            "max": factories.make_user(name="Max Mentor", role=Role.MENTOR, org=acme),
            "eve": factories.make_user(name="Eve Employer", role=Role.EMPLOYER, org=acme),
            "ian": factories.make_user(name="Ian Instructor", role=Role.INSTRUCTOR, org=acme),
            "zed": factories.make_user(name="Zed Employer", role=Role.EMPLOYER, org=elsewhere),
            "root": factories.make_user(name="Root Admin", role=Role.PLATFORM_ADMIN),
        }
        program = programs.get(root, "demo-program")
        enrolment = apprenticeships.enrol(
            people["ana"], program, mentor=people["mo"], employer=acme,
            start_date=TODAY - timedelta(days=60), by=people["eve"], today=TODAY, now=utcnow(),
        )  # fmt: skip
        db.session.commit()
        ids = {name: user.id for name, user in people.items()}
        ids["enrolment"] = enrolment.public_id
    return ids


def as_user(app, client, site, name):
    with app.app_context():
        sign_in(client, db.session.get(factories.User, site[name]))


def log_form(client, site, **changes):
    page = client.get(f"/apprenticeships/{site['enrolment']}/log")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "work_date": WORKED,
        "hours": "7:30",
        "work_process": "first",
        "competencies": ["MINI.A.1"],
        "description": "Changed the mould on press 4 with Mo watching.",
    } | changes
    return client.post(f"/apprenticeships/{site['enrolment']}/log", data=data)


def entries(app) -> list[OjlEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(OjlEntry).order_by(OjlEntry.id)))
        for entry in found:
            db.session.expunge(entry)
        return found


def text(response) -> str:
    """The page as read: tags gone, spaces collapsed."""
    plain = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(plain).split())


def test_the_apprentice_logs_hours_and_sees_them_wait_for_sign_off(app, client, site):
    as_user(app, client, site, "ana")
    assert client.get("/apprenticeship").location == f"/apprenticeships/{site['enrolment']}"
    done = log_form(client, site)
    assert done.status_code == 302
    [entry] = entries(app)
    assert (entry.minutes, entry.status, entry.competencies) == (450, "pending", ["MINI.A.1"])
    page = text(client.get(done.location))
    assert "Logged 7 h 30 min. Mo Mentor signs it off." in page
    assert "7 h 30 min waiting for sign-off" in page and "Waiting for sign-off" in page
    assert "Demo Technician" in page and "60 % of the journeyworker wage" in page
    assert re.search(r"Probation ends on \w+ \d+, \d{4}", page)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"work_date": (TODAY + timedelta(days=1)).isoformat()}, "not a future date"),
        ({"hours": "25"}, "at most 24"),
        ({"hours": "-3"}, "such as 7.5"),
        ({"work_process": "welding"}, "Not a valid choice|work processes"),
        ({"competencies": ["MINI.A.2"]}, "Not a competency of this work process"),
        ({"description": "did it"}, "a sentence or two"),
    ],
)
def test_a_bad_entry_is_refused_with_the_reason_and_nothing_is_saved(
    app, client, site, changes, says
):
    as_user(app, client, site, "ana")
    refused = log_form(client, site, **changes)
    assert refused.status_code == 422
    assert re.search(says, text(refused))
    assert entries(app) == []


def test_more_than_24_hours_in_a_day_across_entries_is_refused(app, client, site):
    as_user(app, client, site, "ana")
    assert log_form(client, site, hours="16").status_code == 302
    refused = log_form(client, site, hours="9")
    assert refused.status_code == 422 and "a day cannot hold more than 24 hours" in text(refused)


def review(client, entry, decision, comment="", version=None):
    page = client.get("/sign-off")
    return client.post(f"/ojl/{entry.public_id}/review", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "decision": decision,
        "comment": comment, "version": entry.version if version is None else version,
    })  # fmt: skip


def test_the_mentor_approves_one_and_rejects_one(app, client, site):
    as_user(app, client, site, "ana")
    log_form(client, site)
    log_form(client, site, work_process="second", competencies=[], hours="2")
    first, second = entries(app)
    mentor = app.test_client()
    as_user(app, mentor, site, "mo")
    queue = text(mentor.get("/sign-off"))
    assert "Waiting for you (2)" in queue and "Ana Apprentice · 7 h 30 min on" in queue
    assert review(mentor, first, "approved").status_code == 302
    no_reason = review(mentor, second, "rejected")
    assert "Say why" in text(mentor.get(no_reason.location))
    assert review(mentor, second, "rejected", "You were on leave that day.").status_code == 302
    assert [e.status for e in entries(app)] == ["approved", "rejected"]
    page = text(client.get(f"/apprenticeships/{site['enrolment']}"))
    assert "7 h 30 min approved" in page
    assert "You were on leave that day." in text(client.get(f"/ojl/{second.public_id}"))


@pytest.mark.parametrize("who", ["ana", "max", "eve", "root"])
def test_nobody_but_the_assigned_mentor_signs_off(app, client, site, who):
    as_user(app, client, site, "ana")
    log_form(client, site)
    [entry] = entries(app)
    other = app.test_client()
    as_user(app, other, site, who)
    token = csrf_token(other.get("/account/").get_data(as_text=True))
    response = other.post(f"/ojl/{entry.public_id}/review", data={
        "csrf_token": token, "decision": "approved", "version": 1,
    })  # fmt: skip
    assert response.status_code == 403
    assert entries(app)[0].status == "pending"


def test_an_approved_entry_edited_needs_approval_again_and_shows_its_history(app, client, site):
    as_user(app, client, site, "ana")
    log_form(client, site)
    [entry] = entries(app)
    mentor = app.test_client()
    as_user(app, mentor, site, "mo")
    review(mentor, entry, "approved", "Well done.")
    form = client.get(f"/ojl/{entry.public_id}/edit")
    assert 'value="7:30"' in form.get_data(as_text=True)  # hours as typed
    edited = client.post(f"/ojl/{entry.public_id}/edit", data={
        "csrf_token": csrf_token(form.get_data(as_text=True)), "work_date": WORKED, "hours": "6",
        "work_process": "first", "description": "Changed the mould on press 4, six hours.",
        "version": 2,
    })  # fmt: skip
    assert edited.status_code == 302
    [entry] = entries(app)
    assert (entry.status, entry.minutes) == ("pending", 360)
    history = text(client.get(f"/ojl/{entry.public_id}"))
    assert history.index("Logged") < history.index("Approved") < history.index("Edited")
    assert "Hours: 7 h 30 min → 6 h" in history
    stale = review(mentor, entry, "approved", version=2)  # opened before the edit
    assert "changed since you opened it" in text(mentor.get(stale.location))


@pytest.mark.parametrize(
    ("who", "status"),
    [("ana", 200), ("mo", 200), ("eve", 200), ("root", 200), ("ian", 200), ("ben", 403),
     ("max", 403), ("zed", 403)],
)  # fmt: skip
def test_who_sees_an_apprenticeship(app, client, site, who, status):
    as_user(app, client, site, who)
    for path in ("", "/record"):
        assert client.get(f"/apprenticeships/{site['enrolment']}{path}").status_code == status
    logging = client.get(f"/apprenticeships/{site['enrolment']}/log").status_code
    assert logging == (200 if who == "ana" else 403)


def test_program_staff_enrol_an_apprentice_of_their_organization(app, client, site):
    as_user(app, client, site, "eve")
    page = client.get("/apprenticeships/new")
    body = page.get_data(as_text=True)
    assert "Ben Apprentice" in body and "Demo Technician" in body and "Zed" not in body
    with app.app_context():
        ben, mo = site["ben"], site["mo"]
    assert re.search(r'<option selected value="\d+">Acme Plastics</option>', body)  # their own
    with app.app_context():
        acme = db.session.scalar(select(Organization).where(Organization.slug == "acme")).id
    done = client.post("/apprenticeships/new", data={
        "csrf_token": csrf_token(body), "apprentice": ben, "program": "demo-program",
        "mentor": mo, "employer": acme, "start_date": TODAY.isoformat(),
    })  # fmt: skip
    assert done.status_code == 302
    with app.app_context():
        enrolment = db.session.scalar(
            select(Apprenticeship).where(Apprenticeship.apprentice_id == ben)
        )
        assert enrolment.mentor_id == mo and enrolment.start_date == TODAY
        assert enrolment.employer_id == acme
    again = client.post("/apprenticeships/new", data={
        "csrf_token": csrf_token(body), "apprentice": ben, "program": "demo-program",
        "mentor": mo, "employer": acme, "start_date": TODAY.isoformat(),
    })  # fmt: skip
    assert again.status_code == 422 and "already enrolled" in text(again)


def test_the_mentor_dashboard_lists_their_apprentices(app, client, site):
    as_user(app, client, site, "mo")
    page = text(client.get("/sign-off"))
    assert "Ana Apprentice" in page and "Demo Technician" in page
    as_user(app, client, site, "max")
    assert "No apprentice is assigned to you yet" in text(client.get("/sign-off"))


def test_the_printable_record_lists_approved_hours_only(app, client, site):
    as_user(app, client, site, "ana")
    log_form(client, site)
    log_form(client, site, work_date=(date.fromisoformat(WORKED) - timedelta(days=1)).isoformat())
    first, _ = entries(app)
    mentor = app.test_client()
    as_user(app, mentor, site, "mo")
    review(mentor, first, "approved")
    record = text(client.get(f"/apprenticeships/{site['enrolment']}/record"))
    assert "Apprentice record" in record and "Sponsor's signature" in record
    assert record.count("Mo Mentor, ") == 1  # one approved line, signed off by Mo
    assert "RAPIDS 0926HY V1" in record
    raw = client.get(f"/apprenticeships/{site['enrolment']}/record").get_data(as_text=True)
    assert re.search(r'href="[^"]*css/print.css" media="print"', raw)


def test_dashboards_show_the_apprenticeship_to_each_party(app, client, site):
    as_user(app, client, site, "ana")
    log_form(client, site)
    mine = text(client.get("/dashboard"))
    assert "Your apprenticeship" in mine and "Demo Technician" in mine
    assert "0 h approved of 2,000 h · 7 h 30 min waiting" in mine
    mentor = app.test_client()
    as_user(app, mentor, site, "mo")
    board = text(mentor.get("/dashboard"))
    assert "Your apprentices" in board and "1 entry waiting for your sign-off" in board
    assert "Ana Apprentice · Demo Technician" in board
    employer = app.test_client()
    as_user(app, employer, site, "eve")
    board = text(employer.get("/dashboard"))
    assert "Apprenticeships" in board and "Ana Apprentice" in board
    assert "Enrol an apprentice" in board
    other = app.test_client()
    as_user(app, other, site, "max")
    assert "No apprentice is assigned to you yet" in text(other.get("/dashboard"))


@pytest.mark.parametrize(("who", "status"), [("ian", 200), ("root", 200), ("mo", 403), ("ana", 403),
                                             ("eve", 403)])  # fmt: skip
def test_instructors_of_the_apprentices_organization_record_attendance(app, client, site, who,
                                                                        status):  # fmt: skip
    as_user(app, client, site, who)
    page = client.get(f"/apprenticeships/{site['enrolment']}/attendance")
    assert page.status_code == status
    if status != 200:
        return
    body = page.get_data(as_text=True)
    refused = client.post(f"/apprenticeships/{site['enrolment']}/attendance", data={
        "csrf_token": csrf_token(body), "course": "demo-course", "session_date": WORKED,
        "hours": "30", "topic": "Ladder logic lab",
    })  # fmt: skip
    assert refused.status_code == 422 and "at most 24" in text(refused)
    done = client.post(f"/apprenticeships/{site['enrolment']}/attendance", data={
        "csrf_token": csrf_token(body), "course": "demo-course", "session_date": WORKED,
        "hours": "3", "topic": "Ladder logic lab",
    })  # fmt: skip
    assert done.status_code == 302
    page = text(client.get(done.location))
    assert "Ladder logic lab" in page and "3 h attended" in page
    assert "Program year 1: 3 hours of 144 planned" in page


def test_the_record_downloads_as_a_pdf_with_the_approved_hours(app, client, site):
    as_user(app, client, site, "ana")
    log_form(client, site)
    [entry] = entries(app)
    mentor = app.test_client()
    as_user(app, mentor, site, "mo")
    review(mentor, entry, "approved")
    response = client.get(f"/apprenticeships/{site['enrolment']}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.data.startswith(b"%PDF-")
    other = app.test_client()
    as_user(app, other, site, "ben")
    assert other.get(f"/apprenticeships/{site['enrolment']}/record.pdf").status_code == 403


def test_without_its_fonts_the_pdf_says_why_and_the_page_remains(
    app, client, site, monkeypatch, tmp_path
):
    from app.services import record_pdf

    monkeypatch.setattr(record_pdf.build, "__kwdefaults__", {"font_dir": tmp_path})
    as_user(app, client, site, "ana")
    response = client.get(f"/apprenticeships/{site['enrolment']}/record.pdf")
    assert response.status_code == 302
    assert "install fonts-dejavu-core" in text(client.get(response.location))

"""xAPI statements of quiz answers, lab grades, lessons and OJL sign-offs: valid by the xAPI
1.0.3 rules, deterministic, scoped to an organization or a learner, and free of emails."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.domain import ojl
from app.domain.roles import OrgKind, Role
from app.errors import InvalidInput
from app.extensions import db
from app.models import Lesson, LessonCompletion, Question, QuizAttempt
from app.models.labs import LabSubmission
from app.services import apprenticeships, exports_xapi
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.factories import make_org, make_user
from tests.services.test_apprenticeships import PROGRAM
from tests.services.test_exports_xapi_rules import validate

BASE = "https://learn.example.org"
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def records(ctx):
    sync_tree(FIXTURE_CURRICULA / "good")
    home = make_org(slug="home", kind=OrgKind.EMPLOYER)
    away = make_org(slug="away")
    ana = make_user(name="Ana Lima", role=Role.APPRENTICE, org=home, email="ana@plant.example")
    mo = make_user(name="Mo", role=Role.MENTOR, org=home)
    boss = make_user(role=Role.EMPLOYER, org=home)
    zed = make_user(name="Zed", role=Role.APPRENTICE, org=away)
    question = db.session.scalars(select(Question).order_by(Question.id)).first()
    lesson = db.session.scalars(select(Lesson).order_by(Lesson.id)).first()
    for learner, score in ((ana, 0.75), (zed, 1.0)):
        db.session.add(
            QuizAttempt(
                user_id=learner.id,
                question_id=question.id,
                answer=["a"],
                correct=score == 1.0,
                score=score,
                content_version="v1",
                created_at=AT,
            )
        )
        db.session.add(LessonCompletion(user_id=learner.id, lesson_id=lesson.id, completed_at=AT))
    db.session.add(
        LabSubmission(
            user_id=ana.id,
            lab_slug="lab-demo",
            course_id=lesson.course_id,
            seed=1,
            notebook="{}",
            status="graded",
            total=3.0,
            maximum=4.0,
            attempt=2,
            finished_at=AT,
        )
    )
    db.session.add(
        LabSubmission(user_id=ana.id, lab_slug="lab-demo", seed=1, notebook="{}", status="queued")
    )
    enrolment = apprenticeships.enrol(
        ana,
        PROGRAM,
        mentor=mo,
        employer=home,
        start_date=date(2026, 9, 1),
        by=boss,
        today=date(2026, 12, 6),
        now=AT,
    )
    entries = []
    for hours in ("6:30", "2"):
        draft = ojl.Draft(
            work_date="2026-12-04",
            hours=hours,
            work_process="maintenance",
            competencies=(),
            description="Greased the conveyor bearings.",
        )
        entries.append(
            apprenticeships.log(enrolment, PROGRAM, draft, by=ana, today=date(2026, 12, 6), now=AT)
        )
    apprenticeships.review(entries[0], "approved", "", by=mo, version=1, now=AT)
    db.session.commit()
    return {"ana": ana, "mo": mo, "zed": zed, "home": home, "away": away, "entry": entries[0]}


def export(**scope) -> list[dict]:
    return list(exports_xapi.statements(exports_xapi.Scope(**scope), base_url=BASE))


def by_verb(statements, verb: str) -> list[dict]:
    return [s for s in statements if s["verb"]["id"].endswith(f"/{verb}")]


def test_every_statement_kind_is_valid_xapi(records):
    found = export()
    kinds = {s["object"]["definition"]["type"].rsplit("/", 1)[-1] for s in found}
    assert kinds == {"cmi.interaction", "performance", "lesson", "ojl-entry"}
    for statement in found:
        assert validate(statement) == [], statement


def test_a_quiz_answer_is_answered_with_its_score_and_lesson(records):
    (answer,) = by_verb(export(learner=records["ana"]), "answered")
    assert answer["verb"] == {
        "id": "http://adlnet.gov/expapi/verbs/answered",
        "display": {"en": "answered"},
    }
    assert answer["result"] == {"score": {"scaled": 0.75}, "success": False, "completion": True}
    assert answer["object"]["definition"]["interactionType"] in ("choice", "numeric", "sequencing")
    parent = answer["context"]["contextActivities"]["parent"][0]["id"]
    assert parent.startswith(f"{BASE}/xapi/activities/lesson/")
    assert answer["context"]["contextActivities"]["grouping"][0]["id"] == (
        f"{BASE}/xapi/activities/course/demo-course"
    )
    assert answer["context"]["platform"] == "Shopfloor" and answer["context"]["language"] == "en"
    assert answer["timestamp"] == "2026-12-01T09:30:00.000+00:00"


def test_a_lab_grade_is_scored_with_raw_and_scaled_scores(records):
    (grade,) = by_verb(export(learner=records["ana"]), "scored")  # the queued one is not
    assert grade["result"]["score"] == {"scaled": 0.75, "raw": 3.0, "min": 0, "max": 4.0}
    assert "success" not in grade["result"]  # labs have no pass mark to succeed by
    assert grade["object"]["id"] == f"{BASE}/xapi/activities/lab/lab-demo"


def test_a_signed_off_entry_is_completed_with_its_hours_and_mentor(records):
    (signed,) = [s for s in export() if "ojl-entry" in s["object"]["id"]]  # not the pending one
    assert signed["object"]["id"] == f"{BASE}/xapi/activities/ojl-entry/{records['entry'].id}"
    assert signed["result"]["duration"] == "PT6H30M" and signed["result"]["success"] is True
    assert signed["result"]["extensions"] == {f"{BASE}/xapi/extensions/ojl-hours": 6.5}
    assert signed["context"]["instructor"]["account"]["name"] == str(records["mo"].id)
    assert signed["context"]["extensions"] == {f"{BASE}/xapi/extensions/work-date": "2026-12-04"}
    assert "language" not in signed["context"]
    parent = signed["context"]["contextActivities"]["parent"][0]["id"]
    assert parent == f"{BASE}/xapi/activities/work-process/smt/maintenance"


def test_statements_are_deterministic_and_distinct(records):
    first, second = export(), export()
    assert first == second
    ids = [s["id"] for s in first]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 5 for i in ids)
    other_site = exports_xapi.statements(exports_xapi.Scope(), base_url="https://other.example")
    assert not set(ids) & {s["id"] for s in other_site}  # two sites never share an id


def test_an_edit_after_approval_makes_the_next_sign_off_a_new_statement(records):
    entry = records["entry"]
    before = [s["id"] for s in export() if "ojl-entry" in s["object"]["id"]]
    draft = ojl.Draft(
        work_date="2026-12-04",
        hours="7",
        work_process="maintenance",
        competencies=(),
        description="Greased the conveyor bearings.",
    )
    apprenticeships.edit(
        entry,
        PROGRAM,
        draft,
        by=records["ana"],
        version=entry.version,
        today=date(2026, 12, 6),
        now=AT,
    )
    assert [s for s in export() if "ojl-entry" in s["object"]["id"]] == []  # pending again
    apprenticeships.review(entry, "approved", "", by=records["mo"], version=entry.version, now=AT)
    after = [s["id"] for s in export() if "ojl-entry" in s["object"]["id"]]
    assert len(after) == 1 and after != before


def test_actors_are_accounts_on_the_site_and_no_email_is_exported(records):
    found = export()
    assert {s["actor"]["account"]["homePage"] for s in found} == {BASE}
    assert "@" not in json.dumps(found)


def test_an_organization_gets_its_own_learners_only(records):
    """A college gets its learners; an employer ("home") only those who share with it."""
    from app.database import utcnow
    from app.services import consents

    assert export(org=records["home"]) == []  # Ana has not shared her progress with it
    consents.grant(records["ana"], records["home"], now=utcnow())
    home = {s["actor"]["account"]["name"] for s in export(org=records["home"])}
    away = {s["actor"]["account"]["name"] for s in export(org=records["away"])}
    assert home == {str(records["ana"].id)} and away == {str(records["zed"].id)}
    consents.withdraw(records["ana"], records["home"], now=utcnow())
    assert export(org=records["home"]) == []


def test_since_leaves_out_what_happened_before(records):
    assert export(since=exports_xapi.parse_since("2026-12-02")) == []
    assert len(export(since=exports_xapi.parse_since("2026-12-01"))) == len(export())
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        exports_xapi.parse_since("yesterday")


def test_json_lines_are_one_statement_per_line(records):
    lines = list(exports_xapi.json_lines(export()))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [json.loads(line) for line in lines] == export()

"""Judgements as evidence: rubric assessments, mentors' observations, approved OJL entries and
recognised prior learning, each with its kind, level and assessor, and mastery following."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.content.programs import Program, WorkProcess
from app.database import utcnow
from app.domain import assessments as rules
from app.domain import ojl
from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db
from app.models import (
    Assessment,
    Competency,
    CompetencyEvidence,
    Framework,
    MasteryState,
    PriorLearningClaim,
)
from app.services import apprenticeships, assessments, prior_learning
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.factories import make_org, make_user

TODAY = date(2026, 12, 6)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
PROGRAM = Program(
    id="mini-program",
    title="Mini program",
    occupation="Tester",
    onet_soc_code="49-9041.00",
    approach="hybrid",
    description="A test program.",
    framework="mini",
    work_processes=(WorkProcess("wp", "Work", min_hours=10, competencies=("MINI.A.1",)),),
)


@pytest.fixture
def site(ctx):
    sync_tree(FIXTURE_CURRICULA / "good")
    college = make_org(slug="college")
    employer = make_org(slug="acme", kind=OrgKind.EMPLOYER)
    people = {
        "ana": make_user(name="Ana", org=college),
        "ian": make_user(name="Ian", role=Role.INSTRUCTOR, org=college),
        "pam": make_user(name="Pam", role=Role.PARTNER_ADMIN, org=college),
        "olga": make_user(name="Olga", role=Role.INSTRUCTOR, org=employer),  # another org
        "mo": make_user(name="Mo", role=Role.MENTOR, org=employer),
        "max": make_user(name="Max", role=Role.MENTOR, org=employer),  # not Ana's mentor
        "eve": make_user(name="Eve", role=Role.EMPLOYER, org=employer),
    }
    people["enrolment"] = apprenticeships.enrol(
        people["ana"], PROGRAM, mentor=people["mo"], employer=employer,
        start_date=date(2026, 9, 1), by=people["eve"], today=TODAY, now=utcnow(),
    )  # fmt: skip
    people["framework"] = db.session.scalar(select(Framework).where(Framework.slug == "mini"))
    db.session.commit()
    return people


def draft(**changes) -> rules.Draft:
    values = {
        "competency": "MINI.A.1",
        "level": "2",
        "subject": "Practical task: wiring a sensor",
        "note": "Did it unaided.",
        "occurred_on": "2026-12-04",
    }
    return rules.Draft(**(values | changes))


def evidence_of(user, kind):
    query = select(CompetencyEvidence).where(
        CompetencyEvidence.user_id == user.id, CompetencyEvidence.source_kind == kind
    )
    return list(db.session.scalars(query))


def state(user, code="MINI.A.1"):
    competency = db.session.scalar(select(Competency).where(Competency.code == code))
    return db.session.get(MasteryState, (user.id, competency.id))


def require_sources(framework, *requirements):
    """Make MINI.A.1's level 2 (mastery) ask for these sources besides its score."""
    framework.mastery = {
        **framework.mastery,
        "competencies": {"MINI.A.1": {"requires": [[2, list(requirements)]]}},
    }
    db.session.flush()


# -- rubric assessments ---------------------------------------------------------------------------


def test_rubric_assessment_is_evidence_with_its_level_score_and_assessor(site):
    row = assessments.assess(
        site["ana"], site["framework"], draft(score="85"), by=site["ian"], today=TODAY,
        now=utcnow(),
    )  # fmt: skip
    (piece,) = evidence_of(site["ana"], "rubric")
    assert (piece.level, piece.score, piece.assessor_id) == (2, 0.85, site["ian"].id)
    assert (piece.purpose, piece.source_ref) == ("assessment", f"rubric#{row.id}")
    assert piece.content_version == site["framework"].version
    assert state(site["ana"]).level == 2 and state(site["ana"]).mastered


def test_a_rubric_level_alone_is_believed_and_moves_no_value(site):
    """The instructor's judgement gives its level (the framework's thresholds stand aside
    for it); with no score, the method's value stays empty."""
    require_sources(site["framework"], {"source": "rubric", "min_level": 2})
    assessments.assess(
        site["ana"], site["framework"], draft(level="2"), by=site["ian"], today=TODAY,
        now=utcnow(),
    )  # fmt: skip
    assert state(site["ana"]).value is None and state(site["ana"]).level == 2
    assessments.assess(
        site["ana"], site["framework"], draft(level="1", score="90"), by=site["ian"],
        today=TODAY, now=utcnow(),
    )  # fmt: skip
    assert state(site["ana"]).level == 2 and state(site["ana"]).value == pytest.approx(0.9)


@pytest.mark.parametrize("who", ["ana", "olga", "mo", "eve", "pam"])
def test_only_instructors_of_the_learners_organization_assess(site, who):
    with pytest.raises(PermissionDenied):
        assessments.assess(
            site["ana"], site["framework"], draft(), by=site[who], today=TODAY, now=utcnow()
        )
    assert db.session.scalar(select(Assessment)) is None
    assert evidence_of(site["ana"], "rubric") == []


def test_platform_admins_assess_anyone(site):
    admin = make_user(role=Role.PLATFORM_ADMIN)
    assessments.assess(site["ana"], site["framework"], draft(), by=admin, today=TODAY, now=utcnow())
    assert len(evidence_of(site["ana"], "rubric")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": "5"}, "level"),
        ({"level": "0"}, "level"),
        ({"level": "two"}, "level"),
        ({"competency": "NOPE.1"}, "competency"),
        ({"competency": "MINI.A"}, "competency"),  # a domain, not a competency
        ({"occurred_on": "2026-12-07"}, "occurred_on"),
        ({"occurred_on": "yesterday"}, "occurred_on"),
        ({"score": "120"}, "score"),
        ({"score": "-1"}, "score"),
        ({"subject": ""}, "subject"),
    ],
)
def test_bad_rubric_input_is_located_and_nothing_is_saved(site, changes, field):
    with pytest.raises(InvalidInput) as raised:
        assessments.assess(
            site["ana"], site["framework"], draft(**changes), by=site["ian"], today=TODAY,
            now=utcnow(),
        )  # fmt: skip
    assert raised.value.field == field
    assert db.session.scalar(select(Assessment)) is None


# -- observations on the job ----------------------------------------------------------------------


def test_mentor_observation_is_evidence_and_meets_an_observation_requirement(site):
    require_sources(site["framework"], {"source": "observation", "min_level": 2})
    assessments.assess(
        site["ana"], site["framework"], draft(score="90"), by=site["ian"], today=TODAY,
        now=utcnow(),
    )  # fmt: skip
    assert not state(site["ana"]).mastered  # the score is there; the mentor has not seen it
    row = assessments.observe(
        site["enrolment"], site["framework"], draft(), by=site["mo"], today=TODAY, now=utcnow()
    )
    (piece,) = evidence_of(site["ana"], "observation")
    assert (piece.level, piece.score, piece.assessor_id) == (2, None, site["mo"].id)
    assert piece.source_ref == f"observation#{row.id}"
    assert row.apprenticeship_id == site["enrolment"].id
    assert state(site["ana"]).mastered
    assert assessments.observations(site["enrolment"]) == [row]


@pytest.mark.parametrize("who", ["max", "ana", "ian", "eve"])
def test_only_the_apprentices_mentor_observes(site, who):
    with pytest.raises(PermissionDenied):
        assessments.observe(
            site["enrolment"], site["framework"], draft(), by=site[who], today=TODAY,
            now=utcnow(),
        )  # fmt: skip
    assert evidence_of(site["ana"], "observation") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"score": "80"}, "score"),  # observations are levels, not marks
        ({"occurred_on": "2026-08-31"}, "occurred_on"),  # before the apprenticeship
        ({"occurred_on": "2026-12-25"}, "occurred_on"),
        ({"level": "3"}, "level"),  # the mini framework has two levels
    ],
)
def test_bad_observation_input_is_located(site, changes, field):
    with pytest.raises(InvalidInput) as raised:
        assessments.observe(
            site["enrolment"], site["framework"], draft(**changes), by=site["mo"], today=TODAY,
            now=utcnow(),
        )  # fmt: skip
    assert raised.value.field == field
    assert db.session.scalar(select(Assessment)) is None


# -- approved OJL entries -------------------------------------------------------------------------


def log_entry(site):
    return apprenticeships.log(
        site["enrolment"],
        PROGRAM,
        ojl.Draft("2026-12-04", "6", "wp", ("MINI.A.1",), "Wired the proximity sensor."),
        by=site["ana"],
        today=TODAY,
        now=utcnow(),
    )


def test_an_approved_entry_is_ojl_evidence_and_an_edit_takes_it_back(site):
    require_sources(site["framework"], {"source": "ojl"})
    assessments.assess(
        site["ana"], site["framework"], draft(score="90"), by=site["ian"], today=TODAY,
        now=utcnow(),
    )  # fmt: skip
    entry = log_entry(site)
    assert evidence_of(site["ana"], "ojl") == [] and not state(site["ana"]).mastered
    apprenticeships.review(
        entry, ojl.APPROVED, "", by=site["mo"], version=1, now=utcnow(), program=PROGRAM
    )
    (piece,) = evidence_of(site["ana"], "ojl")
    assert (piece.source_ref, piece.assessor_id) == (f"ojl#{entry.id}", site["mo"].id)
    assert (piece.purpose, piece.level, piece.score) == ("assessment", 1, None)
    assert state(site["ana"]).mastered

    changed = ojl.Draft("2026-12-04", "7", "wp", ("MINI.A.1",), "Wired the proximity sensor.")
    apprenticeships.edit(
        entry, PROGRAM, changed, by=site["ana"], version=2, today=TODAY, now=utcnow()
    )
    assert entry.status == ojl.PENDING
    assert evidence_of(site["ana"], "ojl") == []
    assert not state(site["ana"]).mastered  # mastery follows the evidence away


def test_a_withdrawn_entry_gives_no_evidence_and_a_rejected_one_never_did(site):
    entry = log_entry(site)
    apprenticeships.review(
        entry, ojl.APPROVED, "", by=site["mo"], version=1, now=utcnow(), program=PROGRAM
    )
    assert len(evidence_of(site["ana"], "ojl")) == 1
    apprenticeships.withdraw(entry, by=site["ana"], version=2, now=utcnow())
    assert evidence_of(site["ana"], "ojl") == []
    other = log_entry(site)
    apprenticeships.review(
        other, ojl.REJECTED, "Not that day.", by=site["mo"], version=1, now=utcnow(),
        program=PROGRAM,
    )  # fmt: skip
    assert evidence_of(site["ana"], "ojl") == []


def test_ojl_evidence_alone_does_not_move_a_score_based_level(site):
    """Approved hours say the work was done, not how well: no rule asks, nothing changes."""
    entry = log_entry(site)
    apprenticeships.review(
        entry, ojl.APPROVED, "", by=site["mo"], version=1, now=utcnow(), program=PROGRAM
    )
    assert state(site["ana"]).level is None and state(site["ana"]).assessed == 1


# -- recognised prior learning --------------------------------------------------------------------


def submit(site, by="ana", name="certificate.png", data=PNG, code="MINI.A.1", statement=None):
    return prior_learning.claim(
        site["ana"],
        site["framework"],
        code,
        "Certified by the state in 2024." if statement is None else statement,
        prior_learning.Upload(name, io.BytesIO(data)),
        by=site[by],
        folder=site["folder"],
        now=utcnow(),
    )


@pytest.fixture
def rpl(site, tmp_path):
    site["folder"] = tmp_path / "prior-learning"
    return site


def test_accepted_prior_learning_is_evidence_at_the_level_given(rpl):
    found = submit(rpl)
    stored = rpl["folder"] / found.stored_name
    assert stored.read_bytes() == PNG and found.media_type == "image/png"
    assert found.stored_name != "certificate.png" and found.file_name == "certificate.png"
    prior_learning.review(found, "accept", level="2", reason="", by=rpl["pam"], now=utcnow())
    (piece,) = evidence_of(rpl["ana"], "prior")
    assert (piece.level, piece.assessor_id, piece.source_ref) == (
        2,
        rpl["pam"].id,
        f"prior#{found.id}",
    )
    assert found.status == "accepted"


def test_a_rejected_claim_needs_a_reason_and_gives_no_evidence(rpl):
    found = submit(rpl, by="ian", name="transcript.pdf", data=PDF)  # staff on her behalf
    assert found.submitted_by_id == rpl["ian"].id and found.learner_id == rpl["ana"].id
    with pytest.raises(InvalidInput) as raised:
        prior_learning.review(found, "reject", level=None, reason=" ", by=rpl["ian"], now=utcnow())
    assert raised.value.field == "reason"
    prior_learning.review(
        found, "reject", level=None, reason="Unsigned.", by=rpl["ian"], now=utcnow()
    )
    assert found.status == "rejected" and evidence_of(rpl["ana"], "prior") == []
    with pytest.raises(Conflict):
        prior_learning.review(found, "accept", level="1", reason="", by=rpl["ian"], now=utcnow())


@pytest.mark.parametrize("who", ["ana", "olga", "mo", "eve"])
def test_only_reviewers_of_the_learners_organization_decide_a_claim(rpl, who):
    found = submit(rpl)
    with pytest.raises(PermissionDenied):
        prior_learning.review(found, "accept", level="2", reason="", by=rpl[who], now=utcnow())
    assert found.status == "pending" and evidence_of(rpl["ana"], "prior") == []


def test_nobody_claims_for_someone_they_do_not_review(rpl):
    with pytest.raises(PermissionDenied):
        submit(rpl, by="olga")
    assert db.session.scalar(select(PriorLearningClaim)) is None


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("certificate.png", PDF, "not the PNG"),  # a PDF named .png
        ("notes.txt", b"hello", "PDF, PNG or JPEG"),
        ("page.html", b"<html><script>alert(1)</script>", "PDF, PNG or JPEG"),
        ("scan.pdf", b"<html>%PDF-", "not the PDF"),
        ("big.pdf", b"%PDF-" + b"0" * rules.MAX_DOCUMENT_BYTES, "larger than 5 MB"),
        ("empty.pdf", b"", "Attach"),
    ],
)
def test_bad_documents_are_refused_on_the_document_field(rpl, name, data, says):
    with pytest.raises(InvalidInput, match=says) as raised:
        submit(rpl, name=name, data=data)
    assert raised.value.field == "document"
    assert not rpl["folder"].exists() or not any(rpl["folder"].iterdir())


def test_claim_needs_a_statement_and_a_known_competency(rpl):
    with pytest.raises(InvalidInput) as raised:
        submit(rpl, statement="  ")
    assert raised.value.field == "statement"
    with pytest.raises(InvalidInput) as raised:
        submit(rpl, code="NOPE")
    assert raised.value.field == "competency"


def test_the_learner_withdraws_a_pending_claim_and_reviewers_see_what_waits(rpl):
    found = submit(rpl)
    assert prior_learning.waiting_for(rpl["pam"]) == [found]
    assert prior_learning.waiting_for(rpl["olga"]) == []
    with pytest.raises(PermissionDenied):
        prior_learning.withdraw(found, by=rpl["pam"], now=utcnow())
    prior_learning.withdraw(found, by=rpl["ana"], now=utcnow())
    assert found.status == "withdrawn" and prior_learning.waiting_for(rpl["pam"]) == []


def test_judgements_older_than_a_year_are_refused(site):
    old = (TODAY - timedelta(days=400)).isoformat()
    with pytest.raises(InvalidInput, match="prior learning"):
        assessments.assess(
            site["ana"], site["framework"], draft(occurred_on=old), by=site["ian"], today=TODAY,
            now=utcnow(),
        )  # fmt: skip


# -- withdrawing a judgement made in error ---------------------------------------------------


def test_a_withdrawn_assessment_stops_counting_and_stays_on_record(site):
    row = assessments.assess(
        site["ana"], site["framework"], draft(score="90"), by=site["ian"], today=TODAY,
        now=utcnow(),
    )  # fmt: skip
    assert state(site["ana"]).mastered
    with pytest.raises(InvalidInput) as raised:
        assessments.withdraw(row, "  ", by=site["ian"], now=utcnow())
    assert raised.value.field == "reason"
    assessments.withdraw(row, "Recorded for the wrong learner.", by=site["ian"], now=utcnow())
    assert evidence_of(site["ana"], "rubric") == []
    assert not state(site["ana"]).mastered
    assert (row.withdrawn_by_id, row.withdrawn_reason) == (
        site["ian"].id,
        "Recorded for the wrong learner.",
    )
    assert assessments.of_learner(site["ana"]) == [row]  # still listed, marked withdrawn
    with pytest.raises(Conflict):
        assessments.withdraw(row, "Again.", by=site["ian"], now=utcnow())


@pytest.mark.parametrize("who", ["ana", "pam", "mo", "olga"])
def test_only_its_author_withdraws_a_judgement(site, who):
    row = assessments.observe(
        site["enrolment"], site["framework"], draft(), by=site["mo"], today=TODAY, now=utcnow()
    )
    if who == "mo":
        assessments.withdraw(row, "Wrong day.", by=site["mo"], now=utcnow())
        assert evidence_of(site["ana"], "observation") == []
        return
    with pytest.raises(PermissionDenied):
        assessments.withdraw(row, "Not mine to withdraw.", by=site[who], now=utcnow())
    assert row.withdrawn_at is None and len(evidence_of(site["ana"], "observation")) == 1

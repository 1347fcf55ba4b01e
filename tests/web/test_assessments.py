"""Rubric assessments, mentors' observations, OJL approval as evidence and prior-learning
claims over HTTP: who may do each, located errors, and nothing saved on a refusal."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Assessment, CompetencyEvidence, OjlEntry, PriorLearningClaim
from app.services import apprenticeships, programs
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, csrf_token, sign_in, submit, sync_tree
from tests.web.test_apprenticeship import text

TODAY = (utcnow() + timedelta(hours=14)).date()
DAY = (TODAY - timedelta(days=1)).isoformat()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def site(app, tmp_path):
    """Ana (apprentice) and Ian (instructor) at Acme; Mo mentors Ana; Olga teaches elsewhere."""
    root = tmp_path / "curriculum"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (root / "programs").mkdir()
    shutil.copy(FIXTURE_CURRICULA / "programs" / "good.yml", root / "programs" / "demo.yml")
    app.config["CURRICULUM_ROOT"] = str(root)
    with app.app_context():
        sync_tree(root)
        acme = factories.make_org(slug="acme", kind=OrgKind.EMPLOYER)
        elsewhere = factories.make_org(slug="elsewhere")
        people = {
            "ana": factories.make_user(name="Ana Apprentice", org=acme),
            "ian": factories.make_user(name="Ian Instructor", role=Role.INSTRUCTOR, org=acme),
            "pam": factories.make_user(name="Pam Partner", role=Role.PARTNER_ADMIN, org=acme),
            "mo": factories.make_user(name="Mo Mentor", role=Role.MENTOR, org=acme),
            "max": factories.make_user(name="Max Mentor", role=Role.MENTOR, org=acme),
            "eve": factories.make_user(name="Eve Employer", role=Role.EMPLOYER, org=acme),
            "olga": factories.make_user(name="Olga", role=Role.INSTRUCTOR, org=elsewhere),
            "root": factories.make_user(name="Root", role=Role.PLATFORM_ADMIN),
        }
        enrolment = apprenticeships.enrol(
            people["ana"], programs.get(root, "demo-program"), mentor=people["mo"],
            employer=acme, start_date=TODAY - timedelta(days=60), by=people["eve"],
            today=TODAY, now=utcnow(),
        )  # fmt: skip
        db.session.commit()
        ids = {name: user.id for name, user in people.items()}
        ids["enrolment"] = enrolment.public_id
        ids["ana_ref"] = people["ana"].public_id  # what addresses carry
    return ids


def as_user(app, client, site, name):
    with app.app_context():
        sign_in(client, db.session.get(factories.User, site[name]))


def count(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(query)


def rubric(**changes):
    return {
        "competency": "MINI.A.1",
        "level": "2",
        "score": "85",
        "subject": "Practical task: wiring the sensor",
        "note": "Unaided, explained each step.",
        "occurred_on": DAY,
    } | changes


# -- rubric assessments ---------------------------------------------------------------------------


def test_instructor_records_an_assessment_and_the_heatmap_shows_it(app, client, site):
    as_user(app, client, site, "ian")
    page = client.get(f"/competencies/learners/{site['ana_ref']}/assess?competency=MINI.A.1")
    assert page.status_code == 200
    assert "Knows the words." in text(page) and "Does it." in text(page)  # the rubric rows
    url = f"/competencies/learners/{site['ana_ref']}/assess"
    response = submit(client, url, rubric())
    assert response.status_code == 302
    with app.app_context():
        piece = db.session.scalar(select(CompetencyEvidence))
        assert (piece.source_kind, piece.level, piece.score) == ("rubric", 2, 0.85)
        assert piece.assessor_id == site["ian"]
    heat = text(client.get("/competencies/cohort"))
    cohort = client.get("/competencies/cohort").get_data(as_text=True)
    assert f'href="/competencies/learners/{site["ana_ref"]}/assess?framework=mini"' in cohort
    assert "1 / 3" in heat  # Ana has mastered one of the three competencies
    assert "Practical task: wiring the sensor" in text(client.get(url))  # earlier assessments


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"level": "7"}, "Choose one of the framework's levels"),
        ({"level": ""}, "Choose one of the framework's levels"),
        ({"occurred_on": (TODAY + timedelta(days=2)).isoformat()}, "not a future date"),
        ({"competency": "NOPE.9"}, "Not a valid choice"),
        ({"score": "150"}, "percentage from 0 to 100"),
    ],
)
def test_bad_assessment_input_is_shown_on_the_form(app, client, site, changes, says):
    as_user(app, client, site, "ian")
    url = f"/competencies/learners/{site['ana_ref']}/assess"
    response = submit(client, url, rubric(**changes))
    assert response.status_code == 422
    assert says in text(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert count(app, Assessment) == 0 and count(app, CompetencyEvidence) == 0


@pytest.mark.parametrize("who", ["olga", "ana", "mo", "pam", "eve"])
def test_nobody_else_assesses(app, client, site, who):
    """An instructor of another organization, the learner themselves, a mentor: 403."""
    as_user(app, client, site, "ian")
    token = csrf_token(
        client.get(f"/competencies/learners/{site['ana_ref']}/assess").get_data(as_text=True)
    )
    as_user(app, client, site, who)
    url = f"/competencies/learners/{site['ana_ref']}/assess"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"csrf_token": token, **rubric()}).status_code == 403
    assert count(app, Assessment) == 0 and count(app, CompetencyEvidence) == 0


def test_the_learners_map_offers_instructors_an_assessment(app, client, site):
    as_user(app, client, site, "ian")
    page = client.get(f"/competencies/learners/{site['ana_ref']}").get_data(as_text=True)
    assert f"/competencies/learners/{site['ana_ref']}/assess" in page
    assert "assess?framework=mini&amp;competency=MINI.A.2.1" in page  # one per competency
    as_user(app, client, site, "ana")
    own = client.get("/competencies/").get_data(as_text=True)
    assert "/assess" not in own and "/prior-learning/" in own


# -- observations -------------------------------------------------------------------------------


def observations_url(site):
    return f"/apprenticeships/{site['enrolment']}/observations"


def observation(**changes):
    return {
        "competency": "MINI.A.1",
        "level": "2",
        "subject": "Changed the mould on press 4",
        "note": "Safe and quick.",
        "occurred_on": DAY,
    } | changes


def test_mentor_records_an_observation_the_apprentice_sees(app, client, site):
    as_user(app, client, site, "mo")
    overview = client.get(f"/apprenticeships/{site['enrolment']}").get_data(as_text=True)
    assert "Record an observation" in overview
    response = submit(client, observations_url(site), observation())
    assert response.status_code == 302
    with app.app_context():
        piece = db.session.scalar(select(CompetencyEvidence))
        assert (piece.source_kind, piece.level, piece.assessor_id) == ("observation", 2, site["mo"])
    as_user(app, client, site, "ana")
    page = client.get(observations_url(site))
    assert page.status_code == 200
    assert "Changed the mould on press 4" in text(page) and "Mo Mentor" in text(page)
    assert "Record the observation" not in text(page)  # no form for the apprentice


@pytest.mark.parametrize(("who", "status"), [("ana", 403), ("max", 403), ("eve", 403)])
def test_only_the_mentor_posts_observations(app, client, site, who, status):
    as_user(app, client, site, "mo")
    token = csrf_token(client.get(observations_url(site)).get_data(as_text=True))
    as_user(app, client, site, who)
    response = client.post(observations_url(site), data={"csrf_token": token, **observation()})
    assert response.status_code == status
    assert count(app, Assessment) == 0


def test_bad_observation_input_is_located(app, client, site):
    as_user(app, client, site, "mo")
    response = submit(client, observations_url(site), observation(level="9"))
    assert response.status_code == 422 and "framework's levels" in text(response)
    response = submit(client, observations_url(site), observation(occurred_on="2020-01-01"))
    assert response.status_code == 422 and "more than a year ago" in text(response)
    assert count(app, Assessment) == 0


# -- OJL approval -------------------------------------------------------------------------------


def test_approving_an_entry_in_the_queue_writes_ojl_evidence(app, client, site):
    as_user(app, client, site, "ana")
    data = {
        "work_date": DAY,
        "hours": "4",
        "work_process": "first",
        "competencies": ["MINI.A.1"],
        "description": "Changed the mould on press 4 with Mo watching.",
    }
    assert submit(client, f"/apprenticeships/{site['enrolment']}/log", data).status_code == 302
    with app.app_context():
        entry_id, entry_ref = db.session.execute(select(OjlEntry.id, OjlEntry.public_id)).one()
    as_user(app, client, site, "mo")
    response = submit(
        client, "/sign-off", {"decision": "approved", "version": "1", "comment": ""},
        action=f"/ojl/{entry_ref}/review",
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        piece = db.session.scalar(select(CompetencyEvidence))
        assert (piece.source_kind, piece.source_ref) == ("ojl", f"ojl#{entry_id}")
        assert piece.assessor_id == site["mo"]


# -- prior learning -----------------------------------------------------------------------------


def claim(client, data=PNG, name="certificate.png", url="/prior-learning/new"):
    page = client.get(url)
    token = csrf_token(page.get_data(as_text=True))
    fields = {
        "csrf_token": token,
        "competency": "MINI.A.2",
        "statement": "Certified by the state board in 2024.",
        "document": FileStorage(io.BytesIO(data), name),
    }
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_claim_is_reviewed_and_its_document_served_only_to_the_right_people(app, client, site):
    as_user(app, client, site, "ana")
    response = claim(client)
    assert response.status_code == 302
    url = response.location
    download = client.get(f"{url}/document")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "image/png"
    download.close()
    # Ana cannot decide her own claim, and is not offered to.
    assert "Accept at this level" not in text(client.get(url))
    token = csrf_token(client.get(url).get_data(as_text=True))
    decision = {"csrf_token": token, "decision": "accept", "level": "2", "reason": ""}
    assert client.post(f"{url}/review", data=decision).status_code == 403
    for outsider in ("olga", "mo"):
        as_user(app, client, site, outsider)
        assert client.get(url).status_code == 403
        assert client.get(f"{url}/document").status_code == 403
        assert client.post(f"{url}/review", data=decision).status_code == 403
    assert count(app, CompetencyEvidence) == 0
    as_user(app, client, site, "pam")
    assert "MINI.A.2" in text(client.get("/prior-learning/"))  # waiting for Pam
    response = submit(client, url, {"decision": "accept", "level": "2"}, action=f"{url}/review")
    assert response.status_code == 302
    with app.app_context():
        piece = db.session.scalar(select(CompetencyEvidence))
        assert (piece.source_kind, piece.level, piece.assessor_id) == ("prior", 2, site["pam"])


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"%PDF-1.4 fake", "photo.png", "not the PNG"),
        (b"<svg onload=alert(1)>", "logo.svg", "Attach a PDF, PNG or JPEG"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "big.pdf", "larger than 5 MB"),
    ],
)
def test_bad_documents_are_refused_on_the_form(app, client, site, data, name, says):
    as_user(app, client, site, "ana")
    response = claim(client, data=data, name=name)
    assert response.status_code == 422 and says in text(response)
    assert count(app, PriorLearningClaim) == 0


def test_staff_claim_on_a_learners_behalf_but_not_across_organizations(app, client, site):
    as_user(app, client, site, "ian")
    response = claim(client, url=f"/prior-learning/new?learner={site['ana_ref']}")
    assert response.status_code == 302
    assert count(app, PriorLearningClaim, learner_id=site["ana"], submitted_by_id=site["ian"]) == 1
    as_user(app, client, site, "olga")
    assert client.get(f"/prior-learning/new?learner={site['ana_ref']}").status_code == 403


def test_a_rejection_needs_a_reason(app, client, site):
    as_user(app, client, site, "ana")
    url = claim(client).location
    as_user(app, client, site, "ian")
    response = submit(client, url, {"decision": "reject", "reason": ""}, action=f"{url}/review")
    assert response.status_code == 422 and "Say why" in text(response)
    response = submit(
        client, url, {"decision": "reject", "reason": "Unsigned copy."}, action=f"{url}/review"
    )
    assert response.status_code == 302
    as_user(app, client, site, "ana")
    assert "Unsigned copy." in text(client.get(url))


def test_the_author_withdraws_an_observation_and_nobody_else_can(app, client, site):
    as_user(app, client, site, "mo")
    assert submit(client, observations_url(site), observation()).status_code == 302
    with app.app_context():
        row_id = db.session.scalar(select(Assessment.public_id))
    page = client.get(observations_url(site)).get_data(as_text=True)
    assert f"/assessments/{row_id}/withdraw" in page
    token = csrf_token(page)
    for other in ("ana", "max", "ian"):
        as_user(app, client, site, other)
        response = client.post(
            f"/assessments/{row_id}/withdraw", data={"csrf_token": token, "reason": "No."}
        )
        assert response.status_code == 403
    assert count(app, CompetencyEvidence) == 1
    as_user(app, client, site, "mo")
    response = submit(
        client, observations_url(site), {"reason": "Recorded for the wrong apprentice."},
        action=f"/assessments/{row_id}/withdraw",
    )  # fmt: skip
    assert response.status_code == 302
    assert count(app, CompetencyEvidence) == 0
    as_user(app, client, site, "ana")
    shown = text(client.get(observations_url(site)))
    assert "Withdrawn by Mo Mentor" in shown and "Recorded for the wrong apprentice." in shown

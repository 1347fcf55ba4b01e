"""The exports page and downloads over HTTP: who may download what, the content type and file
name, only the organization's rows, and the command-line exports."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import timedelta

import pytest

from app.database import utcnow
from app.domain import ojl
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.services import apprenticeships, programs
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sign_in, sync_tree
from tests.services.test_exports_xapi_rules import validate

TODAY = (utcnow() + timedelta(hours=14)).date()


@pytest.fixture
def site(app, tmp_path):
    """Ana (Acme) and Zoe (Elsewhere) are apprentices in the demo program; Ana has hours
    her mentor signed off."""
    root = tmp_path / "curriculum"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (root / "programs").mkdir()
    shutil.copy(FIXTURE_CURRICULA / "programs" / "good.yml", root / "programs" / "demo.yml")
    app.config["CURRICULUM_ROOT"] = str(root)
    with app.app_context():
        sync_tree(root)
        acme = factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
        away = factories.make_org(slug="elsewhere", name="Elsewhere Inc", kind=OrgKind.EMPLOYER)
        people = {
            "ana": factories.make_user(name="Ana Apprentice", role=Role.APPRENTICE, org=acme),
            "zoe": factories.make_user(name="Zoe Faraway", role=Role.APPRENTICE, org=away),
            "mo": factories.make_user(name="Mo Mentor", role=Role.MENTOR, org=acme),
            "eve": factories.make_user(name="Eve Employer", role=Role.EMPLOYER, org=acme),
            "pat": factories.make_user(name="Pat Partner", role=Role.PARTNER_ADMIN, org=acme),
            "ian": factories.make_user(name="Ian Instructor", role=Role.INSTRUCTOR, org=acme),
            "zed": factories.make_user(name="Zed Employer", role=Role.EMPLOYER, org=away),
            "root": factories.make_user(name="Root Admin", role=Role.PLATFORM_ADMIN),
        }
        program = programs.get(root, "demo-program")
        start = TODAY - timedelta(days=60)
        for name, org in (("ana", acme), ("zoe", away)):
            enrolment = apprenticeships.enrol(
                people[name],
                program,
                mentor=people["mo"],
                employer=org,
                start_date=start,
                by=people["root"],
                today=TODAY,
                now=utcnow(),
            )
        first = apprenticeships.of_apprentice(people["ana"])[0]
        draft = ojl.Draft(
            work_date=(TODAY - timedelta(days=2)).isoformat(),
            hours="7:30",
            work_process="first",
            competencies=(),
            description="Changed the mould on press 4 with Mo watching.",
        )
        entry = apprenticeships.log(
            first, program, draft, by=people["ana"], today=TODAY, now=utcnow()
        )
        apprenticeships.review(entry, "approved", "", by=people["mo"], version=1, now=utcnow())
        assert enrolment.id
        db.session.commit()
        ids = {name: user.id for name, user in people.items()}
    return ids


def as_user(app, client, site, name):
    with app.app_context():
        sign_in(client, db.session.get(factories.User, site[name]))


def rapids_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def statements(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


@pytest.mark.parametrize("name", ["eve", "pat"])
def test_program_staff_download_their_organizations_rapids_rows(app, client, site, name):
    as_user(app, client, site, name)
    response = client.get("/exports/rapids.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="rapids-acme-'
    ) and response.headers["Content-Disposition"].endswith('.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    rows = rapids_rows(response)
    assert [(r["Apprentice First Name"], r["Apprentice Last Name"]) for r in rows] == [
        ("Ana", "Apprentice")
    ]
    assert rows[0]["Approved OJL Hours"] == "7.50" and rows[0]["Mentor"] == "Mo Mentor"


def test_staff_cannot_export_another_organization(app, client, site):
    as_user(app, client, site, "eve")
    assert client.get("/exports/rapids.csv?org=elsewhere").status_code == 403
    assert client.get("/exports/xapi.jsonl?org=elsewhere").status_code == 403
    assert client.get("/exports/rapids.csv?org=acme").status_code == 200
    assert client.get("/exports/rapids.csv?org=nowhere").status_code == 404


@pytest.mark.parametrize("name", ["ana", "mo", "ian"])
def test_learners_mentors_and_instructors_do_not_export_program_data(app, client, site, name):
    as_user(app, client, site, name)
    assert client.get("/exports/rapids.csv").status_code == 403
    assert client.get("/exports/xapi.jsonl").status_code == 403


def test_the_platform_admin_exports_everything_or_one_organization(app, client, site):
    as_user(app, client, site, "root")
    everyone = client.get("/exports/rapids.csv")
    assert 'filename="rapids-all-' in everyone.headers["Content-Disposition"]
    assert {r["Apprentice First Name"] for r in rapids_rows(everyone)} == {"Ana", "Zoe"}
    away = rapids_rows(client.get("/exports/rapids.csv?org=elsewhere"))
    assert [r["Apprentice First Name"] for r in away] == ["Zoe"]
    found = statements(client.get("/exports/xapi.jsonl"))
    assert found and all(validate(s) == [] for s in found)


def test_xapi_download_is_json_lines_of_the_organizations_learners(app, client, site):
    as_user(app, client, site, "eve")
    assert client.get("/exports/xapi.jsonl").get_data() == b""  # nobody shares with Acme yet
    with app.app_context():
        from app.services import consents

        ana = db.session.get(factories.User, site["ana"])
        consents.grant(ana, ana.organization, now=utcnow())
        db.session.commit()
    response = client.get("/exports/xapi.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert 'filename="xapi-acme-' in response.headers["Content-Disposition"]
    found = statements(response)
    assert {s["actor"]["account"]["name"] for s in found} == {str(site["ana"])}
    assert all(validate(s) == [] for s in found)
    since = (TODAY + timedelta(days=2)).isoformat()
    assert client.get(f"/exports/xapi.jsonl?since={since}").get_data() == b""
    assert client.get("/exports/xapi.jsonl?since=soon").status_code == 422


def test_apprentices_download_their_own_statements(app, client, site):
    as_user(app, client, site, "ana")
    response = client.get("/exports/my-statements.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert 'filename="my-xapi-' in response.headers["Content-Disposition"]
    found = statements(response)
    assert len(found) == 1 and found[0]["actor"]["account"]["name"] == str(site["ana"])


def test_the_page_shows_staff_their_downloads_and_learners_their_own(app, client, site):
    as_user(app, client, site, "eve")
    page = client.get("/exports/").get_data(as_text=True)
    assert "/exports/rapids.csv?org=acme" in page and "/exports/xapi.jsonl?org=acme" in page
    assert "/exports/my-statements.jsonl" in page
    learner = app.test_client()
    as_user(app, learner, site, "ana")
    page = learner.get("/exports/").get_data(as_text=True)
    assert "/exports/rapids.csv" not in page and "/exports/my-statements.jsonl" in page


def test_the_page_lists_every_organization_for_the_platform_admin(app, client, site):
    as_user(app, client, site, "root")
    page = client.get("/exports/").get_data(as_text=True)
    assert "/exports/rapids.csv?org=elsewhere" in page and "/exports/rapids.csv?org=acme" in page


def test_cli_exports_rapids_and_xapi(app, site, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "rapids.csv"
    result = runner.invoke(args=["exports", "rapids", "--org", "acme", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 1 apprenticeships" in result.output
    with out.open(newline="", encoding="utf-8") as written:
        rows = list(csv.DictReader(written))
    assert [r["Apprentice First Name"] for r in rows] == ["Ana"]

    result = runner.invoke(args=["exports", "xapi"])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and lines and all(validate(s) == [] for s in lines)
    future = (TODAY + timedelta(days=2)).isoformat()
    assert runner.invoke(args=["exports", "xapi", "--since", future]).output == ""


def test_cli_refuses_an_unknown_organization_and_a_bad_date(app, site):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["exports", "rapids", "--org", "nowhere"])
    assert result.exit_code == 1 and "No organization called 'nowhere'" in result.output
    result = runner.invoke(args=["exports", "xapi", "--since", "last week"])
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.output

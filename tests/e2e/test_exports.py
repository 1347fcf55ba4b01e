"""The exports page in the browser, on a phone and a desktop: an employer admin sees what each
file holds and downloads the RAPIDS CSV and the xAPI statements of their organization."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.domain import ojl
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.services import apprenticeships, consents, programs
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.e2e.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.e2e

TODAY = (utcnow() + timedelta(hours=14)).date()


@pytest.fixture
def program_site(live_server, tmp_path):
    """Ana is an apprentice at Acme in the demo program, with hours her mentor signed off."""
    root = tmp_path / "curriculum"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (root / "programs").mkdir()
    shutil.copy(FIXTURE_CURRICULA / "programs" / "good.yml", root / "programs" / "demo.yml")
    app = live_server.app
    app.config["CURRICULUM_ROOT"] = str(root)
    with app.app_context():
        sync_tree(root)
        acme = factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
        ana = factories.make_user(email="ana@plant.example", name="Ana Lopez", org=acme)
        mo = factories.make_user(
            email="mo@plant.example", name="Mo Okafor", role=Role.MENTOR, org=acme
        )
        eve = factories.make_user(
            email="eve@plant.example", name="Eve Stone", role=Role.EMPLOYER, org=acme
        )
        program = programs.get(root, "demo-program")
        enrolment = apprenticeships.enrol(
            ana, program, mentor=mo, employer=acme, start_date=TODAY - timedelta(days=30),
            by=eve, today=TODAY, now=utcnow(),
        )  # fmt: skip
        draft = ojl.Draft(
            work_date=(TODAY - timedelta(days=1)).isoformat(), hours="7:30",
            work_process="first", competencies=(),
            description="Changed the mould on press 4 with Mo watching.",
        )  # fmt: skip
        entry = apprenticeships.log(enrolment, program, draft, by=ana, today=TODAY, now=utcnow())
        apprenticeships.review(entry, "approved", "", by=mo, version=1, now=utcnow())
        consents.grant(ana, acme, now=utcnow())  # her statements reach Acme because she shares
        db.session.commit()
    return live_server


def test_staff_download_the_rapids_csv_and_xapi_statements(program_site, ui):
    ui.goto(program_site("/login"))
    ui.get_by_label("Email address").fill("eve@plant.example")
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Eve")

    ui.goto(program_site("/exports/"))
    expect(ui.get_by_role("heading", level=1)).to_have_text("Exports")
    expect(ui.get_by_role("heading", name="RAPIDS apprentice file (CSV)")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("page")

    with ui.expect_download() as caught:
        ui.get_by_role("link", name="Download the RAPIDS CSV for Acme Plastics").click()
    download = caught.value
    assert download.suggested_filename.startswith("rapids-acme-")
    with open(download.path(), newline="", encoding="utf-8") as file:
        (row,) = list(csv.DictReader(file))
    assert (row["Apprentice First Name"], row["Apprentice Last Name"]) == ("Ana", "Lopez")
    assert row["Approved OJL Hours"] == "7.50" and row["Mentor"] == "Mo Okafor"

    with ui.expect_download() as caught:
        ui.get_by_role("link", name="Download the xAPI statements for Acme Plastics").click()
    download = caught.value
    assert download.suggested_filename.endswith(".jsonl")
    with open(download.path(), encoding="utf-8") as file:
        (statement,) = [json.loads(line) for line in file]
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert statement["result"]["duration"] == "PT7H30M"

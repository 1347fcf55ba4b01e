"""CASE 1.1: export, the REST endpoints, and an import that round-trips."""

from __future__ import annotations

import json
import os

import pytest

from app.extensions import db
from app.models import Framework
from tests.conftest import FIXTURE_CURRICULA, sync_tree


def without_times(value):
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k != "lastChangeDateTime"}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


@pytest.fixture
def exported(synced, tmp_path):
    path = tmp_path / "mini.json"
    result = synced.test_cli_runner().invoke(
        args=[
            "curriculum",
            "export-case",
            "mini",
            "--base-url",
            "https://sf.example",
            "-o",
            str(path),
        ]
    )
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())


def test_export_is_a_case_package(exported):
    doc = exported["CFDocument"]
    assert doc["title"] == "Mini framework"
    assert (
        doc["CFPackageURI"]["uri"]
        == f"https://sf.example/ims/case/v1p1/CFPackages/{doc['identifier']}"
    )
    codes = [item["humanCodingScheme"] for item in exported["CFItems"]]
    assert codes == ["MINI.A", "MINI.A.1", "MINI.A.2", "MINI.A.2.1"]
    kinds = {a["associationType"] for a in exported["CFAssociations"]}
    assert kinds == {"isChildOf", "precedes", "isRelatedTo"}
    by_code = {i["humanCodingScheme"]: i["identifier"] for i in exported["CFItems"]}
    precedes = [a for a in exported["CFAssociations"] if a["associationType"] == "precedes"]
    assert [
        (p["originNodeURI"]["identifier"], p["destinationNodeURI"]["identifier"]) for p in precedes
    ] == [(by_code["MINI.A.1"], by_code["MINI.A.2"])]
    assert set(exported["CFDefinitions"]) >= {"CFItemTypes", "CFLicenses", "CFConcepts"}


def test_import_into_an_empty_database_round_trips(app, runner, tmp_path):
    """A package read from files, imported, and exported again comes back the same."""
    from datetime import UTC, datetime

    from app.content import case, frameworks
    from app.content.problems import Problems

    source = FIXTURE_CURRICULA / "good/frameworks/mini.yml"
    framework = frameworks.load(source, Problems(source.parent))
    original = case.package(
        framework, case.Urls("https://sf.example/ims/case/v1p1"), datetime.now(UTC)
    )
    path = tmp_path / "in.json"
    path.write_text(json.dumps(original))
    result = runner.invoke(args=["curriculum", "import-case", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 added, 0 changed, 0 unchanged" in result.output
    again = runner.invoke(
        args=["curriculum", "export-case", "mini", "--base-url", "https://sf.example"]
    )
    assert without_times(json.loads(again.output)) == without_times(original)
    repeat = runner.invoke(args=["curriculum", "import-case", str(path)])
    assert "0 added, 0 changed, 4 unchanged" in repeat.output


def test_imported_framework_survives_a_file_sync(app, runner, tmp_path, exported_file):
    result = runner.invoke(args=["curriculum", "import-case", str(exported_file)])
    assert result.exit_code == 0
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        imported = db.session.query(Framework).filter(Framework.slug == "college-fw").one()
        assert imported.archived_at is None


@pytest.fixture
def exported_file(tmp_path):
    package = {
        "CFDocument": {
            "identifier": "doc-1",
            "title": "College FW",
            "humanCodingScheme": "college-fw",
        },
        "CFItems": [
            {"identifier": "i-1", "fullStatement": "Weld a joint", "humanCodingScheme": "CF.1"}
        ],
        "CFAssociations": [],
    }
    path = tmp_path / "college.json"
    path.write_text(json.dumps(package))
    return path


@pytest.mark.parametrize(
    "content,message",
    [
        ("not json", "is not JSON"),
        ("[]", "no CFDocument"),
        ('{"CFDocument": {"identifier": "x"}}', "CFDocument has no title"),
        (
            '{"CFDocument": {"identifier": "x", "title": "T"}, "CFItems": [{"identifier": "i"}]}',
            "no fullStatement",
        ),
    ],
)
def test_import_rejects_malformed_packages(runner, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = runner.invoke(args=["curriculum", "import-case", str(path)])
    assert result.exit_code == 1 and message in result.output


def test_case_endpoints(synced, client):
    documents = client.get("/ims/case/v1p1/CFDocuments").get_json()["CFDocuments"]
    assert [d["title"] for d in documents] == ["Mini framework"]
    ident = documents[0]["identifier"]
    package = client.get(f"/ims/case/v1p1/CFPackages/{ident}").get_json()
    assert package["CFDocument"]["uri"] == f"http://localhost/ims/case/v1p1/CFDocuments/{ident}"
    item_id = package["CFItems"][1]["identifier"]
    item = client.get(f"/ims/case/v1p1/CFItems/{item_id}").get_json()
    assert item["humanCodingScheme"] == "MINI.A.1"
    missing = client.get("/ims/case/v1p1/CFPackages/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404


DOC = '{"CFDocument": {"identifier": "x", "title": "T"'
ITEM = '"CFItems": [{"identifier": "i", "fullStatement": "S"}]'


@pytest.mark.parametrize(
    "content,message",
    [
        ("[" * 100_000 + "]" * 100_000, "is not JSON"),
        (DOC + ', "licenseURI": "http://x"}}', "a value has the wrong shape (AttributeError"),
        (
            DOC + ', "extensions": {"shopfloor": {"levels": [{"bogus": 1}]}}}}',
            "a value has the wrong shape (TypeError",
        ),
        (
            DOC + "}, " + ITEM + ', "CFAssociations": [{"associationType": "isChildOf", '
            '"originNodeURI": {"identifier": "i"}, "destinationNodeURI": {}, '
            '"sequenceNumber": "first"}]}',
            "a value has the wrong shape (ValueError",
        ),
    ],
)
def test_import_explains_hostile_packages_without_a_traceback(runner, tmp_path, content, message):
    path = tmp_path / "hostile.json"
    path.write_text(content)
    result = runner.invoke(args=["curriculum", "import-case", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert message in result.output


def test_import_refuses_a_fifo_and_a_link(runner, tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "link.json").symlink_to("/etc/passwd")
    for name, message in (("pipe.json", "not a regular file"), ("link.json", "symbolic link")):
        result = runner.invoke(args=["curriculum", "import-case", str(tmp_path / name)])
        assert result.exit_code == 1 and message in result.output

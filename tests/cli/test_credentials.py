"""``flask credentials``: verify any file, and operate Shopfloor's own credentials."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import Credential
from app.services import organizations
from tests import credential_site


@pytest.fixture
def site(app, tmp_path):
    with app.app_context():
        built = credential_site.build(app, tmp_path)
        return {
            "star": built.star.public_id,
            "master": built.master.public_id,
            "learner": built.learner.email,
            "document": built.star.document,
        }


def invoke(runner, *args, input=None):
    return runner.invoke(args=["credentials", *args], input=input)


def test_verify_prints_every_check_and_exits_0_either_way(runner, site, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(site["document"], indent=4))  # whitespace changes nothing
    result = invoke(runner, "verify", str(good), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["verified"] is True
    assert [c["name"] for c in report["checks"]][:3] == ["json", "jsonld", "schema"]

    tampered = dict(site["document"], name="Lab Grandmaster")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    result = invoke(runner, "verify", str(bad), "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["verified"] is False
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["proof"]

    human = invoke(runner, "verify", "-", input=json.dumps(tampered))
    assert human.exit_code == 0 and human.output.startswith("NOT VERIFIED")
    assert "✗ proof" in human.output


def test_verify_of_garbage_and_missing_files(runner, tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    result = invoke(runner, "verify", str(junk), "--json")
    assert result.exit_code == 0 and json.loads(result.output)["verified"] is False
    missing = invoke(runner, "verify", str(tmp_path / "nope.json"))
    assert missing.exit_code != 0


def test_revoke_suspend_reinstate_and_list(app, runner, site):
    assert invoke(runner, "revoke", site["star"]).exit_code != 0  # --reason is required
    assert invoke(runner, "suspend", site["star"], "--reason", "Audit").exit_code == 0
    listed = invoke(runner, "list", "--user", site["learner"])
    assert "suspended" in listed.output and "lab-star" in listed.output
    assert invoke(runner, "reinstate", site["star"], "--reason", "Cleared").exit_code == 0
    result = invoke(runner, "revoke", site["star"], "--reason", "Issued in error")
    assert result.exit_code == 0, result.output
    again = invoke(runner, "reinstate", site["star"], "--reason", "Oops")
    assert again.exit_code == 1 and "Only a suspended credential" in again.output
    with app.app_context():
        row = db.session.query(Credential).filter_by(public_id=site["star"]).one()
        assert row.revoked and row.status_reason == "Issued in error"
    assert "revoked" in invoke(runner, "list", "--issuer", "lakeshore-cc").output
    unknown = invoke(runner, "revoke", "no-such-id", "--reason", "x")
    assert unknown.exit_code == 1 and "no credential" in unknown.output.lower()


def test_issue_refuses_what_is_held_or_not_met_and_award_due_catches_up(app, runner, site):
    held = invoke(runner, "issue", site["learner"], "lab-star")
    assert held.exit_code == 1 and "already has" in held.output
    with app.app_context():
        college = credential_site.factories.make_org(slug="other-college")
        weak = credential_site.learner_with_score(college, 2.0, email="weak@shopfloor.example")
        lakeshore = organizations.get_by_slug("lakeshore-cc")
        strong = credential_site.learner_with_score(
            lakeshore, 10.0, email="strong@shopfloor.example"
        )
        db.session.commit()
        assert weak and strong
    not_met = invoke(runner, "issue", "weak@shopfloor.example", "lab-star")
    assert not_met.exit_code == 1 and "does not meet" in not_met.output
    result = invoke(runner, "award-due", "--all")
    assert result.exit_code == 0, result.output
    assert "strong@shopfloor.example: lab-star issued" in result.output
    assert "strong@shopfloor.example: lab-master awaiting approval" in result.output
    assert invoke(runner, "award-due", "strong@shopfloor.example").output.endswith(
        "0 issued, 0 awaiting approval, 0 met but waiting for an issuer.\n"
    )

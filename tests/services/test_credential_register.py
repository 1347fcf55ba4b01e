"""An organization's register of credentials: standing worked out in SQL exactly as
``credentials.standing`` words it, filters, paging and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.extensions import db
from app.services import awards, credential_register, credentials
from app.services.credential_register import Filters
from tests import credential_site, factories
from tests.credential_site import NOW


@pytest.fixture
def site(app, ctx, tmp_path):
    """The college's register: one credential in every standing (and a few more valid ones)."""
    built = credential_site.build(app, tmp_path)
    for n, name in enumerate(["Ben Byte", "Cy Cell", "Di Drive", "=cmd|' /C calc'!A0"]):
        person = credential_site.learner_with_score(built.college, 9.0, name=name)
        awards.award_due(person, now=NOW + timedelta(minutes=n + 1), today=NOW.date())
    held = {c.user.name: c for c in credentials.issued_by(built.college.id)
            if c.achievement.slug == "lab-star"}  # fmt: skip
    credentials.revoke(held["Ben Byte"], built.admin, reason="Issued in error.", now=NOW)
    credentials.suspend(held["Cy Cell"], built.admin, reason="Under review.", now=NOW)
    masters = [c for c in credentials.issued_by(built.college.id) if c.state == "awaiting_approval"]
    declined = next(c for c in masters if c.user.name == "Di Drive")
    credentials.decline(declined, built.instructor, now=NOW, comment="Copied lab.")
    expiring = next(c for c in masters if c.user.name == "Cy Cell")
    credentials.approve(expiring, built.instructor, now=NOW)
    expiring.valid_until = NOW + timedelta(days=1)
    db.session.commit()
    return built


def names(found) -> list[tuple[str, str]]:
    return sorted((line.credential.user.name, line.standing) for line in found.lines)


@pytest.mark.parametrize("standing", credential_register.STANDINGS)
def test_each_standing_filter_matches_the_standing_the_pages_show(site, standing):
    later = NOW + timedelta(days=2)  # Cy's Lab Master has expired by then
    every = credentials.issued_by(site.college.id)
    expected = sorted(
        (c.user.name, standing) for c in every if credentials.standing(c, now=later) == standing
    )
    found = credential_register.page(site.college, Filters(standing=standing), number=1, now=later)
    assert expected and names(found) == expected
    assert found.total == len(expected)


def test_search_by_name_or_email_and_achievement_escapes_wildcards(site):
    search = credential_register.page
    found = search(site.college, Filters(learner="ana"), number=1, now=NOW)
    assert {line.credential.user.name for line in found.lines} == {"Ana Learner"}
    email = site.learner.email.upper()
    assert search(site.college, Filters(learner=email), number=1, now=NOW).total == 2
    assert search(site.college, Filters(learner="%"), number=1, now=NOW).total == 0
    star = search(site.college, Filters(achievement="lab-star"), number=1, now=NOW)
    assert star.total == 5 and {line.credential.achievement.slug for line in star.lines} == {
        "lab-star"
    }
    assert [a.slug for a in credential_register.achievements_of(site.college)] == [
        "lab-master", "lab-star",
    ]  # fmt: skip
    assert credential_register.achievements_of(factories.make_org()) == []


def test_pages_are_newest_first_and_clamped(site):
    first = credential_register.page(site.college, Filters(), number=1, now=NOW, per_page=4)
    assert (first.total, first.pages, len(first.lines)) == (10, 3, 4)
    moments = [line.credential.issued_at or line.credential.criteria_met_at for line in first.lines]
    assert moments == sorted(moments, reverse=True)
    last = credential_register.page(site.college, Filters(), number=99, now=NOW, per_page=4)
    assert (last.number, len(last.lines)) == (3, 2)
    seen = {line.credential.id for n in (1, 2, 3) for line in credential_register.page(
        site.college, Filters(), number=n, now=NOW, per_page=4).lines}  # fmt: skip
    assert len(seen) == 10


def test_the_csv_is_safe_for_spreadsheets_and_gives_reasons(site):
    rows = list(csv.DictReader(io.StringIO(credential_register.as_csv(site.college, Filters(),
                                                                      now=NOW))))  # fmt: skip
    assert len(rows) == 10
    by = {(r["learner"], r["achievement"]): r for r in rows}
    assert by[("Ben Byte", "Lab Star")]["standing"] == "revoked"
    assert by[("Ben Byte", "Lab Star")]["reason"] == "Issued in error."
    assert by[("Di Drive", "Lab Master")]["reason"] == "Copied lab."
    assert by[("Di Drive", "Lab Master")]["credential_url"] == ""  # never signed
    assert ("'=cmd|' /C calc'!A0", "Lab Star") in by  # no formula runs

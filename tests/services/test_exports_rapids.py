"""The RAPIDS apprentice CSV: the specification's columns in order, empty where Shopfloor
collects nothing, values from their documented sources, safe in a spreadsheet, and the same
data when read back."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime

import pytest

from app.database import utcnow
from app.domain import ojl
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.services import apprenticeships, exports_rapids
from app.services.exports_rapids import HEADER, NOT_COLLECTED, SPEC_COLUMNS, Name, split_name
from tests.factories import make_org, make_user
from tests.services.test_apprenticeships import PROGRAM

TODAY = date(2026, 12, 6)
SMT = replace(PROGRAM, rapids_code="1234HY V1", probation_months=3, term_months=24)


@pytest.fixture
def data(ctx):
    acme = make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
    other = make_org(slug="other", name="Other Works", kind=OrgKind.EMPLOYER)
    boss = make_user(role=Role.EMPLOYER, org=acme)
    mo = make_user(name="Mo Jones", role=Role.MENTOR, org=acme)
    ana = make_user(
        name="Ana María de la Cruz", role=Role.APPRENTICE, org=acme, email="ana@acme.example"
    )
    evil = make_user(name='=HYPERLINK("http://x")', role=Role.APPRENTICE, org=other)
    first = apprenticeships.enrol(
        ana,
        SMT,
        mentor=mo,
        employer=acme,
        start_date=date(2026, 9, 1),
        by=boss,
        today=TODAY,
        now=utcnow(),
    )
    second = apprenticeships.enrol(
        evil,
        SMT,
        mentor=None,
        employer=other,
        start_date=date(2026, 10, 15),
        by=boss,
        today=TODAY,
        now=utcnow(),
    )
    for hours, decision in (("6:30", "approved"), ("2", "rejected"), ("1", None)):
        draft = ojl.Draft(
            work_date="2026-12-04",
            hours=hours,
            work_process="maintenance",
            competencies=(),
            description="Greased the conveyor bearings.",
        )
        entry = apprenticeships.log(first, SMT, draft, by=ana, today=TODAY, now=utcnow())
        if decision:
            apprenticeships.review(
                entry,
                decision,
                "Not that day." if decision == "rejected" else "",
                by=mo,
                version=1,
                now=utcnow(),
            )
    db.session.commit()
    return {"acme": acme, "other": other, "ana": ana, "first": first, "second": second}


def read(lines) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(lines), newline="")))


def export(org=None, catalog=None) -> list[str]:
    rows = exports_rapids.rows(org, {SMT.id: SMT} if catalog is None else catalog, today=TODAY)
    return list(exports_rapids.csv_lines(rows))


def test_header_is_the_spec_fields_in_order_then_the_platform_columns(data):
    header = next(csv.reader(io.StringIO(export()[0])))
    assert header[: len(SPEC_COLUMNS)] == list(SPEC_COLUMNS)
    assert header[0] == "Date Apprenticeship Begins" and header[41] == "Student Status"
    assert header == list(HEADER) and len(set(header)) == len(header)


def test_values_come_from_their_sources(data):
    row = read(export(data["acme"]))[0]
    assert row["Date Apprenticeship Begins"] == "09/01/2026"
    assert (
        row["Apprentice First Name"],
        row["Apprentice Middle Name"],
        row["Apprentice Last Name"],
    ) == ("Ana", "María", "de la Cruz")
    assert row["Email"] == "ana@acme.example"
    assert row["Occupation"] == row["RAPIDS Occupation Code"] == "1234HY V1"
    assert row["O*NET-SOC Code"] == "49-9041.00" and row["Approach"] == "hybrid"
    assert row["Sponsor / Employer Name"] == "Acme Plastics" and row["Mentor"] == "Mo Jones"
    assert row["Probation Ends"] == "12/01/2026" and row["In Probation"] == "no"
    assert row["Approved OJL Hours"] == "6.50" and row["Pending OJL Hours"] == "1.00"
    assert row["RTI Hours"] == "0.0" and row["Apprentice Status"] == "active"
    assert row["Program ID"] == "smt" and row["Program Title"] == SMT.title


def test_what_the_platform_does_not_collect_is_empty(data):
    for row in read(export()):
        assert all(row[column] == "" for column in NOT_COLLECTED), row
    assert {
        "Date of Birth",
        "Gender",
        "Social Security Number",
        "Veteran Status",
        "Apprentice Education Level",
        "Employer",
    } <= set(NOT_COLLECTED)


def test_cells_that_would_be_formulas_are_defused(data):
    (row,) = read(export(data["other"]))
    assert row["Apprentice Last Name"].startswith("'=HYPERLINK")
    assert not any(value[:1] in "=+-@" for value in row.values() if value)


def test_an_hours_based_probation_ends_on_the_day_the_hours_were_reached(data):
    by_hours = replace(SMT, probation_months=None, probation_hours=5)
    (row,) = read(export(data["acme"], {SMT.id: by_hours}))
    assert row["Probation Ends"] == "12/04/2026" and row["In Probation"] == "no"


def test_an_apprenticeship_whose_program_is_gone_still_has_its_hours(data):
    (row,) = read(export(data["acme"], catalog={}))
    assert row["Approved OJL Hours"] == "6.50" and row["Program ID"] == "smt"
    assert row["Occupation"] == "" and row["RTI Hours"] == ""


def test_an_organization_gets_its_apprenticeships_only(data):
    assert [r["Apprentice First Name"] for r in read(export(data["acme"]))] == ["Ana"]
    assert len(read(export())) == 2


def test_the_csv_reads_back_as_the_source_data(data):
    rows = read(export())
    sources = [data["first"], data["second"]]
    assert len(rows) == len(sources)
    for row, enrolment in zip(rows, sources, strict=True):
        name = split_name(enrolment.apprentice.name)
        back = {k: v[1:] if v[:2] in ("'=", "'+", "'-", "'@") else v for k, v in row.items()}
        assert (
            back["Apprentice First Name"],
            back["Apprentice Middle Name"],
            back["Apprentice Last Name"],
        ) == (name.first, name.middle, name.last)
        assert back["Email"] == enrolment.apprentice.email
        assert datetime.strptime(back["Date Apprenticeship Begins"], "%m/%d/%Y").date() == (
            enrolment.start_date
        )
        minutes = apprenticeships.hours(enrolment).total()
        assert round(float(back["Approved OJL Hours"]) * 60) == minutes
        assert back["Apprentice Status"] == enrolment.status
        assert back["Sponsor / Employer Name"] == enrolment.employer.name


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("Ana Lima", Name("Ana", "", "Lima")),
        ("  Ana   Lima  ", Name("Ana", "", "Lima")),
        ("Mary Ann Smith", Name("Mary", "Ann", "Smith")),
        ("Ludwig van Beethoven", Name("Ludwig", "", "van Beethoven")),
        ("Ana María de la Cruz", Name("Ana", "María", "de la Cruz")),
        ("Martin Luther King Jr.", Name("Martin", "Luther", "King", "Jr.")),
        ("John Smith III", Name("John", "", "Smith", "III")),
        ("Smith, John Paul", Name("John", "Paul", "Smith")),
        ("King, Martin Luther Jr", Name("Martin", "Luther", "King", "Jr.")),
        ("Madonna", Name("", "", "Madonna")),
        ("", Name("", "", "")),
    ],
)
def test_names_split_by_the_documented_rule(full, expected):
    assert split_name(full) == expected

"""Roster imports: reading files as people save them from spreadsheets, refusing what cannot
be read with a clear reason, a preview row by row, and applying it once (again: no change)."""

from __future__ import annotations

import codecs
import csv
import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.domain.roles import OrgKind, Role
from app.errors import InvalidInput
from app.extensions import db
from app.models import AuditEvent, CohortMember, Invitation, Membership
from app.services import cohorts, invitations, memberships, rosters
from tests import factories
from tests.services.test_cohorts import NOW, make_cohort

SECRET = "test-secret-for-roster-tokens"


def sheet_of(text: str, encoding: str = "utf-8") -> rosters.Sheet:
    return rosters.read(text.encode(encoding))


def refusal(data: bytes) -> str:
    with pytest.raises(InvalidInput) as refused:
        rosters.read(data)
    assert refused.value.field == "file"
    return refused.value.message


# -- Reading the file: encodings and what is not a CSV --------------------------------------------


def test_utf8_with_and_without_a_byte_order_mark():
    text = "email,name\nzoe@plant.example,Zoë Ñúñez\n"
    plain = sheet_of(text)
    marked = rosters.read(codecs.BOM_UTF8 + text.encode())
    assert plain.encoding == "UTF-8" and marked.encoding == "UTF-8 with a byte order mark"
    assert plain.rows == marked.rows
    assert marked.rows[0].name == "Zoë Ñúñez" and marked.rows[0].email == "zoe@plant.example"


def test_windows_1252_as_excel_saves_csv():
    sheet = sheet_of("Email,First Name,Last Name\nzoe@plant.example,Zoë,O’Brien\n", "cp1252")
    assert sheet.encoding.startswith("Windows-1252")
    assert sheet.rows[0].name == "Zoë O’Brien"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04" + os.urandom(200), "Excel workbook"),
        ("email\nx@y.example\n".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary data"),
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (codecs.BOM_UTF8 + "email\nzoë@x.example\n".encode("cp1252"), "says it is UTF-8"),
        (b"email\nname\x81\x8d@x.example\n", "neither UTF-8 nor Windows-1252"),
    ],
    ids=["xlsx", "utf16", "binary", "empty", "blank", "bad-utf8-bom", "not-text"],
)
def test_files_that_are_not_csv_text_are_refused_with_the_reason(data, words):
    assert words in refusal(data)


def test_a_file_over_2_mb_is_refused():
    row = "learner-with-a-long-address@plant.example,A Learner\n"
    data = ("email,name\n" + row * (3 * 1024 * 1024 // len(row))).encode()
    message = refusal(data)
    assert "3.0 MB" in message and "at most 2 MB" in message and "Nothing was imported" in message


def test_at_most_5000_rows_per_upload():
    rows = "".join(f"learner{i}@plant.example\n" for i in range(5001))
    assert "5,001 learner rows" in refusal(f"email\n{rows}".encode())
    assert len(sheet_of("email\n" + rows.split("\n", 1)[1]).rows) == 5000


def test_fifty_thousand_rows_are_refused_without_reading_each_one():
    rows = "".join(f"l{i}@p.example\n" for i in range(50_000))  # 0.8 MB: under the size cap
    assert "50,000 learner rows" in refusal(f"email\n{rows}".encode())


# -- Columns and rows ----------------------------------------------------------------------------


def test_a_missing_email_column_is_a_file_error_naming_it():
    message = refusal(b"name,employer\nAna Lopez,Acme\n")
    assert "no \u201cemail\u201d column" in message and "\u201cname\u201d" in message


def test_header_names_ignore_case_spaces_and_underscores():
    sheet = sheet_of(
        " E-Mail Address ;FIRST_NAME; last name ;Employer;Phone\n"
        "ana@plant.example;Ana;Lopez;acme;555 0100\n"
    )
    (row,) = sheet.rows
    assert (row.email, row.name, row.employer) == ("ana@plant.example", "Ana Lopez", "acme")
    assert sheet.ignored_columns == ("Phone",)


def test_the_same_column_twice_is_refused():
    assert "appears twice" in refusal(b"email,Email\na@b.example,c@d.example\n")


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    sheet = sheet_of("\nemail\r\n\r\nana@plant.example\r\n,\r\nnot-an-email\r\n")
    assert [(r.number, r.error != "") for r in sheet.rows] == [(4, False), (6, True)]
    assert sheet.blank_lines == 2


def test_duplicates_and_invalid_emails_are_row_errors():
    sheet = sheet_of(
        "email,name\n"
        "ana@plant.example,Ana\n"
        "ANA@Plant.example ,Ana again\n"
        "not-an-email,Nobody\n"
        ",No address\n"
        "ben@plant.example,Ben\n"
    )
    errors = {row.number: row.error for row in sheet.rows}
    assert errors[2] == ""
    assert errors[3] == "The same email as row 2: each learner once."
    assert "\u201cnot-an-email\u201d is not a valid email address" in errors[4]
    assert errors[5] == "No email address."
    assert errors[6] == ""


def test_formula_cells_are_kept_as_plain_data():
    sheet = sheet_of('email,name\nana@plant.example,"=HYPERLINK(""http://evil.example"",""x"")"\n')
    assert sheet.rows[0].name == '=HYPERLINK("http://evil.example","x")'
    assert sheet.rows[0].error == ""
    # "=" and "+" may start an address's local part: it stays an address, as text.
    assert sheet_of("email\n=1+2@plant.example\n").rows[0].email == "=1+2@plant.example"


def test_an_unclosed_quote_is_read_to_the_end_of_the_file():
    sheet = sheet_of('email,name\nana@plant.example,"Ana\nben@plant.example,Ben\n')
    assert len(sheet.rows) == 1  # the quote swallowed the rest, as a spreadsheet would


# -- Planning and applying ------------------------------------------------------------------------


@pytest.fixture
def import_setup(ctx):
    from tests.conftest import FIXTURE_CURRICULA, sync_tree

    sync_tree(FIXTURE_CURRICULA / "good")
    host = factories.make_org(slug="lakeshore", name="Lakeshore Community College")
    admin = factories.make_user(role=Role.PARTNER_ADMIN, org=host, name="Pat Admin")
    acme = factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
    ana = factories.make_user(email="ana@plant.example", name="Ana Lopez", org=host)
    ben = factories.make_user(email="ben@plant.example", name="Ben Okafor")  # no org yet
    cohort = make_cohort(host, admin)
    return {"host": host, "admin": admin, "acme": acme, "ana": ana, "ben": ben, "cohort": cohort}


ROSTER = (
    "email,first_name,last_name,employer\n"
    "ana@plant.example,Ana,Lopez,Acme Plastics\n"  # an account at the host: enrolled
    "ben@plant.example,Ben,Okafor,acme\n"  # an account, not at the host: asked to accept
    "cy@plant.example,Cy,Ng,\n"  # no account: invited
    'dee@plant.example,Dee,=HYPERLINK("x"),Nowhere Inc\n'  # unknown employer
    "bad-address,Eve,Stone,\n"  # invalid
    "CY@plant.example,Cy,Again,\n"  # duplicate
)


def counts() -> tuple[int, int, int]:
    members = db.session.scalar(select(func.count()).select_from(CohortMember))
    invites = db.session.scalar(select(func.count()).select_from(Invitation))
    memberships = db.session.scalar(select(func.count()).select_from(Membership))
    return members, invites, memberships


def test_the_preview_says_what_each_row_would_do_and_writes_nothing(import_setup):
    s = import_setup
    before = counts()
    plan = rosters.plan(s["cohort"], sheet_of(ROSTER), now=NOW)
    assert [line.outcome for line in plan.lines] == [
        rosters.ENROL,
        rosters.INVITE,
        rosters.INVITE,
        rosters.ERROR,
        rosters.ERROR,
        rosters.ERROR,
    ]
    assert plan.lines[0].sponsor is s["acme"] and plan.lines[1].sponsor is s["acme"]
    assert "asked to accept" in plan.lines[1].detail
    assert "No employer \u201cNowhere Inc\u201d" in plan.lines[3].detail
    assert plan.totals == {rosters.ENROL: 1, rosters.INVITE: 2, rosters.ERROR: 3}
    assert plan.changes == 3
    assert counts() == before


def test_confirming_enrols_invites_and_is_idempotent(import_setup):
    s = import_setup
    applied = rosters.apply(
        s["cohort"], sheet_of(ROSTER), actor=s["admin"], now=NOW, filename="fall.csv"
    )
    assert applied.changes == 3 and len(applied.issued) == 2
    assert [i.invitation.email for i in applied.issued] == ["ben@plant.example", "cy@plant.example"]
    assert applied.issued[1].invitation.name == "Cy Ng"
    enrolled = {m.user.email: m for m in cohorts.learners(s["cohort"])}
    assert set(enrolled) == {"ana@plant.example"}
    assert {m.joined_via for m in enrolled.values()} == {"roster"}
    assert {m.sponsor_id for m in enrolled.values()} == {s["acme"].id}
    # Ben is someone else's learner: nothing opens his record until he accepts.
    assert not policy_member(s["ben"], s["host"])
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "cohort.roster_imported")
    )
    assert event.details["file"] == "fall.csv" and event.details["enrol"] == 1
    after = counts()

    again = rosters.apply(s["cohort"], sheet_of(ROSTER), actor=s["admin"], now=NOW)
    assert again.changes == 0 and again.issued == []
    assert again.totals == {rosters.ENROLLED: 1, rosters.INVITED: 2, rosters.ERROR: 3}
    assert counts() == after


def policy_member(user, org) -> bool:
    return any(m.organization_id == org.id and m.active for m in user.memberships)


def test_a_new_employer_for_an_enrolled_learner_is_a_change(import_setup):
    s = import_setup
    cohorts.enrol(s["cohort"], s["ana"], via="code", actor=None, now=NOW)
    plan = rosters.plan(s["cohort"], sheet_of("email,employer\nana@plant.example,ACME\n"), now=NOW)
    assert plan.lines[0].outcome == rosters.SPONSOR
    rosters.apply(s["cohort"], plan.sheet, actor=s["admin"], now=NOW)
    assert cohorts.learner(s["cohort"], s["ana"].public_id).sponsor_id == s["acme"].id
    blank = rosters.plan(s["cohort"], sheet_of("email,employer\nana@plant.example,\n"), now=NOW)
    assert blank.lines[0].outcome == rosters.ENROLLED  # an empty cell changes nothing


def test_capacity_turns_rows_beyond_it_into_errors(import_setup):
    s = import_setup
    s["cohort"].capacity = 2
    plan = rosters.plan(s["cohort"], sheet_of(ROSTER), now=NOW)
    assert [line.outcome for line in plan.lines[:3]] == [
        rosters.ENROL,
        rosters.INVITE,
        rosters.ERROR,
    ]
    assert "No place left: the cohort takes 2 learners" in plan.lines[2].detail


def test_an_archived_cohort_takes_no_roster(import_setup):
    s = import_setup
    s["cohort"].archived_at = NOW
    with pytest.raises(InvalidInput, match="archived"):
        rosters.plan(s["cohort"], sheet_of(ROSTER), now=NOW)


def test_a_failure_while_applying_leaves_nothing_written(import_setup, monkeypatch):
    s = import_setup
    db.session.commit()
    before = counts()

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(invitations, "invite_learners", broken)  # after the enrolments
    with pytest.raises(RuntimeError):
        rosters.apply(s["cohort"], sheet_of(ROSTER), actor=s["admin"], now=NOW)
    db.session.rollback()  # what the request's error handler does
    assert counts() == before


def test_the_preview_token_round_trips_and_refuses_tampering(import_setup):
    s = import_setup
    sheet = sheet_of(ROSTER)
    token = rosters.token_for(s["cohort"], s["admin"], sheet, "fall.csv", secret=SECRET)
    back, filename = rosters.from_token(token, s["cohort"], s["admin"], secret=SECRET)
    assert back == sheet and filename == "fall.csv"
    other = make_cohort(s["host"], s["admin"], name="Other")
    for bad in (
        lambda: rosters.from_token(token[:-2] + "xx", s["cohort"], s["admin"], secret=SECRET),
        lambda: rosters.from_token(token, other, s["admin"], secret=SECRET),
        lambda: rosters.from_token(token, s["cohort"], s["ana"], secret=SECRET),
        lambda: rosters.from_token(token, s["cohort"], s["admin"], secret="another-secret"),
        lambda: rosters.from_token(
            token, s["cohort"], s["admin"], secret=SECRET, max_age=timedelta(seconds=-1)
        ),
    ):
        with pytest.raises(InvalidInput, match="Upload the file again"):
            bad()


def test_a_token_of_5000_rows_stays_small(import_setup):
    s = import_setup
    rows = "".join(
        f"learner{i}@plant.example,Learner Number {i},Acme Plastics\n" for i in range(5000)
    )
    sheet = sheet_of("email,name,employer\n" + rows)
    token = rosters.token_for(s["cohort"], s["admin"], sheet, "big.csv", secret=SECRET)
    assert len(token) < 500_000  # well within a form field's limit


def test_exported_learners_csv_neutralises_formulas(import_setup):
    s = import_setup
    s["ana"].name = '=HYPERLINK("http://evil.example","Ana")'
    cohorts.enrol(s["cohort"], s["ana"], via="admin", actor=s["admin"], now=NOW)
    rows = list(csv.reader(io.StringIO(rosters.learners_csv(cohorts.learners(s["cohort"])))))
    assert rows[0][:3] == ["name", "email", "employer"]
    assert rows[1][0] == "'" + s["ana"].name and rows[1][1] == "ana@plant.example"


def test_the_template_has_the_columns():
    assert rosters.template_csv() == "email,first_name,last_name,employer\r\n"


def test_a_learner_deactivated_at_the_host_is_not_brought_back_by_a_roster(import_setup):
    """Deactivating a member is the admin's decision; a roster naming them again is a row
    error, not a quiet reactivation."""
    s = import_setup
    membership = memberships.find(s["ana"], s["host"])
    memberships.deactivate(membership, actor=s["admin"], now=NOW)
    plan = rosters.plan(s["cohort"], sheet_of(f"email\n{s['ana'].email}\n"), now=NOW)
    (line,) = plan.lines
    assert line.outcome == rosters.ERROR and "reactivate them" in line.detail
    rosters.apply(s["cohort"], sheet_of(f"email\n{s['ana'].email}\n"), actor=s["admin"], now=NOW)
    assert not memberships.find(s["ana"], s["host"]).active


def test_a_roster_names_only_confirmed_employers_of_the_hosts_state_program(import_setup):
    """Naming an employer shows it the learner: not any company on the platform."""
    s = import_setup
    program = factories.make_org(slug="ohio-msl", kind=OrgKind.PROGRAM_OPERATOR)
    s["host"].program_operator_id = program.id  # Acme takes part in no program
    unconfirmed = factories.make_org(slug="newco", name="New Co", kind=OrgKind.EMPLOYER)
    unconfirmed.program_operator_id, unconfirmed.verified_at = program.id, None
    roster = "email,employer\nana@plant.example,acme\nana2@plant.example,newco\n"
    first, second = rosters.plan(s["cohort"], sheet_of(roster), now=NOW).lines
    assert first.outcome == second.outcome == rosters.ERROR
    s["acme"].program_operator_id = program.id
    first, _ = rosters.plan(s["cohort"], sheet_of(roster), now=NOW).lines
    assert first.outcome == rosters.ENROL and first.sponsor is s["acme"]

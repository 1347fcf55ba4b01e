"""The state program page as its staff use it: figures, filters, charts with their tables,
CSV downloads, and a clear message (never a server error) for filters that make no sense."""

from __future__ import annotations

import csv
import re

import pytest

from app.domain.roles import OrgKind, Role
from app.extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.services.test_program_report import build_program

YEAR = "/programs/great-lakes?period=2026"


@pytest.fixture
def site(make_app, tmp_path):
    app = make_app(LABS_ROOT=str(tmp_path / "labs"))
    with app.app_context():
        built = build_program(tmp_path / "labs")
        staff = factories.make_user(name="Pat Program", role=Role.PARTNER_ADMIN, org=built.operator)
        db.session.commit()
        staff_id = staff.id
    client = app.test_client()
    with app.app_context():
        sign_in(client, db.session.get(factories.User, staff_id))
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_program_staff_see_the_figures_charts_and_tables(site):
    response = site.get(YEAR)
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Great-Lakes (test)</h1>" in page
    assert "2026 (Jan 1, 2026 – Dec 31, 2026)" in page
    for figure in (
        '"figure-value">2</span> <span class="figure-name">manufacturers served',
        '"figure-value">4</span> <span class="figure-name">workers enrolled',
        '"figure-value">2</span> <span class="figure-name">workers completing',
        '"figure-value">2</span> <span class="figure-name">credentials issued',
        '"figure-value">0.7</span> <span class="figure-name">lab hours (estimated)',
    ):
        assert figure in page
    assert "1 without an estimate not counted" in page
    # Two charts, each an image with a title and a description, each with a table.
    assert page.count('role="img"') == 2
    assert (
        '<title id="people-chart-title">Workers enrolled and completing, by quarter</title>' in page
    )
    assert '<title id="credentials-chart-title">Credentials issued, by month</title>' in page
    assert "<title>Q1 2026, enrolled: 3</title>" in page
    assert '<th scope="row">2026-Q3</th><td class="num">3</td><td class="num">1</td>' in page
    assert 'href="/programs/great-lakes/competencies?period=2026"' in page
    # What each figure counts is on the page.
    assert "An estimate of learning time, not time measured on task." in page
    assert "Shopfloor does not record the day an apprenticeship ends" in page


def test_competency_attainment_has_its_chart_table_and_filters(site):
    page = text_of(site.get("/programs/great-lakes/competencies?period=2026&state=AL"))
    assert "<h1>Competency attainment</h1>" in page and "in AL" in page
    assert page.count('role="img"') == 1
    assert "<title>D.1 Competency D.1: 1 of 1 learners, 100 %</title>" in page
    assert 'D.1</span> Competency D.1</th><td class="num">1 of 1</td><td class="num">100 %' in page
    assert '<option value="AL" selected>' in page
    shares = site.get("/programs/great-lakes/report.csv?table=attainment&period=2026")
    assert (
        shares.get_data(as_text=True).splitlines()[1] == "Test framework,D.1,Competency D.1,2,4,50"
    )
    bad = site.get("/programs/great-lakes/competencies?period=2026&state=ZZ")
    assert bad.status_code == 422 and "Choose one of the states" in bad.get_data(as_text=True)


def test_nothing_of_an_organization_outside_the_program_appears(site):
    page = text_of(site.get(YEAR))
    for outsider in ("Outsider (test)", "Faraway (test)", "Elsewhere (test)"):
        assert outsider not in page
    assert "Lakeshore (test)" in page and "Riverbend" not in page  # employers are counted only


def test_the_partner_filter_and_its_link_from_the_partner_table(site):
    page = text_of(site.get(YEAR))
    link = re.search(r'href="(/programs/great-lakes\?[^"]*partner=lakeshore[^"]*)"', page)
    assert link, "each partner row links to the page filtered on it"
    filtered = text_of(site.get(link.group(1).replace("&amp;", "&")))
    assert "at Lakeshore (test)" in filtered
    assert '"figure-value">2</span> <span class="figure-name">workers enrolled' in filtered
    assert '<option value="lakeshore" selected>' in filtered


def test_quarter_links_and_the_county_filter(site):
    quarter = text_of(site.get("/programs/great-lakes?period=2026-Q3&county=OH:Lake+County"))
    assert "2026-Q3 (Jul 1, 2026 – Sep 30, 2026)" in quarter and "in Lake County, OH" in quarter
    assert "by month" in quarter
    assert (
        '<a href="/programs/great-lakes?state=OH&amp;county=OH:Lake+County&amp;period=2026-Q2"'
        in quarter
    )
    assert '<option value="OH:Lake County" selected>' in quarter
    assert "Madison" not in quarter.split("By training partner")[1].split("What the figures")[0]


@pytest.mark.parametrize(
    "query,message",
    [
        ("from=2026-13-01", "Enter a date as YYYY-MM-DD"),
        ("from=2026-07-01&to=2026-06-01", "The last day comes before the first day."),
        ("period=2026-Q9", "Write a quarter as 2026-Q3"),
        ("period=2026-Q3&from=2026-01-01", "Choose a quarter or year, or dates: not both."),
        ("partner=outsider", "Choose one of the program&#39;s training partners."),
        ("state=ZZ", "Choose one of the states where the program works."),
        ("county=AL:Madison+County&state=OH", "Madison County is in AL, not OH."),
        ("from=%00%ff", "Enter a date as YYYY-MM-DD"),
    ],
)
def test_bad_filters_get_a_clear_message_and_no_figures(site, query, message):
    response = site.get(f"/programs/great-lakes?{query}")
    assert response.status_code == 422
    page = text_of(response)
    assert message in page and 'role="alert"' in page
    if not query.startswith("period"):  # the field at fault is marked
        assert 'aria-invalid="true"' in page
    assert "workers enrolled" not in page


def test_each_table_downloads_as_csv_with_the_filters_applied(site):
    response = site.get("/programs/great-lakes/report.csv?table=partners&period=2026-Q3")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="great-lakes-partners-2026-Q3.csv"'
    )
    rows = list(csv.reader(response.get_data(as_text=True).splitlines()))
    assert rows[0][:2] == ["Partner", "State"]
    assert [r[0] for r in rows[1:]] == ["Cuyahoga (test)", "Lakeshore (test)", "Madison (test)"]
    page = site.get(YEAR).get_data(as_text=True)
    page += site.get("/programs/great-lakes/competencies?period=2026").get_data(as_text=True)
    for table in ("summary", "partners", "counties", "periods", "credentials", "attainment"):
        assert f"table={table}" in page
        assert site.get(f"/programs/great-lakes/report.csv?table={table}").status_code == 200


def test_a_bad_csv_request_is_refused_with_a_message(site):
    unknown = site.get("/programs/great-lakes/report.csv?table=people")
    assert unknown.status_code == 422 and "Choose one of: summary" in unknown.get_data(as_text=True)
    bad = site.get("/programs/great-lakes/report.csv?table=partners&to=yesterday")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)


def test_the_programs_address_leads_staff_to_their_program(site):
    response = site.get("/programs")
    assert response.status_code == 302 and response.location.endswith("/programs/great-lakes")


def test_the_platform_admin_chooses_among_programs(make_app, tmp_path):
    app = make_app(LABS_ROOT=str(tmp_path / "labs"))
    client = app.test_client()
    with app.app_context():
        build_program(tmp_path / "labs")
        admin = factories.make_user(role=Role.PLATFORM_ADMIN)
        db.session.commit()
        sign_in(client, admin)
    page = client.get("/programs").get_data(as_text=True)
    assert 'href="/programs/great-lakes"' in page and 'href="/programs/elsewhere"' in page
    assert client.get(YEAR).status_code == 200


def test_the_platform_admin_is_told_when_there_is_no_program_yet(make_app):
    app = make_app()
    client = app.test_client()
    with app.app_context():
        sign_in(client, factories.make_user(role=Role.PLATFORM_ADMIN))
    page = client.get("/programs")
    assert page.status_code == 200
    assert "No organization runs a state program on Shopfloor yet." in page.get_data(as_text=True)


def test_an_unknown_program_or_a_partner_address_is_not_found(site):
    assert site.get("/programs/no-such-program").status_code == 404
    assert site.get("/programs/lakeshore").status_code == 404


def test_empty_program_explains_itself(make_app, tmp_path):
    app = make_app()
    client = app.test_client()
    with app.app_context():
        operator = factories.make_org(
            slug="fresh", name="Fresh Program", kind=OrgKind.PROGRAM_OPERATOR
        )
        staff = factories.make_user(role=Role.PARTNER_ADMIN, org=operator)
        db.session.commit()
        sign_in(client, staff)
    page = text_of(client.get("/programs/fresh"))
    assert "No training partner of the program matches these filters." in page
    page = text_of(client.get("/programs/fresh/competencies"))
    assert "No worker was enrolled in a course with a competency framework" in page

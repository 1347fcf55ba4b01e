"""The state program's figures on a small program built by hand, where every answer is known:
who counts, where, and in which period; and nothing of an organization outside the program."""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import nbformat
import pytest

from app.domain.roles import OrgKind, Role
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.models import (
    Achievement,
    Apprenticeship,
    Cohort,
    CohortMember,
    Competency,
    Course,
    Credential,
    Framework,
    LabSubmission,
    Lesson,
    LessonCompletion,
    MasteryState,
    Module,
    Organization,
)
from app.services import program_exports, program_report
from tests import factories
from tests.sandbox.labs_fixture import source_notebook

TODAY = date(2026, 12, 6)
LAB = "lab-availability"  # the fixture lab: its notebook estimates 20 minutes


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def org(slug, kind, state, county, operator=None, *, verified=True) -> Organization:
    made = factories.make_org(slug=slug, name=f"{slug.title()} (test)", kind=kind)
    made.state, made.county = state, county
    made.program_operator_id = operator.id if operator else None
    made.verified_at = at("2025-01-01") if verified else None
    return made


@dataclass
class Program:
    operator: Organization
    other: Organization
    people: dict
    orgs: dict


def build_program(labs_root) -> Program:
    """The program "Great Lakes" (three partners, two employers) and a second program with a
    partner and an employer of its own, whose people did everything too and must never count.
    """
    labs_root.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), labs_root / f"{LAB}.ipynb")
    operator = org("great-lakes", OrgKind.PROGRAM_OPERATOR, "OH", "")
    other = org("elsewhere", OrgKind.PROGRAM_OPERATOR, "PA", "")
    p1 = org("lakeshore", OrgKind.TRAINING_PARTNER, "OH", "Lake County", operator)
    p2 = org("cuyahoga", OrgKind.TRAINING_PARTNER, "OH", "Cuyahoga County", operator)
    p3 = org("madison", OrgKind.TRAINING_PARTNER, "AL", "Madison County", operator)
    px = org("outsider", OrgKind.TRAINING_PARTNER, "OH", "Lake County", other)
    e1 = org("riverbend", OrgKind.EMPLOYER, "OH", "Lake County", operator)
    e2 = org("maple", OrgKind.EMPLOYER, "AL", "Madison County", operator)
    ex = org("faraway", OrgKind.EMPLOYER, "OH", "Lake County", other)
    # A company that registered itself and chose the program, not verified yet.
    org("unverified", OrgKind.EMPLOYER, "MI", "Wayne County", operator, verified=False)

    framework = Framework(slug="fw", uuid=str(uuid.uuid4()), title="Test framework", version="1")
    db.session.add(framework)
    db.session.flush()
    comps = {}
    for code, kind in (("D", "domain"), ("D.1", "competency"), ("D.2", "competency")):
        comps[code] = Competency(framework_id=framework.id, uuid=str(uuid.uuid4()), code=code,
                                 title=f"Competency {code}", kind=kind)  # fmt: skip
        db.session.add(comps[code])
    course = Course(slug="c", title="Course", framework_id=framework.id, published=True)
    db.session.add(course)
    db.session.flush()
    module = Module(course_id=course.id, slug="m", title="M")
    db.session.add(module)
    db.session.flush()
    lessons = [
        Lesson(
            course_id=course.id,
            module_id=module.id,
            slug=f"l{i}",
            title=f"L{i}",
            path=f"l{i}.md",
            source="",
            content_hash="x",
            position=i,
        )  # fmt: skip
        for i in (1, 2)
    ]
    retired = Lesson(course_id=course.id, module_id=module.id, slug="old", title="Old",
                     path="old.md", source="", content_hash="x",
                     archived_at=at("2025-01-01"))  # fmt: skip
    db.session.add_all([*lessons, retired])
    db.session.flush()

    def cohort(host, starts, ends) -> Cohort:
        made = Cohort(host_id=host.id, name=f"{host.slug} cohort", course_id=course.id,
                      starts_on=date.fromisoformat(starts),
                      ends_on=date.fromisoformat(ends))  # fmt: skip
        db.session.add(made)
        db.session.flush()
        return made

    c1 = cohort(p1, "2026-01-10", "2026-06-30")
    c2 = cohort(p2, "2026-07-01", "2026-12-15")
    c3 = cohort(p3, "2026-03-01", "2026-09-30")
    cx = cohort(px, "2026-01-10", "2026-12-15")

    def learner(name, host, *places) -> object:
        person = factories.make_user(name=name, role=Role.APPRENTICE, org=host)
        for place, joined, left, sponsor in places:
            db.session.add(
                CohortMember(
                    cohort_id=place.id,
                    user_id=person.id,
                    role="learner",
                    status="active" if left is None else "withdrawn",
                    joined_at=at(joined),
                    left_at=at(left) if left else None,
                    sponsor_id=sponsor.id if sponsor else None,
                )  # fmt: skip
            )
        db.session.flush()
        return person

    l1 = learner("L1", p1, (c1, "2026-01-10", None, e1), (c2, "2026-07-01", None, e1))
    factories.join(l1, p2, Role.APPRENTICE)
    l2 = learner("L2", p1, (c1, "2026-01-10", "2026-02-01", None))
    l3 = learner("L3", p2, (c2, "2026-07-01", None, e1))
    l4 = learner("L4", p3, (c3, "2026-03-01", None, e2))
    l5 = learner("L5", px, (cx, "2026-01-10", None, ex))
    # An instructor of a cohort is not a learner.
    teacher = factories.make_user(name="T", role=Role.INSTRUCTOR, org=p1)
    db.session.add(CohortMember(cohort_id=c1.id, user_id=teacher.id, role="instructor",
                                joined_at=at("2026-01-01")))  # fmt: skip

    def completed(person, lesson, when) -> None:
        db.session.add(LessonCompletion(user_id=person.id, lesson_id=lesson.id,
                                        completed_at=at(when)))  # fmt: skip

    completed(l1, lessons[0], "2026-03-01")
    completed(l1, lessons[1], "2026-06-30T23:59:59")  # the last second of Q2
    completed(l3, lessons[0], "2026-08-01")  # one of two: not complete
    completed(l4, lessons[1], "2026-05-01")
    completed(l4, lessons[0], "2026-08-05")
    completed(l5, lessons[0], "2026-04-01")
    completed(l5, lessons[1], "2026-04-02")
    completed(teacher, lessons[0], "2026-04-01")
    completed(teacher, lessons[1], "2026-04-02")

    def graded(person, lab, when, attempt=1, status="graded") -> None:
        db.session.add(LabSubmission(user_id=person.id, lab_slug=lab, seed=1, notebook="{}",
                                     status=status, attempt=attempt, total=8, maximum=10,
                                     created_at=at(when), finished_at=at(when)))  # fmt: skip

    graded(l1, LAB, "2026-02-10")
    graded(l1, LAB, "2026-08-20", attempt=2)  # a second attempt adds no hours
    graded(l2, LAB, "2026-01-20", status="failed")  # never graded: no hours
    graded(l3, LAB, "2026-08-01")
    graded(l3, LAB, "2026-09-01", attempt=2)
    graded(l4, "lab-gone", "2026-08-02")  # its notebook is gone: no estimate
    graded(l5, LAB, "2026-08-01")

    badge = Achievement(slug="b", name="Badge")
    badges = [Achievement(slug=f"b{i}", name=f"Badge {i}") for i in range(4)]
    db.session.add_all([badge, *badges])
    db.session.flush()

    def credential(person, issuer, achievement, when, **extra) -> None:
        db.session.add(Credential(public_id=str(uuid.uuid4()), user_id=person.id,
                                  achievement_id=achievement.id, issuer_id=issuer.id,
                                  state=extra.pop("state", "issued"), issued_at=at(when),
                                  **extra))  # fmt: skip

    credential(l1, p1, badge, "2026-02-15")
    credential(l1, p1, badges[0], "2026-03-15", revoked_at=at("2026-04-01"))
    credential(l2, p1, badge, "2026-03-20", state="awaiting_approval")
    credential(l4, p3, badge, "2026-07-01T00:00:00")  # the first second of Q3
    credential(l5, px, badge, "2026-03-01")

    def apprenticeship(person, employer, starts, status="active") -> None:
        db.session.add(Apprenticeship(apprentice_id=person.id, program_id="p", status=status,
                                      employer_id=employer.id if employer else None,
                                      start_date=date.fromisoformat(starts)))  # fmt: skip

    apprenticeship(l1, e1, "2026-01-15")
    apprenticeship(l4, e2, "2025-06-01", status="completed")
    apprenticeship(l3, ex, "2026-07-15")  # employer outside, but L3 learns at a program partner
    apprenticeship(l5, ex, "2026-01-15")  # outside altogether
    apprenticeship(l2, None, "2027-03-01")  # starts after every period asked about

    def mastered(person, code, yes=True) -> None:
        db.session.add(MasteryState(user_id=person.id, competency_id=comps[code].id, level=3,
                                    mastered=yes, updated_at=at("2026-09-01")))  # fmt: skip

    mastered(l1, "D.1")
    mastered(l4, "D.1")
    mastered(l4, "D.2")
    mastered(l3, "D.2", yes=False)
    mastered(l5, "D.1")
    mastered(l5, "D.2")
    db.session.flush()
    return Program(
        operator, other,
        people={"l1": l1, "l2": l2, "l3": l3, "l4": l4, "l5": l5},
        orgs={"p1": p1, "p2": p2, "p3": p3, "px": px, "e1": e1, "e2": e2, "ex": ex},
    )  # fmt: skip


@pytest.fixture
def program(ctx, tmp_path):
    built = build_program(tmp_path / "labs")
    built.labs_root = tmp_path / "labs"
    return built


def run(program, **args) -> program_report.Report:
    filters = program_report.read_filters(program.operator, args, today=TODAY)
    return program_report.report(program.operator, filters, labs_root=program.labs_root)


def by_name(rows) -> dict:
    return {row.org.slug: row for row in rows}


def test_the_year_counts_everyone_in_the_program_and_no_one_outside(program):
    t = run(program).totals
    assert t.enrolled == 4  # L1 (two partners, once), L2, L3, L4; not L5, not the instructor
    assert t.completing == 2  # L1 in June, L4 in August; L3 did one lesson of two
    assert t.manufacturers == 2  # Riverbend and Maple; not Faraway (the other program's)
    assert (t.apprentices_active, t.apprentices_new, t.apprentices_completed) == (2, 2, 1)
    assert t.credentials == 2  # not the revoked one, not one awaiting approval, not Outsider's
    assert (t.labs_graded, t.labs_unestimated) == (3, 1)
    assert t.lab_hours == pytest.approx(2 * 20 / 60)  # L1 and L3 did the 20-minute lab once


def test_workers_per_quarter_are_those_enrolled_during_it(program):
    found = run(program)
    assert found.unit == "quarter"
    assert [(b.period.label, b.values) for b in found.by_period] == [
        ("2026-Q1", (3, 0)),  # L1, L2 (left in February), L4 (from March 1)
        ("2026-Q2", (2, 1)),  # L1 completed at 23:59:59 on June 30
        ("2026-Q3", (3, 1)),  # L1 (second cohort), L3, L4; L4 completed in August
        ("2026-Q4", (2, 0)),  # L4's cohort ended on September 30
    ]


def test_credentials_per_month_place_the_first_second_of_july_in_july(program):
    found = run(program)
    months = {b.period.label: b.values[0] for b in found.credentials_by_period}
    assert found.credential_unit == "month" and len(months) == 12
    assert months["Feb 2026"] == 1 and months["Jun 2026"] == 0 and months["Jul 2026"] == 1
    assert sum(months.values()) == 2


def test_a_quarter_leaves_out_what_happened_outside_it(program):
    found = run(program, period="2026-Q3")
    t = found.totals
    assert found.filters.period.first == date(2026, 7, 1)
    assert found.filters.period.last == date(2026, 9, 30)
    assert (t.enrolled, t.completing, t.credentials) == (3, 1, 1)
    assert (t.labs_graded, t.labs_unestimated) == (2, 1)  # L3's lab and L4's; L1's was in Feb
    assert t.lab_hours == pytest.approx(20 / 60)
    assert t.manufacturers == 2
    assert (t.apprentices_active, t.apprentices_new) == (2, 1)  # L3 started on July 15
    assert found.unit == "month" and [b.period.label for b in found.by_period] == [
        "Jul 2026", "Aug 2026", "Sep 2026",
    ]  # fmt: skip
    q2 = run(program, period="2026-Q2").totals
    assert (q2.completing, q2.credentials) == (1, 0)


def test_the_last_day_of_a_period_counts_in_full(program):
    june = run(program, **{"from": "2026-06-01", "to": "2026-06-30"}).totals
    assert june.completing == 1
    before = run(program, **{"from": "2026-06-01", "to": "2026-06-29"}).totals
    assert before.completing == 0


def test_a_partner_filter_keeps_that_partners_learners_and_their_employers(program):
    found = run(program, partner="lakeshore")
    t = found.totals
    assert (t.enrolled, t.completing, t.credentials) == (2, 1, 1)
    assert t.manufacturers == 1  # Riverbend sends L1
    assert t.apprentices_active == 1  # L1's
    assert list(by_name(found.partners)) == ["lakeshore"]


def test_partner_rows_count_a_learner_at_each_partner(program):
    rows = by_name(run(program).partners)
    assert list(rows) == ["cuyahoga", "lakeshore", "madison"]
    assert (rows["lakeshore"].enrolled, rows["cuyahoga"].enrolled, rows["madison"].enrolled) == (
        2, 2, 1,
    )  # fmt: skip
    assert rows["lakeshore"].completing == 1 and rows["cuyahoga"].completing == 1
    assert rows["lakeshore"].credentials == 1 and rows["madison"].credentials == 1
    assert rows["lakeshore"].lab_hours == pytest.approx(20 / 60)
    assert rows["cuyahoga"].lab_hours == pytest.approx(2 * 20 / 60)  # L1 and L3 learn there
    assert rows["lakeshore"].manufacturers == 1 and rows["madison"].manufacturers == 1
    assert (rows["lakeshore"].cohorts, rows["cuyahoga"].cohorts) == (1, 1)
    assert rows["cuyahoga"].apprentices_active == 2  # L1 (member there too) and L3


def test_county_rows_put_training_where_the_partner_is_and_manufacturers_where_they_are(program):
    rows = {(r.state, r.county): r for r in run(program).counties}
    assert list(rows) == [
        ("AL", "Madison County"), ("OH", "Cuyahoga County"), ("OH", "Lake County"),
    ]  # fmt: skip
    lake, madison = rows["OH", "Lake County"], rows["AL", "Madison County"]
    assert (lake.partners, lake.employers, lake.manufacturers) == (1, 1, 1)
    assert (lake.enrolled, lake.credentials, lake.apprentices_active) == (2, 1, 1)
    assert (madison.enrolled, madison.completing, madison.manufacturers) == (1, 1, 1)
    assert madison.apprentices_active == 0  # Maple's apprentice completed


def test_a_state_or_county_filter_keeps_only_organizations_there(program):
    alabama = run(program, state="al")
    assert [r.org.slug for r in alabama.partners] == ["madison"]
    t = alabama.totals
    assert (t.enrolled, t.manufacturers, t.apprentices_active, t.apprentices_completed) == (
        1, 1, 0, 1,
    )  # fmt: skip
    lake = run(program, county="OH:Lake County")
    assert [r.org.slug for r in lake.partners] == ["lakeshore"]
    assert [(r.state, r.county) for r in lake.counties] == [("OH", "Lake County")]
    assert lake.totals.manufacturers == 1 and lake.filters.state == "OH"


def attainment(program, **args) -> list[program_report.AttainmentRow]:
    filters = program_report.read_filters(program.operator, args, today=TODAY)
    return program_report.attainment(program.operator, filters)


def test_attainment_is_the_share_of_enrolled_workers_who_mastered_each_competency(program):
    assert [(r.code, r.mastered, r.learners, r.percent) for r in attainment(program)] == [
        ("D.1", 2, 4, 50),
        ("D.2", 1, 4, 25),  # L3 reached a level without mastering it; L5 is elsewhere
    ]
    alabama = attainment(program, state="AL")  # L4 alone, who mastered both
    assert [(r.code, r.mastered, r.learners) for r in alabama] == [("D.1", 1, 1), ("D.2", 1, 1)]


def test_the_other_program_sees_only_its_own(program):
    filters = program_report.read_filters(program.other, {}, today=TODAY)
    t = program_report.report(program.other, filters, labs_root=program.labs_root).totals
    assert (t.enrolled, t.completing, t.credentials, t.manufacturers) == (1, 1, 1, 1)
    # Faraway takes part in this program: its apprentices count here, L3's too (who learns
    # at a Great Lakes partner, so counts there as well).
    assert t.apprentices_active == 2


def test_a_program_with_nobody_yet_answers_zeros(ctx, tmp_path):
    empty = org("new-program", OrgKind.PROGRAM_OPERATOR, "OH", "")
    filters = program_report.read_filters(empty, {}, today=TODAY)
    found = program_report.report(empty, filters, labs_root=tmp_path)
    assert found.totals == program_report.Totals()
    assert found.partners == [] and found.counties == []
    assert program_report.attainment(empty, filters) == []
    assert [b.values for b in found.by_period] == [(0, 0)] * 4


@pytest.mark.parametrize(
    "args,field,words",
    [
        ({"from": "2026-13-01"}, "from", "YYYY-MM-DD"),
        ({"from": "2026-07-01", "to": "2026-06-01"}, "to", "before the first day"),
        ({"period": "2026-Q5"}, "period", "2026-Q3"),
        ({"period": "2026-Q3", "from": "2026-01-01"}, "period", "not both"),
        ({"from": "1999-01-01"}, "from", "2000"),
        ({"from": "2000-01-01", "to": "2020-01-01"}, "to", "ten years"),
        ({"partner": "outsider"}, "partner", "training partners"),
        ({"partner": "riverbend"}, "partner", "training partners"),
        ({"state": "PA"}, "state", "states where the program works"),
        ({"county": "OH:Nowhere County"}, "county", "counties where"),
        ({"state": "AL", "county": "OH:Lake County"}, "county", "not AL"),
    ],
)
def test_bad_filters_name_the_field_and_say_why(program, args, field, words):
    with pytest.raises(InvalidInput) as refused:
        program_report.read_filters(program.operator, args, today=TODAY)
    assert refused.value.field == field and words in refused.value.message


def test_only_a_program_operator_has_a_program_page(program):
    assert program_report.get_program("great-lakes") is program.operator
    with pytest.raises(NotFound):
        program_report.get_program("lakeshore")
    with pytest.raises(NotFound):
        program_report.get_program("no-such")


def test_the_filter_choices_are_the_programs_own(program):
    found = program_report.options(program.operator, today=TODAY)
    assert [p.slug for p in found.partners] == ["cuyahoga", "lakeshore", "madison"]
    assert found.states == ["AL", "OH"]  # not MI: the company there is not verified yet
    assert "unverified" not in [o.slug for o in found.organizations]
    assert ("OH", "Lake County") in found.counties and len(found.counties) == 3
    assert [p.label for p in found.shortcuts][:2] == ["2025", "2025-Q1"]


def test_csv_tables_hold_the_figures_and_no_formula(program):
    program.orgs["p1"].name = '=HYPERLINK("http://evil.example")'
    db.session.flush()
    found = run(program)
    partners = program_exports.table_csv(found, "partners").splitlines()
    assert partners[0].startswith("Partner,State,County,Cohorts running,Workers enrolled")
    cells = [row[0] for row in csv.reader(partners)]
    assert '\'=HYPERLINK("http://evil.example")' in cells
    assert "Madison (test),AL,Madison County,1,1,1,0.0,1,1,0" in partners
    summary = program_exports.table_csv(found, "summary")
    rows = {row[0]: row[1:] for row in csv.reader(summary.splitlines()) if row}
    assert (
        rows["Workers enrolled"][0] == "4"
        and "each person counts once" in rows["Workers enrolled"][1].lower()
    )
    assert rows["Period"] == ["2026 (Jan 1, 2026 – Dec 31, 2026)"]
    assert rows["Lab hours (estimated)"][0] == "0.7"
    periods = program_exports.table_csv(found, "periods").splitlines()
    assert periods[1] == "2026-Q1,2026-01-01,2026-03-31,3,0"
    shares = program_exports.attainment_csv(attainment(program)).splitlines()
    assert shares[1] == "Test framework,D.1,Competency D.1,2,4,50"
    counties = program_exports.table_csv(found, "counties").splitlines()
    assert counties[0].startswith("State,County,Training partners,Employers")
    assert len(program_exports.table_csv(found, "credentials").splitlines()) == 13

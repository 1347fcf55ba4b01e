"""The cohort pages as staff and learners use them: creating and editing a cohort, joining by
code and link, importing a roster (preview, confirm, bad files), people, due dates, and the
dashboard and course page showing due work. Refused input changes nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import AuditEvent, Cohort, CohortMember, DueDate, Invitation, User
from app.services import cohorts, due_dates
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, csrf_token, sign_in, submit, sync_tree
from tests.services.test_cohorts import LAB, make_cohort, offer_ready_lab


@dataclass
class Site:
    slug: str
    cohort: str  # public id
    code: str
    people: dict[str, int]


@pytest.fixture
def site(app) -> Site:
    """Lakeshore's cohort "Fall 2026 evening" on the demo course, taught by Ian; Ana learns in
    it; Ivy is an instructor who does not teach it; Ben has an account and no organization."""
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        offer_ready_lab()
        host = factories.make_org(slug="lakeshore", name="Lakeshore Community College")
        factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
        admin = factories.make_user(role=Role.PARTNER_ADMIN, org=host, name="Pat Admin")
        ian = factories.make_user(role=Role.INSTRUCTOR, org=host, name="Ian Reyes")
        ivy = factories.make_user(role=Role.INSTRUCTOR, org=host, name="Ivy Chen")
        ana = factories.make_user(email="ana@plant.example", name="Ana Lopez", org=host)
        ben = factories.make_user(email="ben@plant.example", name="Ben Okafor")
        cohort = make_cohort(
            host,
            admin,
            instructor_ids=(ian.public_id,),
            starts_on=date.today() - timedelta(days=10),
            ends_on=date.today() + timedelta(days=90),
        )
        cohorts.enrol(cohort, ana, via="admin", actor=admin, now=utcnow())
        db.session.commit()
        people = {"admin": admin.id, "ian": ian.id, "ivy": ivy.id, "ana": ana.id, "ben": ben.id}
        return Site(host.slug, cohort.public_id, cohort.join_code, people)


def login(app, client, site: Site, who: str) -> None:
    with app.app_context():
        sign_in(client, db.session.get(User, site.people[who]))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


# -- Creating and editing ------------------------------------------------------------------------


def cohort_form(**changes) -> dict:
    data = {
        "name": "Spring 2027 day",
        "course": "demo-course",
        "program": "",
        "starts_on": "2027-01-11",
        "ends_on": "2027-05-14",
        "schedule": "Mon–Fri 8–noon",
        "location": "Building C",
        "capacity": "24",
    }
    return {**data, **changes}


def test_partner_admin_creates_a_cohort(app, client, site):
    login(app, client, site, "admin")
    page = client.get(f"/orgs/{site.slug}/cohorts/new")
    assert "Ian Reyes" in text(page) and "Ivy Chen" in text(page)
    with app.app_context():
        ivy = db.session.get(User, site.people["ivy"]).public_id
    data = {**cohort_form(), "instructors": [ivy], "csrf_token": csrf_token(text(page))}
    response = client.post(f"/orgs/{site.slug}/cohorts/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Spring 2027 day"))
        assert response.location == f"/cohorts/{cohort.public_id}"
        assert cohort.capacity == 24 and [u.name for u in cohorts.instructors(cohort)] == [
            "Ivy Chen"
        ]
    page = text(client.get(response.location))
    assert "Spring 2027 day" in page and cohort.join_code in page and "Building C" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2026-12-01"}, "The last day cannot be before the first day."),
        ({"capacity": "0"}, "Enter a number above 0."),
        ({"course": "", "program": ""}, "Choose the course this cohort takes, or its program."),
        ({"name": ""}, "This field is required."),
        ({"starts_on": "not a date"}, "Not a valid date value."),
        ({"instructors": ["not-anyone"]}, "Choose instructors of Lakeshore Community College."),
    ],
)
def test_bad_cohort_input_is_refused_at_the_field(app, client, site, changes, message):
    login(app, client, site, "admin")
    before = count(app, Cohort)
    response = submit(client, f"/orgs/{site.slug}/cohorts/new", cohort_form(**changes))
    assert response.status_code == 422
    assert message in text(response)
    marked = ('aria-invalid="true"', 'aria-describedby="instructors-error"')
    assert any(mark in text(response) for mark in marked)
    assert count(app, Cohort) == before


def test_editing_a_cohort_is_audited(app, client, site):
    login(app, client, site, "admin")
    page = client.get(f"/cohorts/{site.cohort}/edit")
    assert 'value="Fall 2026 evening"' in text(page)
    with app.app_context():
        ian = db.session.get(User, site.people["ian"]).public_id
    data = {**cohort_form(name="Fall 2026 evening, renamed"), "instructors": [ian]}
    response = client.post(
        f"/cohorts/{site.cohort}/edit", data={**data, "csrf_token": csrf_token(text(page))}
    )
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.updated"))
        assert "name" in event.details["changed"] and "capacity" in event.details["changed"]
    response = submit(client, f"/cohorts/{site.cohort}/edit", {**data, "capacity": "0"})
    assert response.status_code == 422


def test_the_hosts_list_shows_admins_everything_and_instructors_their_own(app, client, site):
    with app.app_context():
        host = factories.Organization.query.filter_by(slug=site.slug).one()
        make_cohort(host, db.session.get(User, site.people["admin"]), name="Other cohort")
        db.session.commit()
    login(app, client, site, "admin")
    page = text(client.get(f"/orgs/{site.slug}/cohorts"))
    assert "Fall 2026 evening" in page and "Other cohort" in page and "New cohort" in page
    login(app, client, site, "ian")
    page = text(client.get(f"/orgs/{site.slug}/cohorts"))
    assert "Fall 2026 evening" in page and "Other cohort" not in page and "New cohort" not in page
    login(app, client, site, "ivy")  # an instructor there who teaches none of them
    page = text(client.get(f"/orgs/{site.slug}/cohorts"))
    assert "Fall 2026 evening" not in page and "Other cohort" not in page


# -- Joining -------------------------------------------------------------------------------------


def test_a_learner_joins_by_typing_the_code(app, client, site):
    login(app, client, site, "ben")
    assert client.get("/join").status_code == 200
    typed = f"{site.code[:4].lower()} {site.code[4:]}"
    response = client.get("/join", query_string={"code": typed})
    assert response.status_code == 302 and response.location == f"/join/{site.code}"
    page = client.get(response.location)
    assert "Join Fall 2026 evening" in text(page) and "Lakeshore Community College" in text(page)
    joined = client.post(f"/join/{site.code}", data={"csrf_token": csrf_token(text(page))})
    assert joined.status_code == 302 and joined.location == f"/cohorts/{site.cohort}"
    page = text(client.get(joined.location, follow_redirects=True))
    assert "You joined Fall 2026 evening." in page and "No due dates are set." in page
    assert "staff pages" not in page and site.code not in page  # no staff links, no code
    with app.app_context():
        member = db.session.scalar(
            select(CohortMember).where(CohortMember.user_id == site.people["ben"])
        )
        assert member.status == "active" and member.joined_via == "code"


def test_a_wrong_code_says_what_codes_look_like(app, client, site):
    login(app, client, site, "ben")
    response = client.get("/join", query_string={"code": "ZZZZ9999"})
    assert response.status_code == 422 and "No cohort has that code" in text(response)
    response = client.get("/join", query_string={"code": ""})
    assert response.status_code == 422 and "Enter the code your instructor gave you." in text(
        response
    )
    assert client.get("/join/ZZZZ9999").status_code == 404


def test_the_invite_link_asks_visitors_to_sign_in_and_come_back(app, client, site):
    page = client.get(f"/join/{site.code}")
    assert page.status_code == 200
    assert f'href="/login?next=/join/{site.code}"' in text(page)
    assert 'name="csrf_token"' not in text(page)  # no Join button for visitors
    response = client.post(f"/join/{site.code}", data={"csrf_token": "x"})
    assert response.status_code in (302, 400)
    assert count(app, CohortMember) == 2  # Ian teaches, Ana learns


def test_a_full_cohort_refuses_and_says_why(app, client, site):
    with app.app_context():
        db.session.scalar(select(Cohort)).capacity = 1
        db.session.commit()
    login(app, client, site, "ben")
    page = client.get(f"/join/{site.code}")
    assert "is full: it takes 1 learners" in text(page)
    assert "Join Fall 2026 evening</button>" not in text(page)
    response = client.post(
        f"/join/{site.code}", data={"csrf_token": csrf_token(text(page))}, follow_redirects=True
    )
    assert "is full" in text(response)
    assert count(app, CohortMember) == 2  # Ian teaches, Ana learns


# -- Roster import -------------------------------------------------------------------------------

ROSTER = (
    "\ufeffEmail,First Name,Last Name,Employer\r\n"
    "ana@plant.example,Ana,Lopez,Acme Plastics\r\n"
    "ben@plant.example,Ben,Okafor,acme\r\n"
    "cy@plant.example,Cy,Ng,\r\n"
    "not-an-email,Dee,Day,\r\n"
    'dee@plant.example,Dee,"=HYPERLINK(""http://evil.example"")",Nowhere Inc\r\n'
    "CY@plant.example,Cy,Twice,\r\n"
)


def upload(client, cohort: str, data: bytes, name: str = "fall.csv"):
    page = client.get(f"/cohorts/{cohort}/roster")
    # Encoded in memory: the test client spools large bodies to a file it does not close.
    fields = {"csrf_token": csrf_token(text(page)), "file": FileStorage(io.BytesIO(data), name)}
    boundary, body = encode_multipart(fields)
    return client.post(
        f"/cohorts/{cohort}/roster",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def confirm_token(html: str) -> str:
    return re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', html).group(1)


def test_roster_preview_then_confirm_then_nothing_to_do(app, client, site, outbox):
    login(app, client, site, "admin")
    before = (count(app, CohortMember), count(app, Invitation))
    preview = upload(client, site.cohort, ROSTER.encode())
    page = text(preview)
    assert preview.status_code == 200 and "Check the import" in page
    assert "Read as UTF-8 with a byte order mark." in page
    assert "Rows with errors (3)" in page
    assert "The same email as row 4: each learner once." in page
    assert "No employer \u201cNowhere Inc\u201d" in page
    assert "Already enrolled: employer will be recorded" in page  # Ana, now sent by Acme
    # Ben has an account elsewhere: he is asked, never enrolled by the roster alone.
    assert "Will invite by email" in page and "Has an account: asked to accept" in page
    assert "Will enrol" not in page
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in page  # shown as text
    assert (count(app, CohortMember), count(app, Invitation)) == before  # nothing written

    token, csrf = confirm_token(page), csrf_token(page)
    done = client.post(
        f"/cohorts/{site.cohort}/roster/confirm", data={"csrf_token": csrf, "token": token}
    )
    assert done.status_code == 302 and done.location == f"/cohorts/{site.cohort}/people"
    people = text(client.get(done.location))
    assert "Roster imported: 2 invited by email, 1 given their employer" in people
    assert "cy<wbr>@plant.<wbr>example" in people and "ben<wbr>@plant.<wbr>example" in people
    mails = sorted(outbox(), key=lambda m: m.to)
    assert [m.to for m in mails] == ["ben@plant.example", "cy@plant.example"]
    assert all("/invitations/" in m.body for m in mails)

    again = client.post(
        f"/cohorts/{site.cohort}/roster/confirm",
        data={"csrf_token": csrf, "token": token},
        follow_redirects=True,
    )
    assert "Nothing changed: 1 already enrolled, 2 already invited" in text(again)
    assert len(outbox()) == 2
    page = text(upload(client, site.cohort, ROSTER.encode()))
    assert "Nothing to import" in page and "Confirm import" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,employer\r\nAna,Acme\r\n", "has no \u201cemail\u201d column"),
        (bytes(range(256)) * 8, "This is not a CSV text file"),
        (b"", "The file is empty."),
    ],
    ids=["no-email-column", "binary", "empty"],
)
def test_a_file_that_cannot_be_used_is_refused_with_nothing_written(
    app, client, site, data, message
):
    login(app, client, site, "admin")
    response = upload(client, site.cohort, data)
    assert response.status_code == 422 and message in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert count(app, Invitation) == 0


def test_a_roster_over_2_mb_is_refused_before_it_is_read(app, client, site):
    login(app, client, site, "admin")
    row = b"learner-with-a-long-address@plant.example,A Learner\r\n"
    response = upload(client, site.cohort, b"email,name\r\n" + row * (3 * 1024 * 1024 // len(row)))
    assert response.status_code == 413
    assert "a roster may be at most 2 MB" in text(response)
    assert count(app, Invitation) == 0


def test_a_forged_or_foreign_preview_imports_nothing(app, client, site):
    login(app, client, site, "admin")
    page = text(upload(client, site.cohort, ROSTER.encode()))
    token, csrf = confirm_token(page), csrf_token(page)
    with app.app_context():
        host = factories.Organization.query.filter_by(slug=site.slug).one()
        other = make_cohort(
            host, db.session.get(User, site.people["admin"]), name="Other"
        ).public_id
        db.session.commit()
    for cohort, sent in ((site.cohort, token[:-3] + "abc"), (other, token)):
        response = client.post(
            f"/cohorts/{cohort}/roster/confirm",
            data={"csrf_token": csrf, "token": sent},
            follow_redirects=True,
        )
        assert "Nothing was imported: This preview has expired" in text(response)
    assert count(app, Invitation) == 0


def test_the_roster_template_downloads(app, client, site):
    login(app, client, site, "admin")
    response = client.get(f"/cohorts/{site.cohort}/roster/template.csv")
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    assert text(response) == "email,first_name,last_name,employer\r\n"


# -- People --------------------------------------------------------------------------------------


def ana_public_id(app, site) -> str:
    with app.app_context():
        return db.session.get(User, site.people["ana"]).public_id


def test_teachers_withdraw_a_learner(app, client, site):
    login(app, client, site, "ian")
    page = client.get(f"/cohorts/{site.cohort}/people")
    assert "Ana Lopez" in text(page) and "Learners (1)" in text(page)
    response = client.post(
        f"/cohorts/{site.cohort}/people/{ana_public_id(app, site)}/withdraw",
        data={"csrf_token": csrf_token(text(page))},
        follow_redirects=True,
    )
    assert "Ana Lopez is withdrawn from Fall 2026 evening." in text(response)
    assert "Learners (0)" in text(response) and "withdrawn" in text(response)


def test_moving_a_learner_says_their_work_stays_theirs(app, client, site):
    with app.app_context():
        host = factories.Organization.query.filter_by(slug=site.slug).one()
        ian = db.session.get(User, site.people["ian"])
        target = make_cohort(
            host,
            db.session.get(User, site.people["admin"]),
            name="Spring day",
            instructor_ids=(ian.public_id,),
        )
        target_id = target.public_id
        db.session.commit()
    login(app, client, site, "ian")
    url = f"/cohorts/{site.cohort}/people/{ana_public_id(app, site)}/move"
    page = client.get(url)
    assert "Their work is their own" in text(page) and "Spring day" in text(page)
    refused = client.post(url, data={"csrf_token": csrf_token(text(page)), "target": "nope"})
    assert refused.status_code == 422
    response = client.post(url, data={"csrf_token": csrf_token(text(page)), "target": target_id})
    assert response.status_code == 302
    with app.app_context():
        rows = {
            m.cohort.public_id: m.status
            for m in db.session.scalars(
                select(CohortMember).where(CohortMember.user_id == site.people["ana"])
            )
        }
        assert rows == {site.cohort: "moved", target_id: "active"}


def test_admins_manage_instructors_and_the_join_code(app, client, site):
    login(app, client, site, "admin")
    page = text(client.get(f"/cohorts/{site.cohort}/people"))
    with app.app_context():
        ivy = db.session.get(User, site.people["ivy"]).public_id
        ian = db.session.get(User, site.people["ian"]).public_id
    csrf = csrf_token(page)
    client.post(f"/cohorts/{site.cohort}/instructors", data={"csrf_token": csrf, "instructor": ivy})
    client.post(f"/cohorts/{site.cohort}/instructors/{ian}/remove", data={"csrf_token": csrf})
    client.post(
        f"/cohorts/{site.cohort}/join-code", data={"csrf_token": csrf, "action": "regenerate"}
    )
    with app.app_context():
        cohort = cohorts.get(site.cohort)
        assert [u.name for u in cohorts.instructors(cohort)] == ["Ivy Chen"]
        assert cohort.join_code not in (None, site.code)
    assert client.get(f"/join/{site.code}").status_code == 404  # the old link stops working
    response = client.post(
        f"/cohorts/{site.cohort}/join-code",
        data={"csrf_token": csrf, "action": "off"},
        follow_redirects=True,
    )
    assert "Joining by code is off" in text(response)
    assert (
        client.post(
            f"/cohorts/{site.cohort}/join-code", data={"csrf_token": csrf, "action": "delete"}
        ).status_code
        == 400
    )


def test_the_people_export_is_safe_to_open_in_a_spreadsheet(app, client, site):
    with app.app_context():
        db.session.get(User, site.people["ana"]).name = "=cmd|' /C calc'!A0"
        db.session.commit()
    login(app, client, site, "ian")
    response = client.get(f"/cohorts/{site.cohort}/people.csv")
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"


# -- Due dates and what learners see -------------------------------------------------------------


def test_due_dates_are_set_and_learners_see_what_is_due(app, client, site):
    login(app, client, site, "ian")
    page = client.get(f"/cohorts/{site.cohort}/due-dates")
    assert "end of the day (UTC)" in text(page) and "Line availability" in text(page)
    assert "A demo lab" not in text(page)  # planned: not written yet
    past, soon = date.today() - timedelta(days=2), date.today() + timedelta(days=3)
    bad = submit(
        client,
        f"/cohorts/{site.cohort}/due-dates",
        {f"due-lab-{LAB}": soon.isoformat(), "due-quiz-demo-first": "31/12/2026"},
    )
    assert bad.status_code == 422 and "Enter a date such as 2026-10-15" in text(bad)
    assert count(app, DueDate) == 0  # nothing half-saved
    ok = submit(
        client,
        f"/cohorts/{site.cohort}/due-dates",
        {f"due-lab-{LAB}": soon.isoformat(), "due-quiz-demo-first": past.isoformat()},
        follow_redirects=True,
    )
    assert "Due dates saved (2 changed)." in text(ok)

    login(app, client, site, "ana")
    cohort_page = text(client.get(f"/cohorts/{site.cohort}"))
    assert "Overdue" in cohort_page and "Quiz: The first lesson" in cohort_page
    assert f"/courses/demo-course/lessons/demo-second/labs/{LAB}" in cohort_page
    dashboard = text(client.get("/dashboard"))
    assert "Your cohorts" in dashboard and "Fall 2026 evening" in dashboard
    assert "Due work" in dashboard and "Overdue (1)" in dashboard
    assert "Line availability" in dashboard
    course = text(client.get("/courses/demo-course"))
    assert '<span class="due-tag due-overdue">Overdue</span>' in course
    assert "Quiz due" in course and soon.strftime("%b %-d, %Y") in course


def test_staff_see_due_dates_without_anyones_standing(app, client, site):
    with app.app_context():
        cohort = cohorts.get(site.cohort)
        due_dates.update(
            cohort,
            {("lab", LAB): date.today()},
            actor=db.session.get(User, site.people["admin"]),
            now=utcnow(),
        )
        db.session.commit()
    login(app, client, site, "ian")
    page = text(client.get(f"/cohorts/{site.cohort}"))
    assert "Line availability" in page and "due-tag" not in page and "Your work" not in page
    assert site.code in page  # teachers see the join code

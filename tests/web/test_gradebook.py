"""The gradebook page and its CSV, and what staff do on an attempt opened from it: comment,
set a score with a reason, grant extra attempts; what the learner then reads.

Lakeshore hosts the cohort "Evening OEE": Ana and Ben learn in it, Ian teaches it. The lab
takes one attempt. Ana's attempt is graded 3 of 5 (her availability answer is wrong).
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import event, select

from app.database import utcnow
from app.domain.roles import Role
from app.extensions import db
from app.models import (
    AttemptGrant,
    AuditEvent,
    LabSubmission,
    ScoreOverride,
    SubmissionComment,
    User,
)
from app.services import lab_catalog, lab_submissions, lab_workspaces
from tests import factories
from tests.conftest import csrf_token, sign_in
from tests.factories import LAB_ID, SEED_SECRET
from tests.sandbox.labs_fixture import HONEST
from tests.services.test_gradebook import enrol, limit_lab, make_cohort

WRONG = {"answer-availability": "availability = 0.5", "answer-oee": HONEST["answer-oee"]}
LAB = f"/courses/demo-course/lessons/demo-second/labs/{LAB_ID}"


@pytest.fixture
def app(lab_app):
    return lab_app


def learner_submits(learner: User, lab, answers=WRONG) -> LabSubmission:
    space = lab_workspaces.open_workspace(learner, lab, now=utcnow(), secret=SEED_SECRET)
    lab_workspaces.save(space, lab, answers, base_revision=space.revision, now=utcnow())
    return lab_submissions.submit_workspace(learner, lab, space, now=utcnow())


@pytest.fixture
def site(app, labs_root) -> dict:
    """Ids and public ids of the people, the cohort and Ana's graded attempt."""
    with app.app_context():
        lab = limit_lab(labs_root, max_attempts=1)
        host = factories.make_org(slug="lakeshore", name="Lakeshore Community College")
        ana = factories.make_user(org=host, name="Ana Lopez", email="ana@lakeshore.example")
        ben = factories.make_user(org=host, name="Ben Okafor", email="ben@lakeshore.example")
        ian = factories.make_user(org=host, role=Role.INSTRUCTOR, name="Ian Reyes")
        cohort = make_cohort(host, name="Evening OEE")
        for person, role in ((ana, "learner"), (ben, "learner"), (ian, "instructor")):
            enrol(cohort, person, role=role)
        attempt = learner_submits(ana, lab)
        db.session.commit()
        factories.grade_queued(labs_root)
        return {
            "ana": ana.id, "ben": ben.id, "ian": ian.id, "host": host.id,
            "cohort": cohort.public_id, "attempt": attempt.public_id, "attempt-id": attempt.id,
        }  # fmt: skip


def as_user(app, client, user_id: int) -> None:
    with app.app_context():
        sign_in(client, db.session.get(User, user_id))


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def words(text: str) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split()).replace(" .", ".")


def post(client, url: str, data: dict, **kwargs):
    token = csrf_token(client.get("/account/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def rows_of(app, model) -> list:
    with app.app_context():
        found = list(db.session.scalars(select(model)))
        db.session.expunge_all()
        return found


# The gradebook ------------------------------------------------------------------------------


def test_gradebook_shows_learners_scores_attempts_and_links_to_the_attempt(app, client, site):
    as_user(app, client, site["ian"])
    text = page(client, f"/cohorts/{site['cohort']}/gradebook")
    assert "<h1>Evening OEE</h1>" in text and "2 active learners" in text
    assert text.index("Ana Lopez") < text.index("Ben Okafor")
    assert "The first lesson quiz" in text and "Availability and OEE" in text
    link = f'href="/labs/attempts/{site["attempt"]}?cohort={site["cohort"]}"'
    assert link in text
    assert re.search(r">3<span class=\"gb-of\">/5</span>", text)
    assert "1 of 1 attempt<" in text
    assert f"/labs/attempts/{site['attempt-id']}" not in text  # never the sequential id


def test_gradebook_sorts_and_filters_on_the_server(app, client, site, labs_root):
    with app.app_context():
        ben = db.session.get(User, site["ben"])
        lab = lab_catalog.load(labs_root, LAB_ID)
        learner_submits(ben, lab, HONEST)
        db.session.commit()
        factories.grade_queued(labs_root)
    as_user(app, client, site["ian"])
    url = f"/cohorts/{site['cohort']}/gradebook"
    by_lab = page(client, f"{url}?sort=lab:{LAB_ID}&dir=desc")
    assert by_lab.index("Ben Okafor") < by_lab.index("Ana Lopez")  # 5 before 3
    assert 'aria-sort="descending"' in by_lab
    by_name = page(client, f"{url}?dir=desc")
    assert by_name.index("Ben Okafor") < by_name.index("Ana Lopez")
    only_ana = page(client, f"{url}?q=ANA@lake")
    assert "Ana Lopez" in only_ana and "Ben Okafor" not in only_ana
    assert "Showing 1 learner of 2." in only_ana
    attention = page(client, f"{url}?attention=1")  # 3 of 5 is the passing line: no one
    assert "Ana Lopez" not in attention and "No learner matches this filter" in attention
    with app.app_context():
        submission = db.session.get(LabSubmission, site["attempt-id"])
        db.session.add(ScoreOverride(submission_id=submission.id, total=2.0, reason="Copied",
                                     author_id=site["ian"], created_at=utcnow()))  # fmt: skip
        db.session.commit()
    attention = page(client, f"{url}?attention=1")  # 2 of 5 is under 60 %
    assert "Ana Lopez" in attention and "Ben Okafor" not in attention
    assert "Under 60 %" in attention and "1 needs attention" in words(attention)
    nobody = page(client, f"{url}?q=%3Cscript%3E")
    assert "<script>" not in client.get(f"{url}?q=%3Cscript%3E").get_data(as_text=True)
    assert "No learner matches this filter" in nobody


def test_gradebook_csv_downloads_every_learner_with_safe_cells(app, client, site):
    with app.app_context():
        db.session.get(User, site["ben"]).name = "=cmd|' /C calc'!A0"
        db.session.add(ScoreOverride(submission_id=site["attempt-id"], total=2.0, reason="Copied",
                                     author_id=site["ian"], created_at=utcnow()))  # fmt: skip
        db.session.commit()
    as_user(app, client, site["ian"])
    response = client.get(f"/cohorts/{site['cohort']}/gradebook.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="gradebook-evening-oee-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    head = rows[0]
    ana = dict(zip(head, next(r for r in rows if r[0] == "Ana Lopez"), strict=True))
    assert ana["Availability and OEE: best"] == ana["Availability and OEE: latest"] == "2"
    assert ana["Availability and OEE: notes"] == "under the passing line; score set by staff"
    assert any(r[0] == "'=cmd|' /C calc'!A0" for r in rows)
    filtered = client.get(f"/cohorts/{site['cohort']}/gradebook.csv?q=ana")
    assert len(list(csv.reader(io.StringIO(filtered.get_data(as_text=True))))) == 2


def test_gradebook_of_an_unknown_cohort_is_404(app, client, site):
    as_user(app, client, site["ian"])
    for wrong in ("nope", "1", "%2E%2E"):
        assert client.get(f"/cohorts/{wrong}/gradebook").status_code == 404
        assert client.get(f"/cohorts/{wrong}/gradebook.csv").status_code == 404


def count_queries(app, work) -> int:
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731 - the statement
    event.listen(engine, "before_cursor_execute", listener)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_gradebook_page_costs_the_same_queries_for_5_and_30_learners(app, client, site, labs_root):
    """The whole request, templates included: no query per learner or per cell."""
    costs = {}
    with app.app_context():
        host = db.session.get(factories.Organization, site["host"])
        ian = db.session.get(User, site["ian"])
        lab = lab_catalog.load(labs_root, LAB_ID)
        cohorts = {}
        for size in (5, 30):
            cohort = make_cohort(host, name=f"Cohort of {size}")
            enrol(cohort, ian, role="instructor")
            for n in range(size):
                learner = factories.make_user(org=host, name=f"Learner {size}-{n:02d}")
                enrol(cohort, learner)
                submission = learner_submits(learner, lab, HONEST if n % 2 else WRONG)
                submission.status, submission.total, submission.maximum = "graded", 3.0, 5.0
            cohorts[size] = cohort.public_id
        db.session.commit()
    as_user(app, client, site["ian"])
    for size, public_id in cohorts.items():
        url = f"/cohorts/{public_id}/gradebook"
        client.get(url)  # warm: the session's user and the lab's file are read once
        costs[size] = count_queries(app, lambda url=url: client.get(url))
        assert page(client, url).count('class="gb-name"') == size + 1
    assert costs[5] == costs[30], costs


# Comments, overrides and grants on the attempt -------------------------------------------------


def attempt_url(site, suffix: str = "") -> str:
    return f"/labs/attempts/{site['attempt']}{suffix}"


def test_gradebook_instructor_comments_and_the_learner_reads_it(app, client, site):
    as_user(app, client, site["ian"])
    staff_page = page(client, attempt_url(site) + f"?cohort={site['cohort']}")
    assert "Gradebook: Evening OEE" in staff_page and "Comments to the learner" in staff_page
    assert "running your notebook" not in staff_page
    response = post(client, attempt_url(site, "/comments") + f"?cohort={site['cohort']}",
                    {"body": "Availability is run time over planned time."})  # fmt: skip
    assert response.status_code == 302
    assert response.location == f"{attempt_url(site)}?cohort={site['cohort']}#comments"
    [comment] = rows_of(app, SubmissionComment)
    assert (comment.author_id, comment.body) == (site["ian"], "Availability is run time over "
                                                 "planned time.")  # fmt: skip
    as_user(app, client, site["ana"])
    own = page(client, attempt_url(site))
    assert "Comments from your instructors" in own
    assert "Ian Reyes" in own and "Availability is run time over planned time." in own
    assert "Send the comment" not in own and "Set the score" not in own


def test_gradebook_instructor_overrides_with_a_reason_and_the_learner_sees_it(app, client, site):
    as_user(app, client, site["ian"])
    reason = "Your method was right; a rounding slip."
    response = post(client, attempt_url(site, "/score"), {"total": "4.5", "reason": reason})
    assert response.status_code == 302 and response.location.endswith("#score")
    [override] = rows_of(app, ScoreOverride)
    assert (override.total, override.author_id) == (4.5, site["ian"])
    [audited] = [e for e in rows_of(app, AuditEvent) if e.action == "lab.score_overridden"]
    assert (audited.organization_id, audited.note) == (site["host"], override.reason)
    staff = words(page(client, attempt_url(site)))
    assert "Counting instead: 4.5 , set by Ian Reyes" in staff
    assert "Use the autograded score again" in staff
    as_user(app, client, site["ana"])
    own = words(page(client, attempt_url(site)))
    assert "4.5 / 5 points" in own
    assert "Score set by Ian Reyes: 4.5 (was 3) — Your method was right; a rounding slip." in own
    dashboard = page(client, "/dashboard")
    assert "4.5 / 5" in dashboard  # the best score shown to her counts the override
    as_user(app, client, site["ian"])
    cleared = post(client, attempt_url(site, "/score/clear"), {"reason": "Back to the grader"})
    assert cleared.status_code == 302
    as_user(app, client, site["ana"])
    assert "3 / 5 points" in page(client, attempt_url(site))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"total": "4", "reason": ""}, "override-reason", "Give the reason"),
        ({"total": "4", "reason": "   "}, "override-reason", "Give the reason"),
        ({"total": "7", "reason": "Bonus"}, "override-total", "from 0 to 5"),
        ({"total": "-0.5", "reason": "Penalty"}, "override-total", "from 0 to 5"),
        ({"total": "four", "reason": "Words"}, "override-total", "from 0 to 5"),
        ({"total": "", "reason": "Nothing"}, "override-total", "Enter the score"),
    ],
)
def test_gradebook_a_bad_override_is_refused_at_its_field(app, client, site, data, field, message):
    as_user(app, client, site["ian"])
    response = post(client, attempt_url(site, "/score"), data)
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    error = re.search(rf'id="{field}-error" class="field-error">([^<]*)<', text)
    assert error and message in error.group(1), text[:200]
    assert f'id="{field}"' in text and 'aria-invalid="true"' in text
    assert rows_of(app, ScoreOverride) == []
    assert not [e for e in rows_of(app, AuditEvent) if e.action.startswith("lab.")]


def test_gradebook_an_empty_comment_or_grant_is_refused(app, client, site):
    as_user(app, client, site["ian"])
    empty = post(client, attempt_url(site, "/comments"), {"body": "  "})
    assert empty.status_code == 422 and "Write the comment to the learner." in empty.get_data(
        as_text=True
    )
    for data, message in (({"extra": "0", "reason": "x"}, "from 1 to 10"),
                          ({"extra": "lots", "reason": "x"}, "from 1 to 10"),
                          ({"extra": "1", "reason": ""}, "Give the reason")):  # fmt: skip
        response = post(client, attempt_url(site, "/extra-attempts"), data)
        assert response.status_code == 422
        assert message in html.unescape(response.get_data(as_text=True))
    assert rows_of(app, SubmissionComment) == [] and rows_of(app, AttemptGrant) == []


def test_gradebook_a_score_can_only_be_set_once_graded(app, client, site, labs_root):
    with app.app_context():
        submission = db.session.get(LabSubmission, site["attempt-id"])
        submission.status = "queued"
        db.session.commit()
    as_user(app, client, site["ian"])
    response = post(client, attempt_url(site, "/score"), {"total": "4", "reason": "Early"})
    assert response.status_code == 409
    assert "Only a graded attempt" in html.unescape(response.get_data(as_text=True))
    assert rows_of(app, ScoreOverride) == []


def test_gradebook_a_grant_gives_the_learner_one_more_attempt(app, client, site):
    as_user(app, client, site["ana"])
    workspace = page(client, LAB)
    assert "You have used all 1 attempts" in workspace
    as_user(app, client, site["ian"])
    reason = "The plant network was down during the lab."
    response = post(client, attempt_url(site, "/extra-attempts"), {"extra": "1", "reason": reason})
    assert response.status_code == 302 and response.location.endswith("#attempts-allowed")
    staff = page(client, attempt_url(site))
    assert "Ana Lopez has used 1 of 2 attempts (1 for everyone, plus 1 granted)." in words(staff)
    as_user(app, client, site["ana"])
    own = page(client, attempt_url(site))
    assert "The plant network was down during the lab." in own
    workspace = page(client, LAB)
    assert "1 of 2 attempts used (1 extra granted by your instructor)" in words(workspace)
    assert "Ian Reyes allowed you 1 more attempt: The plant network was down" in workspace
    assert not re.search(r'class="submit-button" disabled', workspace)
    token = csrf_token(workspace)
    submitted = client.post(f"{LAB}/submit", data={"csrf_token": token})
    assert submitted.status_code == 302
    with app.app_context():
        second = db.session.scalar(select(LabSubmission).where(LabSubmission.attempt == 2))
        assert submitted.location == f"/labs/attempts/{second.public_id}"
    again = client.post(f"{LAB}/submit", data={"csrf_token": token}, follow_redirects=True)
    assert "Not submitted" in html.unescape(again.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/comments", "/score", "/score/clear", "/extra-attempts"])
def test_gradebook_the_learner_cannot_comment_score_or_grant_on_their_own(app, client, site, path):
    as_user(app, client, site["ana"])
    response = post(client, attempt_url(site, path),
                    {"body": "Great", "total": "5", "reason": "Me", "extra": "5"})  # fmt: skip
    assert response.status_code == 403
    as_user(app, client, site["ben"])
    assert post(client, attempt_url(site, path), {"reason": "x"}).status_code == 404
    assert rows_of(app, ScoreOverride) == [] and rows_of(app, AttemptGrant) == []
    assert rows_of(app, SubmissionComment) == []


@pytest.mark.parametrize("path", ["/comments", "/score", "/score/clear", "/extra-attempts"])
def test_gradebook_feedback_posts_need_a_csrf_token(app, client, site, path):
    as_user(app, client, site["ian"])
    response = client.post(attempt_url(site, path), data={"body": "x", "total": "4",
                                                          "reason": "x", "extra": "1"})  # fmt: skip
    assert response.status_code == 400
    assert rows_of(app, ScoreOverride) == [] and rows_of(app, SubmissionComment) == []

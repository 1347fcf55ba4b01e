"""Every route × every role: who gets the page, who is sent to sign in, who gets 403."""

from __future__ import annotations

import pytest

from app.content.case import derived_uuid
from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.services import keys
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sign_in, sync_tree
from tests.web.test_authz_cohorts import MATRIX_COHORTS, POST_ONLY_COHORTS, make_home_cohort
from tests.web.test_authz_org_admin import MATRIX_ORG_ADMIN, POST_ONLY_ORG_ADMIN

FRAMEWORK = derived_uuid("framework", "mini")
ITEM = derived_uuid("competency", "mini", "MINI.A.1")

ANON = "anonymous"
ROLES = [ANON, *Role]

# The users' organization is "home"; everyone but the platform admin belongs to it.
OK, LOGIN, FORBIDDEN, GONE, NOT_FOUND, REDIRECT = 200, 302, 403, 410, 404, 302


def signed_in_only(role):
    return LOGIN if role == ANON else OK


def guests_only(role):
    """Sign-in and registration pages send signed-in users on to their dashboard."""
    return OK if role == ANON else REDIRECT


def platform_admin_only(role):
    return {ANON: LOGIN, Role.PLATFORM_ADMIN: OK}.get(role, FORBIDDEN)


def lab_reviewers_only(role):
    """Instructors, partner admins and the platform admin may open a lab's submission list."""
    reviewers = {Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN}
    return LOGIN if role == ANON else NOT_FOUND if role in reviewers else FORBIDDEN


def signed_in_then_missing(role):
    """Signed-in users get past the login check, then find nothing (no lab file, no attempt)."""
    return LOGIN if role == ANON else NOT_FOUND


def own_or_reviewers(role):
    """An apprentice's map: theirs, and their organization's instructors' and partner admins'."""
    allowed = {Role.APPRENTICE, Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN}
    return LOGIN if role == ANON else OK if role in allowed else FORBIDDEN


def cohort_viewers_only(role):
    """The cohort heatmap and its CSV: instructors, partner admins and platform admins."""
    allowed = {Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN}
    return LOGIN if role == ANON else OK if role in allowed else FORBIDDEN


def mentors_only(role):
    return {ANON: LOGIN, Role.MENTOR: OK}.get(role, FORBIDDEN)


def assessors_only(role):
    """Instructors of the learner's organization and the platform admin; never the learner."""
    allowed = {Role.INSTRUCTOR, Role.PLATFORM_ADMIN}
    return LOGIN if role == ANON else OK if role in allowed else FORBIDDEN


def enrollers_only(role):
    """Employer and partner admins of an organization, and the platform admin, enrol."""
    enrollers = {Role.EMPLOYER, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN}
    return LOGIN if role == ANON else OK if role in enrollers else FORBIDDEN


def exporters_only(role):
    """RAPIDS and org-wide xAPI exports: employer and partner admins (their own organization,
    here "home") and the platform admin (everything)."""
    return enrollers_only(role)


def partner_admins_only(role):
    """Endorsing and branding in the organization's name: its partner admins, platform admins."""
    return {ANON: LOGIN, Role.PARTNER_ADMIN: OK, Role.PLATFORM_ADMIN: OK}.get(role, FORBIDDEN)


NO_CREDENTIAL = "/credentials/00000000-0000-0000-0000-000000000000"

LAB = "/courses/demo-course/lessons/demo-second/labs/lab-demo"  # planned: no lab file yet

# endpoint → (URL, expected status for each role)
MATRIX = {
    "main.home": ("/", lambda role: OK),
    "ops.healthz": ("/healthz", lambda role: OK),  # public: load balancers, orchestrators
    "ops.readyz": ("/readyz", lambda role: OK),
    "ops.prometheus": ("/metrics", lambda role: OK),  # from this host; elsewhere see test_ops
    "main.privacy": ("/privacy", lambda role: OK),
    "main.terms": ("/terms", lambda role: OK),
    "main.accessibility": ("/accessibility", lambda role: OK),
    "main.dashboard": ("/dashboard", signed_in_only),
    "auth.register": ("/register", guests_only),
    "auth.login": ("/login", guests_only),
    "auth.forgot_password": ("/forgot-password", lambda role: OK),
    "auth.reset_password": ("/reset-password/not-a-real-token", lambda role: GONE),
    "auth.finish_registration": ("/register/not-a-real-token", lambda role: GONE),
    "account.settings": ("/account/", signed_in_only),
    "orgs.detail": ("/orgs/home", signed_in_only),  # every role here is a member or admin
    "orgs.logo": ("/orgs/home/logo.png", lambda role: NOT_FOUND),  # public; "home" has none
    "admin.overview": ("/admin/", platform_admin_only),
    "admin.user_list": ("/admin/users", platform_admin_only),
    "dev.outbox": ("/dev/outbox", lambda role: NOT_FOUND),  # DEV_MODE is off
    "dev.message": ("/dev/outbox/20260101T000000000000Z-00000000", lambda role: NOT_FOUND),
    "courses.catalog": ("/courses", lambda role: OK),
    "courses.detail": ("/courses/demo-course", lambda role: OK),
    "courses.lesson": ("/courses/demo-course/lessons/demo-first", signed_in_only),
    "courses.asset": ("/courses/demo-course/assets/dot.svg", lambda role: OK),
    "courses.search": ("/search?q=scan", lambda role: OK),
    "courses.lab_download": (
        "/courses/demo-course/lessons/demo-second/labs/lab-demo.ipynb",
        lambda role: LOGIN if role == ANON else NOT_FOUND,  # not built in the fixture
    ),
    "labs.workspace": (LAB, signed_in_then_missing),
    "labs.events": (f"{LAB}/events", signed_in_then_missing),
    "labs.stream": (f"{LAB}/stream", signed_in_then_missing),
    "labs.download": (f"{LAB}/notebook.ipynb", signed_in_then_missing),
    "lab_attempts.attempt": ("/labs/attempts/1", signed_in_then_missing),
    "lab_attempts.progress": ("/labs/attempts/1/progress", signed_in_then_missing),
    "lab_attempts.stream": ("/labs/attempts/1/stream", signed_in_then_missing),
    "lab_attempts.submissions": ("/labs/lab-demo/submissions", lab_reviewers_only),
    "competencies.own_map": ("/competencies/", signed_in_only),
    "competencies.learner_map": ("/competencies/learners/{apprentice}", own_or_reviewers),
    "competencies.cohort": ("/competencies/cohort", cohort_viewers_only),
    "competencies.cohort_csv": ("/competencies/cohort.csv", cohort_viewers_only),
    "exports.index": ("/exports/", signed_in_only),
    "exports.rapids_csv": ("/exports/rapids.csv", exporters_only),
    "exports.xapi_jsonl": ("/exports/xapi.jsonl", exporters_only),
    "exports.my_statements": ("/exports/my-statements.jsonl", signed_in_only),
    "apprenticeship.mine": ("/apprenticeship", signed_in_only),
    "apprenticeship.overview": ("/apprenticeships/1", signed_in_then_missing),
    "apprenticeship.log_hours": ("/apprenticeships/1/log", signed_in_then_missing),
    "apprenticeship.record": ("/apprenticeships/1/record", signed_in_then_missing),
    "apprenticeship.record_pdf_file": ("/apprenticeships/1/record.pdf", signed_in_then_missing),
    "apprenticeship.record_attendance": ("/apprenticeships/1/attendance", signed_in_then_missing),
    "apprenticeship.entry": ("/ojl/1", signed_in_then_missing),
    "apprenticeship.edit_entry": ("/ojl/1/edit", signed_in_then_missing),
    "apprenticeship.sign_off": ("/sign-off", mentors_only),
    "apprenticeship.enrol": ("/apprenticeships/new", enrollers_only),
    "assessments.assess": ("/competencies/learners/{apprentice}/assess", assessors_only),
    "assessments.observations": ("/apprenticeships/1/observations", signed_in_then_missing),
    "prior_learning.index": ("/prior-learning/", signed_in_only),
    "prior_learning.new": ("/prior-learning/new", signed_in_only),
    "prior_learning.claim": ("/prior-learning/1", signed_in_then_missing),
    "prior_learning.document": ("/prior-learning/1/document", signed_in_then_missing),
    "case.documents": ("/ims/case/v1p1/CFDocuments", lambda role: OK),
    "case.document": (f"/ims/case/v1p1/CFDocuments/{FRAMEWORK}", lambda role: OK),
    "case.package": (f"/ims/case/v1p1/CFPackages/{FRAMEWORK}", lambda role: OK),
    "case.item": (f"/ims/case/v1p1/CFItems/{ITEM}", lambda role: OK),
    "did.org_document": ("/orgs/home/did.json", lambda role: OK),  # verifiers anywhere
    "did.platform_document": ("/.well-known/did.json", lambda role: NOT_FOUND),  # no key
    # Credentials: a missing one answers 404 alike to everyone, so addresses reveal nothing.
    "credentials.wallet": ("/credentials", signed_in_only),
    "credentials.page": (NO_CREDENTIAL, lambda role: NOT_FOUND),
    "credentials.download_json": (f"{NO_CREDENTIAL}.json", lambda role: NOT_FOUND),
    "credentials.badge_svg": (f"{NO_CREDENTIAL}/badge.svg", lambda role: NOT_FOUND),
    "credentials.badge_png": (f"{NO_CREDENTIAL}/badge.png", lambda role: NOT_FOUND),
    "credentials.status_list": ("/credentials/status/none", lambda role: NOT_FOUND),
    "learner_record.download": ("/credentials/learner-record.json", signed_in_then_missing),
    "badges.catalogue": ("/badges", lambda role: OK),
    "badges.detail": ("/badges/no-such-badge", lambda role: NOT_FOUND),
    "badges.image": ("/badges/no-such-badge/image.svg", lambda role: NOT_FOUND),
    "credential_admin.approvals": ("/credentials/approvals", cohort_viewers_only),
    "credential_admin.issued": ("/orgs/home/credentials", cohort_viewers_only),
    "credential_admin.issued_csv": ("/orgs/home/credentials.csv", cohort_viewers_only),
    "credential_admin.detail": ("/orgs/home/credentials/not-a-credential", lab_reviewers_only),
    "credential_admin.endorsements_page": ("/orgs/home/endorsements", partner_admins_only),
    "credential_admin.branding": ("/orgs/home/branding", partner_admins_only),
    "credential_admin.endorsement_json": ("/endorsements/not-one", lambda role: NOT_FOUND),
    "verify.index": ("/verify", lambda role: OK),
    "verify.job": ("/verify/bulk/nope", lambda role: NOT_FOUND),
    "verify.job_progress": ("/verify/bulk/nope/progress", lambda role: NOT_FOUND),
    "verify.job_csv": ("/verify/bulk/nope/results.csv", lambda role: NOT_FOUND),
}
# Routes that only accept POST, checked in test_csrf and their own tests.
# The lab endpoints have their own tests in test_labs.py and test_lab_attempts.py.
POST_ONLY = {
    "auth.logout",
    "account.change_password",
    "account.sign_out_everywhere",
    "courses.complete",
    "courses.answer",
    *(f"labs.{name}" for name in ("save", "run", "interrupt", "restart", "reset_cell")),
    "labs.clear_outputs",
    *(f"labs.{name}" for name in ("add_cell", "delete_cell", "render_cell")),
    *(f"labs.{name}" for name in ("complete", "inspect", "widget")),
    *(f"labs.{name}" for name in ("submit", "upload")),
    "lab_attempts.regrade",
    "apprenticeship.withdraw_entry",
    "apprenticeship.review_entry",
    "prior_learning.review",
    "prior_learning.withdraw",
    "assessments.withdraw",
    "credentials.sharing",
    *(
        f"credential_admin.{name}"
        for name in ("approve", "decline", "reconsider", "revoke", "suspend", "reinstate")
    ),
    "credential_admin.endorse",
    "credential_admin.remove_logo",
    "credential_admin.withdraw_endorsement",
    "verify.check",
    "verify.api",
    "verify.bulk",
}


# Employers and a learner's sharing page: "home" is a training partner, so nobody sees an
# employer's people there (not even the platform admin: it is no employer).
MATRIX.update(
    {
        "employers.register": ("/employers/new", signed_in_only),
        "employers.people": (
            "/orgs/home/people",
            lambda role: LOGIN if role == ANON else FORBIDDEN,
        ),
        "account.sharing": ("/account/sharing", signed_in_only),
        "employers.waiting": ("/employers/waiting", platform_admin_only),
        # The state program's view: "home" is a training partner, so no program is found.
        "program.index": ("/programs", platform_admin_only),
        "program.dashboard": ("/programs/home", signed_in_then_missing),
        "program.competencies": ("/programs/home/competencies", signed_in_then_missing),
        "program.report_csv": ("/programs/home/report.csv", signed_in_then_missing),
    }
)
POST_ONLY |= {
    "employers.sponsor",
    "employers.assign_mentor",
    "account.change_sharing",
    "employers.verify",
}
# The gradebook (a made-up cohort: found by nobody) and the staff's actions on an attempt.
MATRIX.update(
    {
        "gradebook.cohort": ("/cohorts/nope/gradebook", signed_in_then_missing),
        "gradebook.cohort_csv": ("/cohorts/nope/gradebook.csv", signed_in_then_missing),
    }
)
POST_ONLY |= {
    "lab_attempts.comment",
    "lab_attempts.override_score",
    "lab_attempts.clear_score",
    "lab_attempts.grant_attempts",
}
# The pages of each part of issue 14, kept beside their own tests.
MATRIX.update(MATRIX_ORG_ADMIN)
MATRIX.update(MATRIX_COHORTS)
POST_ONLY |= POST_ONLY_ORG_ADMIN | POST_ONLY_COHORTS


@pytest.fixture
def people(app):
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        home = factories.make_org(slug="home")
        users = {
            role: factories.make_user(
                role=role, org=None if role is Role.PLATFORM_ADMIN else home
            ).id
            for role in Role
        }
        make_home_cohort(home, users)
        db.session.commit()
        keys.generate(home, now=utcnow())  # its DID document is public
    return users


def test_matrix_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints == set(MATRIX) | POST_ONLY


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_role_as_expected(app, people, endpoint):
    """Every role in turn, each in a browser of its own, on one world: the pages are GETs."""
    url, expected = MATRIX[endpoint]
    with app.app_context():
        apprentice = db.session.get(factories.User, people[Role.APPRENTICE]).public_id
    answers = {}
    for role in ROLES:
        client = app.test_client()
        if role != ANON:
            with app.app_context():
                sign_in(client, db.session.get(factories.User, people[role]))
        response = client.get(url.format(apprentice=apprentice))
        response.close()  # a streamed body ends here, before the next role's request
        answers[str(role)] = response.status_code
        if response.status_code == LOGIN and role == ANON:
            assert response.location.startswith("/login?next=")
    assert answers == {str(role): expected(role) for role in ROLES}


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.PLATFORM_ADMIN], ids=str)
def test_org_page_is_closed_to_other_organizations(app, client, role):
    with app.app_context():
        factories.make_org(slug="elsewhere", kind=OrgKind.EMPLOYER)
        outsider = factories.make_user(role=role, org=factories.make_org(slug="mine"))
        db.session.commit()
        sign_in(client, outsider)
    assert client.get("/orgs/elsewhere").status_code == 403
    assert client.get("/orgs/mine").status_code == 200


def test_apprentices_see_their_org_but_not_its_member_list(app, client, people):
    with app.app_context():
        sign_in(client, db.session.get(factories.User, people[Role.APPRENTICE]))
    page = client.get("/orgs/home").get_data(as_text=True)
    assert "Members per role" in page
    assert "Everyone at" not in page and "@shopfloor.example" not in page


@pytest.mark.parametrize("role", [Role.MENTOR, Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.EMPLOYER])
def test_staff_see_their_org_member_list(app, client, people, role):
    with app.app_context():
        sign_in(client, db.session.get(factories.User, people[role]))
        apprentice_email = db.session.get(factories.User, people[Role.APPRENTICE]).email
    page = client.get("/orgs/home").get_data(as_text=True)
    assert apprentice_email in page


def test_unknown_org_is_404(app, client, people):
    with app.app_context():
        sign_in(client, db.session.get(factories.User, people[Role.PLATFORM_ADMIN]))
    assert client.get("/orgs/no-such-org").status_code == 404


def test_dev_outbox_is_open_only_in_dev_mode(make_app):
    client = make_app(DEV_MODE=True).test_client()
    assert client.get("/dev/outbox").status_code == 200
    assert client.get("/dev/outbox/20260101T000000000000Z-00000000").status_code == 404


def test_deactivated_user_is_treated_as_signed_out(app, client):
    with app.app_context():
        user = factories.make_user(active=False)
        db.session.commit()
        sign_in(client, user)
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.location.startswith("/login")

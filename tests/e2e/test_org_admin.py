"""Organization administration in the browser, on a phone (390 × 844) and a desktop: the
platform admin creates a college and invites its first admin; she opens the link from the
mail outbox, registers on the invitation's page and lands on the college's page as its admin;
she invites an instructor, changes a mentor's role, deactivates a learner who left, and finds
it all in the audit trail. The used link then says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.models import Organization
from tests import factories
from tests.e2e.layout import assert_no_sideways_scroll

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PASSWORD = "lathe-copper-orbit-52"

# The elements sticking out to the right, named for the assertion message.


@pytest.fixture
def platform(live_server):
    """A platform admin, and the state program a new college will take part in."""
    with live_server.app.app_context():
        factories.make_user(
            email="pia@shopfloor.example", name="Pia Platform", role=Role.PLATFORM_ADMIN
        )
        factories.make_org(
            slug="ohio-mp", name="Ohio Manufacturing Partnership", kind=OrgKind.PROGRAM_OPERATOR
        )
        db.session.commit()
    return live_server


def add_people(site) -> None:
    """Ana (a learner) and Mo (a mentor) were at the college before it came to Shopfloor."""
    with site.app.app_context():
        college = db.session.scalar(
            db.select(Organization).where(Organization.slug == "lakeshore-cc")
        )
        factories.make_user(email="ana@plant.example", name="Ana Lopez", org=college)
        factories.make_user(
            email="mo@plant.example", name="Mo Okafor", org=college, role=Role.MENTOR
        )
        db.session.commit()


def sign_out(ui) -> None:
    ui.locator("summary", has_text="account menu").click()
    ui.get_by_role("button", name="Sign out").click()
    expect(ui.get_by_role("status")).to_contain_text("You are signed out")


def test_a_college_is_created_and_its_admin_runs_it(platform, ui, viewport):
    if viewport == "phone":
        ui.set_viewport_size(PHONE)
    site = platform

    # The platform admin creates the college and invites its first admin.
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill("pia@shopfloor.example")
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Pia")
    ui.goto(site("/admin/orgs/new"))
    expect(ui.get_by_role("heading", level=1)).to_have_text("New organization")
    ui.get_by_label("Name", exact=True).fill("Lakeshore Community College")
    ui.get_by_label("Kind").select_option("training_partner")
    ui.get_by_label("Description").fill("Two-year college: machining, mechatronics, welding.")
    ui.get_by_label("Town or city").fill("Painesville, OH")
    ui.get_by_label("State", exact=True).select_option("OH")
    ui.get_by_label("County").fill("Lake")
    ui.get_by_label("State program").select_option(label="Ohio Manufacturing Partnership")
    ui.get_by_label("Web address name").fill("Lakeshore CC")  # not a valid address name
    ui.get_by_label("First admin's email address").fill("pat@lakeshore.example")
    ui.get_by_label("First admin's name (optional)").fill("Pat Price")
    ui.get_by_role("button", name="Create and send the invitation").click()
    expect(ui.locator("#slug-error")).to_contain_text("Use lower-case letters")
    assert_no_sideways_scroll(ui)
    ui.shot("new-org-refused")
    ui.get_by_label("Web address name").fill("lakeshore-cc")
    ui.get_by_role("button", name="Create and send the invitation").click()
    expect(ui.get_by_role("status")).to_contain_text(
        "Lakeshore Community College is created, and pat@lakeshore.example is invited to run "
        "it as a partner admin."
    )
    expect(ui.get_by_role("heading", name="Open invitations (1)")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("created")
    add_people(site)
    sign_out(ui)

    # Pat opens the link from the outbox and registers on the invitation's page.
    ui.goto(site("/dev/outbox"))
    ui.get_by_role("link", name="You are invited to join Lakeshore Community College").click()
    expect(ui.locator(".email-body")).to_contain_text("Pia Platform invited you to join")
    ui.locator(".email-body a").click()
    link = ui.url
    expect(ui.get_by_role("heading", level=1)).to_have_text("Join Lakeshore Community College")
    expect(ui.get_by_text("Partner admin", exact=True)).to_be_visible()
    expect(ui.get_by_label("Full name")).to_have_value("Pat Price")
    assert_no_sideways_scroll(ui)
    ui.shot("invitation")
    ui.get_by_label("Password", exact=True).fill(PASSWORD)
    ui.get_by_label("Repeat the password").fill(PASSWORD)
    ui.get_by_role("button", name="Create account and join").click()
    expect(ui).to_have_url(site("/orgs/lakeshore-cc"))
    expect(ui.get_by_role("status")).to_contain_text(
        "Welcome: you joined Lakeshore Community College as a partner admin."
    )
    expect(ui.get_by_role("heading", level=1)).to_have_text("Lakeshore Community College")
    expect(
        ui.get_by_role("heading", name="Everyone at Lakeshore Community College")
    ).to_be_visible()
    ui.shot("org-page")

    # She invites an instructor.
    ui.goto(site("/orgs/lakeshore-cc/members"))
    invite = ui.get_by_role("region", name="Invite someone")
    invite.get_by_label("Email address").fill("ian@lakeshore.example")
    invite.get_by_label("Name (optional)").fill("Ian Reyes")
    invite.get_by_label("Role").select_option(label="Instructor")
    invite.get_by_role("button", name="Send invitation").click()
    expect(ui.get_by_role("status")).to_contain_text(
        "Invitation sent to Ian Reyes (ian@lakeshore.example) as an instructor."
    )
    expect(ui.get_by_role("heading", name="Ian Reyes")).to_be_visible()

    # She makes Mo an instructor.
    ui.get_by_label("New role of Mo Okafor").select_option(label="Instructor")
    ui.get_by_role("button", name="Change role of Mo Okafor").click()
    expect(ui.get_by_role("status")).to_contain_text(
        "Mo Okafor is now an instructor at Lakeshore Community College."
    )
    expect(ui.get_by_label("New role of Mo Okafor")).to_have_value("instructor")
    assert_no_sideways_scroll(ui)
    ui.shot("members")

    # She deactivates Ana, who left, after a confirmation.
    ui.get_by_role("link", name="Deactivate Ana Lopez").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Deactivate Ana Lopez?")
    ui.get_by_label("Reason (optional)").fill("Moved to another plant in May.")
    assert_no_sideways_scroll(ui)
    ui.shot("deactivate-confirm")
    ui.get_by_role("button", name="Yes, deactivate Ana Lopez").click()
    expect(ui.get_by_role("status")).to_contain_text("Ana Lopez is deactivated")
    deactivated = ui.get_by_role("region", name="Deactivated (1)")
    expect(deactivated).to_contain_text("Ana Lopez")
    expect(deactivated.get_by_role("button", name="Reactivate Ana Lopez")).to_be_visible()
    ui.shot("after-deactivation")

    # She adds the college's programs to its description.
    admin_nav = ui.get_by_role("navigation", name="Lakeshore Community College: administration")
    admin_nav.get_by_role("link", name="Details").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Details")
    expect(ui.get_by_label("Kind")).to_have_count(0)  # the platform admin's to change
    ui.get_by_label("Description").fill(
        "Two-year college: machining, mechatronics, welding and industrial maintenance."
    )
    assert_no_sideways_scroll(ui)
    ui.shot("details")
    ui.get_by_role("button", name="Save details").click()
    expect(ui.get_by_role("status")).to_contain_text("Saved: description.")
    expect(ui.get_by_text("industrial maintenance")).to_be_visible()

    # It is all in the audit trail, newest first.
    ui.goto(site("/orgs/lakeshore-cc/members"))
    admin_nav.get_by_role("link", name="Audit trail").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Audit trail")
    rows = ui.get_by_role("table").locator("tbody tr")
    expected = [
        (
            "Pat Price",
            "Edited the organization's details: description",
            "Lakeshore Community College",
            "—",
        ),
        ("Pat Price", "Deactivated (learner)", "Ana Lopez", "Moved to another plant in May."),
        ("Pat Price", "Changed role from mentor to instructor", "Mo Okafor", "—"),
        ("Pat Price", "Invited as instructor", "ian@lakeshore.example", "—"),
        ("Pat Price", "Accepted the invitation as partner admin", "Pat Price", "—"),
        ("Pia Platform", "Added as partner admin", "Pat Price", "Joined through an invitation."),
    ]
    for index, (who, what, subject, note) in enumerate(expected):
        row = rows.nth(index)
        expect(row.locator('[data-label="Who"]')).to_have_text(who)
        expect(row.locator('[data-label="What"]')).to_have_text(what)
        expect(row.locator('[data-label="Subject"]')).to_have_text(subject)
        expect(row.locator('[data-label="Note"]')).to_have_text(note)
    expect(ui.get_by_role("cell", name="Created the organization")).to_be_visible()
    assert_no_sideways_scroll(ui)
    ui.shot("audit")

    # The link she used works once.
    ui.goto(link)
    expect(ui.get_by_role("heading", level=1)).to_have_text("This invitation was already used")
    ui.shot("used-link")
    # The refused form (422) and the used link (410) answer with error statuses, on purpose.
    expected_statuses = ("status of 422", "status of 410")
    assert [e for e in ui.console_errors if not any(s in e for s in expected_statuses)] == []

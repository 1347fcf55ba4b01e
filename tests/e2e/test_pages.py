"""Every signed-in page in a real browser, for the roles that use it, at both viewports."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.extensions import db
from app.services import demo
from tests.conftest import FIXTURE_CURRICULA, sync_tree

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_site(live_server):
    """The demo people, and the fixture curriculum as the courses they see."""
    with live_server.app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        demo.seed(now=utcnow())
        db.session.commit()
    return live_server


# Where a text wraps: "a|b" for each pair of characters that sit on different lines.
WRAPS = """e => {
  const range = document.createRange(), out = [];
  let last = null, prev = "";
  for (const node of e.childNodes) {
    if (node.nodeType !== Node.TEXT_NODE) continue;
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const top = Math.round(range.getBoundingClientRect().top);
      if (last !== null && top > last + 2) out.push(prev + "|" + node.data[i]);
      last = top; prev = node.data[i];
    }
  }
  return out;
}"""


def sign_in(ui, site, email, password=demo.DEMO_PASSWORD):
    ui.goto(site("/login"))
    ui.get_by_label("Email address").fill(email)
    ui.get_by_label("Password").fill(password)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui).to_have_url(site("/dashboard"))


def test_apprentice_dashboard_and_org_page(demo_site, ui):
    sign_in(ui, demo_site, "apprentice@shopfloor.example")
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Avery")
    expect(ui.get_by_text("Lakeshore Community College (demo)").first).to_be_visible()
    expect(ui.get_by_role("heading", name="Your instructors")).to_be_visible()
    expect(ui.get_by_text("Indira Instructor")).to_be_visible()
    expect(
        ui.get_by_role("region", name="Courses").get_by_role("progressbar").first
    ).to_be_visible()
    ui.shot("dashboard")
    ui.get_by_role("link", name="Organization page").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Lakeshore Community College (demo)")
    expect(ui.get_by_text("Members per role")).to_be_visible()
    expect(ui.get_by_text("instructor@shopfloor.example")).to_have_count(0)
    ui.shot("org-page")
    assert ui.console_errors == []


@pytest.mark.parametrize(
    "email,greeting,panel,person",
    [
        ("mentor@shopfloor.example", "Hello, Morgan", "Your apprentices", None),
        ("instructor@shopfloor.example", "Hello, Indira", "Learners", "Avery Apprentice"),
        (
            "partner@shopfloor.example",
            "Hello, Parker",
            "Everyone at Carver State University (demo)",
            "Parker Partner-Admin",
        ),
        ("employer@shopfloor.example", "Hello, Emery", "Mentors", "Morgan Mentor"),
    ],
    ids=["mentor", "instructor", "partner-admin", "employer"],
)
def test_staff_dashboards(demo_site, ui, email, greeting, panel, person):
    sign_in(ui, demo_site, email)
    expect(ui.get_by_role("heading", level=1)).to_have_text(greeting)
    expect(ui.get_by_role("heading", name=panel, exact=True)).to_be_visible()
    if person:
        expect(ui.get_by_role("cell", name=person).first).to_be_visible()
    expect(ui.get_by_role("figure")).to_contain_text("Accounts per role")
    expect(ui.get_by_role("figure")).not_to_contain_text("Platform admin")
    courses = ui.get_by_role("region", name="Courses")
    expect(courses.get_by_role("progressbar")).to_have_count(0)  # staff: no progress of their own
    expect(courses).to_contain_text("lessons · about")
    ui.shot(email.split("@")[0])


def test_platform_admin_pages(demo_site, ui):
    sign_in(ui, demo_site, "admin@shopfloor.example")
    expect(ui.get_by_text("3", exact=True).first).to_be_visible()
    ui.shot("dashboard")
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Overview")
    expect(ui.get_by_role("link", name="Riverbend Precision Packaging (demo)")).to_be_visible()
    ui.shot("admin-overview")
    ui.get_by_role("link", name="All users").click()
    ui.get_by_label("Role").select_option("mentor")
    ui.get_by_role("button", name="Filter").click()
    expect(ui.get_by_text("1 account with the role Mentor.")).to_be_visible()
    ui.evaluate("document.fonts.ready.then(() => true)")  # measured in the page's own font
    select, button = ui.get_by_label("Role").bounding_box(), ui.get_by_role("button", name="Filter")
    assert button.bounding_box()["height"] == pytest.approx(select["height"], abs=1)
    ui.shot("admin-users")
    ui.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Overview").click()
    ui.get_by_role("link", name="Carver State University (demo)").click()
    expect(ui.get_by_role("heading", name=re.compile("Everyone at Carver"))).to_be_visible()


def test_account_menu_items_look_alike(demo_site, ui):
    """Are "Account settings" and "Sign out" styled as the same kind of menu item?"""
    sign_in(ui, demo_site, "partner@shopfloor.example")
    ui.locator("summary", has_text="account menu").click()
    menu = ui.get_by_role("navigation", name="Main")
    link, button = (
        menu.get_by_role("link", name="Account settings"),
        menu.get_by_role("button", name="Sign out"),
    )
    style = (
        "e => { const s = getComputedStyle(e);"
        " return [s.color, s.textDecorationLine, s.fontSize, s.textAlign, s.paddingLeft] }"
    )
    assert link.evaluate(style) == button.evaluate(style)
    assert link.bounding_box()["width"] == pytest.approx(button.bounding_box()["width"], abs=1)
    button.focus()
    ui.shot("menu")


def test_email_addresses_wrap_between_words_only(demo_site, ui):
    """A long address in the profile card breaks before "@" or after a dot, never mid-word."""
    sign_in(ui, demo_site, "instructor@shopfloor.example")
    email = ui.get_by_role("region", name="Your profile").locator("dd.email")
    expect(email).to_have_text("instructor@shopfloor.example")
    breaks = email.evaluate(WRAPS)
    assert all(b.endswith("|@") or b.startswith(".|") for b in breaks), breaks
    ui.shot("profile")


def test_change_password_from_account_settings(demo_site, ui):
    sign_in(ui, demo_site, "mentor@shopfloor.example")
    ui.locator("summary", has_text="account menu").click()
    ui.get_by_role("navigation", name="Main").get_by_role("link", name="Account settings").click()
    expect(ui.get_by_role("heading", level=1)).to_have_text("Account settings")
    ui.get_by_label("Current password").fill("not-my-password")
    ui.get_by_label("New password", exact=True).fill("spindle-coolant-gauge-7")
    ui.get_by_label("Repeat the new password").fill("spindle-coolant-gauge-7")
    ui.get_by_role("button", name="Change password").click()
    expect(ui.locator("#current_password-error")).to_have_text("That is not your current password.")
    ui.shot("wrong-current")
    ui.get_by_label("Current password").fill(demo.DEMO_PASSWORD)
    ui.get_by_label("New password", exact=True).fill("spindle-coolant-gauge-7")
    ui.get_by_label("Repeat the new password").fill("spindle-coolant-gauge-7")
    ui.get_by_role("button", name="Change password").click()
    expect(ui.get_by_role("status")).to_contain_text("Your password is changed")
    ui.shot("changed")


def test_forbidden_and_missing_pages(demo_site, ui):
    sign_in(ui, demo_site, "apprentice@shopfloor.example")
    response = ui.goto(demo_site("/admin/"))
    assert response.status == 403
    expect(ui.get_by_role("heading", level=1)).to_have_text("Not allowed")
    ui.shot("403")
    response = ui.goto(demo_site("/no/such/page"))
    assert response.status == 404
    expect(ui.get_by_role("heading", level=1)).to_have_text("Page not found")
    ui.shot("404")


def test_keyboard_reaches_skip_link_and_sign_in(demo_site, ui):
    ui.goto(demo_site("/"))
    ui.keyboard.press("Tab")
    expect(ui.get_by_role("link", name="Skip to main content")).to_be_focused()
    ui.keyboard.press("Enter")
    expect(ui).to_have_url(re.compile("#content$"))
    ui.goto(demo_site("/login"))
    ui.get_by_label("Email address").focus()
    ui.keyboard.type("apprentice@shopfloor.example")
    ui.keyboard.press("Tab")
    ui.keyboard.type(demo.DEMO_PASSWORD)
    ui.keyboard.press("Enter")
    expect(ui.get_by_role("heading", level=1)).to_have_text("Hello, Avery")


@pytest.mark.parametrize("name,heading,fact", [
    ("Privacy", "Privacy", "No advertising, analytics or tracking"),
    ("Terms of use", "Terms of use", "Keep your password to yourself"),
    ("Accessibility", "Accessibility", "WCAG"),
])  # fmt: skip
def test_site_pages_from_the_footer(demo_site, ui, name, heading, fact):
    ui.goto(demo_site("/courses"))
    footer = ui.get_by_role("contentinfo")
    footer.get_by_role("link", name=name).click()
    expect(ui.get_by_role("heading", level=1)).to_have_text(heading)
    expect(ui.get_by_role("main")).to_contain_text(fact)
    expect(footer.get_by_role("link", name=name)).to_have_attribute("aria-current", "page")
    ui.shot(name.split()[0].lower())


# The focused element ("" for none, "again" once the focus comes round to an element seen
# before) and whether it shows a ring a keyboard user can see: an outline of 2 px or more,
# or a box shadow.
FOCUS = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  if (e === document.body) return ["", false];
  if (e.dataset.focusSeen) return ["again", true];
  e.dataset.focusSeen = "yes";
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  const name = `${e.tagName} ${(e.textContent || "").trim().slice(0, 30)}`;
  return [name, outline || s.boxShadow !== "none"];
}"""


def tab_stops(ui, limit=80):
    stops = []
    for _ in range(limit):
        ui.keyboard.press("Tab")
        name, ring = ui.evaluate(FOCUS)
        if name in ("", "again"):
            break
        stops.append((name, ring))
    return stops


@pytest.mark.parametrize("path", ["/admin/users", "/dashboard", "/privacy"])
def test_focus_is_visible_at_every_tab_stop(demo_site, ui, path):
    """Tabbing through a whole page, and through the open account menu, every stop shows
    where the focus is."""
    sign_in(ui, demo_site, "admin@shopfloor.example")
    ui.goto(demo_site(path))
    stops = tab_stops(ui)
    assert stops[0][0] == "A Skip to main content" and len(stops) > 5, stops
    assert [name for name, ring in stops if not ring] == [], stops

    ui.locator("summary", has_text="account menu").focus()
    ui.keyboard.press("Enter")
    ui.keyboard.press("Tab")
    menu = ui.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Your credentials")).to_be_focused()
    ui.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Account settings")).to_be_focused()
    ui.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Exports")).to_be_focused()
    ui.keyboard.press("Tab")
    expect(ui.get_by_role("button", name="Sign out")).to_be_focused()
    assert (
        ui.get_by_role("button", name="Sign out").evaluate("e => getComputedStyle(e).outlineStyle")
        != "none"
    )
    ui.shot("sign-out-focused-" + path.strip("/").replace("/", "-"))

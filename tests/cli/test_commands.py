"""`flask users`, `flask orgs` and `flask seed-demo`."""

from __future__ import annotations

from app.domain.roles import Role
from app.extensions import db
from app.models import Organization, User

PASSWORD = "gearbox-thermal-drift-91"


def run(runner, *args):
    return runner.invoke(args=list(args))


def test_orgs_create_and_list(app, runner):
    result = run(
        runner,
        "orgs",
        "create",
        "tri-c",
        "--name",
        "Cuyahoga CC",
        "--kind",
        "training partner",
        "--location",
        "Cleveland, OH",
    )
    assert result.exit_code == 0, result.output
    assert "Created training partner Cuyahoga CC (tri-c)." in result.output
    listed = run(runner, "orgs", "list").output
    assert "tri-c" in listed and "training_partner" in listed


def test_orgs_create_refuses_bad_slug_kind_and_duplicates(app, runner):
    assert (
        "slug: Use lower-case"
        in run(runner, "orgs", "create", "Bad Slug", "--name", "X", "--kind", "employer").output
    )
    bad_kind = run(runner, "orgs", "create", "acme", "--name", "Acme", "--kind", "factory")
    assert bad_kind.exit_code == 2 and "unknown organization kind 'factory'" in bad_kind.output
    run(runner, "orgs", "create", "acme", "--name", "Acme", "--kind", "employer")
    again = run(runner, "orgs", "create", "acme", "--name", "Acme 2", "--kind", "employer")
    assert again.exit_code == 1 and "already exists" in again.output
    with app.app_context():
        assert db.session.query(Organization).count() == 1


def test_users_create_with_role_and_org(app, runner):
    run(runner, "orgs", "create", "acme", "--name", "Acme Packaging", "--kind", "employer")
    result = run(
        runner,
        "users",
        "create",
        "Jo@Acme.example",
        "--role",
        "mentor",
        "--org",
        "acme",
        "--name",
        "Jo Rivera",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Created jo@acme.example as Mentor at Acme Packaging."
    with app.app_context():
        user = db.session.query(User).one()
        assert user.role is Role.MENTOR and user.organization.slug == "acme"
    listed = run(runner, "users", "list", "--role", "mentor").output
    assert "jo@acme.example" in listed and "acme" in listed


def test_users_create_prompts_for_the_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "kai@plant.example"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created kai@plant.example as Apprentice." in result.output


def test_users_create_bad_input_is_explained(app, runner):
    unknown_role = run(
        runner, "users", "create", "a@b.example", "--role", "boss", "--password", PASSWORD
    )
    assert unknown_role.exit_code == 2 and "unknown role 'boss'" in unknown_role.output
    no_org = run(
        runner, "users", "create", "a@b.example", "--org", "nowhere", "--password", PASSWORD
    )
    assert no_org.exit_code == 1 and "No organization called 'nowhere'" in no_org.output
    bad_email = run(runner, "users", "create", "not-an-email", "--password", PASSWORD)
    assert "email: That email address is not valid" in bad_email.output
    weak = run(runner, "users", "create", "a@b.example", "--password", "password123")
    assert "password:" in weak.output and "common" in weak.output
    run(runner, "users", "create", "a@b.example", "--password", PASSWORD)
    duplicate = run(runner, "users", "create", "A@B.example", "--password", PASSWORD)
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert "Traceback" not in duplicate.output


def test_seed_demo_is_idempotent_and_prints_credentials(app, runner):
    first = run(runner, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "9 records created" in first.output
    assert "shopfloor-demo-lathe-42" in first.output
    for role in (
        "Apprentice",
        "Mentor",
        "Instructor",
        "Partner admin",
        "Employer",
        "Platform admin",
    ):
        assert role in first.output
    second = run(runner, "seed-demo")
    assert "Demo data already present." in second.output
    with app.app_context():
        assert db.session.query(User).count() == 6
        assert db.session.query(Organization).count() == 3
        assert {u.role for u in db.session.query(User)} == set(Role)


def test_seed_demo_refuses_outside_development(make_app):
    app = make_app(TESTING=False, PUBLIC_BASE_URL="https://learn.example.org")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "runs only with SHOPFLOOR_DEV_MODE=true" in result.output


def test_set_role_moves_a_user(app, runner):
    run(runner, "orgs", "create", "acme", "--name", "Acme", "--kind", "employer")
    run(runner, "users", "create", "jo@acme.example", "--password", PASSWORD)
    result = run(runner, "users", "set-role", "jo@acme.example", "mentor", "--org", "acme")
    assert result.output.strip() == "jo@acme.example is now Mentor at Acme."
    wrong = run(runner, "users", "set-role", "jo@acme.example", "instructor", "--org", "acme")
    assert wrong.exit_code == 1 and "Acme can give these roles" in wrong.output
    removed = run(runner, "users", "set-role", "JO@acme.example", "apprentice", "--no-org")
    assert removed.output.strip() == "jo@acme.example is now Apprentice."
    missing = run(runner, "users", "set-role", "nobody@acme.example", "mentor")
    assert missing.exit_code == 1 and "No account for nobody@acme.example" in missing.output


def test_deactivate_signs_out_and_blocks_sign_in(app, runner):
    from tests.conftest import sign_in, submit

    run(runner, "users", "create", "jo@acme.example", "--password", PASSWORD)
    client = app.test_client()
    with app.app_context():
        sign_in(client, db.session.query(User).one())
    assert client.get("/dashboard").status_code == 200
    assert run(runner, "users", "deactivate", "jo@acme.example").output.strip() == (
        "jo@acme.example is deactivated."
    )
    assert client.get("/dashboard").status_code == 302
    login = {"email": "jo@acme.example", "password": PASSWORD}
    assert "do not match an active account" in submit(client, "/login", login).get_data(
        as_text=True
    )
    run(runner, "users", "activate", "jo@acme.example")
    assert submit(client, "/login", login).location == "/dashboard"
    assert "(deactivated)" not in run(runner, "users", "list").output

"""Invitations: for one address, expiring, single-use, replaced by a newer one; accepting
(also by registering) adds the membership; founding an organization invites its first admin;
editing its details is checked and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.mail import Message
from app.models import AuditEvent, Invitation, Membership, Organization
from app.services import accounts, audit, invitations, memberships, org_details
from app.services.org_details import Details
from tests import factories

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
PASSWORD = "gearbox-thermal-drift-91"


class ListMailer:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)


@pytest.fixture
def college(ctx):
    return factories.make_org(slug="lakeshore", name="Lakeshore College")


@pytest.fixture
def admin(college):
    return factories.make_user(name="Pat Price", role=Role.PARTNER_ADMIN, org=college)


def invite(college, admin, email="ian@plant.example", role=Role.INSTRUCTOR, **kw):
    return invitations.create(college, email, role, actor=admin, now=NOW, **kw)


def reason(token: str, now=NOW) -> str:
    with pytest.raises(invitations.Unusable) as raised:
        invitations.redeemable(token, now=now)
    return raised.value.reason


def test_only_the_hash_of_the_token_is_stored(college, admin):
    issued = invite(college, admin, email="  Ian@Plant.Example ")
    stored = db.session.get(Invitation, issued.invitation.id)
    assert stored.email == "ian@plant.example"
    assert issued.token not in stored.token_hash and len(issued.token) >= 40
    assert invitations.redeemable(issued.token, now=NOW) is stored
    assert stored.expires_at == NOW + invitations.LIFETIME


def test_an_invitation_works_until_it_expires(college, admin):
    issued = invite(college, admin)
    end = NOW + invitations.LIFETIME
    assert invitations.redeemable(issued.token, now=end - timedelta(seconds=1))
    assert reason(issued.token, now=end) == "expired"
    with pytest.raises(invitations.Unusable, match="expired on December 20, 2026"):
        invitations.redeemable(issued.token, now=end)


@pytest.mark.parametrize("token", ["", "x", "a" * 500, "not-the-token"])
def test_a_link_that_never_was_is_not_valid(college, admin, token):
    invite(college, admin)
    assert reason(token) == "invalid"


def test_accepting_adds_the_membership_once(college, admin):
    issued = invite(college, admin)
    ian = factories.make_user(email="ian@plant.example", name="Ian Reyes")
    invitations.accept(issued.invitation, ian, now=NOW)
    assert memberships.find(ian, college).role is Role.INSTRUCTOR
    assert issued.invitation.accepted_at == NOW and issued.invitation.accepted_by_id == ian.id
    assert reason(issued.token) == "used"
    with pytest.raises(invitations.Unusable):  # a second acceptance writes nothing
        invitations.accept(issued.invitation, ian, now=NOW)
    trail = [(e.action, e.actor_id) for e in reversed(audit.for_organization(college))]
    assert trail == [
        ("invitation.sent", admin.id),
        ("membership.added", admin.id),
        ("invitation.accepted", ian.id),
    ]


def test_of_two_acceptances_at_once_only_one_writes(college, admin):
    """Another request accepted it after this one loaded it: this one is refused."""
    issued = invite(college, admin)
    ian = factories.make_user(email="ian@plant.example")
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == issued.invitation.id)
        .values(accepted_at=NOW)
        .execution_options(synchronize_session=False)
    )
    assert issued.invitation.accepted_at is None  # as this request still sees it
    with pytest.raises(invitations.Unusable) as raised:
        invitations.accept(issued.invitation, ian, now=NOW)
    assert raised.value.reason == "used"
    assert memberships.find(ian, college) is None


def test_an_expired_invitation_cannot_be_accepted_even_when_loaded_before(college, admin):
    issued = invite(college, admin)
    ian = factories.make_user(email="ian@plant.example")
    with pytest.raises(invitations.Unusable) as raised:
        invitations.accept(issued.invitation, ian, now=NOW + invitations.LIFETIME)
    assert raised.value.reason == "expired"
    assert memberships.find(ian, college) is None


def test_only_the_invited_address_may_accept(college, admin):
    issued = invite(college, admin)
    eve = factories.make_user(email="eve@elsewhere.example")
    with pytest.raises(Conflict, match="for ian@plant.example, and you are signed in as eve@"):
        invitations.accept(issued.invitation, eve, now=NOW)
    assert memberships.find(eve, college) is None
    assert issued.invitation.accepted_at is None


def test_a_newer_invitation_replaces_the_earlier_one(college, admin):
    first = invite(college, admin, role=Role.MENTOR)
    second = invite(college, admin, role=Role.INSTRUCTOR)
    assert reason(first.token) == "withdrawn"
    assert invitations.redeemable(second.token, now=NOW) is second.invitation
    assert invitations.pending_for(college) == [second.invitation]


def test_resend_issues_a_new_link_and_the_old_one_stops_working(college, admin):
    first = invite(college, admin, name="Ian Reyes")
    later = NOW + timedelta(days=10)
    again = invitations.resend(first.invitation, actor=admin, now=later)
    assert again.token != first.token
    assert reason(first.token, now=later) == "withdrawn"
    fresh = again.invitation
    assert (fresh.email, fresh.role, fresh.name) == (
        "ian@plant.example",
        Role.INSTRUCTOR,
        "Ian Reyes",
    )
    assert fresh.expires_at == later + invitations.LIFETIME
    assert audit.for_organization(college)[0].action == "invitation.resent"


def test_resending_an_accepted_or_withdrawn_invitation_is_refused(college, admin):
    accepted = invite(college, admin)
    invitations.accept(accepted.invitation, factories.make_user(email="ian@plant.example"), now=NOW)
    with pytest.raises(Conflict, match="already accepted"):
        invitations.resend(accepted.invitation, actor=admin, now=NOW)
    withdrawn = invite(college, admin, email="mo@plant.example", role=Role.MENTOR)
    invitations.revoke(withdrawn.invitation, actor=admin, now=NOW)
    with pytest.raises(Conflict, match="withdrawn"):
        invitations.resend(withdrawn.invitation, actor=admin, now=NOW)


def test_withdrawing_stops_the_link_and_is_audited_once(college, admin):
    issued = invite(college, admin)
    invitations.revoke(issued.invitation, actor=admin, now=NOW)
    invitations.revoke(issued.invitation, actor=admin, now=NOW)
    assert reason(issued.token) == "withdrawn"
    withdrawals = [e for e in audit.for_organization(college) if e.action.endswith("withdrawn")]
    assert len(withdrawals) == 1 and withdrawals[0].subject == "ian@plant.example"


def test_an_accepted_invitation_cannot_be_withdrawn(college, admin):
    issued = invite(college, admin)
    invitations.accept(issued.invitation, factories.make_user(email="ian@plant.example"), now=NOW)
    with pytest.raises(Conflict, match="deactivate them"):
        invitations.revoke(issued.invitation, actor=admin, now=NOW)


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("not an address", Role.INSTRUCTOR, "email"),
        ("a@b.example", Role.EMPLOYER, "role"),
        ("a@b.example", Role.PLATFORM_ADMIN, "role"),
    ],
)
def test_bad_address_or_role_is_refused_naming_the_field(college, admin, email, role, field):
    with pytest.raises(InvalidInput) as raised:
        invite(college, admin, email=email, role=role)
    assert raised.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_inviting_someone_to_the_role_they_hold_is_refused(college, admin):
    factories.make_user(email="ian@plant.example", role=Role.INSTRUCTOR, org=college)
    with pytest.raises(Conflict, match="already an instructor here"):
        invite(college, admin)


def test_an_existing_member_accepting_a_new_role_changes_it(college, admin):
    mo = factories.make_user(email="mo@plant.example", role=Role.MENTOR, org=college)
    issued = invite(college, admin, email="mo@plant.example", role=Role.INSTRUCTOR)
    invitations.accept(issued.invitation, mo, now=NOW)
    assert memberships.find(mo, college).role is Role.INSTRUCTOR
    event = next(e for e in audit.for_organization(college) if e.action.startswith("membership"))
    assert (event.details["from"], event.details["to"]) == ("mentor", "instructor")


def test_registering_through_an_invitation(college, admin):
    """The new account is made, joins in the invited role and becomes its primary one."""
    issued = invite(college, admin, email="nia@plant.example", role=Role.APPRENTICE)
    new = accounts.NewAccount("nia@plant.example", "Nia Brooks", PASSWORD)
    user = accounts.register(new, now=NOW)
    invitations.accept(invitations.redeemable(issued.token, now=NOW), user, now=NOW)
    assert (user.organization_id, user.role) == (college.id, Role.APPRENTICE)
    assert reason(issued.token) == "used"


def test_offer_says_what_the_invitation_gives_in_words(college, admin):
    issued = invite(college, admin, email="nia@plant.example", role=Role.APPRENTICE)
    offer = invitations.offer(issued.invitation)
    assert (offer.organization, offer.role, offer.inviter) == (college, "Learner", "Pat Price")
    assert (offer.cohort, offer.has_account) == ("", False)
    factories.make_user(email="nia@plant.example")
    assert invitations.offer(issued.invitation).has_account


def test_send_mails_the_link_with_who_invited_and_how_long(college, admin):
    issued = invite(college, admin)
    mailer = ListMailer()
    invitations.send(
        issued,
        mailer=mailer,
        link_for=lambda t: f"https://sf.example/i/{t}",
        inviter_name="Pat Price",
    )
    (mail,) = mailer.sent
    assert mail.to == "ian@plant.example"
    assert mail.subject == "You are invited to join Lakeshore College on Shopfloor"
    assert "Pat Price invited you to join Lakeshore College as an instructor" in mail.body
    assert f"https://sf.example/i/{issued.token}" in mail.body and "within 14 days" in mail.body


# -- Founding an organization and editing its details -----------------------------------------


def details(**changes) -> Details:
    base = dict(
        name="Acme Plastics",
        kind=OrgKind.EMPLOYER,
        location="Akron, OH",
        state="oh",
        county=" Summit ",
        description="Injection moulding.",
    )
    return Details(**{**base, **changes})


def test_found_creates_the_organization_and_invites_its_first_admin(ctx):
    pia = factories.make_user(role=Role.PLATFORM_ADMIN)
    program = factories.make_org(kind=OrgKind.PROGRAM_OPERATOR, name="Ohio SMLP")
    issued = org_details.found(
        "acme",
        details(program_operator_id=program.id),
        "Eve@Acme.example",
        admin_name="Eve Stone",
        actor=pia,
        now=NOW,
    )
    org = issued.invitation.organization
    assert (org.slug, org.kind, org.state, org.county) == ("acme", OrgKind.EMPLOYER, "OH", "Summit")
    assert org.program_operator_id == program.id
    invitation = issued.invitation
    assert (invitation.email, invitation.role, invitation.name) == (
        "eve@acme.example",
        Role.EMPLOYER,
        "Eve Stone",
    )
    trail = [e.action for e in reversed(audit.for_organization(org))]
    assert trail == ["organization.created", "invitation.sent"]


@pytest.mark.parametrize(
    ("slug", "changes", "email", "field"),
    [
        ("acme", {"name": "  "}, "eve@acme.example", "name"),
        ("acme", {"state": "XX"}, "eve@acme.example", "state"),
        ("acme", {"county": "c" * 81}, "eve@acme.example", "county"),
        ("acme", {"location": "l" * 121}, "eve@acme.example", "location"),
        ("acme", {"description": "d" * 501}, "eve@acme.example", "description"),
        ("Acme Plastics", {}, "eve@acme.example", "slug"),
        ("taken", {}, "eve@acme.example", "slug"),
        ("acme", {}, "eve at acme", "admin_email"),
        ("acme", {"program_operator_id": -1}, "eve@acme.example", "program_operator"),
    ],
)
def test_found_refuses_bad_input_naming_the_field(ctx, slug, changes, email, field):
    pia = factories.make_user(role=Role.PLATFORM_ADMIN)
    factories.make_org(slug="taken")
    db.session.commit()
    with pytest.raises(InvalidInput) as raised:
        org_details.found(slug, details(**changes), email, actor=pia, now=NOW)
    assert raised.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1


def test_a_program_operator_takes_part_in_no_other_program(ctx):
    pia = factories.make_user(role=Role.PLATFORM_ADMIN)
    program = factories.make_org(kind=OrgKind.PROGRAM_OPERATOR)
    partner = factories.make_org(kind=OrgKind.TRAINING_PARTNER)
    for operator in (program.id, partner.id):
        with pytest.raises(InvalidInput) as raised:
            org_details.found(
                "state-two",
                details(
                    kind=OrgKind.PROGRAM_OPERATOR if operator == program.id else OrgKind.EMPLOYER,
                    program_operator_id=operator,
                ),
                "a@b.example",
                actor=pia,
                now=NOW,
            )
        assert raised.value.field == "program_operator"


def test_update_details_stores_and_audits_what_changed(college, admin):
    changed = org_details.update_details(
        college,
        Details(
            name="Lakeshore Community College",
            kind=college.kind,
            location="Testville, OH",
            state="OH",
            county="Lake",
        ),
        actor=admin,
        now=NOW,
    )
    assert changed == ["name", "state", "county"]
    event = audit.for_organization(college)[0]
    assert event.action == "organization.edited"
    assert event.details["changes"]["name"] == ["Lakeshore College", "Lakeshore Community College"]
    assert audit.describe(event, college.kind) == (
        "Edited the organization's details: name, state, county"
    )
    same = Details(
        name=college.name, kind=college.kind, location=college.location, state="OH", county="Lake"
    )
    assert org_details.update_details(college, same, actor=admin, now=NOW) == []
    assert len(audit.for_organization(college)) == 1


def test_a_kind_whose_roles_do_not_fit_the_members_is_refused(college, admin):
    factories.make_user(role=Role.INSTRUCTOR, org=college)
    as_employer = Details(name=college.name, kind=OrgKind.EMPLOYER, location=college.location)
    with pytest.raises(InvalidInput, match="instructor, partner admin") as raised:
        org_details.update_details(college, as_employer, actor=admin, now=NOW)
    assert raised.value.field == "kind" and college.kind is OrgKind.TRAINING_PARTNER


def test_a_program_with_partners_keeps_its_kind(ctx):
    pia = factories.make_user(role=Role.PLATFORM_ADMIN)
    program = factories.make_org(kind=OrgKind.PROGRAM_OPERATOR, name="Ohio SMLP")
    partner = factories.make_org()
    partner.program_operator_id = program.id
    db.session.flush()
    with pytest.raises(InvalidInput, match="1 organization takes part"):
        org_details.update_details(
            program,
            Details(name=program.name, kind=OrgKind.EMPLOYER, location=program.location),
            actor=pia,
            now=NOW,
        )
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


def test_many_learners_invited_at_once_get_working_links_and_replace_older_ones(app):
    """A roster's bulk path: each address gets its own link that opens its invitation, an
    earlier pending invitation of the same address to the host stops working, and each is
    in the audit trail."""
    from app.models import Cohort

    with app.app_context():
        host = factories.make_org(slug="bulk-host")
        admin = factories.make_user(role=Role.PARTNER_ADMIN, org=host)
        today = NOW.date()
        cohort = Cohort(host=host, name="Bulk", starts_on=today, ends_on=today)
        db.session.add(cohort)
        db.session.flush()
        older = invitations.create(host, "b@plant.example", Role.APPRENTICE, actor=admin, now=NOW)
        issued = invitations.invite_learners(
            cohort, [("a@plant.example", "A  One"), ("b@plant.example", "B Two")],
            actor=admin, now=NOW,
        )  # fmt: skip
        assert [i.invitation.email for i in issued] == ["a@plant.example", "b@plant.example"]
        assert issued[0].invitation.name == "A One"
        for one in issued:
            assert invitations.redeemable(one.token, now=NOW) is one.invitation
        with pytest.raises(InvalidInput):
            invitations.redeemable(older.token, now=NOW)
        sent = db.session.scalars(
            select(AuditEvent.subject).where(AuditEvent.action == "invitation.sent")
        ).all()
        assert sent.count("a@plant.example") == 1 and sent.count("b@plant.example") == 2

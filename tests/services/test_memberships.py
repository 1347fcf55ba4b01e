"""Memberships: adding, changing roles, deactivating and reactivating, each audited; an
organization never loses its last admin; a person's primary organization follows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.roles import OrgKind, Role
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.models import AuditEvent
from app.services import audit, memberships
from tests import factories

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def actions(org) -> list[str]:
    """The organization's audit trail, oldest first, as action names."""
    return [e.action for e in reversed(audit.for_organization(org))]


@pytest.fixture
def college(ctx):
    return factories.make_org(slug="lakeshore", name="Lakeshore College")


@pytest.fixture
def admin(college):
    return factories.make_user(name="Pat Price", role=Role.PARTNER_ADMIN, org=college)


def test_add_makes_an_active_member_and_their_primary_organization(college, admin):
    person = factories.make_user(name="Ana Lopez")
    membership = memberships.add(person, college, Role.INSTRUCTOR, actor=admin, now=NOW)
    assert membership.active and membership.role is Role.INSTRUCTOR
    assert (person.organization_id, person.role) == (college.id, Role.INSTRUCTOR)
    event = audit.for_organization(college)[0]
    assert (event.action, event.subject, event.actor_id) == (
        "membership.added",
        "Ana Lopez",
        admin.id,
    )
    assert event.details == {"email": person.email, "role": "instructor"}


def test_adding_the_same_role_again_changes_and_records_nothing(college, admin):
    person = factories.make_user()
    memberships.add(person, college, Role.MENTOR, actor=admin, now=NOW)
    memberships.add(person, college, Role.MENTOR, actor=admin, now=NOW)
    assert actions(college) == ["membership.added"]


def test_a_role_the_kind_of_organization_lacks_is_refused(ctx, admin):
    employer = factories.make_org(kind=OrgKind.EMPLOYER, name="Acme Plastics")
    with pytest.raises(InvalidInput) as raised:
        memberships.add(factories.make_user(), employer, Role.INSTRUCTOR, actor=admin, now=NOW)
    assert raised.value.field == "role"
    assert "apprentice or worker, mentor, employer" in raised.value.message


def test_change_role_records_from_and_to(college, admin):
    person = factories.make_user(role=Role.APPRENTICE, org=college)
    membership = memberships.find(person, college)
    memberships.change_role(membership, Role.INSTRUCTOR, actor=admin, now=NOW, note="hired")
    assert membership.role is Role.INSTRUCTOR and person.role is Role.INSTRUCTOR
    event = audit.for_organization(college)[0]
    assert event.action == "membership.role_changed" and event.note == "hired"
    assert (event.details["from"], event.details["to"]) == ("apprentice", "instructor")
    assert audit.describe(event, college.kind) == "Changed role from learner to instructor"


def test_change_role_of_a_deactivated_member_is_refused(college, admin):
    person = factories.make_user(role=Role.MENTOR, org=college)
    membership = memberships.find(person, college)
    memberships.deactivate(membership, actor=admin, now=NOW)
    with pytest.raises(Conflict, match="reactivate them first"):
        memberships.change_role(membership, Role.INSTRUCTOR, actor=admin, now=NOW)


def test_the_last_admin_can_be_neither_demoted_nor_deactivated(college, admin):
    membership = memberships.find(admin, college)
    with pytest.raises(Conflict, match="Pat Price is the last partner admin of Lakeshore"):
        memberships.change_role(membership, Role.INSTRUCTOR, actor=admin, now=NOW)
    with pytest.raises(Conflict, match="last partner admin"):
        memberships.deactivate(membership, actor=admin, now=NOW)
    assert membership.active and membership.role is Role.PARTNER_ADMIN
    assert actions(college) == []


def test_with_a_second_admin_the_first_may_step_down(college, admin):
    second = factories.make_user(role=Role.PARTNER_ADMIN, org=college)
    memberships.change_role(
        memberships.find(admin, college), Role.INSTRUCTOR, actor=second, now=NOW
    )
    # Now the second is the last one.
    with pytest.raises(Conflict):
        memberships.deactivate(memberships.find(second, college), actor=second, now=NOW)


def test_a_deactivated_admin_does_not_count_as_another_admin(college, admin):
    other = factories.make_user(role=Role.PARTNER_ADMIN, org=college)
    memberships.deactivate(memberships.find(other, college), actor=admin, now=NOW)
    with pytest.raises(Conflict):
        memberships.deactivate(memberships.find(admin, college), actor=admin, now=NOW)


def test_deactivate_and_reactivate_keep_the_membership_and_its_role(college, admin):
    person = factories.make_user(name="Mo Okafor", role=Role.MENTOR, org=college)
    membership = memberships.find(person, college)
    memberships.deactivate(membership, actor=admin, now=NOW, note="left in May")
    assert not membership.active and membership.deactivated_at == NOW
    assert person.organization_id is None and person.role is Role.APPRENTICE  # no org left
    memberships.deactivate(membership, actor=admin, now=NOW)  # twice: nothing more
    later = NOW + timedelta(days=3)
    memberships.reactivate(membership, actor=admin, now=later)
    assert membership.active and membership.role is Role.MENTOR
    assert membership.deactivated_at is None
    assert (person.organization_id, person.role) == (college.id, Role.MENTOR)
    assert actions(college) == ["membership.deactivated", "membership.reactivated"]
    assert audit.for_organization(college)[1].note == "left in May"


def test_primary_organization_follows_a_person_in_two_organizations(college, admin):
    """Ana works for Acme (joined first) and learns at the college."""
    acme = factories.make_org(kind=OrgKind.EMPLOYER, name="Acme Plastics")
    boss = factories.make_user(role=Role.EMPLOYER, org=acme)
    ana = factories.make_user(name="Ana Lopez")
    memberships.add(ana, acme, Role.APPRENTICE, actor=boss, now=NOW)
    memberships.add(ana, college, Role.APPRENTICE, actor=admin, now=NOW + timedelta(days=1))
    assert ana.organization_id == acme.id  # the first stays primary

    memberships.change_role(memberships.find(ana, acme), Role.MENTOR, actor=boss, now=NOW)
    assert (ana.organization_id, ana.role) == (acme.id, Role.MENTOR)

    memberships.deactivate(memberships.find(ana, acme), actor=boss, now=NOW)
    assert (ana.organization_id, ana.role) == (college.id, Role.APPRENTICE)  # moves over

    memberships.reactivate(memberships.find(ana, acme), actor=boss, now=NOW)
    assert ana.organization_id == college.id  # the current primary stays while active
    assert {m.organization_id for m in ana.memberships if m.active} == {acme.id, college.id}
    # Each organization's trail holds only its own changes.
    assert actions(college) == ["membership.added"]
    assert actions(acme) == [
        "membership.added",
        "membership.role_changed",
        "membership.deactivated",
        "membership.reactivated",
    ]


def test_a_platform_admin_keeps_their_role_whatever_their_memberships(college, admin):
    pia = factories.make_user(role=Role.PLATFORM_ADMIN)
    membership = memberships.add(pia, college, Role.INSTRUCTOR, actor=admin, now=NOW)
    assert (pia.role, pia.organization_id) == (Role.PLATFORM_ADMIN, college.id)
    memberships.deactivate(membership, actor=admin, now=NOW)
    assert (pia.role, pia.organization_id) == (Role.PLATFORM_ADMIN, None)


def test_get_finds_members_by_public_id_only_within_the_organization(college, admin):
    other = factories.make_org()
    outsider = factories.make_user(org=other)
    assert memberships.get(college, admin.public_id).user is admin
    with pytest.raises(NotFound):
        memberships.get(college, outsider.public_id)
    with pytest.raises(NotFound):
        memberships.get(college, str(admin.id))  # sequential ids open nothing


def test_of_organization_lists_active_first_then_by_name(college, admin):
    zed = factories.make_user(name="Zed", org=college)
    amy = factories.make_user(name="Amy", org=college)
    memberships.deactivate(memberships.find(amy, college), actor=admin, now=NOW)
    names = [m.user.name for m in memberships.of_organization(college, include_inactive=True)]
    assert names == ["Pat Price", "Zed", "Amy"]
    assert [m.user for m in memberships.of_organization(college)] == [admin, zed]


def test_changes_and_their_audit_events_land_in_one_transaction(college, admin):
    """A refused change leaves no audit event behind once the caller rolls back."""
    person = factories.make_user(org=college)
    db.session.commit()
    memberships.change_role(memberships.find(person, college), Role.MENTOR, actor=admin, now=NOW)
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent)).all() == []
    assert memberships.find(person, college).role is Role.APPRENTICE


def test_deactivating_withdraws_the_invitations_that_would_bring_them_back(ctx):
    """An invitation sent before the deactivation stops working with it."""
    from app.services import invitations

    org = factories.make_org(slug="deact-org")
    admin = factories.make_user(role=Role.PARTNER_ADMIN, org=org)
    person = factories.make_user(org=org)
    issued = invitations.create(org, person.email, Role.INSTRUCTOR, actor=admin, now=NOW)
    memberships.deactivate(memberships.find(person, org), actor=admin, now=NOW)
    with pytest.raises(InvalidInput):
        invitations.redeemable(issued.token, now=NOW)

"""Employers follow their people only with consent, send workers to open cohorts of their
program, and assign their own mentors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.database import latest_today, utcnow
from app.domain.roles import Role
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.models import Apprenticeship, AuditEvent, Cohort, CohortMember, Organization, User
from app.services import cohorts, consents, employers, invitations, organizations
from tests import employer_site, factories


@pytest.fixture
def site(app):
    with app.app_context():
        built = employer_site.build()
        yield built


def user(site, name) -> User:
    return db.session.get(User, site.people[name])


def org(slug) -> Organization:
    return organizations.get_by_slug(slug)


def cohort(public_id) -> Cohort:
    return db.session.scalar(select(Cohort).where(Cohort.public_id == public_id))


def rows_by_name(slug="acme"):
    return {p.user.name: p for p in employers.people(org(slug))}


def test_an_employer_lists_workers_sponsored_learners_and_apprentices(site):
    rows = rows_by_name()
    assert sorted(rows) == ["Ana Apprentice", "Lou Learner", "Tia Two", "Wes Worker"]
    assert rows["Wes Worker"].worker and rows["Tia Two"].worker
    assert [p.cohort.name for p in rows["Lou Learner"].places] == ["Evening cohort"]
    assert len(rows["Ana Apprentice"].apprenticeships) == 1
    # Mentors and the admin are staff, not people the employer follows.
    assert "Mo Mentor" not in rows and "Eve Employer" not in rows
    assert "Lou Learner" not in rows_by_name("other-co")


def test_progress_shows_only_while_the_learner_shares_it(site):
    assert rows_by_name()["Lou Learner"].progress is None
    consents.grant(user(site, "lou"), org("acme"), now=utcnow())
    progress = rows_by_name()["Lou Learner"].progress
    assert progress is not None and progress.lessons_done == 1 and progress.lessons_total > 1
    assert rows_by_name()["Ana Apprentice"].progress is None  # one learner's grant is theirs
    assert consents.withdraw(user(site, "lou"), org("acme"), now=utcnow())
    assert rows_by_name()["Lou Learner"].progress is None
    (link,) = consents.employers_of(user(site, "lou"))
    assert link.consent is None and len(link.history) == 1  # the history stays


def test_granting_twice_keeps_one_grant_and_withdrawing_nothing_says_so(site):
    lou = user(site, "lou")
    first = consents.grant(lou, org("acme"), now=utcnow())
    assert consents.grant(lou, org("acme"), now=utcnow()) is first
    assert consents.withdraw(lou, org("acme"), now=utcnow())
    assert not consents.withdraw(lou, org("acme"), now=utcnow())


def test_nobody_shares_with_an_employer_they_have_no_link_to(site):
    with pytest.raises(InvalidInput):
        consents.grant(user(site, "lou"), org("other-co"), now=utcnow())
    with pytest.raises(InvalidInput):  # nor with a college through this door
        consents.grant(user(site, "lou"), org("lakeshore"), now=utcnow())


def test_consent_changes_are_in_the_employers_audit_trail(site):
    consents.grant(user(site, "lou"), org("acme"), now=utcnow())
    consents.withdraw(user(site, "lou"), org("acme"), now=utcnow())
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.organization_id == org("acme").id)
    ).all()
    assert actions[-2:] == ["consent.granted", "consent.withdrawn"]


def test_an_employer_sends_its_worker_to_an_open_cohort_of_its_program(site):
    acme, wes = org("acme"), user(site, "wes")
    open_ = employers.open_cohorts(acme, today=latest_today())
    assert [c.name for c in open_] == ["Evening cohort"]  # not closed, not another program's
    issued = employers.sponsor(
        acme, wes, cohort(site.cohort), actor=user(site, "eve"), now=utcnow(),
        today=latest_today(),
    )  # fmt: skip
    # Wes is no learner of the college yet: he is invited, and nothing opens before he accepts.
    assert issued.invitation.email == wes.email and issued.invitation.cohort_id
    assert org("lakeshore").id not in {m.organization_id for m in wes.memberships if m.active}
    invitations.accept(issued.invitation, wes, now=utcnow())
    place = db.session.scalar(select(CohortMember).where(CohortMember.user_id == wes.id))
    assert (place.sponsor_id, place.status) == (acme.id, "active")  # the employer is kept


def test_a_learner_of_the_college_already_is_enrolled_at_once(site):
    lou = user(site, "lou")
    factories.join(lou, org("acme"), Role.APPRENTICE)  # Lou works at Acme too
    other = employers.open_cohorts(org("acme"), today=latest_today())[0]
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == lou.id))
    cohorts.withdraw(member, actor=user(site, "pat"), now=utcnow())
    assert (
        employers.sponsor(
            org("acme"), lou, other, actor=user(site, "eve"), now=utcnow(), today=latest_today()
        )
        is None
    )
    db.session.refresh(member)
    assert (member.status, member.sponsor_id) == ("active", org("acme").id)


@pytest.mark.parametrize("which", ["closed", "elsewhere"])
def test_closed_or_other_programs_cohorts_are_refused(site, which):
    with pytest.raises(InvalidInput, match="not open for enrolment"):
        employers.sponsor(
            org("acme"), user(site, "wes"), cohort(getattr(site, which)),
            actor=user(site, "eve"), now=utcnow(), today=latest_today(),
        )  # fmt: skip
    assert (
        db.session.scalar(select(CohortMember).where(CohortMember.user_id == site.people["wes"]))
        is None
    )


def test_only_the_employers_own_workers_can_be_sent(site):
    with pytest.raises(InvalidInput, match="not one of Acme Plastics's workers"):
        employers.sponsor(
            org("acme"), user(site, "ana"), cohort(site.cohort), actor=user(site, "eve"),
            now=utcnow(), today=latest_today(),
        )  # fmt: skip


def test_mentors_come_from_the_employer_and_apprenticeships_from_it_too(site):
    enrolment = db.session.scalar(select(Apprenticeship))
    employers.assign_mentor(
        org("acme"), enrolment, user(site, "mo"), actor=user(site, "eve"), now=utcnow()
    )
    assert enrolment.mentor_id == site.people["mo"]
    with pytest.raises(InvalidInput, match="not a mentor at Acme"):
        employers.assign_mentor(
            org("acme"), enrolment, user(site, "wes"), actor=user(site, "eve"), now=utcnow()
        )
    with pytest.raises(InvalidInput, match="not with your company"):
        employers.assign_mentor(
            org("other-co"), enrolment, user(site, "mo"), actor=user(site, "oz"), now=utcnow()
        )


def test_a_company_registers_itself_and_its_first_user_runs_it(site):
    wes = user(site, "wes")
    new = employers.NewEmployer(name="Acme Plastics", state="oh", county="Lucas")
    made = employers.register(new, actor=wes, admin=True, now=utcnow())
    assert made.slug == "acme-plastics" and made.state == "OH" and made.county == "Lucas"
    again = employers.register(new, actor=wes, admin=True, now=utcnow())
    assert again.slug == "acme-plastics-2"  # names may repeat; addresses do not
    roles = {m.organization.slug: m.role.value for m in wes.memberships if m.active}
    assert roles["acme-plastics"] == "employer" and roles["acme"] == "apprentice"


@pytest.mark.parametrize(
    ("field", "new"),
    [
        ("state", employers.NewEmployer(name="X", state="Ohio")),
        ("state", employers.NewEmployer(name="X", state="ZZ")),
        ("program_operator", employers.NewEmployer(name="X", program_operator_id=-1)),
        ("name", employers.NewEmployer(name="   ")),
    ],
)
def test_bad_registration_details_are_named(site, field, new):
    with pytest.raises(InvalidInput) as caught:
        employers.register(new, actor=user(site, "wes"), admin=True, now=utcnow())
    assert caught.value.field == field


def test_an_employer_cannot_bring_back_someone_the_college_deactivated(site):
    """The college deactivated Wes; sending him to its cohort is refused and he stays out."""
    from app.services import memberships

    wes, college = user(site, "wes"), org("lakeshore")
    memberships.add(wes, college, Role.APPRENTICE, actor=None, now=utcnow())
    memberships.deactivate(memberships.find(wes, college), actor=None, now=utcnow())
    with pytest.raises(Conflict, match="deactivated at Lakeshore CC"):
        employers.sponsor(
            org("acme"), wes, cohort(site.cohort), actor=user(site, "eve"), now=utcnow(),
            today=latest_today(),
        )  # fmt: skip
    assert not memberships.find(wes, college).active

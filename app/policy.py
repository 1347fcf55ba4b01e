"""Every "may this user do X to Y?" decision, as pure predicates.

Views call these through ``web.access.require``; templates use ``can(name, obj)`` only to
hide controls. Nothing else in the code base decides who may do what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain.roles import ADMIN_ROLE, STAFF_ROLES, OrgKind, Role

if TYPE_CHECKING:
    from app.models import (
        Apprenticeship,
        Assessment,
        Cohort,
        Course,
        Credential,
        Organization,
        User,
    )


def is_signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_platform_admin(user: User | None) -> bool:
    return is_signed_in(user) and user.role is Role.PLATFORM_ADMIN


# Memberships: a person belongs to organizations with a role in each. Deactivated memberships
# grant nothing. Every organization-scoped decision below goes through these four.


def role_in(user: User | None, org_id: int | None) -> Role | None:
    """The role *user* holds in the organization *org_id* (None: not an active member)."""
    if org_id is None or not is_signed_in(user):
        return None
    for membership in user.memberships:
        if membership.active and membership.organization_id == org_id:
            return membership.role
    return None


def orgs_where(user: User | None, roles: frozenset[Role]) -> set[int]:
    """The organizations in which *user* holds one of *roles*."""
    if not is_signed_in(user):
        return set()
    return {m.organization_id for m in user.memberships if m.active and m.role in roles}


def member_orgs(person: User) -> set[int]:
    """Every organization *person* actively belongs to, whatever the role."""
    return {m.organization_id for m in person.memberships if m.active}


def holds(user: User | None, roles: frozenset[Role]) -> bool:
    """Whether *user* holds one of *roles* in any organization."""
    return bool(orgs_where(user, roles))


def can_view_dashboard(user: User | None) -> bool:
    return is_signed_in(user)


def can_manage_own_account(user: User | None) -> bool:
    return is_signed_in(user)


def can_view_platform_admin(user: User | None) -> bool:
    return is_platform_admin(user)


def can_view_organization(user: User | None, org: Organization) -> bool:
    """Members may see their organization's page; staff also see its member list."""
    return is_platform_admin(user) or role_in(user, org.id) is not None


def can_view_members(user: User | None, org: Organization) -> bool:
    """Platform admins and the organization's own staff see who belongs to it.

    Apprentices do not see their fellow members' contact details.
    """
    return is_platform_admin(user) or role_in(user, org.id) in STAFF_ROLES


# Roles that author or run courses and may preview drafts (besides platform admins).
COURSE_STAFF = frozenset({Role.INSTRUCTOR, Role.PARTNER_ADMIN})


def can_preview_drafts(user: User | None) -> bool:
    return is_platform_admin(user) or holds(user, COURSE_STAFF)


def can_view_course(user: User | None, course: Course) -> bool:
    """Published courses are open to everyone; drafts only to the people who author them."""
    if course.archived_at is not None:
        return False
    return course.published or can_preview_drafts(user)


def can_read_lesson(user: User | None, course: Course) -> bool:
    return is_signed_in(user) and can_view_course(user, course)


def can_answer_quiz(user: User | None, course: Course) -> bool:
    return can_read_lesson(user, course)


# Roles that review and re-grade learners' lab work (for learners of their organization).
LAB_REVIEWERS = frozenset({Role.INSTRUCTOR, Role.PARTNER_ADMIN})


def can_use_workspace(user: User | None, owner_id: int) -> bool:
    """A lab workspace is its learner's alone: nobody else edits or runs code in it."""
    return is_signed_in(user) and user.id == owner_id


def can_review_learner(user: User | None, learner: User) -> bool:
    """Instructors and partner admins see the lab work of their own organization's learners
    (a learner of any organization in which they hold that role)."""
    if is_platform_admin(user):
        return True
    return bool(orgs_where(user, LAB_REVIEWERS) & member_orgs(learner))


def can_review_labs(user: User | None) -> bool:
    """Who may open a lab's list of submissions (it shows only learners they may review)."""
    return is_platform_admin(user) or holds(user, LAB_REVIEWERS)


def can_view_submission(user: User | None, learner: User) -> bool:
    """The learner sees their own attempts; reviewers see their learners' attempts."""
    return can_use_workspace(user, learner.id) or can_review_learner(user, learner)


def can_regrade(user: User | None, learner: User) -> bool:
    return can_review_learner(user, learner)


# Apprenticeships ------------------------------------------------------------------------------
# Who enrols apprentices: the staff who run programs at an employer or a training partner.
ENROLLERS = frozenset({Role.PARTNER_ADMIN, Role.EMPLOYER})


def acting_orgs(user: User | None, roles: frozenset[Role]) -> set[int]:
    """Like orgs_where, without companies that registered themselves and are not confirmed
    yet: they enrol no apprentice, name no mentor and send nobody to a cohort."""
    if not is_signed_in(user):
        return set()
    return {
        m.organization_id
        for m in user.memberships
        if m.active
        and m.role in roles
        and (m.organization.kind is not OrgKind.EMPLOYER or m.organization.verified_at)
    }


def _org_staff_of(user: User | None, org_ids: tuple[int | None, ...] | set[int]) -> bool:
    return bool(acting_orgs(user, ENROLLERS) & {i for i in org_ids if i is not None})


def can_view_apprenticeship(user: User | None, enrolment: Apprenticeship) -> bool:
    """The apprentice, their mentor, the staff of the employer or of the apprentice's own
    organization, and the instructors who teach the apprentice see the record and its hours."""
    if is_platform_admin(user):
        return True
    if is_signed_in(user) and user.id in (enrolment.apprentice_id, enrolment.mentor_id):
        return True
    if can_review_learner(user, enrolment.apprentice):
        return True
    # The employer of record; a training partner's admins, for their own learners.
    if enrolment.employer_id in acting_orgs(user, frozenset({Role.EMPLOYER})):
        return True
    return bool(
        acting_orgs(user, frozenset({Role.PARTNER_ADMIN})) & member_orgs(enrolment.apprentice)
    )


def can_log_hours(user: User | None, enrolment: Apprenticeship) -> bool:
    """Only the apprentice logs, edits and withdraws their own hours."""
    return is_signed_in(user) and user.id == enrolment.apprentice_id


def can_sign_off(user: User | None, enrolment: Apprenticeship) -> bool:
    """Only the assigned mentor signs off, and never hours of their own."""
    return (
        is_signed_in(user) and user.id == enrolment.mentor_id and user.id != enrolment.apprentice_id
    )


def can_view_sign_off_queue(user: User | None) -> bool:
    return holds(user, frozenset({Role.MENTOR}))


def can_enrol_apprentices(user: User | None) -> bool:
    return is_platform_admin(user) or bool(acting_orgs(user, ENROLLERS))


def can_enrol(user: User | None, apprentice: User) -> bool:
    """Platform admins enrol anyone; program staff, apprentices of their own organization."""
    return is_platform_admin(user) or _org_staff_of(user, member_orgs(apprentice))


def can_view_own_competencies(user: User | None) -> bool:
    """Every signed-in person has a competency map of their own."""
    return is_signed_in(user)


def can_view_learner_mastery(user: User | None, learner: User) -> bool:
    """A learner's map: their own, and their learners' for instructors and partner admins."""
    return can_use_workspace(user, learner.id) or can_review_learner(user, learner)


def can_view_cohort_mastery(user: User | None) -> bool:
    """The cohort heatmap (and its CSV): instructors, partner admins and platform admins."""
    return is_platform_admin(user) or holds(user, LAB_REVIEWERS)


# Judgements recorded as evidence: rubric assessments, observations, prior learning --------------
ASSESSORS = frozenset({Role.INSTRUCTOR})  # besides platform admins
PRIOR_LEARNING_REVIEWERS = frozenset({Role.INSTRUCTOR, Role.PARTNER_ADMIN})


def _staff_of_learner(user: User | None, learner: User, roles: frozenset[Role]) -> bool:
    """Platform admins, or *roles* of the learner's own organization; never the learner."""
    if not is_signed_in(user) or user.id == learner.id:
        return False
    if is_platform_admin(user):
        return True
    return bool(orgs_where(user, roles) & member_orgs(learner))


def can_assess_learner(user: User | None, learner: User) -> bool:
    """Instructors rate their organization's learners against the rubric; nobody rates
    themselves."""
    return _staff_of_learner(user, learner, ASSESSORS)


def can_observe(user: User | None, enrolment: Apprenticeship) -> bool:
    """Only the apprentice's assigned mentor records observations on the job."""
    return can_sign_off(user, enrolment)


def can_view_observations(user: User | None, enrolment: Apprenticeship) -> bool:
    return can_view_apprenticeship(user, enrolment)


def can_withdraw_assessment(user: User | None, assessment: Assessment) -> bool:
    """A rubric assessment or an observation made in error: its author withdraws it (the
    platform admin too)."""
    return is_platform_admin(user) or (is_signed_in(user) and user.id == assessment.assessor_id)


def can_review_prior_learning(user: User | None, learner: User) -> bool:
    """Instructors and partner admins of the learner's organization decide prior-learning
    claims; never the learner, whoever submitted the claim."""
    return _staff_of_learner(user, learner, PRIOR_LEARNING_REVIEWERS)


def can_claim_prior_learning(user: User | None, learner: User) -> bool:
    """The learner claims for themselves; reviewers may submit on their behalf."""
    return can_use_workspace(user, learner.id) or can_review_prior_learning(user, learner)


def can_view_prior_learning(user: User | None, learner: User) -> bool:
    """A claim and its document: the learner and the people who may review it."""
    return can_claim_prior_learning(user, learner)


def can_view_prior_learning_queue(user: User | None) -> bool:
    return is_platform_admin(user) or holds(user, PRIOR_LEARNING_REVIEWERS)


# Exports ---------------------------------------------------------------------------------------


def can_view_exports(user: User | None) -> bool:
    """The exports page: everyone signed in (learners find their own statements there)."""
    return is_signed_in(user)


def can_export_program_data(user: User | None, org: Organization | None) -> bool:
    """RAPIDS rows and learners' xAPI statements: program staff (employer and partner admins)
    for their own organization, the platform admin for any one or all (*org* None)."""
    if is_platform_admin(user):
        return True
    return org is not None and role_in(user, org.id) in ENROLLERS


def can_export_own_statements(user: User | None) -> bool:
    """Everyone may download the xAPI statements of what they did themselves."""
    return is_signed_in(user)


def can_record_attendance(user: User | None, enrolment: Apprenticeship) -> bool:
    """Instructors and partner admins of the apprentice's own organization record the
    related instruction they gave; the platform admin may too."""
    return can_review_learner(user, enrolment.apprentice)


# -- Credentials ----------------------------------------------------------------------------

# Staff of the issuing organization who decide on credentials awaiting approval.
CREDENTIAL_APPROVERS = frozenset({Role.INSTRUCTOR, Role.PARTNER_ADMIN})
# Staff of the issuing organization who revoke, suspend and reinstate, and who endorse.
CREDENTIAL_ADMINS = frozenset({Role.PARTNER_ADMIN})


def _issuer_staff(user: User | None, issuer_id: int | None, roles: frozenset[Role]) -> bool:
    return is_platform_admin(user) or role_in(user, issuer_id) in roles


def can_view_own_credentials(user: User | None) -> bool:
    return is_signed_in(user)


def can_share_credential(user: User | None, credential: Credential) -> bool:
    """Only the holder decides whether their credential's page is public."""
    return is_signed_in(user) and user.id == credential.user_id


def can_view_credential(user: User | None, credential: Credential) -> bool:
    """The public page: anyone once the holder made it public; otherwise the holder and
    the issuer's staff."""
    if credential.state == "issued" and credential.public:
        return True
    return can_share_credential(user, credential) or _issuer_staff(
        user, credential.issuer_id, CREDENTIAL_APPROVERS
    )


def _not_own(user: User | None, credential: Credential) -> bool:
    """Nobody decides on, revokes or reinstates their own credential."""
    return not (is_signed_in(user) and user.id == credential.user_id)


def can_decide_credential(user: User | None, credential: Credential) -> bool:
    """Approve or decline a credential awaiting approval: the issuer's instructors."""
    return _not_own(user, credential) and _issuer_staff(
        user, credential.issuer_id, CREDENTIAL_APPROVERS
    )


def can_view_approval_queue(user: User | None) -> bool:
    return is_platform_admin(user) or holds(user, CREDENTIAL_APPROVERS)


def can_change_credential_status(user: User | None, credential: Credential) -> bool:
    """Revoke, suspend or reinstate: the issuing organization's admins."""
    return _not_own(user, credential) and _issuer_staff(
        user, credential.issuer_id, CREDENTIAL_ADMINS
    )


def can_view_issued_credentials(user: User | None, org: Organization) -> bool:
    """The list of what an organization has issued: its instructors and admins."""
    return _issuer_staff(user, org.id, CREDENTIAL_APPROVERS)


def can_endorse(user: User | None, org: Organization) -> bool:
    """Countersign achievements in the organization's name: its admins."""
    return _issuer_staff(user, org.id, CREDENTIAL_ADMINS)


def can_edit_branding(user: User | None, org: Organization) -> bool:
    """The short name, website, colours and identifiers the organization's credentials
    carry: its partner admins, and the platform admin."""
    return is_platform_admin(user) or role_in(user, org.id) is Role.PARTNER_ADMIN


# -- Organizations, memberships and the audit trail -----------------------------------------


def _admin_of(user: User | None, org: Organization) -> bool:
    return role_in(user, org.id) is ADMIN_ROLE[org.kind]


def can_create_organization(user: User | None) -> bool:
    """New organizations (and their first admins' invitations): the platform admin."""
    return is_platform_admin(user)


def can_edit_organization(user: User | None, org: Organization) -> bool:
    """Name, description, place and branding: the organization's admins and the platform
    admin. (Kind and program are the platform admin's: see can_create_organization.)"""
    return is_platform_admin(user) or _admin_of(user, org)


def can_manage_members(user: User | None, org: Organization) -> bool:
    """Invite, change roles, deactivate and reactivate members; see the audit trail."""
    return is_platform_admin(user) or _admin_of(user, org)


def can_change_membership(user: User | None, org: Organization, member: User) -> bool:
    """Admins manage everyone else in their organization; nobody changes their own role or
    deactivates themselves (so an organization never locks out its last admin by accident)."""
    return can_manage_members(user, org) and not (is_signed_in(user) and user.id == member.id)


def can_view_audit(user: User | None, org: Organization) -> bool:
    return can_manage_members(user, org)


# -- Cohorts ----------------------------------------------------------------------------------


def can_manage_cohorts(user: User | None, org: Organization) -> bool:
    """Create cohorts and enrol learners: a training partner's admins, the platform admin."""
    if org.kind is not OrgKind.TRAINING_PARTNER:
        return False
    return is_platform_admin(user) or role_in(user, org.id) is Role.PARTNER_ADMIN


def can_list_cohorts(user: User | None, org: Organization) -> bool:
    """A host's list of cohorts: its admins see all, its instructors those they teach."""
    return can_manage_cohorts(user, org) or (
        org.kind is OrgKind.TRAINING_PARTNER and role_in(user, org.id) is Role.INSTRUCTOR
    )


def _cohort_role(user: User | None, cohort: Cohort) -> str | None:
    if not is_signed_in(user):
        return None
    for member in cohort.members:
        if member.user_id == user.id and member.status == "active":
            return member.role
    return None


def can_teach_cohort(user: User | None, cohort: Cohort) -> bool:
    """The gradebook, due dates, comments, overrides and extra attempts: the cohort's own
    instructors (while they teach for its host), the host's admins and the platform admin."""
    if can_manage_cohorts(user, cohort.host):
        return True
    return (
        _cohort_role(user, cohort) == "instructor"
        and role_in(user, cohort.host_id) in LAB_REVIEWERS
    )


def can_view_cohort(user: User | None, cohort: Cohort) -> bool:
    """The cohort's page (schedule, instructors, due work): its learners and teachers, and
    the staff of an employer that sponsors one of its learners."""
    if can_teach_cohort(user, cohort) or _cohort_role(user, cohort) == "learner":
        return True
    sponsors = {m.sponsor_id for m in cohort.members if m.status == "active"}
    return bool(orgs_where(user, EMPLOYER_STAFF) & {s for s in sponsors if s is not None})


def can_join_cohorts(user: User | None) -> bool:
    """Anyone signed in may redeem a cohort's join code or link."""
    return is_signed_in(user)


def can_grade_learner(user: User | None, cohort: Cohort, learner: User) -> bool:
    """Comment on, override the score of, or grant attempts to a learner of the cohort;
    never one's own work."""
    if is_signed_in(user) and user.id == learner.id:
        return False
    in_cohort = any(m.user_id == learner.id for m in cohort.members)
    return in_cohort and can_teach_cohort(user, cohort)


def can_give_lab_feedback(user: User | None, learner: User, cohorts: list[Cohort]) -> bool:
    """Comment on, override the score of, and grant attempts to *learner*'s lab work: a
    reviewer of the learner's organization, or a teacher of one of *cohorts* (the learner's
    active cohorts); never the learner."""
    if not is_signed_in(user) or user.id == learner.id:
        return False
    if can_review_learner(user, learner):
        return True
    return any(can_grade_learner(user, cohort, learner) for cohort in cohorts)


def can_view_lab_attempt(user: User | None, learner: User, cohorts: list[Cohort]) -> bool:
    """An attempt's page: the learner, their reviewers, and their cohorts' teachers."""
    return can_view_submission(user, learner) or can_give_lab_feedback(user, learner, cohorts)


# -- Employers and the state program ------------------------------------------------------------

# An employer's staff who follow its people: its admin (HR) and its mentors.
EMPLOYER_STAFF = frozenset({Role.EMPLOYER, Role.MENTOR})


def can_view_employer_people(user: User | None, org: Organization) -> bool:
    """An employer's people and, where each consented, their progress and credentials: its
    admin (HR). Its mentors follow the apprentices they supervise on their own pages."""
    if org.kind is not OrgKind.EMPLOYER:
        return False
    return is_platform_admin(user) or _admin_of(user, org)


def can_sponsor(user: User | None, org: Organization) -> bool:
    """Send workers to cohorts and assign mentors in the employer's name: its admins, once
    the company is confirmed (see can_verify_company)."""
    if org.kind is not OrgKind.EMPLOYER or org.verified_at is None:
        return False
    return is_platform_admin(user) or _admin_of(user, org)


def can_verify_company(user: User | None, org: Organization) -> bool:
    """Confirm a company that registered itself: the platform admin, or the staff of the
    state program it says it takes part in."""
    if org.kind is not OrgKind.EMPLOYER or org.verified_at is not None:
        return False
    if is_platform_admin(user):
        return True
    return role_in(user, org.program_operator_id) is Role.PARTNER_ADMIN


def can_view_any_program(user: User | None) -> bool:
    """The state program view's entry: program staff, and the platform admin."""
    return is_platform_admin(user) or bool(program_staff_of(user))


def can_list_companies_to_verify(user: User | None) -> bool:
    return is_platform_admin(user) or bool(program_staff_of(user))


def program_staff_of(user: User | None) -> set[int]:
    """The state programs (program operators) whose staff *user* is."""
    if not is_signed_in(user):
        return set()
    return {
        m.organization_id
        for m in user.memberships
        if m.active
        and m.role is Role.PARTNER_ADMIN
        and m.organization.kind is OrgKind.PROGRAM_OPERATOR
    }


def can_manage_consent(user: User | None, learner: User) -> bool:
    """Only the learner grants or withdraws an employer's view of their progress."""
    return is_signed_in(user) and user.id == learner.id


def can_view_program(user: User | None, org: Organization) -> bool:
    """The state program's figures, charts and exports: the program operator's staff."""
    if org.kind is not OrgKind.PROGRAM_OPERATOR:
        return False
    return is_platform_admin(user) or role_in(user, org.id) is Role.PARTNER_ADMIN


def can_register_employer(user: User | None) -> bool:
    """A company registers itself (its first user becomes its admin); partner admins,
    program staff and the platform admin register one and invite its admin."""
    return is_signed_in(user)


def can_invite_company(user: User | None) -> bool:
    """Register a company on its behalf and invite its admin: staff of a training partner or
    a state program (partner admins), and the platform admin."""
    return is_platform_admin(user) or holds(user, frozenset({Role.PARTNER_ADMIN}))

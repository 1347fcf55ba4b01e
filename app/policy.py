"""Every "may this user do X to Y?" decision, as pure predicates.

Views call these through ``web.access.require``; templates use ``can(name, obj)`` only to
hide controls. Nothing else in the code base decides who may do what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from app.models import Apprenticeship, Assessment, Course, Credential, Organization, User


def is_signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_platform_admin(user: User | None) -> bool:
    return is_signed_in(user) and user.role is Role.PLATFORM_ADMIN


def can_view_dashboard(user: User | None) -> bool:
    return is_signed_in(user)


def can_manage_own_account(user: User | None) -> bool:
    return is_signed_in(user)


def can_view_platform_admin(user: User | None) -> bool:
    return is_platform_admin(user)


def can_view_organization(user: User | None, org: Organization) -> bool:
    """Members may see their organization's page; staff also see its member list."""
    return is_platform_admin(user) or (is_signed_in(user) and user.organization_id == org.id)


def can_view_members(user: User | None, org: Organization) -> bool:
    """Platform admins and the organization's own staff see who belongs to it.

    Apprentices do not see their fellow members' contact details.
    """
    if is_platform_admin(user):
        return True
    return is_signed_in(user) and user.organization_id == org.id and user.role in STAFF_ROLES


# Roles that author or run courses and may preview drafts.
COURSE_STAFF = frozenset({Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.PLATFORM_ADMIN})


def can_preview_drafts(user: User | None) -> bool:
    return is_signed_in(user) and user.role in COURSE_STAFF


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
    """Instructors and partner admins see the lab work of their own organization's learners."""
    if is_platform_admin(user):
        return True
    return (
        is_signed_in(user)
        and user.role in LAB_REVIEWERS
        and user.organization_id is not None
        and user.organization_id == learner.organization_id
    )


def can_review_labs(user: User | None) -> bool:
    """Who may open a lab's list of submissions (it shows only learners they may review)."""
    return is_platform_admin(user) or (is_signed_in(user) and user.role in LAB_REVIEWERS)


def can_view_submission(user: User | None, learner: User) -> bool:
    """The learner sees their own attempts; reviewers see their learners' attempts."""
    return can_use_workspace(user, learner.id) or can_review_learner(user, learner)


def can_regrade(user: User | None, learner: User) -> bool:
    return can_review_learner(user, learner)


# Apprenticeships ------------------------------------------------------------------------------
# Who enrols apprentices: the staff who run programs at an employer or a training partner.
ENROLLERS = frozenset({Role.PARTNER_ADMIN, Role.EMPLOYER})


def _org_staff_of(user: User | None, org_ids: tuple[int | None, ...]) -> bool:
    return (
        is_signed_in(user)
        and user.role in ENROLLERS
        and user.organization_id is not None
        and user.organization_id in org_ids
    )


def can_view_apprenticeship(user: User | None, enrolment: Apprenticeship) -> bool:
    """The apprentice, their mentor, the staff of the employer or of the apprentice's own
    organization, and the instructors who teach the apprentice see the record and its hours."""
    if is_platform_admin(user):
        return True
    if is_signed_in(user) and user.id in (enrolment.apprentice_id, enrolment.mentor_id):
        return True
    if can_review_learner(user, enrolment.apprentice):
        return True
    return _org_staff_of(user, (enrolment.employer_id, enrolment.apprentice.organization_id))


def can_log_hours(user: User | None, enrolment: Apprenticeship) -> bool:
    """Only the apprentice logs, edits and withdraws their own hours."""
    return is_signed_in(user) and user.id == enrolment.apprentice_id


def can_sign_off(user: User | None, enrolment: Apprenticeship) -> bool:
    """Only the assigned mentor signs off, and never hours of their own."""
    return (
        is_signed_in(user) and user.id == enrolment.mentor_id and user.id != enrolment.apprentice_id
    )


def can_view_sign_off_queue(user: User | None) -> bool:
    return is_signed_in(user) and user.role is Role.MENTOR


def can_enrol_apprentices(user: User | None) -> bool:
    return is_platform_admin(user) or (
        is_signed_in(user) and user.role in ENROLLERS and user.organization_id is not None
    )


def can_enrol(user: User | None, apprentice: User) -> bool:
    """Platform admins enrol anyone; program staff, apprentices of their own organization."""
    return is_platform_admin(user) or _org_staff_of(user, (apprentice.organization_id,))


def can_view_own_competencies(user: User | None) -> bool:
    """Every signed-in person has a competency map of their own."""
    return is_signed_in(user)


def can_view_learner_mastery(user: User | None, learner: User) -> bool:
    """A learner's map: their own, and their learners' for instructors and partner admins."""
    return can_use_workspace(user, learner.id) or can_review_learner(user, learner)


def can_view_cohort_mastery(user: User | None) -> bool:
    """The cohort heatmap (and its CSV): instructors, partner admins and platform admins."""
    return is_platform_admin(user) or (is_signed_in(user) and user.role in LAB_REVIEWERS)


# Judgements recorded as evidence: rubric assessments, observations, prior learning --------------
ASSESSORS = frozenset({Role.INSTRUCTOR})  # besides platform admins
PRIOR_LEARNING_REVIEWERS = frozenset({Role.INSTRUCTOR, Role.PARTNER_ADMIN})


def _staff_of_learner(user: User | None, learner: User, roles: frozenset[Role]) -> bool:
    """Platform admins, or *roles* of the learner's own organization; never the learner."""
    if not is_signed_in(user) or user.id == learner.id:
        return False
    if is_platform_admin(user):
        return True
    return (
        user.role in roles
        and user.organization_id is not None
        and user.organization_id == learner.organization_id
    )


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
    return is_platform_admin(user) or (is_signed_in(user) and user.role in PRIOR_LEARNING_REVIEWERS)


# Exports ---------------------------------------------------------------------------------------


def can_view_exports(user: User | None) -> bool:
    """The exports page: everyone signed in (learners find their own statements there)."""
    return is_signed_in(user)


def can_export_program_data(user: User | None, org: Organization | None) -> bool:
    """RAPIDS rows and learners' xAPI statements: program staff (employer and partner admins)
    for their own organization, the platform admin for any one or all (*org* None)."""
    if is_platform_admin(user):
        return True
    return org is not None and _org_staff_of(user, (org.id,))


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
    if is_platform_admin(user):
        return True
    return (
        is_signed_in(user)
        and issuer_id is not None
        and user.organization_id == issuer_id
        and user.role in roles
    )


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
    return is_platform_admin(user) or (is_signed_in(user) and user.role in CREDENTIAL_APPROVERS)


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
    if is_platform_admin(user):
        return True
    return is_signed_in(user) and user.organization_id == org.id and user.role is Role.PARTNER_ADMIN

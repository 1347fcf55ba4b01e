"""Database models, one module per aggregate. Importing this package registers them all."""

from app.models.achievements import Achievement
from app.models.apprenticeships import Apprenticeship, OjlChange, OjlEntry, RtiAttendance
from app.models.assessments import Assessment, PriorLearningClaim
from app.models.cohorts import Cohort, CohortMember, DueDate
from app.models.credentials import Credential, CredentialEvent, Endorsement, StatusList
from app.models.curriculum import (
    Competency,
    ContentSync,
    Course,
    CourseAsset,
    Framework,
    Lesson,
    Module,
    Question,
)
from app.models.labs import (
    AttemptGrant,
    LabSubmission,
    LabWorkspace,
    ScoreOverride,
    SubmissionComment,
)
from app.models.mastery import MasteryEvent, MasteryState
from app.models.memberships import AuditEvent, Consent, Invitation, Membership
from app.models.organizations import Organization
from app.models.pages import PageVersion
from app.models.progress import CompetencyEvidence, LessonCompletion, QuizAttempt
from app.models.users import LoginSession, PasswordResetToken, User

__all__ = [
    "AttemptGrant",
    "AuditEvent",
    "Cohort",
    "CohortMember",
    "Consent",
    "DueDate",
    "Invitation",
    "Membership",
    "ScoreOverride",
    "SubmissionComment",
    "Achievement",
    "Apprenticeship",
    "Assessment",
    "CompetencyEvidence",
    "Competency",
    "ContentSync",
    "Course",
    "Credential",
    "CredentialEvent",
    "CourseAsset",
    "Endorsement",
    "Framework",
    "LabSubmission",
    "LabWorkspace",
    "Lesson",
    "LessonCompletion",
    "LoginSession",
    "MasteryEvent",
    "MasteryState",
    "PageVersion",
    "Module",
    "OjlChange",
    "OjlEntry",
    "Organization",
    "PasswordResetToken",
    "PriorLearningClaim",
    "Question",
    "QuizAttempt",
    "RtiAttendance",
    "StatusList",
    "User",
]

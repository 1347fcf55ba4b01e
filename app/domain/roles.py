"""The roles people hold on Shopfloor and the kinds of organization they belong to."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class _Choice(StrEnum):
    """A value people type in forms and on the command line, with a display label."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a value written loosely ("partner-admin", "Partner admin", ...).

        Raises ValueError naming the valid choices.
        """
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            valid = ", ".join(member.value for member in cls)
            raise ValueError(f"unknown {cls._noun()} {text!r}; choose one of: {valid}") from None

    @classmethod
    def _noun(cls) -> str:
        return "value"


class Role(_Choice):
    APPRENTICE = "apprentice"
    MENTOR = "mentor"
    INSTRUCTOR = "instructor"
    PARTNER_ADMIN = "partner_admin"
    EMPLOYER = "employer"
    PLATFORM_ADMIN = "platform_admin"

    @classmethod
    def _noun(cls) -> str:
        return "role"


# Roles that work for an organization and may see who else belongs to it.
STAFF_ROLES = frozenset({Role.MENTOR, Role.INSTRUCTOR, Role.PARTNER_ADMIN, Role.EMPLOYER})


class OrgKind(_Choice):
    TRAINING_PARTNER = "training_partner"
    EMPLOYER = "employer"
    PROGRAM_OPERATOR = "program_operator"

    @classmethod
    def _noun(cls) -> str:
        return "organization kind"


# The roles each kind of organization gives its members. A training partner's learners and an
# employer's workers both hold "apprentice" (a learner on Shopfloor, registered or not).
ROLES_BY_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.TRAINING_PARTNER: (Role.APPRENTICE, Role.INSTRUCTOR, Role.MENTOR, Role.PARTNER_ADMIN),
    OrgKind.EMPLOYER: (Role.APPRENTICE, Role.MENTOR, Role.EMPLOYER),
    OrgKind.PROGRAM_OPERATOR: (Role.PARTNER_ADMIN,),
}

# The role that administers an organization of each kind: invites, changes roles, deactivates.
ADMIN_ROLE: dict[OrgKind, Role] = {
    OrgKind.TRAINING_PARTNER: Role.PARTNER_ADMIN,
    OrgKind.EMPLOYER: Role.EMPLOYER,
    OrgKind.PROGRAM_OPERATOR: Role.PARTNER_ADMIN,
}


def role_title(role: Role, kind: OrgKind | None) -> str:
    """What a role is called in an organization of *kind* ("Program staff", "HR / employer
    admin")."""
    if kind is OrgKind.PROGRAM_OPERATOR and role is Role.PARTNER_ADMIN:
        return "Program staff"
    if kind is OrgKind.EMPLOYER and role is Role.APPRENTICE:
        return "Apprentice or worker"
    if role is Role.APPRENTICE:
        return "Learner"
    if role is Role.EMPLOYER:
        return "Employer admin"
    return role.label

"""Achievements as parsed from ``badges/*.yml``: frozen dataclasses and their JSON form.

The JSON form is what ``achievements.criteria`` and ``achievements.alignments`` store, so
the evaluator can rebuild the rules from a database row without the files.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

# The achievementType vocabulary of Open Badges 3.0 (AchievementType enumeration). Any other
# type is an extension and must be written "ext:Name" (the schema's pattern).
ACHIEVEMENT_TYPES = frozenset(
    [
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    ]
)
EXTENSION_TYPE = re.compile(r"^ext:[A-Za-z0-9._-]+$")

# Program milestones a rule can name.
PROGRAM_COMPLETE = "complete"  # the whole program, by its approach
PROBATION_COMPLETE = "probation"  # the probationary period is over
WORK_PROCESS_COMPLETE = "work_process"  # a work process: its minimum hours and competencies
OJL_HOURS = "ojl_hours"  # approved on-the-job hours, in all work processes or in one
MILESTONES = (PROGRAM_COMPLETE, PROBATION_COMPLETE, WORK_PROCESS_COMPLETE, OJL_HOURS)


@dataclass(frozen=True)
class MasteryRule:
    """Each competency in *codes* at *level* or above; level None: mastered (its rule's)."""

    framework: str
    codes: tuple[str, ...]
    level: int | None = None
    level_title: str = ""  # the framework's name for *level*, for messages


@dataclass(frozen=True)
class CourseRule:
    """At least *share* percent of the course's lessons completed (100: all of them)."""

    course: str
    share: int = 100


@dataclass(frozen=True)
class LabRule:
    """A graded submission of the lab scoring at least *min_score* percent."""

    lab: str
    min_score: float


@dataclass(frozen=True)
class ProgramRule:
    """An apprenticeship milestone in *program* (one of MILESTONES)."""

    program: str
    milestone: str
    work_process: str = ""  # work_process: the one completed; ojl_hours: the one counted
    hours: float = 0.0  # ojl_hours only


Rule = MasteryRule | CourseRule | LabRule | ProgramRule
_KINDS: dict[str, type] = {
    "mastery": MasteryRule,
    "course": CourseRule,
    "lab": LabRule,
    "program": ProgramRule,
}


@dataclass(frozen=True)
class Alignment:
    """A competency of a framework the achievement aligns to, with its CASE identifier."""

    framework: str
    code: str
    uuid: str  # the CFItem identifier served at /ims/case/v1p1/CFItems/<uuid>
    name: str
    description: str = ""


@dataclass(frozen=True)
class Achievement:
    id: str
    name: str
    description: str
    achievement_type: str
    narrative: str
    rules: tuple[Rule, ...]
    alignments: tuple[Alignment, ...] = ()
    artwork: str = "default"
    issuers: tuple[str, ...] = ()  # organization slugs that may issue it
    instructor_approval: bool = False
    valid_for: str = ""  # ISO 8601 duration, e.g. P3Y; empty: does not expire
    tags: tuple[str, ...] = ()
    source: str = ""
    id_line: int = 1


def rules_as_json(rules: tuple[Rule, ...]) -> list[dict[str, Any]]:
    """The rules as JSON objects, each tagged with its kind."""
    out = []
    for rule in rules:
        kind = next(name for name, cls in _KINDS.items() if isinstance(rule, cls))
        data = asdict(rule)
        if isinstance(rule, MasteryRule):
            data["codes"] = list(rule.codes)
        out.append({"kind": kind, **data})
    return out


def rules_from_json(data: list[dict[str, Any]]) -> tuple[Rule, ...]:
    """Rebuild rules from ``rules_as_json``; raises ValueError on an unknown kind."""
    rules: list[Rule] = []
    for item in data:
        values = {k: v for k, v in item.items() if k != "kind"}
        cls = _KINDS.get(item.get("kind", ""))
        if cls is None:
            raise ValueError(f"unknown rule kind {item.get('kind')!r}")
        if cls is MasteryRule:
            values["codes"] = tuple(values.get("codes", ()))
        rules.append(cls(**values))
    return tuple(rules)


def alignments_as_json(alignments: tuple[Alignment, ...]) -> list[dict[str, str]]:
    return [asdict(a) for a in alignments]

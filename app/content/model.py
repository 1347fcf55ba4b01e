"""The curriculum as frozen dataclasses, as parsed from files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.content.achievement_rules import Achievement
from app.content.mastery import MasteryRules


@dataclass(frozen=True)
class Level:
    level: int
    title: str
    description: str = ""


@dataclass(frozen=True)
class Related:
    """A crosswalk to an item of an external framework (CASE isRelatedTo)."""

    framework: str
    code: str
    title: str = ""


@dataclass(frozen=True)
class Competency:
    code: str  # stable id and CASE humanCodingScheme, e.g. SM.CTRL.3
    title: str
    description: str = ""
    kind: str = "competency"  # domain | competency | subcompetency
    parent: str | None = None
    position: int = 0
    precedes: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    uuid: str = ""  # kept from an imported CASE package; else derived from the code


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    description: str = ""
    creator: str = ""
    publisher: str = ""
    language: str = "en"
    subjects: tuple[str, ...] = ()
    license_title: str = ""
    license_uri: str = ""
    levels: tuple[Level, ...] = ()
    items: tuple[Competency, ...] = ()  # depth-first: domains, their competencies, subs
    source: str = ""  # file path, or "case:<uri>" for imported packages
    uuid: str = ""  # kept from an imported CASE package; else derived from the id
    mastery: MasteryRules = field(default_factory=MasteryRules)  # how mastery is decided

    def codes(self) -> set[str]:
        return {item.code for item in self.items}


@dataclass(frozen=True)
class Choice:
    key: str  # opaque, stable: what the browser sends back
    text: str
    correct: bool = False


FORMATIVE, SUMMATIVE = "formative", "summative"


@dataclass(frozen=True)
class QuizPolicy:
    """How a question counts: formative practice or a summative check.

    Formative: unlimited attempts, the answer shown after each, evidence of practice only.
    Summative: at most *attempts* attempts, the answer shown once they are used up (or the
    answer is right), and the attempt named by *counts* ("first" or "last") is the evidence.
    """

    kind: str = FORMATIVE
    attempts: int | None = None  # summative only
    counts: str | None = None  # summative only: first | last

    @property
    def summative(self) -> bool:
        return self.kind == SUMMATIVE


DEFAULT_POLICY = QuizPolicy()  # what a lesson file that says nothing means


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # single | multiple | numeric | order
    prompt: str
    explanation: str
    competencies: tuple[str, ...]
    choices: tuple[Choice, ...] = ()  # single, multiple; for order: items in correct order
    answer: float | None = None  # numeric
    tolerance: float = 0.0
    unit: str = ""
    line: int = 1  # where the block starts in its lesson file
    policy: QuizPolicy = DEFAULT_POLICY


@dataclass(frozen=True)
class LabRef:
    id: str
    title: str
    objectives: tuple[str, ...] = ()
    planned: bool = False
    line: int = 1


@dataclass(frozen=True)
class Prose:
    """What one lesson body holds, outside its quiz and lab blocks (``content.hours``)."""

    words: int = 0  # headings, paragraphs, lists, tables, admonitions; inline maths = 1 word
    figures: int = 0
    equations: int = 0  # display maths ($$ … $$)
    code_blocks: int = 0


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    path: Path  # relative to the course folder
    minutes: int
    objectives: tuple[str, ...]
    competencies: tuple[str, ...]
    body: str  # Markdown without the front matter
    body_line: int  # line of the file where the body starts
    content_hash: str
    questions: tuple[Question, ...] = ()
    labs: tuple[LabRef, ...] = ()
    id_line: int = 1
    prose: Prose = Prose()  # counted from the same parse as the checks


@dataclass(frozen=True)
class Objective:
    text: str
    competencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    folder: str
    summary: str = ""
    objectives: tuple[Objective, ...] = ()
    lessons: tuple[Lesson, ...] = ()


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    folder: Path  # absolute
    summary: str
    audience: str
    prerequisites: tuple[str, ...]
    rti_hours: float
    version: str
    published: bool
    framework: str
    modules: tuple[Module, ...] = ()
    assets: tuple[str, ...] = ()  # course-relative paths of its figures, e.g. assets/a.svg

    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]


@dataclass(frozen=True)
class Curriculum:
    root: Path
    frameworks: tuple[Framework, ...] = ()
    courses: tuple[Course, ...] = ()
    achievements: tuple[Achievement, ...] = ()  # from badges/, beside the curriculum

"""How many hours of related technical instruction (RTI) a course's material justifies.

A course declares ``rti_hours`` in its course.yml; a registered apprenticeship counts those
hours towards the 144 a year that 29 CFR 29.5(b)(4) calls normally necessary. This module
measures what the course's files hold and turns it into an estimate of study time, so that
the declared figure can be checked against it (``flask curriculum stats``)::

    estimated minutes = prose words / STUDY_WPM
                      + WORKED_MINUTES x (figures + display equations + code blocks)
                      + per quiz item: QUIZ_ANSWER_MINUTES[type] + explanation words / STUDY_WPM
                      + the declared minutes of each lab notebook the course names (once each)

Sources for the constants (also in curricula/README.md, "How many hours a course counts for"):

- Brysbaert, M. (2019). How many words do we read per minute? A review and meta-analysis of
  reading rate. Journal of Memory and Language 109, 104047. Adults read English non-fiction
  silently at about 238 words a minute (most between 175 and 300). That is reading, not
  study: it is the ceiling here, not the rate.
- Barre, E., Brown, A. & Esarey, J., Course Workload Estimator, Rice University Center for
  Teaching Excellence (https://cte.rice.edu/workload). It starts from about 300 words a
  minute for reading each sentence of a text with no new concepts (after Rayner et al. 2016
  and Carver 1982) and lowers the rate as the text brings more new concepts and as the
  purpose moves from surveying to understanding to engaging. Its rate for reading to
  understand a text with many new concepts is, as we read it, about 130 words a minute; we
  could not re-check the exact figure of its table, so treat 130 as "of that order". Carver's
  own "learning" and "memorizing" reading gears, about 200 and 138 words a minute, bracket it.
- Higgins, P. (2009). Candidate measured ability and use of time. Measurement Research
  Associates Test Insights, October 2009 (https://www.rasch.org/mra/mra-10-09.htm):
  candidates took 54 s on average per four-option multiple-choice item, and under 15 s
  reviewing one. Test-planning guides commonly allow 60 s per multiple-choice item and
  120 s per short-answer item; a numeric item is a short calculation, so it gets the latter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from app.content.limits import MARKDOWN_NESTING
from app.content.markdown import ADMONITIONS
from app.content.model import Course, Prose, Question

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


# Words a minute for studying technical prose for understanding: the Rice estimator's order of
# magnitude for text with many new concepts, about 55 % of the 238 wpm of ordinary reading.
STUDY_WPM = 130
# Minutes to study one figure, display equation or code block (a worked example). Our own
# assumption, not a measured rate: about the time one paragraph of prose takes at STUDY_WPM.
# The words of these blocks are not counted, so without it worked examples would count nothing.
WORKED_MINUTES = 1.0
# Minutes to answer one quiz item by type: a choice or ordering item about one minute
# (Higgins 2009: 54 s plus a little review), a numeric item two (a short calculation).
QUIZ_ANSWER_MINUTES = {"single": 1.0, "multiple": 1.0, "order": 1.0, "numeric": 2.0}
# A course declaring more than this many times its estimate gets a note from the stats.
OVER_DECLARED_RATIO = 1.25


class TimedLab(Protocol):
    """A lab as the estimate reads it: a parsed ``labs.Lab`` or a ``labs.LabHeader``."""

    minutes: int
    competencies: tuple[str, ...]


_WORD = re.compile(r"\w")  # a word is a run of non-space characters with a letter or digit


@dataclass(frozen=True)
class LabTime:
    id: str
    minutes: int  # the notebook's declared minutes (the author's estimate); 0 if not written
    written: bool  # False: no notebook in labs/ yet (a planned lab justifies no time)


@dataclass(frozen=True)
class Estimate:
    """The parts of a course's estimated study time, in minutes."""

    reading: float
    worked: float
    quizzes: float
    labs: float

    @property
    def minutes(self) -> float:
        return self.reading + self.worked + self.quizzes + self.labs

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class CourseHours:
    """The figures of one course and the hours they justify."""

    course: str
    title: str
    published: bool
    modules: int
    lessons: int
    prose: Prose
    quiz_items: int
    labs: tuple[LabTime, ...]
    competencies: tuple[str, ...]  # distinct codes of objectives, lessons, quizzes and labs
    lesson_minutes: int  # the sum of the lessons' own `minutes` (the authors' estimate)
    declared_hours: float
    estimate: Estimate

    @property
    def estimated_hours(self) -> float:
        return self.estimate.hours

    @property
    def ratio(self) -> float | None:
        """Declared over estimated hours; None when nothing is estimated."""
        return self.declared_hours / self.estimated_hours if self.estimated_hours else None

    @property
    def over_declared(self) -> bool:
        """Does the course declare more hours than its material justifies (with a margin)?"""
        return self.declared_hours > OVER_DECLARED_RATIO * self.estimated_hours

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain JSON values (hours to 0.01, minutes to 0.1)."""
        return {
            "id": self.course,
            "title": self.title,
            "published": self.published,
            "modules": self.modules,
            "lessons": self.lessons,
            "words": self.prose.words,
            "figures": self.prose.figures,
            "equations": self.prose.equations,
            "code_blocks": self.prose.code_blocks,
            "quiz_items": self.quiz_items,
            "labs": [{"id": x.id, "minutes": x.minutes, "written": x.written} for x in self.labs],
            "competencies": list(self.competencies),
            "lesson_minutes": self.lesson_minutes,
            "declared_hours": self.declared_hours,
            "estimated_hours": round(self.estimated_hours, 2),
            "estimated_minutes": {
                "reading": round(self.estimate.reading, 1),
                "worked": round(self.estimate.worked, 1),
                "quizzes": round(self.estimate.quizzes, 1),
                "labs": round(self.estimate.labs, 1),
            },
            "ratio": None if self.ratio is None else round(self.ratio, 2),
            "over_declared": self.over_declared,
        }


@dataclass(frozen=True)
class Total:
    courses: int
    declared_hours: float
    estimated_hours: float

    @property
    def ratio(self) -> float | None:
        return self.declared_hours / self.estimated_hours if self.estimated_hours else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "courses": self.courses,
            "declared_hours": self.declared_hours,
            "estimated_hours": round(self.estimated_hours, 2),
            "ratio": None if self.ratio is None else round(self.ratio, 2),
        }


def lab_ids(course: Course) -> list[str]:
    """The ids of the labs *course*'s lessons name, each once, in teaching order."""
    return list(dict.fromkeys(lab.id for lesson in course.lessons() for lab in lesson.labs))


def measure(course: Course, labs: Mapping[str, TimedLab]) -> CourseHours:
    """Count what *course* holds and estimate the hours it justifies.

    *labs* maps lab id → the parsed lab notebook, for the labs that exist; a lab the course
    names that is not in it counts as not written yet (no minutes, no competencies).
    """
    lessons = course.lessons()
    prose = _sum(lesson.prose for lesson in lessons)
    questions = [question for lesson in lessons for question in lesson.questions]
    lab_times = tuple(
        LabTime(ident, labs[ident].minutes, True) if ident in labs else LabTime(ident, 0, False)
        for ident in lab_ids(course)
    )
    estimate = Estimate(
        reading=prose.words / STUDY_WPM,
        worked=WORKED_MINUTES * (prose.figures + prose.equations + prose.code_blocks),
        quizzes=sum(quiz_minutes(question) for question in questions),
        labs=float(sum(lab.minutes for lab in lab_times)),
    )
    return CourseHours(
        course=course.id,
        title=course.title,
        published=course.published,
        modules=len(course.modules),
        lessons=len(lessons),
        prose=prose,
        quiz_items=len(questions),
        labs=lab_times,
        competencies=_competencies(course, questions, [labs[x.id] for x in lab_times if x.written]),
        lesson_minutes=sum(lesson.minutes for lesson in lessons),
        declared_hours=course.rti_hours,
        estimate=estimate,
    )


def _competencies(
    course: Course, questions: list[Question], labs: list[TimedLab]
) -> tuple[str, ...]:
    """The distinct codes the course's objectives, lessons, quiz items and labs map to."""
    codes = {
        code for module in course.modules for o in module.objectives for code in o.competencies
    }
    codes |= {code for lesson in course.lessons() for code in lesson.competencies}
    codes |= {code for question in questions for code in question.competencies}
    codes |= {code for lab in labs for code in lab.competencies}
    return tuple(sorted(codes))


def quiz_minutes(question: Question) -> float:
    """Answering *question*, then reading its explanation at STUDY_WPM."""
    answer = QUIZ_ANSWER_MINUTES.get(question.type, 1.0)
    return answer + count_words(question.explanation) / STUDY_WPM


def total(courses: Sequence[CourseHours]) -> Total:
    """The declared and estimated hours of *courses* together."""
    return Total(
        len(courses),
        sum(c.declared_hours for c in courses),
        sum(c.estimated_hours for c in courses),
    )


def count_words(text: str) -> int:
    """Whitespace-separated pieces of *text* that hold a letter or a digit."""
    return sum(1 for piece in text.split() if _WORD.search(piece))


def prose_of(body: str) -> Prose:
    """Count the prose words, figures, display equations and code blocks of a lesson body.

    Not counted as words: quiz and lab blocks (timed as quiz items and labs), code blocks and
    display maths (timed as worked examples), image alt text (a figure), raw HTML, and
    footnote definitions: those are citations a learner looks up, not text to study.
    """
    return prose_of_tokens(block_parser().parse(body))


def prose_of_tokens(tokens) -> Prose:
    """``prose_of`` for a body ``block_parser`` has parsed already."""
    words = figures = equations = code_blocks = 0
    in_footnotes = False
    for token in tokens:
        if token.type == "footnote_block_open":
            in_footnotes = True
        elif token.type == "footnote_block_close":
            in_footnotes = False
        elif in_footnotes:
            continue
        elif token.type in ("fence", "code_block"):
            info = token.info.strip().split()[0] if token.info.strip() else ""
            code_blocks += info not in ("quiz", "lab")
        elif token.type == "math_block":
            equations += 1
        elif token.type.startswith("container_") and token.type.endswith("_open"):
            words += count_words(" ".join(token.info.split()[1:]))  # the admonition's title
        elif token.type == "inline":
            text, images = _inline_text(token.children or [])
            words += count_words(text)
            figures += images
    return Prose(words, figures, equations, code_blocks)


def _inline_text(children) -> tuple[str, int]:
    """The readable text of an inline token's children (inline maths as one word), and the
    number of images among them."""
    parts, images = [], 0
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(" formula ")
        elif child.type == "image":
            images += 1
            parts.append(" ")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts), images


def _sum(items: Iterable[Prose]) -> Prose:
    found = list(items)
    return Prose(
        sum(p.words for p in found),
        sum(p.figures for p in found),
        sum(p.equations for p in found),
        sum(p.code_blocks for p in found),
    )


@cache
def block_parser() -> MarkdownIt:
    """The block syntax of app.content.markdown (footnotes, maths, admonitions), parse only.

    Raw HTML is parsed as HTML (``html`` on), so that a lesson's checks can find it and warn
    (rendering keeps it off), and nesting is capped as when rendering. Lessons are parsed
    once with it: the checks and the prose counts read the same tokens.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.container import container_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("js-default", {"html": True, "maxNesting": MARKDOWN_NESTING})
    md.use(footnote_plugin)
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    for name in ADMONITIONS:
        md.use(container_plugin, name=name)
    return md

"""The rules of the judgements people record as evidence, and of the documents they upload.

Four sources of evidence are judged by people rather than graded by the platform. Their
``source_kind`` is the name mastery rules use for them in framework files (``requires:
[{source: observation, min_level: 3}]``, see ``content.mastery.SOURCE_KINDS``), so a rule
that asks for one is met by exactly that source:

- ``rubric``: an instructor rates a learner against the framework's levels (the rubric),
  optionally with a score; the score, when given, also counts in the rule's method.
- ``observation``: a learner's mentor saw them do it on the job, at a level.
- ``ojl``: an on-the-job entry the mentor approved, for each competency it lists. It says the
  work was done, not how well, so it carries the framework's first level and no score: it
  never moves a method's value, and counts only where a rule asks for OJL entries.
- ``prior``: recognised prior learning, accepted by a reviewer at a level.

All four are assessment evidence (``domain.evidence.ASSESSMENT``): a rule can ask for them.
Pure: plain values in, checked values or an InvalidInput naming the form field out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.errors import InvalidInput

RUBRIC, OBSERVATION, OJL, PRIOR = "rubric", "observation", "ojl", "prior"
SUBJECT_CHARS = 300
NOTE_CHARS = 2000
STATEMENT_CHARS = 4000
REASON_CHARS = 1000
OLDEST_DAYS = 366  # a judgement older than a year belongs in a prior-learning claim

# Prior-learning documents: what a certificate or a transcript comes as.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {  # media type → (extensions, the bytes every such file starts with)
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
}


@dataclass(frozen=True)
class Draft:
    """A judgement as typed: strings from a form (or JSON values)."""

    competency: str  # a competency code of the framework
    level: str | int
    subject: str  # what was assessed or observed
    note: str
    occurred_on: str | date
    score: str | float | None = None  # a percentage; rubric assessments only


@dataclass(frozen=True)
class Judgement:
    """A checked judgement, ready to save."""

    competency: str
    level: int
    subject: str
    note: str
    occurred_on: date
    score: float | None  # 0..1


def check(
    draft: Draft,
    *,
    levels: dict[int, str],
    codes: frozenset[str] | set[str],
    today: date,
    scored: bool = False,
) -> Judgement:
    """Check *draft* against the framework (*levels* number → title, competency *codes*).

    *scored*: a score may be given (rubric assessments); otherwise one is refused.
    """
    code = (draft.competency or "").strip()
    if code not in codes:
        raise InvalidInput("competency", "Choose a competency of the framework.")
    score = score_of(draft.score) if scored else None
    if not scored and draft.score not in (None, ""):
        raise InvalidInput("score", "Only an instructor's rubric assessment carries a score.")
    return Judgement(
        competency=code,
        level=level_of(draft.level, levels),
        subject=text_of(draft.subject, "subject", SUBJECT_CHARS, "Say what was assessed."),
        note=text_of(draft.note, "note", NOTE_CHARS),
        occurred_on=day_of(draft.occurred_on, today=today),
        score=score,
    )


def level_of(raw: str | int | None, levels: dict[int, str]) -> int:
    """A level of the framework's scale; InvalidInput("level") for anything else."""
    try:
        level = int(str(raw).strip()) if not isinstance(raw, bool) else None
    except ValueError:
        level = None
    if level not in levels:
        names = ", ".join(f"{n} ({title})" for n, title in sorted(levels.items()))
        raise InvalidInput("level", f"Choose one of the framework's levels: {names}.")
    return level


def score_of(raw: str | float | None) -> float | None:
    """A percentage as typed ("85", "85 %", 85.5) as a fraction 0..1; blank is no score."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(str(raw).strip().rstrip("%").strip().replace(",", "."))
    except ValueError:
        value = -1.0
    if isinstance(raw, bool) or not 0 <= value <= 100:
        raise InvalidInput("score", "A score is a percentage from 0 to 100, or left blank.")
    return round(value / 100, 4)


def day_of(raw: str | date, *, today: date, field: str = "occurred_on") -> date:
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw or "").strip()[:10])
        except ValueError:
            raise InvalidInput(field, "Enter the date, as on a calendar.") from None
    if day > today:
        raise InvalidInput(field, "Record what has happened: not a future date.")
    if day < today - timedelta(days=OLDEST_DAYS):
        raise InvalidInput(
            field, "That is more than a year ago: claim it as recognised prior learning."
        )
    return day


def text_of(raw: str | None, field: str, limit: int, required: str = "") -> str:
    """*raw* trimmed; InvalidInput if longer than *limit* or, with *required*, empty."""
    value = (raw or "").strip()
    if required and not value:
        raise InvalidInput(field, required)
    if len(value) > limit:
        raise InvalidInput(field, f"Keep it to {limit:,} characters (this is {len(value):,}).")
    return value


def document_type(file_name: str, head: bytes, size: int) -> str:
    """The media type of an upload, from its first bytes; InvalidInput("document") unless it
    is a PDF, PNG or JPEG of at most MAX_DOCUMENT_BYTES whose name says the same."""
    if size <= 0:
        raise InvalidInput("document", "Attach the document (a PDF, PNG or JPEG).")
    if size > MAX_DOCUMENT_BYTES:
        mb = MAX_DOCUMENT_BYTES // (1024 * 1024)
        raise InvalidInput(
            "document", f"The document is larger than {mb} MB: attach a smaller one."
        )
    name = file_name.lower()
    for media_type, (extensions, magics) in DOCUMENT_TYPES.items():
        if name.endswith(extensions):
            if not head.startswith(magics):
                raise InvalidInput(
                    "document", f"This file is not the {extensions[0][1:].upper()} its name says."
                )
            return media_type
    raise InvalidInput("document", "Attach a PDF, PNG or JPEG (certificates, transcripts, photos).")


def extension(media_type: str) -> str:
    return DOCUMENT_TYPES[media_type][0][0]

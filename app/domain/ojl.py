"""The rules of an on-the-job learning (OJL) log entry, and who may do what to one.

Pure: plain values in, a checked entry or an InvalidInput naming the field out. The web
form, the JSON API and the command line all go through ``check``, so an entry that breaks a
rule is refused the same way everywhere and nothing is saved half-way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.errors import InvalidInput

MINUTES_A_DAY = 24 * 60
DESCRIPTION_CHARS = 2000
COMMENT_CHARS = 1000
OLDEST_DAYS = 366  # an entry older than a year is for the sponsor's records, not this log
_HOURS = re.compile(r"^\s*(?:(\d{1,2})\s*[:h]\s*(\d{1,2})\s*m?|(\d{1,2}(?:[.,]\d{1,2})?))\s*$")

# Status of an entry, and what its mentor's decision may move it to.
PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"


@dataclass(frozen=True)
class Draft:
    """An entry as the apprentice typed it (strings from a form, or JSON values)."""

    work_date: str | date
    hours: str | float | int
    work_process: str
    competencies: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Entry:
    """A checked entry, ready to save."""

    work_date: date
    minutes: int
    work_process: str
    competencies: tuple[str, ...]
    description: str


def minutes_of(hours: str | float | int) -> int:
    """Hours as typed ("7.5", "7,5", "7:30", "7h30") in whole minutes; InvalidInput if not
    a positive duration of at most a day."""
    if isinstance(hours, bool):
        raise InvalidInput("hours", "Enter the hours worked, such as 7.5 or 7:30.")
    if isinstance(hours, int | float):
        minutes = round(float(hours) * 60) if hours == hours else -1  # NaN is no duration
    else:
        found = _HOURS.match(str(hours)[:20])
        if found is None:
            raise InvalidInput("hours", "Enter the hours worked, such as 7.5 or 7:30.")
        whole, part, decimal = found.groups()
        if decimal is not None:
            minutes = round(float(decimal.replace(",", ".")) * 60)
        else:
            if int(part) >= 60:
                raise InvalidInput("hours", "Minutes go from 0 to 59, as in 7:30.")
            minutes = int(whole) * 60 + int(part)
    if minutes <= 0:
        raise InvalidInput("hours", "Hours must be more than zero.")
    if minutes > MINUTES_A_DAY:
        raise InvalidInput("hours", "A day has 24 hours: enter at most 24.")
    return minutes


def date_of(value: str | date, *, today: date) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise InvalidInput("work_date", "Enter the date worked, as on a calendar.") from None
    if day > today:
        raise InvalidInput("work_date", "Hours can only be logged once worked: not a future date.")
    if day < today - timedelta(days=OLDEST_DAYS):
        raise InvalidInput(
            "work_date",
            "That date is more than a year ago. Ask your sponsor to add hours that old to "
            "your record.",
        )
    return day


def check(
    draft: Draft,
    *,
    today: date,
    started: date,
    work_processes: dict[str, frozenset[str]],
    minutes_that_day: int,
) -> Entry:
    """The entry *draft* describes, if every rule holds; else InvalidInput naming the field.

    *work_processes* maps the program's work process ids to their competencies;
    *minutes_that_day* is what the apprentice already logged on that date (withdrawn and
    rejected entries excluded, and the entry being edited left out).
    """
    day = date_of(draft.work_date, today=today)
    if day < started:
        raise InvalidInput(
            "work_date", f"Your apprenticeship began on {_day(started)}: log later days."
        )
    minutes = minutes_of(draft.hours)
    if minutes_that_day + minutes > MINUTES_A_DAY:
        raise InvalidInput(
            "hours",
            f"You already logged {hours_text(minutes_that_day)} on {_day(day)}: a day cannot "
            "hold more than 24 hours.",
        )
    if draft.work_process not in work_processes:
        raise InvalidInput("work_process", "Choose one of your program's work processes.")
    allowed = work_processes[draft.work_process]
    codes = tuple(dict.fromkeys(str(c) for c in draft.competencies))
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        raise InvalidInput(
            "competencies",
            f"Not a competency of this work process: {', '.join(unknown[:5])}.",
        )
    description = " ".join(str(draft.description).split())
    if len(description) < 10:
        raise InvalidInput(
            "description", "Describe the work in a sentence or two, so your mentor can sign it off."
        )
    if len(description) > DESCRIPTION_CHARS:
        raise InvalidInput(
            "description", f"Keep the description under {DESCRIPTION_CHARS:,} characters."
        )
    return Entry(day, minutes, draft.work_process, codes, description)


def review_comment(decision: str, comment: str) -> str:
    """The mentor's comment on approving or rejecting; a rejection must say why."""
    if decision not in (APPROVED, REJECTED):
        raise InvalidInput("decision", "Approve or reject the entry.")
    text = " ".join(str(comment or "").split())
    if decision == REJECTED and len(text) < 5:
        raise InvalidInput("comment", "Say why, so the apprentice can correct the entry.")
    if len(text) > COMMENT_CHARS:
        raise InvalidInput("comment", f"Keep the comment under {COMMENT_CHARS:,} characters.")
    return text


def hours_text(minutes: int) -> str:
    """Minutes as people read hours: "7 h 30 min", "8 h"."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def _day(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"

"""The RAPIDS apprentice export: one CSV row per apprenticeship, in the column order and with
the headers of the RAPIDS apprentice batch-upload specification (Council of State
Governments, ``rapids-apprentice-upload-spec``), followed by the platform's own columns.

Columns for what Shopfloor does not collect (date of birth, gender, address, ethnicity and
race, veteran and disability status, education, SSN, wages, ...) are present and empty, so
the sponsor fills them in before the upload. README.md ("Exports") maps every column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from app.content.programs import Program
from app.domain import ojl
from app.domain.programs import add_months
from app.domain.roles import OrgKind
from app.domain.spreadsheets import safe_cell as spreadsheet_safe
from app.extensions import db
from app.models import Apprenticeship, OjlEntry, Organization, User
from app.services import apprenticeship_progress, apprenticeships, memberships

# The specification's fields, in its order (tableschema.json).
SPEC_COLUMNS = (
    "Date Apprenticeship Begins",
    "Apprentice First Name",
    "Apprentice Last Name",
    "Apprentice Middle Name",
    "Apprentice Suffix",
    "Social Security Number",
    "Date of Birth",
    "Gender",
    "Employment Status",
    "Apprentice Street Address",
    "Apprentice City",
    "Apprentice State",
    "Apprentice 5-Digit Zip Code",
    "Telephone",
    "Email",
    "Employer",
    "Ethnicity Hispanic / Latino",
    "Race-American Indian / Alaskan Native",
    "Asian",
    "Black / African American",
    "Native Hawaiian / Other Pacific Islander",
    "White",
    "Veteran Status",
    "Apprentice Disability Status",
    "Apprentice Education Level",
    "Occupation",
    "Related Technical Instruction Provider",
    "Credit for previous experience",
    "Credit for Previous Related Training In Hours",
    "Prior Wages",
    "Prior Wage Units",
    "Entry Wages",
    "Entry Wage Units",
    "Wage Schedule",
    "Previously Completed Career Lattice Levels",
    "Career Connection",
    "WIOA Participant",
    "Type",
    "Career Linkage or Direct Entry",
    "TAA Participant",
    "On-the-Job Training Funding Sources",
    "Student Status",
)
# What the platform knows beyond the specification, after its columns.
PLATFORM_COLUMNS = (
    "Program ID",
    "Program Title",
    "RAPIDS Occupation Code",
    "O*NET-SOC Code",
    "Approach",
    "Sponsor / Employer Name",
    "Mentor",
    "Probation Ends",
    "In Probation",
    "Approved OJL Hours",
    "Pending OJL Hours",
    "RTI Hours",
    "Wage Step Percent",
    "Apprentice Status",
)
HEADER = SPEC_COLUMNS + PLATFORM_COLUMNS
NOT_COLLECTED = tuple(
    column
    for column in SPEC_COLUMNS
    if column
    not in {
        "Date Apprenticeship Begins",
        "Apprentice First Name",
        "Apprentice Last Name",
        "Apprentice Middle Name",
        "Apprentice Suffix",
        "Email",
        "Occupation",
    }
)

SUFFIXES = {
    "i": "I",
    "ii": "II",
    "iii": "III",
    "jr": "Jr.",
    "jr.": "Jr.",
    "sr": "Sr.",
    "sr.": "Sr.",
}
# Lower-case words that belong to the family name that follows them (van Dijk, de la Cruz).
PARTICLES = {"da", "de", "del", "della", "der", "di", "du", "la", "le", "van", "von", "bin", "al"}


@dataclass(frozen=True)
class Name:
    first: str
    middle: str
    last: str
    suffix: str = ""


def split_name(full: str) -> Name:
    """Split a display name into RAPIDS' first, middle, last name and suffix.

    "Last, First Middle" is read as written. Otherwise a trailing I/II/III/Jr./Sr. is the
    suffix, the last word (with any lower-case particles before it, as in "van der Berg") is
    the last name, the first word the first name, and the words between the middle name.
    A single word is the last name, as US federal forms ask of people with one name.
    """
    text = re.sub(r"\s+", " ", full).strip()
    if "," in text:
        last, _, rest = (part.strip() for part in text.partition(","))
        words = rest.split()
        suffix = ""
        if words and words[-1].lower() in SUFFIXES:
            suffix = SUFFIXES[words.pop().lower()]
        return Name(words[0] if words else "", " ".join(words[1:]), last, suffix)
    words = text.split()
    suffix = ""
    if len(words) > 2 and words[-1].lower().rstrip(",") in SUFFIXES:
        suffix = SUFFIXES[words.pop().lower().rstrip(",")]
    if len(words) <= 1:
        return Name("", "", words[0] if words else "", suffix)
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return Name(words[0], " ".join(words[1:start]), " ".join(words[start:]), suffix)


def apprenticeships_of(org: Organization | None) -> list[Apprenticeship]:
    """The apprenticeships an organization's staff may export, or every one when *org* is
    None; by start date. An employer exports those it is the employer of record for; a
    training partner those of its own learners."""
    query = (
        select(Apprenticeship)
        .join(User, Apprenticeship.apprentice_id == User.id)
        .order_by(Apprenticeship.start_date, Apprenticeship.id)
    )
    if org is not None and org.kind is OrgKind.EMPLOYER:
        query = query.where(Apprenticeship.employer_id == org.id)
    elif org is not None:
        query = query.where(
            or_(
                Apprenticeship.employer_id == org.id,
                User.id.in_(memberships.people_in({org.id})),
            )
        )
    return list(db.session.scalars(query))


def row(enrolment: Apprenticeship, program: Program | None, *, today: date) -> dict[str, str]:
    """One apprenticeship as the export's columns (unset columns are empty)."""
    name = split_name(enrolment.apprentice.name)
    values = dict.fromkeys(HEADER, "")
    values |= {
        "Date Apprenticeship Begins": _us_date(enrolment.start_date),
        "Apprentice First Name": name.first,
        "Apprentice Last Name": name.last,
        "Apprentice Middle Name": name.middle,
        "Apprentice Suffix": name.suffix,
        "Email": enrolment.apprentice.email,
        "Sponsor / Employer Name": enrolment.employer.name if enrolment.employer else "",
        "Mentor": enrolment.mentor.name if enrolment.mentor else "",
        "Apprentice Status": enrolment.status,
        "Program ID": enrolment.program_id,
    }
    if program is None:  # the program file is gone or has an error: hours only
        found = apprenticeships.hours(enrolment)
        values["Approved OJL Hours"] = _hours(found.total())
        values["Pending OJL Hours"] = _hours(found.total("pending"))
        return values
    standing = apprenticeship_progress.standing(enrolment, program, today=today)
    progress = standing.progress
    values |= {
        "Occupation": program.rapids_code,
        "Program Title": program.title,
        "RAPIDS Occupation Code": program.rapids_code,
        "O*NET-SOC Code": program.onet_soc_code,
        "Approach": program.approach,
        "Probation Ends": _probation_end(enrolment, program, progress),
        "In Probation": "yes" if progress.in_probation else "no",
        "Approved OJL Hours": _hours(standing.approved_minutes()),
        "Pending OJL Hours": _hours(standing.pending_minutes()),
        "RTI Hours": f"{sum(year.hours for year in progress.rti):.1f}",
        "Wage Step Percent": _number(progress.wage.current.percent) if progress.wage else "",
    }
    return values


def rows(
    org: Organization | None, catalog: dict[str, Program], *, today: date
) -> Iterator[dict[str, str]]:
    """The rows of *org*'s apprenticeships (all when None), read as they are written out."""
    for enrolment in apprenticeships_of(org):
        yield row(enrolment, catalog.get(enrolment.program_id), today=today)


def csv_lines(found: Iterable[dict[str, str]]) -> Iterator[str]:
    """The header, then one CSV line per row; every cell is made safe to open in a
    spreadsheet (a cell starting with = + - @ is not run as a formula)."""
    yield _line(HEADER)
    for values in found:
        yield _line([values[column] for column in HEADER])


def _line(cells) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()


def _probation_end(enrolment: Apprenticeship, program: Program, progress) -> str:
    """The day probation ends (months) or ended (hours: the day the approved hours reached
    it); empty while an hours-based probation runs."""
    if program.probation_months:
        return _us_date(add_months(enrolment.start_date, program.probation_months))
    if program.probation_hours and not progress.in_probation:
        return _us_date(_day_reached(enrolment, program.probation_hours * 60))
    return ""


def _day_reached(enrolment: Apprenticeship, minutes: float) -> date | None:
    """The work day on which the approved minutes, added up by date, reached *minutes*."""
    query = (
        select(OjlEntry.work_date, OjlEntry.minutes)
        .where(OjlEntry.apprenticeship_id == enrolment.id, OjlEntry.status == ojl.APPROVED)
        .order_by(OjlEntry.work_date, OjlEntry.id)
    )
    total = 0
    for day, logged in db.session.execute(query):
        total += logged
        if total >= minutes:
            return day
    return None


def _us_date(day: date | None) -> str:
    return day.strftime("%m/%d/%Y") if day else ""


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}"


def _number(value: float) -> str:
    return f"{value:g}"

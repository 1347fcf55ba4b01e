"""Roster imports: a CSV of learners is read and checked row by row, shown as a preview, and
only applied when confirmed, in the caller's one transaction.

Reading (``read``) needs no database: it decodes the bytes (UTF-8 with or without a byte
order mark, else Windows-1252 as Excel writes it), finds the columns by name and checks each
row's shape. Planning (``plan``) looks each address up: an existing account is enrolled, a
new address is invited by email, someone already enrolled or invited is left as they are.
Applying (``apply``) plans again against the database as it is then, so confirming twice,
or importing the same file again, changes nothing the second time.

Cells are data: a cell starting with ``=`` is a name or an error, never a formula here, and
CSV written back out goes through ``safe_cell``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.domain.roles import OrgKind
from app.domain.spreadsheets import safe_cell
from app.errors import InvalidInput
from app.extensions import db
from app.models import Cohort, CohortMember, Invitation, Organization, User
from app.services import accounts, audit, cohorts, invitations

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_EMPLOYER = 200
TOKEN_LIFETIME = timedelta(minutes=30)
COLUMNS = ("email", "first_name", "last_name", "employer")  # the template's header

# What people call each column, compared without case, spaces, hyphens or underscores.
_ALIASES = {
    "email": "email", "emailaddress": "email", "mail": "email",
    "firstname": "first_name", "givenname": "first_name", "first": "first_name",
    "lastname": "last_name", "surname": "last_name", "familyname": "last_name",
    "last": "last_name",
    "name": "name", "fullname": "name", "learner": "name", "learnername": "name",
    "employer": "employer", "sponsor": "employer", "company": "employer",
    "employerslug": "employer",
}  # fmt: skip
# Bytes no text file has (tab, line feed and carriage return are fine).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ENROL, INVITE, ENROLLED, INVITED, SPONSOR, ERROR = (
    "enrol", "invite", "enrolled", "invited", "sponsor", "error",
)  # fmt: skip
LABELS = {
    ENROL: "Will enrol (already a learner here)",
    INVITE: "Will invite by email",
    SPONSOR: "Already enrolled: employer will be recorded",
    ENROLLED: "Already enrolled (no change)",
    INVITED: "Already invited (no change)",
    ERROR: "Error: not imported",
}
CHANGES = (ENROL, INVITE, SPONSOR)


@dataclass(frozen=True)
class Row:
    """One learner row as read. ``number`` is its row in the spreadsheet (the header is 1)."""

    number: int
    email: str  # normalised when valid, as written otherwise
    name: str
    employer: str
    error: str = ""


@dataclass(frozen=True)
class Sheet:
    encoding: str  # said to the person importing: "UTF-8", "Windows-1252 (Excel)" ...
    rows: tuple[Row, ...]
    ignored_columns: tuple[str, ...] = ()
    blank_lines: int = 0


@dataclass(frozen=True)
class Line:
    row: Row
    outcome: str
    detail: str = ""
    user_id: int | None = None
    sponsor: Organization | None = None

    @property
    def label(self) -> str:
        return LABELS[self.outcome]


@dataclass(frozen=True)
class Plan:
    sheet: Sheet
    lines: tuple[Line, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def totals(self) -> dict[str, int]:
        """Rows per outcome, in the order LABELS lists them, outcomes with none left out."""
        return {o: n for o in LABELS if (n := self.count(o))}

    @property
    def changes(self) -> int:
        return sum(self.count(o) for o in CHANGES)


@dataclass
class Applied:
    totals: dict[str, int]
    issued: list[invitations.Issued] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(self.totals.get(o, 0) for o in CHANGES)


# -- Reading ------------------------------------------------------------------------------------


def read(data: bytes) -> Sheet:
    """Decode and check a roster file; InvalidInput("file", …) for a file that cannot be used
    at all (nothing is imported from it), row errors in each Row."""
    text, encoding = decode(data)
    return parse(text, encoding)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding, or InvalidInput("file", …) saying why
    it is not a CSV text file this importer reads."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            "file",
            f"The file is {len(data) / 1024 / 1024:.1f} MB; a roster may be at most "
            f"{MAX_BYTES // 1024 // 1024} MB ({MAX_ROWS:,} learners). Split it into smaller "
            "files. Nothing was imported.",
        )
    if not data.strip():
        raise InvalidInput("file", "The file is empty. Nothing was imported.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(
            "file",
            "This is an Excel workbook, not a CSV file. In Excel choose File › Save As › "
            "“CSV UTF-8 (Comma delimited)” and upload that file.",
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput(
            "file",
            "This file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8” instead.",
        )
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    binary = _BINARY.search(body)
    if binary:
        raise InvalidInput(
            "file",
            f"This is not a CSV text file: it holds binary data (byte {binary.start() + 1:,}). "
            "Upload the roster saved from your spreadsheet as CSV.",
        )
    try:
        return body.decode("utf-8"), "UTF-8 with a byte order mark" if bom else "UTF-8"
    except UnicodeDecodeError as exc:
        if bom:
            raise InvalidInput(
                "file",
                f"The file says it is UTF-8 but byte {exc.start + 1:,} is not. Save it again "
                "as “CSV UTF-8”.",
            ) from None
    try:
        return body.decode("cp1252"), "Windows-1252 (as Excel saves “CSV”)"
    except UnicodeDecodeError:
        raise InvalidInput(
            "file",
            "The file is neither UTF-8 nor Windows-1252 text. Save it from your spreadsheet "
            "as “CSV UTF-8” and upload it again.",
        ) from None


def parse(text: str, encoding: str = "UTF-8") -> Sheet:
    """Find the columns in the first non-blank row and check every row below it."""
    header, data, blank, extra = _records(text)
    if header is None:
        raise InvalidInput("file", "The file has no rows. Nothing was imported.")
    columns, ignored = _columns(header)
    if len(data) + extra > MAX_ROWS:
        raise InvalidInput(
            "file",
            f"The file has {len(data) + extra:,} learner rows; one upload takes at most "
            f"{MAX_ROWS:,}. Split it into smaller files. Nothing was imported.",
        )
    seen: dict[str, int] = {}
    rows = tuple(_row(number, cells, columns, seen) for number, cells in data)
    return Sheet(encoding, rows, ignored, blank_lines=blank)


def _records(text: str) -> tuple[list[str] | None, list[tuple[int, list[str]]], int, int]:
    """The header row, the non-blank rows below it by row number, how many were blank, and
    how many more non-blank rows there were than are kept.

    Row numbers count every row as a spreadsheet shows them (blank ones too), so an error
    names the row people see. Beyond MAX_ROWS only the count goes on.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    data: list[tuple[int, list[str]]] = []
    blank = extra = 0
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not _filled(cells):
                blank += header is not None
            elif header is None:
                header = cells
            elif len(data) <= MAX_ROWS:
                data.append((number, cells))
            else:
                extra += 1
    except csv.Error as exc:
        raise InvalidInput(
            "file",
            f"Row {number + 1} cannot be read ({exc}); check for a quote that is not closed. "
            "Nothing was imported.",
        ) from None
    return header, data, blank, extra


def _filled(cells: list[str]) -> bool:
    return any(cell.strip() for cell in cells)


def _columns(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        key = _ALIASES.get(re.sub(r"[\s_\-]+", "", title.strip().casefold()))
        if key is None:
            if title.strip():
                ignored.append(title.strip()[:60])
            continue
        if key in columns:
            raise InvalidInput(
                "file", f"The column “{title.strip()}” appears twice in the first row."
            )
        columns[key] = index
    if "email" not in columns:
        found = ", ".join(f"“{t.strip()[:40]}”" for t in header if t.strip()) or "nothing"
        raise InvalidInput(
            "file",
            "The first row must name the columns, and it has no “email” column (it has "
            f"{found}). Columns: email (required), first_name and last_name (or name), "
            "employer (optional). Nothing was imported.",
        )
    return columns, tuple(ignored)


def _row(number: int, cells: list[str], columns: dict[str, int], seen: dict[str, int]) -> Row:
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    raw_email = cell("email")
    full = " ".join(f"{cell('first_name')} {cell('last_name')}".split()) or " ".join(
        cell("name").split()
    )
    employer = " ".join(cell("employer").split())
    email, error = raw_email, ""
    if not raw_email:
        error = "No email address."
    else:
        try:
            email = accounts.normalize_email(raw_email)
        except InvalidInput as exc:
            reason = exc.message.removeprefix("That email address is not valid: ")
            error = f"“{_clip(raw_email)}” is not a valid email address: {reason}"
    if not error and email in seen:
        error = f"The same email as row {seen[email]}: each learner once."
    if not error and len(full) > accounts.MAX_NAME:
        error = f"The name is longer than {accounts.MAX_NAME} characters."
    if not error and len(employer) > MAX_EMPLOYER:
        error = f"The employer is longer than {MAX_EMPLOYER} characters."
    if not error:
        seen[email] = number
    return Row(number, email, full, employer, error)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- Planning and applying ----------------------------------------------------------------------


def plan(cohort: Cohort, sheet: Sheet, *, now: datetime) -> Plan:
    """What importing *sheet* into *cohort* would do, row by row; writes nothing."""
    if cohort.archived_at is not None:
        raise InvalidInput("file", f"{cohort.name} is archived: it takes no new learners.")
    valid = [row for row in sheet.rows if not row.error]
    users = _users_by_email([row.email for row in valid])
    members = _members(cohort, [u.id for u in users.values()])
    invited = _invited(cohort, now=now)
    employers = _Employers(cohort.host)
    seats = None
    if cohort.capacity is not None:
        seats = cohort.capacity - cohorts.active_learners(cohort) - len(invited)
    lines = []
    for row in sheet.rows:
        line = _line(row, users, members, invited, employers, cohort.host_id)
        if line.outcome in (ENROL, INVITE) and seats is not None:
            if seats <= 0:
                line = Line(row, ERROR, _full(cohort, invited))
            seats -= 1
        lines.append(line)
    return Plan(sheet, tuple(lines))


def _line(row, users, members, invited, employers, host_id: int) -> Line:
    if row.error:
        return Line(row, ERROR, row.error)
    sponsor = None
    if row.employer:
        sponsor = employers.find(row.employer)
        if sponsor is None:
            return Line(
                row, ERROR,
                f"No employer “{_clip(row.employer)}” on Shopfloor: use an employer's exact "
                "name or its short address (slug), or leave the cell empty.",
            )  # fmt: skip
    user = users.get(row.email)
    if user is None:
        if row.email in invited:
            return Line(row, INVITED, "An invitation to this cohort is waiting for them.")
        return Line(row, INVITE, "", None, sponsor)
    if not user.active:
        return Line(row, ERROR, "This account is deactivated; a platform admin can restore it.")
    hosted = next((m for m in user.memberships if m.organization_id == host_id), None)
    if hosted is not None and not hosted.active:
        return Line(
            row, ERROR,
            "Deactivated as a member here: reactivate them on Members and invitations first.",
            user.id,
        )  # fmt: skip
    if hosted is None:
        # Someone else's learner: joining opens their record to this college's staff, so
        # they are asked (an invitation to accept), never enrolled by the roster alone.
        if row.email in invited:
            return Line(row, INVITED, "An invitation to this cohort is waiting for them.")
        return Line(row, INVITE, "Has an account: asked to accept", None, sponsor)
    member = members.get(user.id)
    if member is not None and member.status == "active":
        if member.role == "instructor":
            return Line(row, ERROR, "This person teaches this cohort.", user.id)
        if sponsor is not None and member.sponsor_id != sponsor.id:
            return Line(row, SPONSOR, f"Employer: {sponsor.name}", user.id, sponsor)
        return Line(row, ENROLLED, "", user.id, sponsor)
    return Line(row, ENROL, user.name, user.id, sponsor)


def _full(cohort: Cohort, invited: set[str]) -> str:
    waiting = f" and {len(invited)} invited" if invited else ""
    return (
        f"No place left: the cohort takes {cohort.capacity} learners "
        f"({cohorts.active_learners(cohort)} enrolled{waiting}, with the rows above)."
    )


def apply(
    cohort: Cohort, sheet: Sheet, *, actor: User, now: datetime, filename: str = ""
) -> Applied:
    """Import *sheet* into *cohort*: enrol, invite and record employers, in the caller's
    transaction (a failure part-way leaves the rollback to the caller: nothing is written).
    The invitations returned are mailed by the caller after it commits."""
    if cohort.capacity is not None:
        cohorts.lock_places(cohort)  # the places are counted again under the lock
    current = plan(cohort, sheet, now=now)
    users = {u.id: u for u in _users_by_email([line.row.email for line in current.lines]).values()}
    result = Applied(current.totals)
    invited, enrolled = [], []
    for line in current.lines:
        sponsor_id = line.sponsor.id if line.sponsor is not None else None
        if line.outcome == ENROL:
            enrolled.append((users[line.user_id], sponsor_id))
        elif line.outcome == SPONSOR:
            member = cohorts.learner(cohort, users[line.user_id].public_id)
            cohorts.set_sponsor(member, line.sponsor, actor=actor, now=now)
        elif line.outcome == INVITE:
            invited.append((line.row.email, line.row.name))
            if sponsor_id is not None:
                cohorts.remember_sponsor(cohort, line.row.email, line.sponsor, actor=actor, now=now)
    # Thousands of rows in a few statements: existing accounts enrolled, new learners invited.
    cohorts.enrol_many(cohort, enrolled, via="roster", actor=actor, now=now)
    result.issued.extend(invitations.invite_learners(cohort, invited, actor=actor, now=now))
    audit.record(
        cohort.host, actor, "cohort.roster_imported", subject=cohort.name,
        details={"file": filename[:200], "encoding": sheet.encoding, **current.totals}, now=now,
    )  # fmt: skip
    db.session.flush()
    return result


def _users_by_email(emails: Iterable[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    wanted = list(dict.fromkeys(emails))
    for start in range(0, len(wanted), 500):  # SQLite takes a limited number of parameters
        chunk = wanted[start : start + 500]
        for user in db.session.scalars(select(User).where(User.email.in_(chunk))):
            found[user.email] = user
    return found


def _members(cohort: Cohort, user_ids: list[int]) -> dict[int, CohortMember]:
    found: dict[int, CohortMember] = {}
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start : start + 500]
        query = select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(chunk)
        )
        found.update((m.user_id, m) for m in db.session.scalars(query))
    return found


def _invited(cohort: Cohort, *, now: datetime) -> set[str]:
    """Addresses with an invitation to *cohort* that still works."""
    query = select(Invitation.email).where(
        Invitation.cohort_id == cohort.id,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )
    return set(db.session.scalars(query))


class _Employers:
    """The employers a host may name, found by slug or by exact name (case and spaces aside):
    confirmed companies, of the host's state program when it takes part in one. Naming one
    shows it the learner's name and cohort, so not any company on the platform."""

    def __init__(self, host: Organization) -> None:
        query = select(Organization).where(
            Organization.kind == OrgKind.EMPLOYER,
            Organization.archived_at.is_(None),
            Organization.verified_at.is_not(None),
        )
        if host.program_operator_id is not None:
            query = query.where(Organization.program_operator_id == host.program_operator_id)
        self.by_key: dict[str, Organization] = {}
        for org in db.session.scalars(query):
            self.by_key.setdefault(org.slug.casefold(), org)
            self.by_key.setdefault(" ".join(org.name.split()).casefold(), org)

    def find(self, text: str) -> Organization | None:
        return self.by_key.get(" ".join(text.split()).casefold())


# -- The preview's token, and CSV written out ----------------------------------------------------

_SALT = "shopfloor-roster-import"


def token_for(cohort: Cohort, actor: User, sheet: Sheet, filename: str, *, secret: str) -> str:
    """A signed token of the rows read, carried by the preview's Confirm button: nothing
    uploaded is kept on the server between the preview and the confirmation."""
    rows = [[r.number, r.email, r.name, r.employer, r.error] for r in sheet.rows]
    payload = {
        "c": cohort.public_id, "u": actor.public_id, "f": filename[:200], "e": sheet.encoding,
        "i": list(sheet.ignored_columns), "b": sheet.blank_lines, "r": rows,
    }  # fmt: skip
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(payload)


def from_token(
    token: str, cohort: Cohort, actor: User, *, secret: str, max_age: timedelta = TOKEN_LIFETIME
) -> tuple[Sheet, str]:
    """The sheet and file name a preview's token carries; InvalidInput if it is forged,
    expired, or made for another cohort or person."""
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except BadSignature:  # expired ones too
        data = None
    if (
        not isinstance(data, dict)
        or data.get("c") != cohort.public_id
        or data.get("u") != (actor.public_id)
    ):
        raise InvalidInput(
            None,
            f"This preview has expired (previews last {int(max_age.total_seconds() // 60)} "
            "minutes) or was made for another cohort. Upload the file again.",
        )
    rows = tuple(Row(*row) for row in data["r"])
    sheet = Sheet(data["e"], rows, tuple(data["i"]), data["b"])
    return sheet, data["f"]


def template_csv() -> str:
    """The header of a roster file, for people to fill in."""
    return ",".join(COLUMNS) + "\r\n"


def learners_csv(members: list[CohortMember]) -> str:
    """A cohort's learners as CSV (every cell made safe for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "employer", "status", "joined_via", "joined_on", "left_on"])
    for m in members:
        writer.writerow(
            safe_cell(value)
            for value in (
                m.user.name, m.user.email, m.sponsor.name if m.sponsor else "", m.status,
                m.joined_via, m.joined_at.date().isoformat(),
                m.left_at.date().isoformat() if m.left_at else "",
            )
        )  # fmt: skip
    return out.getvalue()

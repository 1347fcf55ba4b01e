"""The state program's tables as CSV files, one per table of the page, each cell made safe
for spreadsheets (``domain.spreadsheets.safe_cell``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from app.domain.spreadsheets import safe_cell
from app.services.program_report import DEFINITIONS, AttainmentRow, Report

# The dashboard's tables, and the competency attainment page's.
TABLES = ("summary", "partners", "counties", "periods", "credentials", "attainment")


def table_csv(found: Report, table: str) -> str:
    """One of the dashboard's tables as CSV; every cell made safe for spreadsheets."""
    return _csv(_TABLE_ROWS[table](found))


def attainment_csv(rows: list[AttainmentRow]) -> str:
    """The competency attainment table as CSV."""
    table: list[list[object]] = [
        ["Framework", "Competency", "Title", "Learners who mastered it", "Learners enrolled",
         "Share (%)"]
    ]  # fmt: skip
    table += [[r.framework, r.code, r.title, r.mastered, r.learners, r.percent] for r in rows]
    return _csv(table)


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(_text(cell)) for cell in row])
    return out.getvalue()


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _summary_rows(found: Report) -> list[list[object]]:
    f, t = found.filters, found.totals
    rows: list[list[object]] = [
        ["Program", found.operator.name],
        ["Period", f.period.title],
        ["Partner", f.partner.name if f.partner else "Every partner"],
        ["State", f.state or "Every state"],
        ["County", f.county or "Every county"],
        [],
        ["Figure", "Value", "What it counts"],
    ]
    values = {
        "manufacturers": t.manufacturers, "enrolled": t.enrolled, "completing": t.completing,
        "apprentices_active": t.apprentices_active, "apprentices_new": t.apprentices_new,
        "apprentices_completed": t.apprentices_completed, "lab_hours": t.lab_hours,
        "credentials": t.credentials,
    }  # fmt: skip
    for key, value in values.items():
        title, meaning = DEFINITIONS[key]
        rows.append([title, value, meaning])
    return rows


def _partner_rows(found: Report) -> list[list[object]]:
    rows: list[list[object]] = [[
        "Partner", "State", "County", "Cohorts running", "Workers enrolled",
        "Workers completing", "Lab hours (estimated)", "Credentials issued",
        "Manufacturers sending workers", "Apprentices active",
    ]]  # fmt: skip
    for r in found.partners:
        rows.append([r.org.name, r.org.state, r.org.county, r.cohorts, r.enrolled,
                     r.completing, r.lab_hours, r.credentials, r.manufacturers,
                     r.apprentices_active])  # fmt: skip
    return rows


def _county_table(found: Report) -> list[list[object]]:
    rows: list[list[object]] = [[
        "State", "County", "Training partners", "Employers", "Manufacturers served",
        "Workers enrolled", "Workers completing", "Lab hours (estimated)",
        "Credentials issued", "Apprentices active",
    ]]  # fmt: skip
    for r in found.counties:
        rows.append([r.state, r.county, r.partners, r.employers, r.manufacturers, r.enrolled,
                     r.completing, r.lab_hours, r.credentials, r.apprentices_active])  # fmt: skip
    return rows


def _period_rows(found: Report) -> list[list[object]]:
    rows: list[list[object]] = [
        [found.unit.capitalize(), "First day", "Last day", "Workers enrolled",
         "Workers completing"]
    ]  # fmt: skip
    for b in found.by_period:
        rows.append([b.period.label, b.period.first, b.period.last, *b.values])
    return rows


def _credential_rows(found: Report) -> list[list[object]]:
    rows: list[list[object]] = [
        [found.credential_unit.capitalize(), "First day", "Last day", "Credentials issued"]
    ]
    for b in found.credentials_by_period:
        rows.append([b.period.label, b.period.first, b.period.last, *b.values])
    return rows


_TABLE_ROWS: dict[str, Callable[[Report], list[list[object]]]] = {
    "summary": _summary_rows,
    "partners": _partner_rows,
    "counties": _county_table,
    "periods": _period_rows,
    "credentials": _credential_rows,
}

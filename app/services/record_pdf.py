"""The apprentice record as a PDF for the sponsor's files (the same facts as the printable
page). Built with fpdf2 and a Unicode TrueType font (DejaVu Sans, Debian's fonts-dejavu-core),
so every name prints as written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.content.programs import Program
from app.domain import ojl
from app.errors import DomainError
from app.models import Apprenticeship, OjlEntry
from app.services.apprenticeship_progress import Standing

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


class PdfUnavailable(DomainError):
    """The fonts a PDF needs are not installed: the printable page still works."""


def _hours(minutes: int) -> str:
    return ojl.hours_text(minutes)


def _range(min_hours: float | None, max_hours: float | None) -> str:
    if min_hours is None:
        return "—"
    if max_hours and max_hours != min_hours:
        return f"{min_hours:,.0f}–{max_hours:,.0f} h"
    return f"{min_hours:,.0f} h"


def _day(value) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def build(
    enrolment: Apprenticeship,
    program: Program,
    standing: Standing,
    approved: list[OjlEntry],
    *,
    processes: dict[str, str],
    printed: datetime,
    font_dir: Path = FONT_DIR,
) -> bytes:
    """The record as PDF bytes; PdfUnavailable if the font files are missing."""
    missing = [name for name in FONTS.values() if not (font_dir / name).is_file()]
    if missing:
        raise PdfUnavailable(
            "The PDF needs the DejaVu fonts, which this server does not have (install "
            "fonts-dejavu-core). The printable page has the same record."
        )
    from fpdf import FPDF  # fpdf2 and fontTools: imported when a PDF is made, not at start

    pdf = FPDF(format="Letter", unit="mm")
    for style, name in FONTS.items():
        pdf.add_font("DejaVu", style, str(font_dir / name))
    apprentice = enrolment.apprentice
    pdf.set_title(f"Apprentice record: {apprentice.name}")
    pdf.set_author("Shopfloor")
    pdf.set_creation_date(printed)
    pdf.set_margins(17, 16, 17)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()

    pdf.set_font("DejaVu", "", 9)
    pdf.cell(text=f"Apprentice record · printed {_day(printed)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(text=apprentice.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    codes = f"O*NET-SOC {program.onet_soc_code}"
    if program.rapids_code:
        codes += f", RAPIDS {program.rapids_code}"
    pdf.multi_cell(0, 5, f"{program.title} — {program.occupation}, {codes}")
    pdf.ln(3)

    progress = standing.progress
    wage = "—"
    if progress.wage:
        wage = f"{progress.wage.current.percent:g} % of the journeyworker wage"
    if progress.in_probation:
        ends = progress.probation_ends_on
        probation = f"In probation until {_day(ends)}" if ends else "In probation"
    else:
        probation = "Completed"
    approved_total = _hours(standing.approved_minutes())
    if progress.term_hours:
        approved_total += f" of {progress.term_hours:,.0f} h"
    facts = [
        ("Approach", program.approach.replace("-", " ").capitalize()),
        ("Started", _day(enrolment.start_date)),
        ("Employer (sponsor)", enrolment.employer.name if enrolment.employer else "—"),
        ("Mentor", enrolment.mentor.name if enrolment.mentor else "—"),
        ("Approved OJL hours", approved_total),
        ("Wage step", wage),
        ("Probation", probation),
        ("Competencies attained",
         f"{len(progress.attained)} of {len(progress.attained) + len(progress.missing)}"),
    ]  # fmt: skip
    _table(pdf, None, facts, widths=(45, 135), first_bold=True)

    _heading(pdf, "Work processes")
    rows = [
        (wp.title, _hours(standing.approved.get(wp.id, 0)), _range(wp.min_hours, wp.max_hours))
        for wp in progress.processes
    ]
    _table(pdf, ("Work process", "Approved", "Range"), rows, widths=(100, 40, 40))

    _heading(pdf, "Related instruction")
    rows = [(c.title, str(c.year), f"{c.earned:g}", f"{c.declared:g}") for c in standing.courses]
    for year in progress.rti:
        rows.append((f"Program year {year.year}, all instruction", str(year.year),
                     f"{year.hours:.1f}", f"{year.planned:g}"))  # fmt: skip
    _table(pdf, ("Course", "Year", "Hours earned", "Planned"), rows, widths=(100, 20, 30, 30))

    _heading(pdf, "Approved on-the-job learning")
    rows = [
        (
            entry.work_date.isoformat(),
            _hours(entry.minutes),
            processes.get(entry.work_process, entry.work_process),
            (entry.reviewer.name if entry.reviewer else "—")
            + (f", {entry.reviewed_at:%Y-%m-%d}" if entry.reviewed_at else ""),
        )
        for entry in approved
    ] or [("None yet.", "", "", "")]
    _table(pdf, ("Date", "Hours", "Work process", "Signed off by"), rows, widths=(25, 25, 70, 60))

    pdf.ln(14)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(text="Sponsor's signature: ______________________________   Date: ______________")
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(text=text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(pdf: FPDF, header, rows, *, widths, first_bold: bool = False) -> None:
    pdf.set_font("DejaVu", "", 9)
    from fpdf.fonts import FontFace

    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        first_row_as_headings=header is not None,
        headings_style=bold,
        line_height=5,
        width=min(sum(widths), pdf.epw),
        align="LEFT",
    ) as table:
        if header is not None:
            table.row(header)
        for values in rows:
            row = table.row()
            for n, value in enumerate(values):
                row.cell(str(value), style=bold if first_bold and n == 0 else None)

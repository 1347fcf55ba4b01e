"""Reading a CSV list of credential addresses for bulk verification.

The addresses are in the column headed ``url`` (any case), or else the first column. Blank
lines are skipped, a UTF-8 byte order mark (Excel's "CSV UTF-8") is ignored, and a row that
holds no web address is reported by its row number, as a spreadsheet numbers it, while the
others are still checked. A first row without an address is read as a header.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.errors import InvalidInput

MAX_ROWS = 1000
MAX_URL = 2048


@dataclass(frozen=True)
class Row:
    number: int  # the spreadsheet's row number (the header is row 1)
    url: str = ""
    problem: str = ""  # why the row is not checked; empty when url is set


@dataclass(frozen=True)
class UrlList:
    rows: tuple[Row, ...]

    @property
    def urls(self) -> list[Row]:
        return [row for row in self.rows if not row.problem]

    @property
    def problems(self) -> list[Row]:
        return [row for row in self.rows if row.problem]


def parse(data: bytes, *, max_rows: int = MAX_ROWS) -> UrlList:
    """Read the rows of *data*; InvalidInput("file", …) if the file as a whole cannot be used."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "file", "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
        ) from None
    records = _records(text)
    column, records = _column(records)
    rows = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == max_rows:
            raise InvalidInput(
                "file",
                f"The file has more than {max_rows:,} rows of addresses. Split it into files "
                f"of at most {max_rows:,} rows.",
            )
        rows.append(_row(number, cells, column))
    if not rows:
        raise InvalidInput("file", "The file holds no credential addresses.")
    if not any(not row.problem for row in rows):
        raise InvalidInput("file", f"No row holds a web address. {rows[0].problem}")
    return UrlList(tuple(rows))


def _records(text: str) -> list[tuple[int, list[str]]]:
    if "\x00" in text:
        raise InvalidInput("file", "The file is not a CSV text file (it holds NUL bytes).")
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    try:
        for number, cells in enumerate(reader, start=1):
            records.append((number, cells))
            if number > MAX_ROWS * 20:  # a long file of blank lines, or of anything
                break
    except csv.Error as exc:
        raise InvalidInput("file", f"Row {reader.line_num} cannot be read as CSV: {exc}.") from None
    return records


def _column(records: list[tuple[int, list[str]]]) -> tuple[int, list[tuple[int, list[str]]]]:
    """The column that holds the addresses, and the records after any header."""
    first = next((i for i, (_, cells) in enumerate(records) if any(c.strip() for c in cells)), None)
    if first is None:
        return 0, records
    cells = [cell.strip().lower() for cell in records[first][1]]
    if "url" in cells:
        return cells.index("url"), records[first + 1 :]
    if cells and not _is_web_address(cells[0]):
        return 0, records[first + 1 :]  # a header naming the column otherwise
    return 0, records


def _row(number: int, cells: list[str], column: int) -> Row:
    value = cells[column].strip() if column < len(cells) else ""
    if not value:
        return Row(number, problem=f"Row {number}: the address cell is empty.")
    if len(value) > MAX_URL:
        return Row(
            number, problem=f"Row {number}: the address is longer than {MAX_URL} characters."
        )
    if not _is_web_address(value):
        shown = value if len(value) <= 60 else value[:59] + "…"
        return Row(number, problem=f"Row {number}: “{shown}” is not a web address (https://…).")
    return Row(number, url=value)


def _is_web_address(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)

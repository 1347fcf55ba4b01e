"""Geometry for the competency charts, drawn as inline SVG by the templates.

Only coordinates and class names: colours live in static/css/competencies.css (the
Content-Security-Policy allows no inline styles), and every chart has a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.services.competency_maps import LearnerMap, Row

LABEL_W, CELL_W, ROW_H, HEAD_H, GAP = 96, 44, 22, 26, 6


@dataclass(frozen=True)
class Cell:
    x: int
    cls: str  # lv-on | lv-off, plus lv-mastery on the mastery level's column


@dataclass(frozen=True)
class ChartRow:
    y: int
    code: str
    label: str  # the row's accessible title
    cells: tuple[Cell, ...]
    heading: bool = False  # a domain's title row


@dataclass(frozen=True)
class LevelColumn:
    x: int
    level: int
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    columns: tuple[LevelColumn, ...]
    rows: tuple[ChartRow, ...]


def level_chart(board: LearnerMap) -> Chart:
    """Competencies (rows, by domain) × levels (columns); a cell is filled once reached."""
    levels = board.levels or ((1, "Mastered"),)
    titles = dict(levels)
    columns = tuple(
        LevelColumn(LABEL_W + i * CELL_W, level, title) for i, (level, title) in enumerate(levels)
    )
    rows, y = [], HEAD_H
    for block in board.domains:
        rows.append(ChartRow(y, block.code, block.title, (), heading=True))
        y += ROW_H
        for row in block.rows:
            rows.append(ChartRow(y, row.code, _row_label(row, titles), _cells(row, columns)))
            y += ROW_H
        y += GAP
    return Chart(LABEL_W + len(columns) * CELL_W, y, columns, tuple(rows))


def _cells(row: Row, columns: tuple[LevelColumn, ...]) -> tuple[Cell, ...]:
    reached = row.outcome.level or 0
    return tuple(
        Cell(
            column.x,
            ("lv-on" if column.level <= reached else "lv-off")
            + (" lv-mastery" if column.level == row.outcome.mastery else ""),
        )
        for column in columns
    )


def _row_label(row: Row, titles: dict[int, str]) -> str:
    level = row.outcome.level
    reached = "not yet at any level" if level is None else f"level {level} ({titles.get(level)})"
    state = "mastered" if row.outcome.mastered else "not yet mastered"
    return f"{row.code} {row.title}: {reached}, {state}"


SPARK_W, SPARK_H = 96, 24


@dataclass(frozen=True)
class Sparkline:
    points: str  # for <polyline points="...">
    threshold_y: float | None  # the mastery threshold's line
    last: tuple[float, float]  # the latest point, marked with a dot


def sparkline(row: Row, threshold: float | None) -> Sparkline | None:
    """The method's value after each piece of assessed evidence, oldest on the left."""
    values = [point.value for point in row.history]
    if not values:
        return None
    step = SPARK_W / max(1, len(values) - 1)
    coords = [(round(i * step, 1), _y(v)) for i, v in enumerate(values)]
    if len(coords) == 1:
        coords = [(0.0, coords[0][1]), (float(SPARK_W), coords[0][1])]
    return Sparkline(
        " ".join(f"{x},{y}" for x, y in coords),
        None if threshold is None else _y(threshold),
        coords[-1],
    )


def _y(value: float) -> float:
    return round(2 + (1 - value) * (SPARK_H - 4), 1)

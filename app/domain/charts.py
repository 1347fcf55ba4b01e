"""Geometry for bar charts drawn on the server as inline SVG (templates/program/_charts.html).

Only numbers, coordinates, words and class names: colours live in static/css/program.css (the
Content-Security-Policy allows no inline styles), and every chart has a table of the same
figures next to it, so nothing is said by the drawing alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Vertical bars: the plot sits right of the value axis and above the category labels.
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 34
PLOT_H = 180
GROUP_GAP = 14  # between categories
BAR_W = {1: 30, 2: 18}  # per bar, by the number of series
MIN_W = 300


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int | float, ...]
    css: str  # bar-a, bar-b: the series' colour, with a legend swatch of the same class


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str  # read by assistive technology and shown on hover: "2026-Q3, enrolled: 12"
    value: str  # printed above the bar
    value_y: float


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Category:
    x: float  # centre of the group
    text: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    ticks: tuple[Tick, ...]
    bars: tuple[Bar, ...]
    categories: tuple[Category, ...]
    series: tuple[Series, ...]

    @property
    def empty(self) -> bool:
        return all(v == 0 for s in self.series for v in s.values)


def axis(highest: float) -> tuple[float, float]:
    """The value axis for bars up to *highest*: (top, step), the step a whole 1, 2 or 5 × 10ⁿ
    giving at most five gridlines above 0 (counts never get a "12.5" line)."""
    if highest <= 0:
        return 1, 1
    power = 10 ** max(0, math.floor(math.log10(highest / 4)))
    step = next(m * power for m in (1, 2, 5, 10) if highest / (m * power) <= 5)
    return step * math.ceil(highest / step), step


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def columns(categories: Sequence[str], series: Sequence[Series]) -> ColumnChart:
    """Grouped vertical bars: one group per category, one bar per series."""
    count = max(1, len(series))
    bar_w = BAR_W.get(count, 14)
    group_w = bar_w * count + GROUP_GAP
    plot_w = max(MIN_W - LEFT - RIGHT, group_w * len(categories))
    top, step = axis(max((v for s in series for v in s.values), default=0))
    base = TOP + PLOT_H
    ticks = tuple(
        Tick(base - PLOT_H * i * step / top, _fmt(i * step)) for i in range(round(top / step) + 1)
    )
    offset = (plot_w - group_w * len(categories)) / 2
    bars, cats = [], []
    for i, text in enumerate(categories):
        left = LEFT + offset + i * group_w + GROUP_GAP / 2
        cats.append(Category(left + bar_w * count / 2, text))
        name = " ".join(text.split("\n"))  # a two-line label read as one
        for j, one in enumerate(series):
            value = one.values[i]
            height = PLOT_H * value / top
            bars.append(
                Bar(
                    x=left + j * bar_w,
                    y=base - height,
                    width=bar_w - 2,
                    height=height,
                    css=one.css,
                    label=f"{name}, {one.name}: {_fmt(value)}",
                    value=_fmt(value),
                    value_y=base - height - 4,
                )  # fmt: skip
            )
    return ColumnChart(
        width=int(LEFT + plot_w + RIGHT),
        height=base + BOTTOM,
        plot_left=LEFT,
        plot_right=int(LEFT + plot_w),
        baseline=base,
        ticks=ticks,
        bars=tuple(bars),
        categories=tuple(cats),
        series=tuple(series),
    )


# Horizontal bars for shares (0–100 %): a code on the left, the bar, the share on the right.
LABEL_W, TRACK_W, VALUE_W, ROW_H, BAR_H = 84, 200, 44, 24, 14


@dataclass(frozen=True)
class ShareRow:
    y: float
    code: str
    label: str  # "SM.NET.1 Read Modbus registers: 4 of 10 learners, 40 %"
    length: float
    value: str


@dataclass(frozen=True)
class ShareChart:
    width: int
    height: int
    track_x: int
    track_w: int
    rows: tuple[ShareRow, ...]
    gridlines: tuple[tuple[float, str], ...]  # (x, "50 %")


def shares(rows: Sequence[tuple[str, str, int, int]]) -> ShareChart:
    """One bar per (code, title, count, of) row: the bar is count / of as a share."""
    found = []
    for i, (code, title, count, total) in enumerate(rows):
        percent = round(100 * count / total) if total else 0
        found.append(
            ShareRow(
                y=8 + i * ROW_H,
                code=code,
                label=f"{code} {title}: {count} of {total} learners, {percent} %",
                length=TRACK_W * percent / 100,
                value=f"{percent} %",
            )  # fmt: skip
        )
    grid = tuple((LABEL_W + TRACK_W * p / 100, f"{p} %") for p in (0, 25, 50, 75, 100))
    return ShareChart(
        width=LABEL_W + TRACK_W + VALUE_W,
        height=8 + len(found) * ROW_H + 18,
        track_x=LABEL_W,
        track_w=TRACK_W,
        rows=tuple(found),
        gridlines=grid,
    )

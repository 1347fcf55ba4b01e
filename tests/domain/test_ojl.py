"""The rules of an OJL log entry: hours, dates, work processes, descriptions, comments."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import ojl
from app.errors import InvalidInput

TODAY = date(2026, 12, 6)
STARTED = date(2026, 9, 1)
PROCESSES = {"maintenance": frozenset({"SM.MAINT.1", "SM.MAINT.2"}), "data": frozenset()}


def draft(**changes) -> ojl.Draft:
    values = {
        "work_date": "2026-12-04",
        "hours": "7.5",
        "work_process": "maintenance",
        "competencies": ("SM.MAINT.1",),
        "description": "Replaced the bearing on filler 2 with my mentor.",
    }
    return ojl.Draft(**(values | changes))


def check(entry: ojl.Draft, minutes_that_day: int = 0) -> ojl.Entry:
    return ojl.check(
        entry, today=TODAY, started=STARTED, work_processes=PROCESSES,
        minutes_that_day=minutes_that_day,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("7.5", 450), ("7,5", 450), ("7:30", 450), ("7h30", 450), (" 8 ", 480), ("0.25", 15),
     (24, 1440), (1.5, 90), ("0:45", 45)],
)  # fmt: skip
def test_hours_are_read_as_people_type_them(typed, minutes):
    assert ojl.minutes_of(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "says"),
    [("25", "at most 24"), ("24:01", "at most 24"), ("-2", "such as 7.5"), ("0", "more than"),
     ("7:75", "0 to 59"), ("seven", "such as 7.5"), ("", "such as 7.5"), (True, "such as"),
     (float("nan"), "more than"), ("9" * 40, "such as")],
)  # fmt: skip
def test_impossible_hours_are_refused_with_the_reason(typed, says):
    with pytest.raises(InvalidInput, match=says) as refused:
        ojl.minutes_of(typed)
    assert refused.value.field == "hours"


def test_a_good_entry_is_checked_and_tidied():
    entry = check(draft(description="  Replaced   the bearing\non filler 2.  "))
    assert entry == ojl.Entry(
        date(2026, 12, 4), 450, "maintenance", ("SM.MAINT.1",), "Replaced the bearing on filler 2."
    )


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"work_date": "2026-12-07"}, "work_date", "not a future date"),
        ({"work_date": "2026-08-31"}, "work_date", "began on September 1, 2026"),
        ({"work_date": "2025-11-01"}, "work_date", "more than a year ago"),
        ({"work_date": "04/12/2026"}, "work_date", "as on a calendar"),
        ({"work_process": "welding"}, "work_process", "work processes"),
        ({"competencies": ("SM.DATA.1",)}, "competencies", "SM.DATA.1"),
        ({"description": "fixed"}, "description", "a sentence or two"),
        ({"description": "x " * 1500}, "description", "under 2,000"),
    ],
)
def test_a_broken_entry_names_its_field(changes, field, says):
    with pytest.raises(InvalidInput, match=says) as refused:
        check(draft(**changes))
    assert refused.value.field == field


def test_a_day_never_holds_more_than_24_hours():
    assert check(draft(hours="8"), minutes_that_day=16 * 60).minutes == 480
    with pytest.raises(InvalidInput, match="already logged 16 h 30 min on December 4, 2026"):
        check(draft(hours="8"), minutes_that_day=16 * 60 + 30)


@given(st.lists(st.integers(min_value=1, max_value=ojl.MINUTES_A_DAY), min_size=1, max_size=12))
def test_whatever_is_logged_a_day_adds_up_to_at_most_24_hours(attempts):
    logged = 0
    for minutes in attempts:
        with contextlib.suppress(InvalidInput):
            logged += check(draft(hours=minutes / 60), minutes_that_day=logged).minutes
    assert logged <= ojl.MINUTES_A_DAY


def test_a_rejection_must_say_why():
    assert ojl.review_comment("approved", "") == ""
    assert ojl.review_comment("rejected", " Wrong   date ") == "Wrong date"
    with pytest.raises(InvalidInput, match="Say why"):
        ojl.review_comment("rejected", "no")
    with pytest.raises(InvalidInput, match="Approve or reject"):
        ojl.review_comment("maybe", "")


def test_hours_read_as_people_say_them():
    assert ojl.hours_text(450) == "7 h 30 min" and ojl.hours_text(480) == "8 h"
    assert ojl.date_of(TODAY - timedelta(days=1), today=TODAY) == date(2026, 12, 5)

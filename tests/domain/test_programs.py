"""Progress against a program standard: hours, RTI, wage steps, probation and completion."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content import programs, validate
from app.content.program_standard import (
    COMPETENCY_BASED,
    HYBRID,
    TIME_BASED,
    Instruction,
    Program,
    WageStep,
    WorkProcess,
)
from app.domain.programs import (
    Record,
    add_months,
    months_between,
    program_year,
    progress,
    wage,
)

START = date(2026, 1, 15)
HYBRID_PROGRAM = Program(
    id="demo",
    title="Demo",
    occupation="Demo Technician",
    onet_soc_code="49-9041.00",
    approach=HYBRID,
    description="A test program.",
    framework="mini",
    term_hours=2000,
    term_months=24,
    probation_hours=500,
    work_processes=(
        WorkProcess("controls", "Controls", min_hours=800, max_hours=1200, competencies=("A", "B")),
        WorkProcess("data", "Data", min_hours=600, max_hours=1000, competencies=("C",)),
    ),
    instruction=(Instruction("Course", 100, 1, "course"), Instruction("Course 2", 150, 2)),
    wage_steps=(WageStep(0, 60, "Entry"), WageStep(1000, 70), WageStep(1800, 85)),
)
TIME_PROGRAM = replace(
    HYBRID_PROGRAM,
    approach=TIME_BASED,
    work_processes=(
        WorkProcess("controls", "Controls", min_hours=1200, max_hours=1200),
        WorkProcess("data", "Data", min_hours=800, max_hours=800),
    ),
)
COMPETENCY_PROGRAM = replace(
    HYBRID_PROGRAM,
    approach=COMPETENCY_BASED,
    term_hours=None,
    probation_hours=None,
    probation_months=3,
    wage_basis="months",
    wage_steps=(WageStep(0, 60), WageStep(6, 70), WageStep(12, 80)),
)


def record(controls=0.0, data=0.0, competencies=(), rti=None) -> Record:
    return Record(
        START,
        ojl_hours={"controls": controls, "data": data},
        rti_hours=rti or {},
        competencies=frozenset(competencies),
    )


def test_hybrid_hours_per_process_count_up_to_their_maximum():
    found = progress(HYBRID_PROGRAM, record(1500, 300, ("A",)), today=date(2026, 9, 1))
    controls, data = found.processes
    assert (controls.hours, controls.counted, controls.hours_to_go) == (1500, 1200, 0)
    assert (controls.attained, controls.missing, controls.complete) == (("A",), ("B",), False)
    assert (data.hours, data.counted, data.hours_to_go, data.complete) == (300, 300, 300, False)
    assert (found.ojl_hours, found.counted_hours) == (1800, 1500)
    assert found.missing == ("B", "C") and found.attained == ("A",)
    assert not found.complete


def test_hybrid_completes_with_minimums_term_hours_and_every_competency():
    everything = ("A", "B", "C")
    done = progress(HYBRID_PROGRAM, record(1200, 800, everything), today=date(2027, 6, 1))
    assert done.complete and all(p.complete for p in done.processes)
    # Every minimum met (800 + 600) but only 1,400 of the term's 2,000 hours:
    assert not progress(HYBRID_PROGRAM, record(800, 600, everything), today=START).complete
    # Hours beyond a process's maximum do not make up for another process:
    assert not progress(HYBRID_PROGRAM, record(1900, 500, everything), today=START).complete
    # All the hours but one competency short:
    assert not progress(HYBRID_PROGRAM, record(1200, 800, ("A", "B")), today=START).complete


def test_time_based_completes_on_hours_alone():
    assert progress(TIME_PROGRAM, record(1300, 700), today=START).complete
    found = progress(TIME_PROGRAM, record(1300, 600), today=START)
    assert not found.complete and found.processes[1].hours_to_go == 200
    assert found.processes[0].complete  # 1,300 of its 1,200 hours


def test_competency_based_completes_on_competencies_alone():
    assert progress(COMPETENCY_PROGRAM, record(competencies=("A", "B", "C")), today=START).complete
    found = progress(COMPETENCY_PROGRAM, record(5000, 5000, ("A", "C")), today=START)
    assert not found.complete and found.missing == ("B",)
    assert [p.complete for p in found.processes] == [False, True]


def test_wage_step_by_hours_and_the_hours_to_the_next():
    found = progress(HYBRID_PROGRAM, record(700, 500), today=START)
    assert found.wage.current == WageStep(1000, 70)
    assert found.wage.next == WageStep(1800, 85) and found.wage.hours_to_go == 600
    assert found.wage.due_on is None
    top = progress(HYBRID_PROGRAM, record(1200, 800), today=START).wage
    assert top.current.percent == 85 and top.next is None and top.hours_to_go is None
    assert progress(HYBRID_PROGRAM, record(), today=START).wage.current.title == "Entry"


def test_wage_step_by_months_is_due_on_a_date():
    found = progress(COMPETENCY_PROGRAM, record(), today=date(2026, 7, 14))
    assert found.wage.current.percent == 60  # one day short of six months
    assert found.wage.next == WageStep(6, 70) and found.wage.due_on == date(2026, 7, 15)
    later = progress(COMPETENCY_PROGRAM, record(), today=date(2026, 7, 15)).wage
    assert later.current == WageStep(6, 70) and later.due_on == date(2027, 1, 15)


def test_no_wage_steps_no_wage():
    assert progress(replace(HYBRID_PROGRAM, wage_steps=()), record(), today=START).wage is None


def test_probation_by_hours_and_by_months():
    early = progress(HYBRID_PROGRAM, record(300, 100), today=date(2027, 1, 1))
    assert early.in_probation and early.probation_hours_to_go == 100
    assert early.probation_ends_on is None
    assert not progress(HYBRID_PROGRAM, record(300, 200), today=START).in_probation
    months = progress(COMPETENCY_PROGRAM, record(), today=date(2026, 4, 14))
    assert months.in_probation and months.probation_ends_on == date(2026, 4, 15)
    assert not progress(COMPETENCY_PROGRAM, record(), today=date(2026, 4, 15)).in_probation


def test_rti_per_program_year_against_the_plan_and_144_hours():
    found = progress(HYBRID_PROGRAM, record(rti={1: 150, 2: 40}), today=date(2027, 2, 1))
    first, second = found.rti
    assert (first.year, first.hours, first.planned, first.ends) == (1, 150, 100, date(2027, 1, 15))
    assert first.over and first.met_plan and first.met_minimum
    assert (second.planned, second.over, second.met_plan, second.met_minimum) == (
        150,
        False,
        False,
        False,
    )
    assert found.program_year == 2


def test_program_year_and_months():
    assert program_year(START, START) == 1
    assert program_year(START, date(2027, 1, 14)) == 1
    assert program_year(START, date(2027, 1, 15)) == 2
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert months_between(date(2026, 1, 31), date(2026, 2, 27)) == 0
    assert months_between(START, date(2025, 1, 1)) == 0  # before the start
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_the_shipped_program_gives_a_sensible_progress():
    """The real standard, as validated, drives the rules end to end."""
    root = Path(__file__).resolve().parents[2]
    curriculum, problems = validate.load(root / "curricula", labs_root=root / "labs")
    (program,) = programs.load_all(root / "curricula", curriculum, problems)
    hours = {wp.id: wp.min_hours for wp in program.work_processes}
    found = progress(
        program,
        Record(START, ojl_hours=hours, competencies=frozenset(program.competencies())),
        today=date(2027, 1, 15),
    )
    # Every minimum met is 3,240 hours: short of the 4,000-hour term, so not complete yet.
    assert found.counted_hours == 3240 and not found.complete and not found.in_probation
    assert found.wage.current.percent == 86 and found.wage.next is None
    assert [year.planned for year in found.rti] == [14, 0]


# Properties -------------------------------------------------------------------------------

hours = st.floats(min_value=0, max_value=5000, allow_nan=False)
codes = st.frozensets(st.sampled_from(["A", "B", "C", "Z"]))
days = st.integers(min_value=-400, max_value=3000)
any_program = st.sampled_from([HYBRID_PROGRAM, TIME_PROGRAM, COMPETENCY_PROGRAM])


@given(any_program, hours, hours, hours, hours, codes, codes, days, st.integers(0, 400))
def test_more_hours_competencies_and_time_never_undo_progress(
    program, controls, data, more_controls, more_data, held, more_held, day, later
):
    """More approved hours, more competencies or a later day never move anything back:
    not the wage step, not completion, not the end of probation."""
    today = START + timedelta(days=day)
    before = progress(program, record(controls, data, held), today=today)
    after = progress(
        program,
        record(controls + more_controls, data + more_data, held | more_held),
        today=today + timedelta(days=later),
    )
    assert after.wage.current.start >= before.wage.current.start
    assert after.wage.current.percent >= before.wage.current.percent
    assert after.complete or not before.complete
    pairs = zip(after.processes, before.processes, strict=True)
    assert all(a.complete or not b.complete for a, b in pairs)
    assert before.in_probation or not after.in_probation
    assert after.counted_hours >= before.counted_hours


@given(hours, hours)
def test_counted_hours_never_exceed_approved_nor_a_hybrid_maximum(controls, data):
    found = progress(HYBRID_PROGRAM, record(controls, data), today=START)
    assert found.counted_hours <= found.ojl_hours
    assert all(p.counted <= p.max_hours for p in found.processes)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 240))
def test_add_months_and_months_between_agree(day, months):
    later = add_months(day, months)
    assert later >= day and months_between(day, later) == months


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 3000), st.integers(0, 400))
def test_months_between_never_goes_back(start, first, more):
    today = start + timedelta(days=first)
    assert months_between(start, today + timedelta(days=more)) >= months_between(start, today)


@pytest.mark.parametrize("value", [0, 999.99, 1000, 1799, 1800, 10_000])
def test_the_wage_step_is_the_last_one_started(value):
    found = wage(HYBRID_PROGRAM, START, value, today=START)
    started = [step for step in HYBRID_PROGRAM.wage_steps if step.start <= value]
    assert found.current == started[-1]

"""The criteria evaluator: met or not, and in plain words what is done and what is missing."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.content.achievement_rules import (
    OJL_HOURS,
    PROBATION_COMPLETE,
    PROGRAM_COMPLETE,
    WORK_PROCESS_COMPLETE,
    CourseRule,
    LabRule,
    MasteryRule,
    ProgramRule,
)
from app.domain.achievements import (
    ApprenticeshipFact,
    CompetencyFact,
    CourseFact,
    Facts,
    Names,
    ProcessFact,
    evaluate,
)

NAMES = Names(
    competencies={("sm", "SM.KPI.1"): "Calculate OEE", ("sm", "SM.KPI.2"): "Analyse losses"},
    levels={"sm": {1: "Aware", 2: "Developing", 3: "Proficient"}},
    courses={"smf": "Smart Manufacturing Foundations"},
    labs={"lab-oee": "OEE from the historian"},
    programs={"smt": "Smart Manufacturing Technician"},
    work_processes={("smt", "plc"): "PLC troubleshooting"},
)


def one(rule, facts: Facts):
    evaluation = evaluate((rule,), facts, NAMES)
    (result,) = evaluation.rules
    assert evaluation.met == result.met
    return result


def test_no_rules_is_never_met():
    assert not evaluate((), Facts()).met


def test_mastery_at_a_level_names_each_competency_still_short():
    rule = MasteryRule("sm", ("SM.KPI.1", "SM.KPI.2"), 2, "Developing")
    facts = Facts(competencies={("sm", "SM.KPI.1"): CompetencyFact(3, True)})
    result = one(rule, facts)
    assert not result.met and result.progress == 0.5
    assert result.done == "SM.KPI.1 (Calculate OEE) at Developing or above"
    assert result.missing == "reach Developing in SM.KPI.2 (Analyse losses; not yet)"
    facts = Facts(
        competencies={
            ("sm", "SM.KPI.1"): CompetencyFact(2),
            ("sm", "SM.KPI.2"): CompetencyFact(2),
        }
    )
    assert one(rule, facts).met


def test_mastered_means_the_frameworks_mastery_not_a_level():
    rule = MasteryRule("sm", ("SM.KPI.1",))
    high_but_not_mastered = Facts(competencies={("sm", "SM.KPI.1"): CompetencyFact(2, False)})
    result = one(rule, high_but_not_mastered)
    assert result.missing == "master SM.KPI.1 (Calculate OEE; now Developing)"
    mastered = Facts(competencies={("sm", "SM.KPI.1"): CompetencyFact(3, True)})
    assert one(rule, mastered).done == "mastered SM.KPI.1 (Calculate OEE)"


def test_a_competency_of_another_framework_does_not_count():
    rule = MasteryRule("sm", ("SM.KPI.1",))
    assert not one(rule, Facts(competencies={("other", "SM.KPI.1"): CompetencyFact(3, True)})).met


def test_course_completion_counts_the_lessons_still_needed():
    rule = CourseRule("smf", 80)
    result = one(rule, Facts(courses={"smf": CourseFact(completed=10, lessons=27)}))
    assert not result.met
    assert result.done == "10 of 27 lessons of Smart Manufacturing Foundations completed"
    # 80 % of 27 is 21.6: 22 lessons, never fewer than the share.
    assert result.missing == (
        "complete 12 more lessons of Smart Manufacturing Foundations (80 % of the lessons needed)"
    )
    assert one(rule, Facts(courses={"smf": CourseFact(22, 27)})).met
    assert not one(CourseRule("smf"), Facts(courses={"smf": CourseFact(26, 27)})).met
    assert one(CourseRule("smf"), Facts(courses={"smf": CourseFact(27, 27)})).met


def test_a_course_without_lessons_is_not_met():
    result = one(CourseRule("smf"), Facts(courses={"smf": CourseFact(0, 0)}))
    assert not result.met and "has no lessons" in result.missing


def test_lab_score_uses_the_best_graded_score():
    rule = LabRule("lab-oee", 80)
    result = one(rule, Facts())
    assert result.missing == (
        "submit the lab “OEE from the historian” for grading and score at least 80 %"
    )
    result = one(rule, Facts(labs={"lab-oee": 72.46}))
    assert (
        result.missing
        == "score at least 80 % in the lab “OEE from the historian” (best so far 72.4 %)"
    )
    assert result.progress == 72.46 / 80
    assert one(rule, Facts(labs={"lab-oee": 80.0})).met


def apprentice(**changes) -> ApprenticeshipFact:
    values = {
        "in_probation": True,
        "probation_hours_to_go": 300.0,
        "processes": {
            "plc": ProcessFact(200.0, 800.0, ("SM.CTRL.1",)),
            "maint": ProcessFact(0.0, 1000.0),
        },
        "missing": ("SM.CTRL.1", "SM.CTRL.2"),
        "counted_hours": 200.0,
        "term_hours": 4000.0,
    }
    values.update(changes)
    return ApprenticeshipFact(**values)


def test_program_rules_without_an_enrolment_ask_to_enrol():
    result = one(ProgramRule("smt", PROGRAM_COMPLETE), Facts())
    assert result.missing == "enrol in the apprenticeship “Smart Manufacturing Technician”"


def test_probation_by_hours_and_by_months():
    rule = ProgramRule("smt", PROBATION_COMPLETE)
    result = one(rule, Facts(apprenticeships={"smt": apprentice()}))
    assert result.missing == "300 more hours of approved on-the-job learning to end probation"
    by_months = apprentice(probation_hours_to_go=None, probation_ends_on=date(2027, 3, 1))
    result = one(rule, Facts(apprenticeships={"smt": by_months}))
    assert result.missing == "probation in “Smart Manufacturing Technician” ends on 2027-03-01"
    assert one(rule, Facts(apprenticeships={"smt": apprentice(in_probation=False)})).met


def test_work_process_names_hours_and_competencies_to_go():
    rule = ProgramRule("smt", WORK_PROCESS_COMPLETE, "plc")
    result = one(rule, Facts(apprenticeships={"smt": apprentice()}))
    assert result.done == "200 hours approved in “PLC troubleshooting”"
    assert result.missing == (
        "to complete “PLC troubleshooting”: 600 more hours approved; master SM.CTRL.1"
    )
    done = apprentice(processes={"plc": ProcessFact(800.0, 800.0, (), True)})
    assert one(rule, Facts(apprenticeships={"smt": done})).met


def test_ojl_hours_in_all_processes_or_in_one():
    facts = Facts(apprenticeships={"smt": apprentice()})
    everywhere = one(ProgramRule("smt", OJL_HOURS, hours=150), facts)
    assert everywhere.met
    in_maint = one(ProgramRule("smt", OJL_HOURS, "maint", 150), facts)
    assert in_maint.missing == "150 more hours of approved on-the-job learning in “maint”"


def test_program_complete_lists_what_is_left():
    result = one(ProgramRule("smt", PROGRAM_COMPLETE), Facts(apprenticeships={"smt": apprentice()}))
    assert result.missing == (
        "to complete “Smart Manufacturing Technician”: 3,800 more hours of OJL that count; "
        "the minimum hours in 2 work processes; 2 competencies to master (SM.CTRL.1, SM.CTRL.2)"
    )
    assert one(
        ProgramRule("smt", PROGRAM_COMPLETE),
        Facts(apprenticeships={"smt": apprentice(complete=True)}),
    ).met


def test_an_achievement_is_met_only_when_every_rule_is():
    rules = (LabRule("lab-oee", 80), CourseRule("smf"))
    facts = Facts(labs={"lab-oee": 90.0}, courses={"smf": CourseFact(3, 4)})
    evaluation = evaluate(rules, facts, NAMES)
    assert not evaluation.met
    assert evaluation.progress == (1.0 + 0.75) / 2
    assert evaluation.missing == (
        "complete 1 more lesson of Smart Manufacturing Foundations (every lesson needed)",
    )


# Monotone: adding facts never takes a met achievement back --------------------------------

CODES = ("A.1", "A.2", "A.3")
COURSES = ("c1", "c2")
LABS = ("l1", "l2")
PROCESSES = ("wp1", "wp2")

competency = st.builds(CompetencyFact, st.one_of(st.none(), st.integers(1, 4)), st.booleans())
process = st.builds(
    ProcessFact,
    st.floats(0, 2000),
    st.one_of(st.none(), st.floats(0, 1000)),
    st.lists(st.sampled_from(CODES), unique=True).map(tuple),
    st.booleans(),
)
apprenticeship = st.builds(
    ApprenticeshipFact,
    complete=st.booleans(),
    in_probation=st.booleans(),
    probation_hours_to_go=st.one_of(st.none(), st.floats(0, 500)),
    processes=st.dictionaries(st.sampled_from(PROCESSES), process),
    counted_hours=st.floats(0, 5000),
    term_hours=st.one_of(st.none(), st.floats(1, 5000)),
)
facts = st.builds(
    Facts,
    competencies=st.dictionaries(st.tuples(st.just("fw"), st.sampled_from(CODES)), competency),
    courses=st.dictionaries(
        st.sampled_from(COURSES),
        st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: CourseFact(min(t), max(t))),
    ),
    labs=st.dictionaries(st.sampled_from(LABS), st.floats(0, 100)),
    apprenticeships=st.dictionaries(st.just("p"), apprenticeship),
)
rule = st.one_of(
    st.builds(
        MasteryRule,
        st.just("fw"),
        st.lists(st.sampled_from(CODES), min_size=1, unique=True).map(tuple),
        st.one_of(st.none(), st.integers(1, 4)),
    ),
    st.builds(CourseRule, st.sampled_from(COURSES), st.integers(1, 100)),
    st.builds(LabRule, st.sampled_from(LABS), st.floats(1, 100)),
    st.builds(ProgramRule, st.just("p"), st.sampled_from([PROGRAM_COMPLETE, PROBATION_COMPLETE])),
    st.builds(
        ProgramRule,
        st.just("p"),
        st.just(WORK_PROCESS_COMPLETE),
        st.sampled_from(PROCESSES),
    ),
    st.builds(
        ProgramRule,
        st.just("p"),
        st.just(OJL_HOURS),
        st.sampled_from(("", *PROCESSES)),
        st.floats(1, 3000),
    ),
)


def join(a: Facts, b: Facts) -> Facts:
    """*a* with *b* added: everything either has, each at the better of the two."""
    competencies = dict(a.competencies)
    for key, fact in b.competencies.items():
        old = competencies.get(key, CompetencyFact())
        levels = [x for x in (old.level, fact.level) if x is not None]
        competencies[key] = CompetencyFact(max(levels, default=None), old.mastered or fact.mastered)
    courses = dict(a.courses)
    for key, fact in b.courses.items():
        old = courses.get(key)
        # The course itself is the same: more lessons completed of the same lessons.
        courses[key] = CourseFact(max(old.completed, fact.completed), old.lessons) if old else fact
    labs = {k: max(a.labs.get(k, 0.0), b.labs.get(k, 0.0)) for k in {*a.labs, *b.labs}}
    apprenticeships = dict(a.apprenticeships)
    for key, fact in b.apprenticeships.items():
        old = apprenticeships.get(key)
        apprenticeships[key] = _join_apprenticeship(old, fact) if old else fact
    return Facts(competencies, courses, labs, apprenticeships)


def _join_apprenticeship(a: ApprenticeshipFact, b: ApprenticeshipFact) -> ApprenticeshipFact:
    processes = dict(a.processes)
    for key, fact in b.processes.items():
        old = processes.get(key)
        processes[key] = (
            ProcessFact(
                max(old.hours, fact.hours),
                old.min_hours,
                tuple(c for c in old.missing if c in fact.missing),
                old.complete or fact.complete,
            )
            if old
            else fact
        )
    return ApprenticeshipFact(
        complete=a.complete or b.complete,
        in_probation=a.in_probation and b.in_probation,
        probation_hours_to_go=a.probation_hours_to_go,
        processes=processes,
        missing=tuple(c for c in a.missing if c in b.missing),
        counted_hours=max(a.counted_hours, b.counted_hours),
        term_hours=a.term_hours,
    )


@given(st.lists(rule, min_size=1, max_size=5).map(tuple), facts, facts)
def test_adding_facts_never_unmeets_an_achievement(rules, before, more):
    """Every rule is monotone, so a learner's growing record keeps what it earned."""
    after = join(before, more)
    for result, grown in zip(
        evaluate(rules, before).rules, evaluate(rules, after).rules, strict=True
    ):
        assert grown.met or not result.met, result.rule
    assert evaluate(rules, after).met or not evaluate(rules, before).met

"""Apprenticeship program files: each 29 CFR 29 rule as a located, coded problem."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.content import programs, validate
from app.content.limits import YAML_BYTES
from app.content.problems import CODES, Problems
from app.content.program_schedules import KEYS
from app.content.program_standard import HYBRID, Instruction, WageStep, WorkProcess
from tests.conftest import FIXTURE_CURRICULA

PROGRAMS = FIXTURE_CURRICULA / "programs"
REPO = Path(__file__).resolve().parents[2]
GOOD = (PROGRAMS / "good.yml").read_text()
RTI_YEAR_1 = (
    "W-PROGRAM-RTI-HOURS program year 1 plans {} hours of related instruction; "
    "144 a year is normally necessary (29 CFR 29.5(b)(4))"
)

# Every line the broken program files must produce, as `flask curriculum validate` prints it.
EXPECTED = """\
programs/broken-competency.yml:7:12: E-PROGRAM-FRAMEWORK no framework 'nowhere' in frameworks/
programs/broken-competency.yml:9:7: E-PROGRAM-TERM state the term in hours, months or both
programs/broken-competency.yml:10:12: E-SCHEMA 'probation' must be a mapping of fields
programs/broken-competency.yml:12:5: E-PROGRAM-NO-COMPETENCY a competency-based work process \
lists the competencies to attain
programs/broken-competency.yml:16:3: {RTI0}
programs/broken-competency.yml:17:11: E-PROGRAM-RTI program year 0 is outside the term's \
years (1 to 10 at most)
programs/broken-competency.yml:19:10: E-PROGRAM-WAGE a wage schedule needs at least one step
programs/broken-hybrid.yml:9:7: E-PROGRAM-TERM a hybrid term states the minimum hours of \
on-the-job learning (hours:)
programs/broken-hybrid.yml:10:31: E-PROGRAM-PROBATION give the probationary period in hours \
or in months (one of them)
programs/broken-hybrid.yml:12:3: E-PROGRAM-NO-COMPETENCY a hybrid program names the \
competencies to demonstrate in its work processes
programs/broken-hybrid.yml:14:18: E-PROGRAM-RANGE min 900 is more than max 600
programs/broken-hybrid.yml:17:12: E-PROGRAM-HOURS a hybrid work process gives a range of \
hours: {{min: 400, max: 600}}
programs/broken-hybrid.yml:18:22: {RTI0}
programs/broken-hybrid.yml:18:22: W-PROGRAM-RTI-HOURS program year 2 plans 0 hours of related \
instruction; 144 a year is normally necessary (29 CFR 29.5(b)(4))
programs/broken-hybrid.yml:20:32: E-PROGRAM-WAGE 'amount' cannot be negative
programs/broken-hybrid.yml:20:41: E-PROGRAM-WAGE unknown unit 'fortnight'; use hour, week, \
month, year
programs/broken-hybrid.yml:23:20: E-PROGRAM-WAGE this step starts at 24 months, when the term \
is over (24)
programs/broken-time.yml:2:5: E-BAD-ID 'Broken_Program' is not lower-case letters, digits, hyphens
programs/broken-time.yml:5:16: E-PROGRAM-ONET '49-904' is not an O*NET-SOC code shaped \
NN-NNNN.NN, such as 49-9041.00
programs/broken-time.yml:6:14: E-PROGRAM-RAPIDS '0926CB' is a competency-based RAPIDS code, \
but the approach is time-based
programs/broken-time.yml:10:9: E-PROGRAM-KEY unknown key 'colour' in a program; use id, title, \
occupation, onet_soc_code, rapids_code, approach, framework, description, term, probation, \
work_processes, related_instruction, wage_schedule
programs/broken-time.yml:11:15: E-PROGRAM-TERM the term is 1,800 hours; the work processes add \
up to 1,900
programs/broken-time.yml:12:20: E-PROGRAM-PROBATION 600 hours of probation is more than 450: \
at most 25 % of the term (1,800 hours) or one year, whichever is shorter (29 CFR 29.5)
programs/broken-time.yml:14:3: E-PROGRAM-OJL-HOURS the work processes add up to 1,900 hours; \
a time-based program needs at least 2,000 hours of on-the-job learning (29 CFR 29.5(b)(2))
programs/broken-time.yml:17:30: E-PROGRAM-COMPETENCY competency 'MINI.Z.9' is not in the \
program's framework
programs/broken-time.yml:21:9: E-DUP-ID work process 'first' is listed twice
programs/broken-time.yml:25:13: E-PROGRAM-COURSE no course 'no-such-course' under curricula/
programs/broken-time.yml:26:11: {RTI40}
programs/broken-time.yml:28:12: E-PROGRAM-RTI 40 hours, but course 'demo-course' counts for \
2 RTI hours (its rti_hours)
programs/broken-time.yml:32:11: E-PROGRAM-RTI program year 2 is outside the term's years (1 to 1)
programs/broken-time.yml:35:20: E-PROGRAM-WAGE the first wage step starts at 0 (the entry wage)
programs/broken-time.yml:36:20: E-PROGRAM-WAGE-ORDER the step at 50 hours is not after the one \
before (100)
programs/broken-time.yml:37:20: E-PROGRAM-WAGE the steps start by hours, so this one cannot \
start by months
programs/broken-time.yml:38:35: E-PROGRAM-WAGE-ORDER wages must increase: 40 % is not above \
50 % before
programs/broken-time.yml:39:35: E-PROGRAM-WAGE-PERCENT 120 %: a step is above 0 and at most \
100 % of the journeyworker wage
""".format(RTI0=RTI_YEAR_1.format(0), RTI40=RTI_YEAR_1.format(40))


@pytest.fixture
def tree(tmp_path) -> Path:
    """The 'good' fixture curriculum (framework mini, demo-course) with a programs/ folder."""
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (root / "programs").mkdir()
    return root


def program_lines(root: Path) -> list[str]:
    """Every problem found under programs/, in a thread so a read that hangs fails instead."""
    found: dict = {}

    def run() -> None:
        found["value"] = validate.load(root, labs_root=root / "no-labs")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "validation hung"
    _, problems = found["value"]
    return [str(p) for p in problems.sorted() if p.path.startswith("programs")]


def write(root: Path, text: str, name: str = "demo.yml") -> list[str]:
    (root / "programs" / name).write_text(text)
    return program_lines(root)


def load(text: str, tmp_path: Path):
    """Parse one program file against the good tree's framework and course."""
    (tmp_path / "p.yml").write_text(text)
    problems = Problems(tmp_path)
    frameworks = {"mini": frozenset({"MINI.A", "MINI.A.1", "MINI.A.2", "MINI.A.2.1"})}
    program = programs.load(tmp_path, "p.yml", frameworks, {"demo-course": 2.0}, problems)
    return program, problems


def test_the_good_program_has_no_problem_and_reads_into_dataclasses(tree):
    assert write(tree, GOOD, "good.yml") == []
    curriculum, problems = validate.load(tree, labs_root=tree / "no-labs")
    (program,) = programs.load_all(tree, curriculum, problems)
    assert (program.id, program.approach, program.onet_soc_code) == (
        "demo-program",
        HYBRID,
        "49-9041.00",
    )
    assert (program.term_hours, program.term_months, program.years) == (2000, 12, 1)
    assert (program.probation_hours, program.probation_months) == (None, 3)
    assert program.work_processes[1] == WorkProcess(
        "second", "Second process", "The second one.", 600, 1000, ("MINI.A.2", "MINI.A.2.1")
    )
    assert program.instruction == (
        Instruction("demo-course", 2, 1, "demo-course"),  # hours from the course's rti_hours
        Instruction("Industrial safety", 142, 1, "", "Demo Community College"),
    )
    assert program.wage_basis == "hours"
    assert program.wage_steps == (WageStep(0, 60, "Entry"), WageStep(1000, 80, "Second"))
    assert (program.journeyworker_wage, program.wage_unit) == (30, "hour")
    assert program.competencies() == ("MINI.A.1", "MINI.A.2", "MINI.A.2.1")


def test_broken_programs_report_every_rule_with_its_location(tree):
    for name in ("broken-time.yml", "broken-hybrid.yml", "broken-competency.yml"):
        shutil.copy(PROGRAMS / name, tree / "programs" / name)
    assert sorted(program_lines(tree)) == sorted(EXPECTED.splitlines())


@pytest.mark.parametrize(
    "changes,expected",
    [
        (
            [("approach: hybrid", "approach: apprenticeship")],
            "7:11: E-PROGRAM-APPROACH unknown approach 'apprenticeship'; "
            "use time-based, competency-based, hybrid",
        ),
        (
            [('rapids_code: "0926HY V1"', "rapids_code: 'see binder'")],
            "6:14: E-PROGRAM-RAPIDS 'see binder' is not a RAPIDS code such as 0926HY V1; "
            "leave it empty if unknown",
        ),
        (
            [("term: {hours: 2000,", "term: {hours: 2300,")],
            "10:15: E-PROGRAM-TOTAL the term's 2,300 hours are outside what the work processes "
            "allow together: 1,400 to 2,200 hours",
        ),
        (
            [("term: {hours: 2000,", "term: {hours: 1300,")],
            "10:15: E-PROGRAM-TOTAL the term's 1,300 hours are outside what the work processes "
            "allow together: 1,400 to 2,200 hours",
        ),
        (
            [("probation: {months: 3}", "probation: {months: 4}")],
            "11:21: E-PROGRAM-PROBATION 4 months of probation is more than 3: at most 25 % of "
            "the term (12 months) or one year, whichever is shorter (29 CFR 29.5)",
        ),
        (  # the year caps it: 25 % of 60 months would allow 15
            [("months: 12}", "months: 60}"), ("probation: {months: 3}", "probation: {months: 13}")],
            "11:21: E-PROGRAM-PROBATION 13 months of probation is more than 12: at most 25 % of "
            "the term (60 months) or one year, whichever is shorter (29 CFR 29.5)",
        ),
        (  # probation in hours against a term in months: 12 months are 2,000 hours
            [
                ('"0926HY V1"', "''"),
                ("approach: hybrid", "approach: competency-based"),
                ("term: {hours: 2000, months: 12}", "term: {months: 12}"),
                ("{months: 3}", "{hours: 600}"),
            ],
            "11:20: E-PROGRAM-PROBATION 600 hours of probation is more than 500: at most 25 % of "
            "the term (2,000 hours) or one year, whichever is shorter (29 CFR 29.5)",
        ),
        (
            [("{min: 800, max: 1200}", "{min: 800, max: 1200, usual: 1000}")],
            "15:41: E-PROGRAM-KEY unknown key 'usual' in the hours; use min, max",
        ),
        (
            [("{min: 800, max: 1200}", "{min: -800, max: 1200}")],
            "15:18: E-PROGRAM-HOURS 'min' cannot be negative",
        ),
        (
            [("{min: 800, max: 1200}", "{min: .inf, max: 1200}")],
            "15:18: E-SCHEMA 'min' must be a number",
        ),
        (
            [("{min: 800, max: 1200}", "{min: true, max: 1200}")],
            "15:18: E-SCHEMA 'min' must be a number",
        ),
        (
            [("    hours: {min: 800, max: 1200}\n", "")],
            "13:5: E-PROGRAM-HOURS a hybrid work process needs its hours "
            "(hours: {min: 400, max: 600})",
        ),
        (
            [("competencies: [MINI.A.2, MINI.A.2.1]", "competencies: [MINI.A.2, MINI.B.1]")],
            "21:30: E-PROGRAM-COMPETENCY competency 'MINI.B.1' is not in the program's framework",
        ),
        (
            [("framework: mini", "framework: maxi")],
            "8:12: E-PROGRAM-FRAMEWORK no framework 'maxi' in frameworks/",
        ),
        (
            [("course: demo-course", "course: demo-kurs")],
            "23:13: E-PROGRAM-COURSE no course 'demo-kurs' under curricula/",
        ),
        (
            [("hours: 142", "hours: 141")],
            "24:11: " + RTI_YEAR_1.format(143),
        ),
        (
            [("    year: 1\n  - title", "    year: 1.5\n  - title")],
            "24:11: E-SCHEMA 'year' must be a whole number",
        ),
        (
            [("from_hours: 1000, percent: 80", "from_hours: 2200, percent: 80")],
            "33:35: E-PROGRAM-WAGE this step starts at 2,200 hours, when the term is over (2,200)",
        ),
        (
            [("from_hours: 0, percent: 60", "from_hours: 0, percent: 0")],
            "32:46: E-PROGRAM-WAGE-PERCENT 0 %: a step is above 0 and at most 100 % of the "
            "journeyworker wage",
        ),
        (
            [("{title: Second, from_hours: 1000", "{title: Second, from_month: 6")],
            "33:35: E-PROGRAM-WAGE the steps start by hours, so this one cannot start by months",
        ),
        (
            [
                ("term: {hours: 2000, months: 12}", "term: {hours: 2000}"),
                ("from_hours: 0,", "from_month: 0,"),
                ("from_hours: 1000,", "from_month: 6,"),
            ],
            "32:34: E-PROGRAM-WAGE steps by months need the term in months (term: months)",
        ),
        (
            [("from_hours: 0,", "from_month: 0,"), ("from_hours: 1000,", "from_month: 1.5,")],
            "33:35: E-SCHEMA 'from_month' must be a whole number",
        ),
        (
            [("{amount: 30, per: hour}", "{amount: 0, per: hour}")],
            "30:32: E-PROGRAM-WAGE the journeyworker wage is more than 0",
        ),
        (  # a term of 1e300 hours would make as many program years to check
            [("term: {hours: 2000,", "term: {hours: 1.0e+300,")],
            "10:15: E-PROGRAM-TERM a term of 1e+300 hours is over 10 years",
        ),
        (
            [("id: demo-program", "id: " + "p" * 65)],
            "2:5: E-BAD-ID an id has at most 64 characters",
        ),
        (
            [("occupation: Demo Technician\n", "")],
            "2:1: E-SCHEMA a program needs 'occupation'",
        ),
    ],
)
def test_each_rule_is_a_located_problem(tree, changes, expected):
    """One change to the good program gives exactly one problem (RTI warnings aside)."""
    text = GOOD
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    found = write(tree, text)
    if "W-PROGRAM-RTI-HOURS" not in expected:  # a longer term or a lost course adds those
        found = [line for line in found if "W-PROGRAM-RTI-HOURS" not in line]
    assert found == [f"programs/demo.yml:{expected}"]


def test_a_time_based_program_needs_2000_hours_and_fixed_hours_per_process(tree):
    text = GOOD.replace("approach: hybrid", "approach: time-based").replace('"0926HY V1"', "''")
    text = text.replace("{min: 800, max: 1200}", "1200").replace("{min: 600, max: 1000}", "800")
    assert write(tree, text) == []
    found = write(tree, text.replace("hours: 1200", "hours: {min: 800, max: 1200}"))
    assert found == [
        "programs/demo.yml:15:12: E-PROGRAM-HOURS a time-based work process has a fixed number "
        "of hours, not a range",
    ]
    short = text.replace("hours: 1200", "hours: 1100").replace("hours: 2000,", "hours: 1900,")
    assert write(tree, short) == [
        "programs/demo.yml:13:3: E-PROGRAM-OJL-HOURS the work processes add up to 1,900 hours; "
        "a time-based program needs at least 2,000 hours of on-the-job learning (29 CFR 29.5(b)(2))"
    ]


def test_a_program_naming_competencies_needs_its_framework(tree):
    text = GOOD.replace("approach: hybrid", "approach: time-based").replace('"0926HY V1"', "''")
    text = text.replace("{min: 800, max: 1200}", "1200").replace("{min: 600, max: 1000}", "800")
    assert write(tree, text.replace("framework: mini\n", "")) == [
        "programs/demo.yml:2:1: E-SCHEMA a program needs 'framework'"
    ]
    plain = text.replace("framework: mini\n", "").replace("    competencies: [MINI.A.1]\n", "")
    assert write(tree, plain.replace("    competencies: [MINI.A.2, MINI.A.2.1]\n", "")) == []


def test_a_hybrid_program_with_no_competency_is_an_error(tree):
    text = GOOD.replace("[MINI.A.1]", "[]").replace("[MINI.A.2, MINI.A.2.1]", "[]")
    assert write(tree, text) == [
        "programs/demo.yml:13:3: E-PROGRAM-NO-COMPETENCY a hybrid program names the competencies "
        "to demonstrate in its work processes"
    ]


def test_two_files_with_one_program_id(tree):
    (tree / "programs" / "a.yml").write_text(GOOD)
    assert write(tree, GOOD, "b.yml") == [
        "programs/b.yml:1:1: E-DUP-ID program id 'demo-program' is used in programs/a.yml"
    ]


def test_the_shipped_program_is_valid_with_only_the_rti_warning():
    """The RTI shortfall is real (one 14-hour course for a two-year term) and must show."""
    curriculum, problems = validate.load(REPO / "curricula", labs_root=REPO / "labs")
    shown = [str(p) for p in problems.sorted() if p.path.startswith("programs")]
    assert [line.split(": ", 1)[1] for line in shown] == [
        "W-PROGRAM-RTI-HOURS program year 2 plans 0 hours of related instruction; 144 a year is "
        "normally necessary (29 CFR 29.5(b)(4))",
        RTI_YEAR_1.format(14),
    ]
    (program,) = programs.load_all(REPO / "curricula", curriculum, problems)
    assert program.id == "smart-manufacturing-technician" and program.approach == HYBRID
    assert program.onet_soc_code == "49-9041.00" and program.rapids_code == ""
    low = sum(wp.min_hours or 0 for wp in program.work_processes)
    high = sum(wp.max_hours or 0 for wp in program.work_processes)
    assert low <= program.term_hours <= high and program.term_hours >= 2000 * program.years / 1
    framework = next(f for f in curriculum.frameworks if f.id == program.framework)
    assert set(program.competencies()) <= framework.codes()


def test_cli_validate_prints_the_warning_and_passes(runner):
    result = runner.invoke(args=["curriculum", "validate", str(REPO / "curricula")])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if "W-PROGRAM-RTI-HOURS" in line]
    assert len(warned) == 2 and all(
        line.startswith("programs/smart-manufacturing-technician.yml:") for line in warned
    )
    assert ": 0 errors," in result.output


# Hostile files: read like every other curriculum file, or refused with a located problem.


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a: &x [1]\nb: *x\n", "1:4: E-YAML anchors and aliases (&name, *name) are not allowed"),
        ("id: !!python/name:os.system x\n", "1:5: E-YAML tags such as '!!python/name:os.system'"),
        ("id: a\nid: b\n", "2:1: E-YAML the key 'id' appears twice"),
        ("x: " + "[" * 100 + "]" * 100 + "\n", "1:35: E-YAML lists and mappings are nested"),
        ("term: {hours: 2024-13-45}\n", "1:15: E-YAML '2024-13-45' cannot be read as a value"),
        ("- id: a\n", "1:1: E-SCHEMA a program must be a mapping of fields"),
        ("x: '" + "a" * YAML_BYTES + "'\n", "1:1: E-TOO-LARGE 'demo.yml' is 262,150 bytes"),
    ],
)
def test_hostile_yaml_is_refused_where_it_is(tree, text, expected):
    found = write(tree, text)
    assert found and found[0].startswith(f"programs/demo.yml:{expected}"), found


def test_a_program_file_that_is_not_utf8(tree):
    (tree / "programs" / "demo.yml").write_bytes(b"id: \xff\xfe\n")
    assert program_lines(tree) == ["programs/demo.yml:1:1: E-YAML the file is not UTF-8 text"]


def test_links_and_fifos_in_programs_are_refused_and_never_read(tree, tmp_path):
    secret = tmp_path / "secret.yml"
    secret.write_text(GOOD)
    (tree / "programs" / "linked.yml").symlink_to(secret)
    os.mkfifo(tree / "programs" / "fifo.yml")
    found = program_lines(tree)
    assert [line.split(": ")[1].split(" ")[0] for line in found] == ["E-SPECIAL-FILE", "E-SYMLINK"]
    assert [line.split(":")[0] for line in found] == ["programs/fifo.yml", "programs/linked.yml"]


def test_a_linked_programs_folder_is_refused(tree, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "p.yml").write_text(GOOD)
    (tree / "programs").rmdir()
    (tree / "programs").symlink_to(elsewhere, target_is_directory=True)
    _, problems = validate.load(tree, labs_root=tree / "no-labs")
    assert [(p.path, p.code) for p in problems.errors] == [("programs", "E-SYMLINK")]


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5000, 5000)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "hours", "min", "max", "year", "percent", "from_hours", "x"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)
_KEYS = st.sampled_from(KEYS["program"].split() + ["surprise"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(_KEYS, _VALUES, max_size=10))
def test_any_yaml_mapping_gives_problems_never_an_exception(tmp_path, data):
    """Whatever shape the values take, the checker reports known codes and never crashes."""
    program, problems = load(yaml.safe_dump(data), tmp_path)
    assert program is not None
    assert all(p.code in CODES for p in problems.items)

"""Achievement files (badges/*.yml): each problem a located, coded error; the shipped ones valid."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.content import achievements, case, validate
from app.content import labs as lab_files
from app.content.achievement_rules import (
    OJL_HOURS,
    PROBATION_COMPLETE,
    PROGRAM_COMPLETE,
    WORK_PROCESS_COMPLETE,
    CourseRule,
    LabRule,
    MasteryRule,
    ProgramRule,
    rules_as_json,
    rules_from_json,
)
from app.content.problems import CODES
from tests import badge_trees
from tests.badge_trees import GOOD
from tests.conftest import FIXTURE_CURRICULA

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(tmp_path) -> Path:
    return badge_trees.build(tmp_path)


def badge_lines(root: Path, text: str | None = None, name: str = "demo.yml") -> list[str]:
    """Every problem found under badges/ (after writing *text* to badges/*name*)."""
    if text is not None:
        (root.parent / "badges" / name).write_text(text)
    _, _, problems = validate.load_parts(root, labs_root=root.parent / "labs")
    return [str(p) for p in problems.sorted()]


def test_a_good_achievement_parses_every_field(tree):
    assert badge_lines(tree, GOOD) == []
    curriculum, _ = validate.load(tree, labs_root=tree.parent / "labs")
    (found,) = curriculum.achievements
    framework = curriculum.frameworks[0]
    assert (found.id, found.name, found.achievement_type) == ("demo-badge", "Demo Badge", "Badge")
    assert found.rules == (
        MasteryRule("mini", ("MINI.A.1", "MINI.A.2"), 2, "Able"),
        MasteryRule("mini", ("MINI.A.2.1",)),
        CourseRule("demo-course", 50),
        LabRule("lab-demo", 75.0),
        ProgramRule("demo-program", WORK_PROCESS_COMPLETE, "first"),
        ProgramRule("demo-program", OJL_HOURS, "second", 100.0),
        ProgramRule("demo-program", PROBATION_COMPLETE),
        ProgramRule("demo-program", PROGRAM_COMPLETE),
    )
    item = next(i for i in framework.items if i.code == "MINI.A.1")
    assert found.alignments[0].uuid == case.item_uuid(framework, item)
    assert found.alignments[0].name == item.title
    assert [a.code for a in found.alignments] == ["MINI.A.1", "MINI.A.2"]
    assert (found.artwork, found.issuers) == ("plain", ("lakeshore-cc", "carver-state"))
    assert (found.instructor_approval, found.valid_for, found.tags) == (True, "P2Y6M", ("demo",))
    assert found.narrative == "Do the demo course and its lab."
    assert rules_from_json(rules_as_json(found.rules)) == found.rules


BROKEN = """\
id: Broken_Badge
name: Broken
description: Wrong in every way.
type: Certficate
framework: mini
colour: red
criteria:
  narrative: Nothing.
  rules:
    - mastery: MINI.Z.9
      level: Master
    - mastery: MINI.A.1
      level: 1
      mastered: true
    - course: no-course
      lessons: most
    - lab: lab-nowhere
      min_score: 150
    - program: no-program
      complete: true
    - program: demo-program
      work_process: nope
    - program: demo-program
    - course: demo-course
      lab: lab-demo
    - lab: lab-demo
      min_score: 80
      retries: 3
    - just text
alignments: [MINI.Q, {code: MINI.A.1, url: x}]
artwork: fancy
issuers: [Lakeshore CC, carver-state, carver-state]
instructor_approval: maybe
valid_for: 3 years
"""

# Every line the broken file must produce, as `flask badges validate` prints it.
EXPECTED = """\
badges/demo.yml:1:5: E-BAD-ID 'Broken_Badge' is not lower-case letters, digits, hyphens
badges/demo.yml:4:7: E-BADGE-TYPE 'Certficate' is not an Open Badges 3.0 achievement type \
(such as Badge, Certificate, Competency, MicroCredential); write an extension as 'ext:Certficate'
badges/demo.yml:6:9: E-BADGE-KEY unknown key 'colour' in achievement; use id, name, description, \
type, framework, criteria, alignments, artwork, issuers, instructor_approval, valid_for, tags
badges/demo.yml:10:16: E-BADGE-COMPETENCY competency 'MINI.Z.9' is not in framework 'mini'
badges/demo.yml:11:14: E-BADGE-LEVEL level 'Master' is not in the framework's scale: \
1 (Aware), 2 (Able)
badges/demo.yml:13:14: E-BADGE-RULE give 'level' or 'mastered', not both
badges/demo.yml:15:15: E-BADGE-COURSE no course 'no-course' under curricula/
badges/demo.yml:16:16: E-BADGE-RULE lessons: 'most' is not 'all' or a share such as '80%' (1 to 100)
badges/demo.yml:17:12: E-BADGE-LAB no course lesson has a lab 'lab-nowhere'
badges/demo.yml:18:18: E-BADGE-RULE min_score 150 is not a percentage above 0 and at most 100
badges/demo.yml:19:16: E-BADGE-PROGRAM no program 'no-program' in programs/
badges/demo.yml:22:21: E-BADGE-PROGRAM program 'demo-program' has no work process 'nope'
badges/demo.yml:23:16: E-BADGE-RULE say which milestone: complete: true, probation_complete: \
true, work_process: <id> (completed) or ojl_hours: <n> (optionally in a work_process)
badges/demo.yml:24:7: E-BADGE-RULE a rule names course and lab; give exactly one of mastery, \
course, lab, program
badges/demo.yml:28:16: E-BADGE-KEY unknown key 'retries' in lab; use lab, min_score
badges/demo.yml:29:7: E-BADGE-RULE a rule names no kind; give exactly one of mastery, course, \
lab, program
badges/demo.yml:30:14: E-BADGE-ALIGNMENT alignment 'MINI.Q' is not a competency of framework 'mini'
badges/demo.yml:30:44: E-BADGE-KEY unknown key 'url' in alignment; use framework, code
badges/demo.yml:31:10: E-BADGE-ARTWORK no artwork template badges/artwork/fancy.svg
badges/demo.yml:32:11: E-BADGE-ISSUER issuer 'Lakeshore CC' is not an organization slug
badges/demo.yml:32:39: E-BADGE-ISSUER issuer 'carver-state' is listed twice
badges/demo.yml:33:22: E-BADGE-SCHEMA 'instructor_approval' must be true or false
badges/demo.yml:34:12: E-BADGE-DURATION valid_for '3 years' is not an ISO 8601 duration of \
whole years, months, weeks or days above zero and under 50 years, such as P3Y or P18M
"""


def test_a_broken_achievement_reports_every_problem_where_it_is(tree):
    assert sorted(badge_lines(tree, BROKEN)) == sorted(EXPECTED.splitlines())


def test_every_badge_code_is_registered_and_documented():
    readme = (REPO / "badges/README.md").read_text()
    badge_codes = [code for code in CODES if code.startswith("E-BADGE-")]
    assert len(badge_codes) == 14
    assert all(f"`{code}`" in readme for code in badge_codes)


def test_a_duplicate_id_is_reported_at_the_second_file(tree):
    badge_lines(tree, GOOD, "a.yml")
    lines = badge_lines(tree, "# the same again\n" + GOOD, "b.yml")
    assert lines == [
        "badges/b.yml:2:1: E-BADGE-DUP-ID achievement id 'demo-badge' is already used in a.yml"
    ]


@pytest.mark.parametrize(
    "kind,expected",
    [
        ("ext:SafetyCard", []),
        ("MicroCredential", []),
        ("ApprenticeshipCertificate", []),
        ("ext:", ["E-BADGE-TYPE 'ext:': an extension type is 'ext:' then letters, digits, . _ -"]),
        ("badge", ["E-BADGE-TYPE 'badge' is not an Open Badges 3.0 achievement type"]),
    ],
)
def test_an_extension_type_needs_the_ext_prefix(tree, kind, expected):
    lines = badge_lines(tree, GOOD.replace("type: Badge", f'type: "{kind}"'))
    assert [line.split(": ", 1)[1][: len(e)] for line, e in zip(lines, expected, strict=True)] == [
        e for e in expected
    ]


@pytest.mark.parametrize("value", ["P3Y", "P18M", "P1Y6M", "P2W", "P90D", "P1Y2M3W4D"])
def test_a_valid_duration_is_accepted(tree, value):
    assert badge_lines(tree, GOOD.replace("P2Y6M", value)) == []


@pytest.mark.parametrize("value", ["3 years", "P0Y", "PT5H", "P", "P51Y", "p3y", "P1.5Y", "-P1Y"])
def test_a_bad_duration_is_a_located_error(tree, value):
    (line,) = badge_lines(tree, GOOD.replace("P2Y6M", f'"{value}"'))
    assert line.startswith("badges/demo.yml:29:12: E-BADGE-DURATION")


def test_a_planned_lab_cannot_be_required(tree):
    lesson = tree / "demo-course/m1-basics/02-second.md"
    lesson.write_text(
        lesson.read_text().replace("objectives: [Try it.]\n", "objectives: [x]\nplanned: true\n")
    )
    assert badge_lines(tree, GOOD) == [
        "badges/demo.yml:14:12: E-BADGE-LAB lab 'lab-demo' is planned, not written yet"
    ]


def test_missing_fields_and_an_empty_issuer_list_are_named(tree):
    text = "id: bare\ncriteria: {narrative: x, rules: []}\nissuers: []\n"
    assert badge_lines(tree, text) == [
        "badges/demo.yml:1:1: E-BADGE-SCHEMA achievement needs 'description'",
        "badges/demo.yml:1:1: E-BADGE-SCHEMA achievement needs 'name'",
        "badges/demo.yml:1:1: E-BADGE-SCHEMA achievement needs 'type'",
        "badges/demo.yml:2:33: E-BADGE-RULE an achievement needs at least one rule",
        "badges/demo.yml:3:10: E-BADGE-ISSUER name at least one organization (its slug)",
    ]


def test_a_mastery_rule_without_a_framework_is_named(tree):
    text = GOOD.replace("framework: mini\n", "").replace("alignments: [MINI.A.1, ", "alignments: [")
    lines = badge_lines(tree, text)
    assert "E-BADGE-COMPETENCY name the competencies' framework" in lines[0]
    assert len(lines) == 2  # both mastery rules


@pytest.mark.parametrize(
    "text,code",
    [
        ("id: a\nname: &x A\ndescription: *x\n", "E-YAML"),
        ("id: !!python/object:os.system a\n", "E-YAML"),
        ("- just\n- a list\n", "E-BADGE-SCHEMA"),
        ("id: [unclosed\n", "E-YAML"),
        ("[" * 100 + "]" * 100 + "\n", "E-YAML"),
    ],
)
def test_hostile_yaml_is_refused_with_a_located_error(tree, text, code):
    lines = badge_lines(tree, text)
    assert lines and all(f": {code} " in line or "E-BADGE" in line for line in lines)
    assert f": {code} " in lines[0]


def test_links_special_files_and_huge_files_are_refused(tree):
    badges = tree.parent / "badges"
    (tree.parent / "outside.yml").write_text(GOOD)
    (badges / "linked.yml").symlink_to(tree.parent / "outside.yml")
    os.mkfifo(badges / "pipe.yml")
    (badges / "huge.yml").write_text("# " + "x" * 300_000 + "\n" + GOOD)
    lines = badge_lines(tree)
    assert [line.split(": ")[1].split(" ")[0] for line in lines] == [
        "E-TOO-LARGE",
        "E-SYMLINK",
        "E-SPECIAL-FILE",
    ]


def test_no_badges_folder_means_no_achievements(tmp_path):
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    curriculum, problems = validate.load(root, labs_root=tmp_path / "no-labs")
    assert curriculum.achievements == () and problems.errors == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=400))
def test_any_text_gives_problems_never_a_crash(tree, text):
    badge_lines(tree, text)


# The shipped achievements ----------------------------------------------------------------


def test_the_shipped_achievements_are_valid_and_issued_by_the_demo_colleges():
    curriculum, problems = validate.load(REPO / "curricula", labs_root=REPO / "labs")
    assert [str(p) for p in problems.errors] == []
    found = {a.id: a for a in curriculum.achievements}
    assert len(found) >= 8
    assert all(a.issuers == ("lakeshore-cc", "carver-state") for a in found.values())
    assert found["smf-course-certificate"].achievement_type == "Certificate"
    assert found["smt-apprenticeship-certificate"].achievement_type == "ApprenticeshipCertificate"
    assert found["smt-apprenticeship-certificate"].instructor_approval
    course = next(c for c in curriculum.courses if c.id == "smart-manufacturing-foundations")
    every_lab = {lab.id for lesson in course.lessons() for lab in lesson.labs}
    certificate_labs = {
        r.lab for r in found["smf-course-certificate"].rules if isinstance(r, LabRule)
    }
    assert certificate_labs == every_lab


def test_shipped_mastery_rules_name_only_what_their_labs_assess():
    """A badge asks only for mastery its own graded labs give (the quizzes are practice)."""
    curriculum, _ = validate.load(REPO / "curricula", labs_root=REPO / "labs")
    for achievement in curriculum.achievements:
        assessed: set[str] = set()
        for rule in achievement.rules:
            if isinstance(rule, LabRule):
                notebook = nbformat.reads(
                    lab_files.read_notebook(REPO / "labs", f"{rule.lab}.ipynb").decode(),
                    as_version=4,
                )
                assessed |= set(lab_files.parse(notebook).competencies)
        for rule in achievement.rules:
            if isinstance(rule, MasteryRule):
                assert set(rule.codes) <= assessed, achievement.id
        if any(isinstance(r, MasteryRule) for r in achievement.rules):
            assert {a.code for a in achievement.alignments} <= assessed, achievement.id


def test_duration_days():
    assert achievements.duration_days("P3Y") == 3 * 365
    assert achievements.duration_days("P1Y6M") == 365 + 180
    assert achievements.duration_days("P0D") is None

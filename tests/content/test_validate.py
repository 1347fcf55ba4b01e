"""The validator on a tree of deliberately broken files, and on the real curriculum."""

from __future__ import annotations

from pathlib import Path

from app.content import validate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "curricula"
REPO = Path(__file__).resolve().parents[2]

# Every line the broken tree must produce, exactly as `flask curriculum validate` prints it.
EXPECTED = """\
course-a/course.yml:1:1: E-SCHEMA course.yml needs 'title'
course-a/course.yml:8:5: E-MISSING-FILE no module folder 'm-missing' with a module.yml
course-a/m-orphan/module.yml:1:1: W-ORPHAN-MODULE 'm-orphan' is not listed in course.yml
course-a/m1/a.md:1:1: E-FRONT-MATTER a lesson starts with '---', YAML fields and '---'
course-a/m1/b.md:4:15: E-UNKNOWN-COMPETENCY competency 'FW.ZZZ' is not in the framework
course-a/m1/b.md:7:1: E-BROKEN-LINK link 'nope.md' points to no lesson file
course-a/m1/b.md:7:1: W-RAW-HTML raw HTML '</b>' is shown as text
course-a/m1/b.md:7:1: W-RAW-HTML raw HTML '<b>' is shown as text
course-a/m1/b.md:9:1: E-MISSING-ASSET figure 'assets/none.png' does not exist
course-a/m1/b.md:11:1: E-UNSAFE-LINK a 'javascript:' link is refused
course-a/m1/b.md:19:3: E-QUIZ a single-choice quiz needs one correct choice, not 2
course-a/m1/b.md:28:7: E-QUIZ unknown quiz type 'essay'; use single, multiple, numeric, order
course-a/m1/b.md:37:1: E-YAML in quiz block: expected ',' or ']', but got '<stream end>'
course-a/m1/b.md:39:1: E-MISSING-LAB no notebook labs/lab-nowhere.ipynb
course-a/m1/c.md:2:1: E-DUP-ID lesson id 'lesson-b' is already used in course-a/m1/b.md
course-a/m1/c.md:2:5: W-NO-COMPETENCY this lesson is mapped to no competency
course-a/m1/module.yml:7:5: E-MISSING-FILE no lesson file 'missing.md'
course-a/m1/orphan.md:1:1: W-ORPHAN-LESSON 'orphan.md' is not listed in module.yml
frameworks/bad.yml:2:6: E-YAML expected ',' or ']', but got ':'
frameworks/fw.yml:13:19: E-UNKNOWN-COMPETENCY 'FW.A.2' precedes unknown 'FW.NOPE'
frameworks/fw.yml:10:19: E-CYCLE prerequisites go round in a circle: FW.A.1 → FW.A.2 → FW.A.1
frameworks/fw.yml:14:13: E-DUP-ID competency 'FW.A.1' is defined twice
"""


def test_broken_tree_reports_every_problem_with_its_location():
    _, problems = validate.load(FIXTURES / "broken", labs_root=FIXTURES / "no-labs")
    assert sorted(str(p) for p in problems.sorted()) == sorted(EXPECTED.splitlines())


def test_good_tree_has_no_errors():
    curriculum, problems = validate.load(FIXTURES / "good", labs_root=FIXTURES / "no-labs")
    assert problems.errors == []
    assert [p.code for p in problems.items] == ["W-LAB-PLANNED"]
    course = curriculum.courses[0]
    assert [lesson.id for lesson in course.lessons()] == ["demo-first", "demo-second", "demo-third"]
    assert [q.type for q in course.lessons()[0].questions] == ["single", "multiple"]


def test_the_shipped_curriculum_is_valid():
    """The course in curricula/ must always pass validation (planned labs are warnings)."""
    curriculum, problems = validate.load(REPO / "curricula", labs_root=REPO / "labs")
    assert [str(p) for p in problems.errors] == []
    assert {p.code for p in problems.items} <= {"W-LAB-PLANNED"}
    course = next(c for c in curriculum.courses if c.id == "smart-manufacturing-foundations")
    lessons = course.lessons()
    assert len(course.modules) >= 10 and len(lessons) >= 25
    words = sum(len(lesson.body.split()) for lesson in lessons)
    assert words >= 28_000, f"only {words} words"
    assert all(any(lesson.questions for lesson in module.lessons) for module in course.modules)
    assert all(any(lesson.labs for lesson in module.lessons) for module in course.modules)

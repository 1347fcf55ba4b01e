"""The course-hour estimate: what a course's text, quizzes and labs justify (app.content.hours)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from app.content import hours, validate
from app.content.labs import Lab, LabError, read_header

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "curricula"


def words(n: int, word: str = "valve") -> str:
    return " ".join([word] * n)


def write_course(root: Path, first_body: str, second_body: str, *, rti_hours: float = 1) -> Path:
    """A one-module course on the 'mini' framework; returns the labs folder beside it."""
    (root / "frameworks").mkdir(parents=True)
    shutil.copy(FIXTURES / "good" / "frameworks" / "mini.yml", root / "frameworks" / "mini.yml")
    course = root / "course"
    (course / "m1").mkdir(parents=True)
    (course / "course.yml").write_text(
        f"id: c\ntitle: C\nsummary: S.\nrti_hours: {rti_hours}\nversion: '1'\npublished: true\n"
        "framework: mini\nmodules: [m1]\n"
    )
    (course / "m1" / "module.yml").write_text(
        "id: m1\ntitle: M\nobjectives:\n  - text: Do it.\n    competencies: [MINI.A.2]\n"
        "lessons: [a.md, b.md]\n"
    )
    front = (
        "---\nid: {id}\ntitle: T\nminutes: 20\nobjectives: [{objective}]\n"
        "competencies: [MINI.A.1]\n---\n"
    )
    (course / "m1" / "a.md").write_text(front.format(id="a", objective=words(30)) + first_body)
    (course / "m1" / "b.md").write_text(front.format(id="b", objective="Two") + second_body)
    labs = root.parent / "labs"
    labs.mkdir()
    return labs


def quiz(ident: str, kind: str, explanation: str) -> str:
    body = (
        "answer: 1\ntolerance: 0\n"
        if kind == "numeric"
        else "choices:\n  - text: Right\n    correct: true\n  - Wrong\n"
    )
    return (
        f"\n```quiz\nid: {ident}\ntype: {kind}\nprompt: {words(40, 'what')}\n"
        f"competencies: [MINI.A.1]\n{body}explanation: {explanation}\n```\n"
    )


def lab(ident: str, *, planned: bool = False) -> str:
    extra = "planned: true\n" if planned else ""
    return f"\n```lab\nid: {ident}\ntitle: A lab\n{extra}```\n"


def notebook_lab(ident: str, minutes: int, competencies: tuple[str, ...]) -> Lab:
    return Lab(ident, "A lab", notebook=None, checks=(), competencies=competencies, minutes=minutes)


@pytest.fixture
def course(tmp_path):
    """Lesson a: exactly 260 prose words and two quiz items; lesson b: two labs, one planned."""
    first = (
        f"{words(247)}\n\n## Nine words in this heading and then one more\n\nend\n"
        f"\n```python\n{words(500, 'code')}\n```\n"  # code: not prose
        f"{quiz('q1', 'single', words(13, 'because'))}"
        f"{quiz('q2', 'numeric', words(26, 'because'))}"
        f"\nSee the source.[^1]\n\n[^1]: {words(80, 'citation')}\n"  # 3 words, not 83
    )
    second = lab("lab-written") + lab("lab-planned", planned=True)
    labs = write_course(tmp_path / "tree", first, second)
    (labs / "lab-written.ipynb").write_text("{}")  # the validator only asks that it exists
    curriculum, problems = validate.load(tmp_path / "tree", labs_root=labs)
    assert problems.errors == []
    return curriculum.courses[0]


def test_prose_counts_text_but_not_code_maths_footnotes_or_blocks():
    body = (
        "## Two words\n\nOne *two* `three` [four](x.md) five.[^1]\n\n"
        "![alt text is not read](assets/a.svg)\n\n"
        "| a | b |\n| --- | --- |\n| c d | e |\n\n"
        "::: warning Mind the gap\nInside the box.\n:::\n\n"
        "Energy is $E = P t$ — in joules.\n\n"
        "$$\nE = P \\cdot t\n$$\n\n"
        "```python\nnot counted at all\n```\n\n"
        "```quiz\nid: q\n```\n\n"
        "    indented code is code\n\n"
        "[^1]: A citation that is looked up, not studied.\n"
    )
    assert hours.prose_of(body) == hours.Prose(
        # 2 + 5 + 0 (alt) + 5 (table) + 3 (title) + 3 + 5 ("Energy is <formula> in joules")
        words=23,
        figures=1,
        equations=1,
        code_blocks=2,
    )


def test_a_lesson_of_n_words_reads_in_n_over_the_study_rate(course):
    """A course of 260 prose words, two quiz items and one written 40-minute lab."""
    labs = {"lab-written": notebook_lab("lab-written", 40, ("MINI.A.2.1",))}
    found = hours.measure(course, labs)
    assert hours.STUDY_WPM == 130
    assert found.prose == hours.Prose(words=260, figures=0, equations=0, code_blocks=1)
    assert found.estimate.reading == pytest.approx(2.0)  # 260 words / 130 wpm
    assert found.estimate.worked == pytest.approx(1.0)  # one code block
    # single: 1 min + 13 words / 130; numeric: 2 min + 26 words / 130
    assert found.estimate.quizzes == pytest.approx(1.1 + 2.2)
    assert found.estimate.labs == 40
    assert found.estimated_hours == pytest.approx((2 + 1 + 3.3 + 40) / 60)
    assert (found.lessons, found.modules, found.quiz_items, found.lesson_minutes) == (2, 1, 2, 40)
    assert found.labs == (
        hours.LabTime("lab-written", 40, written=True),
        hours.LabTime("lab-planned", 0, written=False),
    )
    # objectives (MINI.A.2), lessons and quizzes (MINI.A.1), the written lab (MINI.A.2.1)
    assert found.competencies == ("MINI.A.1", "MINI.A.2", "MINI.A.2.1")


def test_a_lab_named_twice_counts_once_and_a_missing_notebook_counts_nothing(course):
    again = replace(course.lessons()[0], labs=course.lessons()[1].labs)
    module = replace(course.modules[0], lessons=(again, course.lessons()[1]))
    twice = replace(course, modules=(module,))
    labs = {"lab-written": notebook_lab("lab-written", 40, ())}
    assert hours.measure(twice, labs).estimate.labs == 40
    assert [lab.id for lab in hours.measure(twice, labs).labs] == ["lab-written", "lab-planned"]
    assert hours.measure(twice, {}).estimate.labs == 0


def test_over_declared_only_beyond_a_quarter_above_the_estimate(course):
    labs = {"lab-written": notebook_lab("lab-written", 40, ())}
    estimated = hours.measure(course, labs).estimated_hours  # 46.3 min
    at_margin = hours.measure(replace(course, rti_hours=1.25 * estimated), labs)
    assert at_margin.ratio == pytest.approx(1.25) and not at_margin.over_declared
    above = hours.measure(replace(course, rti_hours=1.3 * estimated), labs)
    assert above.over_declared
    assert not hours.measure(replace(course, rti_hours=0.5), labs).over_declared


def test_a_course_with_nothing_to_time_justifies_no_hours(course):
    empty = replace(course, modules=())
    found = hours.measure(empty, {})
    assert found.estimated_hours == 0 and found.ratio is None and found.over_declared
    assert not hours.measure(replace(empty, rti_hours=0), {}).over_declared


def test_fixture_course_figures():
    curriculum, _ = validate.load(FIXTURES / "good", labs_root=FIXTURES / "no-labs")
    found = hours.measure(curriculum.courses[0], {})
    assert (found.lessons, found.quiz_items, found.prose.figures, found.prose.code_blocks) == (
        3,
        6,
        1,
        1,
    )
    assert found.labs == (hours.LabTime("lab-demo", 0, written=False),)  # planned
    assert found.competencies == ("MINI.A.1", "MINI.A.2", "MINI.A.2.1")
    # Two declared hours for a few minutes of text and six quiz items.
    assert found.declared_hours == 2 and found.estimated_hours < 0.25 and found.over_declared
    data = found.as_dict()
    assert data["id"] == "demo-course" and data["over_declared"] is True
    assert data["labs"] == [{"id": "lab-demo", "minutes": 0, "written": False}]


def test_total_adds_declared_and_estimated_hours(course):
    a = hours.measure(course, {})
    b = hours.measure(replace(course, id="other", rti_hours=3), {})
    total = hours.total([a, b])
    assert total.courses == 2 and total.declared_hours == 4
    assert total.estimated_hours == pytest.approx(2 * a.estimated_hours)
    assert hours.total([]).ratio is None


def lab_notebook(minutes) -> str:
    return json.dumps({"metadata": {"shopfloor": {"lab": {"id": "x", "minutes": minutes}}}})


@pytest.mark.parametrize(
    ("declared", "minutes", "warned"),
    [(1, 60, False), (1, 10, True), (0.25, 10, False)],
    ids=["the lab justifies it", "a short lab does not", "declared within the margin"],
)
def test_validate_warns_at_rti_hours_when_a_course_declares_more_than_it_justifies(
    tmp_path, declared, minutes, warned
):
    """2 min of prose and 1.1 min of quiz, plus the lab: 1 h needs a lab of 45 min or more."""
    first = f"{words(260)}\n{quiz('q1', 'single', words(13, 'because'))}"
    labs = write_course(tmp_path / "tree", first, lab("lab-written"), rti_hours=declared)
    (labs / "lab-written.ipynb").write_text(lab_notebook(minutes))
    _, problems = validate.load(tmp_path / "tree", labs_root=labs)
    shown = [str(p) for p in problems.items if p.code == "W-COURSE-HOURS"]
    if not warned:
        assert shown == []
        return
    assert shown == [
        f"course/course.yml:4:1: W-COURSE-HOURS declares {declared:g} RTI hours; its lessons, "
        "quizzes and labs justify about 0.2 (flask curriculum stats)"
    ]


@pytest.mark.parametrize(
    "content",
    ["{", "[" * 100_000 + "]" * 100_000, '{"metadata": []}', lab_notebook("ninety"),
     lab_notebook(True), lab_notebook(-5)],
    ids=["not JSON", "nested too deep", "no metadata", "text minutes", "true", "negative"],
)  # fmt: skip
def test_a_broken_lab_notebook_counts_no_time_and_validation_goes_on(tmp_path, content):
    labs = write_course(tmp_path / "tree", words(260), lab("lab-written"), rti_hours=0.05)
    (labs / "lab-written.ipynb").write_text(content)
    with pytest.raises(LabError, match="lab-written"):
        read_header(labs, "lab-written")
    curriculum, problems = validate.load(tmp_path / "tree", labs_root=labs)
    assert problems.errors == [] and len(curriculum.courses) == 1

"""`flask curriculum stats`: each course's figures, declared and estimated hours."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_CURRICULA

REPO = Path(__file__).resolve().parents[2]


def stats(app, *args: str):
    return app.test_cli_runner().invoke(args=["curriculum", "stats", *args])


def row(output: str, first_cell: str) -> list[str]:
    """The cells of the table row that starts with *first_cell* (cells: 2+ spaces apart)."""
    found = [line for line in output.splitlines() if line.startswith(first_cell + "  ")]
    assert len(found) == 1, output
    return re.split(r"\s{2,}", found[0].strip())


def test_stats_prints_a_row_totals_and_the_over_declared_note(app):
    """The fixture course declares 2 h for six quiz items and a few sentences."""
    result = stats(app, str(FIXTURE_CURRICULA / "good"))
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    assert re.split(r"\s{2,}", header) == [
        "course", "status", "modules", "lessons", "words", "figures", "quiz items", "labs",
        "competencies", "declared h", "estimated h", "declared/estimated",
    ]  # fmt: skip
    # 50 prose words, 1 figure + 1 code block, 6 quiz items: 9.8 min = 0.16 h; 2 / 0.163 = 12.25
    assert row(result.stdout, "demo-course") == [
        "demo-course", "published", "2", "3", "50", "1", "6", "0 (+1 planned)", "3",
        "2.0", "0.2", "12.25",
    ]  # fmt: skip
    assert row(result.stdout, "total, published (1 course)") == [
        "total, published (1 course)", "2.0", "0.2", "12.25",
    ]  # fmt: skip
    assert row(result.stdout, "total, with drafts (1 course)")[1:] == ["2.0", "0.2", "12.25"]
    assert (
        "demo-course declares 2 h; its material justifies about 0.2 h (reading 0.0 h, "
        "worked examples 0.0 h, quizzes 0.1 h, labs 0.0 h)."
    ) in result.stdout
    assert "130 words a minute" in result.stdout


def test_stats_json_gives_every_figure_and_the_model(app):
    result = stats(app, str(FIXTURE_CURRICULA / "good"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"courses", "totals", "model"}
    (course,) = data["courses"]
    assert {k: course[k] for k in ("id", "published", "modules", "lessons", "words")} == {
        "id": "demo-course",
        "published": True,
        "modules": 2,
        "lessons": 3,
        "words": 50,
    }
    assert (course["figures"], course["code_blocks"], course["quiz_items"]) == (1, 1, 6)
    assert course["labs"] == [{"id": "lab-demo", "minutes": 0, "written": False}]
    assert course["competencies"] == ["MINI.A.1", "MINI.A.2", "MINI.A.2.1"]
    assert course["lesson_minutes"] == 30 and course["declared_hours"] == 2.0
    parts = course["estimated_minutes"]
    assert set(parts) == {"reading", "worked", "quizzes", "labs"}
    assert course["estimated_hours"] == round(sum(parts.values()) / 60, 2) == 0.16
    assert course["over_declared"] is True and course["ratio"] == 12.25
    assert data["totals"]["published"] == data["totals"]["all"]
    assert data["totals"]["all"]["courses"] == 1 and data["totals"]["all"]["declared_hours"] == 2
    assert data["model"]["study_wpm"] == 130 and data["model"]["over_declared_ratio"] == 1.25


def test_a_written_lab_counts_its_minutes_and_an_honest_course_gets_no_note(make_app, tmp_path):
    """The fixture course with a real lab notebook, declaring 1 h for about 0.9 h of work."""
    tree = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", tree)
    labs = tmp_path / "labs"
    labs.mkdir()
    shutil.copy(REPO / "labs" / "lab-oee-historian.ipynb", labs)
    minutes = json.loads((labs / "lab-oee-historian.ipynb").read_text())["metadata"]["shopfloor"]
    minutes = minutes["lab"]["minutes"]
    lesson = tree / "demo-course" / "m1-basics" / "02-second.md"
    text = lesson.read_text().replace("id: lab-demo", "id: lab-oee-historian")
    lesson.write_text(text.replace("planned: true\n", ""))
    course_yml = tree / "demo-course" / "course.yml"
    course_yml.write_text(course_yml.read_text().replace("rti_hours: 2", "rti_hours: 1"))
    app = make_app(LABS_ROOT=str(labs))

    result = stats(app, str(tree))
    assert result.exit_code == 0, result.output
    cells = row(result.stdout, "demo-course")
    estimated = (9.8 + minutes) / 60  # the course's text and quizzes, plus the lab
    assert cells[7] == "1" and cells[9:11] == ["1.0", f"{estimated:.1f}"]
    assert "declares" not in result.stdout
    data = json.loads(stats(app, str(tree), "--json").stdout)["courses"][0]
    assert data["labs"] == [{"id": "lab-oee-historian", "minutes": minutes, "written": True}]
    assert data["estimated_minutes"]["labs"] == minutes
    assert "SM.KPI.1" in data["competencies"]  # the lab's own competency
    assert data["over_declared"] is False


def test_stats_refuses_a_tree_with_errors(app):
    result = stats(app, str(FIXTURE_CURRICULA / "broken"))
    assert result.exit_code == 1
    assert re.search(r"^\d+ errors: no figures for a broken tree\.$", result.stderr, re.M)
    assert "E-SCHEMA" in result.stderr
    assert result.stdout == ""


def test_stats_on_the_real_curriculum(app):
    """The shipped tree: its rows agree with the JSON, and the JSON with the files."""
    result = stats(app)
    assert result.exit_code == 0, result.output
    data = {c["id"]: c for c in json.loads(stats(app, "--json").stdout)["courses"]}
    foundations, draft = data["smart-manufacturing-foundations"], data["process-control"]
    assert foundations["published"] is True and draft["published"] is False
    for course in data.values():
        declared = re.search(
            r"^rti_hours: (\S+)$",
            (REPO / "curricula" / course["id"] / "course.yml").read_text(),
            re.M,
        )
        assert declared and course["declared_hours"] == float(declared.group(1))
        cells = row(result.stdout, course["id"])
        assert cells[1] == ("published" if course["published"] else "draft")
        assert cells[2:7] == [
            str(course[k]) for k in ("modules", "lessons", "words", "figures", "quiz_items")
        ]
        assert cells[9] == f"{course['declared_hours']:.1f}"
        # The table shows one decimal of the estimate, the JSON two: they agree to 0.05 h.
        assert float(cells[10]) == pytest.approx(course["estimated_hours"], abs=0.051)
        note = f"{course['id']} declares {course['declared_hours']:g} h; its material justifies"
        assert (note in result.stdout) == course["over_declared"]
    # Every written lab counts the minutes its notebook declares.
    for lab in foundations["labs"]:
        notebook = json.loads((REPO / "labs" / f"{lab['id']}.ipynb").read_text())
        assert (
            lab["written"] and lab["minutes"] == notebook["metadata"]["shopfloor"]["lab"]["minutes"]
        )
    assert foundations["estimated_minutes"]["labs"] == sum(
        lab["minutes"] for lab in foundations["labs"]
    )
    shown = [c for c in data.values() if c["published"]]
    published = row(
        result.stdout, f"total, published ({len(shown)} course{'s' * (len(shown) > 1)})"
    )
    assert float(published[1]) == round(sum(c["declared_hours"] for c in shown), 1)
    everything = row(result.stdout, f"total, with drafts ({len(data)} courses)")
    assert float(everything[1]) == round(sum(c["declared_hours"] for c in data.values()), 1)


def test_stats_is_listed_in_the_group_help(app):
    result = app.test_cli_runner().invoke(args=["curriculum", "--help"])
    assert result.exit_code == 0 and re.search(
        r"^\s+stats\s+Print each course", result.output, re.M
    )

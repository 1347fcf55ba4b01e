"""Oversized content: lessons, figures, YAML files and notebooks over their limits are errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content import hours, limits, markdown, validate
from tests.conftest import FIXTURE_CURRICULA


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    return root


def grow(path: Path, size: int) -> None:
    """Make *path* *size* bytes long (sparse, so the test writes next to nothing)."""
    with path.open("ab") as handle:
        handle.truncate(size)


def too_large(root: Path) -> list[str]:
    _, problems = validate.load(root, labs_root=root / "no-labs")
    return [str(p) for p in problems.sorted() if p.code == "E-TOO-LARGE"]


def test_limits_refuse_an_oversized_lesson(tree):
    lesson = tree / "demo-course/m1-basics/02-second.md"
    with lesson.open("a") as handle:
        handle.write("\nFiller text. " * (limits.LESSON_BYTES // 13))
    size = lesson.stat().st_size
    assert too_large(tree) == [
        f"demo-course/m1-basics/02-second.md:1:1: E-TOO-LARGE '02-second.md' is {size:,} bytes; "
        "the limit is 256 KB"
    ]
    curriculum, _ = validate.load(tree, labs_root=tree / "no-labs")
    assert "demo-second" not in [lesson.id for lesson in curriculum.courses[0].lessons()]


def test_limits_refuse_an_oversized_figure(tree):
    figure = tree / "demo-course/assets/huge.png"
    grow(figure, limits.ASSET_BYTES + 1)
    assert too_large(tree) == [
        "demo-course/assets/huge.png:1:1: E-TOO-LARGE 'huge.png' is 10,485,761 bytes; "
        "the limit is 10 MB"
    ]
    curriculum, _ = validate.load(tree, labs_root=tree / "no-labs")
    assert curriculum.courses[0].assets == ("assets/dot.svg",)


def test_limits_refuse_oversized_yaml_files(tree):
    grow(tree / "frameworks/mini.yml", limits.YAML_BYTES + 1)
    assert too_large(tree) == [
        "frameworks/mini.yml:1:1: E-TOO-LARGE 'mini.yml' is 262,145 bytes; the limit is 256 KB"
    ]


def test_markdown_nesting_is_bounded_where_lessons_are_scanned_and_rendered():
    """Deep nesting is what makes a lesson of unmatched '[' slow; beyond the limit it is text."""
    deep = "> " * 50 + "deep"
    html = "".join(part.html for part in markdown.render(deep).parts)
    assert html.count("<blockquote>") == limits.MARKDOWN_NESTING
    tokens = hours.block_parser().parse(deep)  # the parse lessons are checked and counted on
    assert sum(t.type == "blockquote_open" for t in tokens) == limits.MARKDOWN_NESTING


def test_limits_are_described_for_people():
    assert [limits.describe(n) for n in (12, 1536, 256 * 1024, 10 * limits.MB)] == [
        "12 bytes",
        "1.5 KB",
        "256 KB",
        "10 MB",
    ]

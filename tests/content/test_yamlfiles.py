"""Hostile YAML: every document is plain data, refused with a location in bounded time."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from app.content import validate, yamlfiles
from app.content.limits import YAML_BYTES, YAML_DEPTH
from app.content.yamlfiles import Mark, YamlError
from tests.conftest import FIXTURE_CURRICULA

REPO = Path(__file__).resolve().parents[2]


def bomb(levels: int = 9) -> str:
    """The billion laughs: each level names the one before nine times."""
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def refused(text: str, *, line_offset: int = 0) -> YamlError:
    started = time.monotonic()
    with pytest.raises(YamlError) as caught:
        yamlfiles.load(text, line_offset=line_offset)
    assert time.monotonic() - started < 2, "refusing took too long"
    return caught.value


@pytest.mark.parametrize(
    ("text", "mark", "message"),
    [
        (bomb(), Mark(1, 5), "anchors and aliases (&name, *name) are not allowed"),
        ("a: &a [*a]\n", Mark(1, 4), "anchors and aliases (&name, *name) are not allowed"),
        ("a: 1\nb: *a\n", Mark(2, 4), "anchors and aliases (&name, *name) are not allowed"),
        ("x: !!python/name:os.system\n", Mark(1, 4), "tags such as '!!python/name:os.system'"),
        ("x: !!python/object/apply:os.system [id]\n", Mark(1, 4), "tags such as '!!python/"),
        ("x: !!int zz\n", Mark(1, 4), "tags such as '!!int' are not allowed"),
        ("x: !local value\n", Mark(1, 4), "tags such as '!local' are not allowed"),
        ("x: 2024-13-45\n", Mark(1, 4), "'2024-13-45' cannot be read as a value"),
        ("x: " + "9" * 5000 + "\n", Mark(1, 4), "cannot be read as a value"),
        ("a: 1\nb: 2\na: 3\n", Mark(3, 1), "the key 'a' appears twice"),
        ("? [a]\n: b\n", Mark(1, 3), "keys must be plain values"),
    ],
)
def test_yaml_refuses_anything_but_plain_data(text, mark, message):
    error = refused(text)
    assert error.mark == mark
    assert message in error.message


def test_yaml_refuses_deep_nesting_before_recursing():
    """The document's own mapping is the first level."""
    error = refused("x: " + "[" * 50_000 + "]" * 50_000)
    assert error.message == f"lists and mappings are nested more than {YAML_DEPTH} levels deep"
    assert error.mark == Mark(1, 3 + YAML_DEPTH)
    levels = YAML_DEPTH - 1
    assert yamlfiles.load("x: " + "[" * levels + "]" * levels)["x"] is not None


def test_yaml_refuses_an_oversized_document():
    error = refused("x: '" + "a" * YAML_BYTES + "'\n", line_offset=4)
    assert error.mark == Mark(5, 1) and error.message.startswith("the YAML is 256 KB")


def test_yaml_marks_shift_with_the_line_offset():
    assert refused("a: 1\nb: *a\n", line_offset=10).mark == Mark(12, 4)


def test_yaml_still_reads_plain_documents():
    data = yamlfiles.load("id: x\nlist: [1, 2.5, true, null, '&not-an-anchor', '*nor-alias']\n")
    assert data == {"id": "x", "list": [1, 2.5, True, None, "&not-an-anchor", "*nor-alias"]}
    assert data.mark("list") == Mark(2, 7)
    assert yamlfiles.load("<<: merge-is-text\nx: =\n") == {"<<": "merge-is-text", "x": "="}


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    return root


def yaml_problems(root) -> list[str]:
    _, problems = validate.load(root, labs_root=root / "no-labs")
    return [str(p) for p in problems.sorted() if p.code == "E-YAML"]


def test_validate_locates_hostile_yaml_in_every_kind_of_file(tree):
    """Front matter, quiz blocks, course, module and framework files share the one loader."""
    lesson = tree / "demo-course/m1-basics/01-first.md"
    text = lesson.read_text().replace("minutes: 10", "minutes: !!int zz")
    lesson.write_text(text)
    second = tree / "demo-course/m1-basics/02-second.md"
    second.write_text(second.read_text().replace("type: numeric", "type: !!python/name:os.system"))
    (tree / "demo-course/m2-more/module.yml").write_text(bomb())
    framework = tree / "frameworks/mini.yml"
    framework.write_text(framework.read_text() + "loop: &a [*a]\n")
    found = yaml_problems(tree)
    assert [line.split(" ")[0] for line in found] == [
        "demo-course/m1-basics/01-first.md:4:10:",
        f"demo-course/m1-basics/02-second.md:{_quiz_type_line(second)}:7:",
        "demo-course/m2-more/module.yml:1:5:",
        f"frameworks/mini.yml:{len(framework.read_text().splitlines())}:7:",
    ]
    assert "tags such as '!!python/name:os.system' are not allowed" in found[1]


def test_validate_locates_deep_nesting_in_course_yml(tree):
    course = tree / "demo-course/course.yml"
    course.write_text(course.read_text() + "deep: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert yaml_problems(tree) == [
        f"demo-course/course.yml:13:{6 + YAML_DEPTH}: E-YAML lists and mappings are nested "
        f"more than {YAML_DEPTH} levels deep"
    ]


def _quiz_type_line(path) -> int:
    return next(
        number for number, line in enumerate(path.read_text().splitlines(), 1) if "!!python" in line
    )


def test_a_control_character_is_a_located_error_not_a_crash():
    """PyYAML's reader refuses it before parsing, with an error that carries no mark."""
    error = refused("id: a\nname: b\x01\n", line_offset=3)
    assert (error.message, error.mark) == ("character #x0001 is not allowed in YAML", Mark(5, 8))


def located(value):
    """A parsed value with every mark it carries, for comparing two parses."""
    if isinstance(value, dict):
        return (value.start, value.marks, {k: located(v) for k, v in value.items()})
    if isinstance(value, list):
        return (value.start, value.marks, [located(v) for v in value])
    return value


def test_the_c_parser_reads_every_shipped_document_as_the_python_one_does():
    """LibYAML is the fast path; it must give the same values and marks, or the same problem."""
    from app.content import yaml_parser

    assert yaml_parser._FastLoader is not None, "LibYAML is missing: validation is 5x slower"
    documents = [p.read_text() for folder in ("curricula", "badges")
                 for p in sorted((REPO / folder).rglob("*.yml"))]  # fmt: skip
    markdown = MarkdownIt("js-default")
    documents += [token.content for p in sorted((REPO / "curricula").rglob("*.md"))
                  for token in markdown.parse(p.read_text())
                  if token.type == "fence" and token.info.strip() in ("quiz", "lab")]  # fmt: skip
    assert len(documents) > 100
    for text in documents:
        assert outcome(yaml_parser.parse, text) == outcome(yaml_parser._parse_slowly, text)


def outcome(parse, text: str):
    """What parsing *text* gives: its located value, or the problem and where."""
    try:
        return located(parse(text, 3))
    except YamlError as exc:
        return exc.message, exc.mark

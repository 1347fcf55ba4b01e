"""Path confinement: nothing the loader reads is a link, a special file or outside its folder.

A course author controls every file and path in curricula/ and labs/; the server must
publish only regular files that really live in the course's folder.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from app.content import confined, validate, version
from tests.conftest import FIXTURE_CURRICULA

SECRET = "SHOPFLOOR_SECRET_KEY=do-not-publish"
FIRST = "demo-course/m1-basics/01-first.md"


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (tmp_path / "labs").mkdir()
    return root


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the curriculum that must never be read."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def check(root: Path):
    """Validate *root* in a thread, so a read that hangs (a FIFO) fails instead of hanging."""
    found: dict = {}

    def run() -> None:
        try:
            found["value"] = validate.load(root, labs_root=root.parent / "labs")
        except BaseException as exc:  # re-raised below, in the test's thread
            found["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "validation hung"
    if "error" in found:
        raise found["error"]
    return found["value"]


def lines(root: Path, *codes: str) -> list[str]:
    _, problems = check(root)
    return [str(p) for p in problems.sorted() if not codes or p.code in codes]


def lesson_ids(root: Path) -> list[str]:
    curriculum, _ = check(root)
    return [lesson.id for course in curriculum.courses for lesson in course.lessons()]


def test_confinement_refuses_a_linked_asset_to_a_file_outside(tree, secret):
    (tree / "demo-course/assets/env.png").symlink_to(secret)
    found = lines(tree, "E-SYMLINK")
    assert found == [
        f"demo-course/assets/env.png:1:1: E-SYMLINK 'env.png' is a symbolic link (to {secret}); "
        "links are refused, copy the file"
    ]
    curriculum, _ = check(tree)
    assert curriculum.courses[0].assets == ("assets/dot.svg",)


@pytest.mark.parametrize("target", ["/proc/self/environ", "/etc/passwd", "/dev/zero"])
def test_confinement_refuses_links_to_system_files(tree, target):
    (tree / "demo-course/assets/leak.png").symlink_to(target)
    assert [line.split(" ")[:2] for line in lines(tree, "E-SYMLINK")] == [
        ["demo-course/assets/leak.png:1:1:", "E-SYMLINK"]
    ]


def test_confinement_refuses_a_link_inside_the_course_too(tree):
    """Decision: a link is refused even when it points inside the course (copy the file)."""
    (tree / "demo-course/assets/alias.svg").symlink_to("dot.svg")
    assert lines(tree, "E-SYMLINK") == [
        "demo-course/assets/alias.svg:1:1: E-SYMLINK 'alias.svg' is a symbolic link "
        "(to dot.svg); links are refused, copy the file"
    ]
    curriculum, _ = check(tree)
    assert curriculum.courses[0].assets == ("assets/dot.svg",)


def test_confinement_refuses_a_linked_lesson(tree, tmp_path):
    lesson = tree / "demo-course/m1-basics/02-second.md"
    outside = tmp_path / "outside.md"
    shutil.copyfile(lesson, outside)
    lesson.unlink()
    lesson.symlink_to(outside)
    assert [line.split(" ")[:2] for line in lines(tree, "E-SYMLINK")] == [
        ["demo-course/m1-basics/02-second.md:1:1:", "E-SYMLINK"]
    ]
    assert "demo-second" not in lesson_ids(tree)


def test_confinement_refuses_a_linked_course_folder(tree, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(tree / "demo-course", elsewhere)
    (elsewhere / "course.yml").write_text(
        (elsewhere / "course.yml").read_text().replace("demo-course", "linked-course")
    )
    (tree / "linked-course").symlink_to(elsewhere, target_is_directory=True)
    assert [line.split(" ")[:2] for line in lines(tree, "E-SYMLINK")] == [
        ["linked-course:1:1:", "E-SYMLINK"]
    ]
    curriculum, _ = check(tree)
    assert [course.id for course in curriculum.courses] == ["demo-course"]


def test_confinement_refuses_linked_module_folders_and_framework_files(tree, tmp_path):
    module = tree / "demo-course/m2-more"
    module.rename(tmp_path / "m2-more")
    module.symlink_to(tmp_path / "m2-more", target_is_directory=True)
    framework = tree / "frameworks/mini.yml"
    framework.rename(tmp_path / "mini.yml")
    framework.symlink_to(tmp_path / "mini.yml")
    found = [line.split(" ")[:2] for line in lines(tree, "E-SYMLINK")]
    assert found == [
        ["demo-course/m2-more:1:1:", "E-SYMLINK"],
        ["frameworks/mini.yml:1:1:", "E-SYMLINK"],
    ]
    curriculum, _ = check(tree)
    assert curriculum.frameworks == () and "demo-third" not in lesson_ids(tree)


def test_confinement_refuses_a_link_nobody_reads(tree, secret):
    """No link anywhere: one that no loader reads today could be read by tomorrow's."""
    (tree / "notes.md").symlink_to(secret)
    assert [line.split(" ")[:2] for line in lines(tree, "E-SYMLINK")] == [
        ["notes.md:1:1:", "E-SYMLINK"]
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../../x.md", "'../../x.md' leads outside its folder"),
        ("../../../../../../etc/passwd", "'../../../../../../etc/passwd' leads outside its folder"),
        ("/etc/passwd", "'/etc/passwd' is an absolute path; write it relative"),
    ],
)
def test_confinement_refuses_lesson_paths_out_of_the_course(tree, entry, message):
    module = tree / "demo-course/m1-basics/module.yml"
    module.write_text(module.read_text().replace("02-second.md", entry))
    (tree / "x.md").write_text((tree / FIRST).read_text().replace("demo-first", "x"))
    assert lines(tree, "E-UNSAFE-PATH") == [
        f"demo-course/m1-basics/module.yml:9:5: E-UNSAFE-PATH {message}"
    ]
    assert "x" not in lesson_ids(tree)


@pytest.mark.parametrize("entry", ["../../x", "/srv", "/"])
def test_confinement_refuses_module_paths_out_of_the_course(tree, entry):
    course = tree / "demo-course/course.yml"
    course.write_text(course.read_text().replace("  - m2-more", f"  - {entry}"))
    found = lines(tree, "E-UNSAFE-PATH")
    assert len(found) == 1 and found[0].startswith("demo-course/course.yml:12:5: E-UNSAFE-PATH")


def test_confinement_allows_a_lesson_in_another_folder_of_the_course(tree):
    module = tree / "demo-course/m1-basics/module.yml"
    module.write_text(module.read_text().replace("02-second.md", "./sub/../02-second.md"))
    assert lines(tree, "E-UNSAFE-PATH", "E-MISSING-FILE") == []
    assert "demo-second" in lesson_ids(tree)


@pytest.mark.parametrize(
    ("src", "code"),
    [
        ("../../../../../../etc/passwd", "E-UNSAFE-PATH"),
        ("/etc/passwd", "E-UNSAFE-PATH"),
        ("assets/../../secret.txt", "E-MISSING-ASSET"),  # fine from the lesson, but no asset
    ],
)
def test_confinement_refuses_figures_out_of_the_course(tree, src, code):
    lesson = tree / FIRST
    lesson.write_text(lesson.read_text().replace("assets/dot.svg", src))
    found = lines(tree, "E-UNSAFE-PATH", "E-MISSING-ASSET")
    assert len(found) == 1 and found[0].startswith(f"{FIRST}:16:1: {code}")


def test_confinement_refuses_a_figure_reached_through_a_linked_folder(tree, tmp_path):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics/dot.svg").write_text("<svg/>")
    (tree / "demo-course/assets/pics").symlink_to(tmp_path / "pics", target_is_directory=True)
    lesson = tree / FIRST
    lesson.write_text(lesson.read_text().replace("assets/dot.svg", "assets/pics/dot.svg"))
    assert [line.split(" ")[:2] for line in lines(tree, "E-SYMLINK", "E-MISSING-ASSET")] == [
        ["demo-course/assets/pics:1:1:", "E-SYMLINK"]
    ]
    curriculum, _ = check(tree)
    assert curriculum.courses[0].assets == ("assets/dot.svg",)


def test_confinement_refuses_fifos_without_hanging(tree):
    os.mkfifo(tree / "demo-course/assets/pipe.png")
    lesson = tree / "demo-course/m1-basics/02-second.md"
    lesson.unlink()
    os.mkfifo(lesson)
    found = [line.split(" ")[:2] for line in lines(tree, "E-SPECIAL-FILE")]
    assert found == [
        ["demo-course/assets/pipe.png:1:1:", "E-SPECIAL-FILE"],
        ["demo-course/m1-basics/02-second.md:1:1:", "E-SPECIAL-FILE"],
    ]


def test_confinement_refuses_linked_and_oversized_lab_notebooks(tree, secret):
    labs = tree.parent / "labs"
    (labs / "lab-leak.ipynb").symlink_to(secret)
    (labs / "learner").mkdir()
    with (labs / "learner/lab-big.ipynb").open("wb") as handle:
        handle.truncate(5 * 1024 * 1024 + 1)
    found = lines(tree, "E-SYMLINK", "E-TOO-LARGE")
    assert [line.split(" ")[:2] for line in found] == [
        [f"{labs}/lab-leak.ipynb:1:1:", "E-SYMLINK"],
        [f"{labs}/learner/lab-big.ipynb:1:1:", "E-TOO-LARGE"],
    ]


def test_the_content_hash_reads_no_link_or_fifo(tree, secret):
    before = version.content_hash(tree)
    (tree / "leak.md").symlink_to(secret)
    os.mkfifo(tree / "pipe")
    assert version.content_hash(tree) == before


def test_confined_reads_refuse_links_on_the_way_and_at_the_root(tmp_path, secret):
    (tmp_path / "real").mkdir()
    (tmp_path / "real/a.md").write_text("a")
    (tmp_path / "real/linked").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "root-link").symlink_to(tmp_path / "real", target_is_directory=True)
    assert confined.read_bytes(tmp_path / "real", "a.md", limit=10) == b"a"
    with pytest.raises(confined.Refused) as linked:
        confined.read_bytes(tmp_path / "real", "linked/secret.txt", limit=100)
    assert (linked.value.code, linked.value.path) == ("E-SYMLINK", tmp_path / "real/linked")
    with pytest.raises(confined.Refused, match="symbolic link"):
        confined.read_bytes(tmp_path / "root-link", "a.md", limit=10)
    with pytest.raises(confined.Refused, match="the limit is 1 bytes") as large:
        confined.read_bytes(tmp_path, "secret.txt", limit=1)
    assert large.value.code == "E-TOO-LARGE"


def test_confined_replace_file_replaces_a_link_instead_of_writing_through_it(tmp_path, secret):
    (tmp_path / "out").mkdir()
    (tmp_path / "out/lab.ipynb").symlink_to(secret)
    confined.replace_file(tmp_path / "out", "lab.ipynb", b"{}")
    assert secret.read_text() == SECRET
    assert not (tmp_path / "out/lab.ipynb").is_symlink()
    assert (tmp_path / "out/lab.ipynb").read_bytes() == b"{}"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["lab.ipynb"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a/./b/../c.md", "a/c.md"), ("", "."), ("a/..", ".")],
)
def test_confined_relative_folds_dots(path, expected):
    assert str(confined.relative(path)) == expected


@pytest.mark.parametrize("path", ["/etc/passwd", "..", "a/../../b", "a\0b"])
def test_confined_relative_refuses_paths_out_of_the_root(path):
    with pytest.raises(confined.Refused) as refused:
        confined.relative(path)
    assert refused.value.code == "E-UNSAFE-PATH" and refused.value.path is None

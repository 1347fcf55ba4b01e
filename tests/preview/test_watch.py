"""The watcher: stat polling that reports which files changed, and nothing else."""

from __future__ import annotations

import os
import threading

from app.preview.watch import Watcher, changed, snapshot


def test_watcher_reports_a_new_file_an_edit_and_a_removal(tmp_path):
    (tmp_path / "course").mkdir()
    lesson = tmp_path / "course" / "01.md"
    lesson.write_text("one")
    watcher = Watcher([tmp_path])
    assert watcher.poll() == set()

    lesson.write_text("one, edited")
    assert watcher.poll() == {lesson}
    assert watcher.poll() == set()  # reported once

    added = tmp_path / "course" / "02.md"
    added.write_text("two")
    lesson.unlink()
    assert watcher.poll() == {added, lesson}


def test_watcher_sees_an_edit_that_keeps_the_size(tmp_path):
    """A typo fixed in place: same size; the modification time tells it apart."""
    lesson = tmp_path / "01.md"
    lesson.write_text("teh scan")
    before = lesson.stat()
    watcher = Watcher([tmp_path])
    lesson.write_text("the scan")
    os.utime(lesson, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert watcher.poll() == {lesson}


def test_watcher_sees_a_file_saved_by_renaming_over_it(tmp_path):
    lesson = tmp_path / "01.md"
    lesson.write_text("abc")
    watcher = Watcher([tmp_path])
    fresh = tmp_path / "01.md.new"
    fresh.write_text("xyz")
    stat = lesson.stat()
    os.utime(fresh, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time
    fresh.replace(lesson)  # a new inode
    assert watcher.poll() == {lesson}


def test_watcher_skips_caches_and_editor_files(tmp_path):
    watcher = Watcher([tmp_path])
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "gen.cpython-311.pyc").write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_bytes(b"x")
    (tmp_path / ".01.md.swp").write_bytes(b"x")
    (tmp_path / "01.md~").write_bytes(b"x")
    assert watcher.poll() == set()


def test_watcher_notes_a_link_without_following_it(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("x")
    watched = tmp_path / "tree"
    watched.mkdir()
    (watched / "link").symlink_to(outside, target_is_directory=True)
    assert set(snapshot([watched])) == {watched / "link"}


def test_a_missing_folder_is_empty_until_it_appears(tmp_path):
    badges = tmp_path / "badges"
    watcher = Watcher([badges])
    badges.mkdir()
    (badges / "a.yml").write_text("id: a")
    assert watcher.poll() == {badges / "a.yml"}


def test_changed_compares_two_snapshots():
    a, b = {"x": (1, 1, 1), "y": (1, 1, 1)}, {"y": (2, 1, 1), "z": (1, 1, 1)}
    assert changed(a, b) == {"x", "y", "z"}


def test_watcher_run_calls_back_until_stopped(tmp_path):
    lesson = tmp_path / "01.md"
    lesson.write_text("one")
    watcher = Watcher([tmp_path], interval=0.01)
    seen: list[set] = []
    called, stop = threading.Event(), threading.Event()

    def on_change(paths):
        seen.append(paths)
        called.set()

    thread = threading.Thread(target=watcher.run, args=(on_change, stop), daemon=True)
    thread.start()
    lesson.write_text("one, edited")
    assert called.wait(timeout=10), "the watcher reported nothing within 10 s"
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert seen[0] == {lesson}

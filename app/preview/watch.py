"""Which files changed under a few folders, found by polling their size and times.

Polling costs one ``scandir`` per folder per interval (a few milliseconds for the shipped
curricula/ and labs/), needs no dependency, and sees edits that file-system events miss:
network shares, container mounts, and editors that save by renaming a new file over the old.
A file counts as changed when it appears, disappears, or its modification time, size or
inode differ from the last poll. Links are noted, never followed (the loader refuses them).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

Signature = tuple[int, int, int]  # (modification time in ns, size in bytes, inode)

# Folders never looked into: version control, caches, Jupyter's autosaves.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", "node_modules"})


def _skipped_file(name: str) -> bool:
    """An editor's swap, backup or lock file: it changes on every keystroke, not on a save."""
    return name.startswith((".#", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


def snapshot(roots: Iterable[Path]) -> dict[Path, Signature]:
    """The signature of every file under *roots* (missing roots are empty)."""
    found: dict[Path, Signature] = {}
    for root in roots:
        _scan(Path(root), found)
    return found


def _scan(folder: Path, found: dict[Path, Signature]) -> None:
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # removed while we looked
            continue
        if stat.S_ISDIR(info.st_mode):
            if entry.name not in SKIP_DIRS:
                _scan(Path(entry.path), found)
        elif not _skipped_file(entry.name):
            found[Path(entry.path)] = (info.st_mtime_ns, info.st_size, info.st_ino)


def changed(before: dict[Path, Signature], after: dict[Path, Signature]) -> set[Path]:
    """Paths added, removed or altered between two snapshots."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


class Watcher:
    """Polls *roots* every *interval* seconds and reports the paths that changed."""

    def __init__(self, roots: Iterable[Path], *, interval: float = 0.5) -> None:
        self.roots = tuple(Path(root) for root in roots)
        self.interval = interval
        self._last = snapshot(self.roots)

    def poll(self) -> set[Path]:
        """The paths that changed since the last poll (or since the watcher was made)."""
        now = snapshot(self.roots)
        found = changed(self._last, now)
        self._last = now
        return found

    def run(self, on_change: Callable[[set[Path]], object], stop: threading.Event) -> None:
        """Call *on_change* with each poll's changes until *stop* is set.

        *on_change* runs in this thread, so changes made while it runs are reported by the
        next poll, never lost.
        """
        while not stop.wait(self.interval):
            found = self.poll()
            if found:
                on_change(found)

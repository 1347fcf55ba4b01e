"""Which version of the curriculum files is being loaded: a git commit, else a content hash."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from app.content import confined


def content_hash(root: Path) -> str:
    """SHA-256 over every regular file's relative path and bytes, in a stable order.

    Links and special files are not followed or read (validation refuses them anyway).
    """
    digest = hashlib.sha256()
    for entry in confined.walk(root):
        if entry.kind != "file":
            continue
        digest.update(entry.path.as_posix().encode() + b"\0")
        file_digest = hashlib.sha256()
        with confined.open_file(root, entry.path) as handle:
            while chunk := handle.read(1 << 20):
                file_digest.update(chunk)
        digest.update(file_digest.digest())
    return digest.hexdigest()


def describe(root: Path) -> str:
    """``git:<commit>`` when *root* is committed and clean in git, else ``sha256:<hash>``."""
    commit = _git_commit(root)
    if commit:
        return f"git:{commit[:12]}"
    return f"sha256:{content_hash(root)[:16]}"


def _git_commit(root: Path) -> str | None:
    """The commit of *root* when it is clean in the repository that holds it.

    Git is asked only when the repository lies above *root* (curricula/ inside the app's
    clone): a ``.git`` that came with the content could set core.fsmonitor or a filter
    driver, commands that ``git status`` would run.
    """
    git = shutil.which("git")
    if git is None or os.path.lexists(root / ".git"):
        return None
    try:
        dirty = subprocess.run(  # noqa: S603 - fixed arguments
            [
                git,
                "-C",
                str(root),
                "-c",
                "core.fsmonitor=false",
                "status",
                "--porcelain",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
        commit = subprocess.run(  # noqa: S603
            [git, "-C", str(root), "log", "-1", "--format=%H", "--", "."],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return None
    return commit if commit and not dirty else None

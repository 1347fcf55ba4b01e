"""Which version of the curriculum files is being loaded: a git commit, else a content hash."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path


def content_hash(root: Path) -> str:
    """SHA-256 over every file's relative path and bytes, in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def describe(root: Path) -> str:
    """``git:<commit>`` when *root* is committed and clean in git, else ``sha256:<hash>``."""
    commit = _git_commit(root)
    if commit:
        return f"git:{commit[:12]}"
    return f"sha256:{content_hash(root)[:16]}"


def _git_commit(root: Path) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        dirty = subprocess.run(  # noqa: S603 - fixed arguments
            [git, "-C", str(root), "status", "--porcelain", "--", "."],
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

"""The content version: a git commit when the app's clone holds the curriculum, else a hash."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.content import version

GIT = shutil.which("git")


@pytest.mark.skipif(GIT is None, reason="needs git")
def test_a_git_folder_that_came_with_the_content_runs_nothing(tmp_path):
    """A .git inside the curriculum could make `git status` run its core.fsmonitor."""
    root = tmp_path / "curricula"
    root.mkdir()
    (root / "course.yml").write_text("id: x\n")
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    for args in (["init", "-q"], ["config", "core.fsmonitor", str(hook)]):
        subprocess.run([GIT, "-C", str(root), *args], check=True)  # noqa: S603
    assert version.describe(root).startswith("sha256:")
    assert not marker.exists()

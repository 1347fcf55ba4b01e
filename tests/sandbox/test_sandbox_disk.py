"""A notebook that writes everywhere it can reach is stopped at the lab's disk limit, and the
host's disk keeps nothing of it: every writable place inside the sandbox is the sandbox's own
size-limited memory, never a folder or a file of the host."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from pathlib import Path

import pytest

from app.sandbox.base import STATUS_TEXT
from app.sandbox.kernel import RUNTIME_ROOT
from app.sandbox.sessions import SessionManager
from tests.sandbox.conftest import FAST, text

MB = 1024 * 1024
LIMITS = dataclasses.replace(FAST, cell_seconds=60, disk_mb=32, file_mb=8)

# What an attacker does: find every place it may write (its working folder, its home, /tmp,
# the folder of its connection file, the folder of its sockets, every read-write mount, and
# every file it holds open for writing), then write files there until refused. It prints
# how much each place took.
ATTACK = r"""
import json, os, stat, sys
MB = 1024 * 1024
CAP = 40 * MB  # per place: far more than the lab's disk limit

connection = sys.argv[sys.argv.index("-f") + 1]
places = {os.getcwd(), os.path.expanduser("~"), "/tmp", os.path.dirname(connection)}
places.add(os.path.dirname(json.load(open(connection))["ip"]))
for line in open("/proc/self/mounts"):
    point, options = line.split()[1], line.split()[3].split(",")
    if "rw" in options and not point.startswith(("/proc", "/sys")):
        for root, dirs, files in os.walk(point):
            if os.access(root, os.W_OK):
                places.add(root)

def fill(folder):
    written, chunk = 0, b"x" * MB
    try:
        for number in range(10_000):
            with open(os.path.join(folder, f"fill-{number}"), "wb") as out:
                for _ in range(4):
                    out.write(chunk)
                    written += MB
                    if written >= CAP:
                        return written, "cap"
    except OSError as exc:
        return written, exc.strerror
    return written, "cap"

took = {}
for place in sorted(places):
    if os.path.isdir(place):
        took[place] = fill(place)
for fd in map(int, os.listdir("/proc/self/fd")):
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            continue
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue
    written, why = 0, "cap"
    try:
        while written < CAP:
            written += os.write(fd, b"y" * MB)
    except OSError as exc:
        why = exc.strerror
    took[f"fd {fd}: {target}"] = (written, why)
print(json.dumps(took))
"""

CONNECTION_FOLDER = (
    "import os, sys\n"
    "folder = os.path.dirname(sys.argv[sys.argv.index('-f') + 1])\n"
    "with open(os.path.join(folder, 'more'), 'wb') as out:\n"
    "    while True:\n"
    "        out.write(b'z' * 1024 * 1024)"
)


def host_bytes(folder: Path) -> int:
    """What *folder* holds on the host's disk, its symbolic links not followed."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # a file going as we count
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


@pytest.fixture
def sessions(executor):
    manager = SessionManager(executor.config(LIMITS), idle_seconds=600)
    yield manager
    manager.close()


def test_writing_everywhere_reachable_fills_only_the_sandbox_and_stops_at_the_disk_limit(
    sessions,
):
    kernel = sessions.start("mallory")
    folder = RUNTIME_ROOT / kernel
    before = host_bytes(folder)

    attack = sessions.execute("mallory", ATTACK)
    took = json.loads(text(attack))
    # The attacker looked where it should have (its home, /tmp, its connection file's and
    # its sockets' folders), and every place it found refused it early.
    assert {"/home/learner", "/tmp"} <= set(took) and len(took) >= 4, took  # noqa: S108
    assert not [place for place, (_, why) in took.items() if why == "cap"], took
    accepted = sum(written for written, _ in took.values())
    assert accepted <= (LIMITS.disk_mb + 1) * MB, took

    stopped = sessions.execute("mallory", CONNECTION_FOLDER)
    assert stopped.status == "disk", stopped.as_dict()
    assert stopped.as_dict()["message"] == STATUS_TEXT["disk"]

    # Measured while the kernel still runs: the host's folder of this kernel grew by next
    # to nothing, whatever the learner wrote.
    assert host_bytes(folder) - before < 256 * 1024
    assert sessions.execute("mallory", "print('still here')").status == "ok"
    sessions.shutdown("mallory")
    assert not folder.exists()


def test_every_writable_mount_inside_is_the_sandbox_own_and_limited(run):
    """Read-write mounts of a host filesystem (a --bind) would let a notebook fill the host."""
    code = r"""
import os, stat
for line in open("/proc/self/mounts"):
    source, point, kind, options = line.split()[:4]
    if "rw" not in options.split(","):
        continue
    mode = os.stat(point).st_mode
    print(point, kind, "size=" in options, "dir" if stat.S_ISDIR(mode) else "node")
"""
    mounts = [line.split() for line in text(run(code).cells[0]).splitlines()]
    assert mounts
    for point, kind, sized, what in mounts:
        if kind == "tmpfs":
            assert sized == "True", (point, "a tmpfs without a size limit")
        elif kind in ("proc", "devpts"):
            continue
        else:  # a host filesystem: only device nodes (/dev/null, …), where nothing is stored
            assert what == "node" and point.startswith("/dev/"), (point, kind)

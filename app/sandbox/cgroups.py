"""Per-kernel control groups for memory and process limits, where the host allows them.

Works with cgroup v2 (memory.max, pids.max) and with v1 hierarchies (memory, pids). If
neither can be used, ``create`` returns None and the launcher falls back to rlimits.
Standard library only: the sandbox launcher imports this file as a plain script.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


@dataclass
class Cgroup:
    version: int
    paths: dict[str, str] = field(default_factory=dict)  # controller ("memory"/"pids"/"v2") → dir

    def to_json(self) -> dict:
        return {"version": self.version, "paths": self.paths}

    @classmethod
    def from_json(cls, data: dict) -> Cgroup:
        return cls(data["version"], dict(data["paths"]))


def create(name: str, *, memory_bytes: int, pids: int) -> Cgroup | None:
    """Make a cgroup called *name* with the two limits, or return None if we may not."""
    try:
        if (ROOT / "cgroup.controllers").is_file():
            return _create_v2(name, memory_bytes, pids)
        return _create_v1(name, memory_bytes, pids)
    except OSError:
        return None


def _create_v2(name: str, memory_bytes: int, pids: int) -> Cgroup | None:
    parent = ROOT / "shopfloor"
    parent.mkdir(exist_ok=True)
    for level in (ROOT, parent):
        (level / "cgroup.subtree_control").write_text("+memory +pids")
    path = parent / name
    path.mkdir()
    (path / "memory.max").write_text(str(memory_bytes))
    if (path / "memory.swap.max").exists():
        (path / "memory.swap.max").write_text("0")
    (path / "pids.max").write_text(str(pids))
    return Cgroup(2, {"v2": str(path)})


def _own_v1_path(controller: str) -> str:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    raise OSError(f"no v1 {controller} hierarchy")


def _create_v1(name: str, memory_bytes: int, pids: int) -> Cgroup | None:
    paths = {}
    for controller in ("memory", "pids"):
        base = ROOT / controller
        if not base.is_dir():
            return None
        path = base / _own_v1_path(controller).lstrip("/") / f"shopfloor-{name}"
        path.mkdir()
        paths[controller] = str(path)
    memory = Path(paths["memory"])
    (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
    if (memory / "memory.memsw.limit_in_bytes").exists():
        (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
    (Path(paths["pids"]) / "pids.max").write_text(str(pids))
    return Cgroup(1, paths)


def attach(group: Cgroup, pid: int) -> None:
    for path in group.paths.values():
        (Path(path) / "cgroup.procs").write_text(str(pid))


def oom_killed(group: Cgroup) -> bool:
    """Did the memory limit kill something in this group?"""
    try:
        if group.version == 2:
            return _event(Path(group.paths["v2"]) / "memory.events", "oom_kill") > 0
        control = (Path(group.paths["memory"]) / "memory.oom_control").read_text()
        return (
            _field(control, "oom_kill") > 0
            or _event(Path(group.paths["memory"]) / "memory.failcnt", None) > 0
        )
    except OSError:
        return False


def pids_exhausted(group: Cgroup) -> bool:
    """Was a fork or thread refused because of the process limit?"""
    try:
        path = Path(group.paths.get("v2") or group.paths["pids"]) / "pids.events"
        return _event(path, "max") > 0
    except OSError:
        return False


def remove(group: Cgroup) -> None:
    """Kill whatever is still in the group and delete it."""
    for path in group.paths.values():
        procs = Path(path) / "cgroup.procs"
        for _ in range(50):
            try:
                pids = [int(p) for p in procs.read_text().split()]
            except OSError:
                break
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.rmdir(path)


def _event(path: Path, key: str | None) -> int:
    text = path.read_text().strip()
    if key is None:
        return int(text or 0)
    return _field(text, key)


def _field(text: str, key: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            return int(parts[1])
    return 0

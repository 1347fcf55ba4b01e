"""Per-kernel control groups for memory, process and CPU limits, where the host allows them.

Works with cgroup v2 (memory.max, pids.max, cpu.max) and with v1 hierarchies (memory, pids,
cpu). If memory and pids cannot be used, ``create`` returns None and the launcher falls back
to rlimits. CPU: every kernel's group is a sibling with the same weight, so the scheduler
shares the cores between kernels, not between processes: a learner who starts forty busy
processes (even in sessions of their own) competes as one, and a quota caps each kernel at
``cpu_share`` cores. Without the cpu controller that protection is missing (logged once).
Standard library only: the sandbox launcher imports this file as a plain script.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000  # the CFS period the quota is measured against
logger = logging.getLogger(__name__)


@dataclass
class Cgroup:
    version: int
    paths: dict[str, str] = field(default_factory=dict)  # controller ("memory"/"pids"/"v2") → dir

    def to_json(self) -> dict:
        return {"version": self.version, "paths": self.paths}

    @classmethod
    def from_json(cls, data: dict) -> Cgroup:
        return cls(data["version"], dict(data["paths"]))


def create(name: str, *, memory_bytes: int, pids: int, cpu_share: float = 1.0) -> Cgroup | None:
    """Make a cgroup called *name* with the limits, or return None if we may not."""
    try:
        if (ROOT / "cgroup.controllers").is_file():
            group = _create_v2(name, memory_bytes, pids)
        else:
            group = _create_v1(name, memory_bytes, pids)
    except OSError:
        return None
    if group is not None:
        _limit_cpu(group, name, cpu_share)
    return group


def _create_v2(name: str, memory_bytes: int, pids: int) -> Cgroup | None:
    parent = ROOT / "shopfloor"
    parent.mkdir(exist_ok=True)
    for level in (ROOT, parent):
        (level / "cgroup.subtree_control").write_text("+memory +pids")
        with contextlib.suppress(OSError):  # the cpu controller is optional (see _limit_cpu)
            (level / "cgroup.subtree_control").write_text("+cpu")
    path = parent / name
    path.mkdir()
    (path / "memory.max").write_text(str(memory_bytes))
    if (path / "memory.swap.max").exists():
        (path / "memory.swap.max").write_text("0")
    (path / "pids.max").write_text(str(pids))
    return Cgroup(2, {"v2": str(path)})


def _limit_cpu(group: Cgroup, name: str, cpu_share: float) -> None:
    """Give the group the default weight (as every kernel) and a quota of *cpu_share* cores."""
    quota = max(1000, int(cpu_share * PERIOD_US))
    try:
        if group.version == 2:
            path = Path(group.paths["v2"])
            (path / "cpu.weight").write_text("100")
            (path / "cpu.max").write_text(f"{quota} {PERIOD_US}")
            return
        base = ROOT / "cpu"
        if not base.is_dir():
            raise OSError("no v1 cpu hierarchy")
        path = base / _own_v1_path("cpu").lstrip("/") / f"shopfloor-{name}"
        path.mkdir()
        group.paths["cpu"] = str(path)
        (path / "cpu.shares").write_text("1024")
        (path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (path / "cpu.cfs_quota_us").write_text(str(quota))
    except OSError as exc:
        _warn_no_cpu_control(exc)


def has_cpu_control(group: Cgroup | None) -> bool:
    """Does this kernel's group share and cap the CPU?"""
    if group is None:
        return False
    if group.version == 2:
        return (Path(group.paths["v2"]) / "cpu.max").exists()
    return "cpu" in group.paths


_warned: list[bool] = []


def _warn_no_cpu_control(exc: OSError) -> None:
    if not _warned:
        _warned.append(True)
        logger.warning(
            "kernels get no CPU share or quota here (%s): one learner's busy processes can "
            "slow everyone else's kernels",
            exc,
        )


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


def memory_bytes(group: Cgroup) -> int:
    """The memory the group's processes use now (0 if it cannot be read)."""
    try:
        if group.version == 2:
            return _event(Path(group.paths["v2"]) / "memory.current", None)
        return _event(Path(group.paths["memory"]) / "memory.usage_in_bytes", None)
    except (OSError, KeyError, ValueError):
        return 0


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

"""Memory of processes and of sandboxed kernels, read from /proc (Linux), for the benchmarks."""

from __future__ import annotations

from pathlib import Path


def available_mib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    return children


def tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; PSS falls back to RSS if smaps_rollup is unreadable."""
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Pss:", "Rss:")):
                fields[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    fields["Rss"] = int(line.split()[1])
        except OSError:
            return 0, 0
    return fields.get("Pss", fields.get("Rss", 0)), fields.get("Rss", 0)


def measure(kernels) -> list[tuple[float, float]]:
    children = children_map()
    out = []
    for kernel in kernels:
        process = getattr(kernel.manager.provisioner, "process", None)
        if process is None or process.poll() is not None:
            continue
        pss = rss = 0
        for pid in tree(process.pid, children):  # launcher → bubblewrap → ipykernel
            p, r = memory_kib(pid)
            pss, rss = pss + p, rss + r
        out.append((pss / 1024, rss / 1024))
    return out

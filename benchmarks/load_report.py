"""The figures of `make bench-load` (benchmarks/load.py): percentiles, the side-by-side table."""

from __future__ import annotations

import statistics

TARGET_RATIO = 0.3  # issue 15: a signed-in lesson page at >= 0.3x a hello-world's req/s


def pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def spread(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": pct(values, 50),
        "p95": pct(values, 95),
        "p99": pct(values, 99),
    }


def summarize(samples: dict, tally: dict, args) -> dict:
    requests = samples["requests"]
    by_name: dict[str, list[tuple[float, bool]]] = {}
    for name, _at, ms, ok in requests:
        by_name.setdefault(name, []).append((ms, ok))
    failed = sum(not ok for *_, ok in requests)
    gradings = samples["gradings"]
    graded = [g for g in gradings if g["status"] == "graded"]
    throughput = None
    if graded:
        first = min(g["submitted"] for g in gradings)
        last = max(g["submitted"] + g["seconds"] for g in graded)
        throughput = len(graded) / (last - first) * 60 if last > first else None
    return {
        "elapsed": samples["elapsed"],
        "requests": {
            **spread([ms for _, _, ms, _ in requests]),
            "failed": failed,
            "error_rate": failed / len(requests) if requests else None,
        },
        "by_request": {
            name: {**spread([ms for ms, _ in rows]), "failed": sum(not ok for _, ok in rows)}
            for name, rows in sorted(by_name.items())
        },
        "errors": samples["errors"],
        "cell_first_run": spread(samples["first_runs"]),
        "cell_output": spread(samples["outputs"]),
        "cell_done": spread(samples["dones"]),
        "grading": {
            **spread([g["seconds"] for g in graded]),
            "submitted": samples["submitted"],
            "graded": len(graded),
            "full_marks": sum(g["total"] == g["maximum"] for g in graded),
            "per_minute": throughput,
            "expected": args.submits,
        },
        "server": {
            "status": tally["status"],
            "claimed_more_than_once": tally["claimed_more_than_once"],
            "queued": spread(tally["queued"]),
            "grading_run": spread(tally["grading"]),
        },
        "failures": samples["failures"],
        "samples": {  # seconds, for a closer look than percentiles
            "cell_first_run": samples["first_runs"],
            "cell_output": samples["outputs"],
            "grading": [g["seconds"] for g in graded],
        },
    }


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _pair(row: dict) -> str:
    return f"{_s(row['p50'])} / {_s(row['p95'])}"


def column(f: dict) -> list[tuple[str, str]]:
    """(label, value) rows of one mode's figures, in the table's order."""
    if "error" in f:
        return [("failed", f["error"].splitlines()[0][:40])]
    rps = f["rps"]
    rows = _class_rows(f) if "requests" in f else []  # --rps-only runs no class
    rows.append(("hello-world req/s", f"{rps['hello']['rps']:,.0f}"))
    for page in ("lesson", "dashboard"):
        rows.append(
            (
                f"{page} req/s (× hello-world)",
                f"{rps[page]['rps']:,.0f} ({rps[page]['ratio']:.2f}×)",
            )
        )
    if "loadavg" in f:
        rows.append(("load average start → end", "{:.2f} → {:.2f}".format(*f["loadavg"])))
    rows.append(("mode took s", f"{f['seconds']:.0f}"))
    return rows


def _class_rows(f: dict) -> list[tuple[str, str]]:
    req, grading, server = f["requests"], f["grading"], f["server"]
    return [
        ("request latency p50/p95/p99 ms", " / ".join(_ms(req[p]) for p in ("p50", "p95", "p99"))),
        ("requests, error rate", f"{req['n']:,}, {req['error_rate'] or 0:.2%}"),
        ("first run (kernel start) p50/p95 s", _pair(f["cell_first_run"])),
        ("cell run → output p50/p95 s", f"{_pair(f['cell_output'])} (n={f['cell_output']['n']})"),
        ("cell run → done p50/p95 s", _pair(f["cell_done"])),
        ("grading turnaround p50/p95 s", _pair(grading)),
        ("graded / submitted / planned", "{graded} / {submitted} / {expected}".format(**grading)),
        ("grading throughput per minute", _s(grading["per_minute"])),
        ("  queued for a grader p50/p95 s", _pair(server["queued"])),
        ("  grading run p50/p95 s", _pair(server["grading_run"])),
        ("  claimed more than once", str(server["claimed_more_than_once"])),
    ]


def print_table(results: dict) -> None:
    modes = list(results["modes"])
    columns = {m: dict(column(results["modes"][m])) for m in modes}
    labels = list(dict.fromkeys(label for m in modes for label in columns[m]))
    print(f"\n{'':<34}" + "".join(f"{m:>28}" for m in modes))
    for label in labels:
        print(f"{label:<34}" + "".join(f"{columns[m].get(label, '—'):>28}" for m in modes))
    print(f"target: lesson page ≥ {TARGET_RATIO}× hello-world req/s; error rate 0")
    for m in modes:
        f = results["modes"][m]
        print(f"\n{m}: {f.get('settings', '')}")
        for name, row in f.get("by_request", {}).items():
            print(
                f"  {name:<22} n={row['n']:<6} p50 {_ms(row['p50']):>6} ms  "
                f"p95 {_ms(row['p95']):>6} ms  p99 {_ms(row['p99']):>6} ms  failed {row['failed']}"
            )
        for message, count in f.get("errors", {}).items():
            print(f"  error ×{count}: {message}")
        for problem in f.get("failures", [])[:20]:
            print(f"  {problem}")
        if len(f.get("failures", [])) > 20:
            print(f"  … and {len(f['failures']) - 20} more (in the JSON)")

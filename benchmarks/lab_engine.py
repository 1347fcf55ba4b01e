"""Lab engine: cold unsandboxed vs cold sandboxed vs pool-warm sandboxed grading.

    .venv/bin/python benchmarks/lab_engine.py [--runs 20] [--throughput 60]

On a reference 10-cell lab it measures, as medians over --runs runs:
  (a) cold, unsandboxed nbclient execution (what nbgrader users live with; the baseline),
  (b) cold sandboxed execution (fresh bubblewrapped kernel per run),
  (c) pool-warm sandboxed grading, end to end (rebuild, run, observe, judge),
then grades --throughput submissions with two workers on the pool and reports submissions
per minute, and the memory of one idle pooled kernel. Ratios are against (a), measured in
the same run. Targets: (c)/(a) <= 0.3, (b)/(a) <= 1.1, >= 60 graded per minute.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from jupyter_client import AsyncKernelManager  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from procmem import measure  # noqa: E402

from app.content import labs  # noqa: E402
from app.sandbox import Environment, JupyterExecutor, Limits  # noqa: E402
from app.sandbox.execute import run_sync  # noqa: E402
from app.services import lab_grading  # noqa: E402

LAB_PYTHON = ROOT / ".venv-lab" / "bin" / "python"


def reference_lab() -> nbformat.NotebookNode:
    """A 10-code-cell lab: given data, five answers, two self-checks, two hidden helpers."""

    def code(source, role=None, cell_id=None):
        cell = nbformat.v4.new_code_cell(source)
        if role:
            cell.metadata["shopfloor"] = {"role": role}
        if cell_id:
            cell.id = cell_id
        return cell

    def answer(cell_id, solution):
        return code(f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION", "answer", cell_id)

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        code(
            "import math, statistics\ncounts = [118, 120, 0, 119, 121, 117, 0, 120]",
            "readonly",
            "data",
        ),
        code("planned, run_time, ideal = 480, 402, 0.5", "readonly", "shift"),
        answer("a1", "total = sum(counts)"),
        answer("a2", "availability = run_time / planned"),
        answer("a3", "performance = ideal * total / run_time"),
        answer("a4", "stops = sum(1 for c in counts if c == 0)"),
        answer("a5", "def oee(a, p, q):\n    return a * p * q"),
        code("assert 0 <= availability <= 1", "test", "t1"),
        code("assert stops >= 0", "test", "t2"),
        code("__cases = [(0.9, 0.95, 0.99), (1, 1, 1)]", "hidden-test", "h1"),
    ]
    notebook.metadata["shopfloor"] = {
        "lab": {"id": "lab-bench", "title": "Benchmark lab"},
        "checks": [
            {"id": "total", "points": 1, "observe": "total", "expected": "715"},
            {"id": "availability", "points": 1, "observe": "availability", "expected": "402 / 480"},
            {
                "id": "performance",
                "points": 1,
                "observe": "performance",
                "expected": "0.5 * 715 / 402",
            },
            {"id": "stops", "points": 1, "observe": "stops", "expected": "2", "compare": "equal"},
            {
                "id": "oee",
                "points": 2,
                "visible": False,
                "observe": "[oee(*c) for c in __cases]",
                "expected": "[0.9 * 0.95 * 0.99, 1]",
            },
        ],
    }
    return notebook


def plain_notebook(lab) -> nbformat.NotebookNode:
    """The reference solution as an ordinary 10-cell notebook."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(c.source) for c in lab.notebook.cells]
    return notebook


def cold_unsandboxed(notebook, spec_dir: Path) -> float:
    manager = AsyncKernelManager(
        kernel_name="plain", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir)])
    )
    start = time.perf_counter()
    NotebookClient(
        nbformat.reads(nbformat.writes(notebook), as_version=4), km=manager, timeout=30
    ).execute()
    return time.perf_counter() - start


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def idle_kernel_memory(executor: JupyterExecutor) -> float:
    """Resident memory (MiB) of the processes in one idle pooled kernel's sandbox."""
    [(_, rss)] = measure([executor.pool.ready._queue[0]])
    return rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--throughput", type=int, default=60, help="submissions to grade")
    args = parser.parse_args()
    lab = labs.parse(reference_lab())
    notebook = plain_notebook(lab)
    limits = Limits(cell_seconds=30, notebook_seconds=120)
    environment = Environment(LAB_PYTHON)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "plain"
        spec.mkdir()
        (spec / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [
                        str(LAB_PYTHON),
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                    ],
                    "display_name": "plain",
                    "language": "python",
                }
            )
        )
        cold_unsandboxed(notebook, Path(tmp))  # warm the disk cache for everyone
        a = [cold_unsandboxed(notebook, Path(tmp)) for _ in range(args.runs)]
    sandboxed = JupyterExecutor(environment, limits, sandboxed=True)
    config = sandboxed.config()
    b = []
    for _ in range(args.runs):
        b.append(timed(lambda: _expect_ok(run_sync(notebook, config))))
    pooled = JupyterExecutor(environment, limits, sandboxed=True, pool_size=2)
    pooled.prestart()
    c = []
    for _ in range(args.runs):
        pooled.pool.wait_until_full(60)  # each graded run starts from a full pool
        c.append(timed(lambda: _expect_full(lab, pooled)))
    pooled.pool.wait_until_full(60)
    idle_mb = idle_kernel_memory(pooled)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as workers:
        totals = list(workers.map(lambda _: _expect_full(lab, pooled), range(args.throughput)))
    elapsed = time.perf_counter() - start
    pooled.pool.close()
    per_minute = len(totals) / elapsed * 60
    ma, mb, mc = median(a), median(b), median(c)
    print(f"reference lab: 10 code cells, {args.runs} runs each, medians")
    print(f"(a) cold, unsandboxed nbclient      {ma:6.3f} s   baseline")
    print(
        f"(b) cold, sandboxed                 {mb:6.3f} s   (b)/(a) = {mb / ma:.2f}  target <= 1.1"
    )
    print(
        f"(c) pool-warm sandboxed grading     {mc:6.3f} s   (c)/(a) = {mc / ma:.2f}  target <= 0.3"
    )
    print(
        f"throughput, pool of 2, 2 workers    {per_minute:6.1f} graded per minute "
        f"({len(totals)} in {elapsed:.1f} s)  target >= 60"
    )
    print(f"idle pooled kernel                  {idle_mb:6.1f} MiB resident")


def _expect_ok(result) -> None:
    assert result.status == "completed" and all(c.status == "ok" for c in result.cells), [
        (c.status, c.error) for c in result.cells
    ]


def _expect_full(lab, executor) -> float:
    graded = lab_grading.grade(lab, lab.notebook, seed=1, executor=executor)
    assert graded.grade.total == lab.max_points, graded.as_dict()["checks"]
    return graded.grade.total


if __name__ == "__main__":
    main()

"""One learner saturating the CPU costs the others at most a fair share of it.

Review finding: forty busy loops, each in a session of its own (os.setsid escapes the
scheduler's autogroup), slowed every other kernel on the machine. Each kernel's cgroup now
has the same CPU weight and a quota, so the scheduler shares the cores between kernels.
"""

from __future__ import annotations

import asyncio
import statistics
from concurrent.futures import ThreadPoolExecutor

from app.sandbox import cgroups
from app.sandbox.kernel import SandboxKernel

HOG = """
import os
for _ in range(30):
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
print("hogging")
"""

WORK = """
import time
start = time.perf_counter()
total = 0
for n in range(3_000_000):
    total += n
print(round(time.perf_counter() - start, 4))
"""


async def _seconds_of_work(kernel: SandboxKernel, runs: int = 3) -> float:
    times = []
    for index in range(runs):
        cell = await kernel.run_code(WORK, index, timeout=120)
        assert cell.status == "ok", cell.outputs
        times.append(float(cell.outputs[0].text))
    return statistics.median(times)


async def _measure(config) -> tuple[float, float, bool]:
    learner = await SandboxKernel.start(config)
    hog = await SandboxKernel.start(config)
    try:
        alone = await _seconds_of_work(learner)
        started = await hog.run_code(HOG, 0, timeout=30)
        assert "hogging" in started.outputs[0].text
        beside_hog = await _seconds_of_work(learner)
        return alone, beside_hog, cgroups.has_cpu_control(hog.group)
    finally:
        await hog.shutdown()
        await learner.shutdown()


def test_a_kernel_full_of_busy_processes_leaves_others_their_share(executor):
    config = executor.config()
    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever this thread has
        alone, beside_hog, controlled = thread.submit(asyncio.run, _measure(config)).result()
    assert controlled, "kernels must get a CPU share and quota on this machine"
    ratio = beside_hog / alone
    # Without CPU control 30 busy processes take ~30/31 of the cores (ratio ~15 on 2 cores).
    assert ratio < 3, f"work took {alone:.3f} s alone and {beside_hog:.3f} s beside the hog"

"""Metrics from several processes (gunicorn workers) add up in what any one of them serves."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from prometheus_client.parser import text_string_to_metric_families

# Runs with PROMETHEUS_MULTIPROC_DIR set: a child process answers a request and grades once,
# then exits; the parent does the same and serves the exposition.
SCRIPT = textwrap.dedent(
    """
    import os, sys
    from app import metrics

    if os.fork() == 0:
        metrics.observe_request("/labs/<lab>", "GET", 200, 0.02)
        metrics.observe_grading(3.0)
        metrics.REQUESTS_IN_FLIGHT.inc()  # still in flight when this worker dies
        os._exit(0)
    pid, _ = os.wait()
    metrics.mark_dead(pid)
    metrics.observe_request("/labs/<lab>", "GET", 200, 0.04)
    metrics.observe_grading(5.0)
    sys.stdout.write(metrics.exposition().decode())
    """
)


def test_multiprocess_mode_sums_every_process(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = {
        (s.name, s.labels.get("route")): s.value
        for family in text_string_to_metric_families(done.stdout)
        for s in family.samples
    }
    assert found[("shopfloor_http_request_duration_seconds_count", "/labs/<lab>")] == 2
    assert found[("shopfloor_grading_duration_seconds_count", None)] == 2
    assert found[("shopfloor_grading_duration_seconds_sum", None)] == 8.0
    # A dead worker's requests in flight are forgotten, not counted for ever.
    assert found[("shopfloor_http_requests_in_flight", None)] == 0

"""Prometheus metrics: request latency, requests in flight, grading and the lab engine's gauges.

No Flask here: the lab engine (in the web process or in ``flask labs worker``) imports
``observe_grading``, and ``web/ops.py`` feeds the request metrics and serves ``/metrics``.

One process (``flask run``, gunicorn with one worker): metrics live in prometheus_client's
default registry, with its process and platform collectors. Several processes (gunicorn
``--workers N``, a separate grading worker): set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
folder writable by every process *before* they start; each process writes its samples there
and ``/metrics`` sums them, whichever process answers (see ``gunicorn.conf.py``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PER_HOST = frozenset({"kernels", "kernel_memory_bytes"})
ENGINE_HELP = {
    "queue_depth": "Lab submissions waiting to be graded.",
    "grading_running": "Lab submissions being graded right now.",
    "pool_size": "Warm kernels ready for the next run.",
    "kernels": "Kernels alive, by kernel host.",
    "kernel_memory_bytes": "Memory used by kernels, by kernel host.",
}
_NOT_IN_NAME = re.compile(r"[^a-zA-Z0-9_]")

REQUEST_SECONDS = Histogram(
    "shopfloor_http_request_duration_seconds",
    "Time to answer a request, by route pattern (not the raw path), method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUESTS_IN_FLIGHT = Gauge(
    "shopfloor_http_requests_in_flight",
    "Requests being handled right now.",
    multiprocess_mode="livesum",
)
GRADING_SECONDS = Histogram(
    "shopfloor_grading_duration_seconds",
    "Time to grade one lab submission, from start to verdict.",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request; unknown methods share one label, so clients cannot add series."""
    method = method if method in METHODS else "other"
    REQUEST_SECONDS.labels(route, method, str(status)).observe(seconds)


def observe_grading(seconds: float) -> None:
    """Record how long one grading took (the lab engine calls this when a verdict is in)."""
    GRADING_SECONDS.observe(seconds)


def mark_dead(pid: int) -> None:
    """Forget a finished process's live gauges (gunicorn's ``child_exit`` hook calls this)."""
    if multiprocess_dir():
        mark_process_dead(pid)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class EngineCollector:
    """Gauges read from the lab engine's ``stats()`` at each scrape.

    ``stats()`` returns a dict. ``kernels`` and ``kernel_memory_bytes`` map a kernel host to a
    number and become one series per host; every other number becomes ``shopfloor_lab_<key>``
    (``queue_depth``, ``grading_running``, ``pool_size``, ...). Grading durations come through
    ``observe_grading`` instead.
    """

    def __init__(self, stats: Callable[[], Mapping[str, Any]]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        try:
            stats = self.stats()
        except Exception:
            logger.exception("lab engine stats failed; its gauges are left out of this scrape")
            return
        for key, value in sorted(stats.items()):
            name = f"shopfloor_lab_{_NOT_IN_NAME.sub('_', str(key))}"
            help_text = ENGINE_HELP.get(key, f"The lab engine's {key}.")
            if key in PER_HOST and isinstance(value, Mapping):
                family = GaugeMetricFamily(name, help_text, labels=["host"])
                for host, figure in sorted(value.items()):
                    family.add_metric([str(host)], figure)
                yield family
            elif isinstance(value, int | float) and not isinstance(value, bool):
                yield GaugeMetricFamily(name, help_text, value=value)


class _Scrape:
    """What one scrape reads: the process-wide metrics plus this app's engine gauges."""

    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def exposition(stats: Callable[[], Mapping[str, Any]] | None = None) -> bytes:
    """Render every metric in the text format, summed over processes in multiprocess mode."""
    if multiprocess_dir():
        shared: Any = CollectorRegistry()
        MultiProcessCollector(shared)
    else:
        shared = REGISTRY
    sources = [shared] if stats is None else [shared, EngineCollector(stats)]
    return generate_latest(_Scrape(*sources))

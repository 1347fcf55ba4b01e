"""gunicorn reads this file from the folder it starts in: ``gunicorn wsgi:app`` picks it up.

Only hooks live here; workers, threads and the address stay on the command line. Each worker
wires its app (database, lab engine, web layer) as it starts, not on its first request. The
metrics hooks do nothing unless PROMETHEUS_MULTIPROC_DIR is set, which several workers need
for /metrics:

    export PROMETHEUS_MULTIPROC_DIR=/run/shopfloor/metrics   # empty, writable by the workers
    export SHOPFLOOR_LOG_FORMAT=json                          # one JSON object per log line
    gunicorn --workers 4 --threads 16 --bind 127.0.0.1:8000 wsgi:app
"""

import os
from pathlib import Path


def on_starting(server):
    """Start from an empty metrics folder: samples of an earlier run would be added in."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def post_worker_init(worker):
    """Finish the app's setup before the worker takes requests (app.application)."""
    finish_setup = getattr(worker.wsgi, "finish_setup", None)
    if finish_setup is not None:
        finish_setup()


def child_exit(server, worker):
    """Forget a finished worker's requests in flight (its counters and histograms stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

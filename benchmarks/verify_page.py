"""The employer's verification page: one credential through the JSON API, and a 1,000-row list.

    .venv/bin/python benchmarks/verify_page.py [--runs 200] [--rows 1000]

Builds the credential test site (tests/credential_site.py: Lakeshore Community College with
its signing keys) on a fresh SQLite file with the real migrations, then issues ``--rows``
Lab Star credentials to as many learners and makes them public. Then, through the whole WSGI
stack (Flask's test client: CSRF token, rate limiter off, JSON bodies, error handling):

- API by address: POST /api/verify ``{"url": …}`` of one credential (read from the database);
- API by upload: POST /api/verify with the credential itself as JSON;
- bulk: a CSV of ``--rows`` addresses (every credential once) uploaded to POST /verify/bulk,
  its progress polled until done, and the results CSV downloaded: end to end.

Baseline, in the same run: ``services.verification.verify`` called directly on the same
credential (and on every credential of the list, one after another, for the bulk). Targets:
API p50 ≤ 300 ms; the 1,000-row list ≤ 10 s.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Achievement  # noqa: E402
from app.services import credentials, verification  # noqa: E402
from tests import credential_site, databases, factories  # noqa: E402

FINISHED = ("done", "failed")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed_runs(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def build(workdir: Path, rows: int):
    """The app on a migrated SQLite file, the site, and *rows* public Lab Stars."""
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    databases.migrate(url, workdir / "instance")
    config = databases.base_config(url, workdir / "instance")
    app = create_app({**config, "RATELIMIT_ENABLED": False})
    with app.app_context():
        site = credential_site.build(app, workdir)
        star = db.session.get(Achievement, site.star.achievement_id)
        now = credential_site.NOW + timedelta(minutes=1)
        issued = [site.star]
        for number in range(rows - 1):
            learner = factories.make_user(org=site.college, email=f"learner{number}@plant.example")
            issued.append(credentials.award(learner, star, issuer=site.college, evidence=[],
                                            now=now))  # fmt: skip
        for credential in issued:
            credential.public = True
        db.session.commit()
        addresses = [credentials.credential_url(c.public_id) for c in issued]
        documents = [c.document for c in issued]
    return app, addresses, documents


def csrf(client) -> str:
    page = client.get("/verify").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def api_call(client, **kwargs) -> Callable[[], None]:
    def call() -> None:
        response = client.post("/api/verify", **kwargs)
        assert response.status_code == 200 and response.get_json()["verified"], response.data

    return call


def bulk(client, token: str, addresses: list[str]) -> tuple[float, float]:
    """Upload, poll to done, download: (seconds to done, seconds with the download)."""
    data = ("url\r\n" + "\r\n".join(addresses) + "\r\n").encode()
    pause = threading.Event()
    started = time.perf_counter()
    response = client.post(
        "/verify/bulk",
        data={"csrf_token": token, "csv_file": (io.BytesIO(data), "list.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.data[:500]
    page = response.headers["Location"]
    deadline = time.monotonic() + 300
    while (progress := client.get(page + "/progress").get_json())["state"] not in FINISHED:
        assert time.monotonic() < deadline, progress
        pause.wait(0.05)
    done = time.perf_counter() - started
    assert progress == {"state": "done", "done": len(addresses), "total": len(addresses)}, progress
    results = client.get(page + "/results.csv").get_data(as_text=True)
    assert results.count("\r\n") == len(addresses) + 1 and ",no," not in results
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup = time.perf_counter()
        app, addresses, documents = build(Path(tmp), args.rows)
        setup = time.perf_counter() - setup
        client = app.test_client()
        token = csrf(client)
        rows: dict[str, list[float]] = {}
        with app.app_context():
            verify = lambda: verification.verify(documents[0], now=utcnow())  # noqa: E731
            for _ in range(20):  # warm the context caches and the status list cache
                assert verify()["verified"]
            rows["baseline: verification.verify"] = timed_runs(verify, args.runs)
            started = time.perf_counter()
            for document in documents:
                assert verification.verify(document, now=utcnow())["verified"]
            list_baseline = time.perf_counter() - started
        by_url = api_call(client, json={"url": addresses[0]})
        by_upload = api_call(client, json=documents[0])
        rows["POST /api/verify {url}"] = timed_runs(by_url, args.runs)
        rows["POST /api/verify (credential)"] = timed_runs(by_upload, args.runs)
        list_done, list_total = bulk(client, token, addresses)
        app.extensions["verify_jobs"]._pool.shutdown(wait=True)

    print(f"{args.rows} public credentials of one issuer (setup {setup:.1f} s); load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'one credential':34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 ratio':>10}")
    floor = percentiles(rows["baseline: verification.verify"])[0]
    for name, samples in rows.items():
        p50, p95 = percentiles(samples)
        print(f"{name:34} {len(samples):5d} {p50:8.2f} {p95:8.2f} {p50 / floor:9.1f}x")
    print(f"bulk list of {args.rows}: checked in {list_done:.2f} s, with the results CSV "
          f"{list_total:.2f} s ({list_total / len(addresses) * 1000:.1f} ms a row); baseline "
          f"verification.verify of every credential {list_baseline:.2f} s "
          f"(ratio {list_total / list_baseline:.1f}x)")  # fmt: skip
    api_p50 = percentiles(rows["POST /api/verify {url}"])[0]
    print(f"target: API p50 <= 300 ms: {'met' if api_p50 <= 300 else 'NOT met'}")
    print(f"target: {args.rows} rows <= 10 s: {'met' if list_total <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()

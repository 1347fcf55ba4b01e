"""Bulk verification: a list of credential addresses checked in the background, its progress
read by polling, its results as a table and a CSV.

Jobs live in the web process's memory (``app.extensions["verify_jobs"]``), keyed by an
unguessable id: at most MAX_JOBS at once, each forgotten TTL seconds after it finishes. One
worker thread runs them in turn, each in an app context of its own; verifying is read-only.

A list is checked as anyone would see it, whoever sent it: only credentials whose holders
made them public are found by their address. Results are read by whoever holds the job's
link, which is easily passed on, so they never carry what only the sender may see.

Each address gets the fetch budget of one verification (services.verification), and a list
JOB_SECONDS in all: rows still unchecked by then are reported as not checked, so one list of
slow sites cannot hold the worker, and the lists queued behind it, for hours.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask

from app.domain.url_lists import UrlList
from app.errors import Conflict, NotFound
from app.extensions import db
from app.services import verify_requests
from app.services.competency_maps import _safe as spreadsheet_safe
from app.services.verify_requests import Outcome, Remote

logger = logging.getLogger(__name__)

MAX_JOBS = 20
TTL = 3600  # seconds a finished job's results are kept
JOB_SECONDS = 600  # for all the rows of one list
CSV_HEADER = ["row", "url", "verified", "verdict", "failing check", "message", "achievement",
              "issuer", "issuer id", "issuer of this shopfloor"]  # fmt: skip


@dataclass(frozen=True)
class Result:
    row: int
    url: str
    verdict: str  # one of verify_requests.VERDICTS, or "not_checked" for a bad row
    failing: str  # the first failing check's label
    message: str
    achievement: str
    issuer: str  # the issuer's name as the credential declares it
    issuer_id: str
    issuer_local: bool = False  # one of this Shopfloor's organizations, proven by its key

    @property
    def verified(self) -> bool:
        return self.verdict == "verified"

    @property
    def label(self) -> str:
        return verify_requests.VERDICTS.get(self.verdict, "Not checked")


@dataclass
class Job:
    id: str
    urls: UrlList
    now: datetime
    remote: Remote | None
    results: list[Result] = field(default_factory=list)
    state: str = "queued"  # queued, running, done, failed
    finished_at: float | None = None

    @property
    def total(self) -> int:
        return len(self.urls.urls)

    @property
    def done(self) -> int:
        return len(self.results)

    @property
    def verified(self) -> int:
        return sum(result.verified for result in self.results)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def progress(self) -> dict:
        return {"state": self.state, "done": self.done, "total": self.total}

    def table(self) -> list[Result]:
        """Every row of the file in order: those checked, and those that could not be."""
        skipped = [
            Result(row.number, "", "not_checked", "", row.problem, "", "", "")
            for row in self.urls.problems
        ]
        return sorted([*self.results, *skipped], key=lambda result: result.row)


class JobRegistry:
    def __init__(
        self,
        app: Flask,
        *,
        max_jobs: int = MAX_JOBS,
        ttl: float = TTL,
        job_seconds: float = JOB_SECONDS,
    ) -> None:
        self.app, self.max_jobs, self.ttl, self.job_seconds = app, max_jobs, ttl, job_seconds
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-jobs")

    def submit(
        self,
        urls: UrlList,
        *,
        now: datetime,
        remote: Remote | None,
        viewer_id: int | None = None,
    ) -> Job:
        """Queue *urls* for checking; Conflict when MAX_JOBS are unfinished.

        *viewer_id* is not used: every list is checked as an anonymous visitor would (see
        the module's docstring); it is accepted so that callers passing it keep working.
        """
        del viewer_id
        job = Job(secrets.token_urlsafe(24), urls, now, remote)
        with self._lock:
            self._forget_expired()
            if len(self._jobs) >= self.max_jobs:
                raise Conflict(
                    "Too many lists are being checked right now. Try again in a few minutes."
                )
            self._jobs[job.id] = job
        self._pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            self._forget_expired()
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound("There is no such list: its results are kept for an hour.")
        return job

    def _forget_expired(self) -> None:
        finished = sorted(
            (job for job in self._jobs.values() if job.finished), key=lambda j: j.finished_at
        )
        for job in finished:
            expired = job.finished_at + self.ttl < time.monotonic()
            if expired or len(self._jobs) >= self.max_jobs:  # full: the oldest finished go
                del self._jobs[job.id]

    def _run(self, job: Job) -> None:
        with self.app.app_context():
            job.state = "running"
            try:
                deadline = time.monotonic() + self.job_seconds
                for row in job.urls.urls:
                    if time.monotonic() >= deadline:
                        job.results.append(_too_late(row.number, row.url, self.job_seconds))
                        continue
                    outcome = verify_requests.verify_url(
                        row.url, now=job.now, viewer=None, remote=job.remote
                    )
                    job.results.append(result_of(row.number, row.url, outcome))
                job.state = "done"
            except Exception:
                logger.exception("bulk verification %s failed", job.id[:6])
                job.state = "failed"
            finally:
                job.finished_at = time.monotonic()
                db.session.rollback()
                db.session.remove()


def _too_late(number: int, url: str, seconds: float) -> Result:
    minutes = f"{seconds / 60:g} minutes"
    message = f"not checked: the list took longer than {minutes} to check; send this row again"
    return Result(number, url, "not_checked", "", message, "", "", "")


def result_of(number: int, url: str, outcome: Outcome) -> Result:
    failing = outcome.failing
    found = outcome.summary
    return Result(
        row=number,
        url=url,
        verdict=outcome.verdict,
        failing=verify_requests.CHECK_LABELS.get(failing["name"], failing["name"])
        if failing
        else "",
        message=failing["message"] if failing else "",
        achievement=found.achievement if found else "",
        issuer=found.issuer if found else "",
        issuer_id=found.issuer_id if found else "",
        issuer_local=outcome.issuer_local,
    )


def results_csv(job: Job) -> Iterator[str]:
    """The results as CSV lines, every cell safe to open in a spreadsheet."""
    yield _line(CSV_HEADER)
    for result in job.table():
        yield _line(
            [
                str(result.row),
                result.url,
                "yes" if result.verified else "no",
                result.label,
                result.failing,
                result.message,
                result.achievement,
                result.issuer,
                result.issuer_id,
                "yes" if result.issuer_local else "no",
            ]
        )


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([spreadsheet_safe(c) for c in cells])
    return out.getvalue()

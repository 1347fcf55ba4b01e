"""One simulated learner of the lab workspace, driving it over HTTP as its page does.

Used by benchmarks/lab_workspace.py: sign in, open the lab, save, run a cell and follow its
events (Server-Sent Events), submit and follow the grading.
"""

from __future__ import annotations

import http.cookiejar
import json
import queue
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

COURSE, LESSON, LAB = "smart-manufacturing-foundations", "smf-calculating-oee", "lab-oee-historian"
LAB_URL = f"/courses/{COURSE}/lessons/{LESSON}/labs/{LAB}"
PASSWORD = "bench-learner-password-0451"  # noqa: S105 - throwaway accounts, temp database
HTTP_SECONDS = 60.0


class Failed(Exception):
    """One learner's step went wrong; the message says which and why."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class Learner:
    def __init__(self, base: str, n: int) -> None:
        self.base = base
        self.number = n
        self.email = f"learner{n}@bench.example.com"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""
        self.revision = 0
        self.after = 0
        self.answers: list[str] = []
        self.feed: EventFeed | None = None
        self.conflicts = 0  # runs refused with 409 "still running" right after a "done"
        self.conflict_seconds = 0.0

    def request(self, path: str, body: dict | bytes | None = None, *, expect: int = 200):
        headers = {"Accept": "application/json"}
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers |= {"Content-Type": "application/json", "X-CSRFToken": self.csrf}
        elif body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(req, timeout=HTTP_SECONDS) as response:
                status, text, url = response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as exc:
            status, text, url = exc.code, exc.read().decode(errors="replace"), exc.url
        except OSError as exc:
            raise Failed(f"{'POST' if body else 'GET'} {path}: {exc!r}") from None
        if status != expect:
            method = "POST" if body else "GET"
            raise Failed(f"{method} {path}: HTTP {status}: {text.strip()[:300]}", status)
        return text, url

    def sign_in(self) -> None:
        page, _ = self.request("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        if token is None:
            raise Failed("login page: no csrf_token field")
        form = urllib.parse.urlencode(
            {"csrf_token": token[1], "email": self.email, "password": PASSWORD}
        )
        _, url = self.request("/login", form.encode())
        if url.rstrip("/").endswith("/login"):
            raise Failed(f"{self.email}: sign-in refused")

    def open_lab(self) -> None:
        page, _ = self.request(LAB_URL)
        space = re.search(r'<div class="workspace" id="workspace"(.*?)>', page, re.S)
        if space is None:
            raise Failed("workspace page: no #workspace element")
        attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', space[1]))
        self.csrf, self.revision = attrs["csrf"], int(attrs["revision"])
        self.after = int(attrs["events-after"])
        self.answers = re.findall(r'data-cell="([^"]+)"[^>]*data-editable="true"', page)
        if not self.answers:
            raise Failed("workspace page: no editable answer cell")

    def save(self, cells: dict[str, str]) -> None:
        text, _ = self.request(f"{LAB_URL}/save", {"revision": self.revision, "cells": cells})
        self.revision = json.loads(text)["revision"]

    def run(self, cell: str, deadline: float) -> float:
        """Run *cell*; return the seconds from POST to its "done" event (Failed unless "ok").

        The server publishes "done" a moment before it lets the workspace run again, so a
        run asked for at once can get 409 "still running": retry, as a learner would, and
        count it (the round trip starts at the POST that was taken).
        """
        refused = time.perf_counter()
        while True:
            start = time.perf_counter()
            try:
                self.request(f"{LAB_URL}/run", {"cells": [cell]}, expect=202)
                break
            except Failed as exc:
                if exc.status != 409 or time.monotonic() > deadline:
                    raise
                self.conflicts += 1
                time.sleep(0.01)
        self.conflict_seconds += start - refused
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failed(f"run {cell}: no 'done' event before the deadline (timed out)")
            try:
                at, event = self.feed.events.get(timeout=min(remaining, 5.0))
            except queue.Empty:
                continue
            if event.get("type") == "reload":
                raise Failed(f"run {cell}: the event stream asked for a reload (events lost)")
            if event.get("type") == "done" and event.get("cell") == cell:
                if event.get("status") != "ok":
                    raise Failed(f"run {cell}: {event.get('status')}: {event.get('message')}")
                return at - start

    def submit(self, deadline: float) -> tuple[float, dict]:
        """Submit; return the seconds from POST to a finished grading, and the last progress."""
        start = time.perf_counter()
        text, _ = self.request(f"{LAB_URL}/submit", {}, expect=201)
        url = json.loads(text)["url"]
        state: dict = {}
        for at, state in sse(self, f"{url}/stream", deadline):
            if state.get("done"):
                return at - start, state
        raise Failed(f"grading {url}: not done before the deadline (last: {state})")


def sse(learner: Learner, path: str, deadline: float, *, after: int = 0, stop=None):
    """Yield (receive time, data) of each event of a Server-Sent Events URL, reconnecting.

    Named events (the kernel status) are skipped. A stream ends after 25 s; the next one
    starts after the last ``id:`` seen, as a browser's EventSource does.
    """
    last = after
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        url = f"{learner.base}{path}?after={last}"
        try:
            response = learner.opener.open(url, timeout=30)
        except OSError as exc:
            raise Failed(f"stream {path}: {exc!r}") from None
        with response:
            name, data = "message", []
            for raw in response:
                line = raw.decode().rstrip("\n")
                if stop and stop.is_set():
                    return
                if line.startswith("id:"):
                    last = int(line[3:].strip())
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line:
                    if data and name == "message":
                        yield time.perf_counter(), json.loads("\n".join(data))
                    name, data = "message", []
                if time.monotonic() > deadline:
                    return


class EventFeed(threading.Thread):
    """The workspace page's open event stream: run events go into a queue as they arrive."""

    def __init__(self, learner: Learner, deadline: float) -> None:
        super().__init__(name=f"feed-{learner.email}", daemon=True)
        self.learner, self.deadline = learner, deadline
        self.events: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        path, after = f"{LAB_URL}/stream", self.learner.after
        try:
            for item in sse(self.learner, path, self.deadline, after=after, stop=self.stopping):
                self.events.put(item)
        except Exception as exc:
            self.error = repr(exc)


# -- what a learner does ---------------------------------------------------------------------

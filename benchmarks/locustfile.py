"""Locust users of `make bench-load`: learners as their browsers drive Shopfloor.

benchmarks/load.py starts Locust on this file in a process of its own, with the path of a JSON
plan in BENCH_LOAD_CONFIG (the signed-in session cookies it seeded, the lessons, the lab, the
counts and timings) and the user classes to run on the command line. At the end of the test
the samples go to the plan's "out" file, which load.py reads; Locust's own table is not used.

- ``Browser``: reads lesson pages (and now and then the dashboard), with a think time.
- ``CellRunner``: opens the lab workspace, saves an answer, follows the workspace's event
  stream (Server-Sent Events, resumed after its last event id as EventSource does), runs the
  lab's setup cell once (kernel start), then runs the answer cell again and again: the round
  trip is POST run → that cell's first "output" event, and → its "done" event.
- ``Submitter``: opens the workspace and saves the lab's reference answers at the start, then
  at its moment within the submit window posts the Submit form, follows the redirect to the
  attempt page, follows the attempt's event stream until it is done (attempt.js) and reloads
  the page: the turnaround is the POST to the "done" event.
- ``Hammer``: one page as fast as it answers (no think time), for requests per second.

Streams are read with urllib (made cooperative by Locust's gevent), sharing the user's cookie
jar, because a streamed body must be seen line by line as it arrives.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
import urllib.error
import urllib.request
from http.cookiejar import Cookie

import gevent
from gevent.queue import Empty, Queue
from locust import FastHttpUser, between, constant, events, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_CONFIG"]).read())  # noqa: SIM115
USER_AGENT = PLAN["user_agent"]
STREAM_RETRY = 2.0  # the "retry:" both streams send; EventSource waits this long to reconnect
# after a broken connection. A stream that ends on purpose says "again" last, and the pages
# (workspace.js, attempt.js) open the next one at once.


class Samples:
    """Everything measured, with times relative to the test's start (seconds)."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.requests: list[tuple[str, float, float, bool]] = []  # name, at, ms, ok
        self.errors: dict[str, int] = {}
        self.first_runs: list[float] = []
        self.outputs: list[float] = []
        self.dones: list[float] = []
        self.gradings: list[dict] = []
        self.failures: list[str] = []
        self.submitters_done = 0
        self.submitted = 0
        self.hammer: list[tuple[float, float, bool]] = []  # at, ms, ok

    def now(self) -> float:
        return time.monotonic() - self.t0

    def fail(self, message: str) -> None:
        self.failures.append(f"{self.now():7.1f} s  {message}")


SAMPLES = Samples()


@events.test_start.add_listener
def started(environment, **_kwargs) -> None:
    SAMPLES.t0 = time.monotonic()
    if PLAN["scenario"] == "mixed":
        gevent.spawn(watch, environment)


def watch(environment) -> None:
    """End the test once every submitter is done and the minimum time has passed."""
    submitters = PLAN["counts"]["submitters"]
    while True:
        gevent.sleep(1.0)
        if SAMPLES.submitters_done >= submitters and SAMPLES.now() >= PLAN["min_seconds"]:
            environment.runner.quit()
            return


@events.request.add_listener
def counted(request_type, name, response_time, exception, **_kwargs) -> None:
    ok = exception is None
    SAMPLES.requests.append((name, SAMPLES.now(), response_time, ok))
    if not ok:
        key = f"{name}: {str(exception)[:160]}"
        SAMPLES.errors[key] = SAMPLES.errors.get(key, 0) + 1


@events.test_stop.add_listener
def stopped(**_kwargs) -> None:
    data = {
        "elapsed": SAMPLES.now(),
        "requests": SAMPLES.requests,
        "errors": SAMPLES.errors,
        "first_runs": SAMPLES.first_runs,
        "outputs": SAMPLES.outputs,
        "dones": SAMPLES.dones,
        "gradings": SAMPLES.gradings,
        "submitted": SAMPLES.submitted,
        "failures": SAMPLES.failures,
        "hammer": SAMPLES.hammer,
    }
    with open(PLAN["out"], "w") as handle:
        json.dump(data, handle)


# -- the pieces every learner needs ------------------------------------------------------------


class Learner(FastHttpUser):
    abstract = True
    default_headers = {"User-Agent": USER_AGENT}
    network_timeout = 120.0
    connection_timeout = 30.0
    group = ""  # which of the plan's cookie lists this class signs in with
    _numbers: dict[str, itertools.count] = {}

    def on_start(self) -> None:
        counter = Learner._numbers.setdefault(self.group, itertools.count())
        cookies = PLAN["cookies"][self.group]
        self.number = next(counter) % max(1, len(cookies))
        if cookies:
            self.client.cookiejar.set_cookie(session_cookie(cookies[self.number]))

    def page(self, path: str, name: str) -> str | None:
        """GET a page that must answer 200 itself (a redirect to sign-in is a failure)."""
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            return response.text

    def post_json(self, path: str, body: dict, name: str, csrf: str, expect: int = 200):
        with self.client.post(
            path, json=body, name=name, headers={"X-CSRFToken": csrf}, catch_response=True
        ) as response:
            if response.status_code != expect:
                text = (response.text or "")[:120].replace("\n", " ")
                response.failure(f"HTTP {response.status_code}: {text}")
                return None
            return response.json()

    def stream(self, path: str, name: str):
        """Yield (receive time, event name, data, id) of a Server-Sent Events URL, one
        connection (the caller reconnects). Its connect time is counted as a request."""
        request = urllib.request.Request(  # noqa: S310 - the plan's loopback host
            self.host + path, headers={"User-Agent": USER_AGENT, "Accept": "text/event-stream"}
        )
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.client.cookiejar)
        )
        start = time.perf_counter()
        try:
            response = opener.open(request, timeout=60)
        except (urllib.error.URLError, OSError) as exc:
            fire(name, start, exc)
            return
        fire(name, start, None)
        with response:
            event, data, number = "message", [], None
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("id:"):
                    number = int(line[3:].strip())
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line:
                    if data:
                        yield time.perf_counter(), event, json.loads("\n".join(data)), number
                    event, data, number = "message", [], None


def fire(name: str, start: float, exception: Exception | None) -> None:
    events.request.fire(
        request_type="GET",
        name=name,
        response_time=(time.perf_counter() - start) * 1000,
        response_length=0,
        exception=exception,
        context={},
    )


def session_cookie(value: str) -> Cookie:
    """The seeded sign-in, as the cookie the server would have set for 127.0.0.1."""
    return Cookie(
        0, PLAN["cookie_name"], value, None, False, PLAN["cookie_domain"], False, False,
        "/", True, False, None, True, None, None, {"HttpOnly": None},
    )  # fmt: skip


def workspace(text: str | None) -> dict[str, str] | None:
    """The workspace element's data attributes, and the Submit form's CSRF token."""
    if text is None:
        return None
    found = re.search(r'<div class="workspace" id="workspace"(.*?)>', text, re.S)
    if found is None:
        return None
    attrs = {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', found[1])}
    form = re.search(r'name="csrf_token" value="([^"]+)"', text)
    attrs["form-csrf"] = html.unescape(form[1]) if form else attrs.get("csrf", "")
    return attrs


# -- the learners -----------------------------------------------------------------------------


class Browser(Learner):
    """Reads lessons of the course, and looks at the dashboard now and then."""

    group = "browsers"
    fixed_count = PLAN["counts"]["browsers"]
    wait_time = between(*PLAN["think"]["browse"])

    @task(5)
    def lesson(self) -> None:
        self.page(random.choice(PLAN["lessons"]), "GET lesson")  # noqa: S311

    @task(1)
    def dashboard(self) -> None:
        self.page("/dashboard", "GET dashboard")


class CellRunner(Learner):
    """Works in the lab: runs the setup cell once, then an answer cell again and again."""

    group = "cells"
    fixed_count = PLAN["counts"]["cells"]
    wait_time = between(*PLAN["think"]["cell"])

    def on_start(self) -> None:
        super().on_start()
        self.ready = False
        self.events: Queue = Queue()
        self.follower = None
        lab = PLAN["lab"]
        attrs = workspace(self.page(lab["path"], "GET workspace"))
        if attrs is None:
            SAMPLES.fail(f"cell runner {self.number}: no workspace page")
            return
        self.csrf, self.after = attrs["csrf"], int(attrs["events-after"])
        saved = self.post_json(
            f"{lab['path']}/save",
            {"revision": int(attrs["revision"]), "cells": {lab["cell"]: lab["cell_code"]}},
            "POST save",
            self.csrf,
        )
        if saved is None:
            return
        self.follower = gevent.spawn(self.follow, f"{lab['path']}/stream")
        seconds = self.run_cell(lab["setup_cell"])
        if seconds is not None:
            SAMPLES.first_runs.append(seconds[1])
            self.ready = True

    def on_stop(self) -> None:
        if self.follower is not None:
            self.follower.kill(block=False)

    def follow(self, path: str) -> None:
        """The workspace page's EventSource: reconnect after the last id, forever."""
        while True:
            again = False
            for at, event, data, number in self.stream(
                f"{path}?after={self.after}", "GET workspace stream"
            ):
                if number is not None:
                    self.after = number
                if event == "message":
                    self.events.put((at, data))
                again = event == "again"
            if not again:
                gevent.sleep(STREAM_RETRY)

    def run_cell(self, cell: str) -> tuple[float | None, float] | None:
        """(seconds to the cell's first output or None, seconds to its "done"); None if the
        run was refused or did not finish well."""
        while not self.events.empty():  # strays of an earlier run
            self.events.get_nowait()
        start = time.perf_counter()
        path = f"{PLAN['lab']['path']}/run"
        if self.post_json(path, {"cells": [cell]}, "POST run", self.csrf, 202) is None:
            return None
        output, deadline = None, time.monotonic() + PLAN["wait_seconds"]
        while True:
            try:
                at, data = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                SAMPLES.fail(f"cell runner {self.number}: {cell}: no 'done' event in time")
                return None
            if data.get("type") == "reload":
                SAMPLES.fail(f"cell runner {self.number}: the stream asked for a reload")
            if data.get("cell") != cell:
                continue
            if data.get("type") == "output" and output is None:
                output = at - start
            elif data.get("type") == "done":
                if data.get("status") != "ok":
                    SAMPLES.fail(f"cell runner {self.number}: {cell}: {data.get('status')}")
                    return None
                return output, at - start

    @task
    def rerun(self) -> None:
        if not self.ready:
            self.wait()
            return
        seconds = self.run_cell(PLAN["lab"]["cell"])
        if seconds is not None:
            if seconds[0] is not None:
                SAMPLES.outputs.append(seconds[0])
            SAMPLES.dones.append(seconds[1])


class Submitter(Learner):
    """Saved the lab's answers earlier; submits at its moment in the window, waits for the grade."""

    group = "submitters"
    fixed_count = PLAN["counts"]["submitters"]
    wait_time = constant(3600)

    def on_start(self) -> None:
        super().on_start()
        self.done = False
        lab = PLAN["lab"]
        start, window = PLAN["submit_window"]
        self.submit_at = start + random.uniform(0, window)  # noqa: S311
        attrs = workspace(self.page(lab["path"], "GET workspace"))
        saved = attrs and self.post_json(
            f"{lab['path']}/save",
            {"revision": int(attrs["revision"]), "cells": lab["answers"]},
            "POST save",
            attrs["csrf"],
        )
        if not saved:
            self.finish(f"submitter {self.number}: could not open the lab and save")
            return
        self.form_csrf = attrs["form-csrf"]

    def finish(self, problem: str | None = None) -> None:
        if problem:
            SAMPLES.fail(problem)
        if not self.done:
            self.done = True
            SAMPLES.submitters_done += 1

    @task
    def submit(self) -> None:
        if self.done:
            self.wait()
            return
        gevent.sleep(max(0.0, self.submit_at - SAMPLES.now()))
        try:
            self.submit_and_follow()
        finally:
            self.finish()

    def submit_and_follow(self) -> None:
        at = SAMPLES.now()
        start = time.perf_counter()
        with self.client.post(
            f"{PLAN['lab']['path']}/submit",
            data=f"csrf_token={urllib.request.quote(self.form_csrf)}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            name="POST submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            where = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or "/labs/attempts/" not in where:
                response.failure(f"HTTP {response.status_code} {where}")
                SAMPLES.fail(f"submitter {self.number}: submit refused")
                return
        SAMPLES.submitted += 1
        attempt = "/" + where.split("/", 3)[3] if where.startswith("http") else where
        page = self.page(attempt, "GET attempt")
        state = {"done": page is not None and 'data-done="true"' in page}
        finished = time.perf_counter()
        deadline = time.monotonic() + PLAN["wait_seconds"]
        while not state.get("done") and time.monotonic() < deadline:
            events = self.stream(f"{attempt}/stream", "GET attempt stream")
            again = False
            for at, event, data, _ in events:
                again = event == "again"
                if again:
                    continue
                finished, state = at, data
                if state.get("done"):
                    break
            events.close()
            if not state.get("done") and not again:
                gevent.sleep(STREAM_RETRY)
        seconds = finished - start
        if not state.get("done"):
            SAMPLES.fail(f"submitter {self.number}: not graded in {PLAN['wait_seconds']} s")
            return
        SAMPLES.gradings.append(
            {"seconds": seconds, "submitted": at, "status": state.get("status", "graded"),
             "total": state.get("total"), "maximum": state.get("maximum")}
        )  # fmt: skip
        self.page(attempt, "GET attempt")  # attempt.js reloads the page to show the report


class Hammer(Learner):
    """One page, as fast as the server answers: requests per second."""

    group = "hammer"
    fixed_count = PLAN["counts"].get("hammer", 0)
    wait_time = constant(0)

    @task
    def hit(self) -> None:
        start = time.perf_counter()
        with self.client.get(
            PLAN["hammer_path"], name="hammer", allow_redirects=False, catch_response=True
        ) as response:
            ok = response.status_code == 200
            if not ok:
                response.failure(f"HTTP {response.status_code}")
        SAMPLES.hammer.append((SAMPLES.now(), (time.perf_counter() - start) * 1000, ok))

"""Redis restarts while learners work: nothing is lost, nothing is graded twice.

Documented behaviour (docs/operations.md): Redis may run without persistence. It carries
only nudges (grading tasks) and live events; the database holds submissions and saved work.
A Redis that comes back empty has forgotten the tasks, and the sweep queues again every
submission the database says is waiting; pages that followed events are told to reload.

Here the whole distributed site runs on a Redis of the test's own: the web app (in this
process, through its test client), a kernel host and a Celery worker with the sweep (beat),
with pretend cells of 0.2 s. Redis stops while one submission is being graded and another
waits in its queue; a third learner submits while it is down.
"""

from __future__ import annotations

import pytest

from app.engine.events import RELOAD, UNAVAILABLE_TEXT, EventLogUnavailable, RedisEventLog
from app.extensions import db
from app.models import LabWorkspace
from tests.distributed.lab_site import (
    LAB,
    LESSON,
    Page,
    labs_folder,
    learners,
    run_cell,
    save_answers,
    submit,
)
from tests.distributed.processes import Children, child_config, row
from tests.waiting import poll

pytestmark = pytest.mark.distributed


@pytest.fixture
def site(make_app, tmp_path, private_redis):
    """The distributed site on a private Redis: web app here, a kernel host and a Celery
    worker (with beat) as processes; three learners signed in, each with a client."""
    settings = {
        "LAB_ENGINE": "distributed",
        "LAB_KERNELS": "hosts",
        "REDIS_URL": private_redis.url,
        "LABS_ROOT": str(labs_folder(tmp_path)),
        "SANDBOX": {
            "backend": "fake",
            "fake_seconds_per_cell": 0.2,
            "limits": {"notebook_seconds": 1.5},
        },
        "LAB_GRADING_LEASE_SECONDS": 4,  # a grade here takes about 2 s
        "LAB_GRADING_VISIBILITY_SECONDS": 5,
        "LAB_GRADING_SWEEP_SECONDS": 1,
        "WTF_CSRF_ENABLED": False,
    }
    app = make_app(**settings)
    children = Children(child_config(app, settings), tmp_path)
    app.redis = private_redis
    app.worker = children.celery_worker(beat=True, log="worker.log")
    app.host = children.kernel_host("alpha", log="host.log")
    app.clients = learners(app, "ana", "ben", "cat")
    engine = app.extensions["lab_engine"]
    assert poll(lambda: "alpha" in engine.runs.registry.alive(), seconds=60), "host not up"
    yield app
    children.kill_all()


def test_a_redis_restart_loses_no_submission_and_no_saved_work(site):
    ana, ben, cat = (site.clients[n] for n in ("ana", "ben", "cat"))
    # Each learner saves correct answers (Ana's marked); Ana runs one on the kernel host.
    for client in (ana, ben, cat):
        save_answers(client)
    page = Page(ana)
    run_cell(ana)
    assert poll(lambda: page.saw("done"), seconds=30)

    # Ana and Ben submit; the one grader takes Ana's, Ben's waits in Redis's queue.
    first = submit(ana)
    second = submit(ben)
    assert poll(lambda: row(site, first).status == "running", seconds=60), "nobody grades"
    assert row(site, second).status == "queued"

    site.redis.stop()  # every task and event Redis held is gone with it

    # The site serves pages from the database; only running cells is refused, with why.
    assert ana.get("/healthz").status_code == 200
    ready = ana.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["redis"]["ok"] is False
    assert ana.get(LESSON).status_code == 200
    assert "# mine" in Page(ana).html  # her saved code, on a page loaded now
    refused = ana.post(f"{LAB}/run", json={"cells": ["answer-availability"]})
    assert refused.status_code == 409 and refused.get_json()["message"] == UNAVAILABLE_TEXT
    assert page.read() and page.reloads == 0  # the open page waits, without an error
    third = submit(cat)  # stored; the sweep queues it once Redis is back
    progress = cat.get(f"/labs/attempts/{row(site, third).public_id}/progress").get_json()
    assert progress["status"] == "queued" and "waiting for a free grader" in progress["text"]

    site.redis.start()  # empty, on the same port

    # Every submission is graded exactly once: the one being graded finished; the sweep
    # queued the others again, as the database says they are waiting.
    ids = (first, second, third)
    assert poll(lambda: all(row(site, n).status == "graded" for n in ids), seconds=90)
    for graded in (row(site, n) for n in ids):
        assert graded.tries == 1  # claimed once: no grade ran twice
        assert graded.maximum == 5 and graded.result["checks"]  # the outcome is stored
    with site.app_context():  # saved work is intact
        spaces = db.session.scalars(db.select(LabWorkspace)).all()
        assert len(spaces) == 3 and all("# mine" in space.notebook for space in spaces)
    # Ana's open page is told to reload (the events it followed are gone), never shown a
    # gap; then she runs cells again on the same kernel host: nothing was restarted.
    page.read()
    assert page.reloads == 1
    run_cell(ana)
    assert poll(lambda: page.saw("done"), seconds=30)
    assert site.worker.poll() is None and site.host.poll() is None


def test_a_page_following_a_run_across_a_redis_restart_gets_every_event_or_a_reload(
    private_redis,
):
    """The kernel's process publishes, a web process reads; Redis restarts between them."""
    prefix = "restart-test:"
    kernel = RedisEventLog(private_redis.client(), prefix=prefix)
    web = RedisEventLog(private_redis.client(), prefix=prefix)
    for event in ({"type": "queued"}, {"type": "running"}, {"type": "output", "n": 1}):
        kernel.publish("w", event)
    assert [n for n, _ in web.since("w", 0)] == [1, 2, 3]  # the page has seen 3
    kernel.publish("w", {"type": "output", "n": 2})  # 4: published, not read yet

    private_redis.stop()
    assert kernel.publish("w", {"type": "output", "n": 3}) == 0  # dropped; the run goes on
    assert web.since("w", 3, wait=0.1) == []  # the page waits; no error
    with pytest.raises(EventLogUnavailable):
        web.last("w")  # so no new run starts that no page could follow
    private_redis.start()  # empty

    done = kernel.publish("w", {"type": "done"})
    assert done > 4  # numbers go on past every number pages have seen, never reused
    # Output 2 and 3 are gone: the page is told to reload, never shown "done" after a gap.
    assert web.since("w", 3) == [(done, RELOAD)]
    assert web.last("w") == done and web.since("w", done) == []  # the reloaded page: in step

    # A page that had seen everything just goes on when nothing was lost.
    private_redis.stop()
    private_redis.start()
    follow = kernel.publish("w", {"type": "output", "n": 4})
    assert web.since("w", done) == [(follow, {"type": "output", "n": 4})]


def test_with_kernels_in_the_web_process_the_workspace_opens_while_redis_is_away(
    make_app, tmp_path, private_redis
):
    """Distributed grading with each web process's own kernels: the event log is in Redis.
    While it is away the workspace still opens with the saved code; once it is back the
    page is told to reload once (never shown old events again), then follows new ones."""
    app = make_app(
        LAB_ENGINE="distributed",
        REDIS_URL=private_redis.url,
        LABS_ROOT=str(labs_folder(tmp_path)),
        SANDBOX={"backend": "fake", "fake_seconds_per_cell": 0.05},
        WTF_CSRF_ENABLED=False,
    )
    ana = learners(app, "ana")["ana"]
    save_answers(ana)
    run_cell(ana)
    assert poll(lambda: Page(ana).after > 0, seconds=30)  # the run's events are in Redis

    private_redis.stop()
    page = Page(ana)  # opens: saved code, no error page
    assert "# mine" in page.html
    assert page.read() == [] and page.reloads == 0  # waits while Redis is away

    private_redis.start()  # empty

    def reloaded() -> bool:
        page.read()
        return page.reloads > 0

    assert poll(reloaded, seconds=30)  # told to reload: nothing replayed
    run_cell(ana)
    assert poll(lambda: page.saw("done"), seconds=30)  # then follows the runs after it
    assert page.reloads == 1
    app.extensions["lab_engine"].stop()

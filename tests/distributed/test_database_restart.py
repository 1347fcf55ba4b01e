"""PostgreSQL restarts while the site serves: the web and the graders recover by themselves.

The machine's PostgreSQL serves other tests, so it is not restarted here: every connection
to this test run's database is ended instead (``pg_terminate_backend``), which is what the
app's connection pools see when the server restarts. Pools check a connection before they
hand it out (``pool_pre_ping``, the default in app/config.py), so no page fails for a
connection that died while it sat in the pool, and a grade in flight finishes (it holds no
connection while the notebook runs) or is retried once.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.distributed.lab_site import LAB, LESSON, Page, labs_folder, learners, save_answers
from tests.distributed.lab_site import submit as submit_lab
from tests.distributed.processes import Children, child_config, row
from tests.waiting import poll

pytestmark = [
    pytest.mark.distributed,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="a PostgreSQL restart needs PostgreSQL: set TEST_DATABASE_URL",
    ),
]

END_CONNECTIONS = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def end_every_connection(url: str) -> int:
    """End every connection to the database at *url* but this one: a server restart, as
    its clients see it. How many were ended."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(END_CONNECTIONS)).scalar())
    finally:
        engine.dispose()


@pytest.fixture
def site(make_app, tmp_path, redis_url, redis_prefix):
    """The distributed site on PostgreSQL: the web app here, a Celery grading worker."""
    prefix = redis_prefix
    settings = {
        "LAB_ENGINE": "distributed",
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "CELERY_TRANSPORT_OPTIONS": {"global_keyprefix": prefix},
        "LABS_ROOT": str(labs_folder(tmp_path)),
        "SANDBOX": {
            "backend": "fake",
            "fake_seconds_per_cell": 0.3,
            "limits": {"notebook_seconds": 2},
        },
        "LAB_GRADING_LEASE_SECONDS": 5,
        "LAB_GRADING_VISIBILITY_SECONDS": 6,
        "LAB_GRADING_SWEEP_SECONDS": 1,
        "WTF_CSRF_ENABLED": False,
    }
    app = make_app(**settings)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("this run's database is not PostgreSQL")
    config = {**child_config(app, settings), "TEST_RETRY_AFTER_SECONDS": 1}
    children = Children(config, tmp_path)
    app.worker = children.celery_worker(beat=True, log="worker.log")
    app.clients = learners(app, "ana", "ben")
    yield app
    children.kill_all()


def test_the_site_recovers_from_a_database_restart_by_itself(site):
    ana, ben = site.clients["ana"], site.clients["ben"]
    revision = save_answers(ana)
    save_answers(ben)
    first = submit_lab(ana)
    assert poll(lambda: row(site, first).status == "running", seconds=60), "nobody grades"

    # The server "restarts" while Ana's attempt is being graded: the web app's pooled
    # connections and the worker's all end.
    assert end_every_connection(site.config["SQLALCHEMY_DATABASE_URI"]) >= 2

    # The next requests just work: no error page, no restart of anything.
    assert ana.get(LESSON).status_code == 200
    assert "# mine" in Page(ana).html  # her saved work, read again
    save_answers(ana, {"answer-availability": "availability = 0.5  # edited"}, revision)
    assert site.test_client().get("/readyz").status_code == 200
    # The grade in flight finishes, or (had it lost its connection mid-query) goes back on
    # the queue and is graded on the next try: one outcome, stored once.
    assert poll(lambda: row(site, first).status == "graded", seconds=60)
    graded = row(site, first)
    assert graded.tries in (1, 2) and graded.maximum == 5 and graded.result["checks"]

    # And the worker goes on grading the next attempt, as if nothing had happened.
    end_every_connection(site.config["SQLALCHEMY_DATABASE_URI"])
    second = submit_lab(ben)
    assert poll(lambda: row(site, second).status == "graded", seconds=60)
    assert row(site, second).tries == 1
    assert ana.get(LAB).status_code == 200

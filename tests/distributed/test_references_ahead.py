"""Distributed: a learner's reference is computed by a worker when they open the lab, below
every grade in priority, and shared through Redis with whichever worker grades them."""

from __future__ import annotations

import json

import nbformat
import pytest
import redis

from app.engine.references import References
from tests import factories
from tests.distributed.processes import Children, child_config, row, store
from tests.distributed.test_celery_grading import grading_settings, prefix  # noqa: F401
from tests.sandbox.labs_fixture import source_notebook
from tests.waiting import poll

pytestmark = pytest.mark.distributed
SEP = "\x06\x16"  # how Celery's Redis transport names a queue's list of one priority


@pytest.fixture
def make_site(make_app, tmp_path, prefix, redis_url):  # noqa: F811
    """The fixture lab with its availability check expected from the reference solution;
    ``make_site(kernels=True)`` grades on real sandboxed kernels (values are observed),
    else on pretend cells (nothing is observed: for tests of the queue only)."""
    labs = tmp_path / "labs"
    labs.mkdir()
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["checks"][0]["expected"] = "reference"
    nbformat.write(notebook, labs / f"{factories.LAB_ID}.ipynb")
    made = []

    def make(*, kernels: bool = False):
        settings = grading_settings(redis_url, prefix, labs)
        if kernels:
            settings["SANDBOX"] = {"pool_size": 1, "limits": {"notebook_seconds": 30}}
            settings["LAB_GRADING_LEASE_SECONDS"] = 70
            settings["LAB_GRADING_VISIBILITY_SECONDS"] = 80
        app = make_app(**settings)
        app.children = Children(child_config(app, settings), tmp_path)
        app.redis = redis.Redis.from_url(redis_url)
        app.lab = app.extensions["lab_engine"].lab(factories.LAB_ID)
        made.append(app)
        return app

    yield make
    for app in made:
        app.children.kill_all()
        app.redis.close()
        app.extensions["lab_engine"].stop()


def shared_key(app, seed: int) -> str:
    lab = app.lab
    return f"{app.config['REDIS_PREFIX']}references:values:{lab.id}:{lab.version}:{seed}"


@pytest.mark.kernel
def test_a_class_opening_a_lab_asks_once_and_a_worker_shares_the_reference(make_site):
    site = make_site(kernels=True)
    engine = site.extensions["lab_engine"]
    for _ in range(3):  # three page loads of the same learner (or learners of one seed)
        engine.opened(site.lab, 3)
    queue = f"{site.config['REDIS_PREFIX']}grading"
    assert site.redis.llen(f"{queue}{SEP}9") == 1  # asked once, at the low priority
    assert site.redis.llen(queue) == 0  # nothing in the grades' list

    site.children.celery_worker(log="worker.log")
    assert poll(lambda: site.redis.exists(shared_key(site, 3)), seconds=60)
    values = site.extensions["lab_engine"].references.shared.get(References.key(site.lab, 3))
    assert values["availability"]["value"] == pytest.approx((393 + 3 % 7) / 450)
    engine.opened(site.lab, 3)  # computed already: nobody is asked again
    assert site.redis.llen(f"{queue}{SEP}9") == 0


def test_a_grade_waiting_is_taken_before_references_asked_ahead(make_site):
    site = make_site()
    engine = site.extensions["lab_engine"]
    for seed in range(10, 14):  # a class opens the lab before anyone submits
        engine.opened(site.lab, seed)
    submission_id = store(site, seed=3)
    engine.submitted(submission_id)
    queue = f"{site.config['REDIS_PREFIX']}grading"
    assert (site.redis.llen(queue), site.redis.llen(f"{queue}{SEP}9")) == (1, 4)

    site.children.celery_worker(log="worker.log")
    # The one worker took the grade first: when it claimed the submission, the work asked
    # ahead was all still waiting (taken in order, it would have come first: 4 runs).
    assert poll(lambda: row(site, submission_id).tries >= 1, seconds=60)
    assert site.redis.llen(f"{queue}{SEP}9") >= 3


@pytest.mark.kernel
def test_the_grader_uses_the_reference_shared_by_another_worker(make_site):
    """Seed 4's reference, as another worker stored it, is what the grade compares with:
    here a planted value the learner's honest answer cannot match."""
    site = make_site(kernels=True)
    shared = site.extensions["lab_engine"].references.shared
    shared.put(References.key(site.lab, 4), {"availability": {"value": 12345.0}})
    submission_id = store(site, seed=4)
    site.extensions["lab_engine"].submitted(submission_id)
    site.children.celery_worker(log="worker.log")
    assert poll(lambda: row(site, submission_id).status == "graded", seconds=60)
    checks = {c["id"]: c["passed"] for c in row(site, submission_id).result["checks"]}
    assert checks == {"availability": False, "oee-function": True}


def test_a_reference_value_not_signed_by_this_site_is_not_used(make_site):
    """Whoever can write to Redis cannot decide grades: a value without this site's
    signature (or with another site's) is ignored, and the reference is computed again."""
    site = make_site()
    shared = site.extensions["lab_engine"].references.shared
    key = References.key(site.lab, 5)
    site.redis.set(shared_key(site, 5), json.dumps({"availability": {"value": 1.0}}))
    assert shared.get(key) is None
    shared.put(key, {"availability": {"value": 0.5}})
    assert shared.get(key) == {"availability": {"value": 0.5}}
    forged = site.redis.get(shared_key(site, 5)).replace(b"0.5", b"1.0")
    site.redis.set(shared_key(site, 5), forged)
    assert shared.get(key) is None

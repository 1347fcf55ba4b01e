"""Kernel hosts: workspace kernels on `flask labs kernel-host` processes, reached over Redis.

The hosts here run pretend kernels (the fake sandbox backend; each cell takes a moment), so
the tests are about placement, the protocol, events and failover, not about Jupyter.
"""

from __future__ import annotations

import signal
import subprocess
import uuid

import nbformat
import pytest
import redis

from app.database import utcnow
from app.engine.hosts import LOST_TEXT, KernelHost, place
from app.extensions import db
from app.services import lab_workspaces
from tests import factories
from tests.distributed.processes import Children, child_config
from tests.sandbox.labs_fixture import source_notebook
from tests.waiting import poll

pytestmark = pytest.mark.distributed


def test_placement_is_the_same_everywhere_and_moves_only_a_lost_hosts_workspaces():
    hosts = {name: {"capacity": 100, "kernels": 0} for name in ("a", "b", "c")}
    before = {w: place(f"workspace-{w}", hosts) for w in range(300)}
    assert before == {w: place(f"workspace-{w}", dict(reversed(hosts.items()))) for w in before}
    assert set(before.values()) == {"a", "b", "c"}  # spread over all of them
    survivors = {n: info for n, info in hosts.items() if n != "b"}
    after = {w: place(f"workspace-{w}", survivors) for w in before}
    assert all(after[w] == host for w, host in before.items() if host != "b")
    assert place("workspace-1", {}) is None


def test_a_full_host_is_passed_over_while_another_has_room():
    hosts = {"a": {"capacity": 1, "kernels": 1}, "b": {"capacity": 1, "kernels": 0}}
    assert {place(f"workspace-{w}", hosts) for w in range(50)} == {"b"}
    hosts["b"]["kernels"] = 1  # all full: still placed (the host makes room itself)
    assert place("workspace-1", hosts) in {"a", "b"}


def test_a_host_runs_cells_with_the_labs_own_cell_limit_when_it_is_asked_to():
    class Runs:
        def __init__(self):
            self.asked = []

        def run(self, workspace_id, seed, cells, cell_seconds=None):
            self.asked.append((workspace_id, seed, cells, cell_seconds))

    runs = Runs()
    host = KernelHost(None, runs, "host-a", 4)
    request = {"workspace_id": 7, "seed": 3, "cells": [["c1", "print(1)"]]}
    host.handle("run", request)
    host.handle("run", {**request, "cell_seconds": 90})
    assert runs.asked == [(7, 3, [("c1", "print(1)")], None), (7, 3, [("c1", "print(1)")], 90.0)]


def test_a_host_hands_a_widgets_message_with_its_buffers_to_the_workspaces_kernel():
    class Runs:
        def __init__(self):
            self.asked = []

        def send_widget(self, workspace_id, cell_id, comm_id, data, buffers):
            self.asked.append((workspace_id, cell_id, comm_id, data, buffers))

    runs = Runs()
    host = KernelHost(None, runs, "host-a", 4)
    data = {"method": "update", "state": {"value": 3}, "buffer_paths": [["image"]]}
    request = {"workspace_id": 7, "cell": "c1", "comm": "ab12", "data": data}
    host.handle("widget", {**request, "buffers": ["AAEC"]})
    assert runs.asked == [(7, "c1", "ab12", data, [b"\x00\x01\x02"])]


@pytest.fixture
def site(make_app, tmp_path, redis_url):
    """A distributed app whose kernels live on hosts, and a way to start hosts for it."""
    prefix = f"shopfloor-test-{uuid.uuid4().hex[:10]}:"
    labs_root = tmp_path / "labs"
    labs_root.mkdir()
    nbformat.write(source_notebook(), labs_root / f"{factories.LAB_ID}.ipynb")
    settings = {
        "LAB_ENGINE": "distributed",
        "LAB_KERNELS": "hosts",
        "REDIS_URL": redis_url,
        "CELERY_TRANSPORT_OPTIONS": {"global_keyprefix": prefix},
        "LABS_ROOT": str(labs_root),
        "SANDBOX": {"backend": "fake", "fake_seconds_per_cell": 1.5},
        "REDIS_PREFIX": prefix,
    }
    app = make_app(**settings)
    client = redis.Redis.from_url(redis_url)
    engine = app.extensions["lab_engine"]
    children = Children(child_config(app, settings), tmp_path)
    hosts: dict[str, subprocess.Popen] = {}

    def start_hosts(*names: str) -> None:
        """Start kernel hosts (at once: each takes a moment to boot) and wait for them."""
        for name in names:
            hosts[name] = children.kernel_host(name)
        alive = engine.runs.registry.alive
        assert poll(lambda: set(names) <= set(alive()), seconds=60), "hosts not up"

    with app.app_context():
        user = factories.make_user()
        lab = engine.lab(factories.LAB_ID)
        space = lab_workspaces.open_workspace(user, lab, now=utcnow(), secret="s" * 32)
        db.session.commit()
        app.workspace = (space.id, space.seed, lab_workspaces.cells(space))
    app.start_hosts, app.hosts = start_hosts, hosts
    yield app
    children.kill_all()  # each host and its kernels
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def events_of(app, workspace_id: int) -> list[dict]:
    return [e for _, e in app.extensions["lab_engine"].events_since(workspace_id, 0)]


def code_cell(app) -> tuple[str, str]:
    _, _, cells = app.workspace
    cell = next(c for c in cells if c.kind == "code")
    return cell.id, cell.source


def test_a_cell_runs_on_a_kernel_host_and_its_events_reach_the_web(site):
    site.start_hosts("alpha")
    engine = site.extensions["lab_engine"]
    workspace_id, seed, _ = site.workspace
    cell_id, code = code_cell(site)
    engine.run_cells(workspace_id, seed, [(cell_id, code)])
    assert poll(lambda: any(e["type"] == "done" for e in events_of(site, workspace_id)), seconds=60)
    done = [e for e in events_of(site, workspace_id) if e["type"] == "done"]
    assert done == [{**done[0], "cell": cell_id, "status": "ok"}]
    assert engine.kernel_status(workspace_id) == "idle"
    with site.app_context():  # as the host's next heartbeat reports it
        assert poll(lambda: engine.stats()["kernels"] == {"alpha": 1}, seconds=10)
    assert ("kernel_hosts", True, "1 alive") in engine.readiness()


def test_a_widgets_change_reaches_the_kernel_on_its_host_and_never_starts_one(site):
    site.start_hosts("alpha")
    engine = site.extensions["lab_engine"]
    workspace_id, seed, _ = site.workspace
    cell_id, code = code_cell(site)
    moved = {"comm_id": "ab12", "data": {"method": "update", "state": {"value": 3}}}

    def widget_done():
        return [e for e in events_of(site, workspace_id) if e["type"] == "widget-done"]

    engine.send_widget(workspace_id, cell_id, moved)  # no kernel yet: nothing to reach
    assert poll(widget_done, seconds=30)
    assert widget_done()[-1]["status"] == "gone"
    assert engine.kernel_status(workspace_id) == "none"

    engine.run_cells(workspace_id, seed, [(cell_id, code)])
    assert poll(lambda: any(e["type"] == "done" for e in events_of(site, workspace_id)), seconds=60)
    engine.send_widget(workspace_id, cell_id, moved)
    assert poll(lambda: len(widget_done()) == 2, seconds=30)
    assert widget_done()[-1] == {
        "type": "widget-done", "cell": cell_id, "comm": "ab12", "status": "ok"
    }  # fmt: skip


def test_a_learner_whose_kernel_host_dies_is_told_and_runs_again_elsewhere(site):
    site.start_hosts("alpha", "beta")
    engine = site.extensions["lab_engine"]
    workspace_id, seed, _ = site.workspace
    cell_id, code = code_cell(site)
    engine.run_cells(workspace_id, seed, [(cell_id, code)])
    assert poll(lambda: any(e["type"] == "running" for e in events_of(site, workspace_id)))
    holder = engine.runs.host_of(workspace_id, start=False)
    site.hosts[holder].send_signal(signal.SIGKILL)  # the machine died mid-cell
    site.hosts[holder].wait(30)
    # The page's stream asks for the kernel's status every few seconds: once the host's
    # heartbeat has lapsed, the learner hears that the kernel stopped and why.
    assert poll(lambda: engine.kernel_status(workspace_id) == "none", seconds=30)
    events = events_of(site, workspace_id)
    assert {"type": "kernel", "status": "none", "restarted": True} in events
    assert {"type": "done", "cell": cell_id, "status": "failed", "message": LOST_TEXT} in events
    engine.run_cells(workspace_id, seed, [(cell_id, code)])  # the next run: another host
    assert poll(lambda: events_of(site, workspace_id)[-1].get("status") == "ok", seconds=60)
    assert engine.runs.host_of(workspace_id, start=False) != holder
    with site.app_context():  # the learner's code is what it was
        space = db.session.get(lab_workspaces.LabWorkspace, workspace_id)
        assert code in nbformat.writes(nbformat.reads(space.notebook, as_version=4))


def test_without_a_kernel_host_a_run_is_refused_with_a_reason(site):
    engine = site.extensions["lab_engine"]
    workspace_id, seed, _ = site.workspace
    from app.errors import Conflict

    with pytest.raises(Conflict, match="No kernel host is running"):
        engine.run_cells(workspace_id, seed, [code_cell(site)])
    assert ("kernel_hosts", False, "none alive") in engine.readiness()

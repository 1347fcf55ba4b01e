"""Browser journeys: a live server on a fresh database, driven by Debian's Chromium."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
from werkzeug.serving import make_server

from app.database import latest_today, utcnow
from app.domain.roles import OrgKind, Role
from app.extensions import db
from app.services import apprenticeships, programs
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.e2e import axe
from tests.leaks import collect_abandoned_kernels
from tests.sandbox.labs_fixture import source_notebook

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use the system Chromium; Playwright never downloads a browser here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@dataclass
class LiveServer:
    app: object
    url: str
    make: Callable | None = None  # builds a new app on this test's database
    server: object = None
    thread: threading.Thread | None = None
    on_start: list[Callable] = field(default_factory=list)  # set up each app served
    on_stop: list[Callable] = field(default_factory=list)  # and stop what it started

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    def serve(self, app, port: int = 0) -> None:
        for step in self.on_start:
            step(app)
        self.app = app
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config["PUBLIC_BASE_URL"] = self.url  # links in mail lead back to this server

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        for step in self.on_stop:
            step(self.app)

    def restart(self) -> None:
        """Stop, then serve a new app on the same port and database: what a restarted
        server process has (nothing of the old one's memory: kernels, event logs)."""
        port = self.server.server_port
        self.stop()
        self.serve(self.make(DEV_MODE=True), port)


@pytest.fixture
def live_server(make_app) -> Iterator[LiveServer]:
    """Serve a fresh app (CSRF on, dev mode for the outbox) on a free loopback port."""
    live = LiveServer(None, "", make=make_app)
    live.serve(make_app(DEV_MODE=True))
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


def pytest_collection_modifyitems(config, items) -> None:
    """Run a journey marked ``@pytest.mark.viewport("phone")`` at that screen size only.

    Every page is seen at both sizes by some test; a journey that tests behaviour rather
    than layout (a server restart, offline edits, keyboard paths) needs one run, at the size
    its users use (phones for learners on the shop floor, desktops for staff and keyboard
    work), not two.
    """
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("viewport")
        size = getattr(getattr(item, "callspec", None), "params", {}).get("viewport")
        (drop if marker and size and size not in marker.args else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def ui(browser, viewport, request, artifacts: Path):
    """A fresh browser page at the parametrized viewport, with a ``shot(name)`` helper.

    axe-core checks every document the page loads, every screenshot's page and the last
    page; a serious or critical finding fails the test (see tests/e2e/axe.py), and all
    findings are written to the artifacts folder as ``axe-<test>-<viewport>.json``.
    """
    # Reduced motion: menus appear at once, so screenshots and axe's colour checks never
    # catch them half faded in.
    context = browser.new_context(viewport=VIEWPORTS[viewport], reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    auditor = axe.Auditor(page)
    test_name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")

    def shot(name: str) -> Path:
        path = artifacts / f"{request.node.originalname}-{name}-{viewport}.png"
        page.screenshot(path=str(path), full_page=True)
        auditor.audit()
        auditor.assert_clean()
        return path

    page.shot = shot
    page.console_errors = errors
    page.axe = auditor
    yield page
    try:
        if not page.is_closed():
            auditor.audit()
    finally:
        auditor.save(artifacts / f"axe-{test_name}.json")
        context.close()
    auditor.assert_clean()


@pytest.fixture
def lab_site(live_server, tmp_path):
    """The fixture curriculum, whose second lesson offers lab-demo, run on real kernels.

    Ana is a learner and Ian her instructor, both of Lakeshore Community College.
    """
    labs = tmp_path / "labs"
    labs.mkdir()
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"].update(id="lab-demo", title="A demo lab")
    nbformat.write(notebook, labs / "lab-demo.ipynb")

    def configure(app) -> None:
        app.config["LABS_ROOT"] = str(labs)
        app.extensions["lab_engine"].graders.count = 1  # starts with the first request

    app = live_server.app
    configure(app)
    live_server.on_start.append(configure)  # a restarted server's app too
    live_server.on_stop.append(stop_lab_runtime)
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        org = factories.make_org(name="Lakeshore Community College")
        factories.make_user(email="ana@plant.example", name="Ana Lopez", org=org)
        factories.make_user(email="ian@plant.example", name="Ian Instructor", org=org,
                            role=Role.INSTRUCTOR)  # fmt: skip
        db.session.commit()
    yield live_server
    live_server.on_stop.remove(stop_lab_runtime)
    stop_lab_runtime(live_server.app)
    collect_abandoned_kernels()


def stop_lab_runtime(app) -> None:
    """Stop an app's graders and kernels, as its process ending would."""
    app.extensions["lab_engine"].stop()


@pytest.fixture
def program_site(live_server, tmp_path):
    """The 'good' fixture tree with its demo program, at Acme Plastics (an employer): Ana, an
    apprentice enrolled 30 days ago and mentored by Mo; Ben, another apprentice; Ian, an
    instructor; Eve, the employer's admin who enrolled Ana."""
    root = tmp_path / "curriculum"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    (root / "programs").mkdir()
    shutil.copy(FIXTURE_CURRICULA / "programs" / "good.yml", root / "programs" / "demo.yml")
    app = live_server.app
    app.config["CURRICULUM_ROOT"] = str(root)
    today = latest_today()
    with app.app_context():
        sync_tree(root)
        acme = factories.make_org(slug="acme", name="Acme Plastics", kind=OrgKind.EMPLOYER)
        people = [
            ("ana@plant.example", "Ana Lopez", Role.APPRENTICE),
            ("ben@plant.example", "Ben Okafor", Role.APPRENTICE),
            ("mo@plant.example", "Mo Okafor", Role.MENTOR),
            ("ian@plant.example", "Ian Reyes", Role.INSTRUCTOR),
            ("eve@plant.example", "Eve Stone", Role.EMPLOYER),
        ]
        ana, _, mo, _, eve = (
            factories.make_user(email=email, name=name, role=role, org=acme)
            for email, name, role in people
        )
        apprenticeships.enrol(
            ana, programs.get(root, "demo-program"), mentor=mo, employer=acme,
            start_date=today - timedelta(days=30), by=eve, today=today, now=utcnow(),
        )  # fmt: skip
        db.session.commit()
    return live_server

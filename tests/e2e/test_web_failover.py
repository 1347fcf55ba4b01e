"""A web process dies while a learner's page follows their cell: the page carries on.

The distributed site as it runs behind a load balancer: two web processes (gunicorn,
gthread) on the test's database and the suite's Redis, one kernel host, and a small reverse
proxy in front (round robin; a dead backend is skipped). The learner's browser reaches the
site only through the proxy. While their cell prints line after line, the web process
serving the page's event stream is killed (SIGKILL): the browser reconnects through the
proxy to the other process, resumes from the last event it had, and shows every line once,
in order. The kernel host runs pretend kernels that run the cell's Python in its own
process (no sandbox needed: this is about the web tier, not about kernels).
"""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

from app.database import utcnow
from app.extensions import db
from app.services import lab_workspaces
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree
from tests.distributed.lab_site import LAB, labs_folder
from tests.distributed.processes import Children, child_config
from tests.distributed.proxy import Proxy
from tests.redis_server import free_port
from tests.waiting import poll

pytestmark = [pytest.mark.e2e, pytest.mark.distributed]

LINES = 10  # one every 0.4 s: the page is killed under it after the first three
PRINTS = f"for n in range({LINES}):\n    print(f'line {{n}}')"


@pytest.fixture
def viewport() -> str:
    return "desktop"  # the web tier is what fails here, not the layout: one viewport


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def site(make_app, tmp_path, redis_url, redis_prefix):
    """Two web processes behind the proxy, a kernel host; Ana's lab workspace saved with a
    cell that prints LINES lines."""
    prefix = redis_prefix
    ports = [free_port(), free_port()]
    proxy = Proxy(ports)
    settings = {
        "LAB_ENGINE": "distributed",
        "LAB_KERNELS": "hosts",
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "CELERY_TRANSPORT_OPTIONS": {"global_keyprefix": prefix},
        "LABS_ROOT": str(labs_folder(tmp_path)),
        "SANDBOX": {"backend": "fake"},
        "PUBLIC_BASE_URL": proxy.url,
    }
    app = make_app(**settings)
    children = Children({**child_config(app, settings), "TEST_LINE_SECONDS": 0.4}, tmp_path)
    webs = {port: children.web(port, log=f"web-{port}.log") for port in ports}
    children.kernel_host("alpha", log="host.log")
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        ana = factories.make_user(email="ana@plant.example", name="Ana Lopez")
        lab = app.extensions["lab_engine"].lab("lab-demo")
        space = lab_workspaces.open_workspace(ana, lab, now=utcnow(), secret=app.secret_key)
        lab_workspaces.save(
            space, lab, {"answer-availability": PRINTS}, base_revision=space.revision,
            now=utcnow(),
        )  # fmt: skip
        db.session.commit()
    engine = app.extensions["lab_engine"]
    assert poll(lambda: all(answers(f"http://127.0.0.1:{p}") for p in ports), seconds=60)
    assert poll(lambda: "alpha" in engine.runs.registry.alive(), seconds=60), "host not up"
    proxy.webs = webs
    proxy.kill = children.kill
    yield proxy
    proxy.close()
    children.kill_all()


def test_a_page_whose_web_process_dies_mid_stream_resumes_on_another(site, ui):
    ui.goto(f"{site.url}/login")
    ui.get_by_label("Email address").fill("ana@plant.example")
    ui.get_by_label("Password").fill(factories.PASSWORD)
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("heading", level=1)).to_contain_text("Hello, ")
    ui.goto(f"{site.url}{LAB}")
    expect(ui.get_by_role("heading", level=1)).to_have_text("A demo lab")
    answer = ui.locator("li[data-number='2']")
    expect(answer.get_by_role("textbox")).to_contain_text("print(f'line {n}')")

    answer.get_by_role("button", name="Run cell 2").click()
    expect(answer.locator("pre.out")).to_contain_text(["line 0", "line 1", "line 2"])
    streaming = site.serving("/stream")  # the web process the page's events come through
    assert len(streaming) == 1, streaming
    (dead,) = streaming
    shown = answer.locator("pre.out").count()
    site.kill(site.webs[dead])  # SIGKILL, the whole process group: that server is gone
    assert shown < LINES  # the rest is yet to come, through another process

    # The browser reconnects (through the proxy, to the survivor), from its last event.
    expect(answer.locator("pre.out")).to_have_count(LINES, timeout=30_000)
    assert answer.locator("pre.out").all_text_contents() == [f"line {n}\n" for n in range(LINES)]
    expect(answer).to_contain_text("✓ ran")  # its "done" came through too
    expect(ui.get_by_role("status").filter(has_text="Kernel")).to_have_text("Kernel: idle")
    (alive,) = set(site.webs) - {dead}
    assert site.serving("/stream") == {alive}  # the page follows through the survivor
    assert ui.console_errors == []  # the learner saw nothing go wrong

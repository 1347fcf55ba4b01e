from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db, limiter
from app.models import User
from tests import databases, url_builders

pytest_plugins = ["tests.e2e.fixtures", "tests.redis_server"]

url_builders.install()  # every app of the run shares compiled URL builders (see there)


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--database-only",
        action="store_true",
        help="run only the tests that use a database (CI runs these again on PostgreSQL)",
    )
    parser.addoption(
        "--lab-share",
        metavar="K[,K...]/N",
        help="of the shipped labs' checks (marker labs), in name order, run only those whose "
        "position modulo N is one of the Ks: scripts/test.sh shares them between its lanes",
    )


def pytest_collection_modifyitems(config, items) -> None:
    """With --database-only, deselect every test whose fixtures never reach a database;
    with --lab-share, the shipped labs' checks outside the share."""
    if config.getoption("--database-only"):
        _deselect(config, items, lambda item: "test_databases" in getattr(item, "fixturenames", ()))
    share = config.getoption("--lab-share")
    if share:
        kept, _, of = share.partition("/")
        keep, n = {int(k) for k in kept.split(",")}, int(of)
        labs = sorted(item.nodeid for item in items if item.get_closest_marker("labs"))
        place = {nodeid: position % n for position, nodeid in enumerate(labs)}
        # Every other test stays.
        _deselect(config, items, lambda item: place.get(item.nodeid, n) in keep | {n})


def _deselect(config, items, wanted) -> None:
    keep, drop = [], []
    for item in items:
        (keep if wanted(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _no_context_left_pushed():
    """A context a test leaves pushed becomes ``current_app`` for every later test in the
    process, which then fail far from the cause: fail the test that left it instead."""
    yield
    assert not has_app_context(), "this test left an app or request context pushed"


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory) -> Iterator:
    workdir = tmp_path_factory.mktemp("db")
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        yield from databases.postgres_databases(admin_url, workdir)
    else:
        yield databases.sqlite_databases(workdir)


@pytest.fixture
def make_app(test_databases, tmp_path) -> Iterator:
    """Build apps on this test's fresh database: ``make_app(DEV_MODE=True)``."""
    url = test_databases.for_test(tmp_path)
    built: list[Flask] = []

    def build(**overrides) -> Flask:
        config = databases.base_config(url, tmp_path / "instance")
        config.update(overrides)
        app = create_app(config)
        if app.config["RATELIMIT_ENABLED"]:
            app.finish_setup()  # binds the limiter to this app's storage
            limiter.reset()  # the limiter is one object shared by every app in the run
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    built.clear()  # pytest keeps the fixture's closure to the end of the run: not the apps
    test_databases.clean()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app) -> Iterator[None]:
    """An app context, for service tests that call the database directly."""
    with app.app_context():
        yield


@pytest.fixture
def outbox(app):
    """Read the mail the app has 'sent' (kept in the instance outbox folder)."""
    from app.mail import read_outbox

    return lambda: read_outbox(app.config["MAIL_OUTBOX_DIR"])


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "page has no CSRF token"
    return found.group(1)


def submit(client: FlaskClient, page: str, data: dict, *, action: str | None = None, **kwargs):
    """Load *page*, take its CSRF token, and post *data* to *action* (default: the page)."""
    response = client.get(page)
    token = csrf_token(response.get_data(as_text=True))
    return client.post(action or page, data={"csrf_token": token, **data}, **kwargs)


def sign_in(client: FlaskClient, user: User) -> None:
    """Start a session for *user* without going through the (slow, hashed) login form.

    Call it inside an app context. Like a real sign-in it records the session on the server
    (and commits), since a cookie without its server-side session signs nobody in.
    """
    from datetime import timedelta

    from flask import current_app

    from app.database import utcnow
    from app.extensions import login_manager
    from app.services import login_sessions
    from app.web.sessions import SESSION_KEY

    key = login_sessions.start(user, now=utcnow(), lifetime=timedelta(days=14))
    db.session.commit()
    with current_app.test_request_context(environ_base=client.environ_base):
        browser = login_manager._session_identifier_generator()  # as login_user keeps it
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = browser
        session[SESSION_KEY] = key


FIXTURE_CURRICULA = Path(__file__).parent / "fixtures" / "curricula"


# Loaded (frozen) curriculum trees by folder and the size and time of each file in it: most
# tests sync the same fixture tree, and reading it again each time cost ~60 ms a test.
_loaded_trees: dict = {}


def load_tree(root: Path):
    """``validate.load`` of *root* (with no labs), read again only when a file in it changed."""
    from app.content import validate

    files = sorted(path for path in root.rglob("*") if path.is_file())
    key = (root.resolve(), tuple((p, p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    if key not in _loaded_trees:
        _loaded_trees[key] = validate.load(root, labs_root=FIXTURE_CURRICULA / "no-labs")
    return _loaded_trees[key]


def sync_tree(root: Path) -> None:
    """Validate and sync a curriculum tree (inside an app context), and commit."""
    from app.database import utcnow
    from app.services import curriculum_sync

    curriculum, problems = load_tree(root)
    assert problems.errors == [], problems.errors
    curriculum_sync.sync(curriculum, version="test", now=utcnow())
    db.session.commit()


@pytest.fixture
def synced(app):
    """The small 'good' fixture curriculum, loaded into this test's database."""
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
    return app


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(__file__).parent / "artifacts"
    path.mkdir(exist_ok=True)
    return path

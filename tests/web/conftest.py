"""Fixtures shared by the web tests of the lab workspace and lab attempts."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sync_tree


@pytest.fixture
def labs_root(tmp_path):
    return tmp_path / "labs"


@pytest.fixture
def lab_app(make_app, labs_root):
    """The good fixture curriculum, whose lesson demo-second offers the fixture lab."""
    app = make_app(LABS_ROOT=str(labs_root), SANDBOX={"backend": "fake"})
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        factories.offer_lab(labs_root)
        db.session.commit()
    yield app
    # Let runs finish saving before the database goes: no connection is left to the GC.
    app.extensions["lab_engine"].runs.pool.shutdown(wait=True)

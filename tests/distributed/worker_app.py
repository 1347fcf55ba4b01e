"""The app a test's Celery worker runs: built from the JSON config the test passes in
SHOPFLOOR_TEST_APP_CONFIG, so worker and test share a database, Redis prefix and labs."""

from __future__ import annotations

import json
import os

from app import create_app

app = create_app(json.loads(os.environ["SHOPFLOOR_TEST_APP_CONFIG"]))
celery_app = app.extensions["celery"]

"""A learner's lab seed is keyed with the server's secret: ids alone do not give it away."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.extensions import db
from app.models import LabWorkspace
from app.services import lab_workspaces
from tests import factories
from tests.conftest import csrf_token, sign_in

LAB = "/courses/demo-course/lessons/demo-second/labs/lab-availability"


def test_opening_a_lab_stores_a_seed_keyed_with_the_secret_key(lab_app):
    client = lab_app.test_client()
    with lab_app.app_context():
        user = factories.make_user()
        sign_in(client, user)
        db.session.commit()
        user_id = user.id
    page = client.get(LAB).get_data(as_text=True)
    revision = int(re.search(r'data-revision="(\d+)"', page).group(1))
    saved = client.post(  # opening the page writes nothing; the first save makes the workspace
        f"{LAB}/save",
        json={"revision": revision, "cells": {}},
        headers={"X-CSRFToken": csrf_token(page), "Accept": "application/json"},
    )
    assert saved.status_code == 200
    with lab_app.app_context():
        seed = db.session.scalar(select(LabWorkspace.seed).where(LabWorkspace.user_id == user_id))
    guess = hashlib.sha256(f"shopfloor-lab-seed:{user_id}:{factories.LAB_ID}".encode()).digest()
    assert seed != int.from_bytes(guess[:4], "big") % 1_000_000  # the old, unkeyed seed
    assert seed == lab_workspaces.seed_for(user_id, factories.LAB_ID, secret=lab_app.secret_key)
    assert seed != lab_workspaces.seed_for(user_id, factories.LAB_ID, secret="another key")

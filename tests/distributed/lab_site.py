"""A small site with a lab, and learners using it through the web as their pages do.

The fixture curriculum's second lesson offers ``lab-demo`` (the labs fixture notebook).
Learners are signed in on test clients of their own; ``Page`` follows a workspace the way
the browser's page does when it polls.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import LabSubmission
from tests import factories
from tests.conftest import FIXTURE_CURRICULA, sign_in, sync_tree
from tests.sandbox.labs_fixture import HONEST, source_notebook

LESSON = "/courses/demo-course/lessons/demo-second"
LAB = f"{LESSON}/labs/lab-demo"
MINE = {cell: f"{code}  # mine" for cell, code in HONEST.items()}  # correct answers, marked


def labs_folder(tmp_path: Path) -> Path:
    """A LABS_ROOT holding ``lab-demo``."""
    labs = tmp_path / "labs"
    labs.mkdir(exist_ok=True)
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"].update(id="lab-demo", title="A demo lab")
    nbformat.write(notebook, labs / "lab-demo.ipynb")
    return labs


def learners(app: Flask, *names: str) -> dict[str, FlaskClient]:
    """Sync the fixture curriculum and sign in a learner per name, each on a client."""
    clients = {}
    with app.app_context():
        sync_tree(FIXTURE_CURRICULA / "good")
        for name in names:
            user = factories.make_user(email=f"{name}@plant.example")
            db.session.commit()
            clients[name] = client = app.test_client()
            sign_in(client, user)
    return clients


def save_answers(client: FlaskClient, answers: dict[str, str] = MINE, revision: int = 1) -> int:
    """Save answers as the editor does, on top of *revision* (1: the first save, which
    makes the workspace); the revision saved."""
    saved = client.post(f"{LAB}/save", json={"cells": answers, "revision": revision})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    return saved.get_json()["revision"]


def run_cell(client: FlaskClient, cell: str = "answer-availability") -> None:
    response = client.post(f"{LAB}/run", json={"cells": [cell]})
    assert response.status_code == 202, response.get_data(as_text=True)


def submit(client: FlaskClient) -> int:
    """Submit the learner's saved notebook as the page does; the submission's id."""
    response = client.post(f"{LAB}/submit", json={})
    assert response.status_code == 201, response.get_data(as_text=True)
    public_id = response.get_json()["url"].rsplit("/", 1)[1]
    with client.application.app_context():
        found = db.session.scalar(
            db.select(LabSubmission.id).where(LabSubmission.public_id == public_id)
        )
        db.session.remove()
        return found


class Page:
    """What the learner's open workspace page does: show the saved state, follow the events
    after the number it was served with, and load itself again when told to reload."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.reloads = 0
        self.load()

    def load(self) -> None:
        response = self.client.get(LAB)
        assert response.status_code == 200, response.get_data(as_text=True)
        self.html = response.get_data(as_text=True)
        self.after = int(re.search(r'data-events-after="(\d+)"', self.html).group(1))
        self.seen: list[tuple[int, dict]] = []

    def read(self) -> list[tuple[int, dict]]:
        """Poll once, as the page does when it cannot stream; everything it took in."""
        response = self.client.get(f"{LAB}/events?after={self.after}")
        assert response.status_code == 200, response.get_data(as_text=True)
        for number, event in response.get_json()["events"]:
            if event["type"] == "reload":
                self.reloads += 1
                self.load()
                return []
            assert number > self.after  # every event once, in order
            self.after = number
            self.seen.append((number, event))
        return self.seen

    def saw(self, kind: str) -> bool:
        return any(event["type"] == kind for _, event in self.read())

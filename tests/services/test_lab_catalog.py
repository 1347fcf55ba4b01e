"""Labs are found by id in LABS_ROOT; anything else is a clear 'no such lab'."""

from __future__ import annotations

import os

import nbformat
import pytest

from app.content.labs import LabError
from app.content.limits import NOTEBOOK_BYTES
from app.errors import NotFound
from app.services import lab_catalog
from tests.sandbox.labs_fixture import source_notebook


def test_a_lab_is_loaded_by_id_and_reloaded_when_its_file_changes(tmp_path):
    path = tmp_path / "lab-availability.ipynb"
    nbformat.write(source_notebook(), path)
    first = lab_catalog.load(tmp_path, "lab-availability")
    assert first.title == "Availability and OEE"
    changed = source_notebook()
    changed.metadata["shopfloor"]["lab"]["title"] = "Availability, again"
    nbformat.write(changed, path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert lab_catalog.load(tmp_path, "lab-availability").title == "Availability, again"


@pytest.mark.parametrize("lab_id", ["lab-missing", "../secrets", "Lab_Upper", ""])
def test_unknown_or_odd_ids_are_not_found(tmp_path, lab_id):
    with pytest.raises(NotFound):
        lab_catalog.load(tmp_path, lab_id)


def test_a_broken_lab_file_says_which_file(tmp_path):
    (tmp_path / "lab-broken.ipynb").write_text("{not json")
    with pytest.raises(LabError, match="lab-broken.ipynb"):
        lab_catalog.load(tmp_path, "lab-broken")


def test_a_linked_lab_notebook_is_never_read(tmp_path):
    secret = tmp_path / "secret.ipynb"
    nbformat.write(source_notebook(), secret)
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs/lab-availability.ipynb").symlink_to(secret)
    with pytest.raises(LabError, match="is a symbolic link"):
        lab_catalog.load(tmp_path / "labs", "lab-availability")


def test_an_oversized_lab_notebook_is_refused_before_it_is_read(tmp_path):
    with (tmp_path / "lab-big.ipynb").open("wb") as handle:
        handle.truncate(NOTEBOOK_BYTES + 1)
    with pytest.raises(LabError, match="lab-big.ipynb: 'lab-big.ipynb' is 5,242,881 bytes"):
        lab_catalog.load(tmp_path, "lab-big")


def test_a_fifo_in_place_of_a_lab_is_no_lab(tmp_path):
    os.mkfifo(tmp_path / "lab-pipe.ipynb")
    with pytest.raises(LabError, match="not a regular file"):
        lab_catalog.load(tmp_path, "lab-pipe")

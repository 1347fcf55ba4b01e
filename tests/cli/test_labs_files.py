"""`flask labs` reads and writes lab notebooks under the content loader's rules."""

from __future__ import annotations

import os

import nbformat

from tests.sandbox.labs_fixture import source_notebook

SECRET = "SHOPFLOOR_SECRET_KEY=leaked"


def build(app, labs):
    return app.test_cli_runner().invoke(args=["labs", "build", "--labs", str(labs)])


def test_build_writes_no_learner_version_through_a_link(app, tmp_path):
    labs = tmp_path / "labs"
    (labs / "learner").mkdir(parents=True)
    nbformat.write(source_notebook(), labs / "lab-availability.ipynb")
    target = tmp_path / "bashrc"
    target.write_text(SECRET)
    (labs / "learner/lab-availability.ipynb").symlink_to(target)
    result = build(app, labs)
    assert result.exit_code == 0, result.output
    assert target.read_text() == SECRET
    assert not (labs / "learner/lab-availability.ipynb").is_symlink()


def test_build_refuses_a_linked_learner_folder(app, tmp_path):
    labs = tmp_path / "labs"
    labs.mkdir()
    nbformat.write(source_notebook(), labs / "lab-availability.ipynb")
    (tmp_path / "elsewhere").mkdir()
    (labs / "learner").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = build(app, labs)
    assert result.exit_code == 1 and "'learner' is a symbolic link" in result.output
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_build_refuses_a_linked_source_notebook(app, tmp_path):
    labs = tmp_path / "labs"
    labs.mkdir()
    nbformat.write(source_notebook(), tmp_path / "outside.ipynb")
    (labs / "lab-availability.ipynb").symlink_to(tmp_path / "outside.ipynb")
    result = build(app, labs)
    assert result.exit_code == 1 and "is a symbolic link" in result.output
    assert not (labs / "learner").exists()


def test_build_refuses_a_lab_id_that_is_a_path(app, tmp_path):
    labs = tmp_path / "labs"
    labs.mkdir()
    notebook = source_notebook()
    notebook.metadata["shopfloor"]["lab"]["id"] = "../../escaped"
    nbformat.write(notebook, labs / "lab-availability.ipynb")
    result = build(app, labs)
    assert result.exit_code == 1 and "lab id must be lower-case letters" in result.output
    assert not (tmp_path / "escaped.ipynb").exists()


def test_exec_refuses_a_fifo_instead_of_hanging(app, tmp_path):
    os.mkfifo(tmp_path / "pipe.ipynb")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["labs", "exec", str(tmp_path / "pipe.ipynb")])
    assert result.exit_code == 1 and "not a regular file" in result.output

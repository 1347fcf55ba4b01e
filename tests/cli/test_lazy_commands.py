"""`flask --help` lists the app's commands without importing them."""

from __future__ import annotations

import pytest

from app.cli import COMMANDS, LazyCommand


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_listed_command_shows_its_own_help(app, name):
    """Is the one-line help `flask --help` shows the command's own, at any width?"""
    listed = app.cli.commands[name]
    assert isinstance(listed, LazyCommand)
    for limit in (30, 45, 80, 200):
        assert listed.get_short_help_str(limit) == listed.command.get_short_help_str(limit)

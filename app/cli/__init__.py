"""Command-line interface: ``flask users``, ``flask orgs``, ``flask seed-demo``."""

from __future__ import annotations

from flask import Flask

from app.cli import (
    badges,
    credentials,
    curriculum,
    demo,
    exports,
    keys,
    labs,
    mastery,
    orgs,
    plcsim,
    users,
)


def register_commands(app: Flask) -> None:
    app.cli.add_command(users.group)
    app.cli.add_command(orgs.group)
    app.cli.add_command(demo.seed_demo)
    app.cli.add_command(curriculum.group)
    app.cli.add_command(badges.group)
    app.cli.add_command(labs.group)
    app.cli.add_command(plcsim.group)
    app.cli.add_command(mastery.group)
    app.cli.add_command(exports.group)
    app.cli.add_command(keys.group)
    app.cli.add_command(credentials.group)

"""Command-line interface: ``flask users``, ``flask orgs``, ``flask seed-demo`` and the rest.

Every ``flask`` command builds the app first, ``flask --help`` included, so the app knows its
commands without importing them: ``app.cli`` holds, for each, a stand-in that knows where the
command lives and its one-line help, and imports the command (with the services, kernels and
Alembic behind it) only when it runs or shows its own help. This is click's lazy loading of
subcommands, with the short help known up front so that listing the commands imports nothing.
"""

from __future__ import annotations

import importlib
from functools import cached_property
from typing import Any

import click
from flask import Flask

# name: (module:attribute of the command, its own help up to the first full stop, which is
# what `flask --help` shows of it).
COMMANDS: dict[str, tuple[str, str]] = {
    "users": ("app.cli.users:group", "Create, list and administer user accounts."),
    "orgs": ("app.cli.orgs:group", "Create and list organizations."),
    "seed-demo": (
        "app.cli.demo:seed_demo",
        "Create demo organizations, one account per role and, once the course is loaded, a "
        "demo state program with months of learners' work (safe to run again).",
    ),
    "curriculum": ("app.cli.curriculum:group", "Check and load course content from curricula/."),
    "badges": ("app.cli.badges:group", "Check and load achievements from badges/."),
    "labs": ("app.cli.labs:group", "Run and grade lab notebooks in the sandbox."),
    "plcsim": ("app.cli.plcsim:group", "Serve the simulated production line to PLC clients."),
    "mastery": ("app.cli.mastery:group", "Keep competency mastery up to date."),
    "exports": (
        "app.cli.exports:group",
        "Export apprenticeship records (RAPIDS) and xAPI statements.",
    ),
    "keys": (
        "app.cli.keys:group",
        "Signing keys and did:web documents of issuing organizations.",
    ),
    "credentials": ("app.cli.credentials:group", "Verify, issue, revoke and list credentials."),
    # Flask-Migrate's group; Migrate.init_app would import it, and Alembic with it, at start-up.
    "db": ("flask_migrate.cli:db", "Perform database migrations."),
}


class LazyCommand(click.Command):
    """Stands for the command at *target* (``module:attribute``) until it runs.

    Listing commands reads only ``help``. Running the command, or asking for its own
    ``--help``, makes the context from the real command, so click parses, helps and invokes
    with the real one from then on.
    """

    def __init__(self, name: str, target: str, summary: str) -> None:
        super().__init__(name, help=summary)
        self.target = target

    @cached_property
    def command(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def make_context(self, info_name: str | None, args: list[str], parent=None, **extra: Any):
        return self.command.make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self.command.invoke(ctx)

    def to_info_dict(self, ctx: click.Context) -> dict[str, Any]:
        return self.command.to_info_dict(ctx)


def register_commands(app: Flask) -> None:
    for name, (target, summary) in COMMANDS.items():
        app.cli.add_command(LazyCommand(name, target, summary))

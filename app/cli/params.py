"""Click parameter types shared by the command groups."""

from __future__ import annotations

import click

from app.domain.roles import OrgKind, Role


class ChoiceType(click.ParamType):
    """A Role or OrgKind, written loosely; a bad value lists the valid ones."""

    def __init__(self, enum: type[Role] | type[OrgKind]) -> None:
        self.enum = enum
        self.name = enum.__name__.lower()

    def convert(self, value, param, ctx):
        if isinstance(value, self.enum):
            return value
        try:
            return self.enum.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


ROLE = ChoiceType(Role)
ORG_KIND = ChoiceType(OrgKind)


def fail(exc: Exception) -> click.ClickException:
    """Turn a service error into a one-line CLI error, naming the field at fault."""
    field = getattr(exc, "field", None)
    return click.ClickException(f"{field.replace('_', ' ')}: {exc}" if field else str(exc))

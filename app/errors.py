"""Domain exceptions. ``web/errors.py`` maps them to HTTP statuses in one table."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: something the user asked for cannot be done as asked.

    *details* (plain data) go into a JSON error answer beside the message, for pages that
    can act on them.
    """

    def __init__(self, *args: object, details: dict | None = None) -> None:
        super().__init__(*args)
        self.details = details or {}


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class Conflict(DomainError):
    pass


class BadRequest(DomainError):
    """The request names something that does not exist here, or has the wrong shape."""


class InvalidInput(DomainError):
    """A value breaks a rule. ``field`` names the form field it belongs to, if any."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

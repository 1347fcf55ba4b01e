"""Exceptions raised by the credentials package.

They derive from ``app.errors.InvalidInput`` where a caller's input is at fault, so web and CLI
edges can report them like any other rule broken by input.
"""

from __future__ import annotations

from app.errors import DomainError, InvalidInput


class CredentialError(InvalidInput):
    """A credential, key or context cannot be processed as given."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(field, message)


class ContextError(CredentialError):
    """A JSON-LD context is not bundled, or a term is not defined by the contexts in use."""


class KeyResolutionError(CredentialError):
    """A key or verification method is malformed or cannot be resolved."""


class SchemaError(CredentialError):
    """The credential does not validate against the Open Badges 3.0 JSON Schema.

    ``path`` is the JSON path of the failing value (``$.credentialSubject.achievement``).
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}", field=path)
        self.path = path


class StatusListError(CredentialError):
    """A status list is malformed, too short, or an index is out of range."""


class SigningError(DomainError):
    """A proof cannot be created (a programming or key configuration error)."""

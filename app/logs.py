"""Logging: plain text for ``flask run``, one JSON object per line for log collectors.

No Flask here. ``web/ops.py`` sets the request id for the request being handled; every line
logged while it is set (by a view, a service, the database layer) carries it.
``configure(app)`` applies ``LOG_FORMAT`` and ``LOG_LEVEL`` once the configuration is loaded.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
# Taken from a client's X-Request-ID only when it is this plain: no spaces, quotes or control
# characters reach a log line or a response header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Fields an access line adds through ``extra=``.
ACCESS_FIELDS = ("method", "path", "route", "status", "duration_ms", "remote_addr")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def choose_request_id(incoming: str | None) -> str:
    """Return *incoming* if it is a safe request id, else a new random one."""
    if incoming and SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and access fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Flask's usual line, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("[%(asctime)s] %(levelname)s in %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        current = getattr(record, "request_id", None) or request_id.get()
        return f"{line} [request {current}]" if current else line


class _StderrHandler(logging.StreamHandler):
    """Write to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(app: Any) -> None:
    """Apply ``LOG_FORMAT`` ("text" or "json") and ``LOG_LEVEL`` to the root logger.

    The level defaults to INFO for JSON (access lines are INFO) and WARNING for text, as before.

    Replaces the handler an earlier call installed, so building several apps in one process
    leaves one handler. Flask's own handler on ``app.logger`` is dropped: lines go to stderr once.
    """
    name = app.config.get("LOG_FORMAT") or "text"
    if name not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}; got {name!r}.")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if name == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL") or ("INFO" if name == "json" else "WARNING"))
    # Flask gives app.logger a plain StreamHandler of its own unless a handler is configured
    # first; drop it if it came first, so lines are not written twice.
    for flask_handler in [h for h in app.logger.handlers if type(h) is logging.StreamHandler]:
        app.logger.removeHandler(flask_handler)

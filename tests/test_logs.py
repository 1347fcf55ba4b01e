"""Log lines as a log collector reads them: one JSON object per line, with the request id."""

from __future__ import annotations

import json
import logging
import sys
from types import SimpleNamespace

import pytest

from app import logs


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord(
        "app.services.things", logging.WARNING, __file__, 1, message, args, exc_info
    )
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_the_fields_a_collector_indexes():
    token = logs.request_id.set("req-1")
    try:
        line = logs.JsonFormatter().format(record("lab %s: %s", 7, "timeout"))
    finally:
        logs.request_id.reset(token)
    entry = json.loads(line)
    assert {k: entry[k] for k in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING",
        "logger": "app.services.things",
        "message": "lab 7: timeout",
        "request_id": "req-1",
    }
    assert entry["time"].endswith("+00:00")
    assert "exc_info" not in entry and "status" not in entry


def test_a_traceback_stays_inside_one_json_line():
    try:
        raise ValueError("broken\nacross lines")
    except ValueError:
        line = logs.JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["exc_info"].startswith("Traceback") and "ValueError: broken" in entry["exc_info"]
    assert entry["request_id"] is None  # logged outside any request


def test_access_fields_come_through_extra():
    entry = json.loads(
        logs.JsonFormatter().format(
            record("GET / 200", method="GET", path="/", status=200, duration_ms=1.5)
        )
    )
    assert (entry["method"], entry["path"], entry["status"], entry["duration_ms"]) == (
        "GET",
        "/",
        200,
        1.5,
    )


def test_text_lines_carry_the_request_id_when_there_is_one():
    formatter = logs.TextFormatter()
    assert "request" not in formatter.format(record("plain"))
    token = logs.request_id.set("req-2")
    try:
        assert formatter.format(record("inside")).endswith("inside [request req-2]")
    finally:
        logs.request_id.reset(token)


@pytest.mark.parametrize("safe", ["a", "lb-01.x_Y", "0" * 64])
def test_a_safe_incoming_request_id_is_kept(safe):
    assert logs.choose_request_id(safe) == safe


@pytest.mark.parametrize("hostile", [None, "", "0" * 65, "a b", "x\r\ny", "é", "a/b", '"q"'])
def test_an_unsafe_incoming_request_id_is_replaced(hostile):
    chosen = logs.choose_request_id(hostile)
    assert chosen != hostile and len(chosen) == 32


@pytest.fixture
def root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def fake_app(**config) -> SimpleNamespace:
    return SimpleNamespace(config=config, logger=logging.getLogger("app-under-test"))


def test_configure_twice_leaves_one_handler(root_logger, capsys):
    logs.configure(fake_app(LOG_FORMAT="json"))
    logs.configure(fake_app(LOG_FORMAT="json"))
    logging.getLogger("app.anything").info("once")
    lines = capsys.readouterr().err.splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["once"]


def test_text_format_keeps_info_quiet_by_default(root_logger, capsys):
    logs.configure(fake_app(LOG_FORMAT="text"))
    logging.getLogger("app.anything").info("chatter")
    logging.getLogger("app.anything").warning("worth reading")
    err = capsys.readouterr().err
    assert "chatter" not in err and "WARNING in app.anything: worth reading" in err


def test_an_unknown_log_format_is_refused(root_logger):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.configure(fake_app(LOG_FORMAT="xml"))

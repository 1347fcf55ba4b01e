"""`flask curriculum preview`: its options, and a port in use refused before any work."""

from __future__ import annotations

import socket


def test_the_preview_command_is_listed_with_its_options(runner):
    listed = runner.invoke(args=["curriculum", "--help"])
    assert listed.exit_code == 0 and "preview" in listed.output
    helped = runner.invoke(args=["curriculum", "preview", "--help"])
    assert helped.exit_code == 0
    for option in ("--root", "--labs", "--host", "--port"):
        assert option in helped.output
    assert "127.0.0.1" in helped.output and "5001" in helped.output


def test_a_port_in_use_fails_at_once(runner, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(args=["curriculum", "preview", "--port", str(port)])
    assert result.exit_code == 1
    assert f"Port {port} is in use" in result.output
    assert "Loading" not in result.output

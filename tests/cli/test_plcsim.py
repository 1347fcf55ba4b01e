"""`flask plcsim serve`: the register map, and clear errors instead of hangs."""

from __future__ import annotations

import socket

import pytest

from plcsim.registers import build_map
from plcsim.scenarios import scenario


def serve(runner, *args):
    return runner.invoke(args=["plcsim", "serve", *args])


def test_print_map_prints_the_markdown_register_map(runner):
    result = serve(runner, "--print-map")
    assert result.exit_code == 0, result.output
    line = scenario("packaging-line", 1)
    assert result.output == build_map(line.tags(), line.units).markdown()
    assert "| Riverbend/Packaging/Line1/Filler/Status/CurMachSpeed | float32 |" in result.output


@pytest.mark.parametrize("option", ["--modbus", "--opcua"])
@pytest.mark.parametrize("address", ["0.0.0.0:5020", "192.0.2.10:5020", "plc.example:502"])
def test_serve_refuses_a_non_loopback_address_without_allow_remote(runner, option, address):
    result = serve(runner, option, address)
    assert result.exit_code == 2
    assert "is not a loopback address" in result.output
    assert "--allow-remote" in result.output


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "Give --modbus HOST:PORT, --opcua HOST:PORT or both"),
        (["--modbus", "5020"], "is not host:port"),
        (["--modbus", "127.0.0.1:99999"], "out of range"),
        (["--opcua", "127.0.0.1:port"], "is not host:port"),
        (["--opcua", "::1:4840"], "in brackets"),
        (["--modbus", "127.0.0.1:5020", "--speed", "-1"], "Invalid value for '--speed'"),
        (["--modbus", "127.0.0.1:5020", "--scenario", "bakery"], "Invalid value for '--scenario'"),
        (["--modbus", "127.0.0.1:5020", "--seed", "many"], "Invalid value for '--seed'"),
    ],
)
def test_serve_rejects_bad_input(runner, args, message):
    result = serve(runner, *args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("option", ["--modbus", "--opcua"])
def test_serve_reports_a_port_in_use(runner, option):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve(runner, option, f"127.0.0.1:{port}")
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output

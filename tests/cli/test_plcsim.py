"""`flask plcsim serve`: the register map, and clear errors instead of hangs."""

from __future__ import annotations

import socket
import threading

import pytest

from app.cli import plcsim as cli
from plcsim.registers import build_map
from plcsim.scenarios import scenario
from plcsim.serve import Address, Endpoints
from tests.plcsim import fakes


def serve(runner, *args):
    """Invoke ``flask plcsim serve`` on a thread of its own, as from a shell.

    Browser tests leave an asyncio loop running on pytest's main thread, where the command's
    ``asyncio.run`` would refuse to start.
    """
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(value=runner.invoke(args=["plcsim", "serve", *args]))
    )
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "flask plcsim serve did not return"
    return result["value"]


def test_print_map_prints_the_markdown_register_map(runner):
    result = serve(runner, "--print-map")
    assert result.exit_code == 0, result.output
    line = scenario("packaging-line", 1)
    assert result.output == build_map(line.tags(), line.units).markdown()
    assert "| Riverbend/Packaging/Line1/Filler/Status/CurMachSpeed | float32 |" in result.output


@pytest.fixture
def resolver(monkeypatch):
    """Host names resolve from tests.plcsim.fakes.NAMES, never from DNS."""
    monkeypatch.setattr(socket, "getaddrinfo", fakes.getaddrinfo())


@pytest.mark.parametrize("option", ["--modbus", "--opcua"])
@pytest.mark.parametrize(
    "address",
    ["0.0.0.0:5020", "[::]:5020", "192.0.2.10:5020", "plc.example:502", "hijacked-localhost:502"],
)
def test_serve_refuses_a_non_loopback_address_without_allow_remote(
    runner, resolver, option, address
):
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


@pytest.fixture
def served(monkeypatch) -> dict:
    """Replace the servers with a fake that reports itself ready and returns at once."""
    calls = {}

    async def fake_serve(live, **options):
        calls.update(options, live=live)
        options["ready"](Endpoints(Address("127.0.0.1", 5020), "opc.tcp://127.0.0.1:4840/plcsim"))

    monkeypatch.setattr(cli, "serve", fake_serve)
    return calls


def test_serve_passes_addresses_and_allow_remote_on(runner, resolver, served):
    result = serve(
        runner, "--modbus", "plc.example:5020", "--opcua", "localhost:4840", "--allow-remote"
    )
    assert result.exit_code == 0, result.output
    assert served["modbus"] == Address("plc.example", 5020)
    assert served["opcua"] == Address("localhost", 4840)
    assert served["allow_remote"] is True
    assert "Modbus TCP on 127.0.0.1:5020" in result.output
    assert "OPC UA on opc.tcp://127.0.0.1:4840/plcsim" in result.output


def test_serve_runs_the_chosen_scenario_at_the_chosen_speed(runner, served):
    result = serve(runner, "--modbus", "127.0.0.1:0", "--seed", "9", "--speed", "60")
    assert result.exit_code == 0, result.output
    assert served["allow_remote"] is False
    assert served["live"].speed == 60
    assert served["live"].line.seed == 9
    assert "Scenario packaging-line, seed 9, speed 60x" in result.output

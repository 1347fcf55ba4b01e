"""plcsim.serve itself: which addresses it will serve on, and that it never leaks a server."""

from __future__ import annotations

import socket

import pytest

import plcsim.serve
from plcsim.scenarios import scenario
from plcsim.serve import MAX_SPEED, Address, Background, LiveLine, ServeError, check_address, serve
from tests.plcsim import aio, fakes


@pytest.fixture
def names(monkeypatch) -> dict[str, list[str]]:
    """Resolve host names from this table (a copy of fakes.NAMES), never from DNS."""
    table = dict(fakes.NAMES)
    monkeypatch.setattr(socket, "getaddrinfo", fakes.getaddrinfo(table))
    return table


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1", "localhost"])
def test_loopback_addresses_are_served_without_allow_remote(names, host):
    address = Address(host, 5020)
    assert address.is_loopback
    check_address(address)


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104 - every interface: refused, never bound
        "::",
        "192.0.2.10",
        "::ffff:192.0.2.10",
        "hijacked-localhost",  # a loopback-sounding name is not enough
        "plc.example",
        "half-loopback",  # every address a name resolves to must be loopback
        "nowhere.invalid",  # a name that does not resolve
    ],
)
def test_other_addresses_need_allow_remote(names, host):
    address = Address(host, 5020)
    assert not address.is_loopback
    with pytest.raises(ValueError, match="is not a loopback address.*--allow-remote"):
        check_address(address)
    check_address(address, allow_remote=True)


def test_localhost_that_resolves_elsewhere_is_not_loopback(names):
    names["localhost"] = ["192.0.2.7"]
    assert not Address("localhost", 5020).is_loopback


def test_serve_itself_refuses_a_remote_address_before_binding(names):
    """Is the loopback rule in the API, not only in the CLI?"""
    live = LiveLine(scenario("packaging-line", 1), speed=0)
    with pytest.raises(ValueError, match="not a loopback address"):
        aio.run(lambda: serve(live, modbus=Address("0.0.0.0", 0)))  # noqa: S104
    with pytest.raises(ValueError, match="not a loopback address"):
        Background(live, opcua=Address("plc.example", 0)).start()


@pytest.mark.parametrize("text", ["127.0.0.1:٥٠٢٠", "127.0.0.1:+502", "127.0.0.1: 502"])
def test_address_parse_wants_an_ascii_port(text):
    with pytest.raises(ValueError, match="is not host:port"):
        Address.parse(text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_background_frees_its_port_when_it_stops():
    live = LiveLine(scenario("packaging-line", 1), speed=0)
    with Background(live, modbus=Address("127.0.0.1", 0)) as running:
        port = running.endpoints.modbus.port
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with Background(live, modbus=Address("127.0.0.1", port)) as again:  # rebinds at once
        assert again.endpoints.modbus.port == port


def test_a_failed_start_stops_the_servers_already_started():
    """Modbus starts first; when OPC UA cannot bind, is the Modbus port released?"""
    live = LiveLine(scenario("packaging-line", 1), speed=0)
    modbus = Address("127.0.0.1", free_port())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        opcua = Address("127.0.0.1", taken.getsockname()[1])
        starting = Background(live, modbus=modbus, opcua=opcua)
        with pytest.raises(ServeError, match="OPC UA: cannot listen"):
            starting.start()
    assert not starting._thread.is_alive()
    with Background(live, modbus=modbus) as running:
        assert running.endpoints.modbus == modbus


def test_a_start_that_times_out_leaves_no_server_running(monkeypatch):
    bound: list = []

    async def never_ready(live, *, ready, **options):  # listens, but never says so
        return await serve(live, ready=bound.append, **options)

    monkeypatch.setattr(plcsim.serve, "serve", never_ready)
    live = LiveLine(scenario("packaging-line", 1), speed=0)
    starting = Background(live, modbus=Address("127.0.0.1", 0), timeout=0.5)
    with pytest.raises(ServeError, match="did not start within 0.5 s"):
        starting.start()
    assert not starting._thread.is_alive()
    [endpoints] = bound  # the server did listen before it was stopped
    with socket.create_server(("127.0.0.1", endpoints.modbus.port)):
        pass  # and its port is free again


def test_stop_reports_a_server_that_died_while_serving():
    live = LiveLine(scenario("packaging-line", 1), speed=MAX_SPEED)
    running = Background(live, modbus=Address("127.0.0.1", 0)).start()
    running.live.line.run = None  # the next clock tick fails: TypeError in the serve loop
    running._thread.join(30)
    with pytest.raises(TypeError):
        running.stop()


def test_stop_before_start_is_harmless():
    Background(LiveLine(scenario("packaging-line", 1), speed=0), modbus=Address("::1", 0)).stop()

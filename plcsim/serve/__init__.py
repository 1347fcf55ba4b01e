"""Serve a simulated line's live tag table over Modbus TCP and OPC UA, like a real PLC.

``LiveLine`` advances a line against the wall clock; ``serve`` runs the servers and the
clock in one asyncio loop; ``Background`` does the same in a thread, for notebooks and tests.
The protocol modules (pymodbus, asyncua) are imported only when their server starts, so
``--modbus`` alone never loads asyncua. Nothing here imports Flask.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plcsim.line import Line
from plcsim.packml import Command
from plcsim.registers import RegisterMap, build_map
from plcsim.tags import Tag

MAX_SPEED = 3600.0  # simulated seconds per wall second: one hour a second keeps up on 2 cores
MAX_CATCH_UP = 600.0  # after a stall (a laptop asleep), skip ahead at most this many seconds
TICK = 0.1  # wall seconds between clock updates
STOP_TIMEOUT = 30.0  # wall seconds Background waits for its servers to close


class ServeError(Exception):
    """A server could not start: the address is taken, or not allowed."""


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Address:
        """Read ``host:port`` (``[::1]:4840`` for IPv6); ValueError says what is wrong."""
        host, sep, port = text.rpartition(":")
        if not sep or not host or not (port.isascii() and port.isdigit()):
            raise ValueError(f"{text!r} is not host:port (e.g. 127.0.0.1:5020)")
        bracketed = host.startswith("[") and host.endswith("]")
        if bracketed:
            host = host[1:-1]
        if not host or any(c.isspace() or c in "[]/" for c in host):
            raise ValueError(f"{text!r} has no valid host")
        if ":" in host and not (bracketed and _is_ip(host)):
            raise ValueError(f"{text!r}: write an IPv6 address in brackets, e.g. [::1]:4840")
        if int(port) > 65535:
            raise ValueError(f"port {port} is out of range (0-65535)")
        return cls(host, int(port))

    @property
    def is_loopback(self) -> bool:
        """True if every address the host resolves to is a loopback address.

        A host name counts only if it resolves, and only to loopback addresses: ``localhost``
        mapped elsewhere in /etc/hosts, or a DNS name of another machine, is not loopback.
        The wildcards ``0.0.0.0`` and ``::`` listen on every interface, so they are not either.
        """
        try:
            found = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):  # socket.gaierror: the name does not resolve
            return False
        return bool(found) and all(_is_loopback_ip(info[4][0]) for info in found)

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def check_address(address: Address, *, allow_remote: bool = False) -> None:
    """Refuse (ValueError) to serve on anything but loopback, unless *allow_remote*."""
    if not allow_remote and not address.is_loopback:
        raise ValueError(
            f"{address} is not a loopback address, and the servers have no authentication "
            "or encryption; allow remote clients explicitly (--allow-remote) to serve other hosts."
        )


def _is_loopback_ip(text: str) -> bool:
    ip = ipaddress.ip_address(text.partition("%")[0])  # drop an IPv6 scope id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 (Python 3.11 calls it not loopback)
    return ip.is_loopback


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class LiveLine:
    """A line advanced against the wall clock at *speed*, and its tag table right now.

    The line moves in whole scans; what is left of a scan waits for the next call. Speed 0
    freezes the line (tests and classroom demos read a fixed table). *now* is injectable.
    Timestamps served are *epoch* plus the simulated seconds.
    """

    def __init__(
        self,
        line: Line,
        *,
        speed: float = 1.0,
        now: Callable[[], float] = time.monotonic,
        epoch: datetime | None = None,
    ) -> None:
        if not 0 <= speed <= MAX_SPEED:
            raise ValueError(f"speed must be from 0 to {MAX_SPEED:g} simulated seconds a second")
        self.line = line
        self.speed = speed
        # The wall-clock time of simulated second 0, for timestamps: the line's present is now.
        self.epoch = epoch or datetime.now(UTC) - timedelta(seconds=line.clock)
        self._now = now
        self._last = now()
        self._owed = 0.0
        self.tags: dict[str, Tag] = line.tags()
        self.map: RegisterMap = build_map(self.tags, line.units)

    def advance(self) -> bool:
        """Run the line for the simulated time since the last call; True if it moved."""
        now = self._now()
        self._owed = min(self._owed + (now - self._last) * self.speed, MAX_CATCH_UP)
        self._last = now
        scans = int(self._owed / self.line.resolution + 1e-9)
        if not scans:
            return False
        self.line.run(scans * self.line.resolution)
        self._owed -= scans * self.line.resolution
        self.tags = self.line.tags()
        return True

    def command(self, unit: str, command: Command) -> None:
        """Send a PackML *command* to *unit*; it takes effect at the next scan."""
        self.line.schedule(self.line.clock, unit, command)


@dataclass
class Endpoints:
    modbus: Address | None = None  # the bound address (its real port when 0 was asked)
    opcua: str | None = None  # the endpoint URL clients connect to


async def serve(
    live: LiveLine,
    *,
    modbus: Address | None = None,
    opcua: Address | None = None,
    ready: Callable[[Endpoints], None] | None = None,
    stop: asyncio.Event | None = None,
    allow_remote: bool = False,
) -> None:
    """Serve *live* until *stop* is set or the task is cancelled.

    Raises ValueError for no address or a non-loopback one without *allow_remote*, and
    ServeError if a bind fails (after stopping any server already started).
    """
    if modbus is None and opcua is None:
        raise ValueError("serve over Modbus, OPC UA or both")
    for address in (modbus, opcua):
        if address is not None:
            check_address(address, allow_remote=allow_remote)
    servers: list = []  # filled as each starts, so that finally stops exactly those
    try:
        endpoints = await _start(live, modbus, opcua, servers)
        if ready:
            ready(endpoints)
        stop = stop or asyncio.Event()
        while not stop.is_set():
            if live.advance():
                for server in servers:
                    await server.publish()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK)
    finally:
        for server in reversed(servers):
            await server.stop()


async def _start(
    live: LiveLine, modbus: Address | None, opcua: Address | None, servers: list
) -> Endpoints:
    endpoints = Endpoints()
    if modbus is not None:
        from plcsim.serve.modbus import ModbusServer

        servers.append(server := ModbusServer(live))
        endpoints.modbus = await server.start(modbus)
    if opcua is not None:
        from plcsim.serve.opcua import OpcUaServer

        servers.append(server := OpcUaServer(live))
        endpoints.opcua = await server.start(opcua)
    return endpoints


class Background:
    """Serve in a daemon thread with its own event loop; a context manager.

    ``start`` returns once every server listens, or raises what stopped them (ServeError,
    ValueError). ``stop`` stops them, waits for the thread and re-raises an error the
    servers died of while serving. Keyword arguments (addresses, *allow_remote*) go to serve.

    >>> with Background(LiveLine(line), modbus=Address("127.0.0.1", 0)) as running:
    ...     port = running.endpoints.modbus.port
    """

    def __init__(self, live: LiveLine, *, timeout: float = 30.0, **options) -> None:
        self.live = live
        self.options = options
        self.timeout = timeout
        self.endpoints = Endpoints()
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="plcsim-serve", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            if self._stopping.is_set():  # stop() came before the loop existed
                self._stop.set()
            await serve(self.live, ready=self._started, stop=self._stop, **self.options)

        try:
            asyncio.run(main())
        except BaseException as exc:  # handed to the thread that calls start() or stop()
            self._error = exc
        finally:
            self._ready.set()

    def _started(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        self._ready.set()

    def _signal_stop(self) -> None:
        self._stopping.set()
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed already
                self._loop.call_soon_threadsafe(self._stop.set)

    def _take_error(self) -> BaseException | None:
        error, self._error = self._error, None
        return error

    def start(self) -> Background:
        self._thread.start()
        if not self._ready.wait(self.timeout):
            self._signal_stop()  # never leave servers running that nobody will stop
            self._thread.join(STOP_TIMEOUT)
            self._take_error()
            raise ServeError(f"the servers did not start within {self.timeout:g} s")
        if (error := self._take_error()) is not None:
            self._thread.join(STOP_TIMEOUT)
            raise error
        return self

    def stop(self) -> None:
        """Stop the servers and wait until their ports are closed."""
        self._signal_stop()
        if self._thread.is_alive():
            self._thread.join(STOP_TIMEOUT)
        if self._thread.is_alive():
            raise ServeError(f"the servers did not stop within {STOP_TIMEOUT:g} s")
        if (error := self._take_error()) is not None:
            raise error

    def __enter__(self) -> Background:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

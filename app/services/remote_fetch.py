"""Fetching JSON from other sites for the verifier (credentials, DID documents, status lists)
without letting a pasted URL reach inside the plant's network.

Rules, each a refusal with a reason: https only; the host is resolved once and every address
must be public (no loopback, private, link-local, multicast or reserved ones, and none of the
IPv6 ranges that tunnel or translate to IPv4: 6to4, NAT64, Teredo), and the connection goes
to the address that was checked, so a DNS answer cannot change in between; at most two
redirects, each checked the same way; at most 512 KB; a JSON media type. In development
(DEV_MODE) loopback hosts may be fetched, over http too, so that two Shopfloors on one
machine can verify each other's credentials.

Time: 5 s for the whole fetch, every hop included. Socket timeouts bound one operation
each, which a server dripping a byte every few seconds never trips, so a watchdog timer
shuts the socket down when the time is up, whatever the fetch is doing (connecting, the TLS
handshake, headers or body). The name lookup runs in a thread of its own that is waited for
only as long as the time left; at most MAX_LOOKUPS lookups wait at once, so a resolver that
hangs ties up a bounded number of threads (the system resolver cannot be interrupted: a
hung lookup ends by the resolver's own timeout, in its thread, after the fetch has failed).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from app.credentials import parsing
from app.credentials.exceptions import CredentialError

ACCEPT = "application/json, application/ld+json, application/did+json;q=0.9"
USER_AGENT = "Shopfloor-verifier/1"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_URL = 2048
MAX_LOOKUPS = 16  # name lookups that may be waiting at once, across all fetches

Resolve = Callable[[str, int], list[str]]


class FetchError(Exception):
    """The URL was refused or could not be fetched; the message says why, in plain words."""


def _resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"{host} could not be found ({exc})") from None
    return list(dict.fromkeys(info[4][0] for info in found))


_lookups = threading.BoundedSemaphore(MAX_LOOKUPS)


def _resolve_within(resolve: Resolve, host: str, port: int, seconds: float) -> list[str]:
    """*resolve* (host, port), waiting at most *seconds* for its answer."""
    if seconds <= 0:
        raise FetchError(f"{host} could not be looked up within the time allowed")
    if not _lookups.acquire(blocking=False):
        raise FetchError("too many addresses are being looked up right now: try again shortly")
    answer: dict[str, object] = {}

    def lookup() -> None:
        try:
            answer["addresses"] = resolve(host, port)
        except Exception as exc:  # handed to the waiting thread, which raises it
            answer["error"] = exc
        finally:
            _lookups.release()

    thread = threading.Thread(target=lookup, name="verify-lookup", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise FetchError(f"{host} could not be looked up within the time allowed")
    if "error" in answer:
        raise answer["error"]  # type: ignore[misc]
    return answer["addresses"]  # type: ignore[return-value]


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # with the query
    address: str  # the checked IP address to connect to


@dataclass(frozen=True)
class Fetcher:
    """``fetcher(url)`` → the JSON object at *url*, or FetchError."""

    allow_local: bool = False
    timeout: float = 5.0
    max_bytes: int = 512 * 1024
    max_redirects: int = 2
    resolve: Resolve = field(default=_resolve)

    def __call__(self, url: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        for _hop in range(self.max_redirects + 1):
            target = self.check(url, deadline=deadline)
            status, headers, body = self._get(target, deadline)
            if status in REDIRECTS:
                location = headers.get("location")
                if not location:
                    raise FetchError(f"{target.host} redirected without saying where")
                url = urljoin(url, location)
                continue
            if status != 200:
                raise FetchError(f"{target.host} answered HTTP {status}")
            return self._json(target, headers, body)
        raise FetchError(f"more than {self.max_redirects} redirects")

    def within(self, seconds: float) -> Fetcher:
        """This fetcher, allowed at most *seconds* for a whole fetch."""
        return replace(self, timeout=max(0.0, min(self.timeout, seconds)))

    def check(self, url: str, *, deadline: float | None = None) -> Target:
        """Return where *url* may be fetched from, or raise FetchError saying why not.

        The name lookup may take until *deadline* (``time.monotonic()``; default: the
        fetcher's whole timeout from now)."""
        if not isinstance(url, str) or len(url) > MAX_URL:
            raise FetchError(f"the address is missing or longer than {MAX_URL} characters")
        parts = urlsplit(url.strip())
        try:
            port = parts.port
        except ValueError:
            raise FetchError(f"{url} has an invalid port") from None
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise FetchError(f"{url} is not an https:// address")
        if parts.username is not None or parts.password is not None:
            raise FetchError("addresses with a user name or password are refused")
        host = parts.hostname
        port = port or (443 if parts.scheme == "https" else 80)
        if _is_ip(host):
            addresses = [host]
        else:
            deadline = time.monotonic() + self.timeout if deadline is None else deadline
            addresses = _resolve_within(self.resolve, host, port, deadline - time.monotonic())
        if not addresses:
            raise FetchError(f"{host} has no address")
        for address in addresses:
            problem = _refusal(address, allow_loopback=self.allow_local)
            if problem:
                raise FetchError(f"refused: {host} is {problem} ({address}); only public "
                                 "internet addresses are fetched")  # fmt: skip
        local = all(_loopback(address) for address in addresses)
        if parts.scheme == "http" and not (self.allow_local and local):
            raise FetchError(f"{url} is not an https:// address (only https is fetched)")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return Target(url, parts.scheme, host, port, path, addresses[0])

    def _get(self, target: Target, deadline: float) -> tuple[int, Mapping[str, str], bytes]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(self._too_slow(target))
        watchdog = _Watchdog(left)
        connection = _connection(target, left, watchdog)
        watchdog.start()
        try:
            connection.request(
                "GET",
                target.path,
                headers={"Accept": ACCEPT, "User-Agent": USER_AGENT, "Connection": "close"},
            )
            self._tighten(connection, target, deadline)
            response = connection.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}
            body = b""
            if response.status not in REDIRECTS:
                body = self._read(connection, response, headers, deadline)
        except (OSError, http.client.HTTPException) as exc:
            if watchdog.fired:
                raise FetchError(self._too_slow(target)) from None
            raise FetchError(_network_problem(target, exc)) from None
        finally:
            watchdog.stop()
            connection.close()
        if watchdog.fired:  # the socket was shut mid-answer: what was read may be cut short
            raise FetchError(self._too_slow(target))
        return response.status, headers, body

    def _too_slow(self, target: Target) -> str:
        return (
            f"{target.host} did not answer within the time allowed ({self.timeout:g} s for "
            "the whole fetch)"
        )

    def _tighten(self, connection: _Connection, target: Target, deadline: float) -> None:
        """Give the next socket operation at most the time left of the whole fetch (the
        watchdog ends the fetch when that is up, however the server drips its answer)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(self._too_slow(target))
        if connection.sock is not None:
            connection.sock.settimeout(left)

    def _read(
        self,
        connection: _Connection,
        response: http.client.HTTPResponse,
        headers: Mapping[str, str],
        deadline: float,
    ) -> bytes:
        target = connection.target
        if headers.get("content-encoding", "identity").lower() != "identity":
            raise FetchError(f"{target.host} sent a compressed answer, which is not read")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"the answer is larger than {self.max_bytes // 1024} KB")
        chunks, size = [], 0
        self._tighten(connection, target, deadline)
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"the answer is larger than {self.max_bytes // 1024} KB")
            chunks.append(chunk)
            self._tighten(connection, target, deadline)
        return b"".join(chunks)

    def _json(self, target: Target, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise FetchError(f"{target.url} answered {media or 'without a type'}, not JSON")
        try:
            return parsing.parse_json(body, parsing.Limits(max_bytes=self.max_bytes))
        except CredentialError as exc:
            raise FetchError(f"{target.url} did not answer usable JSON: {exc}") from None


def for_config(config: Mapping[str, Any]) -> Fetcher | None:
    """The fetcher the app's settings allow: None when VERIFY_REMOTE_FETCH is off."""
    if not config.get("VERIFY_REMOTE_FETCH", True):
        return None
    return Fetcher(allow_local=bool(config.get("DEV_MODE")))


class _Watchdog:
    """Shuts the socket it watches down once *seconds* have passed, which ends whatever
    blocking read, write or handshake the fetching thread is in."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        """Watch *sock* from now on (shut at once if the time is already up)."""
        with self._lock:
            self._socket = sock
            if self.fired:
                _shut(sock)

    def stop(self) -> None:
        with self._lock:
            self._timer.cancel()
            self._socket = None  # the caller closes it; its number may then be reused

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._socket is not None:
                _shut(self._socket)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for an SSLSocket: its own drops the TLS state, which
    # the thread still reading would then miss.
    with contextlib.suppress(OSError):  # already closed or not connected: nothing to stop
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


# -- Addresses ------------------------------------------------------------------------------


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.partition("%")[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _loopback(address: str) -> bool:
    return _ip(address).is_loopback


# IPv6 ranges that reach IPv4 addresses through a tunnel or a translator, whichever IPv4
# address they embed: refused by name, as some count as global.
_TUNNELS = [
    (ipaddress.ip_network("2002::/16"), "a 6to4 address"),
    (ipaddress.ip_network("64:ff9b::/96"), "a NAT64 address"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "a NAT64 address"),
    (ipaddress.ip_network("2001::/32"), "a Teredo address"),
    (ipaddress.ip_network("::ffff:0:0:0/96"), "an IPv4-translated address"),
    (ipaddress.ip_network("::/96"), "an IPv4-compatible address"),
]


def _refusal(address: str, *, allow_loopback: bool) -> str | None:
    """What kind of non-public address this is, or None when it may be fetched."""
    ip = _ip(address)
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if isinstance(ip, ipaddress.IPv6Address) and not ip.is_unspecified:
        tunnel = next((kind for net, kind in _TUNNELS if ip in net), None)
        if tunnel:
            return tunnel
    kinds = [
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public address"),
    ]
    return next((kind for found, kind in kinds if found), None)


# -- Connections ----------------------------------------------------------------------------


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to by then."""

    def __init__(self, target: Target, timeout: float, watchdog: _Watchdog) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target, self.watchdog = target, watchdog

    def connect(self) -> None:
        self.sock = socket.create_connection((self.target.address, self.port), self.timeout)
        self.watchdog.watch(self.sock)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float, watchdog: _Watchdog) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self.target, self.watchdog = target, watchdog

    def connect(self) -> None:
        sock = socket.create_connection((self.target.address, self.port), self.timeout)
        self.watchdog.watch(sock)
        # The certificate is checked against the host name, not the address. The handshake
        # is done apart, once the watchdog watches the TLS socket.
        self.sock = self._context.wrap_socket(
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.watchdog.watch(self.sock)
        self.sock.do_handshake()


_Connection = _PinnedHTTP | _PinnedHTTPS


def _connection(target: Target, timeout: float, watchdog: _Watchdog) -> _Connection:
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    return kind(target, timeout, watchdog)


def _network_problem(target: Target, exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return f"{target.host} did not answer within the time allowed"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{target.host} has an invalid certificate ({exc.verify_message})"
    if isinstance(exc, ConnectionRefusedError):
        return f"{target.host} refused the connection"
    return f"{target.host} could not be reached ({exc.__class__.__name__}: {exc})"

"""The verifier's fetcher: public https addresses only, redirects checked again, bounded in
time and size, JSON only. A loopback server stands in for another issuer (allow_local).

The slow servers below drip bytes with ``RELEASE.wait(pause)`` and stop once they have
dripped for DRIP_SECONDS: a fetcher that waited them out would get a whole answer, and the
test would fail on it instead of hanging."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.services.remote_fetch import Fetcher, FetchError

RELEASE = threading.Event()  # the slow page answers once the test is over
DRIP_PAUSE = 0.05  # seconds between two bytes of a dripping server
DRIP_SECONDS = 8.0  # far beyond the fetch's time: it must have given up long before


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        routes = {
            "/ok": (200, "application/ld+json", json.dumps({"id": "ok"}).encode()),
            "/html": (200, "text/html", b"<p>hello</p>"),
            "/big": (200, "application/json", b'{"x": "' + b"a" * 600_000 + b'"}'),
            "/missing": (404, "application/json", b"{}"),
        }
        if self.path == "/host":
            return self._send(
                200, "application/json", json.dumps({"host": self.headers["Host"]}).encode()
            )
        if self.path.startswith("/hop/"):
            hops = int(self.path.rsplit("/", 1)[1])
            target = "/ok" if hops == 0 else f"/hop/{hops - 1}"
            return self._redirect(target)
        if self.path == "/inside":
            return self._redirect("http://10.0.0.1/latest/meta-data")
        if self.path == "/streamed-big":  # no Content-Length: the size shows while reading
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b" " * 65536)
            return None
        if self.path == "/slow":
            RELEASE.wait(10)
            return self._send(200, "application/json", b"{}")
        if self.path == "/drip-headers":  # a byte of a header every DRIP_PAUSE seconds
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            self._drip(b"a")
            return self.wfile.write(
                b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            )
        if self.path == "/drip-body":  # the headers at once, then a byte of the body at a time
            count = int(DRIP_SECONDS / DRIP_PAUSE)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(count + 2))
            self.end_headers()
            self.wfile.write(b'"')
            self._drip(b"a")
            return self.wfile.write(b'"')
        return self._send(*routes[self.path])

    def _drip(self, byte: bytes) -> None:
        try:
            for _ in range(int(DRIP_SECONDS / DRIP_PAUSE)):
                self.wfile.write(byte)
                self.wfile.flush()
                if RELEASE.wait(DRIP_PAUSE):
                    return
        except OSError:
            return  # the fetcher hung up: what the test wants

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server() -> Iterator[str]:
    RELEASE.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    RELEASE.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


LOCAL = Fetcher(allow_local=True)


def test_fetch_json_from_an_allowed_server(server):
    assert LOCAL(f"{server}/ok") == {"id": "ok"}


def test_loopback_is_refused_unless_allowed(server):
    with pytest.raises(FetchError, match="refused: 127.0.0.1 is a loopback address"):
        Fetcher()(f"{server}/ok")
    with pytest.raises(FetchError, match="only https"):
        Fetcher()("http://93.184.215.14/ok")  # public, but not https: refused before connecting
    with pytest.raises(FetchError, match="refused: 127.0.0.1 is a loopback address"):
        Fetcher()("https://127.0.0.1:1/ok")


def test_redirects_are_followed_twice_at_most_and_checked_again(server):
    assert LOCAL(f"{server}/hop/1") == {"id": "ok"}  # /hop/1 → /hop/0 → /ok
    with pytest.raises(FetchError, match="more than 2 redirects"):
        LOCAL(f"{server}/hop/2")
    with pytest.raises(FetchError, match="refused: 10.0.0.1 is a private address"):
        LOCAL(f"{server}/inside")


def test_only_json_of_at_most_512_kb_is_read(server):
    with pytest.raises(FetchError, match="answered text/html, not JSON"):
        LOCAL(f"{server}/html")
    with pytest.raises(FetchError, match="larger than 512 KB"):
        LOCAL(f"{server}/big")
    with pytest.raises(FetchError, match="larger than 512 KB"):
        LOCAL(f"{server}/streamed-big")
    with pytest.raises(FetchError, match="answered HTTP 404"):
        LOCAL(f"{server}/missing")


def test_a_slow_server_is_given_up_on(server):
    with pytest.raises(FetchError, match="did not answer within the time allowed"):
        Fetcher(allow_local=True, timeout=0.3)(f"{server}/slow")


def test_names_resolving_inside_the_network_are_refused():
    def resolve(addresses):
        return lambda host, port: addresses

    with pytest.raises(FetchError, match="10.0.0.7"):
        Fetcher(resolve=resolve(["10.0.0.7"]))("https://issuer.example/did.json")
    with pytest.raises(FetchError, match="loopback"):
        Fetcher(resolve=resolve(["93.184.215.14", "127.0.0.1"]))("https://issuer.example/x")
    with pytest.raises(FetchError, match="link-local"):
        Fetcher(resolve=resolve(["fe80::1%eth0"]))("https://issuer.example/x")


def test_the_connection_goes_to_the_address_that_was_checked(server):
    """The name is resolved once; the request still names the host it asked for."""
    port = server.rsplit(":", 1)[1]
    pinned = Fetcher(allow_local=True, resolve=lambda host, port: ["127.0.0.1"])
    assert pinned(f"http://issuer.test:{port}/host") == {"host": f"issuer.test:{port}"}


# -- The whole fetch has one deadline --------------------------------------------------------


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body"])
def test_a_server_dripping_its_answer_is_cut_off_at_the_deadline(server, path):
    """A byte every 50 ms trips no per-read timeout: the fetch's own deadline must end it."""
    with pytest.raises(FetchError, match=r"did not answer within the time allowed \(0.5 s"):
        Fetcher(allow_local=True, timeout=0.5)(f"{server}{path}")


@pytest.fixture
def tls_dripper() -> Iterator[int]:
    """A port whose server answers a TLS hello with a record header, then one byte of the
    record at a time: the handshake never finishes, and never stalls long."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(DRIP_SECONDS)

    def serve() -> None:
        try:
            peer, _ = listener.accept()
        except OSError:
            return
        with peer:
            try:
                peer.recv(4096)  # the client hello
                peer.sendall(b"\x16\x03\x03\x40\x00")  # a 16 KB handshake record follows
                for _ in range(int(DRIP_SECONDS / DRIP_PAUSE)):
                    peer.sendall(b"\x00")
                    if RELEASE.wait(DRIP_PAUSE):
                        return
            except OSError:
                return

    RELEASE.clear()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    RELEASE.set()
    listener.close()
    thread.join(timeout=5)


def test_a_tls_handshake_dripped_a_byte_at_a_time_is_cut_off(tls_dripper):
    with pytest.raises(FetchError, match="did not answer within the time allowed"):
        Fetcher(allow_local=True, timeout=0.5)(f"https://127.0.0.1:{tls_dripper}/did.json")


def test_a_name_lookup_that_hangs_is_given_up_on():
    answered = threading.Event()

    def hanging(host, port):
        answered.wait(30)
        return ["93.184.215.14"]

    try:
        with pytest.raises(FetchError, match="could not be looked up within the time allowed"):
            Fetcher(timeout=0.3, resolve=hanging)("https://issuer.example/did.json")
    finally:
        answered.set()


def test_the_lookup_shares_the_fetch_deadline_and_its_errors_come_through():
    def broken(host, port):
        raise FetchError(f"{host} could not be found (no such name)")

    with pytest.raises(FetchError, match="could not be found"):
        Fetcher(resolve=broken)("https://nowhere.example/did.json")
    with pytest.raises(FetchError, match="could not be looked up within the time allowed"):
        Fetcher(timeout=0, resolve=broken)("https://nowhere.example/did.json")


@pytest.mark.parametrize(
    "address, kind",
    [
        ("2002:c0a8:0101::1", "a 6to4 address"),  # 192.168.1.1 through a 6to4 relay
        ("2002:0808:0808::1", "a 6to4 address"),  # even a public IPv4 address inside
        ("64:ff9b::a9fe:a9fe", "a NAT64 address"),  # 169.254.169.254 through NAT64
        ("64:ff9b:1::a00:1", "a NAT64 address"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo address"),
        ("::ffff:0:a00:1", "an IPv4-translated address"),
        ("::a00:1", "an IPv4-compatible address"),
    ],
)
def test_ipv6_addresses_that_reach_ipv4_are_refused(address, kind):
    resolving = Fetcher(resolve=lambda host, port: [address])
    with pytest.raises(FetchError, match=f"refused: issuer.example is {kind}"):
        resolving("https://issuer.example/did.json")
    with pytest.raises(FetchError, match=kind):
        Fetcher()(f"https://[{address}]/did.json")

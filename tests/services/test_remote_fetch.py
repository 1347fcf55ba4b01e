"""The verifier's fetcher: public https addresses only, redirects checked again, bounded in
time and size, JSON only. A loopback server stands in for another issuer (allow_local)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.services.remote_fetch import Fetcher, FetchError

RELEASE = threading.Event()  # the slow page answers once the test is over


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
        return self._send(*routes[self.path])

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

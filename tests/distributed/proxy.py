"""A small reverse proxy for tests: what a load balancer in front of several web processes does.

Each request goes to the next backend in turn; a backend that refuses the connection (its
process is gone) is skipped for the next one, so the client never notices. The response is
passed on as it arrives (Server-Sent Events stream through), and the proxy remembers which
backend serves which request, so a test can kill the one holding a page's event stream.
Standard library only; one connection per request (``Connection: close``).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Headers about one connection, not the request: never passed on.
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "trailers", "transfer-encoding", "upgrade", "proxy-connection",
}  # fmt: skip


class Proxy:
    def __init__(self, backends: list[int]) -> None:
        self.backends = list(backends)  # loopback ports of the web processes
        self._turn = itertools.cycle(range(len(self.backends)))
        self.lock = threading.Lock()
        self.open: dict[int, tuple[str, int]] = {}  # request → (path, backend) while served
        self.served: list[tuple[str, int]] = []  # every request answered: (path, backend)
        self._ids = itertools.count()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def order(self) -> list[int]:
        """The backends to try for the next request: the next in turn first."""
        with self.lock:
            first = next(self._turn)
        return self.backends[first:] + self.backends[:first]

    def serving(self, fragment: str) -> set[int]:
        """The backends serving, right now, a request whose path contains *fragment*."""
        with self.lock:
            return {port for path, port in self.open.values() if fragment in path}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        def log_message(self, format, *args) -> None:  # noqa: A002 - the base's signature
            """Quiet: the test reads ``proxy.served`` instead."""

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            for port in proxy.order():
                backend = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                try:
                    backend.connect()
                except OSError:  # nobody listens there any more: the next backend
                    backend.close()
                    continue
                self.relay(backend, port, body, headers)
                return
            self.send_error(502, "No backend answers")

        def relay(self, backend, port: int, body, headers: dict) -> None:
            request = next(proxy._ids)
            with proxy.lock:
                proxy.open[request] = (self.path, port)
            try:
                backend.request(self.command, self.path, body=body, headers=headers)
                response = backend.getresponse()
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Connection", "close")
                self.end_headers()
                while chunk := response.read1(65536):
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (OSError, http.client.HTTPException):
                pass  # the backend died mid-answer, or the client left: end this connection
            finally:
                self.close_connection = True
                backend.close()
                with proxy.lock:
                    proxy.open.pop(request, None)
                    proxy.served.append((self.path, port))
                with contextlib.suppress(OSError):
                    self.wfile.flush()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = forward

    return Forward

"""A Redis of the suite's own: ``redis-server`` on a free loopback port, in a temp folder.

``redis_url`` (session scope, so each pytest-xdist worker has its own server) is what tests
that need a Redis use; TEST_REDIS_URL, when set, wins (CI may point it at a service).
``private_redis`` gives one test a server of its own to stop and start again (fault tests).
Neither keeps anything on disk (``--save '' --appendonly no``): a stopped server comes back
empty, as a production Redis without persistence does after a restart.

``scripts/system-deps.sh --test`` installs ``redis-server`` (Debian: package redis-server).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.waiting import poll

START_SECONDS = 20.0  # a healthy redis-server answers PING within milliseconds


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One ``redis-server`` process; ``stop()`` and ``start()`` again keep its port."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run scripts/system-deps.sh --test")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes",
             "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if not poll(self._answers, seconds=START_SECONDS):
            self.stop()
            log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"redis-server on port {self.port} did not answer PING:\n{log}")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            return True  # it exited (port taken, say): stop waiting, ``start`` reports it
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.exceptions.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """Stop the server (SIGTERM: it saves nothing, as configured) and wait for it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """The URL of this test process's Redis (TEST_REDIS_URL if set, else a private one)."""
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        yield given
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    """A redis-server for this test alone, which the test may stop and start again."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_prefix(redis_url) -> Iterator[str]:
    """A Redis key prefix for this test only, on the suite's Redis; its keys are deleted
    afterwards."""
    name = f"shopfloor-test-{uuid.uuid4().hex[:10]}:"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()

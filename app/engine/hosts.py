"""Kernel hosts: learners' interactive kernels on machines of their own, reached over Redis.

A kernel host is a ``flask labs kernel-host`` process with its own sandbox and warm pool. It
registers itself in Redis with its capacity (a key that expires unless renewed every few
seconds), reads requests from a Redis stream of its own, and runs them on the same
``CellRuns`` the embedded engine uses: outputs go to the shared event log (Redis Streams)
and finished cells to the database, so any web process can serve the learner's page.

The web side (``RemoteRuns``) places each workspace on a live host by rendezvous hashing
(every web process picks the same host, and losing a host moves only its own workspaces),
keeps the placement in Redis, and asks the host by request and reply. When the host of a
workspace stops answering its heartbeat, the learner is told their kernel stopped (their
code is saved) and the next run lands on another host.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.engine.events import RELOAD, UNAVAILABLE_TEXT, EventLogUnavailable
from app.engine.runs import CellRuns
from app.errors import Conflict

logger = logging.getLogger(__name__)
PREFIX = "shopfloor:kernels:"
HEARTBEAT_SECONDS = 2.0  # how often a host renews its registration
HOST_TTL_SECONDS = 15  # silent this long, a host is presumed gone (a starved one misses beats)
LOST_TEXT = (
    "The machine running your kernel stopped. Your code is saved: run the cell again and a "
    "new kernel starts on another machine."
)


class Registry:
    """Which kernel hosts are alive, with what they report (capacity, kernels, memory)."""

    def __init__(self, client, prefix: str = PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    def _key(self, name: str) -> str:
        return f"{self.prefix}host:{name}"

    def announce(self, name: str, info: dict[str, Any], ttl: int = HOST_TTL_SECONDS) -> None:
        self.client.sadd(f"{self.prefix}hosts", name)
        self.client.set(self._key(name), json.dumps(info), ex=ttl)

    def withdraw(self, name: str) -> None:
        self.client.delete(self._key(name))
        self.client.srem(f"{self.prefix}hosts", name)

    def alive(self) -> dict[str, dict[str, Any]]:
        names = sorted(n.decode() for n in self.client.smembers(f"{self.prefix}hosts"))
        if not names:
            return {}
        found = self.client.mget([self._key(n) for n in names])
        return {name: json.loads(info) for name, info in zip(names, found, strict=True) if info}

    def is_alive(self, name: str) -> bool:
        return bool(self.client.exists(self._key(name)))


def place(workspace: str, hosts: dict[str, dict[str, Any]]) -> str | None:
    """The host for *workspace*: highest rendezvous score among hosts with room (any host
    when all are full; None when there is none)."""

    def score(name: str) -> int:
        return int.from_bytes(hashlib.sha256(f"{name}\0{workspace}".encode()).digest()[:8], "big")

    roomy = [n for n, info in hosts.items() if info.get("kernels", 0) < info.get("capacity", 1)]
    candidates = roomy or list(hosts)
    return max(candidates, key=score) if candidates else None


def redis_errors():
    """The errors of a Redis that cannot be reached (down, restarting, unreachable)."""
    from redis import exceptions  # the distributed engine's imports, paid where used

    return (exceptions.ConnectionError, exceptions.TimeoutError)


class RemoteRuns:
    """The workspace's kernel on a kernel host: the interface of ``CellRuns``, over Redis.

    While Redis cannot be reached nothing can reach a host: asking one is refused with a
    reason (EventLogUnavailable), a kernel's status counts as busy, and pages follow from
    the start of the log until it is back.
    """

    def __init__(self, client, events, *, prefix: str = PREFIX, timeout: float = 10.0) -> None:
        self.client = client
        self.events = events
        self.prefix = prefix
        self.timeout = timeout
        self.registry = Registry(client, prefix)
        self._down = redis_errors()

    key = staticmethod(CellRuns.key)

    # -- placement -------------------------------------------------------------------------
    def _placement_key(self, workspace_id: int) -> str:
        return f"{self.prefix}placement:{workspace_id}"

    def host_of(self, workspace_id: int, *, start: bool) -> str | None:
        """The live host holding the workspace's kernel; with *start*, place it if needed.

        A placement on a host that stopped is dropped, and the learner's pages are told
        once (whichever web process notices first). EventLogUnavailable while Redis is away.
        """
        try:
            return self._host_of(workspace_id, start)
        except self._down as exc:
            raise EventLogUnavailable(UNAVAILABLE_TEXT) from exc

    def _host_of(self, workspace_id: int, start: bool) -> str | None:
        placed = self.client.get(self._placement_key(workspace_id))
        placed = placed.decode() if placed else None
        if placed and self.registry.is_alive(placed):
            return placed
        if placed:
            self._lost(workspace_id, placed)
        if not start:
            return None
        host = place(self.key(workspace_id), self.registry.alive())
        if host is None:
            raise Conflict("No kernel host is running. Ask your administrator to start one.")
        self.client.set(self._placement_key(workspace_id), host)
        return host

    def _lost(self, workspace_id: int, host: str) -> None:
        """Tell the workspace's pages its kernel's host stopped, once; forget the placement."""
        once = f"{self.prefix}lost:{workspace_id}:{host}"
        if self.client.set(once, "1", nx=True, ex=3600):
            logger.warning(
                "kernel host %s is gone; workspace %s loses its kernel", host, workspace_id
            )
            key = self.key(workspace_id)
            unfinished = _unfinished_cells(
                self.events.since(key, max(0, self.events.last(key) - 200))
            )
            self.events.publish(key, {"type": "kernel", "status": "none", "restarted": True})
            for cell in unfinished:
                self.events.publish(
                    key, {"type": "done", "cell": cell, "status": "failed", "message": LOST_TEXT}
                )
        self.client.delete(self._placement_key(workspace_id))

    # -- asking a host ---------------------------------------------------------------------
    def _ask(self, host: str, op: str, timeout: float | None = None, **args) -> Any:
        request_id = uuid.uuid4().hex
        reply = f"{self.prefix}reply:{request_id}"
        request = json.dumps({"id": request_id, "op": op, "args": args})
        try:
            self.client.xadd(f"{self.prefix}host:{host}:requests", {"r": request}, maxlen=10_000)
            answer = self.client.blpop([reply], timeout=timeout or self.timeout)
        except self._down as exc:
            raise EventLogUnavailable(UNAVAILABLE_TEXT) from exc
        if answer is None:
            raise Conflict("The kernel's machine is not answering. Try again in a moment.")
        body = json.loads(answer[1])
        if "conflict" in body:
            raise Conflict(body["conflict"])
        if "error" in body:
            raise RuntimeError(body["error"])
        return body.get("value")

    # -- the CellRuns interface ------------------------------------------------------------
    def run(
        self,
        workspace_id: int,
        seed: int,
        cells: list[tuple[str, str]],
        cell_seconds: float | None = None,
    ) -> None:
        host = self.host_of(workspace_id, start=True)
        self._ask(
            host, "run", workspace_id=workspace_id, seed=seed, cells=cells,
            cell_seconds=cell_seconds,
        )  # fmt: skip

    def send_widget(
        self, workspace_id: int, cell_id: str, comm_id: str, data: dict, buffers: list[bytes]
    ) -> None:
        host = self.host_of(workspace_id, start=False)
        if host is None:  # the kernel that made the widget is gone; a message never starts one
            event = {"type": "widget-done", "cell": cell_id, "comm": comm_id, "status": "gone"}
            self.events.publish(self.key(workspace_id), event)
            return
        encoded = [base64.b64encode(b).decode("ascii") for b in buffers]
        self._ask(
            host, "widget", workspace_id=workspace_id, cell=cell_id, comm=comm_id, data=data,
            buffers=encoded,
        )  # fmt: skip

    def interrupt(self, workspace_id: int) -> None:
        host = self.host_of(workspace_id, start=False)
        if host:
            self._ask(host, "interrupt", workspace_id=workspace_id)

    def restart(self, workspace_id: int, seed: int) -> None:
        host = self.host_of(workspace_id, start=True)
        self._ask(host, "restart", workspace_id=workspace_id, seed=seed, timeout=60)

    def complete(self, workspace_id: int, code: str, cursor: int) -> dict[str, Any]:
        return self._help("complete", workspace_id, code, cursor)

    def inspect(self, workspace_id: int, code: str, cursor: int) -> dict[str, Any]:
        return self._help("inspect", workspace_id, code, cursor)

    def _help(self, op: str, workspace_id: int, code: str, cursor: int) -> dict[str, Any]:
        host = self.host_of(workspace_id, start=False)
        if host is None:  # asking never starts a kernel
            empty = {"matches": [], "cursor_start": cursor, "cursor_end": cursor}
            return {**(empty if op == "complete" else {"found": False, "text": ""}),
                    "reason": "no-kernel"}  # fmt: skip
        return self._ask(host, op, workspace_id=workspace_id, code=code, cursor=cursor, timeout=5)

    def status(self, workspace_id: int) -> str:
        """none, starting, busy, idle or dead; never waits long (pages ask every few
        seconds): a host that does not answer at once counts as busy until its heartbeat
        lapses, and then as gone."""
        try:
            host = self.host_of(workspace_id, start=False)
            if host is None:
                return "none"
            try:
                return self._ask(host, "status", workspace_id=workspace_id, timeout=3)
            except EventLogUnavailable:
                raise
            except Conflict:
                if self.registry.is_alive(host):
                    return "busy"
                return "none" if self.host_of(workspace_id, start=False) is None else "busy"
        except (EventLogUnavailable, *self._down):
            return "busy"  # Redis is away: the kernel may well be running; nobody can ask

    def follow_from(self, workspace_id: int) -> int:
        """The event number a newly loaded page follows from; 0 (from the start) while
        Redis is away: the page then replays what the log still holds, or reloads."""
        try:
            host = self.host_of(workspace_id, start=False)
            if host is None:
                return self.events.last(self.key(workspace_id))
            return self._ask(host, "follow_from", workspace_id=workspace_id)
        except EventLogUnavailable:
            return 0

    def cull(self) -> list[str]:
        return []  # each host culls its own kernels

    def kernel_stats(self) -> dict[str, dict[str, int]]:
        hosts = self.registry.alive()
        return {
            "kernels": {name: int(info.get("kernels", 0)) for name, info in hosts.items()},
            "kernel_memory_bytes": {n: int(i.get("memory_bytes", 0)) for n, i in hosts.items()},
        }

    def readiness(self) -> list[tuple[str, bool, str]]:
        try:
            hosts = self.registry.alive()
        except self._down as exc:
            return [("kernel_hosts", False, type(exc).__name__)]
        return [("kernel_hosts", bool(hosts), f"{len(hosts)} alive" if hosts else "none alive")]

    def shutdown(self) -> None:
        """Nothing to stop here: the kernels live on their hosts."""


def _unfinished_cells(events: list[tuple[int, dict]]) -> list[str]:
    """Cells queued or running in *events* with no "done" after: the run the host took down."""
    pending: dict[str, None] = {}
    for _number, event in events:
        if event is RELOAD or event.get("type") == "reload":
            continue
        if event.get("type") in ("queued", "running"):
            pending[event["cell"]] = None
        elif event.get("type") == "done":
            pending.pop(event.get("cell"), None)
    return list(pending)


class KernelHost:
    """Serves one host's requests on its local ``CellRuns`` until stopped."""

    def __init__(
        self, client, runs: CellRuns, name: str, capacity: int, *, prefix: str = PREFIX
    ) -> None:
        self.client = client
        self.runs = runs
        self.name = name
        self.capacity = capacity
        self.prefix = prefix
        self.registry = Registry(client, prefix)
        self.stopping = threading.Event()
        self.workers = ThreadPoolExecutor(max_workers=16, thread_name_prefix="host-request")
        self.stream = f"{prefix}host:{name}:requests"
        self._down = redis_errors()

    def info(self) -> dict[str, Any]:
        stats = self.runs.kernel_stats()
        return {
            "capacity": self.capacity,
            "kernels": sum(stats["kernels"].values()),
            "memory_bytes": sum(stats["kernel_memory_bytes"].values()),
        }

    def heartbeat(self) -> None:
        while not self.stopping.is_set():
            try:
                self.registry.announce(self.name, self.info())
            except self._down:  # Redis away: the serve loop says so; announce again later
                logger.debug("kernel host %s: heartbeat failed", self.name, exc_info=True)
            except Exception:
                logger.exception("kernel host %s: heartbeat failed", self.name)
            self.stopping.wait(HEARTBEAT_SECONDS)

    def serve(self) -> None:
        """Announce this host and answer requests until ``stop``.

        A Redis that goes away (restarted, unreachable) stops nothing: the kernels and
        their runs go on, and the host takes requests again once Redis answers (the next
        heartbeat announces it again, should Redis have come back empty).
        """
        self.client.delete(self.stream)  # requests for an earlier life of this host are void
        # Read from the start of the (new) stream, not from "$": a web process may send a
        # request as soon as the first heartbeat announces this host, before the first read.
        last, away = "0-0", False
        beat = threading.Thread(target=self.heartbeat, name="host-heartbeat", daemon=True)
        beat.start()
        try:
            while not self.stopping.is_set():
                try:
                    batch = self.client.xread({self.stream: last}, block=1000, count=50)
                except self._down as exc:
                    if not away:
                        logger.warning("kernel host %s: Redis is away (%s)", self.name, exc)
                    away = True
                    self.stopping.wait(1.0)
                    continue
                if away:
                    logger.warning("kernel host %s: Redis is back; taking requests", self.name)
                    away = False
                for _stream, entries in batch or []:
                    for entry_id, fields in entries:
                        last = entry_id
                        self.workers.submit(self.answer, json.loads(fields[b"r"]))
                flush = getattr(self.runs.events, "flush", None)
                if flush is not None:
                    flush()  # reloads owed to pages whose events were dropped meanwhile
        finally:
            self.stopping.set()
            with contextlib.suppress(*self._down):
                self.registry.withdraw(self.name)

    def answer(self, request: dict[str, Any]) -> None:
        try:
            body = {"value": self.handle(request["op"], request.get("args") or {})}
        except Conflict as exc:
            body = {"conflict": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the asking web process
            logger.exception("kernel host %s: %s failed", self.name, request.get("op"))
            body = {"error": type(exc).__name__}
        reply = f"{self.prefix}reply:{request['id']}"
        try:
            self.client.rpush(reply, json.dumps(body))
            self.client.expire(reply, 60)
        except self._down:  # the asker gives up by itself; nothing to do
            logger.warning("kernel host %s: no reply sent to %s", self.name, request.get("op"))

    def handle(self, op: str, args: dict[str, Any]) -> Any:
        workspace = int(args["workspace_id"])
        if op == "run":
            cells = [(str(c), str(code)) for c, code in args["cells"]]
            limit = args.get("cell_seconds")
            limit = float(limit) if limit is not None else None
            return self.runs.run(workspace, int(args["seed"]), cells, limit)
        if op == "widget":
            buffers = [base64.b64decode(b) for b in args.get("buffers") or []]
            return self.runs.send_widget(
                workspace, str(args["cell"]), str(args["comm"]), dict(args["data"]), buffers
            )
        if op == "interrupt":
            return self.runs.interrupt(workspace)
        if op == "restart":
            return self.runs.restart(workspace, int(args["seed"]))
        if op in ("complete", "inspect"):
            return getattr(self.runs, op)(workspace, str(args["code"]), int(args["cursor"]))
        if op == "status":
            return self.runs.status(workspace)
        if op == "follow_from":
            return self.runs.follow_from(workspace)
        raise ValueError(f"unknown request {op!r}")

    def stop(self) -> None:
        self.stopping.set()
        self.workers.shutdown(wait=False, cancel_futures=True)

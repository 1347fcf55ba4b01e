"""Interactive kernels for the lab workspace: start, execute, interrupt, restart, cull.

Each learner session gets its own sandboxed kernel (from the warm pool when one is ready);
it lives until the learner shuts it down, restarts it, or leaves it idle too long. The
manager runs on its own event loop thread, so web request threads call it synchronously.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from app.sandbox.base import CellResult, Output, SandboxUnavailable
from app.sandbox.kernel import KernelConfig, SandboxKernel
from app.sandbox.loop import LoopThread
from app.sandbox.pool import KernelPool
from app.sandbox.replies import no_completion, no_inspection

# A completion or an inspection that takes longer is no help to someone typing.
HELP_SECONDS = 2.0


@dataclass
class Session:
    kernel: SandboxKernel
    busy: bool = False


class SessionManager:
    def __init__(
        self,
        config: KernelConfig,
        *,
        pool: KernelPool | None = None,
        idle_seconds: float = 900,
        max_sessions: int = 0,
    ) -> None:
        self.config = config
        self.pool = pool
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions  # 0: no cap
        self.sessions: dict[str, Session] = {}
        # Per session; weak, so a lock lives as long as someone holds or awaits it.
        self.locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.runner = pool.runner if pool else LoopThread("lab-sessions")

    def _call(self, coroutine, timeout: float | None = None):
        if self.pool:
            self.pool.start()
        return self.runner.call(coroutine, timeout)

    def start(self, key: str, *, setup: str = "") -> str:
        """Start (or keep) the kernel of session *key*; return the kernel's id.

        A new kernel runs *setup* first, without history (the learner's first cell is In[1],
        as in Jupyter), before anything else can reach it.
        """
        return self._call(self._start(key, setup))

    def _lock(self, key: str) -> asyncio.Lock:
        """The lock that orders the starts and restarts of session *key* (on the loop)."""
        lock = self.locks.get(key)
        if lock is None:
            lock = self.locks[key] = asyncio.Lock()
        return lock

    async def _start(self, key: str, setup: str = "") -> str:
        async with self._lock(key):
            return await self._ensure(key, setup)

    async def _ensure(self, key: str, setup: str) -> str:
        """A live kernel for *key*, set up; the caller holds the session's lock."""
        session = self.sessions.get(key)
        if session is not None and await session.kernel.is_alive():
            return session.kernel.id
        if session is not None:
            await session.kernel.shutdown()
            self.sessions.pop(key, None)
        await self._make_room()
        kernel = await (self.pool.acquire() if self.pool else SandboxKernel.start(self.config))
        session = self.sessions[key] = Session(kernel, busy=bool(setup))
        if setup:
            try:
                await kernel.run_code(
                    setup, 0, timeout=self.config.limits.cell_seconds, history=False
                )
            finally:
                session.busy = False
        return kernel.id

    def execute(
        self,
        key: str,
        code: str,
        *,
        on_output: Callable[[Output], None] | None = None,
        history: bool = True,
        timeout: float | None = None,
        setup: str = "",
    ) -> CellResult:
        """Run *code* in session *key*; *on_output* sees each output as it is produced.

        Without *history* the run takes no execution count. *timeout* replaces the per-cell
        limit for this cell (a lab's own ``cell_seconds``). A kernel started for this run
        runs *setup* first (see :meth:`start`); a run asked for during a restart waits for
        the new kernel and its set-up, as a queued cell does in Jupyter.
        """
        return self._call(self._execute(key, code, on_output, history, timeout, setup))

    async def _execute(self, key, code, on_output, history, timeout, setup) -> CellResult:
        async with self._lock(key):
            await self._ensure(key, setup)
            session = self.sessions[key]
            session.busy = True
        try:
            return await session.kernel.run_code(
                code,
                0,
                timeout=timeout or self.config.limits.cell_seconds,
                on_output=on_output,
                history=history,
                widgets=True,
            )
        finally:
            session.busy = False

    def send_comm(
        self,
        key: str,
        comm_id: str,
        data: dict,
        buffers: list[bytes],
        *,
        on_output: Callable[[Output], None] | None = None,
        timeout: float | None = None,
    ) -> CellResult | None:
        """Deliver a widget's message from the page to session *key*'s kernel (see
        SandboxKernel.send_comm); None when the session has no kernel: the widget is gone
        with the kernel that made it. Never starts a kernel."""
        if key not in self.sessions:  # asking must not start the pool or its event loop
            return None
        return self._call(self._send_comm(key, comm_id, data, buffers, on_output, timeout))

    async def _send_comm(self, key, comm_id, data, buffers, on_output, timeout):
        async with self._lock(key):
            session = self.sessions.get(key)
            if session is None or not await session.kernel.is_alive():
                return None
            session.busy = True
        try:
            return await session.kernel.send_comm(
                comm_id,
                data,
                buffers,
                timeout=timeout or self.config.limits.cell_seconds,
                on_output=on_output,
            )
        finally:
            session.busy = False

    def complete(self, key: str, code: str, cursor: int) -> dict:
        """Completions at *cursor* (code points) from session *key*'s kernel; never starts one.

        ``{"matches": [str, ...], "cursor_start": int, "cursor_end": int}`` (see
        SandboxKernel.complete). With no kernel, or a kernel running a cell (its shell
        channel answers only when the cell ends), the empty result comes at once with a
        ``"reason"``: ``"no-kernel"`` or ``"busy"``.
        """
        return self._help("complete", key, code, max(0, min(cursor, len(code))))

    def inspect(self, key: str, code: str, cursor: int) -> dict:
        """Help on the name at *cursor*: ``{"found": bool, "text": str}``, as :meth:`complete`."""
        return self._help("inspect", key, code, max(0, min(cursor, len(code))))

    def _help(self, kind: str, key: str, code: str, cursor: int) -> dict:
        empty = no_completion(cursor) if kind == "complete" else no_inspection()
        if key not in self.sessions:  # asking must not start the pool or its event loop
            return {**empty, "reason": "no-kernel"}
        try:
            return self._call(self._ask(kind, key, code, cursor, empty), HELP_SECONDS + 5)
        except TimeoutError:  # the loop itself is stuck: no help rather than a hung request
            return empty

    async def _ask(self, kind: str, key: str, code: str, cursor: int, empty: dict) -> dict:
        session = self.sessions.get(key)
        if session is None:
            return {**empty, "reason": "no-kernel"}
        if session.busy:
            return {**empty, "reason": "busy"}
        ask = session.kernel.complete if kind == "complete" else session.kernel.inspect
        return await ask(code, cursor, timeout=HELP_SECONDS)

    async def _make_room(self) -> None:
        """At the cap, end the kernel unused the longest; SandboxUnavailable if all are busy."""
        if not self.max_sessions or len(self.sessions) < self.max_sessions:
            return
        idle = [(s.kernel.last_used, k) for k, s in self.sessions.items() if not s.busy]
        if not idle:
            raise SandboxUnavailable(
                f"All {self.max_sessions} lab kernels of this server are running code right "
                "now. Your code is saved: run it again in a minute."
            )
        await self._shutdown(min(idle)[1])

    def interrupt(self, key: str) -> None:
        self._call(self._interrupt(key))

    async def _interrupt(self, key: str) -> None:
        session = self.sessions.get(key)
        if session is not None:
            with contextlib.suppress(Exception):
                await session.kernel.interrupt()

    def restart(self, key: str, *, setup: str = "") -> str:
        """A fresh kernel for the session, set up: nothing of the old one survives.

        Starts, runs and restarts of one session never interleave: a run asked for while
        the restart is under way runs on the new kernel, once its *setup* has run.
        """
        return self._call(self._restart(key, setup))

    async def _restart(self, key: str, setup: str) -> str:
        async with self._lock(key):
            await self._shutdown(key)
            return await self._ensure(key, setup)

    def shutdown(self, key: str) -> None:
        self._call(self._shutdown(key))

    async def _shutdown(self, key: str) -> None:
        session = self.sessions.pop(key, None)
        if session is not None:
            await session.kernel.shutdown()

    def status(self, key: str) -> str:
        """none, busy, idle or dead."""
        if key not in self.sessions:  # asking must not start the pool or its event loop
            return "none"
        return self._call(self._status(key))

    async def _status(self, key: str) -> str:
        session = self.sessions.get(key)
        if session is None:
            return "none"
        if not await session.kernel.is_alive():
            return "dead"
        return "busy" if session.busy else "idle"

    def memory_bytes(self) -> int:
        """The memory the live sessions' kernels use now, together."""
        return sum(session.kernel.memory_bytes() for session in list(self.sessions.values()))

    def cull_idle(self, *, now: float | None = None) -> list[str]:
        """Shut down sessions idle for longer than ``idle_seconds``; return their keys."""
        if not self.sessions:
            return []
        return self._call(self._cull(time.monotonic() if now is None else now))

    async def _cull(self, now: float) -> list[str]:
        stale = [
            key
            for key, session in self.sessions.items()
            if not session.busy and now - session.kernel.last_used > self.idle_seconds
        ]
        await asyncio.gather(*(self._shutdown(key) for key in stale))
        return stale

    def close(self) -> None:
        for key in list(self.sessions):
            self.shutdown(key)
        if not self.pool:
            self.runner.stop()


class FakeSessions:
    """Pretends to run cells: each ends "ok" with no output. For tests of pages only.

    It keeps the code it was given (``ran``) and each run's per-cell limit (``timeouts``,
    None for the default), so a test can see what would have run, and counts executions per
    kernel as a kernel does.
    """

    def __init__(self, seconds_per_cell: float = 0.0) -> None:
        self.kernels: dict[str, str] = {}
        self.ran: list[tuple[str, str]] = []
        self.timeouts: list[float | None] = []
        self.started = 0
        self.counts: dict[str, int] = {}
        self.seconds_per_cell = seconds_per_cell  # how long each pretend cell takes
        self.comms: list[tuple[str, str, dict]] = []  # widget messages: key, comm id, data

    def start(self, key: str, *, setup: str = "") -> str:
        if key not in self.kernels:
            self.started += 1
            self.kernels[key] = f"fake-{self.started}"
            if setup:
                self.ran.append((key, setup))
                self.timeouts.append(None)
        return self.kernels[key]

    def execute(
        self,
        key: str,
        code: str,
        *,
        on_output=None,
        history: bool = True,
        timeout=None,
        setup: str = "",
    ) -> CellResult:
        self.start(key, setup=setup)
        self.ran.append((key, code))
        self.timeouts.append(timeout)
        if not history:
            return CellResult(index=0, status="ok")
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.seconds_per_cell:
            threading.Event().wait(self.seconds_per_cell)
        return CellResult(index=0, status="ok", execution_count=self.counts[key])

    def send_comm(
        self, key: str, comm_id: str, data: dict, buffers, *, on_output=None, timeout=None
    ) -> CellResult | None:
        """Keeps the message (``comms``); None, as with no kernel, before a first run."""
        if key not in self.kernels:
            return None
        self.comms.append((key, comm_id, data))
        return CellResult(index=0, status="ok")

    # What the fake kernel knows: names to complete, and the help on one of them.
    NAMES = ("len", "list", "math", "max", "min", "print", "range", "round", "sorted", "sum")
    HELP = {
        "len": "Signature: len(obj, /)\n"
        "Docstring: Return the number of items in a container.\n"
        "Type:      builtin_function_or_method",
    }

    def complete(self, key: str, code: str, cursor: int) -> dict:
        """The NAMES starting with the word before *cursor*; no-kernel before a first run."""
        cursor = max(0, min(cursor, len(code)))
        if key not in self.kernels:
            return {**no_completion(cursor), "reason": "no-kernel"}
        word = re.search(r"[A-Za-z_]\w*$", code[:cursor])
        matches = [n for n in self.NAMES if word and n.startswith(word.group())]
        if not matches:
            return no_completion(cursor)
        return {"matches": matches, "cursor_start": word.start(), "cursor_end": cursor}

    def inspect(self, key: str, code: str, cursor: int) -> dict:
        """HELP on the name before *cursor* (or before the bracket just opened after it)."""
        cursor = max(0, min(cursor, len(code)))
        if key not in self.kernels:
            return {**no_inspection(), "reason": "no-kernel"}
        name = re.search(r"([A-Za-z_]\w*)\(?$", code[:cursor])
        text = self.HELP.get(name.group(1)) if name else None
        return {"found": True, "text": text} if text else no_inspection()

    def interrupt(self, key: str) -> None:
        """Nothing runs, so there is nothing to stop."""

    def restart(self, key: str, *, setup: str = "") -> str:
        self.kernels.pop(key, None)
        self.counts.pop(key, None)
        return self.start(key, setup=setup)

    def status(self, key: str) -> str:
        return "idle" if key in self.kernels else "none"

    def cull_idle(self, *, now: float | None = None) -> list[str]:
        return []

    def close(self) -> None:
        self.kernels.clear()

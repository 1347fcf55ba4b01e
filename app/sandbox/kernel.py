"""One sandboxed IPython kernel, driven through jupyter-client over Unix sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.sandbox import boundary, bwrap, cgroups
from app.sandbox.base import CellResult, Limits, Output, SandboxUnavailable
from app.sandbox.outputs import OutputCollector
from app.sandbox.replies import completion, inspection

if TYPE_CHECKING:
    from jupyter_client import AsyncKernelManager

logger = logging.getLogger(__name__)
# Each kernel's host folder: its spec, connection file, and (sandboxed) the link to its
# sockets; nothing in it is reachable from inside the sandbox. Short: sun_path ≤ 107 bytes.
RUNTIME_ROOT = Path(tempfile.gettempdir()) / "shopfloor-kernels"
SOCKETS_LINK = "sockets"
SANDBOX_CONNECTION = "sandbox.json"  # the kernel's connection file (sockets as it sees them)
KERNEL_NAME = "shopfloor-sandbox"


@dataclass(frozen=True)
class KernelConfig:
    environment: bwrap.Environment
    limits: Limits = Limits()
    sandboxed: bool = True  # False only with the loudly logged development setting
    startup_seconds: float = 60.0


class SandboxKernel:
    """Start with ``await SandboxKernel.start(config)``; always ``await kernel.shutdown()``."""

    def __init__(self, config: KernelConfig) -> None:
        self.config = config
        self.id = uuid.uuid4().hex[:12]
        self.runtime = RUNTIME_ROOT / self.id
        self.group: cgroups.Cgroup | None = None
        self.manager: AsyncKernelManager | None = None
        self.client = None
        self.started_at = 0.0
        self.last_used = 0.0
        self.output: boundary.PipeTail | None = None  # the end of its stdout and stderr
        self.info: boundary.PipeTail | None = None  # bubblewrap's report (sandboxed)
        self._release_sockets: weakref.finalize | None = None  # see _reach_sockets
        self._shell: asyncio.Lock | None = None  # see _shell_lock

    @classmethod
    async def start(cls, config: KernelConfig) -> SandboxKernel:
        kernel = cls(config)
        try:
            await kernel._start()
        except BaseException:
            await kernel.shutdown()
            raise
        return kernel

    async def _start(self) -> None:
        # pyzmq loads with the first kernel, not with the app (`flask --help`).
        import zmq

        limits = self.config.limits
        deadline = time.monotonic() + self.config.startup_seconds
        self.runtime.mkdir(parents=True, mode=0o700)
        if self.config.sandboxed:
            bwrap.check()
        self.group = cgroups.create(
            self.id,
            memory_bytes=limits.memory_mb * 1024 * 1024,
            pids=limits.processes,
            cpu_share=limits.cpu_share,
        )
        self.output, output = await boundary.PipeTail.open()
        info = -1
        if self.config.sandboxed:
            self.info, info = await boundary.PipeTail.open()
        try:
            await self._spawn(output, info)
        finally:
            for fd in (output, info):
                if fd >= 0:
                    os.close(fd)  # the kernel's process has its own copies
        if self.config.sandboxed:
            await self._reach_sockets(deadline)
        # Messages are read whole into the host's memory before any output limit applies:
        # the sockets refuse (and drop) anything larger than message_bytes.
        self.client = self.manager.client()
        self.client.context.setsockopt(zmq.MAXMSGSIZE, limits.message_bytes)
        self.client.start_channels(hb=False)  # liveness comes from the process, not heartbeats
        try:
            await self.client.wait_for_ready(timeout=max(deadline - time.monotonic(), 1))
        except RuntimeError as exc:
            tail = await self._last_words()
            raise SandboxUnavailable(f"the sandboxed kernel did not start: {exc}. {tail}") from None
        self.started_at = self.last_used = time.monotonic()

    async def _spawn(self, output: int, info: int) -> None:
        """Start the kernel's process; its stdout and stderr go to *output*, bubblewrap's
        report to *info* (sandboxed)."""
        from jupyter_client import AsyncKernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        spec_dir = self.runtime / "spec" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        (self.runtime / "launch.json").write_text(json.dumps(self._launch(info)))
        kernel_json = {
            "argv": bwrap.launcher_argv(self.runtime / "launch.json"),
            "display_name": "Shopfloor lab (sandboxed)",
            "language": "python",
            "interrupt_mode": "message",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(kernel_json))
        # Sandboxed, the host's end of the sockets is a link made once the sandbox is built
        # (_reach_sockets); until then the host's sockets retry, as they do anyway until the
        # kernel has bound its own.
        sockets = self.runtime / SOCKETS_LINK if self.config.sandboxed else self.runtime
        self.manager = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]),
            transport="ipc",
            connection_file=str(self.runtime / "k.json"),
            ip=str(sockets / "k"),
        )
        if self.config.sandboxed:
            self._write_sandbox_connection()
        await self.manager.start_kernel(
            stdout=output, stderr=subprocess.STDOUT, pass_fds=(info,) if info >= 0 else ()
        )

    def _write_sandbox_connection(self) -> None:
        """The kernel's own connection file: the host's keys and ports (the manager writes its
        file once, now), with the sockets in the sandbox's folder, as the sandbox sees it."""
        self.manager.write_connection_file()
        info = json.loads(Path(self.manager.connection_file).read_text())
        info["ip"] = f"{bwrap.SOCKETS}/k"
        fd = os.open(self.runtime / SANDBOX_CONNECTION, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(info, out)

    def _launch(self, info_fd: int) -> dict:
        """What the launcher needs: the command, its rlimits and its cgroup."""
        if not self.config.sandboxed:
            argv = [
                str(self.config.environment.python),
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
                *bwrap.KERNEL_OPTIONS,
            ]
        else:
            own = self.runtime / SANDBOX_CONNECTION  # mounted read-only in the sandbox
            argv = bwrap.command(self.config.environment, self.config.limits, own, info_fd)
        return {
            "argv": argv,
            "rlimits": _rlimits(self.config.limits, self.group),
            "cgroup": self.group.to_json() if self.group else None,
        }

    async def _reach_sockets(self, deadline: float) -> None:
        """Link the host's end of the sockets to the sandbox's socket folder, once built."""
        try:
            info = await boundary.read_info(self.info, max(deadline - time.monotonic(), 0.1))
            folder = await boundary.open_folder(
                info, bwrap.SOCKETS, deadline=deadline, alive=self.manager.is_alive
            )
        except SandboxUnavailable as exc:
            raise SandboxUnavailable(f"{exc}. {await self._last_words()}") from None
        # Closed in shutdown, or when an abandoned kernel is collected: the handle keeps the
        # sandbox's socket folder in memory.
        self._release_sockets = weakref.finalize(self, os.close, folder)
        os.symlink(f"/proc/self/fd/{folder}", self.runtime / SOCKETS_LINK)

    async def _last_words(self) -> str:
        """The end of what a kernel that failed to start wrote (bubblewrap's error, a trace)."""
        with contextlib.suppress(TimeoutError):  # a sandbox still running keeps the pipe open
            await asyncio.wait_for(self.output.ended.wait(), 2)
        return self.output.text()[-500:]

    async def run_code(
        self,
        code: str,
        index: int,
        *,
        timeout: float,
        on_output: Callable[[Output], None] | None = None,
        history: bool = True,
        widgets: bool = False,
    ) -> CellResult:
        """Execute one cell, streaming outputs to *on_output*; never raises for learner errors.

        With *history* (as in Jupyter) the run takes the kernel's next execution count, which
        its traceback names ("Cell In[n]"); without, the count is left for the next cell.
        With *widgets* (a live workspace) the cell's widgets come as outputs too
        (OutputCollector).
        """
        start = time.monotonic()
        msg_id = self.client.execute(code, store_history=history, allow_stdin=False)
        return await self._collect(msg_id, index, start, timeout, on_output, history, widgets)

    async def send_comm(
        self,
        comm_id: str,
        data: dict,
        buffers: list[bytes],
        *,
        timeout: float,
        on_output: Callable[[Output], None] | None = None,
    ) -> CellResult:
        """Deliver a widget's message from the page to its model in the kernel.

        It is a comm message on the shell channel, as a Jupyter front end sends: the model's
        handlers run (an ``observe`` callback, ``interact``'s function) and what they output
        streams to *on_output* like a cell's outputs, within the cell's time limit.
        """
        start = time.monotonic()
        message = self.client.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        message["buffers"] = buffers
        self.client.shell_channel.send(message)
        msg_id = message["header"]["msg_id"]
        return await self._collect(msg_id, 0, start, timeout, on_output, False, True)

    async def _collect(
        self, msg_id, index, start, timeout, on_output, history, widgets
    ) -> CellResult:
        """The result of request *msg_id*, sent at *start*: its outputs until the kernel is
        idle again, or until *timeout* seconds have passed (then it is interrupted)."""
        result = CellResult(index=index, status="ok")
        collector = OutputCollector(self.config.limits, on_output, widgets=widgets, parent=msg_id)
        status = await self._drain(msg_id, collector, start + timeout)
        if status == "timeout":
            status = await self._interrupt(msg_id, collector)
        result.outputs = collector.outputs
        result.error = collector.error
        result.execution_count = collector.execution_count if history else None
        result.seconds = time.monotonic() - start
        self.last_used = time.monotonic()
        result.status = self._classify(status, collector)
        return result

    async def evaluate(self, expression: str, index: int, *, timeout: float) -> CellResult:
        """Evaluate *expression* out of band and keep the text form of its value.

        It is a user expression of a silent, empty execute request: IPython's cell machinery
        (input transformers, run-cell events, the display hook, history) never sees it, and
        the value comes back in the reply on the shell channel, which code in the kernel
        cannot print into. The learner's code can still have changed what it evaluates, so
        the value is data to check, never to trust.
        """
        result = CellResult(index=index, status="ok")
        start = time.monotonic()
        async with self._shell_lock():
            msg_id = self.client.execute(
                "",
                silent=True,
                store_history=False,
                user_expressions={"value": expression},
                allow_stdin=False,
            )
            reply = await self._next(self.client.get_shell_msg, msg_id, start + timeout)
            if reply == "timeout":  # too slow: interrupt; kill the kernel if that does not help
                with contextlib.suppress(Exception):
                    await self.manager.interrupt_kernel()
                read = self.client.get_shell_msg
                if await self._next(read, msg_id, time.monotonic() + 5) == "timeout":
                    await self.kill()
        if reply == "timeout":
            result.status = "timeout"
        elif reply == "dead":
            result.status = self._death_reason()
        else:
            self._read_value(reply, result)
        result.seconds = time.monotonic() - start
        self.last_used = time.monotonic()
        if self.group and cgroups.oom_killed(self.group):
            result.status = "memory"
        return result

    async def complete(self, code: str, cursor: int, *, timeout: float) -> dict:
        """The kernel's completions at *cursor* (in code points, as Jupyter counts from 5.2).

        ``{"matches": [str, ...], "cursor_start": int, "cursor_end": int}``: the matches
        replace ``code[cursor_start:cursor_end]``. The reply comes from code the learner
        controls, so only plain, bounded values are kept; a timeout, a dead kernel or a
        malformed reply gives no matches, never an exception.
        """
        cursor = max(0, min(cursor, len(code)))
        reply = await self._ask(lambda: self.client.complete(code, cursor), timeout)
        return completion(reply, code, cursor)

    async def inspect(self, code: str, cursor: int, *, timeout: float) -> dict:
        """What the kernel says about the name at *cursor*: ``{"found": bool, "text": str}``.

        The text is IPython's plain-text help (signature, docstring), without terminal
        colours or other control characters, at most replies.INSPECT_CHARS long; untrusted, as
        with :meth:`complete`.
        """
        cursor = max(0, min(cursor, len(code)))
        reply = await self._ask(lambda: self.client.inspect(code, cursor, detail_level=0), timeout)
        return inspection(reply)

    async def _ask(self, send: Callable[[], str], timeout: float) -> dict | None:
        """Send a shell request with *send* (it returns the msg_id); the reply's content.

        None when no answer came in time (the queue for the shell lock counts), the kernel
        is gone, or the reply is not a dict. A late reply is dropped by the next reader.
        """
        deadline = time.monotonic() + timeout
        try:
            async with asyncio.timeout(timeout):
                await self._shell_lock().acquire()
        except TimeoutError:
            return None
        try:
            if self.client is None or not await self.is_alive():
                return None
            reply = await self._next(self.client.get_shell_msg, send(), deadline)
        except Exception:  # the channels closed under us (shutdown, restart)
            logger.debug("kernel %s: no reply to a shell request", self.id, exc_info=True)
            return None
        finally:
            self._shell_lock().release()
        self.last_used = time.monotonic()  # the learner is at work: completing is activity
        content = reply.get("content") if isinstance(reply, dict) else None
        return content if isinstance(content, dict) else None

    def _shell_lock(self) -> asyncio.Lock:
        """One shell request at a time: a reader drops the replies it was not waiting for.

        Made on first use, on the loop that drives this kernel.
        """
        if self._shell is None:
            self._shell = asyncio.Lock()
        return self._shell

    async def _next(self, read, msg_id: str, deadline: float):
        """The next message answering *msg_id* from *read* (a channel's reader).

        "timeout" after *deadline*, "dead" if the kernel died while we waited.
        """
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            try:
                msg = await read(timeout=min(remaining, 0.5))
            except Exception:  # queue.Empty: nothing yet; check the kernel is still there
                if not await self.manager.is_alive():
                    return "dead"
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def _read_value(self, reply: dict, result: CellResult) -> None:
        content = reply.get("content") or {}
        found = (content.get("user_expressions") or {}).get("value")
        if content.get("status") != "ok" or not isinstance(found, dict):
            result.status = "error"
            result.error = {"name": str(content.get("ename", "Error")), "message": ""}
        elif found.get("status") != "ok":
            result.status = "error"
            result.error = {
                "name": str(found.get("ename", "Error"))[:200],
                "message": str(found.get("evalue", ""))[:1000],
            }
        else:
            text = (found.get("data") or {}).get("text/plain")
            if not isinstance(text, str) or len(text) > self.config.limits.value_bytes:
                result.status = "error"
                result.error = {"name": "ValueTooLarge", "message": "not kept"}
            else:
                result.value = text

    async def _drain(self, msg_id: str, collector: OutputCollector, deadline: float) -> str:
        """Read iopub until the cell is idle; return ok, error, timeout or dead."""
        while True:
            msg = await self._next(self.client.get_iopub_msg, msg_id, deadline)
            if isinstance(msg, str):
                return msg
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return "error" if collector.error else "ok"
            collector.add(kind, msg["content"], msg.get("buffers"), msg.get("metadata"))

    async def _interrupt(self, msg_id: str, collector: OutputCollector) -> str:
        with contextlib.suppress(Exception):
            await self.manager.interrupt_kernel()
        status = await self._drain(msg_id, collector, time.monotonic() + 5)
        if status in ("ok", "error"):
            collector.error = None  # the KeyboardInterrupt is ours, not the learner's
            collector.drop_interrupt_traceback()
            return "timeout"
        await self.kill()
        return "timeout"

    def _classify(self, status: str, collector: OutputCollector) -> str:
        if self.group and cgroups.oom_killed(self.group):
            return "memory"
        if status == "dead":
            return self._death_reason()
        if self.group and cgroups.pids_exhausted(self.group) and status == "error":
            return "processes"
        if status == "error" and collector.error_mentions(("No space left", "File too large")):
            return "disk"
        if status == "error" and collector.error_mentions(("MemoryError",)):
            return "memory"
        return status

    def _death_reason(self) -> str:
        process = getattr(self.manager.provisioner, "process", None) if self.manager else None
        code = process.poll() if process else None
        if code in (-24, 128 + 24):  # SIGXCPU: the CPU-time limit
            return "cpu"
        if code in (-9, 128 + 9) and self.group and cgroups.oom_killed(self.group):
            return "memory"
        return "killed"

    def memory_bytes(self) -> int:
        """What the kernel's sandbox uses now: its cgroup's memory, else the resident size
        of the process it was launched as (0 once it is gone)."""
        if self.group:
            return cgroups.memory_bytes(self.group)
        process = getattr(self.manager.provisioner, "process", None) if self.manager else None
        try:
            status = Path(f"/proc/{process.pid}/status").read_text() if process else ""
        except OSError:
            return 0
        kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), 0)
        return int(kib) * 1024

    async def is_alive(self) -> bool:
        return bool(self.manager) and await self.manager.is_alive()

    async def interrupt(self) -> None:
        await self.manager.interrupt_kernel()

    async def kill(self) -> None:
        if self.manager:
            with contextlib.suppress(Exception):
                await self.manager.kill_kernel()
        if self.group:
            cgroups.remove(self.group)

    async def shutdown(self) -> None:
        """Stop the kernel and remove everything it had: sockets, home, cgroup.

        A kernel serves one run and keeps nothing worth saving, so it is killed outright:
        the sandbox's processes die with bubblewrap (--die-with-parent) and the cgroup sweep
        catches anything left.
        """
        if self.client:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
        process = getattr(self.manager.provisioner, "process", None) if self.manager else None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(None, process.wait, 10)
        if self.manager:
            with contextlib.suppress(Exception):
                await self.manager.cleanup_resources()
            with contextlib.suppress(Exception):
                self.manager.context.destroy(linger=0)
        if self.group:
            cgroups.remove(self.group)
        for pipe in (self.output, self.info):
            if pipe:
                pipe.close()
        shutil.rmtree(self.runtime, ignore_errors=True)  # the link to the sockets goes first
        if self._release_sockets:
            self._release_sockets()


def _rlimits(limits: Limits, group: cgroups.Cgroup | None) -> dict[str, int | list[int]]:
    values = {
        # SIGXCPU at the soft limit tells "CPU time" apart from other kills; SIGKILL follows.
        "RLIMIT_CPU": [limits.cpu_seconds, limits.cpu_seconds + 5],
        "RLIMIT_FSIZE": limits.file_mb * 1024 * 1024,
        "RLIMIT_NOFILE": limits.open_files,
        "RLIMIT_CORE": 0,
    }
    if group is None:
        # No cgroup: the cruder rlimits stand in for memory.max and pids.max.
        values["RLIMIT_AS"] = limits.memory_mb * 1024 * 1024 * 2
        values["RLIMIT_NPROC"] = limits.processes * 4
    return values
